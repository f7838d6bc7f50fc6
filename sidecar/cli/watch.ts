/**
 * `candlewire watch`: a terminal view of live candles. Closed bars scroll as log lines; on a TTY
 * the forming bar of every spec is redrawn in place at the bottom, elsewhere it is printed at
 * most every few seconds.
 */
import type { Kline } from '../market/model';

export interface WatchOutput {
  write(text: string): void;
  isTTY: boolean;
  columns?: number;
}

interface Row {
  key: string;
  label: string;
  forming?: Kline;
  lastPrinted: number;
}

const ESC = '\x1b[';

export function formatTime(ms: number, withSeconds = true): string {
  const d = new Date(ms);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const ss = String(d.getUTCSeconds()).padStart(2, '0');
  return withSeconds ? `${hh}:${mm}:${ss}` : `${hh}:${mm}`;
}

/** One candle as a fixed-layout line: open time, OHLC, volume, trades. */
export function formatKline(label: string, k: Kline): string {
  const n = (x: number) => String(x);
  const trades = k.trades === undefined ? '' : `  n ${k.trades}`;
  return `${formatTime(k.openTime)}Z ${label}  O ${n(k.open)}  H ${n(k.high)}  L ${n(k.low)}  C ${n(k.close)}  V ${n(k.volume)}${trades}`;
}

export class WatchView {
  private readonly rows = new Map<string, Row>();
  private drawn = 0;
  private timer?: NodeJS.Timeout;
  private dirty = false;

  constructor(
    private readonly out: WatchOutput,
    private readonly now: () => number = Date.now,
    private readonly plainEveryMs = 5000,
  ) {}

  addRow(key: string, label: string): void {
    this.rows.set(key, { key, label, lastPrinted: 0 });
  }

  start(): void {
    if (this.out.isTTY) {
      this.timer = setInterval(() => this.flush(), 200);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.flush();
  }

  kline(key: string, k: Kline): void {
    const row = this.rows.get(key);
    if (!row) return;
    if (k.closed) {
      if (row.forming && row.forming.openTime <= k.openTime) row.forming = undefined;
      this.line(`${formatKline(row.label, k)}  closed`);
      return;
    }
    row.forming = k;
    if (this.out.isTTY) {
      this.dirty = true;
    } else if (this.now() - row.lastPrinted >= this.plainEveryMs) {
      row.lastPrinted = this.now();
      this.out.write(`${formatKline(row.label, k)}  forming\n`);
    }
  }

  /** A log line above the live block (status changes, gaps, errors). */
  line(text: string): void {
    if (!this.out.isTTY) {
      this.out.write(text + '\n');
      return;
    }
    this.clearBlock();
    this.out.write(text + '\n');
    this.drawBlock();
  }

  private flush(): void {
    if (!this.out.isTTY || !this.dirty) return;
    this.dirty = false;
    this.clearBlock();
    this.drawBlock();
  }

  private clearBlock(): void {
    if (this.drawn) this.out.write(`${ESC}${this.drawn}A${ESC}0J`);
    this.drawn = 0;
  }

  private drawBlock(): void {
    const width = Math.max(40, (this.out.columns ?? 120) - 1);
    let text = '';
    for (const row of this.rows.values()) {
      const body = row.forming ? `${formatKline(row.label, row.forming)}  forming` : `${row.label}  waiting for data…`;
      text += body.slice(0, width) + '\n';
    }
    this.out.write(text);
    this.drawn = this.rows.size;
  }
}

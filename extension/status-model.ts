/**
 * Connection health as the sidecar pushes it (`status` notifications), aggregated into what the
 * status bar shows: one severity, one short text naming the worst connection, and a tooltip table.
 * Pure: the clock and translation are passed in.
 */
import { escapeCell, english, formatAge, padNumber, FIGURE_SPACE, type Translate } from './format';
import { marketOfKey, type ConnectionStatus } from './protocol';

export type Severity = 'ok' | 'warning' | 'error';
export type SidecarPhase = 'starting' | 'running' | 'restarting' | 'stopped' | 'failed';

/** Reconnect attempts after which a connection counts as down rather than recovering. */
export const DOWN_AFTER_ATTEMPTS = 5;

const RANK: Record<Severity, number> = { ok: 0, warning: 1, error: 2 };

/** How bad one connection's state is. */
export function connectionSeverity(c: ConnectionStatus): Severity {
  switch (c.state) {
    case 'open':
    case 'closed':
      return 'ok';
    case 'connecting':
      // The first connect is routine; connecting again after a loss is not.
      return c.reconnects > 0 ? 'warning' : 'ok';
    case 'stale':
    case 'error':
      return 'warning';
    case 'reconnecting':
      return (c.attempt ?? 1) >= DOWN_AFTER_ATTEMPTS ? 'error' : 'warning';
  }
}

/** Messages per second over a sliding window of one-second buckets. */
class Meter {
  private readonly buckets = new Map<number, number>();
  last: number | undefined;
  constructor(private readonly windowS = 10) {}

  add(now: number): void {
    const sec = Math.floor(now / 1000);
    this.buckets.set(sec, (this.buckets.get(sec) ?? 0) + 1);
    this.last = now;
    for (const k of this.buckets.keys()) if (k <= sec - this.windowS) this.buckets.delete(k);
  }

  rate(now: number): number {
    const sec = Math.floor(now / 1000);
    let n = 0;
    // Whole seconds only: the current, partial second would make the rate flicker.
    for (const [k, v] of this.buckets) if (k < sec && k >= sec - this.windowS) n += v;
    return n / this.windowS;
  }
}

/**
 * The latest state of every connection of the running sidecar, plus what this window has seen of
 * the data flowing through them. The sidecar pushes `status` only when a state changes, so the
 * live figures (last message age, messages/s) come from the data notifications this window receives.
 */
export class ConnectionBoard {
  private readonly connections = new Map<string, ConnectionStatus>();
  private readonly meters = new Map<string, Meter>();
  /** Exchange id → display name (from `exchanges.list`). */
  readonly names = new Map<string, string>();

  /** Applies one `status` notification; a deliberately closed connection leaves the board. */
  update(status: ConnectionStatus): void {
    if (status.state === 'closed') this.connections.delete(status.id);
    else this.connections.set(status.id, status);
  }

  /** Replaces everything with a `status.get` snapshot. */
  seed(list: readonly ConnectionStatus[]): void {
    this.connections.clear();
    for (const c of list) this.update(c);
  }

  /** Counts a data notification (kline, trade, ticker) with this key. */
  dataArrived(key: string, now: number): void {
    const m = marketOfKey(key);
    let meter = this.meters.get(m);
    if (!meter) this.meters.set(m, (meter = new Meter()));
    meter.add(now);
  }

  clear(): void {
    this.connections.clear();
    this.meters.clear();
  }

  list(): ConnectionStatus[] {
    return [...this.connections.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  displayName(exchange: string): string {
    return this.names.get(exchange) ?? exchange;
  }

  /** Last message time of a connection: its own counter, or newer data seen on its exchange-market. */
  lastMessageTime(c: ConnectionStatus): number | undefined {
    const data = c.state === 'open' ? this.meters.get(`${c.exchange}:${c.market}`)?.last : undefined;
    if (data === undefined) return c.lastMessageTime;
    return c.lastMessageTime === undefined ? data : Math.max(data, c.lastMessageTime);
  }

  /** Data notifications per second this window receives for an exchange-market. */
  rate(exchange: string, market: string, now: number): number {
    return this.meters.get(`${exchange}:${market}`)?.rate(now) ?? 0;
  }

  /** The worst connection of one exchange-market, if it has any. */
  worstOf(exchange: string, market: string): ConnectionStatus | undefined {
    return worst(this.list().filter((c) => c.exchange === exchange && c.market === market));
  }
}

/** The connection that most deserves attention: highest severity, then most reconnect attempts. */
export function worst(list: readonly ConnectionStatus[]): ConnectionStatus | undefined {
  let best: ConnectionStatus | undefined;
  for (const c of list) {
    if (!best) {
      best = c;
      continue;
    }
    const d = RANK[connectionSeverity(c)] - RANK[connectionSeverity(best)];
    if (d > 0 || (d === 0 && (c.attempt ?? 0) > (best.attempt ?? 0))) best = c;
  }
  return best;
}

export interface StatusSummary {
  severity: Severity;
  /** A codicon name, e.g. `pulse`. */
  icon: string;
  /** The text after the icon. */
  text: string;
  /** Plain text for screen readers. */
  accessibleText: string;
}

export interface SummaryInput {
  phase: SidecarPhase;
  board: ConnectionBoard;
  t?: Translate;
}

/** Localized state word of a connection, e.g. `reconnecting`. */
export function stateLabel(state: ConnectionStatus['state'], t: Translate = english): string {
  switch (state) {
    case 'open':
      return t('open');
    case 'connecting':
      return t('connecting');
    case 'stale':
      return t('stale');
    case 'reconnecting':
      return t('reconnecting');
    case 'closed':
      return t('closed');
    case 'error':
      return t('error');
  }
}

/** What the status bar item shows. */
export function summarize({ phase, board, t = english }: SummaryInput): StatusSummary {
  if (phase === 'starting') return { severity: 'ok', icon: 'sync~spin', text: t('Candlewire'), accessibleText: t('Candlewire: the sidecar is starting') };
  if (phase === 'restarting') return { severity: 'warning', icon: 'sync~spin', text: t('Candlewire restarting'), accessibleText: t('Candlewire: the sidecar is restarting after a crash') };
  if (phase === 'stopped' || phase === 'failed') return { severity: 'error', icon: 'error', text: t('Candlewire stopped'), accessibleText: t('Candlewire: the sidecar is not running') };
  const all = board.list();
  if (all.length === 0) return { severity: 'ok', icon: 'pulse', text: t('Candlewire'), accessibleText: t('Candlewire: no connections (no subscriptions)') };
  const healthy = all.filter((c) => c.state === 'open').length;
  const bad = worst(all)!;
  const severity = connectionSeverity(bad);
  if (severity === 'ok') {
    const width = String(all.length).length;
    return {
      severity,
      icon: 'pulse',
      text: `${padNumber(healthy, width)}/${all.length}`,
      accessibleText: t('Candlewire: {0} of {1} connections open', healthy, all.length),
    };
  }
  const troubled = all.filter((c) => connectionSeverity(c) !== 'ok').length;
  const name = board.displayName(bad.exchange);
  const attempt = bad.state === 'reconnecting' && bad.attempt !== undefined ? ` (${padNumber(bad.attempt, 2)})` : '';
  const more = troubled > 1 ? ` +${troubled - 1}` : '';
  const text = `${name} ${stateLabel(bad.state, t)}${attempt}${more}`;
  return {
    severity,
    icon: severity === 'error' ? 'error' : 'warning',
    text,
    accessibleText: t('Candlewire: {0} {1} {2}; {3} of {4} connections open', name, bad.market, stateLabel(bad.state, t), healthy, all.length).replaceAll(FIGURE_SPACE, ''),
  };
}

export interface TooltipInput {
  phase: SidecarPhase;
  board: ConnectionBoard;
  now: number;
  /** Why the sidecar is not running (phase failed/restarting). */
  reason?: string;
  version?: string;
  pid?: number;
  t?: Translate;
}

/** Command links offered in every tooltip (the command ids are the extension's own). */
export const TOOLTIP_COMMANDS = ['candlewire.showLogs', 'candlewire.restartSidecar', 'candlewire.openSubscriptions'] as const;

/** The tooltip as Markdown: a header, a table per connection, command links. */
export function tooltipMarkdown({ phase, board, now, reason, version, pid, t = english }: TooltipInput): string {
  const lines: string[] = [];
  if (phase === 'running') {
    lines.push(`**${t('Candlewire')}** — ${t('sidecar {0}, pid {1}', version ?? '?', pid ?? '?')}`, '');
    const all = board.list();
    if (all.length === 0) {
      lines.push(t('No open connections: add a subscription to start streaming.'));
    } else {
      const head = [t('Exchange'), t('Market'), t('State'), t('Last message'), t('Msg/s'), t('Reconnects'), t('Last error')];
      lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => ':--').join('|')}|`);
      for (const c of all) {
        const last = board.lastMessageTime(c);
        const state = c.state === 'reconnecting' && c.attempt !== undefined ? t('reconnecting (attempt {0})', c.attempt) : stateLabel(c.state, t);
        const cells = [
          escapeCell(board.displayName(c.exchange)),
          escapeCell(`${c.market} · ${c.endpoint}`),
          escapeCell(state),
          last === undefined ? '—' : escapeCell(formatAge(now - last, t)),
          board.rate(c.exchange, c.market, now).toFixed(1),
          String(c.reconnects),
          c.message && c.state !== 'open' ? escapeCell(truncate(c.message, 80)) : '—',
        ];
        lines.push(`| ${cells.join(' | ')} |`);
      }
    }
  } else if (phase === 'starting') {
    lines.push(`**${t('Candlewire')}** — ${t('the sidecar is starting…')}`);
  } else {
    lines.push(`**${t('Candlewire')}** — ${phase === 'restarting' ? t('the sidecar is restarting after a crash') : t('the sidecar is not running')}`);
    if (reason) lines.push('', escapeCell(truncate(reason, 300)));
  }
  lines.push(
    '',
    `[${t('Show Logs')}](command:candlewire.showLogs) · [${t('Restart Sidecar')}](command:candlewire.restartSidecar) · [${t('Open Subscriptions')}](command:candlewire.openSubscriptions)`,
  );
  return lines.join('\n');
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/**
 * Text shown to the user: clock times, the OHLCV legend, numbers printed exactly as the exchange
 * sent them (a legend that rounds a price is a legend a trader cannot trust).
 */
import type { Kline } from '../sidecar/market/model';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `12:03:04`, local time. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `2025-11-21 12:03` (with `:04` seconds when `seconds`), local time. */
export function formatDateTime(ms: number, seconds = false): string {
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? `:${pad(d.getSeconds())}` : ''}`;
  return `${date} ${time}`;
}

/** Digits after the decimal point of a number's shortest spelling (1e-7 counts as 7). */
export function decimals(n: number): number {
  const s = String(n);
  const exp = /e-(\d+)$/.exec(s);
  if (exp) {
    const mantissa = s.slice(0, exp.index);
    const dot = mantissa.indexOf('.');
    return Number(exp[1]) + (dot < 0 ? 0 : mantissa.length - dot - 1);
  }
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** A number as the exchange sent it: no rounding, no exponent for small prices. */
export function formatExact(n: number): string {
  const s = String(n);
  if (!/e/.test(s)) return s;
  return n.toFixed(Math.min(20, decimals(n)));
}

export interface LegendFields {
  time: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  /** `+12.5 (+0.02%)`; empty when there is nothing to compare with. */
  change: string;
  /** Sign of the change: the legend colours it like the candle. */
  direction: 'up' | 'down' | 'flat';
}

/**
 * The legend of `bar`: exact OHLCV, and the change from the previous bar's close (from the bar's
 * open when it is the first one), printed with the operands' precision so float noise never shows.
 */
export function legendFields(bar: Kline, prev: Kline | undefined, seconds: boolean): LegendFields {
  const base = prev ? prev.close : bar.open;
  const diff = bar.close - base;
  const places = Math.max(decimals(bar.close), decimals(base));
  const abs = Number(diff.toFixed(places));
  const pct = base !== 0 ? (diff / base) * 100 : 0;
  const sign = abs > 0 ? '+' : abs < 0 ? '−' : '';
  return {
    time: formatDateTime(bar.openTime, seconds),
    open: formatExact(bar.open),
    high: formatExact(bar.high),
    low: formatExact(bar.low),
    close: formatExact(bar.close),
    volume: formatExact(bar.volume),
    change: `${sign}${Math.abs(abs).toFixed(places)} (${sign}${Math.abs(pct).toFixed(2)}%)`,
    direction: abs > 0 ? 'up' : abs < 0 ? 'down' : 'flat',
  };
}

/**
 * Bar alignment for the simulator. Fixed intervals are aligned to the Unix epoch (plus an offset:
 * weeks open on Monday 00:00 UTC, as on the exchanges); months follow the UTC calendar.
 */

export type SimInterval =
  | { kind: 'fixed'; name: string; ms: number; offsetMs: number }
  | { kind: 'month'; name: string; months: number };

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** 1970-01-01 was a Thursday; the first Monday is four days later. */
const MONDAY_OFFSET_MS = 4 * 86_400_000;

/** Parses `<n>s|<n>m|<n>h|<n>d|<n>w|<n>M` (case matters: `M` is months); an Error names the bad value. */
export function parseInterval(name: string): SimInterval | Error {
  const match = /^([1-9][0-9]{0,3})([smhdwM])$/.exec(name);
  if (!match) return new Error(`invalid interval "${name}": expected <n>s, <n>m, <n>h, <n>d, <n>w or <n>M, e.g. 1m, 4h, 1M`);
  const n = Number(match[1]);
  const unit = match[2];
  if (unit === 'M') return { kind: 'month', name, months: n };
  const ms = n * UNIT_MS[unit];
  return { kind: 'fixed', name, ms, offsetMs: unit === 'w' ? MONDAY_OFFSET_MS % ms : 0 };
}

/** The open time of the bar that contains `time`. */
export function barOpen(iv: SimInterval, time: number): number {
  if (iv.kind === 'fixed') return Math.floor((time - iv.offsetMs) / iv.ms) * iv.ms + iv.offsetMs;
  const d = new Date(time);
  const monthIndex = d.getUTCFullYear() * 12 + d.getUTCMonth();
  const aligned = monthIndex - mod(monthIndex, iv.months);
  return Date.UTC(Math.floor(aligned / 12), mod(aligned, 12), 1);
}

/** The open time of the bar after the one opening at `open`. */
export function nextOpen(iv: SimInterval, open: number): number {
  if (iv.kind === 'fixed') return open + iv.ms;
  const d = new Date(open);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + iv.months, 1);
}

/** The last millisecond inside the bar opening at `open`. */
export function barClose(iv: SimInterval, open: number): number {
  return nextOpen(iv, open) - 1;
}

/** The first bar open at or after `time`. */
export function firstOpenAtOrAfter(iv: SimInterval, time: number): number {
  const open = barOpen(iv, time);
  return open < time ? nextOpen(iv, open) : open;
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** The open time of the bar before the one opening at `open`. */
export function prevOpen(iv: SimInterval, open: number): number {
  return iv.kind === 'fixed' ? open - iv.ms : barOpen(iv, open - 1);
}

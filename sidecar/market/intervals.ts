/**
 * Interval names and bar-boundary math, all in UTC epoch milliseconds.
 *
 * Fixed-length bars are aligned to the Unix epoch the way Binance aligns them
 * (`floor(t / ms) * ms`), except weeks, which open on Monday 00:00 UTC. Months are calendar months.
 */

/** s = second, m = minute, h = hour, d = day, w = week, M = month (case matters). */
export type IntervalUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'M';

export interface Interval {
  /** The canonical spelling, e.g. `5m`, `1M`. */
  readonly name: string;
  readonly unit: IntervalUnit;
  readonly n: number;
  /** Bar length in ms; undefined for `1M`, whose length depends on the month. */
  readonly ms?: number;
}

/** The intervals most exchanges stream natively, shortest first. */
export const canonicalIntervals = [
  '1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d', '1w', '1M',
] as const;
export type CanonicalInterval = (typeof canonicalIntervals)[number];

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** 1970-01-01 was a Thursday; the first Monday after the epoch is 4 days later. */
const WEEK_OFFSET = 4 * DAY;

const UNIT_MS: Record<Exclude<IntervalUnit, 'M'>, number> = { s: SECOND, m: MINUTE, h: HOUR, d: DAY, w: WEEK };

/** Largest multiplier accepted: beyond it a typo is likelier than a real need. */
export const MAX_INTERVAL_N = 999;

const ACCEPTED =
  `<n>s, <n>m, <n>h or <n>d with n from 1 to ${MAX_INTERVAL_N}, 1w or 1M (m = minute, M = month)`;

const cache = new Map<string, Interval>();

/** Parses an interval name such as `1s`, `15m`, `4h`, `1d`, `1w`, `1M`; an Error names the bad value. */
export function parseInterval(name: string): Interval | Error {
  const hit = cache.get(name);
  if (hit) return hit;
  const m = /^(\d+)([smhdwM])$/.exec(name);
  if (!m) return new Error(`invalid interval ${JSON.stringify(name)}: expected ${ACCEPTED}`);
  const digits = m[1];
  const unit = m[2] as IntervalUnit;
  const n = Number(digits);
  if (n < 1) return new Error(`invalid interval ${JSON.stringify(name)}: n must be at least 1; expected ${ACCEPTED}`);
  if (n > MAX_INTERVAL_N) {
    return new Error(`invalid interval ${JSON.stringify(name)}: n must be below 1000; expected ${ACCEPTED}`);
  }
  if (digits !== String(n)) {
    // Leading zeros would give two names for one key (e.g. 01m and 1m).
    return new Error(`invalid interval ${JSON.stringify(name)}: write it as ${n}${unit}`);
  }
  if ((unit === 'w' || unit === 'M') && n !== 1) {
    return new Error(`invalid interval ${JSON.stringify(name)}: only 1${unit} is supported; expected ${ACCEPTED}`);
  }
  const interval: Interval = Object.freeze(
    unit === 'M' ? { name, unit, n } : { name, unit, n, ms: n * UNIT_MS[unit] },
  );
  cache.set(name, interval);
  return interval;
}

/** Like parseInterval, but throws: for names known to be valid (constants, already validated input). */
export function requireInterval(name: string): Interval {
  const parsed = parseInterval(name);
  if (parsed instanceof Error) throw parsed;
  return parsed;
}

/** Where the fixed-length grid of `interval` starts relative to the epoch (weeks start on Monday). */
function offsetOf(interval: Interval): number {
  return interval.unit === 'w' ? WEEK_OFFSET : 0;
}

/** Open time of the bar of `interval` that contains `t`. */
export function alignOpen(interval: Interval, t: number): number {
  if (interval.ms === undefined) {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const offset = offsetOf(interval);
  return Math.floor((t - offset) / interval.ms) * interval.ms + offset;
}

/** Open time of the bar after the one opening at `open` (`open` should be aligned). */
export function nextOpen(interval: Interval, open: number): number {
  if (interval.ms !== undefined) return open + interval.ms;
  const d = new Date(open);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Last millisecond inside the bar opening at `open`, as exchanges report it. */
export function closeTime(interval: Interval, open: number): number {
  return nextOpen(interval, open) - 1;
}

/** Number of bars opening in [fromOpen, toOpen); 0 when toOpen <= fromOpen. Both should be aligned. */
export function barCount(interval: Interval, fromOpen: number, toOpen: number): number {
  if (toOpen <= fromOpen) return 0;
  if (interval.ms !== undefined) return Math.ceil((toOpen - fromOpen) / interval.ms);
  const a = new Date(fromOpen);
  const b = new Date(toOpen);
  const months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();
  // toOpen is exclusive: a toOpen inside a month (not on its first instant) still counts that month.
  return alignOpen(interval, toOpen) === toOpen ? months : months + 1;
}

/**
 * Open times of the bars opening in [fromOpen, toOpen), oldest first.
 * `max` bounds the list (the first `max` bars are returned) so a huge range cannot exhaust memory.
 */
export function barsBetween(interval: Interval, fromOpen: number, toOpen: number, max = Infinity): number[] {
  const out: number[] = [];
  for (let o = alignOpen(interval, fromOpen); o < toOpen && out.length < max; o = nextOpen(interval, o)) {
    if (o >= fromOpen) out.push(o);
  }
  return out;
}

/**
 * True when every bar of `big` is made of whole bars of `small` with the same boundaries, so `big`
 * can be built from `small` (e.g. 1m → 5m, 1d → 1w, 1h → 1M; not 2d → 1M, not 1w → 1M).
 */
export function divides(small: Interval, big: Interval): boolean {
  if (big.ms === undefined) {
    if (small.ms === undefined) return true;
    // Months start at midnight UTC, so only grids that hit every midnight fit.
    return small.unit !== 'w' && DAY % small.ms === 0;
  }
  if (small.ms === undefined) return false;
  if (big.ms % small.ms !== 0) return false;
  // Every boundary of `big` must be a boundary of `small`: compare the grids' epoch offsets.
  return (((offsetOf(big) - offsetOf(small)) % small.ms) + small.ms) % small.ms === 0;
}

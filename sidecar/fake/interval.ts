/**
 * Bar grids for the simulator: the market's intervals (sidecar/market/intervals), on the clock of
 * a time zone. Canonical bars are UTC-aligned; some exchanges also serve bars aligned to UTC+8
 * (their days open at 16:00 UTC), which a fake protocol builds with a `utcOffsetMs`.
 */
import { alignOpen, nextOpen as nextUtcOpen, parseInterval as parseUtcInterval, type Interval } from '../market/intervals';

/** An interval whose bars open on the clock of UTC + `utcOffsetMs`. */
export interface SimInterval extends Interval {
  readonly utcOffsetMs: number;
}

/** Parses `1m`, `4h`, `1w`, `1M`, … (as sidecar/market/intervals does); an Error names the bad value. */
export function parseInterval(name: string, utcOffsetMs = 0): SimInterval | Error {
  const interval = parseUtcInterval(name);
  return interval instanceof Error ? interval : { ...interval, utcOffsetMs };
}

/** Like parseInterval, but throws: for names known to be valid. */
export function simInterval(name: string, utcOffsetMs = 0): SimInterval {
  const interval = parseInterval(name, utcOffsetMs);
  if (interval instanceof Error) throw interval;
  return interval;
}

/** The open time of the bar that contains `time`. */
export function barOpen(iv: SimInterval, time: number): number {
  return alignOpen(iv, time + iv.utcOffsetMs) - iv.utcOffsetMs;
}

/** The open time of the bar after the one opening at `open`. */
export function nextOpen(iv: SimInterval, open: number): number {
  return nextUtcOpen(iv, open + iv.utcOffsetMs) - iv.utcOffsetMs;
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

/** The open time of the bar `count` bars before the one opening at `open`. */
export function opensBefore(iv: SimInterval, open: number, count: number): number {
  if (iv.ms !== undefined) return open - count * iv.ms;
  let at = open;
  for (let i = 0; i < count; i++) at = barOpen(iv, at - 1);
  return at;
}

/**
 * Builds bars of a larger interval from complete runs of smaller ones (e.g. 3m from 1m, 15s from
 * 1s). Used to seed and heal trade-built series for intervals the exchange does not stream.
 */
import { DecimalSum } from './decimal';
import { alignOpen, closeTime, type Interval } from './intervals';
import type { Kline } from './model';

/**
 * Groups `bars` (ascending, one interval that divides `target`) into `target` bars.
 * A group is emitted only when complete (`expectedPerGroup` sub-bars present) or when the caller
 * allows a trailing partial group as the forming bar.
 */
export function resample(bars: readonly Kline[], target: Interval, subMs: number, opts: { now: number }): Kline[] {
  const out: Kline[] = [];
  let i = 0;
  while (i < bars.length) {
    const open = alignOpen(target, bars[i].openTime);
    const close = closeTime(target, open);
    const group: Kline[] = [];
    while (i < bars.length && bars[i].openTime <= close) group.push(bars[i++]);
    const expected = Math.round((close + 1 - open) / subMs);
    const complete = group.length === expected && group.every((b) => b.closed);
    if (!complete && close < opts.now) continue; // a past group with holes cannot be trusted
    out.push(merge(group, open, close, complete && close < opts.now));
  }
  return out;
}

function merge(group: Kline[], openTime: number, closeTimeMs: number, closed: boolean): Kline {
  const volume = new DecimalSum();
  const quote = new DecimalSum();
  let trades: number | undefined = 0;
  // A sub-bar without trades is flat at the previous close: it must not set the open, high or low
  // of the larger bar (whose open is its first trade). If every sub-bar is flat, so is the result.
  const traded = group.filter((b) => b.volume !== 0 || (b.trades ?? 0) > 0);
  const priced = traded.length ? traded : group;
  let high = -Infinity;
  let low = Infinity;
  for (const b of priced) {
    high = Math.max(high, b.high);
    low = Math.min(low, b.low);
  }
  for (const b of group) {
    volume.add(b.volume);
    quote.add(b.quoteVolume);
    trades = trades === undefined || b.trades === undefined ? undefined : trades + b.trades;
  }
  return {
    openTime,
    closeTime: closeTimeMs,
    open: priced[0].open,
    high,
    low,
    close: group[group.length - 1].close,
    volume: volume.toNumber(),
    quoteVolume: quote.toNumber(),
    trades,
    closed,
  };
}

/**
 * REST history for a series: the exchange's own klines when it has the interval, otherwise
 * complete runs of the largest native interval that divides it, resampled (how trade-built
 * series are seeded and healed).
 */
import type { MarketAdapter } from '../exchanges/types';
import { fetchKlines } from '../feed/pager';
import { alignOpen, closeTime, divides, parseInterval, type Interval } from '../market/intervals';
import type { Kline } from '../market/model';
import { resample } from '../market/resample';
import type { HistorySource } from './series';

/** Upper bound on sub-bars fetched to build one request's worth of resampled bars. */
const MAX_SUB_BARS = 20_000;

export class HistoryFetcher {
  constructor(
    private readonly fetchText: (url: string, describe?: (body: string) => string | undefined) => Promise<string>,
    private readonly now: () => number,
  ) {}

  forSeries(adapter: MarketAdapter, symbol: string, interval: Interval): HistorySource {
    const rest = adapter.rest;
    const fetcher = (url: string) => this.fetchText(url, rest.errorMessage?.bind(rest));
    if (adapter.intervals.includes(interval.name)) {
      return {
        latest: (limit) => fetchKlines(rest, fetcher, { symbol, interval: interval.name, limit }, { intervalMs: interval.ms, now: this.now }),
        range: (from, to) => fetchKlines(rest, fetcher, { symbol, interval: interval.name, startTime: from, endTime: to }, { intervalMs: interval.ms, now: this.now }),
      };
    }
    const sub = largestDivisor(adapter.intervals, interval);
    if (!sub) {
      const fail = async (): Promise<Kline[]> => {
        const err = new Error(
          `${adapter.exchange} ${adapter.market} offers no REST interval that divides ${interval.name} (native: ${adapter.intervals.join(' ')}); ` +
            'bars spanning a reconnect cannot be rebuilt',
        );
        (err as Error & { permanent: boolean }).permanent = true;
        throw err;
      };
      return { latest: fail, range: fail };
    }
    const subMs = sub.ms!;
    const fetchRange = async (from: number, to: number): Promise<Kline[]> => {
      const bars = await fetchKlines(rest, fetcher, { symbol, interval: sub.name, startTime: from, endTime: closeTime(interval, to) }, { intervalMs: subMs, now: this.now });
      return resample(bars, interval, subMs, { now: this.now() });
    };
    return {
      range: fetchRange,
      latest: async (limit) => {
        const perBar = Math.round(interval.ms! / subMs);
        const bars = Math.max(1, Math.min(limit, Math.floor(MAX_SUB_BARS / perBar)));
        const currentOpen = alignOpen(interval, this.now());
        return fetchRange(currentOpen - (bars - 1) * interval.ms!, currentOpen);
      },
    };
  }
}

function largestDivisor(native: readonly string[], target: Interval): Interval | undefined {
  let best: Interval | undefined;
  for (const name of native) {
    const iv = parseInterval(name);
    if (iv instanceof Error || iv.ms === undefined || !divides(iv, target)) continue;
    if (!best || iv.ms > best.ms!) best = iv;
  }
  return best;
}

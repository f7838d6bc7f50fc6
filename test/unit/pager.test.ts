import { describe, expect, it } from 'vitest';
import type { KlinePageQuery, RestProtocol } from '../../sidecar/exchanges/types';
import { fetchKlines } from '../../sidecar/feed/pager';
import type { Kline } from '../../sidecar/market/model';

const MIN = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

function bar(openTime: number, closeTime = openTime + MIN - 1): Kline {
  return { openTime, closeTime, open: 1, high: 1, low: 1, close: 1, volume: 0, quoteVolume: 0, closed: true };
}

const minutes = (n: number, skip: number[] = []): Kline[] =>
  Array.from({ length: n }, (_, i) => i)
    .filter((i) => !skip.includes(i))
    .map((i) => bar(T0 + i * MIN));

type Quirk = 'ignoreStart' | 'ignoreEnd' | 'overlap';

/**
 * A fake exchange over `data`: 'oldest' pages return the first `limit` rows from startTime (the
 * last `limit` up to endTime when there is no startTime); 'newest' pages the last `limit` rows,
 * newest first on the wire as some exchanges send them.
 */
function fakeRest(data: Kline[], pageFrom: 'oldest' | 'newest', maxLimit: number, quirks: Quirk[] = []) {
  const queries: KlinePageQuery[] = [];
  const rest: RestProtocol = {
    klines: {
      maxLimit,
      pageFrom,
      request: (q) => ({ url: `fake://klines?${JSON.stringify(q)}` }),
      parse: (body) => (JSON.parse(body) as Kline[]).sort((a, b) => a.openTime - b.openTime),
    },
    instruments: { request: () => ({ url: 'fake://i' }), parse: () => [] },
  };
  const fetcher = async (url: string): Promise<string> => {
    const q = JSON.parse(url.slice('fake://klines?'.length)) as KlinePageQuery;
    queries.push(q);
    const lo = quirks.includes('ignoreStart') ? undefined : q.startTime !== undefined && quirks.includes('overlap') ? q.startTime - MIN : q.startTime;
    const hi = quirks.includes('ignoreEnd') ? undefined : q.endTime;
    const inRange = data.filter((k) => (lo === undefined || k.openTime >= lo) && (hi === undefined || k.openTime <= hi));
    const page = pageFrom === 'oldest' && lo !== undefined ? inRange.slice(0, q.limit) : inRange.slice(-q.limit);
    return JSON.stringify(pageFrom === 'newest' ? [...page].reverse() : page);
  };
  return { rest, fetcher, queries };
}

const opens = (ks: Kline[]): number[] => ks.map((k) => (k.openTime - T0) / MIN);
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('fetchKlines', () => {
  it('pages forward over a window on an oldest-first exchange', async () => {
    const { rest, fetcher, queries } = fakeRest(minutes(100), 'oldest', 5);
    const got = await fetchKlines(rest, fetcher, { symbol: 'X', interval: '1m', startTime: T0 + 3 * MIN, endTime: T0 + 17 * MIN });
    expect(opens(got)).toEqual(range(3, 17));
    expect(queries.map((q) => q.startTime! - T0)).toEqual([3 * MIN, 7 * MIN + 1, 12 * MIN + 1]);
    expect(queries.every((q) => q.endTime === T0 + 17 * MIN && q.limit === 5)).toBe(true);
  });

  it('pages backward over a window on a newest-first exchange', async () => {
    const { rest, fetcher, queries } = fakeRest(minutes(100), 'newest', 5);
    const got = await fetchKlines(rest, fetcher, { symbol: 'X', interval: '1m', startTime: T0 + 3 * MIN, endTime: T0 + 17 * MIN });
    expect(opens(got)).toEqual(range(3, 17));
    expect(queries.map((q) => (q.endTime! - T0) / MIN)).toEqual([17, 13 - 1 / MIN, 8 - 1 / MIN]);
    expect(queries.every((q) => q.startTime === T0 + 3 * MIN)).toBe(true);
  });

  it('pages to the end of the data when the window has no end', async () => {
    for (const pageFrom of ['oldest', 'newest'] as const) {
      const { rest, fetcher } = fakeRest(minutes(23), pageFrom, 5);
      const got = await fetchKlines(rest, fetcher, { symbol: 'X', interval: '1m', startTime: T0 + 2 * MIN });
      expect(opens(got)).toEqual(range(2, 22));
    }
  });

  it('returns the most recent `limit` bars when only limit is given, in both directions', async () => {
    for (const pageFrom of ['oldest', 'newest'] as const) {
      for (const intervalMs of [undefined, MIN]) {
        const { rest, fetcher } = fakeRest(minutes(100), pageFrom, 5);
        const got = await fetchKlines(rest, fetcher, { symbol: 'X', interval: '1m', limit: 12 }, intervalMs ?? {});
        expect(opens(got)).toEqual(range(88, 99));
      }
    }
  });

  it('returns the `limit` bars up to endTime, and the first `limit` from startTime', async () => {
    const a = fakeRest(minutes(100), 'oldest', 5);
    expect(opens(await fetchKlines(a.rest, a.fetcher, { symbol: 'X', interval: '1m', endTime: T0 + 50 * MIN, limit: 8 }, MIN))).toEqual(range(43, 50));
    const b = fakeRest(minutes(100), 'newest', 5);
    expect(opens(await fetchKlines(b.rest, b.fetcher, { symbol: 'X', interval: '1m', startTime: T0 + 10 * MIN, limit: 7 }, MIN))).toEqual(range(10, 16));
    // With the interval known, the newest-first pager never fetches past startTime + limit bars.
    expect(b.queries[0].endTime).toBe(T0 + 17 * MIN - 1);
  });

  it('pages calendar months by open time, without a fixed interval', async () => {
    const months = Array.from({ length: 12 }, (_, m) => bar(Date.UTC(2025, m, 1), Date.UTC(2025, m + 1, 1) - 1));
    const { rest, fetcher, queries } = fakeRest(months, 'oldest', 5);
    const got = await fetchKlines(rest, fetcher, { symbol: 'X', interval: '1M', startTime: Date.UTC(2025, 0, 1), endTime: Date.UTC(2025, 11, 1) });
    expect(got.map((k) => new Date(k.openTime).getUTCMonth())).toEqual(range(0, 11));
    expect(queries).toHaveLength(3);
  });

  it('keeps paging backward across a hole in the history when pages are time-bounded', async () => {
    const { rest, fetcher } = fakeRest(minutes(40, [30, 31, 32]), 'oldest', 5);
    const got = await fetchKlines(rest, fetcher, { symbol: 'X', interval: '1m', limit: 12 }, MIN);
    expect(opens(got)).toEqual([25, 26, 27, 28, 29, 33, 34, 35, 36, 37, 38, 39]);
  });

  it('dedupes overlapping pages', async () => {
    const { rest, fetcher } = fakeRest(minutes(30), 'oldest', 5, ['overlap']);
    const got = await fetchKlines(rest, fetcher, { symbol: 'X', interval: '1m', startTime: T0, endTime: T0 + 29 * MIN });
    expect(opens(got)).toEqual(range(0, 29));
  });

  it('stops when a page makes no progress (a server ignoring the paging bound)', async () => {
    const fwd = fakeRest(minutes(30), 'oldest', 5, ['ignoreStart']);
    const a = await fetchKlines(fwd.rest, fwd.fetcher, { symbol: 'X', interval: '1m', startTime: T0, endTime: T0 + 29 * MIN });
    expect(fwd.queries.length).toBeLessThanOrEqual(2);
    expect(new Set(opens(a)).size).toBe(a.length);
    const back = fakeRest(minutes(30), 'newest', 5, ['ignoreEnd']);
    const b = await fetchKlines(back.rest, back.fetcher, { symbol: 'X', interval: '1m', limit: 20 });
    expect(back.queries).toHaveLength(2);
    expect(opens(b)).toEqual(range(25, 29));
  });

  it('stops on an empty page and on a short page', async () => {
    const empty = fakeRest([], 'oldest', 5);
    expect(await fetchKlines(empty.rest, empty.fetcher, { symbol: 'X', interval: '1m', startTime: T0 })).toEqual([]);
    expect(empty.queries).toHaveLength(1);
    const short = fakeRest(minutes(7), 'oldest', 5);
    expect(opens(await fetchKlines(short.rest, short.fetcher, { symbol: 'X', interval: '1m', startTime: T0 }))).toEqual(range(0, 6));
    expect(short.queries).toHaveLength(2);
  });

  it('passes its clock to parse and lets fetch errors through', async () => {
    const { rest, fetcher } = fakeRest(minutes(3), 'oldest', 5);
    const seen: number[] = [];
    const parse = rest.klines.parse;
    rest.klines.parse = (body, now) => {
      seen.push(now);
      return parse(body, now);
    };
    await fetchKlines(rest, fetcher, { symbol: 'X', interval: '1m', limit: 2 }, () => 42);
    expect(seen).toEqual([42]);
    await expect(fetchKlines(rest, async () => Promise.reject(new Error('HTTP 500')), { symbol: 'X', interval: '1m' })).rejects.toThrow('HTTP 500');
  });

  it('judges closed by the time it asked: a bar closing while the answer is in flight stays forming', async () => {
    const { rest, fetcher } = fakeRest(minutes(3), 'oldest', 5);
    rest.klines.parse = (body, now) => (JSON.parse(body) as Kline[]).map((k) => ({ ...k, closed: k.closeTime < now }));
    // The clock reads just before the last bar's close when asking and just after it on arrival.
    let clock = T0 + 3 * MIN - 2;
    const slowFetcher = async (url: string) => {
      const body = await fetcher(url);
      clock += 10;
      return body;
    };
    const got = await fetchKlines(rest, slowFetcher, { symbol: 'X', interval: '1m', startTime: T0 }, () => clock);
    expect(got.map((k) => k.closed)).toEqual([true, true, false]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KlineCache, KlineRing, type KlineColumns, type KlineQuery } from '../../sidecar/market/cache';
import { requireInterval } from '../../sidecar/market/intervals';
import type { Kline } from '../../sidecar/market/model';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const m1 = requireInterval('1m');

/** A bar at minute `k`; `close` defaults to k so replacements are visible. */
function bar(k: number, over: Partial<Kline> = {}): Kline {
  return {
    openTime: T0 + k * MIN, closeTime: T0 + (k + 1) * MIN - 1,
    open: k, high: k + 1, low: k - 1, close: k, volume: 1.5, quoteVolume: 2.25, trades: 3, closed: true,
    ...over,
  };
}

function minutes(ks: Kline[]): number[] {
  return ks.map((k) => (k.openTime - T0) / MIN);
}

function fill(ring: KlineRing, ks: number[]): void {
  for (const k of ks) ring.upsert(bar(k));
}

describe('KlineRing: closed bars', () => {
  it('appends newer bars and returns them ascending', () => {
    const ring = new KlineRing(10);
    expect(ring.upsert(bar(0))).toBe('appended');
    expect(ring.upsert(bar(1))).toBe('appended');
    expect(ring.upsert(bar(5))).toBe('appended');
    expect(ring.size).toBe(3);
    expect(ring.get()).toEqual([bar(0), bar(1), bar(5)]);
    expect(ring.lastClosed()).toEqual(bar(5));
  });

  it('replaces a bar with the same open time in place, never duplicating it', () => {
    const ring = new KlineRing(10);
    fill(ring, [0, 1, 2]);
    expect(ring.upsert(bar(1, { close: 42, volume: 9 }))).toBe('replaced');
    expect(ring.upsert(bar(2, { close: 43 }))).toBe('replaced');
    expect(ring.size).toBe(3);
    expect(ring.get().map((k) => k.close)).toEqual([0, 42, 43]);
    expect(ring.get()[1].volume).toBe(9);
  });

  it('inserts a bar into a hole in sorted position', () => {
    const ring = new KlineRing(10);
    fill(ring, [0, 1, 3, 4, 7]);
    expect(ring.missing(m1)).toEqual([2, 5, 6].map((k) => T0 + k * MIN));
    expect(ring.holes(m1)).toEqual([
      { fromOpen: T0 + 2 * MIN, toOpen: T0 + 3 * MIN, count: 1 },
      { fromOpen: T0 + 5 * MIN, toOpen: T0 + 7 * MIN, count: 2 },
    ]);
    expect(ring.upsert(bar(2))).toBe('inserted');
    expect(ring.upsert(bar(6))).toBe('inserted');
    expect(minutes(ring.get())).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(ring.get()[2]).toEqual(bar(2));
    expect(ring.missing(m1)).toEqual([T0 + 5 * MIN]);
    expect(ring.missing(m1, 0)).toEqual([]);
  });

  it('evicts the oldest bar at capacity and ignores bars older than a full window', () => {
    const ring = new KlineRing(3);
    fill(ring, [0, 1, 2, 3, 4]);
    expect(ring.size).toBe(3);
    expect(minutes(ring.get())).toEqual([2, 3, 4]);
    expect(ring.upsert(bar(1))).toBe('ignored');
    expect(ring.upsert(bar(3, { close: 33 }))).toBe('replaced');
    expect(minutes(ring.get())).toEqual([2, 3, 4]);
  });

  it('inserting into a hole of a full window drops the oldest bar', () => {
    const ring = new KlineRing(3);
    fill(ring, [0, 2, 4]);
    expect(ring.upsert(bar(1))).toBe('inserted');
    expect(minutes(ring.get())).toEqual([1, 2, 4]);
    expect(ring.upsert(bar(3))).toBe('inserted');
    expect(minutes(ring.get())).toEqual([2, 3, 4]);
  });

  it('inserts an older bar at the front while not full', () => {
    const ring = new KlineRing(5);
    fill(ring, [3, 4]);
    expect(ring.upsert(bar(1))).toBe('inserted');
    expect(minutes(ring.get())).toEqual([1, 3, 4]);
  });

  it('keeps an unreported trade count undefined (null in columns)', () => {
    const ring = new KlineRing(5);
    ring.upsert(bar(0, { trades: undefined }));
    expect(ring.get()[0]).not.toHaveProperty('trades');
    expect(ring.columns().trades).toEqual([null]);
  });

  it('wraps around many times and stays ordered', () => {
    const ring = new KlineRing(7);
    fill(ring, Array.from({ length: 100 }, (_, i) => i));
    expect(minutes(ring.get())).toEqual([93, 94, 95, 96, 97, 98, 99]);
    expect(ring.get()).toEqual([93, 94, 95, 96, 97, 98, 99].map((k) => bar(k)));
  });
});

describe('KlineRing: the forming bar', () => {
  it('keeps the forming bar after the closed ones and replaces it with newer updates', () => {
    const ring = new KlineRing(10);
    fill(ring, [0, 1]);
    expect(ring.upsert(bar(2, { closed: false, close: 1 }))).toBe('forming');
    expect(ring.upsert(bar(2, { closed: false, close: 2 }))).toBe('forming');
    expect(ring.forming()).toEqual(bar(2, { closed: false, close: 2 }));
    expect(ring.size).toBe(2);
    expect(ring.get().map((k) => [(k.openTime - T0) / MIN, k.closed])).toEqual([[0, true], [1, true], [2, false]]);
  });

  it('ignores forming updates older than the forming bar or not newer than the last closed bar', () => {
    const ring = new KlineRing(10);
    fill(ring, [0, 1]);
    ring.upsert(bar(3, { closed: false }));
    expect(ring.upsert(bar(2, { closed: false }))).toBe('ignored');
    expect(ring.upsert(bar(1, { closed: false }))).toBe('ignored');
    expect(ring.forming()?.openTime).toBe(T0 + 3 * MIN);
  });

  it('clears the forming slot when the bar closes', () => {
    const ring = new KlineRing(10);
    fill(ring, [0]);
    ring.upsert(bar(1, { closed: false }));
    expect(ring.upsert(bar(1))).toBe('appended');
    expect(ring.forming()).toBeUndefined();
    expect(ring.get()).toEqual([bar(0), bar(1)]);
    // A late forming update of that closed bar must not come back.
    expect(ring.upsert(bar(1, { closed: false }))).toBe('ignored');
    expect(ring.get()).toHaveLength(2);
  });

  it('a closed bar newer than the forming bar supersedes it; an older one leaves it', () => {
    const ring = new KlineRing(10);
    fill(ring, [0, 2]);
    ring.upsert(bar(3, { closed: false }));
    expect(ring.upsert(bar(1))).toBe('inserted');
    expect(ring.forming()).toBeDefined();
    expect(ring.upsert(bar(4))).toBe('appended');
    expect(ring.forming()).toBeUndefined();
  });
});

describe('KlineRing: get / columns', () => {
  const ring = new KlineRing(100);
  fill(ring, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  ring.upsert(bar(10, { closed: false }));

  it('returns everything by default, forming bar last', () => {
    expect(minutes(ring.get())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(minutes(ring.get({ includeForming: false }))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('limit alone keeps the newest bars', () => {
    expect(minutes(ring.get({ limit: 3 }))).toEqual([8, 9, 10]);
    expect(minutes(ring.get({ limit: 3, includeForming: false }))).toEqual([7, 8, 9]);
    expect(minutes(ring.get({ limit: 1 }))).toEqual([10]);
    expect(ring.get({ limit: 0 })).toEqual([]);
    expect(minutes(ring.get({ limit: 500 }))).toHaveLength(11);
  });

  it('startTime with limit keeps the first bars from startTime', () => {
    expect(minutes(ring.get({ startTime: T0 + 2 * MIN, limit: 3 }))).toEqual([2, 3, 4]);
    expect(minutes(ring.get({ startTime: T0 + 8 * MIN, limit: 3 }))).toEqual([8, 9, 10]);
    expect(minutes(ring.get({ startTime: T0 + 8 * MIN, limit: 2 }))).toEqual([8, 9]);
    // startTime between bars starts at the next bar.
    expect(minutes(ring.get({ startTime: T0 + 2 * MIN + 1, limit: 2 }))).toEqual([3, 4]);
  });

  it('endTime is inclusive on open time and excludes a later forming bar', () => {
    expect(minutes(ring.get({ endTime: T0 + 3 * MIN }))).toEqual([0, 1, 2, 3]);
    expect(minutes(ring.get({ endTime: T0 + 3 * MIN, limit: 2 }))).toEqual([2, 3]);
    expect(minutes(ring.get({ startTime: T0 + 4 * MIN, endTime: T0 + 6 * MIN }))).toEqual([4, 5, 6]);
    expect(ring.get({ startTime: T0 + 6 * MIN, endTime: T0 + 4 * MIN })).toEqual([]);
    expect(ring.get({ startTime: T0 + 50 * MIN })).toEqual([]);
  });

  it('columns() is the same selection as get(), transposed', () => {
    const queries: KlineQuery[] = [
      {}, { limit: 3 }, { includeForming: false }, { startTime: T0 + 2 * MIN, limit: 4 },
      { endTime: T0 + 5 * MIN }, { startTime: T0 + 9 * MIN }, { limit: 0 },
    ];
    for (const q of queries) {
      const rows = ring.get(q);
      const cols: KlineColumns = ring.columns(q);
      expect(cols.openTime).toEqual(rows.map((k) => k.openTime));
      expect(cols.closeTime).toEqual(rows.map((k) => k.closeTime));
      expect(cols.open).toEqual(rows.map((k) => k.open));
      expect(cols.high).toEqual(rows.map((k) => k.high));
      expect(cols.low).toEqual(rows.map((k) => k.low));
      expect(cols.close).toEqual(rows.map((k) => k.close));
      expect(cols.volume).toEqual(rows.map((k) => k.volume));
      expect(cols.quoteVolume).toEqual(rows.map((k) => k.quoteVolume));
      expect(cols.trades).toEqual(rows.map((k) => k.trades ?? null));
      expect(cols.closed).toEqual(rows.map((k) => k.closed));
    }
  });

  it('hands out copies, not its own state', () => {
    const f = ring.forming();
    if (f) f.close = -1;
    expect(ring.forming()?.close).toBe(10);
  });
});

describe('KlineRing: memory', () => {
  it('grows its columns with the bars held, up to the capacity', () => {
    const ring = new KlineRing(1000);
    const empty = ring.bytesEstimate();
    fill(ring, Array.from({ length: 50 }, (_, i) => i));
    const small = ring.bytesEstimate();
    fill(ring, Array.from({ length: 3000 }, (_, i) => 50 + i));
    const full = ring.bytesEstimate();
    expect(empty).toBeLessThan(small);
    expect(small).toBeLessThan(full / 5);
    // Nine Float64 columns of 1000 slots, plus small overheads.
    expect(full).toBeGreaterThanOrEqual(9 * 8 * 1000);
    expect(full).toBeLessThan(9 * 8 * 1000 + 1000);
    expect(ring.size).toBe(1000);
    ring.clear();
    expect(ring.size).toBe(0);
    expect(ring.bytesEstimate()).toBe(empty);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new KlineRing(0)).toThrow(/capacity.*0/);
    expect(() => new KlineCache(1.5)).toThrow(RangeError);
  });
});

describe('KlineRing: properties', () => {
  /** Reference model: a sorted array with the same window rules. */
  function reference(capacity: number, ops: number[]): number[] {
    const out: number[] = [];
    for (const t of ops) {
      if (out.includes(t)) continue;
      if (out.length === capacity && t < out[0]) continue;
      out.push(t);
      out.sort((a, b) => a - b);
      if (out.length > capacity) out.shift();
    }
    return out;
  }

  it('any sequence of closed upserts keeps open times strictly increasing, unique, bounded, as the model', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 80 }),
        (capacity, ks) => {
          const ring = new KlineRing(capacity);
          for (const k of ks) ring.upsert(bar(k, { close: k * 10 }));
          const got = ring.get();
          expect(got.length).toBeLessThanOrEqual(capacity);
          expect(ring.size).toBe(got.length);
          for (let i = 1; i < got.length; i++) expect(got[i].openTime).toBeGreaterThan(got[i - 1].openTime);
          expect(minutes(got)).toEqual(reference(capacity, ks));
          for (const k of got) expect(k.close).toBe(((k.openTime - T0) / MIN) * 10);
        },
      ),
    );
  });

  it('with forming updates mixed in, the forming bar always comes after every closed bar', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.boolean()), { maxLength: 80 }),
        (capacity, ops) => {
          const ring = new KlineRing(capacity);
          for (const [k, closed] of ops) ring.upsert(bar(k, { closed }));
          const got = ring.get();
          for (let i = 1; i < got.length; i++) expect(got[i].openTime).toBeGreaterThan(got[i - 1].openTime);
          expect(got.filter((k) => !k.closed).length).toBeLessThanOrEqual(1);
          if (got.length > 0 && !got[got.length - 1].closed) expect(ring.forming()).toEqual(got[got.length - 1]);
          expect(got.slice(0, -1).every((k) => k.closed)).toBe(true);
          expect(ring.size).toBeLessThanOrEqual(capacity);
        },
      ),
    );
  });
});

describe('KlineCache', () => {
  it('holds one ring per key with the configured capacity', () => {
    const cache = new KlineCache(2);
    expect(cache.get('a')).toBeUndefined();
    cache.upsert('a', bar(0));
    cache.upsert('a', bar(1));
    cache.upsert('a', bar(2));
    cache.upsert('b', bar(7));
    expect(cache.keys()).toEqual(['a', 'b']);
    expect(cache.size).toBe(2);
    expect(cache.has('a')).toBe(true);
    expect(minutes(cache.ring('a').get())).toEqual([1, 2]);
    expect(cache.get('b')?.capacity).toBe(2);
    expect(cache.bytesEstimate()).toBe(cache.ring('a').bytesEstimate() + cache.ring('b').bytesEstimate());
    expect(cache.delete('a')).toBe(true);
    expect(cache.keys()).toEqual(['b']);
  });

  it('defaults to 1000 closed bars per key', () => {
    const cache = new KlineCache();
    expect(cache.capacity).toBe(1000);
    expect(cache.ring('x').capacity).toBe(1000);
  });
});

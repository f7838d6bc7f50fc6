import { describe, expect, it } from 'vitest';
import { KlineAggregator } from '../../sidecar/market/aggregate';
import { requireInterval } from '../../sidecar/market/intervals';
import type { Kline, Trade } from '../../sidecar/market/model';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1, 12, 0); // a minute boundary
const m1 = requireInterval('1m');

let nextId = 1;
function trade(time: number, price: number, size: number): Trade {
  return { id: String(nextId++), time, price, size, side: 'buy' };
}

/** One expected flat bar at minute `k` after T0. */
function flat(k: number, price: number): Kline {
  return {
    openTime: T0 + k * MIN, closeTime: T0 + (k + 1) * MIN - 1,
    open: price, high: price, low: price, close: price,
    volume: 0, quoteVolume: 0, trades: 0, closed: true,
  };
}

describe('KlineAggregator: building bars', () => {
  it('takes open/high/low/close from trades in time order', () => {
    const agg = new KlineAggregator(m1);
    agg.add(trade(T0 + 1000, 10, 1));
    agg.add(trade(T0 + 2000, 12, 1));
    agg.add(trade(T0 + 3000, 9, 1));
    const { updates } = agg.add(trade(T0 + 4000, 11, 1));
    expect(updates).toEqual([{
      openTime: T0, closeTime: T0 + MIN - 1,
      open: 10, high: 12, low: 9, close: 11, volume: 4, quoteVolume: 42, trades: 4, closed: false,
    }]);
    expect(agg.forming()).toEqual(updates[0]);
  });

  it('sums volumes exactly', () => {
    const agg = new KlineAggregator(m1);
    agg.add(trade(T0, 0.1, 0.1));
    const { updates } = agg.add(trade(T0 + 1, 0.2, 0.2));
    expect(updates[0].volume).toBe(0.3);
    expect(updates[0].quoteVolume).toBe(0.05); // 0.01 + 0.04, not 0.05000000000000001
  });

  it('counts each trade with its weight', () => {
    const agg = new KlineAggregator(m1);
    agg.add(trade(T0, 1, 1), 5);
    expect(agg.add(trade(T0 + 1, 1, 1)).updates[0].trades).toBe(6);
  });

  it('closes a bar when a trade of a later bar arrives, then opens the new one', () => {
    const agg = new KlineAggregator(m1);
    agg.add(trade(T0 + 5000, 100, 2));
    const { updates } = agg.add(trade(T0 + MIN + 1, 101, 3));
    expect(updates.map((k) => [k.openTime, k.closed])).toEqual([[T0, true], [T0 + MIN, false]]);
    expect(updates[0]).toMatchObject({ close: 100, volume: 2, trades: 1 });
    expect(updates[1]).toMatchObject({ open: 101, volume: 3, quoteVolume: 303, trades: 1 });
  });

  it('reproduces a real Binance closed kline from the open kline plus aggTrades', () => {
    // bmoscon/cryptofeed sample_data/BINANCE_FUTURES.ws.1.0 (KEEPUSDT), see test/../PROTOCOLS §5:
    // open kline E=1626992756710, then aggTrade a=1211538 (f=l=2398359), then a=1211539 (f..l = 4 ids).
    const agg = new KlineAggregator(m1);
    const seeded = agg.seed({
      openTime: 1626992700000, closeTime: 1626992759999,
      open: 0.2463, high: 0.2464, low: 0.2458, close: 0.2464,
      volume: 8437, quoteVolume: 2075.8217, trades: 13, closed: false,
    });
    expect(seeded).toBe('seeded');
    agg.add({ id: '1211538', time: 1626992757496, price: 0.2466, size: 27, side: 'buy' }, 2398359 - 2398359 + 1);
    const { updates } = agg.add(
      { id: '1211539', time: 1626992767496, price: 0.2468, size: 3218, side: 'sell' },
      2398363 - 2398360 + 1,
    );
    // The exchange's closed kline: o 0.2463 c 0.2466 h 0.2466 l 0.2458 v 8464 n 14 q 2082.4799.
    expect(updates[0]).toEqual({
      openTime: 1626992700000, closeTime: 1626992759999,
      open: 0.2463, high: 0.2466, low: 0.2458, close: 0.2466,
      volume: 8464, quoteVolume: 2082.4799, trades: 14, closed: true,
    });
    expect(updates[1]).toEqual({
      openTime: 1626992760000, closeTime: 1626992819999,
      open: 0.2468, high: 0.2468, low: 0.2468, close: 0.2468,
      volume: 3218, quoteVolume: 794.2024, trades: 4, closed: false,
    });
  });

  it('keeps open and close right when a trade arrives slightly out of order', () => {
    const agg = new KlineAggregator(m1);
    agg.add(trade(T0 + 5000, 5, 1));
    const { updates } = agg.add(trade(T0 + 3000, 3, 1));
    expect(updates[0]).toMatchObject({ open: 3, close: 5, high: 5, low: 3 });
  });

  it('builds calendar-month bars', () => {
    const agg = new KlineAggregator(requireInterval('1M'));
    const jan = Date.UTC(2024, 0, 1);
    const feb = Date.UTC(2024, 1, 1);
    const mar = Date.UTC(2024, 2, 1);
    const apr = Date.UTC(2024, 3, 1);
    agg.add(trade(Date.UTC(2024, 0, 15), 10, 1));
    agg.add(trade(feb - 1, 11, 1));
    let out = agg.add(trade(Date.UTC(2024, 1, 29, 12), 12, 1)).updates;
    expect(out.map((k) => [k.openTime, k.closeTime, k.closed])).toEqual([
      [jan, feb - 1, true],
      [feb, mar - 1, false],
    ]);
    expect(out[0]).toMatchObject({ open: 10, close: 11, volume: 2, trades: 2 });
    // A quiet March becomes a flat bar; the April trade opens April.
    out = agg.add(trade(Date.UTC(2024, 3, 2), 13, 1)).updates;
    expect(out.map((k) => [k.openTime, k.closeTime, k.closed, k.volume])).toEqual([
      [feb, mar - 1, true, 1],
      [mar, apr - 1, true, 0],
      [apr, Date.UTC(2024, 4, 1) - 1, false, 1],
    ]);
    expect(out[1]).toMatchObject({ open: 12, high: 12, low: 12, close: 12, trades: 0 });
    expect(agg.tick(Date.UTC(2024, 4, 1) + 999)).toEqual([]); // grace not yet passed
    expect(agg.tick(Date.UTC(2024, 4, 1) + 1000)).toMatchObject([{ openTime: apr, closed: true }]);
  });
});

describe('KlineAggregator: quiet markets and the clock', () => {
  it('fills every fully empty bar between two trades with a flat bar at the previous close', () => {
    const agg = new KlineAggregator(m1);
    agg.add(trade(T0 + 10, 50, 1));
    agg.add(trade(T0 + 20, 51, 1));
    const { updates } = agg.add(trade(T0 + 4 * MIN + 30, 55, 2));
    expect(updates).toHaveLength(5);
    expect(updates[0]).toMatchObject({ openTime: T0, close: 51, closed: true });
    expect(updates.slice(1, 4)).toEqual([flat(1, 51), flat(2, 51), flat(3, 51)]);
    expect(updates[4]).toMatchObject({ openTime: T0 + 4 * MIN, open: 55, closed: false });
  });

  it('closes the forming bar on the clock only after the grace period', () => {
    const agg = new KlineAggregator(m1, { graceMs: 1000 });
    agg.add(trade(T0 + 10_000, 7, 1));
    expect(agg.tick(T0 + MIN)).toEqual([]);
    expect(agg.tick(T0 + MIN + 999)).toEqual([]);
    // A trade inside the bar arriving during the grace period still counts.
    expect(agg.add(trade(T0 + MIN - 100, 8, 1)).updates[0]).toMatchObject({ close: 8, volume: 2, closed: false });
    const closed = agg.tick(T0 + MIN + 1000);
    expect(closed).toEqual([{
      openTime: T0, closeTime: T0 + MIN - 1, open: 7, high: 8, low: 7, close: 8,
      volume: 2, quoteVolume: 15, trades: 2, closed: true,
    }]);
    expect(agg.forming()).toBeUndefined();
    expect(agg.tick(T0 + MIN + 2000)).toEqual([]); // nothing is emitted twice
  });

  it('emits flat bars up to the clock, each once', () => {
    const agg = new KlineAggregator(m1, { graceMs: 1000 });
    agg.add(trade(T0 + 10_000, 7, 1));
    const out = agg.tick(T0 + 3 * MIN + 1000);
    expect(out.map((k) => [k.openTime, k.volume, k.closed])).toEqual([
      [T0, 1, true],
      [T0 + MIN, 0, true],
      [T0 + 2 * MIN, 0, true],
    ]);
    expect(out[1]).toEqual(flat(1, 7));
    expect(agg.tick(T0 + 3 * MIN + 1000)).toEqual([]);
    expect(agg.tick(T0 + 4 * MIN + 1000)).toEqual([flat(3, 7)]);
    // The next trade continues without repeating the flat bars.
    const { updates } = agg.add(trade(T0 + 5 * MIN + 1, 9, 1));
    expect(updates).toEqual([flat(4, 7), expect.objectContaining({ openTime: T0 + 5 * MIN, closed: false })]);
  });

  it('ignores a trade whose bar has already closed and counts it as late', () => {
    const agg = new KlineAggregator(m1, { graceMs: 500 });
    agg.add(trade(T0 + 1000, 10, 1));
    agg.add(trade(T0 + MIN + 1000, 11, 1)); // closes minute 0
    expect(agg.add(trade(T0 + 59_000, 99, 1))).toEqual({ updates: [], ignored: 'late' });
    expect(agg.late).toBe(1);
    agg.tick(T0 + 2 * MIN + 500); // closes minute 1 on the clock
    expect(agg.add(trade(T0 + 2 * MIN - 1, 99, 1)).ignored).toBe('late');
    // ...and a bar closed as flat by the clock is closed too.
    agg.tick(T0 + 3 * MIN + 500);
    expect(agg.add(trade(T0 + 2 * MIN + 5, 99, 1)).ignored).toBe('late');
    expect(agg.late).toBe(3);
    expect(agg.add(trade(T0 + 3 * MIN + 5, 12, 1)).updates).toMatchObject([{ openTime: T0 + 3 * MIN, open: 12 }]);
  });

  it('ignores trades with unusable numbers', () => {
    const agg = new KlineAggregator(m1);
    expect(agg.add(trade(T0, Number.NaN, 1)).ignored).toBe('invalid');
    expect(agg.add(trade(T0, 1, -1)).ignored).toBe('invalid');
    expect(agg.add(trade(T0, 1, 1), 1.5).ignored).toBe('invalid');
    expect(agg.invalid).toBe(3);
    expect(agg.forming()).toBeUndefined();
  });

  it('bounds the flat bars of one long silence to maxFlatBars, newest kept', () => {
    const agg = new KlineAggregator(m1, { maxFlatBars: 3 });
    agg.add(trade(T0, 5, 1));
    const { updates } = agg.add(trade(T0 + 10 * MIN, 6, 1));
    expect(updates.map((k) => (k.openTime - T0) / MIN)).toEqual([0, 7, 8, 9, 10]);
    expect(agg.add(trade(T0 + 10 * MIN - 1, 6, 1)).ignored).toBe('late');
    expect(agg.add(trade(T0 + 4 * MIN, 6, 1)).ignored).toBe('late'); // inside the skipped stretch
  });

  it('continues from a seeded closed bar: flat bars use its close', () => {
    const agg = new KlineAggregator(m1);
    expect(agg.seed({ ...flat(0, 0), open: 90, high: 110, low: 80, close: 100, volume: 3, quoteVolume: 300, trades: 3 }))
      .toBe('seeded');
    expect(agg.tick(T0 + 3 * MIN + 1000)).toEqual([flat(1, 100), flat(2, 100)]);
    expect(agg.seed(flat(0, 1))).toBe('ignored'); // never back in time
  });

  it('refuses to seed a kline not aligned to the interval', () => {
    const agg = new KlineAggregator(requireInterval('5m'));
    const result = agg.seed({ ...flat(1, 1) });
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toContain(String(T0 + MIN));
    expect((result as Error).message).toContain('5m');
  });

  it('keeps trades undefined when the seeded forming bar had no count', () => {
    const agg = new KlineAggregator(m1);
    agg.seed({ ...flat(0, 5), trades: undefined, closed: false });
    expect(agg.add(trade(T0 + 5, 6, 1)).updates[0]).toMatchObject({ trades: undefined, close: 6, high: 6, volume: 1 });
  });
});

describe('KlineAggregator: reset (the reconnect marker)', () => {
  it('drops the forming bar, reports it, and starts fresh without stitching', () => {
    const agg = new KlineAggregator(m1);
    agg.add(trade(T0 + 1000, 10, 1));
    agg.add(trade(T0 + MIN + 1000, 11, 1)); // minute 0 closed, minute 1 forming
    expect(agg.reset()).toBe(T0 + MIN);
    expect(agg.forming()).toBeUndefined();
    expect(agg.tick(T0 + 10 * MIN)).toEqual([]); // no flat bars invented across the hole
    const { updates } = agg.add(trade(T0 + 4 * MIN + 5, 20, 2));
    // Only the fresh forming bar: no close of the abandoned bar, no flat bars for minutes 1..3.
    expect(updates).toEqual([{
      openTime: T0 + 4 * MIN, closeTime: T0 + 5 * MIN - 1,
      open: 20, high: 20, low: 20, close: 20, volume: 2, quoteVolume: 40, trades: 1, closed: false,
    }]);
    expect(agg.partialOpenTime).toBe(T0 + 4 * MIN);
  });

  it('starts a fresh bar even inside the abandoned bar', () => {
    const agg = new KlineAggregator(m1);
    agg.add(trade(T0 + 1000, 10, 5));
    expect(agg.reset()).toBe(T0);
    const { updates } = agg.add(trade(T0 + 2000, 12, 1));
    expect(updates).toMatchObject([{ openTime: T0, open: 12, volume: 1, trades: 1, closed: false }]);
    expect(agg.partialOpenTime).toBe(T0);
    // The partial marker stays on the first bar after the reset, not later ones.
    agg.add(trade(T0 + MIN + 1, 13, 1));
    expect(agg.partialOpenTime).toBe(T0);
  });

  it('reports nothing abandoned when no bar was forming', () => {
    const agg = new KlineAggregator(m1);
    expect(agg.reset()).toBeUndefined();
    agg.add(trade(T0, 1, 1));
    agg.tick(T0 + 2 * MIN);
    expect(agg.reset()).toBeUndefined();
  });
});

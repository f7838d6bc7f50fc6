/** KlineSeries: the healing rules that keep a series free of missing and corrupted closed bars. */
import { describe, expect, it } from 'vitest';
import { KlineSeries, type HistorySource } from '../../sidecar/hub/series';
import { requireInterval } from '../../sidecar/market/intervals';
import type { Kline, Trade } from '../../sidecar/market/model';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

function bar(open: number, close: number, volume: number): Kline {
  return { openTime: open, closeTime: open + M - 1, open: close, high: close, low: close, close, volume, quoteVolume: volume * close, trades: 10, closed: true };
}

function setup() {
  let now = T0 + 5 * M + 30_000; // mid-minute of bar 5
  const truth = new Map<number, Kline>();
  for (let i = 0; i < 10; i++) truth.set(T0 + i * M, bar(T0 + i * M, 100 + i, 100));
  const history: HistorySource = {
    latest: async () => [...truth.values()].filter((b) => b.closeTime < now),
    range: async (from, to) => [...truth.values()].filter((b) => b.openTime >= from && b.openTime <= to && b.closeTime < now),
  };
  const published: Kline[] = [];
  const series = new KlineSeries({
    key: 'x:spot:BTC:kline:1m:trades',
    interval: requireInterval('1m'),
    source: 'trades',
    capacity: 100,
    history,
    events: { kline: (k) => published.push(k), gap: () => undefined },
    now: () => now,
    closeGraceMs: 2000,
    lateTradeGraceMs: 1000,
    log: () => undefined,
  });
  return { series, truth, published, at: (t: number) => (now = t), get now() { return now; } };
}

const trade = (time: number, price: number): Trade => ({ id: String(time), time, price, size: 1, side: 'buy' });

describe('KlineSeries (trade-built)', () => {
  it('never lets trades replayed after a reconnect rebuild a bar already healed from REST', async () => {
    const s = setup();
    await s.series.backfill(100);
    expect(s.series.ring.lastClosed()?.openTime).toBe(T0 + 4 * M);
    s.series.onDisconnected();
    s.at(T0 + 6 * M + 10_000);
    s.series.onResubscribed();
    // Bar 5 (spanning the reconnect) closes and is healed from REST after its grace.
    s.at(T0 + 7 * M + 3_000);
    s.series.tick(s.now);
    await s.series.settled();
    expect(s.series.ring.get({ startTime: T0 + 5 * M, endTime: T0 + 6 * M })).toEqual([s.truth.get(T0 + 5 * M), s.truth.get(T0 + 6 * M)]);
    // The exchange replays a few old trades of bar 5, then live trading goes on in bar 7.
    s.series.onTrade(trade(T0 + 5 * M + 1000, 1), 1);
    s.series.onTrade(trade(T0 + 5 * M + 2000, 2), 1);
    s.series.onTrade(trade(T0 + 7 * M + 3500, 107), 1);
    s.series.tick(s.now);
    expect(s.series.ring.get({ startTime: T0 + 5 * M, endTime: T0 + 5 * M })).toEqual([s.truth.get(T0 + 5 * M)]);
    const closed = s.series.ring.get({ includeForming: false, startTime: 0 }).map((b) => b.openTime);
    expect(closed).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => T0 + i * M));
  });
});

describe('KlineSeries (exchange-built, 1s)', () => {
  const S = 1000;
  const sec = (open: number, closed = true): Kline => ({ ...bar(open, 100 + (open - T0) / S, 5), closeTime: open + S - 1, closed });

  function setup1s() {
    let now = T0 + 5 * S + 950; // bar 5 is about to close as we subscribe
    const history: HistorySource = {
      latest: async () => Array.from({ length: 6 }, (_, i) => sec(T0 + i * S, T0 + i * S + S - 1 < now)),
      range: async (from, to) => Array.from({ length: 10 }, (_, i) => sec(T0 + i * S)).filter((b) => b.openTime >= from && b.openTime <= to && b.closeTime < now),
    };
    const published: Kline[] = [];
    const series = new KlineSeries({
      key: 'x:spot:BTC:kline:1s',
      interval: requireInterval('1s'),
      source: 'exchange',
      capacity: 100,
      history,
      events: { kline: (k) => published.push(k), gap: () => undefined },
      now: () => now,
      closeGraceMs: 5000,
      lateTradeGraceMs: 1000,
      log: () => undefined,
    });
    return { series, published, at: (t: number) => (now = t) };
  }

  it('heals a bar that closed while subscribing before the next one closes, not a whole grace later', async () => {
    const s = setup1s();
    await s.series.backfill(100); // bars 0..4 closed, bar 5 forming
    // The subscription took effect just after bar 5 closed: its stream starts with bar 6.
    s.at(T0 + 6 * S + 100);
    s.series.onExchangeKline(sec(T0 + 6 * S, false));
    s.at(T0 + 6 * S + 600);
    s.series.tick(T0 + 6 * S + 600);
    await s.series.settled();
    expect(s.published.filter((k) => k.closed).map((k) => k.openTime)).toEqual([T0 + 5 * S]);
    s.at(T0 + 7 * S + 10);
    s.series.onExchangeKline(sec(T0 + 6 * S));
    expect(s.published.filter((k) => k.closed).map((k) => (k.openTime - T0) / S)).toEqual([5, 6]);
  });

  it('once the stream has delivered a close, a late one gets the whole grace', async () => {
    const s = setup1s();
    await s.series.backfill(100);
    s.at(T0 + 6 * S + 10);
    s.series.onExchangeKline(sec(T0 + 5 * S)); // the close came over the stream
    s.series.onExchangeKline(sec(T0 + 6 * S, false));
    // Bar 6's close does not come; REST is not asked before the 5 s grace has passed.
    s.at(T0 + 7 * S + 600);
    s.series.tick(T0 + 7 * S + 600);
    await s.series.settled();
    expect(s.published.filter((k) => k.closed).map((k) => (k.openTime - T0) / S)).toEqual([5]);
    s.at(T0 + 7 * S + 5_100);
    s.series.tick(T0 + 7 * S + 5_100);
    await s.series.settled();
    expect(s.published.filter((k) => k.closed).map((k) => (k.openTime - T0) / S)).toEqual([5, 6]);
  });
});

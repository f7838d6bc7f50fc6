/**
 * KlineSeries under the races the fault matrix found: trades that beat the initial backfill, and
 * heals that overlap bars already delivered. Clients must never get a partial closed bar, nor the
 * same closed bar twice.
 */
import { describe, expect, it } from 'vitest';
import { KlineSeries, type HistorySource } from '../../sidecar/hub/series';
import { requireInterval } from '../../sidecar/market/intervals';
import type { Kline, KlineSource, Trade } from '../../sidecar/market/model';

const M = 60_000;
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

function bar(open: number, close: number, volume: number, closed = true): Kline {
  return { openTime: open, closeTime: open + M - 1, open: close, high: close, low: close, close, volume, quoteVolume: volume * close, trades: 10, closed };
}

const trade = (time: number, price: number): Trade => ({ id: String(time), time, price, size: 1, side: 'buy' });

function setup(source: KlineSource, history: (now: () => number) => HistorySource, silentAfterMs?: number) {
  let now = T0 + 5 * M + 2_000;
  const published: Kline[] = [];
  const series = new KlineSeries({
    key: `x:spot:BTC:kline:1m${source === 'trades' ? ':trades' : ''}`,
    interval: requireInterval('1m'),
    source,
    capacity: 100,
    history: history(() => now),
    events: { kline: (k) => published.push(k), gap: () => undefined },
    now: () => now,
    closeGraceMs: 2000,
    lateTradeGraceMs: 1000,
    silentAfterMs,
    log: () => undefined,
  });
  return { series, published, at: (t: number) => (now = t), get now() { return now; } };
}

/** Ten bars of truth, served as closed once their close time has passed. */
function truthHistory(truth: Map<number, Kline>, gate?: Promise<void>) {
  return (now: () => number): HistorySource => ({
    latest: async () => {
      await gate;
      return [...truth.values()].filter((b) => b.closeTime < now());
    },
    range: async (from, to) => [...truth.values()].filter((b) => b.openTime >= from && b.openTime <= to && b.closeTime < now()),
  });
}

describe('KlineSeries: trades that arrive before the backfill', () => {
  it('never publishes a closed bar built from them (an exchange’s snapshot of recent trades)', async () => {
    const truth = new Map<number, Kline>();
    for (let i = 0; i < 10; i++) truth.set(T0 + i * M, bar(T0 + i * M, 100 + i, 100));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = setup('trades', truthHistory(truth, gate));
    const backfill = s.series.backfill(100);
    // The subscription's snapshot: the last seconds of bar 4, then bar 5 starts — bar 4 "closes"
    // with two trades, while the REST request is still out.
    s.series.onTrade(trade(T0 + 4 * M + 58_000, 1), 1);
    s.series.onTrade(trade(T0 + 4 * M + 59_000, 2), 1);
    s.series.onTrade(trade(T0 + 5 * M + 1_000, 3), 1);
    release();
    await backfill;
    expect(s.published.filter((k) => k.closed)).toEqual([]);
    expect(s.series.ring.get({ startTime: T0 + 4 * M, endTime: T0 + 4 * M, includeForming: false })).toEqual([truth.get(T0 + 4 * M)]);
    // Bar 5 (partial: it began before the subscription) is taken from REST once closed.
    s.at(T0 + 6 * M + 3_500);
    s.series.onTrade(trade(T0 + 6 * M + 3_000, 6), 1);
    s.series.tick(s.now);
    await s.series.settled();
    expect(s.published.filter((k) => k.closed)).toEqual([truth.get(T0 + 5 * M)]);
  });
});

describe('KlineSeries: no closed bar twice', () => {
  it('a heal overlapping bars already delivered sends only what changed', async () => {
    const truth = new Map<number, Kline>();
    for (let i = 0; i < 10; i++) truth.set(T0 + i * M, bar(T0 + i * M, 100 + i, 100));
    const s = setup('exchange', truthHistory(truth));
    await s.series.backfill(100);
    s.series.onExchangeKline(truth.get(T0 + 5 * M)!);
    s.series.onExchangeKline(truth.get(T0 + 5 * M)!); // the exchange repeats its final update
    expect(s.published).toEqual([truth.get(T0 + 5 * M)]);
    // Bars 6 and 7 never arrive: healed after the reconnect.
    s.series.onDisconnected();
    s.at(T0 + 8 * M + 5_000);
    s.series.onResubscribed();
    await s.series.settled();
    expect(s.published.map((k) => (k.openTime - T0) / M)).toEqual([5, 6, 7]);
    s.published.length = 0;
    // A heal over 5..7 again (e.g. a clock check queued while the heal was out) sends nothing…
    const heal = (s.series as unknown as { enqueue(from: number, to: number, reason: string): void }).enqueue.bind(s.series);
    heal(T0 + 5 * M, T0 + 7 * M, 'overlap');
    await s.series.settled();
    expect(s.published).toEqual([]);
    // …but a bar REST now reports differently is a correction, and is sent.
    truth.set(T0 + 6 * M, bar(T0 + 6 * M, 106, 101));
    heal(T0 + 5 * M, T0 + 7 * M, 'overlap');
    await s.series.settled();
    expect(s.published).toEqual([truth.get(T0 + 6 * M)]);
  });
});

describe('KlineSeries: a trade stream that dies while its connection lives', () => {
  it('takes the bars from the last trade on from REST, not from the trades that did arrive', async () => {
    const truth = new Map<number, Kline>();
    for (let i = 0; i < 10; i++) truth.set(T0 + i * M, bar(T0 + i * M, 100 + i, 100));
    const s = setup('trades', truthHistory(truth), 5_000);
    await s.series.backfill(100);
    // Bar 5 heals from REST (it began before the subscription); bar 6 trades normally for 10 s…
    for (let t = T0 + 6 * M; t <= T0 + 6 * M + 10_000; t += 1000) {
      s.at(t);
      s.series.onTrade(trade(t, 106), 1);
      s.series.tick(t);
      await s.series.settled();
    }
    // …then nothing for 20 s (the exchange's stream died; pings still answered)…
    for (let t = T0 + 6 * M + 11_000; t < T0 + 6 * M + 30_000; t += 1000) {
      s.at(t);
      s.series.tick(t);
      await s.series.settled();
    }
    // …then trades again until bar 7.
    for (let t = T0 + 6 * M + 30_000; t <= T0 + 7 * M + 4_000; t += 1000) {
      s.at(t);
      s.series.onTrade(trade(t, 106), 1);
      s.series.tick(t);
      await s.series.settled();
    }
    const six = s.published.filter((k) => k.closed && k.openTime === T0 + 6 * M);
    expect(six).toEqual([truth.get(T0 + 6 * M)]);
  });
});

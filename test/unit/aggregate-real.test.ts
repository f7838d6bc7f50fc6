/**
 * Trade-built candles reproduce the exchange's own kline on a real recording: the USDⓈ-M KEEPUSDT
 * capture holds an open 1m kline, the aggTrade that follows it, and the closed kline of the same
 * minute. Seeding the aggregator with the open kline and feeding the recorded aggTrade must give
 * exactly the exchange's closed kline.
 */
import { describe, expect, it } from 'vitest';
import { binanceMarket } from '../../sidecar/exchanges/binance';
import type { MarketEvent } from '../../sidecar/exchanges/types';
import { KlineAggregator } from '../../sidecar/market/aggregate';
import { requireInterval } from '../../sidecar/market/intervals';
import { fixtureFrames } from '../support/fixtures';

const adapter = binanceMarket('perp', { ws: 'ws://127.0.0.1:1', rest: 'http://127.0.0.1:1' });

function events(raw: string): MarketEvent[] {
  const r = adapter.ws.parse(raw);
  if (r.type !== 'events') throw new Error(`expected events, got ${JSON.stringify(r)}`);
  return r.events;
}

describe('trade-built klines on recorded Binance USDⓈ-M frames', () => {
  const frames = fixtureFrames('binance-usdm');
  const klines = frames.filter((f) => f.channel.startsWith('kline_1m')).flatMap((f) => events(f.raw));
  const trades = frames.filter((f) => f.channel === 'aggTrade').flatMap((f) => events(f.raw));
  const open = klines.find((e) => e.kind === 'kline' && !e.kline.closed);
  const closed = klines.find((e) => e.kind === 'kline' && e.kline.closed);

  it('has the open and the closed kline of the same minute in the recording', () => {
    expect(open?.kind === 'kline' && closed?.kind === 'kline' && open.kline.openTime === closed.kline.openTime).toBe(true);
  });

  it('seeded with the open kline, the later aggTrades close the bar at the exchange values', () => {
    if (open?.kind !== 'kline' || closed?.kind !== 'kline') throw new Error('fixture lacks klines');
    const agg = new KlineAggregator(requireInterval('1m'), { graceMs: 1000 });
    expect(agg.seed(open.kline)).toBe('seeded');
    // Only trades the open kline had not yet counted: its last trade id is in the frame (k.L).
    const lastCounted = JSON.parse(frames.find((f) => f.channel === 'kline_1m (open)')!.raw).data.k.L as number;
    const later = trades.filter((e) => e.kind === 'trade' && JSON.parse(frames.find((f) => f.raw.includes(`"a":${e.trade.id},`))!.raw).data.f > lastCounted);
    expect(later.length).toBeGreaterThan(0);
    const updates = later
      .filter((e) => e.kind === 'trade' && e.trade.time <= closed.kline.closeTime)
      .flatMap((e) => (e.kind === 'trade' ? agg.add(e.trade, e.count ?? 1).updates : []));
    const built = [...updates, ...agg.tick(closed.kline.closeTime + 1001)].filter((k) => k.closed).at(-1);
    expect(built).toEqual(closed.kline);
  });
});

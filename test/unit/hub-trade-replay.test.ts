/**
 * Trades an exchange replays (a snapshot of recent trades on every (re)subscribe, seen twice during
 * a planned connection recycle) reach clients and trade-built bars once.
 */
import { describe, expect, it } from 'vitest';
import { findExchange } from '../../sidecar/exchanges/registry';
import type { MarketEvent } from '../../sidecar/exchanges/types';
import type { FeedCallbacks } from '../../sidecar/hub/feed-port';
import type { HubClient } from '../../sidecar/hub/hub';
import { RecentTradeIds } from '../../sidecar/hub/replay';
import { faultTargets } from '../faults/targets';
import { offlineHub } from '../support/offline-hub';

describe('RecentTradeIds', () => {
  it('knows the latest ids, forgets the oldest beyond its capacity, never calls an empty id a replay', () => {
    const r = new RecentTradeIds(3);
    expect(['1', '2', '3'].map((id) => r.replayed(id))).toEqual([false, false, false]);
    expect(r.replayed('2')).toBe(true);
    expect(r.replayed('4')).toBe(false); // '1' is forgotten
    expect(r.replayed('1')).toBe(false);
    expect([r.replayed(''), r.replayed('')]).toEqual([false, false]);
  });
});

describe('Hub', () => {
  it('publishes a replayed trade once', async () => {
    const t = faultTargets()[0];
    const adapter = findExchange(t.exchange)!.market(t.market, { ws: 'ws://127.0.0.1:1', rest: 'http://127.0.0.1:1' });
    let callbacks: FeedCallbacks | undefined;
    const hub = offlineHub({
      markets: new Map([[`${t.exchange}:${t.market}`, { adapter, exchangeName: t.exchange }]]),
      feedFactory: (_adapter, cb) => {
        callbacks = cb;
        return { add: async (topics) => topics.map(() => 'active' as const), remove: () => undefined, status: () => [], stop: async () => undefined };
      },
      channelStaleMs: 60_000,
    });
    const got: Array<{ method: string; params: { data: { id: string } } }> = [];
    const client: HubClient = { id: 'c1', notify: (method, params) => got.push({ method, params: params as { data: { id: string } } }) };
    hub.addClient(client);
    const symbol = adapter.nativeSymbol('BTC/USDT');
    await hub.subscribe(client, { exchange: t.exchange, market: t.market, symbol, channel: 'trades' });
    const topics = adapter.topics({ market: t.market, symbol, channel: 'trades' });
    if (topics instanceof Error) throw topics;
    const trade = (id: string, time: number): MarketEvent => ({ kind: 'trade', topic: topics[0].name, symbol, trade: { id, time, price: 100, size: 1, side: 'buy' } });
    callbacks!.events([trade('7', 1000), trade('8', 1001)]);
    // A second socket subscribes: the exchange's snapshot repeats the latest trades, then a new one.
    callbacks!.events([trade('7', 1000), trade('8', 1001), trade('9', 1002)]);
    expect(got.filter((n) => n.method === 'trade').map((n) => n.params.data.id)).toEqual(['7', '8', '9']);
    await hub.stop();
  });
});

/**
 * max_notifications_per_second on a shared sidecar: a client over the rate gets its forming-candle
 * updates merged (and still every closed bar); a client still over it is disconnected with the
 * reason logged — asserted on counts, never on times.
 */
import { describe, expect, it } from 'vitest';
import { closedBars } from '../support/rpc-socket-client';
import { SharedFixture } from '../support/shared-fixture';

const posix = process.platform !== 'win32';
const spot = { exchange: 'binance', market: 'spot' } as const;

const fixture = new SharedFixture({ symbols: ['BTCUSDT', 'ETHUSDT'], seed: 6, tradeRate: 300, klinePushMs: 50, staleAfterMs: 5000 });
const { box } = fixture;

async function shared(config: string) {
  const { sc, file } = await box.start(box.runtimeDir(), { config });
  return { sc, path: file.path };
}

describe.skipIf(!posix)('notification rate limit', () => {
  it('over max_notifications_per_second forming updates are coalesced; a client still over it is disconnected', async () => {
    const { sc, path } = await shared('\n[rpc]\nmax_notifications_per_second = 20\n');
    // 2 keys × ~18 forming updates/s > 20/s: coalesced, never disconnected (closed bars are few).
    const charts = await box.unix(path);
    const btc = await charts.call('subscribe', { ...spot, symbol: 'BTCUSDT', channel: 'kline', interval: '1s' });
    const eth = await charts.call('subscribe', { ...spot, symbol: 'ETHUSDT', channel: 'kline', interval: '1s' });
    // ~100 trades/s cannot be coalesced: this client is over its rate for good.
    const greedy = await box.unix(path);
    await greedy.call('subscribe', { ...spot, symbol: 'BTCUSDT', channel: 'trades' });
    await greedy.call('subscribe', { ...spot, symbol: 'ETHUSDT', channel: 'trades' });
    await greedy.done;
    await sc.waitFor('the reason logged', () => sc.stderr.find((l) => l.includes('WARN') && l.includes('disconnected: over the notification rate limit: more than 20 notifications per second')));

    const closedOf = (key: string) => charts.of('kline', key).filter((n) => n.params.data.closed);
    await charts.waitFor('three closed bars of each key', () => closedOf(btc.key).length >= 3 && closedOf(eth.key).length >= 3, 20_000);
    for (const [key, symbol] of [[btc.key, 'BTCUSDT'], [eth.key, 'ETHUSDT']]) {
      const bars = await closedBars(charts, spot, key, symbol, '1s');
      expect(bars.received.length, key).toBeGreaterThanOrEqual(3);
      expect(bars.received, key).toEqual(bars.cached);
    }
    expect(charts.closed).toBe(false);
    const m = (await sc.call('metrics.get')).values;
    expect(m['candlewire_clients_evicted_total{reason="rate_limit"}']).toBe(1);
    expect(m['candlewire_clients_evicted_total{reason="queue_overflow"}']).toBe(0);
    expect(m.candlewire_notifications_coalesced_total).toBeGreaterThan(0);
    expect(m.candlewire_clients).toBe(2);
  }, 60_000);
});

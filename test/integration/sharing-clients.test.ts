/**
 * Many programs on one sidecar (built dist/sidecar.js with --socket / --ws against a fake
 * Binance): one upstream subscription for all, per-client ownership, limits, event patterns,
 * the WebSocket token and /metrics.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parsePrometheus } from '../../sidecar/rpc/metrics';
import { getOrThrow, upgradeStatus } from '../support/http-probe';
import { SharedFixture } from '../support/shared-fixture';
import { SIDECAR } from '../support/sidecar-process';

const posix = process.platform !== 'win32';
const spot = { exchange: 'binance', market: 'spot' } as const;

const fixture = new SharedFixture({ symbols: ['BTCUSDT', 'ETHUSDT'], seed: 11, tradeRate: 20, klinePushMs: 100, staleAfterMs: 3000 });
const { box } = fixture;

async function until<T>(what: string, pred: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!posix)('sharing one sidecar', () => {
  it('two socket clients and the stdio client share ONE upstream topic; a disconnect releases only its subscriptions', async () => {
    const dir = box.runtimeDir();
    const { sc, file } = await box.start(dir);
    const a = await box.unix(file.path);
    const b = await box.unix(file.path);
    const server = fixture.fakes.server('binance', 'spot');
    const viaStdio = await sc.call('subscribe', { ...spot, symbol: 'ETHUSDT', channel: 'trades' });
    const viaA = await a.call('subscribe', { ...spot, symbol: 'ETHUSDT', channel: 'trades' });
    const aKline = await a.call('subscribe', { ...spot, symbol: 'BTCUSDT', channel: 'kline', interval: '1m' });
    const viaB = await b.call('subscribe', { ...spot, symbol: 'ETH/USDT', channel: 'trades' });
    expect(new Set([viaStdio.key, viaA.key, viaB.key]).size).toBe(1);
    await until('one upstream aggTrade topic and one kline topic', () => server.activeTopics().get('ethusdt@aggTrade') === 1 && server.activeTopics().get('btcusdt@kline_1m') === 1);
    await until('trades at every client', () => sc.of('trade').length > 2 && a.of('trade').length > 2 && b.of('trade').length > 2);
    const m = (await sc.call('metrics.get')).values;
    expect(m.candlewire_clients).toBe(3);
    expect(m.candlewire_subscriptions).toBe(4);
    expect(m.candlewire_streams).toBe(2);
    // Each client sees only its own subscriptions.
    expect((await b.call('subscriptions.list')).map((s: { subscriptionId: string }) => s.subscriptionId)).toEqual([viaB.subscriptionId]);
    expect(await b.error('unsubscribe', { subscriptionId: viaA.subscriptionId })).toMatchObject({ code: -32004 });

    await a.close();
    await until('A released upstream', () => !server.activeTopics().has('btcusdt@kline_1m'));
    expect(server.activeTopics().get('ethusdt@aggTrade')).toBe(1);
    const subs = (await sc.call('status.get')).subscriptions.map((s: { subscriptionId: string }) => s.subscriptionId).sort();
    expect(subs).toEqual([viaStdio.subscriptionId, viaB.subscriptionId].sort());
    expect(subs).not.toContain(aKline.subscriptionId);
    const before = b.of('trade').length;
    await until('B still receives trades', () => b.of('trade').length > before + 2);
    expect((await sc.call('metrics.get')).values.candlewire_clients).toBe(2);
  });

  it('limits produce -32008 with data.limit: max_clients (refused, then closed), subscriptions and patterns per client', async () => {
    const dir = box.runtimeDir();
    const { sc, file } = await box.start(dir, { config: '\n[rpc]\nmax_clients = 2\nmax_subscriptions_per_client = 2\n' });
    const a = await box.unix(file.path); // stdio + a = 2
    await a.call('ping');
    const b = await box.unix(file.path);
    await b.done; // closed by the sidecar
    expect(b.orphans).toHaveLength(1);
    expect(b.orphans[0].error).toMatchObject({ code: -32008, data: { limit: 'maxClients', value: 2 } });
    expect(b.orphans[0].error.message).toContain('max_clients');
    await sc.waitFor('the refusal logged', () => sc.stderr.some((l) => l.includes('refused a local socket client: too many clients')));

    await a.call('subscribe', { ...spot, symbol: 'BTCUSDT', channel: 'trades' });
    await a.call('subscribe', { ...spot, symbol: 'ETHUSDT', channel: 'trades' });
    const third = await a.error('subscribe', { ...spot, symbol: 'BTCUSDT', channel: 'ticker' });
    expect(third).toMatchObject({ code: -32008, data: { limit: 'maxSubscriptionsPerClient', value: 2 } });
    const patterns = await a.error('events.subscribe', { channels: ['status.*', 'gap.*', 'kline.*'] });
    expect(patterns).toMatchObject({ code: -32008, data: { limit: 'maxSubscriptionsPerClient', value: 2 } });
    expect((await sc.call('metrics.get')).values.candlewire_clients_refused_total).toBe(1);
  });

  it('events.subscribe: patterns follow streams others subscribed, never open new ones; bad patterns are -32602', async () => {
    const dir = box.runtimeDir();
    const { sc, file } = await box.start(dir);
    const watcher = await box.unix(file.path);
    const owner = await box.unix(file.path);
    const server = fixture.fakes.server('binance', 'spot');
    const bad = await watcher.error('events.subscribe', { channels: ['status.*', 'klines.binance.*'] });
    expect(bad.code).toBe(-32602);
    expect(bad.message).toContain('"klines.binance.*"');
    expect(bad.message).toMatch(/kline, trade, ticker, status, gap/);
    expect(bad.data).toMatchObject({ pattern: 'klines.binance.*', known: ['kline', 'trade', 'ticker', 'status', 'gap'] });
    expect(await watcher.call('events.subscribe', { channels: ['status', 'gap.*', 'kline.binance.spot.*', 'kline.*.spot.ETHUSDT.kline.1s'] })).toEqual({
      channels: ['status.*', 'gap.*', 'kline.binance.spot.*', 'kline.*.spot.ETHUSDT.kline.1s'],
    });
    expect(await watcher.call('subscriptions.list')).toEqual([]);
    expect([...server.activeTopics().keys()].filter((t) => t.includes('kline'))).toEqual([]); // nothing opened upstream
    expect((await sc.call('metrics.get')).values.candlewire_event_patterns).toBe(4);

    const sub = await owner.call('subscribe', { ...spot, symbol: 'BTCUSDT', channel: 'kline', interval: '1s' });
    await owner.call('subscribe', { ...spot, symbol: 'ETHUSDT', channel: 'trades' }); // no pattern matches trades
    await watcher.waitFor('kline events of the stream the owner opened', () => watcher.of('kline', sub.key).length >= 3);
    await owner.waitFor('owner trades', () => owner.of('trade').length >= 3);
    expect(watcher.of('trade')).toEqual([]);
    // Same envelopes as the subscriber gets (same seq numbering).
    const seqs = new Set(owner.of('kline', sub.key).map((n) => n.params.seq));
    expect(watcher.of('kline', sub.key).some((n) => seqs.has(n.params.seq))).toBe(true);

    expect(await watcher.call('events.unsubscribe', { channels: ['kline.binance.spot.*', 'ticker.*'] })).toEqual({ channels: ['kline.binance.spot.*'] });
    const seen = watcher.of('kline').length;
    const ownerSeen = owner.of('kline', sub.key).length;
    await owner.waitFor('three more bars at the owner', () => owner.of('kline', sub.key).length >= ownerSeen + 3);
    expect(watcher.of('kline').length).toBe(seen);

    // status.* and gap.* after an abrupt disconnect of the exchange.
    const gapsBefore = owner.of('gap', sub.key).length;
    server.dropAll();
    await watcher.waitFor('status and gap events by pattern', () => watcher.of('status').some((n) => n.params.data.state === 'reconnecting') && watcher.of('gap', sub.key).length > 0);
    await owner.waitFor('the owner gets the gap as a subscriber', () => owner.of('gap', sub.key).length > gapsBefore);
    expect(await watcher.call('events.unsubscribe')).toEqual({ channels: ['status.*', 'gap.*', 'kline.*.spot.ETHUSDT.kline.1s'] });
  });
});

describe.skipIf(!posix)('WebSocket transport', () => {
  it('needs the token from the connection file (401 otherwise, logged); /metrics agrees with metrics.get', async () => {
    const dir = box.runtimeDir();
    const { sc, file } = await box.start(dir, { args: ['--ws'] });
    expect(file.ws).not.toBeNull();
    const { url, token } = file.ws!;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(await upgradeStatus(url)).toBe(401);
    expect(await upgradeStatus(url, { Authorization: 'Bearer wrong' })).toBe(401);
    expect(await upgradeStatus(`${url}/?token=${token.slice(1)}`)).toBe(401);
    await sc.waitFor('refusals logged', () => sc.stderr.filter((l) => l.includes('refused a WebSocket client')).length === 3);
    expect(await upgradeStatus(`${url}/?token=${token}`)).toBe(101);

    const ws = await box.ws(url, token);
    const sub = await ws.call('subscribe', { ...spot, symbol: 'BTCUSDT', channel: 'kline', interval: '1s' });
    await ws.waitFor('kline over WebSocket', () => ws.of('kline', sub.key).length >= 2);

    const metricsUrl = url.replace('ws://', 'http://') + '/metrics';
    expect((await getOrThrow(metricsUrl)).status).toBe(401);
    const before = (await sc.call('metrics.get')).values as Record<string, number>;
    const page = await getOrThrow(metricsUrl, { Authorization: `Bearer ${token}` });
    const after = (await sc.call('metrics.get')).values as Record<string, number>;
    expect(page.status).toBe(200);
    const scraped = parsePrometheus(page.body);
    expect(Object.keys(scraped).sort()).toEqual(Object.keys(before).sort());
    // Counters only grow and the other gauges hold still here, so the scrape lies between the two
    // readings; the queue depth can rise and fall in between while the 1s stream flows.
    for (const [series, v] of Object.entries(scraped)) {
      if (series.startsWith('candlewire_outbound_queued_messages')) continue;
      expect(v, series).toBeGreaterThanOrEqual(Math.min(before[series], after[series]));
      expect(v, series).toBeLessThanOrEqual(Math.max(before[series], after[series]));
    }
    expect(scraped.candlewire_clients).toBe(2); // stdio + the WebSocket client
    expect(scraped['candlewire_events_published_total{channel="kline"}']).toBeGreaterThan(0);
    expect(scraped.candlewire_ws_unauthorized_total).toBe(4);
  });

  it('refuses a non-loopback bind unless --ws-host is given, which is logged as a warning', async () => {
    const refused = spawnSync(process.execPath, [SIDECAR, '--ws', '0.0.0.0:0'], { env: { ...process.env, CANDLEWIRE_RUNTIME_DIR: box.runtimeDir() }, input: '' });
    expect(refused.status).toBe(2);
    expect(refused.stderr.toString()).toContain('refusing to listen for WebSocket clients on the non-loopback address 0.0.0.0');
    expect(refused.stderr.toString()).toContain('--ws-host 0.0.0.0');

    const dir = box.runtimeDir();
    const { sc, file } = await box.start(dir, { args: ['--ws', '0', '--ws-host', '0.0.0.0'] });
    expect(sc.stderr.some((l) => l.includes('WARN') && l.includes('--ws-host 0.0.0.0'))).toBe(true);
    const ws = await box.ws(file.ws!.url, file.ws!.token);
    expect(await ws.call('ping')).toHaveProperty('time');
  });
});

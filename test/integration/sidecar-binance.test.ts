/**
 * The built sidecar as a real child process, speaking JSON-RPC over stdio, against a fake Binance
 * (real ws + HTTP servers on 127.0.0.1 speaking Binance's protocol). Faults are injected on the
 * fake and the cached series is compared with the fake's ground truth, bar for bar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeExchanges, type FakeExchanges } from '../../sidecar/fake';
import type { Kline } from '../../sidecar/market/model';
import { RpcCallError, SidecarProcess } from '../support/sidecar-process';

const FEED = `
[feed]
stale_after_ms = 3000
idle_probe_ms = 1000
ack_timeout_ms = 2000
backoff_base_ms = 50
backoff_cap_ms = 500
close_grace_ms = 2500
`;

let fakes: FakeExchanges;
let sc: SidecarProcess;

beforeAll(async () => {
  fakes = await startFakeExchanges({
    exchanges: [{ protocol: 'binance', symbols: { spot: ['BTCUSDT', 'ETHUSDT'], perp: ['BTCUSDT', 'ETHUSDT'] } }],
    seed: 7,
    tradeRate: 5,
    klinePushMs: 250,
    heartbeat: { intervalMs: 1000, timeoutMs: 5000 },
  });
  sc = SidecarProcess.start({ configToml: fakes.configToml() + FEED });
  await sc.call('initialize', { client: { name: 'vitest' } });
});

afterAll(async () => {
  const code = await sc?.stop();
  await fakes?.close();
  expect(code).toBe(0);
});

const spot = { exchange: 'binance', market: 'spot' } as const;
const perp = { exchange: 'binance', market: 'perp' } as const;

function closedBars(bars: Kline[]): Kline[] {
  return bars.filter((b) => b.closed);
}

/** The exact no-missing / no-duplicate check: every cached closed bar equals the fake's truth, consecutively. */
function expectSameAsGroundTruth(bars: Kline[], symbol: string, market: 'spot' | 'perp', interval: string, stepMs: number) {
  const closed = closedBars(bars);
  expect(closed.length).toBeGreaterThan(2);
  const opens = closed.map((b) => b.openTime);
  expect(new Set(opens).size).toBe(opens.length); // no duplicate
  for (let i = 1; i < opens.length; i++) expect(opens[i] - opens[i - 1]).toBe(stepMs); // no hole
  const truth = fakes.groundTruth('binance', market, symbol, interval, opens[0], opens[opens.length - 1]);
  expect(closed).toEqual(truth);
}

async function waitForWallSecond(from: number, to: number): Promise<void> {
  for (;;) {
    const s = new Date().getUTCSeconds();
    if (s >= from && s <= to) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('protocol', () => {
  it('lists Binance spot and perp as enabled, with their native intervals', async () => {
    const list = await sc.call('exchanges.list');
    const binance = list.find((e: { id: string }) => e.id === 'binance');
    expect(binance.markets.map((m: { market: string; enabled: boolean }) => [m.market, m.enabled])).toEqual([
      ['spot', true],
      ['perp', true],
    ]);
    expect(binance.markets[0].intervals).toContain('1s');
    expect(binance.markets[1].intervals).not.toContain('1s');
  });

  it('answers malformed input with the right JSON-RPC errors and keeps serving', async () => {
    const parse = await sc.raw('{"jsonrpc":"2.0","id":1,"method":', null);
    expect(parse.error.code).toBe(-32700);
    const noMethod = await sc.raw('{"jsonrpc":"2.0","id":"x1","method":"nope"}', 'x1');
    expect(noMethod.error.code).toBe(-32601);
    const invalid = await sc.raw('{"jsonrpc":"2.0","id":"x2"}', 'x2');
    expect(invalid.error.code).toBe(-32600);
    const badParams = await sc.call('subscribe', { ...spot, symbol: 42, channel: 'kline' }).catch((e: RpcCallError) => e);
    expect(badParams).toBeInstanceOf(RpcCallError);
    expect((badParams as RpcCallError).error.code).toBe(-32602);
    expect((badParams as RpcCallError).error.data.issues[0].path).toBe('symbol');
    const unknown = await sc.call('subscribe', { ...spot, symbol: 'NOPEUSDT', channel: 'trades' }).catch((e: RpcCallError) => e);
    expect((unknown as RpcCallError).error.code).toBe(-32002);
    expect((unknown as RpcCallError).error.message).toContain('NOPEUSDT');
    const noInterval = await sc.call('subscribe', { ...perp, symbol: 'BTCUSDT', channel: 'kline', interval: '1s' }).catch((e: RpcCallError) => e);
    expect((noInterval as RpcCallError).error.code).toBe(-32003);
    expect((noInterval as RpcCallError).error.data.available).toContain('1m');
    const status = await sc.call('status.get');
    expect(status.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('subscribe → history + live', () => {
  let key1m: string;
  let key1s: string;

  it('backfills 1000 bars over REST, equal to the exchange history, then streams the forming bar', async () => {
    const sub = await sc.call('subscribe', { ...spot, symbol: 'BTC/USDT', channel: 'kline', interval: '1m' });
    expect(sub.key).toBe('binance:spot:BTCUSDT:kline:1m');
    key1m = sub.key;
    const { klines, source } = await sc.call('klines.get', { ...spot, symbol: 'BTCUSDT', interval: '1m', limit: 1000 });
    expect(source).toBe('cache');
    expect(closedBars(klines).length).toBeGreaterThanOrEqual(999);
    expectSameAsGroundTruth(klines, 'BTCUSDT', 'spot', '1m', 60_000);
    const live = await sc.waitFor('3 live kline updates', () => sc.of('kline', key1m).length >= 3 && sc.of('kline', key1m));
    expect(live.map((n) => n.params.seq).slice(0, 3)).toEqual([1, 2, 3]);
    // Live updates carry on from the history: none older than its last closed bar (which is the
    // first live bar's own open when a minute turns during the backfill).
    expect(live[0].params.data.openTime).toBeGreaterThanOrEqual(closedBars(klines).at(-1)!.openTime);

    const sub1s = await sc.call('subscribe', { ...spot, symbol: 'BTCUSDT', channel: 'kline', interval: '1s' });
    key1s = sub1s.key;
    const cols = await sc.call('klines.get', { ...spot, symbol: 'BTCUSDT', interval: '1s', limit: 50, format: 'columns' });
    expect(cols.columns.openTime.length).toBe(50);
    expect(Object.keys(cols.columns)).toEqual(['openTime', 'closeTime', 'open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades', 'closed']);
  });

  it('streams trades and a perp ticker merged from three streams on two endpoints', async () => {
    const t = await sc.call('subscribe', { ...perp, symbol: 'BTCUSDT', channel: 'trades' });
    const k = await sc.call('subscribe', { ...perp, symbol: 'BTC/USDT:USDT', channel: 'ticker' });
    const trade = await sc.waitFor('a trade', () => sc.of('trade', t.key)[0]);
    expect(trade.params.data).toMatchObject({ id: expect.any(String), price: expect.any(Number), size: expect.any(Number) });
    expect(['buy', 'sell']).toContain(trade.params.data.side);
    const ticker = await sc.waitFor('a full perp ticker', () =>
      sc.of('ticker', k.key).find((n) => n.params.data.bid !== undefined && n.params.data.markPrice !== undefined && n.params.data.last !== undefined),
    );
    expect(ticker.params.data.fundingRate).toEqual(expect.any(Number));
    expect(ticker.params.data.bid).toBeLessThanOrEqual(ticker.params.data.ask);
    const got = await sc.call('ticker.get', { ...perp, symbol: 'BTCUSDT' });
    expect(got.markPrice).toEqual(expect.any(Number));
    const status = await sc.call('status.get');
    const endpoints = status.connections.filter((c: { market: string }) => c.market === 'perp').map((c: { endpoint: string }) => c.endpoint);
    expect(new Set(endpoints)).toEqual(new Set(['market', 'public']));
  });

  it('two subscriptions of one key share one upstream stream; releasing one keeps it', async () => {
    const a = await sc.call('subscribe', { ...spot, symbol: 'ETHUSDT', channel: 'trades' });
    const b = await sc.call('subscribe', { ...spot, symbol: 'ETHUSDT', channel: 'trades' });
    expect(a.key).toBe(b.key);
    const server = fakes.server('binance', 'spot');
    await sc.waitFor('one upstream aggTrade topic', () => server.activeTopics().get('ethusdt@aggTrade') === 1);
    await sc.call('unsubscribe', { subscriptionId: a.subscriptionId });
    expect(server.activeTopics().get('ethusdt@aggTrade')).toBe(1);
    await sc.call('unsubscribe', { subscriptionId: b.subscriptionId });
    await sc.waitFor('the upstream topic released', () => !server.activeTopics().has('ethusdt@aggTrade'));
    const gone = await sc.call('unsubscribe', { subscriptionId: b.subscriptionId }).catch((e: RpcCallError) => e);
    expect((gone as RpcCallError).error.code).toBe(-32004);
  });

  it('builds 1m bars from trades that equal the exchange bars, and 5s bars the exchange does not stream', async () => {
    const sub = await sc.call('subscribe', { ...spot, symbol: 'ETHUSDT', channel: 'kline', interval: '1m', klineSource: 'trades' });
    const sub5 = await sc.call('subscribe', { ...spot, symbol: 'ETHUSDT', channel: 'kline', interval: '5s', klineSource: 'trades' });
    expect(sub.key).toBe('binance:spot:ETHUSDT:kline:1m:trades');
    // History comes from REST (1s bars resampled to 5s).
    const hist5 = await sc.call('klines.get', { ...spot, symbol: 'ETHUSDT', interval: '5s', klineSource: 'trades', limit: 100 });
    expectSameAsGroundTruth(hist5.klines, 'ETHUSDT', 'spot', '5s', 5000);
    // Wait for several bars built purely from live trades.
    await sc.waitFor('four closed 5s bars from trades', () => sc.of('kline', sub5.key).filter((n) => n.params.data.closed).length >= 4, 40_000);
    const after = await sc.call('klines.get', { ...spot, symbol: 'ETHUSDT', interval: '5s', klineSource: 'trades', limit: 200 });
    expectSameAsGroundTruth(after.klines, 'ETHUSDT', 'spot', '5s', 5000);
  }, 60_000);

  it('after an abrupt disconnect in the middle of a minute, the cached bars equal the ground truth exactly', async () => {
    await waitForWallSecond(15, 40);
    const before = (await sc.call('status.get')).connections.find((c: { id: string }) => c.id.startsWith('binance:spot')).reconnects;
    const gapsBefore = sc.of('gap', key1m).length;
    fakes.server('binance', 'spot').dropAll();
    await sc.waitFor('spot reconnecting', () => sc.of('status').some((n) => n.params.key.startsWith('binance:spot') && n.params.data.state === 'reconnecting'));
    await sc.waitFor('gap filled on 1m', () => sc.of('gap', key1m).slice(gapsBefore).find((n) => n.params.data.state === 'filled'));
    const now = Date.now();
    const nextClose = Math.floor(now / 60_000) * 60_000 + 60_000;
    // Wait for the minute that was cut in the middle to close and be final (grace + a margin).
    await new Promise((r) => setTimeout(r, nextClose - now + 4000));
    const status = await sc.call('status.get');
    const conn = status.connections.find((c: { id: string }) => c.id.startsWith('binance:spot'));
    expect(conn.reconnects).toBeGreaterThan(before);
    expect(conn.state).toBe('open');
    const m1 = await sc.call('klines.get', { ...spot, symbol: 'BTCUSDT', interval: '1m', limit: 30 });
    const cut = Math.floor(now / 60_000) * 60_000;
    expect(closedBars(m1.klines).some((b: Kline) => b.openTime === cut)).toBe(true);
    expectSameAsGroundTruth(m1.klines, 'BTCUSDT', 'spot', '1m', 60_000);
    const s1 = await sc.call('klines.get', { ...spot, symbol: 'BTCUSDT', interval: '1s', limit: 200 });
    expectSameAsGroundTruth(s1.klines, 'BTCUSDT', 'spot', '1s', 1000);
    // Trade-built bars restart at the disconnect marker; the bar that spans it is healed from REST.
    const t1 = await sc.call('klines.get', { ...spot, symbol: 'ETHUSDT', interval: '1m', klineSource: 'trades', limit: 30 });
    expect(closedBars(t1.klines).some((b: Kline) => b.openTime === cut)).toBe(true);
    expectSameAsGroundTruth(t1.klines, 'ETHUSDT', 'spot', '1m', 60_000);
    const subs = await sc.call('subscriptions.list');
    expect(subs.filter((s: { key: string; state: string }) => s.key === key1s || s.key === key1m).map((s: { state: string }) => s.state)).toEqual(['active', 'active']);
  }, 150_000);

  it('a silent stall is declared stale, recycled, and healed', async () => {
    const server = fakes.server('binance', 'spot');
    const seen = sc.notifications.length;
    server.stall();
    await sc.waitFor('spot declared stale', () => sc.notifications.slice(seen).some((n) => n.method === 'status' && n.params.key.startsWith('binance:spot') && n.params.data.state === 'stale'));
    server.unstall();
    await sc.waitFor('spot open again', () => sc.notifications.slice(seen).some((n) => n.method === 'status' && n.params.key.startsWith('binance:spot') && n.params.data.state === 'open'));
    await sc.waitFor('gap filled on 1s', () => sc.notifications.slice(seen).some((n) => n.method === 'gap' && n.params.key === key1s && n.params.data.state === 'filled'));
    await new Promise((r) => setTimeout(r, 4000)); // let the seconds around the stall close and settle
    const s1 = await sc.call('klines.get', { ...spot, symbol: 'BTCUSDT', interval: '1s', limit: 120 });
    expectSameAsGroundTruth(s1.klines, 'BTCUSDT', 'spot', '1s', 1000);
  }, 60_000);

  it('a garbage frame is counted, and the connection survives it', async () => {
    const before = (await sc.call('status.get')).connections.find((c: { id: string }) => c.id.startsWith('binance:spot'));
    fakes.server('binance', 'spot').sendRaw('{"stream":"btcusdt@kline_1m","data":{"e":"kline","k":{"t":"soon"}}');
    fakes.server('binance', 'spot').sendRaw('\u0000 not json');
    let after = before;
    for (let i = 0; i < 50 && after.malformed < before.malformed + 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = (await sc.call('status.get')).connections.find((c: { id: string }) => c.id.startsWith('binance:spot'));
    }
    expect(after.malformed).toBeGreaterThanOrEqual(before.malformed + 2);
    expect(after.reconnects).toBe(before.reconnects);
    expect(after.state).toBe('open');
  });

  it('writes nothing but JSON-RPC 2.0 messages on stdout', () => {
    expect(sc.stdoutLines.length).toBeGreaterThan(10);
    for (const line of sc.stdoutLines) expect(JSON.parse(line).jsonrpc).toBe('2.0');
  });
});

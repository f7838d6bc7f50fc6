/**
 * One conformance suite for every exchange-market (the unstorage pattern): each registered
 * exchange that has a fake is run through the same checks against the BUILT sidecar over stdio.
 * Per-exchange differences are capabilities read from the adapter, never special cases here.
 *
 *   CONFORMANCE=okx npx vitest run test/integration/conformance.test.ts   (one exchange)
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchanges } from '../../sidecar/exchanges/registry';
import { FAKE_PROTOCOLS, startFakeExchanges, type FakeExchanges } from '../../sidecar/fake';
import { KlineSchema, TickerSchema, TradeSchema, type Kline, type Market } from '../../sidecar/market/model';
import { fixtureFrames } from '../support/fixtures';
import { FAST_FEED_TOML, RpcCallError, SidecarProcess } from '../support/sidecar-process';

interface Target {
  exchange: string;
  market: Market;
  name: string;
}

const only = process.env.CONFORMANCE?.split(',').map((s) => s.trim().toLowerCase());
const targets: Target[] = exchanges
  .filter((e) => FAKE_PROTOCOLS[e.id] && (!only || only.includes(e.id)))
  .flatMap((e) =>
    (['spot', 'perp'] as Market[]).filter((m) => e.defaults[m] && FAKE_PROTOCOLS[e.id].markets[m]).map((market) => ({ exchange: e.id, market, name: `${e.id} ${market}` })),
  );

let fakes: FakeExchanges;
let sc: SidecarProcess;
/** Two simulated symbols per exchange-market: [main, second]. */
const symbols = new Map<string, string[]>();
const keys = new Map<string, { k1m: string; t1m: string; trades: string; ticker: string }>();

function tkey(t: Target) {
  return `${t.exchange}:${t.market}`;
}

beforeAll(async () => {
  fakes = await startFakeExchanges({
    exchanges: [...new Set(targets.map((t) => t.exchange))].map((protocol) => ({ protocol, markets: targets.filter((t) => t.exchange === protocol).map((t) => t.market) })),
    seed: 11,
    tradeRate: 5,
    klinePushMs: 250,
    // Short heartbeat limits: a sidecar that heartbeats wrongly is dropped within seconds.
    heartbeat: { intervalMs: 1000, timeoutMs: 4000, idleTimeoutMs: 4000 },
  });
  for (const t of targets) symbols.set(tkey(t), fakes.server(t.exchange, t.market).sim.symbols().map((s) => s.symbol));
  sc = SidecarProcess.start({ configToml: fakes.configToml() + FAST_FEED_TOML });
  await sc.call('initialize', { client: { name: 'conformance' } });
}, 60_000);

afterAll(async () => {
  const code = await sc?.stop();
  await fakes?.close();
  expect(code).toBe(0);
});

/** Bars of `bars` (closed only) must be consecutive, unique and equal to the fake's truth. */
function expectGroundTruth(t: Target, bars: Kline[], symbol: string, interval: string, stepMs: number) {
  const closed = bars.filter((b) => b.closed);
  expect(closed.length, `${t.name}: closed bars`).toBeGreaterThan(2);
  const opens = closed.map((b) => b.openTime);
  expect(new Set(opens).size, `${t.name}: duplicate bars`).toBe(opens.length);
  for (let i = 1; i < opens.length; i++) expect(opens[i] - opens[i - 1], `${t.name}: hole before ${new Date(opens[i]).toISOString()}`).toBe(stepMs);
  const truth = fakes.groundTruth(t.exchange, t.market, symbol, interval, opens[0], opens[opens.length - 1]);
  // Exchanges that publish no per-bar trade count leave `trades` undefined.
  const comparable = truth.map((k, i) => (closed[i]?.trades === undefined ? { ...k, trades: undefined } : k));
  expect(closed, `${t.name}: ${symbol} ${interval} vs ground truth`).toEqual(comparable);
}

function fixtureFile(t: Target): string | undefined {
  const files = readdirSync(resolve(__dirname, '../fixtures')).filter((f) => f.startsWith(`${t.exchange}-`) && f.endsWith('.jsonl'));
  const spot = files.find((f) => f.includes('spot'));
  return (t.market === 'spot' ? spot : files.find((f) => f !== spot))?.replace(/\.jsonl$/, '');
}

async function connection(t: Target) {
  const status = await sc.call('status.get');
  return status.connections.filter((c: { exchange: string; market: string }) => c.exchange === t.exchange && c.market === t.market);
}

describe.each(targets)('$name', (t) => {
  it('parses every real captured frame without a throw or a malformed verdict', async () => {
    const { findExchange } = await import('../../sidecar/exchanges/registry');
    const adapter = findExchange(t.exchange)!.market(t.market, { ws: 'ws://127.0.0.1:1', rest: 'http://127.0.0.1:1' });
    const file = fixtureFile(t);
    expect(file, `no fixture file for ${t.name}`).toBeDefined();
    const frames = fixtureFrames(file!);
    expect(frames.length).toBeGreaterThan(3);
    let events = 0;
    for (const f of frames) {
      const r = adapter.ws.parse(f.raw);
      expect(r.type, `${f.channel}: ${JSON.stringify(r)}`).not.toBe('malformed');
      if (r.type !== 'events') continue;
      for (const e of r.events) {
        events++;
        if (e.kind === 'kline') KlineSchema.parse(e.kline);
        if (e.kind === 'trade') TradeSchema.parse(e.trade);
        if (e.kind === 'ticker') TickerSchema.partial().parse(e.ticker);
      }
    }
    expect(events).toBeGreaterThan(0);
  });

  it('subscribe → backfilled history equal to the exchange’s, then live klines, trades and ticker', async () => {
    const [symbol] = symbols.get(tkey(t))!;
    const base = { exchange: t.exchange, market: t.market, symbol };
    const k1m = await sc.call('subscribe', { ...base, channel: 'kline', interval: '1m' });
    const t1m = await sc.call('subscribe', { ...base, channel: 'kline', interval: '1m', klineSource: 'trades' });
    const trades = await sc.call('subscribe', { ...base, channel: 'trades' });
    const ticker = await sc.call('subscribe', { ...base, channel: 'ticker' });
    keys.set(tkey(t), { k1m: k1m.key, t1m: t1m.key, trades: trades.key, ticker: ticker.key });
    const hist = await sc.call('klines.get', { ...base, interval: '1m', limit: 300 });
    expect(hist.source).toBe('cache');
    expect(hist.klines.filter((k: Kline) => k.closed).length).toBeGreaterThanOrEqual(299);
    expectGroundTruth(t, hist.klines, symbol, '1m', 60_000);
    await sc.waitFor(`${t.name}: live kline`, () => sc.of('kline', k1m.key).length >= 2);
    const trade = await sc.waitFor(`${t.name}: live trade`, () => sc.of('trade', trades.key)[0]);
    TradeSchema.parse(trade.params.data);
    const tick = await sc.waitFor(`${t.name}: ticker with last, bid and ask`, () =>
      sc.of('ticker', ticker.key).find((n) => n.params.data.last !== undefined && n.params.data.bid !== undefined && n.params.data.ask !== undefined),
    );
    expect(tick.params.data.bid).toBeLessThanOrEqual(tick.params.data.ask);
    if (t.market === 'perp') {
      await sc.waitFor(`${t.name}: perp ticker with mark price and funding rate`, () =>
        sc.of('ticker', ticker.key).find((n) => n.params.data.markPrice !== undefined && n.params.data.fundingRate !== undefined),
      );
    }
    // Unified spellings resolve to the same stream.
    const instruments = await sc.call('instruments.list', { exchange: t.exchange, market: t.market, query: symbol });
    const inst = instruments.find((i: { symbol: string }) => i.symbol === symbol);
    expect(inst.unified).toMatch(t.market === 'spot' ? /^[A-Z0-9]+\/[A-Z0-9]+$/ : /^[A-Z0-9]+\/[A-Z0-9]+:[A-Z0-9]+$/);
    const again = await sc.call('subscribe', { exchange: t.exchange, market: t.market, symbol: inst.unified, channel: 'trades' });
    expect(again.key).toBe(trades.key);
    await sc.call('unsubscribe', { subscriptionId: again.subscriptionId });
  });

  it('a subscription the exchange rejects is an error for the client that asked; others are unaffected', async () => {
    const [, second] = symbols.get(tkey(t))!;
    const server = fakes.server(t.exchange, t.market);
    server.rejectSymbols([second], 'error');
    try {
      const err = await sc.call('subscribe', { exchange: t.exchange, market: t.market, symbol: second, channel: 'trades' }).catch((e: RpcCallError) => e);
      expect(err, `${t.name}: expected a rejection`).toBeInstanceOf(RpcCallError);
      expect((err as RpcCallError).error.code).toBe(-32005);
      const before = sc.of('kline', keys.get(tkey(t))!.k1m).length;
      await sc.waitFor(`${t.name}: klines still flowing`, () => sc.of('kline', keys.get(tkey(t))!.k1m).length > before);
      const subs = await sc.call('subscriptions.list');
      expect(subs.filter((s: { key: string }) => s.key.startsWith(`${t.exchange}:${t.market}:`)).every((s: { state: string }) => s.state === 'active')).toBe(true);
    } finally {
      server.rejectSymbols([]);
    }
  });
});

describe('faults on every exchange-market at once', () => {
  it('abrupt close mid-minute, then a silent stall: reconnect, resubscribe, REST gap fill, exact ground truth', async () => {
    // Start in the middle of a minute, so the cut minute is healed and checked.
    while (new Date().getUTCSeconds() < 8 || new Date().getUTCSeconds() > 25) await new Promise((r) => setTimeout(r, 200));
    const cut = Math.floor(Date.now() / 60_000) * 60_000;
    const reconnectsBefore = new Map<string, number>();
    for (const t of targets) reconnectsBefore.set(tkey(t), (await connection(t)).reduce((n: number, c: { reconnects: number }) => n + c.reconnects, 0));

    for (const t of targets) fakes.server(t.exchange, t.market).dropAll();
    for (const t of targets) {
      await sc.waitFor(`${t.name}: reconnected after abrupt close`, () =>
        sc.of('gap', keys.get(tkey(t))!.k1m).some((n) => n.params.data.state === 'filled' && n.params.time >= cut),
      );
    }
    const mark = sc.notifications.length;
    for (const t of targets) fakes.server(t.exchange, t.market).stall();
    for (const t of targets) {
      await sc.waitFor(`${t.name}: declared stale`, () =>
        sc.notifications.slice(mark).some((n) => n.method === 'status' && n.params.data.exchange === t.exchange && n.params.data.market === t.market && n.params.data.state === 'stale'),
      );
    }
    for (const t of targets) fakes.server(t.exchange, t.market).unstall();
    for (const t of targets) {
      await sc.waitFor(`${t.name}: open again after the stall`, () =>
        sc.notifications.slice(mark).some((n) => n.method === 'status' && n.params.data.exchange === t.exchange && n.params.data.market === t.market && n.params.data.state === 'open'),
      );
    }
    // Let the cut minute close and every series heal (close grace + REST round trips).
    const wait = cut + 60_000 - Date.now() + 6000;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const t of targets) {
      const [symbol] = symbols.get(tkey(t))!;
      const base = { exchange: t.exchange, market: t.market, symbol, interval: '1m' };
      const conns = await connection(t);
      expect(conns.reduce((n: number, c: { reconnects: number }) => n + c.reconnects, 0), `${t.name}: reconnects`).toBeGreaterThanOrEqual(reconnectsBefore.get(tkey(t))! + 2);
      expect(conns.every((c: { state: string }) => c.state === 'open'), `${t.name}: all connections open`).toBe(true);
      const ex = await sc.call('klines.get', { ...base, limit: 20 });
      expect(ex.klines.some((k: Kline) => k.closed && k.openTime === cut), `${t.name}: the cut minute is closed`).toBe(true);
      expectGroundTruth(t, ex.klines, symbol, '1m', 60_000);
      const tb = await sc.call('klines.get', { ...base, klineSource: 'trades', limit: 20 });
      expect(tb.klines.some((k: Kline) => k.closed && k.openTime === cut), `${t.name}: the cut trade-built minute is closed`).toBe(true);
      expectGroundTruth(t, tb.klines, symbol, '1m', 60_000);
    }
    const subs = await sc.call('subscriptions.list');
    expect(subs.map((s: { key: string; state: string }) => `${s.key} ${s.state}`).filter((s: string) => !s.endsWith(' active'))).toEqual([]);
  }, 180_000);

  it('heartbeats are answered the way each exchange requires: no fake ever dropped the sidecar for silence', async () => {
    for (const t of targets) expect(fakes.server(t.exchange, t.market).stats().heartbeatDrops, `${t.name}: heartbeat drops`).toBe(0);
  });
});

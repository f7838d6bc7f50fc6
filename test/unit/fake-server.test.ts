import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startFakeExchanges, type FakeExchanges } from '../../sidecar/fake/fleet';
import { FrameClient as Client, sleep, type Json } from '../support/frame-client';
import { HistoryWindow, minuteOf } from '../support/history-window';

/** Real frames (copied from the protocol dossier samples) whose layout the fake must reproduce. */
const REAL = readFileSync(new URL('../fixtures/fake-binance.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { channel: string; raw: string; market: 'spot' | 'perp' });

function realData(market: 'spot' | 'perp', channel: string): Record<string, unknown> {
  const entry = REAL.find((r) => r.market === market && r.channel.startsWith(channel));
  if (!entry) throw new Error(`no real ${market} ${channel} frame in the fixture`);
  return (JSON.parse(entry.raw) as { data: Record<string, unknown> }).data;
}




function streamOf(m: Json): string | undefined {
  return typeof m.stream === 'string' ? m.stream : undefined;
}

let fakes: FakeExchanges;
const history = new HistoryWindow(3 * 3_600_000);

beforeAll(async () => {
  history.mark();
  fakes = await startFakeExchanges({
    exchanges: [{ protocol: 'binance', symbols: ['BTCUSDT', 'ETHUSDT'] }],
    seed: 11,
    tradeRate: 20,
    klinePushMs: 50,
    pushMs: { ticker: 50, bookTicker: 50, markPrice: 50 },
    tickMs: 10,
    historyMs: 3 * 3_600_000,
    // Tests fire requests faster than Binance's 5 per second; the limit is tested on its own below.
    enforceRateLimit: false,
  });
  history.mark();
});

afterAll(async () => {
  await fakes?.close();
});

describe('fake Binance over WebSocket', () => {
  it('acks SUBSCRIBE and streams aggTrade and kline frames in the real layout', async () => {
    const { ws } = fakes.url('binance', 'spot');
    const c = await Client.open(`${ws}/stream`);
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade', 'btcusdt@kline_1m'], id: 1 });
    expect(await c.waitFor((m) => m.id === 1)).toEqual({ result: null, id: 1 });
    expect(c.frames).toContain('{"result":null,"id":1}');
    const trade = await c.waitFor((m) => streamOf(m) === 'btcusdt@aggTrade');
    const kline = await c.waitFor((m) => streamOf(m) === 'btcusdt@kline_1m');
    const t = trade.data as Json;
    const k = kline.data as Json;
    expect(Object.keys(t)).toEqual(Object.keys(realData('spot', 'aggTrade')));
    expect(Object.keys(k)).toEqual(Object.keys(realData('spot', 'kline')));
    expect(Object.keys(k.k as Json)).toEqual(Object.keys(realData('spot', 'kline').k as Json));
    expect(t).toMatchObject({ e: 'aggTrade', s: 'BTCUSDT', M: true });
    expect(t.p).toMatch(/^\d+\.\d{8}$/);
    expect(t.q).toMatch(/^\d+\.\d{8}$/);
    expect((k.k as Json).i).toBe('1m');
    // Every trade received is the simulator's trade with that id (wait for a few: no fixed sleep).
    const server = fakes.server('binance', 'spot');
    const trades = () => c.json().filter((m) => streamOf(m) === 'btcusdt@aggTrade').map((m) => m.data as Json);
    for (let i = 0; i < 150 && trades().length < 3; i++) await sleep(100);
    const got = trades();
    expect(got.length).toBeGreaterThan(1);
    const truth = server.sim.trades('BTCUSDT', got[0].T as number, got[got.length - 1].T as number);
    const byId = new Map(truth.map((x) => [x.id, x]));
    for (const g of got) {
      const x = byId.get(g.a as number);
      expect(x, `trade ${String(g.a)}`).toBeDefined();
      expect([Number(g.p), Number(g.q), g.T, g.m]).toEqual([Number(x?.price), Number(x?.size), x?.time, x?.side === 'sell']);
    }
    // No duplicates, none skipped between the first and the last.
    expect(got.map((g) => g.a)).toEqual(truth.map((x) => x.id));
    c.close();
  });

  it('sends perp frames with the symbol decimals and the real USDⓈ-M layout', async () => {
    const { ws } = fakes.url('binance', 'perp');
    const c = await Client.open(`${ws}/market/stream`);
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade', 'btcusdt@kline_1m', 'btcusdt@ticker', 'btcusdt@markPrice@1s'], id: 'a1' });
    expect(await c.waitFor((m) => m.id === 'a1')).toEqual({ result: null, id: 'a1' });
    const trade = (await c.waitFor((m) => streamOf(m) === 'btcusdt@aggTrade')).data as Json;
    const kline = (await c.waitFor((m) => streamOf(m) === 'btcusdt@kline_1m')).data as Json;
    const ticker = (await c.waitFor((m) => streamOf(m) === 'btcusdt@ticker')).data as Json;
    const mark = (await c.waitFor((m) => streamOf(m) === 'btcusdt@markPrice@1s')).data as Json;
    expect(Object.keys(trade)).toEqual(Object.keys(realData('perp', 'aggTrade')));
    expect(Object.keys(kline.k as Json)).toEqual(Object.keys(realData('perp', 'kline').k as Json));
    expect(Object.keys(ticker)).toEqual(Object.keys(realData('perp', 'ticker')));
    expect(Object.keys(mark)).toEqual(expect.arrayContaining(Object.keys(realData('perp', 'markPrice'))));
    expect(trade.p).toMatch(/^\d+\.\d{2}$/);
    expect(trade.q).toMatch(/^\d+\.\d{3}$/);
    c.close();
  });

  it('follows the USDⓈ-M routing rule: klines only on /market, bookTicker only on /public', async () => {
    const { ws } = fakes.url('binance', 'perp');
    const pub = await Client.open(`${ws}/public/stream`);
    const mkt = await Client.open(`${ws}/market/stream`);
    const legacy = await Client.open(`${ws}/stream`);
    for (const c of [pub, mkt, legacy]) c.send({ method: 'SUBSCRIBE', params: ['ethusdt@kline_1m', 'ethusdt@bookTicker'], id: 5 });
    for (const c of [pub, mkt, legacy]) expect(await c.waitFor((m) => m.id === 5)).toEqual({ result: null, id: 5 });
    await mkt.waitFor((m) => streamOf(m) === 'ethusdt@kline_1m');
    const book = await pub.waitFor((m) => streamOf(m) === 'ethusdt@bookTicker');
    expect(Object.keys(book.data as Json)).toEqual(Object.keys(realData('perp', 'bookTicker')));
    await sleep(300);
    const streams = (c: Client) => new Set(c.json().map(streamOf).filter(Boolean));
    expect(streams(pub)).toEqual(new Set(['ethusdt@bookTicker']));
    expect(streams(mkt)).toEqual(new Set(['ethusdt@kline_1m']));
    expect(streams(legacy)).toEqual(new Set(['ethusdt@bookTicker']));
    for (const c of [pub, mkt, legacy]) c.close();
  });

  it('answers LIST_SUBSCRIPTIONS, UNSUBSCRIBE and bad requests like Binance', async () => {
    const { ws } = fakes.url('binance', 'spot');
    const c = await Client.open(`${ws}/ws`);
    c.send({ method: 'SUBSCRIBE', params: ['ethusdt@trade', 'ethusdt@bookTicker'], id: 1 });
    await c.waitFor((m) => m.id === 1);
    c.send({ method: 'UNSUBSCRIBE', params: ['ethusdt@bookTicker'], id: 2 });
    expect(await c.waitFor((m) => m.id === 2)).toEqual({ result: null, id: 2 });
    c.send({ method: 'LIST_SUBSCRIPTIONS', id: 3 });
    expect(await c.waitFor((m) => m.id === 3)).toEqual({ result: ['ethusdt@trade'], id: 3 });
    c.send({ method: 'SUBSCRIBE', params: 'ethusdt@trade', id: 4 });
    expect(await c.waitFor((m) => m.id === 4)).toMatchObject({ code: 2, msg: expect.stringMatching(/^Invalid request: /) });
    c.send({ method: 'SUBSCRIBE', params: ['ETHUSDT@trade'], id: 5 });
    expect(await c.waitFor((m) => m.id === 5)).toMatchObject({ code: 2, msg: expect.stringContaining('lowercase') });
    c.send({ method: 'SUBSCRIBE', params: ['ethusdt@kline_7m'], id: 6 });
    expect(await c.waitFor((m) => m.id === 6)).toMatchObject({ code: 2 });
    c.send({ method: 'FOO', id: 7 });
    expect(await c.waitFor((m) => m.id === 7)).toMatchObject({ code: 2 });
    c.send('{not json');
    expect(await c.waitFor((m) => m.code === 3)).toMatchObject({ msg: expect.stringMatching(/^Invalid JSON/) });
    // /ws is the raw (unwrapped) mode: trade payloads come bare.
    const trade = await c.waitFor((m) => m.e === 'trade');
    expect(Object.keys(trade)).toEqual(['e', 'E', 's', 't', 'p', 'q', 'T', 'm', 'M']);
    c.close();
  });

  it('subscribes streams given in the URL without an ack', async () => {
    const { ws } = fakes.url('binance', 'spot');
    const c = await Client.open(`${ws}/stream?streams=btcusdt@miniTicker/ethusdt@aggTrade`);
    await c.waitFor((m) => streamOf(m) === 'btcusdt@miniTicker');
    await c.waitFor((m) => streamOf(m) === 'ethusdt@aggTrade');
    expect(fakes.server('binance', 'spot').activeTopics().get('ethusdt@aggTrade')).toBeGreaterThanOrEqual(1);
    c.close();
    await expect(Client.open(`${ws}/stream?streams=btcusdt@nope`)).rejects.toThrow(/400/);
    await expect(Client.open(`${ws}/elsewhere`)).rejects.toThrow(/404/);
  });

  it('sends the final closed kline after the boundary (1s bars)', async () => {
    const { ws } = fakes.url('binance', 'spot');
    const c = await Client.open(`${ws}/stream`);
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@kline_1s'], id: 1 });
    const closed = (await c.waitFor((m) => streamOf(m) === 'btcusdt@kline_1s' && ((m.data as Json).k as Json).x === true, 4000)).data as Json;
    const k = closed.k as Json;
    const [truth] = fakes.server('binance', 'spot').sim.klines('BTCUSDT', '1s', k.t as number, k.t as number);
    expect([k.o, k.h, k.l, k.c, k.v, k.q, k.n].map(String)).toEqual(
      [truth.open, truth.high, truth.low, truth.close, truth.volume, truth.quoteVolume, truth.trades].map((v) =>
        typeof v === 'number' ? String(v) : Number(v).toFixed(8),
      ),
    );
    c.close();
  });
});

describe('fake Binance REST', () => {
  it('pages klines oldest first, including the forming bar, equal to the ground truth', async () => {
    const { rest } = fakes.url('binance', 'spot');
    const server = fakes.server('binance', 'spot');
    const asked = Date.now();
    const latest = (await (await fetch(`${rest}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=5`)).json()) as unknown[][];
    expect(latest).toHaveLength(5);
    const last = latest[4][0] as number;
    expect([minuteOf(asked), minuteOf(Date.now())]).toContain(last); // the forming bar, whichever side of a minute turn
    const start = last - 30 * 60_000;
    const page = (await (await fetch(`${rest}/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${start + 1}&limit=10`)).json()) as unknown[][];
    expect(page.map((r) => r[0])).toEqual(Array.from({ length: 10 }, (_, i) => start + (i + 1) * 60_000));
    expect(page[0]).toHaveLength(12);
    const truth = server.groundTruth('BTCUSDT', '1m', start + 60_000, start + 60_000)[0];
    expect(page[0].slice(0, 9)).toEqual([
      truth.openTime,
      truth.open.toFixed(8),
      truth.high.toFixed(8),
      truth.low.toFixed(8),
      truth.close.toFixed(8),
      truth.volume.toFixed(8),
      truth.closeTime,
      truth.quoteVolume.toFixed(8),
      truth.trades,
    ]);
    const bounded = (await (await fetch(`${rest}/api/v3/klines?symbol=BTCUSDT&interval=5m&startTime=${start}&endTime=${start + 15 * 60_000}`)).json()) as unknown[][];
    const first5m = Math.ceil(start / 300_000) * 300_000;
    const expected = [0, 1, 2, 3].map((i) => first5m + i * 300_000).filter((t) => t <= start + 15 * 60_000);
    expect(bounded.map((r) => r[0])).toEqual(expected);
    expect(server.restRequests.some((r) => r.url.includes('limit=5') && r.status === 200)).toBe(true);
  });

  it('answers Binance errors for bad symbols, intervals and limits', async () => {
    const spot = fakes.url('binance', 'spot').rest;
    const perp = fakes.url('binance', 'perp').rest;
    const get = async (url: string) => {
      const res = await fetch(url);
      return { status: res.status, body: (await res.json()) as Json };
    };
    expect(await get(`${spot}/api/v3/klines?symbol=NOPE&interval=1m`)).toEqual({ status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
    expect(await get(`${spot}/api/v3/klines?symbol=BTCUSDT&interval=7m`)).toEqual({ status: 400, body: { code: -1120, msg: 'Invalid interval.' } });
    expect(await get(`${perp}/fapi/v1/klines?symbol=BTCUSDT&interval=1s`)).toEqual({ status: 400, body: { code: -1120, msg: 'Invalid interval.' } });
    expect((await get(`${spot}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1001`)).body.code).toBe(-1130);
    // Every minute of the three hours of history, up to the forming bar, none skipped.
    let perpPage: unknown[][] = [];
    await history.expectWhole(async () => {
      perpPage = (await (await fetch(`${perp}/fapi/v1/klines?symbol=ETHUSDT&interval=1m&limit=1500`)).json()) as unknown[][];
      return perpPage.map((row) => row[0] as number);
    });
    expect(perpPage[0][1]).toMatch(/^\d+\.\d{2}$/);
    expect((await fetch(`${spot}/fapi/v1/klines?symbol=BTCUSDT&interval=1m`)).status).toBe(404);
  });

  it('lists the configured symbols in exchangeInfo', async () => {
    const spot = (await (await fetch(`${fakes.url('binance', 'spot').rest}/api/v3/exchangeInfo`)).json()) as { symbols: Json[] };
    expect(spot.symbols.map((s) => [s.symbol, s.status, s.baseAsset, s.quoteAsset])).toEqual([
      ['BTCUSDT', 'TRADING', 'BTC', 'USDT'],
      ['ETHUSDT', 'TRADING', 'ETH', 'USDT'],
    ]);
    expect(spot.symbols[0].filters).toContainEqual(expect.objectContaining({ filterType: 'PRICE_FILTER', tickSize: '0.01000000' }));
    const perp = (await (await fetch(`${fakes.url('binance', 'perp').rest}/fapi/v1/exchangeInfo`)).json()) as { symbols: Json[] };
    expect(perp.symbols.map((s) => [s.symbol, s.contractType, s.status])).toEqual([
      ['BTCUSDT', 'PERPETUAL', 'TRADING'],
      ['ETHUSDT', 'PERPETUAL', 'TRADING'],
    ]);
    const one = await fetch(`${fakes.url('binance', 'spot').rest}/api/v3/exchangeInfo?symbol=NOPE`);
    expect(one.status).toBe(400);
  });
});

describe('fault injection', () => {
  it('dropAll destroys connections abruptly', async () => {
    const server = fakes.server('binance', 'spot');
    const c = await Client.open(`${server.urls.ws}/stream`);
    expect(server.connections()).toBeGreaterThanOrEqual(1);
    server.dropAll();
    expect((await c.closed).code).toBe(1006);
  });

  it('closeAll sends a close frame with the given code', async () => {
    const server = fakes.server('binance', 'spot');
    const c = await Client.open(`${server.urls.ws}/stream`);
    server.closeAll(1001, 'maintenance');
    expect(await c.closed).toEqual({ code: 1001, reason: 'maintenance' });
  });

  it('stall freezes data and leaves pings unanswered until unstall', async () => {
    const server = fakes.server('binance', 'perp');
    const c = await Client.open(`${server.urls.ws}/market/stream`);
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade'], id: 1 });
    await c.waitFor((m) => streamOf(m) === 'btcusdt@aggTrade');
    server.stall();
    await sleep(50); // frames already in flight
    const before = c.frames.length;
    c.ws.ping();
    await sleep(400);
    expect(c.frames.length).toBe(before);
    expect(c.pongs).toBe(0);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    server.unstall();
    await c.waitFor(() => c.frames.length > before);
    await sleep(50);
    expect(c.pongs).toBe(1);
    c.close();
  });

  it('sendRaw delivers garbage as-is', async () => {
    const server = fakes.server('binance', 'spot');
    const c = await Client.open(`${server.urls.ws}/stream`);
    server.sendRaw('{"stream":"btcusdt@aggTrade","data":{"e":"aggTr');
    for (let i = 0; i < 100 && c.frames.length === 0; i++) await sleep(10);
    expect(c.frames).toEqual(['{"stream":"btcusdt@aggTrade","data":{"e":"aggTr']);
    c.close();
  });

  it('refuseConnections makes connects fail fast, with 503 or a reset', async () => {
    const server = fakes.server('binance', 'spot');
    const total = server.totalConnections;
    server.refuseConnections(true);
    await expect(Client.open(`${server.urls.ws}/stream`)).rejects.toThrow(/503/);
    server.refuseConnections(true, 'reset');
    await expect(Client.open(`${server.urls.ws}/stream`)).rejects.toThrow();
    server.refuseConnections(false);
    const c = await Client.open(`${server.urls.ws}/stream`);
    expect(server.totalConnections).toBe(total + 1);
    c.close();
  });

  it('failRest serves the queued answers first (429 with Retry-After)', async () => {
    const server = fakes.server('binance', 'spot');
    server.failRest([{ status: 429, retryAfter: 3 }, { status: 418, retryAfter: 60, path: '/klines' }]);
    const url = `${server.urls.rest}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1`;
    const first = await fetch(url);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(((await first.json()) as Json).code).toBe(-1003);
    const info = await fetch(`${server.urls.rest}/api/v3/exchangeInfo`);
    expect(info.status).toBe(200); // the 418 only matches /klines
    const second = await fetch(url);
    expect(second.status).toBe(418);
    expect((await fetch(url)).status).toBe(200);
  });

  it('rejectSymbols answers an error, or acks and stays silent', async () => {
    const server = fakes.server('binance', 'spot');
    const c = await Client.open(`${server.urls.ws}/stream`);
    server.rejectSymbols(['ETHUSDT']);
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade', 'ethusdt@aggTrade'], id: 9 });
    expect(await c.waitFor((m) => m.id === 9)).toMatchObject({ code: 2, msg: expect.stringContaining('ETHUSDT') });
    server.rejectSymbols(['ETHUSDT'], 'silent');
    c.send({ method: 'SUBSCRIBE', params: ['ethusdt@aggTrade', 'btcusdt@aggTrade'], id: 10 });
    expect(await c.waitFor((m) => m.id === 10)).toEqual({ result: null, id: 10 });
    await c.waitFor((m) => streamOf(m) === 'btcusdt@aggTrade');
    await sleep(200);
    expect(c.json().some((m) => streamOf(m) === 'ethusdt@aggTrade')).toBe(false);
    server.rejectSymbols([]);
    await c.waitFor((m) => streamOf(m) === 'ethusdt@aggTrade');
    c.close();
  });
});

describe('heartbeat', () => {
  let fast: FakeExchanges;
  beforeAll(async () => {
    fast = await startFakeExchanges({
      exchanges: [{ protocol: 'binance', markets: ['spot'], symbols: ['BTCUSDT'] }],
      heartbeat: { intervalMs: 100, timeoutMs: 500 },
      tickMs: 10,
      historyMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await fast?.close();
  });

  it('drops a client that does not answer pings, keeps one that does', async () => {
    const server = fast.server('binance', 'spot');
    const deaf = await Client.open(`${server.urls.ws}/stream`, { autoPong: false });
    const alive = await Client.open(`${server.urls.ws}/stream`);
    const closed = await deaf.closed;
    expect(closed.code).toBe(1006);
    expect(deaf.pings).toBeGreaterThanOrEqual(1);
    await sleep(600);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    expect(alive.pings).toBeGreaterThanOrEqual(3);
    expect(server.stats().heartbeatDrops).toBe(1);
    alive.close();
  });

  it('closes a client that sends more messages per second than Binance allows', async () => {
    const server = fast.server('binance', 'spot');
    const c = await Client.open(`${server.urls.ws}/stream`);
    for (let i = 0; i < 6; i++) c.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
    expect(await c.closed).toEqual({ code: 1008, reason: 'Too many requests' });
  });
});

describe('fleet', () => {
  it('gives config overrides and TOML pointing at the fakes', () => {
    const o = fakes.configOverrides();
    expect(o.exchanges.binance.spot_ws_url).toBe(fakes.url('binance', 'spot').ws);
    expect(o.exchanges.binance.perpetual_rest_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fakes.configToml()).toContain(`[exchanges.binance]\nenabled = true\nspot_ws_url = "${fakes.url('binance', 'spot').ws}"`);
    expect(() => fakes.server('nope', 'spot')).toThrow(/binance:spot/);
  });

  it('refuses an unknown exchange with the list of known ones', async () => {
    await expect(startFakeExchanges({ exchanges: [{ protocol: 'nope' }] })).rejects.toThrow(/available: binance/);
  });
});

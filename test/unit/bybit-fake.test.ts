import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bybit } from '../../sidecar/exchanges/bybit';
import { parseFrame } from '../../sidecar/exchanges/bybit/parse';
import { startFakeExchanges, type FakeExchanges } from '../../sidecar/fake/fleet';
import { fetchKlines } from '../../sidecar/feed/pager';
import type { Kline } from '../../sidecar/market/model';
import { fixtureFrames } from '../support/fixtures';
import { FrameClient as Client, sleep, type Json } from '../support/frame-client';
import { HistoryWindow } from '../support/history-window';


/** The parsed real frame (from the fixtures) whose channel label starts with `channel`. */
function real(market: 'spot' | 'linear', channel: string): Json {
  const frame = fixtureFrames(`bybit-${market}`).find((f) => f.channel.startsWith(channel));
  if (!frame) throw new Error(`no real ${market} ${channel} frame in the fixture`);
  return JSON.parse(frame.raw) as Json;
}

/** The keys of a frame's data: of its first item when data is an array. */
function dataKeys(frame: Json): string[] {
  const data = Array.isArray(frame.data) ? (frame.data[0] as Json) : (frame.data as Json);
  return Object.keys(data);
}



const on = (topic: string) => (m: Json) => m.topic === topic;
const answerTo = (id: string) => (m: Json) => m.req_id === id;

let fakes: FakeExchanges;
const history = new HistoryWindow(3 * 3_600_000);

beforeAll(async () => {
  history.mark();
  fakes = await startFakeExchanges({
    exchanges: [{ protocol: 'bybit', symbols: ['BTCUSDT', 'ETHUSDT'] }],
    seed: 7,
    tradeRate: 20,
    klinePushMs: 50,
    pushMs: { ticker: 50, bookTicker: 50 },
    tickMs: 10,
    historyMs: 3 * 3_600_000,
  });
  history.mark();
});

afterAll(async () => {
  await fakes?.close();
});

describe('fake Bybit over WebSocket', () => {
  it('spot: acks the request by req_id and streams trades, klines, tickers and the level-1 book in the real layout', async () => {
    const c = await Client.open(fakes.url('bybit', 'spot').ws);
    c.send({ req_id: '1', op: 'subscribe', args: ['publicTrade.BTCUSDT', 'kline.1.BTCUSDT', 'tickers.BTCUSDT', 'orderbook.1.BTCUSDT'] });
    const ack = await c.waitFor(answerTo('1'));
    expect(ack).toMatchObject({ success: true, ret_msg: 'subscribe', req_id: '1', op: 'subscribe' });
    expect(Object.keys(ack)).toEqual(Object.keys(real('spot', 'subscribe ack')));
    const trade = await c.waitFor(on('publicTrade.BTCUSDT'));
    const kline = await c.waitFor(on('kline.1.BTCUSDT'));
    const ticker = await c.waitFor(on('tickers.BTCUSDT'));
    const book = await c.waitFor(on('orderbook.1.BTCUSDT'));
    expect(Object.keys(trade)).toEqual(Object.keys(real('spot', 'publicTrade')));
    expect(dataKeys(trade)).toEqual(dataKeys(real('spot', 'publicTrade')));
    expect(Object.keys(kline)).toEqual(Object.keys(real('spot', 'kline')));
    expect(dataKeys(kline)).toEqual(dataKeys(real('spot', 'kline')));
    expect(Object.keys(ticker)).toEqual(Object.keys(real('spot', 'tickers')));
    expect(dataKeys(ticker)).toEqual(dataKeys(real('spot', 'tickers')));
    expect(Object.keys(book)).toEqual(expect.arrayContaining(Object.keys(real('spot', 'orderbook.1 snapshot'))));
    expect(dataKeys(book)).toEqual(dataKeys(real('spot', 'orderbook.1 snapshot')));
    const item = (trade.data as Json[])[0];
    expect(item.p).toMatch(/^\d+\.\d{2}$/);
    expect(item.v).toMatch(/^\d+\.\d{6}$/);
    expect(item.i).toMatch(/^\d+$/);
    expect((kline.data as Json[])[0].interval).toBe('1');
    c.close();
  });

  it('every spot trade received is the simulator’s, none missing or repeated, and parses with the adapter', async () => {
    const c = await Client.open(fakes.url('bybit', 'spot').ws);
    c.send({ req_id: 't', op: 'subscribe', args: ['publicTrade.ETHUSDT'] });
    await c.waitFor(on('publicTrade.ETHUSDT'));
    await sleep(300);
    const got = c.json().filter(on('publicTrade.ETHUSDT')).flatMap((m) => m.data as Json[]);
    expect(got.length).toBeGreaterThan(1);
    const truth = fakes.server('bybit', 'spot').sim.trades('ETHUSDT', got[0].T as number, got[got.length - 1].T as number);
    expect(got.map((g) => [g.i, g.p, g.v, g.T, g.S])).toEqual(truth.map((t) => [String(t.id), t.price, t.size, t.time, t.side === 'buy' ? 'Buy' : 'Sell']));
    for (const f of c.frames) expect(parseFrame(f).type, f).not.toBe('malformed');
    c.close();
  });

  it('linear: trade and ticker layouts; the ticker is a snapshot, then deltas of changed fields', async () => {
    const c = await Client.open(fakes.url('bybit', 'perp').ws);
    c.send({ op: 'subscribe', args: ['publicTrade.BTCUSDT', 'tickers.BTCUSDT'] });
    const ack = await c.waitFor((m) => m.op === 'subscribe');
    expect(ack).toMatchObject({ success: true, ret_msg: '', req_id: '', op: 'subscribe' });
    expect(Object.keys(ack)).toEqual(Object.keys(real('linear', 'subscribe ack')));
    const trade = await c.waitFor(on('publicTrade.BTCUSDT'));
    expect(Object.keys(trade)).toEqual(Object.keys(real('linear', 'publicTrade')));
    expect(dataKeys(trade)).toEqual(dataKeys(real('linear', 'publicTrade')));
    expect((trade.data as Json[])[0].i).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((trade.data as Json[])[0].p).toMatch(/^\d+\.\d$/);
    const snapshot = await c.waitFor((m) => on('tickers.BTCUSDT')(m) && m.type === 'snapshot');
    expect(Object.keys(snapshot)).toEqual(Object.keys(real('linear', 'tickers snapshot')));
    expect(dataKeys(snapshot)).toEqual(dataKeys(real('linear', 'tickers snapshot')));
    const delta = await c.waitFor((m) => on('tickers.BTCUSDT')(m) && m.type === 'delta');
    const tickers = c.json().filter(on('tickers.BTCUSDT'));
    expect(tickers.filter((m) => m.type === 'snapshot')).toHaveLength(1);
    expect((delta.data as Json).symbol).toBe('BTCUSDT');
    // Folding the deltas into the snapshot gives the latest full state the fake computed.
    const merged = tickers.reduce<Json>((acc, m) => ({ ...acc, ...(m.data as Json) }), {});
    expect(Object.keys(merged).sort()).toEqual(dataKeys(snapshot).sort());
    expect(tickers.every((m) => Object.keys(m.data as Json).length >= 1)).toBe(true);
    for (const f of c.frames) expect(parseFrame(f).type, f).not.toBe('malformed');
    c.close();
  });

  it('answers pings in both shapes and recognisable to the adapter', async () => {
    const s = await Client.open(fakes.url('bybit', 'spot').ws);
    const l = await Client.open(fakes.url('bybit', 'perp').ws);
    s.send({ op: 'ping' });
    l.send({ req_id: 'p1', op: 'ping' });
    const sp = await s.waitFor((m) => m.ret_msg === 'pong');
    const lp = await l.waitFor((m) => m.ret_msg === 'pong');
    expect(Object.keys(sp)).toEqual(Object.keys(real('spot', 'pong')));
    expect(Object.keys(lp)).toEqual(Object.keys(real('linear', 'pong')));
    expect(lp).toMatchObject({ success: true, req_id: 'p1', op: 'ping' });
    expect(parseFrame(s.frames[0])).toEqual({ type: 'pong' });
    expect(parseFrame(l.frames[0])).toEqual({ type: 'pong' });
    s.close();
    l.close();
  });

  it('refuses bad requests the way Bybit does: one answer per request, all or nothing', async () => {
    const server = fakes.server('bybit', 'spot');
    const c = await Client.open(server.urls.ws);
    const eleven = Array.from({ length: 11 }, (_, i) => `kline.${['1', '3', '5', '15', '30', '60', '120', '240', '360', '720', 'D'][i]}.BTCUSDT`);
    c.send({ req_id: 'a', op: 'subscribe', args: eleven });
    expect(await c.waitFor(answerTo('a'))).toMatchObject({ success: false, ret_msg: 'args size >10', op: 'subscribe' });
    c.send({ req_id: 'b', op: 'subscribe', args: ['publicTrade.BTCUSDT', 'kline.7.BTCUSDT'] });
    expect(await c.waitFor(answerTo('b'))).toMatchObject({ success: false, ret_msg: 'error:handler not found,topic:kline.7.BTCUSDT' });
    c.send({ req_id: 'c', op: 'subscribe', args: ['publicTrade.btcusdt'] });
    expect(await c.waitFor(answerTo('c'))).toMatchObject({ success: false, ret_msg: 'Invalid symbol :[publicTrade.btcusdt]' });
    c.send({ req_id: 5, op: 'subscribe', args: ['publicTrade.BTCUSDT'] });
    expect(await c.waitFor((m) => m.ret_msg === 'Params Error')).toMatchObject({ success: false });
    server.rejectSymbols(['ETHUSDT']);
    try {
      c.send({ req_id: 'd', op: 'subscribe', args: ['publicTrade.BTCUSDT', 'publicTrade.ETHUSDT'] });
      const refused = await c.waitFor(answerTo('d'));
      expect(refused).toMatchObject({ success: false, ret_msg: 'Invalid symbol :[publicTrade.ETHUSDT]', op: 'subscribe' });
      expect(parseFrame(JSON.stringify(refused))).toEqual({ type: 'error', id: 'd', message: 'Invalid symbol :[publicTrade.ETHUSDT]' });
    } finally {
      server.rejectSymbols([]);
    }
    // Nothing of the refused requests was subscribed: BTCUSDT trades are still free to subscribe.
    await sleep(100);
    expect(c.json().some(on('publicTrade.BTCUSDT'))).toBe(false);
    c.send({ req_id: 'e', op: 'subscribe', args: ['publicTrade.BTCUSDT'] });
    expect(await c.waitFor(answerTo('e'))).toMatchObject({ success: true });
    c.send({ req_id: 'f', op: 'subscribe', args: ['kline.1.BTCUSDT', 'publicTrade.BTCUSDT'] });
    expect(await c.waitFor(answerTo('f'))).toMatchObject({ success: false, ret_msg: 'error:already subscribed,topic:publicTrade.BTCUSDT' });
    c.send({ req_id: 'g', op: 'unsubscribe', args: ['publicTrade.BTCUSDT'] });
    expect(await c.waitFor(answerTo('g'))).toMatchObject({ success: true, op: 'unsubscribe' });
    c.send('{nope');
    await c.waitFor((m) => m.success === false && String(m.ret_msg).includes('JSON'));
    c.close();
  });
});

describe('bar closing', () => {
  let clocked: FakeExchanges;
  // Market time under the test's control (heartbeats keep real time).
  let now = Math.floor(Date.now() / 60_000) * 60_000 - 300;
  beforeAll(async () => {
    clocked = await startFakeExchanges({
      exchanges: [{ protocol: 'bybit', markets: ['perp'], symbols: ['ETHUSDT'] }],
      seed: 3,
      tradeRate: 20,
      klinePushMs: 50,
      tickMs: 10,
      historyMs: 3_600_000,
      clock: () => now,
    });
  });
  afterAll(async () => {
    await clocked?.close();
  });

  it('sends the final bar with confirm=true, equal to the ground truth in base and quote units', async () => {
    const server = clocked.server('bybit', 'perp');
    const c = await Client.open(server.urls.ws);
    c.send({ req_id: 'k', op: 'subscribe', args: ['kline.1.ETHUSDT'] });
    const forming = await c.waitFor(on('kline.1.ETHUSDT'));
    expect((forming.data as Json[])[0].confirm).toBe(false);
    now += 500; // across the minute boundary
    const final = await c.waitFor((m) => on('kline.1.ETHUSDT')(m) && (m.data as Json[])[0].confirm === true);
    const parsed = parseFrame(JSON.stringify(final));
    if (parsed.type !== 'events' || parsed.events[0].kind !== 'kline') throw new Error(`unexpected ${JSON.stringify(parsed)}`);
    const kline = parsed.events[0].kline;
    expect(kline.closed).toBe(true);
    const [truth] = server.groundTruth('ETHUSDT', '1m', kline.openTime, kline.openTime);
    expect({ ...kline, trades: truth.trades }).toEqual(truth);
    expect(truth.volume).toBeGreaterThan(0);
    c.close();
  });
});

describe('fake Bybit REST', () => {
  it('kline pages are newest first, trailing zeros dropped, equal to the ground truth', async () => {
    const { rest } = fakes.url('bybit', 'spot');
    const server = fakes.server('bybit', 'spot');
    const get = async (q: string) => (await (await fetch(`${rest}/v5/market/kline?${q}`)).json()) as { retCode: number; retMsg: string; result: { list: string[][] } };
    const latest = await get('category=spot&symbol=BTCUSDT&interval=1&limit=5');
    expect(latest.retCode).toBe(0);
    const opens = latest.result.list.map((r) => Number(r[0]));
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    expect(opens[0]).toBeGreaterThanOrEqual(now - 60_000);
    expect(opens).toEqual([0, 1, 2, 3, 4].map((i) => opens[0] - i * 60_000));
    const start = opens[4] - 20 * 60_000;
    const page = await get(`category=spot&symbol=BTCUSDT&interval=1&start=${start}&end=${start + 9 * 60_000}`);
    expect(page.result.list.map((r) => Number(r[0]))).toEqual(Array.from({ length: 10 }, (_, i) => start + (9 - i) * 60_000));
    const [truth] = server.groundTruth('BTCUSDT', '1m', start, start);
    const row = page.result.list[9];
    expect(row.map(Number)).toEqual([truth.openTime, truth.open, truth.high, truth.low, truth.close, truth.volume, truth.quoteVolume]);
    expect(row.every((cell) => !/\.\d*0$/.test(cell))).toBe(true);
    // With start only, Bybit keeps the newest `limit` rows of [start, now].
    const startOnly = await get(`category=spot&symbol=BTCUSDT&interval=1&start=${start}&limit=3`);
    expect(Number(startOnly.result.list[2][0])).toBeGreaterThan(start);
    // Default page size 200 holds all three hours of history, up to the forming bar.
    await history.expectWhole(async () => (await get('category=spot&symbol=BTCUSDT&interval=1')).result.list.map((r) => Number(r[0])));
  });

  it('the adapter pages through the fake and gets the ground truth (pageFrom newest)', async () => {
    const adapter = bybit.market('perp', fakes.url('bybit', 'perp'));
    const server = fakes.server('bybit', 'perp');
    const fetcher = async (url: string) => (await fetch(url)).text();
    const now = Date.now();
    const to = Math.floor(now / 60_000) * 60_000 - 2 * 60_000;
    const from = to - 149 * 60_000;
    const bars = await fetchKlines({ ...adapter.rest, klines: { ...adapter.rest.klines, maxLimit: 40 } }, fetcher, { symbol: 'BTCUSDT', interval: '1m', startTime: from, endTime: to }, { intervalMs: 60_000 });
    // Bybit publishes no trade count: the parsed bars have none.
    const truth = server.groundTruth('BTCUSDT', '1m', from, to).map((k): Kline => ({ ...k, trades: undefined }));
    expect(bars.every((b) => b.trades === undefined)).toBe(true);
    expect(bars).toEqual(truth);
    expect(bars).toHaveLength(150);
    // A single bar: one page asking for exactly that bar, sized by the page's interval.
    const one = await fetchKlines(adapter.rest, fetcher, { symbol: 'BTCUSDT', interval: '1m', startTime: to, endTime: to }, { intervalMs: 60_000 });
    expect(one).toEqual([truth[truth.length - 1]]);
    const asked = new URL(server.restRequests[server.restRequests.length - 1].url, 'http://fake').searchParams;
    expect([asked.get('start'), asked.get('end')]).toEqual([String(to), String(to)]);
    const hours = await fetchKlines(adapter.rest, fetcher, { symbol: 'BTCUSDT', interval: '1h', limit: 2 }, { intervalMs: 3_600_000 });
    expect(hours.map((h) => h.closeTime - h.openTime)).toEqual([3_599_999, 3_599_999]);
  });

  it('answers Bybit errors with HTTP 200 and a retCode', async () => {
    const { rest } = fakes.url('bybit', 'spot');
    const get = async (q: string) => {
      const res = await fetch(`${rest}/v5/market/kline?${q}`);
      return { status: res.status, body: (await res.json()) as Json };
    };
    expect(await get('category=spot&symbol=NOPE&interval=1')).toMatchObject({ status: 200, body: { retCode: 10001, retMsg: 'Not supported symbols' } });
    expect(await get('category=spot&symbol=BTCUSDT&interval=1m')).toMatchObject({ status: 200, body: { retCode: 10001, retMsg: 'Invalid period!' } });
    expect((await get('category=spot&symbol=BTCUSDT&interval=1&limit=1001')).body.retCode).toBe(10001);
    // Kline's category defaults to linear, which this spot server does not serve.
    expect((await get('symbol=BTCUSDT&interval=1')).body.retCode).toBe(10001);
    const adapter = bybit.market('spot', fakes.url('bybit', 'spot'));
    const body = await (await fetch(`${rest}/v5/market/kline?category=spot&symbol=NOPE&interval=1`)).text();
    expect(adapter.rest.errorMessage?.(body)).toBe('Not supported symbols (code 10001)');
    expect((await fetch(`${rest}/v5/market/nope`)).status).toBe(404);
  });

  it('lists instruments; linear pages with limit and cursor; the adapter reads both', async () => {
    const spotUrl = fakes.url('bybit', 'spot').rest;
    const perpUrl = fakes.url('bybit', 'perp').rest;
    const spotAdapter = bybit.market('spot', fakes.url('bybit', 'spot'));
    const spotList = spotAdapter.rest.instruments.parse(await (await fetch(spotAdapter.rest.instruments.request().url)).text());
    expect(spotList.map((i) => [i.symbol, i.unified, i.status, i.tickSize, i.stepSize])).toEqual([
      ['BTCUSDT', 'BTC/USDT', 'trading', 0.01, 0.000001],
      ['ETHUSDT', 'ETH/USDT', 'trading', 0.01, 0.00001],
    ]);
    const perpAdapter = bybit.market('perp', fakes.url('bybit', 'perp'));
    const perpList = perpAdapter.rest.instruments.parse(await (await fetch(perpAdapter.rest.instruments.request().url)).text());
    expect(perpList.map((i) => [i.symbol, i.unified, i.tickSize, i.stepSize])).toEqual([
      ['BTCUSDT', 'BTC/USDT:USDT', 0.1, 0.001],
      ['ETHUSDT', 'ETH/USDT:USDT', 0.01, 0.01],
    ]);
    type Page = { result: { list: Json[]; nextPageCursor: string } };
    const first = (await (await fetch(`${perpUrl}/v5/market/instruments-info?category=linear&limit=1`)).json()) as Page;
    expect(first.result.list.map((i) => i.symbol)).toEqual(['BTCUSDT']);
    expect(first.result.nextPageCursor).not.toBe('');
    const second = (await (await fetch(`${perpUrl}/v5/market/instruments-info?category=linear&limit=1&cursor=${first.result.nextPageCursor}`)).json()) as Page;
    expect(second.result.list.map((i) => i.symbol)).toEqual(['ETHUSDT']);
    expect(second.result.nextPageCursor).toBe('');
    const spotPage = (await (await fetch(`${spotUrl}/v5/market/instruments-info?category=spot&limit=1`)).json()) as Page;
    expect(spotPage.result.list).toHaveLength(2); // spot ignores limit
  });

  it('injected failures carry Bybit error bodies', async () => {
    const server = fakes.server('bybit', 'spot');
    server.failRest([{ status: 429, retryAfter: 2 }]);
    const res = await fetch(`${server.urls.rest}/v5/market/time`);
    expect(res.status).toBe(429);
    expect(((await res.json()) as Json).retCode).toBe(10006);
    expect((await fetch(`${server.urls.rest}/v5/market/time`)).status).toBe(200);
  });
});

describe('a listing younger than two bars', () => {
  let young: FakeExchanges;
  const now = Date.UTC(2026, 10, 21, 12); // a Saturday, mid-month
  beforeAll(async () => {
    young = await startFakeExchanges({
      exchanges: [{ protocol: 'bybit', markets: ['spot'], symbols: ['BTCUSDT'] }],
      historyMs: 3 * 3_600_000,
      clock: () => now,
    });
  });
  afterAll(async () => {
    await young?.close();
  });

  it('its lone month and week rows still get their close times', async () => {
    const adapter = bybit.market('spot', young.url('bybit', 'spot'));
    const fetcher = async (url: string) => (await fetch(url)).text();
    const months = await fetchKlines(adapter.rest, fetcher, { symbol: 'BTCUSDT', interval: '1M', limit: 5 }, { now: () => now });
    expect(months.map((k) => [k.openTime, k.closeTime, k.closed])).toEqual([[Date.UTC(2026, 10, 1), Date.UTC(2026, 11, 1) - 1, false]]);
    const weeks = await fetchKlines(adapter.rest, fetcher, { symbol: 'BTCUSDT', interval: '1w', limit: 5 }, { now: () => now });
    expect(weeks.map((k) => [k.openTime, k.closeTime])).toEqual([[Date.UTC(2026, 10, 16), Date.UTC(2026, 10, 23) - 1]]);
    const [truth] = young.server('bybit', 'spot').sim.klines('BTCUSDT', '1w', weeks[0].openTime, weeks[0].openTime);
    expect([weeks[0].volume, weeks[0].quoteVolume]).toEqual([Number(truth.volume), Number(truth.quoteVolume)]);
  });
});

describe('heartbeat', () => {
  let fast: FakeExchanges;
  beforeAll(async () => {
    fast = await startFakeExchanges({
      exchanges: [{ protocol: 'bybit', markets: ['perp'], symbols: ['BTCUSDT'] }],
      heartbeat: { idleTimeoutMs: 600 },
      tickMs: 10,
      historyMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await fast?.close();
  });

  it('drops a client that does not ping, keeps one that does', async () => {
    const server = fast.server('bybit', 'perp');
    const silent = await Client.open(server.urls.ws);
    const alive = await Client.open(server.urls.ws);
    silent.send({ req_id: '1', op: 'subscribe', args: ['publicTrade.BTCUSDT'] });
    const timer = setInterval(() => alive.send({ op: 'ping' }), 50);
    try {
      expect((await silent.closed).code).toBe(1006);
      await sleep(800);
      expect(alive.ws.readyState).toBe(WebSocket.OPEN);
      expect(alive.json().filter((m) => m.ret_msg === 'pong').length).toBeGreaterThanOrEqual(5);
      expect(server.stats().heartbeatDrops).toBe(1);
    } finally {
      clearInterval(timer);
      alive.close();
    }
  });

  it('serves only its own path', async () => {
    const server = fast.server('bybit', 'perp');
    await expect(Client.open(server.urls.ws.replace('linear', 'spot'))).rejects.toThrow(/404/);
  });
});

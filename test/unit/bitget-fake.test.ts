import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bitget } from '../../sidecar/exchanges/bitget';
import { parseFrame } from '../../sidecar/exchanges/bitget/parse';
import type { MarketEvent } from '../../sidecar/exchanges/types';
import { startFakeExchanges, type FakeExchanges } from '../../sidecar/fake/fleet';
import { fetchKlines } from '../../sidecar/feed/pager';
import type { Market } from '../../sidecar/market/model';
import { fixtureFrames } from '../support/fixtures';
import { FrameClient as Client, sleep, type Json } from '../support/frame-client';
import { minuteOf } from '../support/history-window';


/** The `data[0]` keys of a real recorded frame: the layout the fake must reproduce. */
function realKeys(file: string, channel: string): string[] {
  const entry = fixtureFrames(file).find((f) => f.channel.startsWith(channel));
  if (!entry) throw new Error(`no real ${channel} frame in ${file}`);
  return Object.keys((JSON.parse(entry.raw) as { data: Json[] }).data[0]);
}



const arg = (instType: string, channel: string, instId = 'BTCUSDT') => ({ instType, channel, instId });
const sameArg = (a: unknown, b: Json) => JSON.stringify(a) === JSON.stringify(b);
const isPush = (m: Json, channel: string, action?: string) =>
  (m.arg as Json | undefined)?.channel === channel && m.action !== undefined && (action === undefined || m.action === action);

let fakes: FakeExchanges;

beforeAll(async () => {
  fakes = await startFakeExchanges({
    exchanges: [{ protocol: 'bitget' }],
    seed: 5,
    tradeRate: 20,
    klinePushMs: 50,
    pushMs: { ticker: 50 },
    tickMs: 10,
    historyMs: 2 * 86_400_000,
    // Tests fire requests faster than 10 per second; the limit is tested on its own below.
    enforceRateLimit: false,
  });
});

afterAll(async () => {
  await fakes?.close();
});

describe('fake Bitget over WebSocket', () => {
  it('acks each arg, then streams candle, trade and ticker frames in the real layout', async () => {
    const { ws } = fakes.url('bitget', 'spot');
    expect(ws).toMatch(/\/v2\/ws\/public$/);
    const c = await Client.open(ws);
    const args = [arg('SPOT', 'candle1m'), arg('SPOT', 'trade'), arg('SPOT', 'ticker')];
    c.send({ op: 'subscribe', args });
    for (const a of args) expect(await c.waitFor((m) => m.event === 'subscribe' && sameArg(m.arg, a))).toEqual({ event: 'subscribe', arg: a });
    const snapshot = await c.waitFor((m) => isPush(m, 'candle1m', 'snapshot'));
    const rows = snapshot.data as string[][];
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.every((r) => r.length === 8 && r.every((x) => typeof x === 'string'))).toBe(true);
    const update = await c.waitFor((m) => isPush(m, 'candle1m', 'update'));
    expect(Object.keys(update)).toEqual(['action', 'arg', 'data', 'ts']);
    const trade = await c.waitFor((m) => isPush(m, 'trade', 'update'));
    expect(Object.keys((trade.data as Json[])[0])).toEqual(realKeys('bitget-spot', 'trade update'));
    const ticker = await c.waitFor((m) => isPush(m, 'ticker'));
    expect(Object.keys((ticker.data as Json[])[0])).toEqual(realKeys('bitget-spot', 'ticker'));
    c.close();
  });

  it('futures tickers carry mark, index and funding in the real layout', async () => {
    const c = await Client.open(fakes.url('bitget', 'perp').ws);
    c.send({ op: 'subscribe', args: [arg('USDT-FUTURES', 'ticker', 'ETHUSDT')] });
    const ticker = await c.waitFor((m) => isPush(m, 'ticker'));
    expect(Object.keys((ticker.data as Json[])[0])).toEqual(realKeys('bitget-usdt-futures', 'ticker'));
    const [event] = (parseFrame(JSON.stringify(ticker)) as { events: MarketEvent[] }).events;
    expect(event.kind === 'ticker' && Object.keys(event.ticker).sort()).toEqual(
      ['ask', 'askSize', 'bid', 'bidSize', 'fundingRate', 'high24h', 'indexPrice', 'last', 'low24h', 'markPrice', 'nextFundingTime', 'quoteVolume24h', 'time', 'volume24h'],
    );
    c.close();
  });

  it('trades parsed by the adapter are the simulator’s, none twice, none skipped after the snapshot', async () => {
    for (const market of ['spot', 'perp'] as Market[]) {
      const instType = market === 'spot' ? 'SPOT' : 'USDT-FUTURES';
      const server = fakes.server('bitget', market);
      const c = await Client.open(server.urls.ws);
      c.send({ op: 'subscribe', args: [arg(instType, 'trade')] });
      await c.waitFor((m) => isPush(m, 'trade', 'snapshot'));
      await c.waitFor((m) => isPush(m, 'trade', 'update'));
      await sleep(300);
      const frames = c.frames.filter((f) => f.includes('"channel":"trade"') && f.includes('"action"'));
      const trades = frames.flatMap((f) => (parseFrame(f) as { events: MarketEvent[] }).events).flatMap((e) => (e.kind === 'trade' ? [e.trade] : []));
      const ids = trades.map((t) => t.id);
      expect(new Set(ids).size, `${market}: duplicates`).toBe(ids.length);
      const live = frames.filter((f) => f.includes('"update"')).flatMap((f) => (parseFrame(f) as { events: MarketEvent[] }).events);
      const first = live[0].kind === 'trade' ? live[0].trade.time : 0;
      const last = trades[trades.length - 1].time;
      const truth = server.sim.trades('BTCUSDT', first, last);
      expect(trades.filter((t) => t.time >= first), `${market}: live trades vs truth`).toEqual(
        truth.map((t) => ({ id: String(t.id), time: t.time, price: Number(t.price), size: Number(t.size), side: t.side })),
      );
      c.close();
    }
  });

  it('candle rows are the simulator’s bars: base volume and quote volume (spot and futures)', async () => {
    for (const market of ['spot', 'perp'] as Market[]) {
      const instType = market === 'spot' ? 'SPOT' : 'USDT-FUTURES';
      const server = fakes.server('bitget', market);
      const c = await Client.open(server.urls.ws);
      c.send({ op: 'subscribe', args: [arg(instType, 'candle5m', 'ETHUSDT')] });
      const snapshot = await c.waitFor((m) => isPush(m, 'candle5m', 'snapshot'));
      const rows = (snapshot.data as string[][]).map((r) => Number(r[0]));
      const truth = server.sim.klines('ETHUSDT', '5m', rows[0], rows[rows.length - 2]);
      const all = (snapshot.data as string[][]).slice(0, -1);
      // Every closed row equals the ground truth (the newest may have moved since).
      expect(all.map((r) => r.slice(0, 7).map(Number))).toEqual(
        truth.map((k) => [k.openTime, k.open, k.high, k.low, k.close, k.volume, k.quoteVolume].map(Number)),
      );
      const [event] = (parseFrame(JSON.stringify(snapshot)) as { events: MarketEvent[] }).events;
      expect(event.kind === 'kline' && [event.interval, event.kline.openTime, event.kline.closed]).toEqual(['5m', rows[rows.length - 1], false]);
      c.close();
    }
  });

  it('refuses per arg: a rejected symbol, the other instType, an unknown channel; the rest is acked', async () => {
    const server = fakes.server('bitget', 'spot');
    server.rejectSymbols(['ETHUSDT']);
    try {
      const c = await Client.open(server.urls.ws);
      c.send({ op: 'subscribe', args: [arg('SPOT', 'trade', 'ETHUSDT'), arg('USDT-FUTURES', 'trade'), arg('SPOT', 'books50'), arg('SPOT', 'trade')] });
      expect(await c.waitFor((m) => m.event === 'error' && sameArg(m.arg, arg('SPOT', 'trade', 'ETHUSDT')))).toEqual({
        event: 'error',
        arg: arg('SPOT', 'trade', 'ETHUSDT'),
        code: 30001,
        msg: "instType:SPOT,channel:trade,instId:ETHUSDT doesn't exist",
        op: 'subscribe',
      });
      expect(await c.waitFor((m) => m.event === 'error' && sameArg(m.arg, arg('USDT-FUTURES', 'trade')))).toMatchObject({ code: 30001 });
      expect(await c.waitFor((m) => m.event === 'error' && sameArg(m.arg, arg('SPOT', 'books50')))).toMatchObject({ code: 30016, msg: 'Param error' });
      await c.waitFor((m) => m.event === 'subscribe' && sameArg(m.arg, arg('SPOT', 'trade')));
      // The adapter maps each refusal to its own topic.
      const refusal = parseFrame(c.frames.find((f) => f.includes('"error"') && f.includes('ETHUSDT'))!);
      expect(refusal).toMatchObject({ type: 'error', topics: ['SPOT:trade:ETHUSDT'] });
      c.send({ op: 'unsubscribe', args: [arg('SPOT', 'trade')] });
      expect(await c.waitFor((m) => m.event === 'unsubscribe')).toEqual({ event: 'unsubscribe', arg: arg('SPOT', 'trade') });
      c.send('{not json');
      expect(await c.waitFor((m) => m.event === 'error' && m.arg === undefined)).toEqual({ event: 'error', code: 30016, msg: 'Param error' });
      c.close();
    } finally {
      server.rejectSymbols([]);
    }
  });

  it('answers the text ping with the text pong, and serves only /v2/ws/public', async () => {
    const server = fakes.server('bitget', 'perp');
    const c = await Client.open(server.urls.ws);
    c.send('ping');
    for (let i = 0; i < 100 && !c.frames.includes('pong'); i++) await sleep(10);
    expect(c.frames).toEqual(['pong']);
    expect(parseFrame(c.frames[0])).toEqual({ type: 'pong' });
    c.close();
    const base = server.urls.ws.replace(/\/v2\/ws\/public$/, '');
    await expect(Client.open(`${base}/ws`)).rejects.toThrow(/404/);
  });

  it('a subscribe frame built by the adapter is understood by the fake', async () => {
    const adapter = bitget.market('perp', fakes.url('bitget', 'perp'));
    const topics = ['kline', 'trades', 'ticker'].flatMap((channel) => {
      const t = adapter.topics({ market: 'perp', symbol: 'BTCUSDT', channel: channel as 'kline', interval: '1m' });
      if (t instanceof Error) throw t;
      return t.map((x) => x.name);
    });
    const c = await Client.open(adapter.ws.url('public'));
    c.send(adapter.ws.subscribe(topics, 1));
    const acked = new Set<string>();
    for (let i = 0; i < 300 && acked.size < 3; i++) {
      for (const f of c.frames) {
        const r = adapter.ws.parse(f);
        if (r.type === 'ack') for (const t of r.topics ?? []) acked.add(t);
      }
      await sleep(10);
    }
    expect([...acked].sort()).toEqual([...topics].sort());
    c.close();
  });
});

describe('fake Bitget REST', () => {
  const text = async (url: string) => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    return res.text();
  };

  it('the generic pager with the adapter reproduces the ground truth (ranges, one bar, latest N)', async () => {
    for (const market of ['spot', 'perp'] as Market[]) {
      const adapter = bitget.market(market, fakes.url('bitget', market));
      const now = Date.now();
      const lastClosed = Math.floor(now / 60_000) * 60_000 - 60_000;
      const from = lastClosed - 2500 * 60_000;
      const range = await fetchKlines(adapter.rest, text, { symbol: 'BTCUSDT', interval: '1m', startTime: from, endTime: lastClosed }, { intervalMs: 60_000 });
      const truth = fakes.groundTruth('bitget', market, 'BTCUSDT', '1m', from, lastClosed);
      expect(range.length, market).toBe(2501);
      expect(range, market).toEqual(truth.map(({ trades: _, ...k }) => k)); // no trade count in Bitget candles
      // One bar: one page asking for exactly that bar (each bound widened by 1 ms), sized by the page's interval.
      const one = await fetchKlines(adapter.rest, text, { symbol: 'BTCUSDT', interval: '1m', startTime: lastClosed, endTime: lastClosed }, { intervalMs: 60_000 });
      expect(one.map((k) => [k.openTime, k.closeTime, k.closed])).toEqual([[lastClosed, lastClosed + 59_999, true]]);
      const log = fakes.server('bitget', market).restRequests;
      const asked = new URL(log[log.length - 1].url, 'http://fake').searchParams;
      expect([asked.get('startTime'), asked.get('endTime')], market).toEqual([String(lastClosed - 1), String(lastClosed + 1)]);
      const latestAsked = Date.now();
      const latest = await fetchKlines(adapter.rest, text, { symbol: 'BTCUSDT', interval: '1m', limit: 1200 }, { intervalMs: 60_000 });
      expect(latest).toHaveLength(1200);
      const forming = latest[latest.length - 1];
      expect(forming.closed).toBe(false);
      expect([minuteOf(latestAsked), minuteOf(Date.now())], market).toContain(forming.openTime); // whichever side of a minute turn
      const closed1m = latest.filter((k) => k.closed);
      const truth1m = fakes.groundTruth('bitget', market, 'BTCUSDT', '1m', closed1m[0].openTime, closed1m[closed1m.length - 1].openTime);
      expect(closed1m.map((k) => [k.openTime, k.volume, k.quoteVolume])).toEqual(truth1m.map((k) => [k.openTime, k.volume, k.quoteVolume]));
    }
  });

  it('raw semantics: exclusive bounds, the newest rows of a limited window, oldest first; spot quote volume last', async () => {
    const { rest } = fakes.url('bitget', 'spot');
    const end = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
    const start = end - 60 * 60_000;
    const body = JSON.parse(await text(`${rest}/api/v2/spot/market/candles?symbol=BTCUSDT&granularity=1min&startTime=${start}&endTime=${end}&limit=3`)) as { code: string; data: string[][] };
    expect(body.code).toBe('00000');
    expect(body.data.map((r) => Number(r[0]))).toEqual([end - 3 * 60_000, end - 2 * 60_000, end - 60_000]);
    const all = JSON.parse(await text(`${rest}/api/v2/spot/market/candles?symbol=BTCUSDT&granularity=1min&startTime=${start}&endTime=${end}&limit=1000`)) as { data: string[][] };
    expect(all.data).toHaveLength(59); // neither bound itself
    const [truth] = fakes.groundTruth('bitget', 'spot', 'BTCUSDT', '1m', end - 60_000, end - 60_000);
    const row = all.data[all.data.length - 1];
    expect(row).toHaveLength(8);
    expect([Number(row[5]), Number(row[7])]).toEqual([truth.volume, truth.quoteVolume]);
    const perp = JSON.parse(await text(`${fakes.url('bitget', 'perp').rest}/api/v2/mix/market/candles?symbol=BTCUSDT&productType=usdt-futures&granularity=1H&limit=2`)) as { data: string[][] };
    expect(perp.data.map((r) => r.length)).toEqual([7, 7]);
  });

  it('answers Bitget error envelopes for bad symbols, granularities, limits and product types', async () => {
    const spot = fakes.url('bitget', 'spot').rest;
    const perp = fakes.url('bitget', 'perp').rest;
    const get = async (url: string) => {
      const res = await fetch(url);
      return { status: res.status, body: (await res.json()) as Json };
    };
    const unknown = await get(`${spot}/api/v2/spot/market/candles?symbol=NOPEUSDT&granularity=1min`);
    expect(unknown).toMatchObject({ status: 400, body: { code: '40034', msg: 'Parameter NOPEUSDT does not exist' } });
    expect(bitget.market('spot', fakes.url('bitget', 'spot')).rest.errorMessage?.(JSON.stringify(unknown.body))).toBe('Parameter NOPEUSDT does not exist (code 40034)');
    expect((await get(`${spot}/api/v2/spot/market/candles?symbol=BTCUSDT&granularity=1m`)).status).toBe(400); // futures spelling on spot
    expect((await get(`${perp}/api/v2/mix/market/candles?symbol=BTCUSDT&productType=USDT-FUTURES&granularity=1min`)).status).toBe(400);
    expect((await get(`${perp}/api/v2/mix/market/candles?symbol=BTCUSDT&granularity=1m`)).body.msg).toMatch(/productType/);
    expect((await get(`${spot}/api/v2/spot/market/candles?symbol=BTCUSDT&granularity=1min&limit=1001`)).status).toBe(400);
    expect((await get(`${spot}/api/v2/spot/market/candles?symbol=BTCUSDT&granularity=1day`)).body.msg).toMatch(/UTC\+8/);
    const longWindow = `startTime=${Date.now() - 91 * 86_400_000}&endTime=${Date.now()}`;
    expect((await get(`${perp}/api/v2/mix/market/candles?symbol=BTCUSDT&productType=USDT-FUTURES&granularity=1Dutc&${longWindow}`)).body.msg).toMatch(/90 days/);
    expect((await fetch(`${spot}/api/v2/mix/market/candles?symbol=BTCUSDT&productType=USDT-FUTURES&granularity=1m`)).status).toBe(404);
  });

  it('lists the simulated symbols; the adapter reads them', async () => {
    for (const market of ['spot', 'perp'] as Market[]) {
      const adapter = bitget.market(market, fakes.url('bitget', market));
      const list = adapter.rest.instruments.parse(await text(adapter.rest.instruments.request().url));
      expect(list.map((i) => [i.symbol, i.unified, i.status])).toEqual([
        ['BTCUSDT', market === 'spot' ? 'BTC/USDT' : 'BTC/USDT:USDT', 'trading'],
        ['ETHUSDT', market === 'spot' ? 'ETH/USDT' : 'ETH/USDT:USDT', 'trading'],
      ]);
      const spec = fakes.server('bitget', market).sim.symbol('BTCUSDT')!;
      expect([list[0].tickSize, list[0].stepSize]).toEqual([10 ** -spec.priceDecimals, Number(`1e-${spec.sizeDecimals}`)]);
    }
  });
});

describe('heartbeat and message rate', () => {
  let fast: FakeExchanges;
  beforeAll(async () => {
    fast = await startFakeExchanges({
      exchanges: [{ protocol: 'bitget', markets: ['spot'], symbols: ['BTCUSDT'] }],
      heartbeat: { idleTimeoutMs: 800 },
      tickMs: 10,
      historyMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await fast?.close();
  });

  it('drops a client that does not ping, keeps one that does', async () => {
    const server = fast.server('bitget', 'spot');
    const silent = await Client.open(server.urls.ws);
    const pinging = await Client.open(server.urls.ws);
    // Every 120 ms: inside the idle limit, and under the 10 messages per second the fake enforces.
    const timer = setInterval(() => pinging.send('ping'), 120);
    try {
      expect((await silent.closed).code).toBe(1006);
      await sleep(900);
      expect(pinging.ws.readyState).toBe(WebSocket.OPEN);
      expect(pinging.frames.filter((f) => f === 'pong').length).toBeGreaterThanOrEqual(3);
      expect(server.stats().heartbeatDrops).toBe(1);
    } finally {
      clearInterval(timer);
      pinging.close();
    }
  });

  it('closes a client that sends more than 10 messages per second, pings included', async () => {
    const c = await Client.open(fast.server('bitget', 'spot').urls.ws);
    for (let i = 0; i < 11; i++) c.send('ping');
    expect(await c.closed).toEqual({ code: 1008, reason: 'Too many requests' });
  });
});

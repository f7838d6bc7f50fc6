/**
 * The fake OKX exchange over real sockets: a plain `ws` client checks the wire protocol (routes,
 * per-arg acks, refusals, heartbeat, frame layouts against the recorded frames), and the real OKX
 * adapter reads the fake's frames and REST pages back to the simulator's ground truth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { okx } from '../../sidecar/exchanges/okx';
import { contractsToBase } from '../../sidecar/exchanges/okx/contracts';
import type { MarketEvent } from '../../sidecar/exchanges/types';
import { startFakeExchanges, type FakeExchanges } from '../../sidecar/fake/fleet';
import { fetchKlines } from '../../sidecar/feed/pager';
import type { Kline } from '../../sidecar/market/model';
import { fixtureFrames } from '../support/fixtures';
import { FrameClient, sleep, type Json } from '../support/frame-client';

/** OKX clients send the text `ping` every 300 ms, as a client must (the idle limit here is 1 s). */
const keepAlive = { textPingMs: 300 };

const MIN = 60_000;

/** The data item of the first recorded frame of a channel (real layout to compare against). */
function realItem(file: 'okx-spot' | 'okx-swap', channel: string): Json {
  const f = fixtureFrames(file).find((x) => x.channel === channel);
  if (!f) throw new Error(`no ${channel} frame in ${file}`);
  return (JSON.parse(f.raw) as { data: Json[] }).data[0];
}



const channelOf = (m: Json) => (m.arg as Json | undefined)?.channel;
const isPush = (channel: string) => (m: Json) => channelOf(m) === channel && Array.isArray(m.data);

async function rest(url: string): Promise<{ status: number; body: { code: string; msg: string; data: unknown[] } }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as { code: string; msg: string; data: unknown[] } };
}

let fakes: FakeExchanges;

beforeAll(async () => {
  fakes = await startFakeExchanges({
    exchanges: [{ protocol: 'okx' }],
    seed: 5,
    tradeRate: 4,
    klinePushMs: 50,
    pushMs: { ticker: 50, markPrice: 50 },
    tickMs: 10,
    heartbeat: { idleTimeoutMs: 1000 },
  });
});

afterAll(async () => {
  await fakes?.close();
});

describe('fake OKX over WebSocket', () => {
  it('acks each arg with the request id and pushes trades and tickers in the recorded layout', async () => {
    const c = await FrameClient.open(`${fakes.url('okx', 'spot').ws}/public`, keepAlive);
    c.send({ id: 'a1', op: 'subscribe', args: [{ channel: 'trades', instId: 'BTC-USDT' }, { channel: 'tickers', instId: 'BTC-USDT' }] });
    const acks = [await c.waitFor((m) => m.event === 'subscribe' && channelOf(m) === 'trades'), await c.waitFor((m) => m.event === 'subscribe' && channelOf(m) === 'tickers')];
    for (const a of acks) expect(a).toMatchObject({ id: 'a1', event: 'subscribe', arg: { instId: 'BTC-USDT' }, connId: expect.stringMatching(/^[0-9a-f]{8}$/) });
    const trade = ((await c.waitFor(isPush('trades'))).data as Json[])[0];
    const ticker = ((await c.waitFor(isPush('tickers'))).data as Json[])[0];
    expect(Object.keys(trade)).toEqual([...Object.keys(realItem('okx-spot', 'trades')), 'count']);
    expect(Object.keys(ticker)).toEqual(Object.keys(realItem('okx-spot', 'tickers')));
    expect(ticker).toMatchObject({ instType: 'SPOT', instId: 'BTC-USDT' });
    expect(Number(ticker.bidPx)).toBeLessThanOrEqual(Number(ticker.askPx));
    // Every trade is the simulator's trade with that id, none duplicated or skipped.
    await sleep(200);
    const got = c.json().filter(isPush('trades')).flatMap((m) => m.data as Json[]);
    const truth = fakes.server('okx', 'spot').sim.trades('BTC-USDT', Number(got[0].ts), Number(got[got.length - 1].ts));
    expect(got.map((g) => [g.tradeId, Number(g.px), Number(g.sz), g.side, Number(g.ts)])).toEqual(truth.map((t) => [String(t.id), Number(t.price), Number(t.size), t.side, t.time]));
    c.close();
  });

  it('serves candles on /business only: on /public a candle channel is refused with 60018, and vice versa', async () => {
    const pub = await FrameClient.open(`${fakes.url('okx', 'spot').ws}/public`, keepAlive);
    const biz = await FrameClient.open(`${fakes.url('okx', 'spot').ws}/business`, keepAlive);
    pub.send({ id: '7', op: 'subscribe', args: [{ channel: 'candle1m', instId: 'ETH-USDT' }] });
    biz.send({ id: '8', op: 'subscribe', args: [{ channel: 'candle1m', instId: 'ETH-USDT' }, { channel: 'trades', instId: 'ETH-USDT' }] });
    const refused = await pub.waitFor((m) => m.event === 'error');
    expect(refused).toMatchObject({ id: '7', code: '60018', msg: expect.stringContaining('channel:candle1m,instId:ETH-USDT') });
    expect(refused).not.toHaveProperty('arg');
    expect(await biz.waitFor((m) => m.event === 'error')).toMatchObject({ id: '8', code: '60018', msg: expect.stringContaining('channel:trades,instId:ETH-USDT') });
    await biz.waitFor((m) => m.event === 'subscribe' && channelOf(m) === 'candle1m');
    const candle = await biz.waitFor(isPush('candle1m'));
    const row = (candle.data as string[][])[0];
    expect(row).toHaveLength(9);
    expect(row.every((x) => typeof x === 'string')).toBe(true);
    expect(['0', '1']).toContain(row[8]);
    await sleep(150);
    expect(pub.json().some(isPush('candle1m'))).toBe(false);
    expect(biz.json().some(isPush('trades'))).toBe(false);
    // The adapter maps the refusal to exactly the refused topic.
    const spot = okx.market('spot', fakes.url('okx', 'spot'));
    expect(spot.ws.parse(JSON.stringify(refused))).toMatchObject({ type: 'error', topics: ['candle1m:ETH-USDT'] });
    pub.close();
    biz.close();
  });

  it('SWAP sizes are contracts on the wire: contracts × ctVal equals the simulator exactly', async () => {
    const { ws, rest: base } = fakes.url('okx', 'perp');
    const perp = okx.market('perp', { ws, rest: base });
    perp.useInstruments?.(perp.rest.instruments.parse(await (await fetch(perp.rest.instruments.request().url)).text()));
    const pub = await FrameClient.open(perp.ws.url('public'), keepAlive);
    const biz = await FrameClient.open(perp.ws.url('business'), keepAlive);
    pub.send(perp.ws.subscribe(['trades:BTC-USDT-SWAP', 'tickers:BTC-USDT-SWAP', 'mark-price:BTC-USDT-SWAP', 'funding-rate:BTC-USDT-SWAP'], 1));
    biz.send(perp.ws.subscribe(['candle1m:BTC-USDT-SWAP'], 2));
    const funding = await pub.waitFor(isPush('funding-rate'), 1000);
    expect(Object.keys((funding.data as Json[])[0])).toEqual(expect.arrayContaining(Object.keys(realItem('okx-swap', 'funding-rate'))));
    const mark = await pub.waitFor(isPush('mark-price'));
    expect(Object.keys((mark.data as Json[])[0])).toEqual(Object.keys(realItem('okx-swap', 'mark-price')));
    await pub.waitFor(isPush('tickers'));
    await biz.waitFor(isPush('candle1m'));
    const deadline = Date.now() + 3000;
    while (pub.json().filter(isPush('trades')).length < 3 && Date.now() < deadline) await sleep(20);
    const parsed = (c: FrameClient) => c.frames.flatMap((f) => {
      const r = perp.ws.parse(f);
      expect(r.type, f).not.toBe('malformed');
      return r.type === 'events' ? r.events : [];
    });
    const events: MarketEvent[] = [...parsed(pub), ...parsed(biz)];
    const sim = fakes.server('okx', 'perp').sim;
    const trades = events.flatMap((e) => (e.kind === 'trade' ? [e.trade] : []));
    expect(trades.length).toBeGreaterThan(1);
    const truth = new Map(sim.trades('BTC-USDT-SWAP', trades[0].time, trades[trades.length - 1].time).map((t) => [String(t.id), t]));
    for (const t of trades) expect([t.price, t.size, t.side]).toEqual([Number(truth.get(t.id)?.price), Number(truth.get(t.id)?.size), truth.get(t.id)?.side]);
    // Some wire sizes really are fractional contracts (lot 0.01), so the conversion is exercised.
    const wireSizes = pub.json().filter(isPush('trades')).map((m) => (m.data as Json[])[0].sz as string);
    expect(wireSizes.some((s) => s.includes('.'))).toBe(true);
    // Candle: vol in contracts, volCcy in base, consistent; the adapter's volume is volCcy.
    const row = (biz.json().find(isPush('candle1m'))!.data as string[][])[0];
    expect(contractsToBase(Number(row[5]), 0.01)).toBe(Number(row[6]));
    const kline = events.find((e): e is Extract<MarketEvent, { kind: 'kline' }> => e.kind === 'kline')!.kline;
    expect(kline.volume).toBe(Number(row[6]));
    const ticker = events.find((e): e is Extract<MarketEvent, { kind: 'ticker' }> => e.kind === 'ticker' && e.topic.startsWith('tickers:'))!.ticker;
    expect(ticker.bidSize).toBeGreaterThan(0);
    expect(Number.isInteger(Math.round(ticker.bidSize! * 1e4))).toBe(true);
    expect(events.some((e) => e.kind === 'ticker' && e.ticker.fundingRate !== undefined && e.ticker.nextFundingTime! > Date.now())).toBe(true);
    pub.close();
    biz.close();
  });

  it('answers bad requests, wrong instrument forms, rejected symbols and unsubscribes like OKX', async () => {
    const server = fakes.server('okx', 'perp');
    const c = await FrameClient.open(`${fakes.url('okx', 'perp').ws}/public`, keepAlive);
    c.send('{not json');
    expect(await c.waitFor((m) => m.code === '60012')).toMatchObject({ event: 'error', msg: 'Invalid request: {not json' });
    c.send({ id: 'has-dash', op: 'subscribe', args: [{ channel: 'trades', instId: 'BTC-USDT-SWAP' }] });
    c.send({ id: 'b2', op: 'subscribe', args: [] });
    expect(await c.waitFor((m) => m.id === 'b2')).toMatchObject({ event: 'error', code: '60012' });
    c.send({ id: 'b3', op: 'subscribe', args: [{ channel: 'trades', instId: 'BTC-USDT' }, { channel: 'mark-price', instId: 'ETH-USDT-SWAP' }] });
    expect(await c.waitFor((m) => m.id === 'b3' && m.event === 'error')).toMatchObject({ code: '60018', msg: expect.stringContaining('instId:BTC-USDT ') });
    expect(await c.waitFor((m) => m.id === 'b3' && m.event === 'subscribe')).toMatchObject({ arg: { channel: 'mark-price', instId: 'ETH-USDT-SWAP' } });
    expect(server.activeTopics().has('mark-price:ETH-USDT-SWAP')).toBe(true);
    server.rejectSymbols(['ETH-USDT-SWAP'], 'error');
    try {
      c.send({ id: 'b4', op: 'subscribe', args: [{ channel: 'tickers', instId: 'ETH-USDT-SWAP' }] });
      const err = await c.waitFor((m) => m.id === 'b4');
      expect(err).toMatchObject({ event: 'error', code: '60018', msg: expect.stringContaining('channel:tickers,instId:ETH-USDT-SWAP') });
      const perp = okx.market('perp', fakes.url('okx', 'perp'));
      expect(perp.ws.parse(JSON.stringify(err))).toMatchObject({ type: 'error', topics: ['tickers:ETH-USDT-SWAP'] });
    } finally {
      server.rejectSymbols([]);
    }
    c.send({ id: 'b5', op: 'unsubscribe', args: [{ channel: 'mark-price', instId: 'ETH-USDT-SWAP' }] });
    expect(await c.waitFor((m) => m.id === 'b5')).toMatchObject({ event: 'unsubscribe', arg: { channel: 'mark-price', instId: 'ETH-USDT-SWAP' } });
    expect(c.json().some((m) => m.id === 'has-dash' && m.event === 'subscribe')).toBe(false);
    expect(server.activeTopics().has('mark-price:ETH-USDT-SWAP')).toBe(false);
    c.close();
  });

  it('drops a client that stays silent past the idle limit; text ping keeps one alive and gets pong', async () => {
    const server = fakes.server('okx', 'spot');
    const drops = server.stats().heartbeatDrops;
    const url = `${fakes.url('okx', 'spot').ws}/public`;
    const silent = await FrameClient.open(url);
    const talker = await FrameClient.open(url, keepAlive);
    try {
      expect((await silent.closed).code).toBe(1006);
      expect(talker.ws.readyState).toBe(WebSocket.OPEN);
      expect(talker.frames).toContain('pong');
      expect(server.stats().heartbeatDrops).toBe(drops + 1);
    } finally {
      talker.close();
    }
  });

  it('refuses unknown paths', async () => {
    const c = new FrameClient(`${fakes.url('okx', 'spot').ws}/private2`);
    const failed = await new Promise<string>((resolve) => c.ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode))));
    expect(failed).toBe('404');
  });
});

describe('fake OKX REST', () => {
  it('candles: newest first, exclusive after/before, default 100 rows, at most 300', async () => {
    const base = `${fakes.url('okx', 'spot').rest}/api/v5/market/candles?instId=BTC-USDT&bar=1m`;
    const latest = await rest(base);
    expect(latest.body.code).toBe('0');
    const rows = latest.body.data as string[][];
    expect(rows).toHaveLength(100);
    const opens = rows.map((r) => Number(r[0]));
    for (let i = 1; i < opens.length; i++) expect(opens[i - 1] - opens[i]).toBe(MIN);
    expect(rows[0][8]).toBe('0');
    expect(rows[1][8]).toBe('1');
    const t = opens[50];
    const older = (await rest(`${base}&after=${t}&limit=3`)).body.data as string[][];
    expect(older.map((r) => Number(r[0]))).toEqual([t - MIN, t - 2 * MIN, t - 3 * MIN]);
    const newer = (await rest(`${base}&before=${t}&limit=2`)).body.data as string[][];
    // `before` alone returns the latest rows (newer than t), not the ones right after t; a minute
    // may have turned since `latest`, adding one newer row.
    const newerOpens = newer.map((r) => Number(r[0]));
    expect([opens[0], opens[0] + MIN]).toContain(newerOpens[0]);
    expect(newerOpens).toEqual([newerOpens[0], newerOpens[0] - MIN]);
    const between = (await rest(`${base}&after=${t + 3 * MIN}&before=${t - 1}`)).body.data as string[][];
    expect(between.map((r) => Number(r[0]))).toEqual([t + 2 * MIN, t + MIN, t]);
    expect((await rest(`${base}&limit=301`)).body).toMatchObject({ code: '51000', msg: 'Parameter limit error' });
    expect((await rest(`${base.replace('bar=1m', 'bar=7m')}`)).body.code).toBe('51000');
    expect((await rest(`${base.replace('BTC-USDT', 'NOPE-USDT')}`)).body.code).toBe('51001');
  });

  it('candles reach the latest 1440 bars only; history-candles reach further, and alone serve 1s', async () => {
    const root = fakes.url('okx', 'spot').rest;
    const now = Date.now();
    const old = now - 2000 * MIN;
    const recent = (await rest(`${root}/api/v5/market/candles?instId=BTC-USDT&bar=1m&after=${old}`)).body.data;
    expect(recent).toEqual([]);
    const history = (await rest(`${root}/api/v5/market/history-candles?instId=BTC-USDT&bar=1m&after=${old}&limit=5`)).body.data as string[][];
    expect(history).toHaveLength(5);
    expect(Number(history[0][0])).toBeLessThan(old);
    const oldest = (await rest(`${root}/api/v5/market/candles?instId=BTC-USDT&bar=1m&after=${now - 1400 * MIN}&limit=300`)).body.data as string[][];
    expect(oldest.length).toBeLessThan(300);
    expect(oldest.length).toBeGreaterThan(30);
    expect((await rest(`${root}/api/v5/market/candles?instId=BTC-USDT&bar=1s`)).body.code).toBe('51000');
    expect(((await rest(`${root}/api/v5/market/history-candles?instId=BTC-USDT&bar=1s&limit=3`)).body.data as unknown[]).length).toBe(3);
  });

  it('the adapter pages a window across both endpoints to exactly the ground truth', async () => {
    for (const market of ['spot', 'perp'] as const) {
      const adapter = okx.market(market, fakes.url('okx', market));
      const symbol = market === 'spot' ? 'ETH-USDT' : 'ETH-USDT-SWAP';
      const end = Math.floor(Date.now() / MIN) * MIN - 5 * MIN;
      const start = end - 1700 * MIN;
      const fetchText = async (url: string) => {
        const res = await fetch(url);
        const text = await res.text();
        if (!res.ok) throw new Error(`${res.status}: ${adapter.rest.errorMessage?.(text) ?? text}`);
        return text;
      };
      const got = await fetchKlines(adapter.rest, fetchText, { symbol, interval: '1m', startTime: start, endTime: end }, { intervalMs: MIN });
      const truth = fakes.groundTruth('okx', market, symbol, '1m', start, end).map((k): Kline => ({ ...k, trades: undefined }));
      expect(got.length).toBe(1701);
      expect(got).toEqual(truth);
      const paths = fakes.server('okx', market).restRequests.map((r) => r.url.split('?')[0]);
      expect(paths).toContain('/api/v5/market/history-candles');
      expect(paths).toContain('/api/v5/market/candles');
    }
  });

  it('instruments: SWAP with ctVal and contract lots, SPOT with base and quote', async () => {
    const swap = await rest(`${fakes.url('okx', 'perp').rest}/api/v5/public/instruments?instType=SWAP`);
    const btc = (swap.body.data as Json[]).find((i) => i.instId === 'BTC-USDT-SWAP');
    expect(btc).toMatchObject({ instType: 'SWAP', ctVal: '0.01', ctType: 'linear', settleCcy: 'USDT', instFamily: 'BTC-USDT', lotSz: '0.01', state: 'live' });
    const perp = okx.market('perp', fakes.url('okx', 'perp'));
    const parsed = perp.rest.instruments.parse(JSON.stringify(swap.body));
    expect(parsed.find((i) => i.symbol === 'BTC-USDT-SWAP')).toMatchObject({ unified: 'BTC/USDT:USDT', contractSize: 0.01, stepSize: 0.0001 });
    expect(parsed.find((i) => i.symbol === 'ETH-USDT-SWAP')).toMatchObject({ contractSize: 0.1, stepSize: 0.001 });
    // The simulator's base sizes are whole lots: 4 decimals for BTC (0.01 × 0.01), 3 for ETH.
    const sim = fakes.server('okx', 'perp').sim;
    expect([sim.symbol('BTC-USDT-SWAP')?.sizeDecimals, sim.symbol('ETH-USDT-SWAP')?.sizeDecimals]).toEqual([4, 3]);
    const spot = await rest(`${fakes.url('okx', 'spot').rest}/api/v5/public/instruments?instType=SPOT`);
    expect((spot.body.data as Json[])[0]).toMatchObject({ instId: 'BTC-USDT', baseCcy: 'BTC', quoteCcy: 'USDT', state: 'live' });
    expect((await rest(`${fakes.url('okx', 'spot').rest}/api/v5/public/instruments`)).body.code).toBe('50014');
    expect((await rest(`${fakes.url('okx', 'spot').rest}/api/v5/public/instruments?instType=SPOT&instId=NOPE-USDT`)).body.code).toBe('51001');
  });
});

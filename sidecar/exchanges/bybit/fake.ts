/**
 * The Bybit v5 public protocol for the fake exchange server (spot and linear), written from
 * PROTOCOLS.md §2 independently of the real adapter so that each checks the other.
 *
 * Fidelity notes (where the fake chooses a behaviour the docs leave open):
 * - One WebSocket path per market: `/v5/public/spot`, `/v5/public/linear`; anything else is 404.
 * - One answer per request, all or nothing: a refused arg sinks the whole request (as Bybit does
 *   for "already subscribed"). Refusals name the topic: `Invalid symbol :[<topic>]` for a symbol
 *   rejected with FakeExchangeServer.rejectSymbols (the real wording), `error:handler not
 *   found,topic:<topic>` for a topic the fake cannot parse. A symbol the fake does not simulate is
 *   acked and stays silent (fake-only; the real exchange refuses it).
 * - Spot refuses more than 10 args per request with the real `args size >10`; both refuse args
 *   totalling more than 21 000 characters per connection (fake wording), a topic already
 *   subscribed (`error:already subscribed,topic:<topic>`), and a `req_id` that is not a string
 *   (`Params Error`; stricter than documented, to catch adapter bugs early).
 * - Heartbeat: the client must send `{"op":"ping"}`; a client silent for the idle limit (10 min,
 *   FakeServerOptions.heartbeat.idleTimeoutMs in tests) is dropped. The pong is spot
 *   `{"success":true,"ret_msg":"pong","conn_id","op":"ping"}`, linear the same with `req_id`.
 * - Cadences are coarser than the real ones to keep the fake cheap: tickers 200 ms (real 50/100 ms),
 *   orderbook.1 100 ms (real 10 ms), klines 1 s (real 1–60 s). Linear tickers are a snapshot on
 *   subscribe, then per-connection deltas of the changed fields (always with `symbol`).
 * - Synthetic values the simulator has no notion of: open interest (= 24 h volume), its value
 *   (= 24 h turnover), tick direction (from the previous trade price, `ZeroPlusTick` when equal).
 * - Kline and REST row numbers drop trailing zeros (`"16991"`, `"16980.5"`), as the captures do;
 *   trades and tickers keep the symbol's decimals. Linear trade ids are UUID-shaped, spot ids numeric.
 * - REST errors are HTTP 200 with `retCode` ≠ 0 (real for unknown symbols: `Not supported symbols`,
 *   and intervals: `Invalid period!`; other wordings are the fake's). Linear instruments-info pages
 *   with `limit` (default 500) and `cursor`; spot ignores both, as documented.
 */
import { randomUUID } from 'node:crypto';
import { parseInterval } from '../../fake/interval';
import { defaultsByBase, pairAssets, unitStep } from '../../fake/listing';
import { ohlc, type SimSymbol, type SimTrade } from '../../fake/market-sim';
import type { ClientRequest, FakeConnection, FakeMarketProtocol, FakeProtocol, PayloadContext, RejectReason, RestContext, RestRequest, RestResponse, SubscribeRequest, TopicSpec, WsRoute } from '../../fake/protocol';
import { integerParams } from '../../fake/query';
import { bookTop, markInfo, rollingStats, windowPrices, type BookTop, type RollingStats } from '../../fake/quotes';
import { formatUnits, trimZeros } from '../../market/decimal';
import type { Market } from '../../market/model';
import { isObject, parseJson } from '../decode';

/** Bybit interval spelling → the simulator's interval name. */
const INTERVALS: Record<string, string> = {
  '1': '1m', '3': '3m', '5': '5m', '15': '15m', '30': '30m', '60': '1h', '120': '2h', '240': '4h',
  '360': '6h', '720': '12h', D: '1d', W: '1w', M: '1M',
};
const BOOK_DEPTHS = ['1', '50', '200', '1000'];
const SPOT_MAX_ARGS = 10;
const MAX_ARGS_CHARS = 21_000;
const MAX_TRADES_PER_MESSAGE = 1024;
const ENDPOINT = 'public';

type Json = Record<string, unknown>;

function marketProtocol(market: Market): FakeMarketProtocol {
  const spot = market === 'spot';
  const category = spot ? 'spot' : 'linear';
  const path = `/v5/public/${category}`;
  return {
    defaultSymbols: ['BTCUSDT', 'ETHUSDT'],
    symbolDefaults: spot ? spotDefaults : linearDefaults,
    urls: (hostPort) => ({ ws: `ws://${hostPort}${path}`, rest: `http://${hostPort}` }),
    ws: {
      route: (p): WsRoute | undefined => (p.replace(/\/+$/, '') === path ? { endpoint: ENDPOINT, state: { connId: randomUUID() } } : undefined),
      heartbeat: { mode: 'client-ping', idleTimeoutMs: 600_000 },
      // The real limit is in characters (checked in parseRequest); this count is never the binding one.
      topicsPerConnection: 10_000,
      parseRequest: (text, conn) => parseRequest(market, text, conn),
      parseTopic,
      serves: () => true,
      ack: (req, conn) => answer(market, conn, req.type, req.id, true, spot ? req.type : ''),
      reject: (req, reason, conn) => answer(market, conn, req.type, req.id, false, refusal(reason)),
      // Bybit has no list-subscriptions request; parseRequest never asks for one.
      list: () => '',
      onSubscribed: (ctx, conn) => onSubscribed(market, ctx, conn),
      frame: (conn, topic, payload) => (!spot && topic.startsWith('tickers.') ? tickerFrame(conn, topic, payload) : payload),
      payload: {
        trades: (ctx, trades) => tradesPayloads(market, ctx, trades),
        kline: (ctx, k) => {
          const interval = ctx.topic.split('.')[1];
          const [open, high, low, close] = ohlc(k, trimZeros);
          const bar = {
            start: k.openTime,
            end: k.closeTime,
            interval,
            open,
            close,
            high,
            low,
            volume: trimZeros(k.volume),
            turnover: trimZeros(k.quoteVolume),
            confirm: k.closed,
            timestamp: ctx.now,
          };
          return JSON.stringify({ topic: ctx.topic, data: [bar], ts: ctx.now, type: 'snapshot' });
        },
        ticker: (ctx, stats, book) => tickerPayload(market, ctx, stats, book),
        bookTicker: (ctx, book) => bookPayload(ctx, book),
        // No topic parses to markPrice: linear marks and funding travel in `tickers`.
        markPrice: () => '{}',
      },
    },
    rest: {
      handle: (req, ctx) => rest(category, req, ctx),
      failureBody,
    },
  };
}

// ---- requests ----------------------------------------------------------------------------------

function parseRequest(market: Market, text: string, conn: FakeConnection): ClientRequest {
  const m = parseJson(text);
  if (m instanceof Error) return { type: 'reply', text: answer(market, conn, '', undefined, false, 'error:request is not valid JSON') };
  if (!isObject(m)) return { type: 'reply', text: answer(market, conn, '', undefined, false, 'Params Error') };
  const op = typeof m.op === 'string' ? m.op : '';
  if (m.req_id !== undefined && typeof m.req_id !== 'string') {
    return { type: 'reply', text: answer(market, conn, op, undefined, false, 'Params Error') };
  }
  const id = m.req_id as string | undefined;
  const fail = (why: string): ClientRequest => ({ type: 'reply', text: answer(market, conn, op, id, false, why) });
  if (op === 'ping') return { type: 'ping', reply: pong(market, conn, id) };
  if (op !== 'subscribe' && op !== 'unsubscribe') return fail(`error:invalid op ${JSON.stringify(m.op ?? null)}`);
  const args = m.args;
  if (!Array.isArray(args) || args.length === 0 || !args.every((a): a is string => typeof a === 'string' && a !== '')) {
    return fail('Params Error');
  }
  if (market === 'spot' && args.length > SPOT_MAX_ARGS) return fail(`args size >${SPOT_MAX_ARGS}`);
  if (op === 'subscribe') {
    const again = args.find((a) => conn.topics.has(a));
    if (again !== undefined) return fail(`error:already subscribed,topic:${again}`);
    const chars = [...conn.topics, ...args].reduce((n, t) => n + t.length, 0);
    if (chars > MAX_ARGS_CHARS) return fail(`error:args length ${chars} exceeds ${MAX_ARGS_CHARS} characters per connection`);
  }
  return { type: op, topics: args, ...(id !== undefined ? { id } : {}) };
}

/** `{"success","ret_msg","conn_id","req_id","op"}`: spot echoes req_id only when sent, linear always. */
function answer(market: Market, conn: FakeConnection, op: string, id: SubscribeRequest['id'], success: boolean, message: string): string {
  const reqId = typeof id === 'string' ? id : undefined;
  const base = { success, ret_msg: message, conn_id: connId(conn) };
  if (market === 'spot') return JSON.stringify(reqId === undefined ? { ...base, op } : { ...base, req_id: reqId, op });
  return JSON.stringify({ ...base, req_id: reqId ?? '', op });
}

function pong(market: Market, conn: FakeConnection, id: string | undefined): string {
  return answer(market, conn, 'ping', id, true, 'pong');
}

function connId(conn: FakeConnection): string {
  return typeof conn.state.connId === 'string' ? conn.state.connId : '';
}

function refusal(reason: RejectReason): string {
  switch (reason.kind) {
    case 'invalid-topic':
      return reason.message;
    case 'rejected-symbol':
      return `Invalid symbol :[${reason.topic}]`;
    case 'too-many-topics':
      return `error:too many topics, at most ${reason.limit} per connection`;
  }
}

// ---- topics ------------------------------------------------------------------------------------

function parseTopic(topic: string): TopicSpec | Error {
  const parts = topic.split('.');
  const symbol = parts[parts.length - 1];
  const notFound = new Error(`error:handler not found,topic:${topic}`);
  if (parts.length < 2 || !/^[A-Z0-9][A-Z0-9-]*$/.test(symbol)) {
    return parts.length >= 2 && symbol !== '' ? new Error(`Invalid symbol :[${topic}]`) : notFound;
  }
  const [channel] = parts;
  if (channel === 'publicTrade' && parts.length === 2) return { kind: 'trades', symbol };
  if (channel === 'tickers' && parts.length === 2) return { kind: 'ticker', symbol, pushMs: 200 };
  if (channel === 'orderbook' && parts.length === 3 && BOOK_DEPTHS.includes(parts[1])) {
    return parts[1] === '1' ? { kind: 'bookTicker', symbol, pushMs: 100 } : { kind: 'none', symbol };
  }
  if (channel === 'kline' && parts.length === 3) {
    const name = INTERVALS[parts[1]];
    const interval = name === undefined ? undefined : parseInterval(name);
    if (interval === undefined || interval instanceof Error) return notFound;
    return { kind: 'kline', symbol, interval, pushMs: 1000 };
  }
  return notFound;
}

// ---- payloads ----------------------------------------------------------------------------------

/** One `publicTrade` message per 1024 trades; linear adds the tick direction and UUID-shaped ids. */
function tradesPayloads(market: Market, ctx: PayloadContext, trades: SimTrade[]): string[] {
  const symbol = ctx.spec.symbol;
  const out: string[] = [];
  let prev = trades.length > 0 ? ctx.sim.lastPriceUnitsBefore(symbol, trades[0].time) : undefined;
  for (let i = 0; i < trades.length; i += MAX_TRADES_PER_MESSAGE) {
    const data = trades.slice(i, i + MAX_TRADES_PER_MESSAGE).map((t) => {
      const side = t.side === 'buy' ? 'Buy' : 'Sell';
      if (market === 'spot') return { i: String(t.id), T: t.time, p: t.price, v: t.size, S: side, s: symbol, BT: false };
      const tick = prev === undefined || t.priceUnits === prev ? 'ZeroPlusTick' : t.priceUnits > prev ? 'PlusTick' : 'MinusTick';
      prev = t.priceUnits;
      return { T: t.time, s: symbol, S: side, v: t.size, p: t.price, L: tick, i: uuidOf(t.id), BT: false };
    });
    out.push(market === 'spot' ? JSON.stringify({ topic: ctx.topic, ts: ctx.now, type: 'snapshot', data }) : JSON.stringify({ topic: ctx.topic, type: 'snapshot', ts: ctx.now, data }));
  }
  return out;
}

function uuidOf(id: number): string {
  return `00000000-0000-4000-8000-${id.toString(16).padStart(12, '0')}`;
}

/** A full `tickers` snapshot (the linear frame() turns later ones into per-connection deltas). */
function tickerPayload(market: Market, ctx: PayloadContext, st: RollingStats, book: BookTop): string {
  const spec = ctx.sim.symbol(ctx.spec.symbol);
  const decimals = spec?.priceDecimals ?? 2;
  const { last, high, low } = windowPrices(st, book);
  const prev24 = st.prevClose ?? st.open ?? last;
  const change = (from: string, places: number) => (Number(from) === 0 ? '0' : ((Number(last) - Number(from)) / Number(from)).toFixed(places));
  const mark = markInfo(ctx.sim, ctx.spec.symbol, ctx.now);
  if (market === 'spot') {
    const data = {
      symbol: ctx.spec.symbol,
      lastPrice: last,
      highPrice24h: high,
      lowPrice24h: low,
      prevPrice24h: prev24,
      volume24h: st.volume,
      turnover24h: st.quoteVolume,
      price24hPcnt: change(prev24, 4),
      usdIndexPrice: mark.indexPrice,
    };
    return JSON.stringify({ topic: ctx.topic, ts: ctx.now, type: 'snapshot', cs: ctx.now, data });
  }
  const hourAgo = ctx.sim.lastPriceUnitsBefore(ctx.spec.symbol, ctx.now - 3_600_000);
  const prev1h = hourAgo === undefined ? prev24 : formatUnits(hourAgo, decimals);
  const data = {
    symbol: ctx.spec.symbol,
    tickDirection: Number(last) > Number(prev1h) ? 'PlusTick' : Number(last) < Number(prev1h) ? 'MinusTick' : 'ZeroPlusTick',
    price24hPcnt: change(prev24, 6),
    lastPrice: last,
    prevPrice24h: prev24,
    highPrice24h: high,
    lowPrice24h: low,
    prevPrice1h: prev1h,
    markPrice: mark.markPrice,
    indexPrice: mark.indexPrice,
    openInterest: st.volume,
    openInterestValue: st.quoteVolume,
    turnover24h: st.quoteVolume,
    volume24h: st.volume,
    nextFundingTime: String(mark.nextFundingTime),
    fundingRate: trimZeros(mark.fundingRate),
    bid1Price: book.bid,
    bid1Size: book.bidSize,
    ask1Price: book.ask,
    ask1Size: book.askSize,
  };
  return JSON.stringify({ topic: ctx.topic, type: 'snapshot', data, cs: ctx.now, ts: ctx.now });
}

/**
 * The linear ticker as one connection sees it: the first frame is the snapshot, each later one a
 * delta of the fields that changed since the previous frame sent to THIS connection.
 */
function tickerFrame(conn: FakeConnection, topic: string, payload: string): string {
  const full = JSON.parse(payload) as { data: Json; cs: number; ts: number };
  const key = `ticker:${topic}`;
  const before = conn.state[key] as Json | undefined;
  conn.state[key] = full.data;
  if (!before) return payload;
  const data: Json = { symbol: full.data.symbol };
  for (const [field, value] of Object.entries(full.data)) if (before[field] !== value) data[field] = value;
  return JSON.stringify({ topic, type: 'delta', data, cs: full.cs, ts: full.ts });
}

function bookPayload(ctx: PayloadContext, b: BookTop): string {
  return JSON.stringify({
    topic: ctx.topic,
    ts: ctx.now,
    type: 'snapshot',
    data: { s: ctx.spec.symbol, b: [[b.bid, b.bidSize]], a: [[b.ask, b.askSize]], u: b.updateId, seq: b.updateId },
    cts: b.time,
  });
}

/** What Bybit sends right after a subscription: the ticker snapshot and the level-1 book. */
function onSubscribed(market: Market, ctx: PayloadContext, conn: FakeConnection): string[] {
  if (!ctx.sim.symbol(ctx.spec.symbol)) return [];
  if (ctx.spec.kind === 'bookTicker') return [bookPayload(ctx, bookTop(ctx.sim, ctx.spec.symbol, ctx.now))];
  if (ctx.spec.kind !== 'ticker') return [];
  const payload = tickerPayload(market, ctx, rollingStats(ctx.sim, ctx.spec.symbol, ctx.now), bookTop(ctx.sim, ctx.spec.symbol, ctx.now));
  if (market === 'perp') {
    delete conn.state[`ticker:${ctx.topic}`];
    return [tickerFrame(conn, ctx.topic, payload)];
  }
  return [payload];
}

// ---- REST --------------------------------------------------------------------------------------

function rest(category: string, req: RestRequest, ctx: RestContext): RestResponse | undefined {
  if (req.method !== 'GET') return undefined;
  switch (req.path) {
    case '/v5/market/time': {
      const ms = ctx.now;
      return ok({ timeSecond: String(Math.floor(ms / 1000)), timeNano: `${ms}000000` }, ctx.now);
    }
    case '/v5/market/kline':
      return klines(category, req.query, ctx);
    case '/v5/market/instruments-info':
      return instruments(category, req.query, ctx);
    default:
      return undefined;
  }
}

function klines(category: string, q: URLSearchParams, ctx: RestContext): RestResponse {
  // Kline's category defaults to linear.
  const asked = q.get('category') || 'linear';
  if (asked !== category) return error(10001, `params error: category ${asked} is not served by this fake ${category} server`, ctx.now);
  const symbol = q.get('symbol');
  const interval = q.get('interval');
  if (!symbol) return error(10001, 'params error: symbol is required', ctx.now);
  if (!interval) return error(10001, 'params error: interval is required', ctx.now);
  if (!ctx.sim.symbol(symbol)) return error(10001, 'Not supported symbols', ctx.now);
  const name = INTERVALS[interval];
  if (name === undefined) return error(10001, 'Invalid period!', ctx.now);
  const nums = integerParams(q, ['start', 'end', 'limit']);
  if (typeof nums === 'string') return error(10001, `params error: ${nums} must be an integer, got ${q.get(nums)}`, ctx.now);
  const limit = nums.limit ?? 200;
  if (limit < 1 || limit > 1000) return error(10001, `params error: limit must be in [1, 1000], got ${limit}`, ctx.now);
  const empty = nums.start !== undefined && nums.end !== undefined && nums.start > nums.end;
  const rows = empty ? [] : ctx.sim.page(symbol, name, { startTime: nums.start, endTime: nums.end, limit, pageFrom: 'newest' });
  // Newest first, as Bybit sorts them.
  const list = rows.reverse().map((k) => [String(k.openTime), ...ohlc(k, trimZeros), trimZeros(k.volume), trimZeros(k.quoteVolume)]);
  return ok({ symbol, category, list }, ctx.now);
}

function instruments(category: string, q: URLSearchParams, ctx: RestContext): RestResponse {
  const asked = q.get('category');
  if (!asked) return error(10001, 'params error: category is required', ctx.now);
  if (asked !== category) return error(10001, `params error: category ${asked} is not served by this fake ${category} server`, ctx.now);
  let symbols = ctx.sim.symbols();
  const one = q.get('symbol');
  if (one) symbols = symbols.filter((s) => s.symbol === one);
  const status = q.get('status');
  if (status && status !== 'Trading') symbols = [];
  if (category === 'spot') return ok({ category, list: symbols.map(spotInstrument) }, ctx.now);
  const rawLimit = q.get('limit');
  const limit = rawLimit ? Number(rawLimit) : 500;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return error(10001, `params error: limit must be in [1, 1000], got ${rawLimit}`, ctx.now);
  const cursor = q.get('cursor');
  let from = 0;
  if (cursor) {
    const last = new URLSearchParams(cursor).get('last');
    const at = symbols.findIndex((s) => s.symbol === last);
    if (last === null || at < 0) return error(10001, `params error: invalid cursor ${cursor}`, ctx.now);
    from = at + 1;
  }
  const page = symbols.slice(from, from + limit);
  const more = from + limit < symbols.length && page.length > 0;
  const nextPageCursor = more ? encodeURIComponent(`first=${page[0].symbol}&last=${page[page.length - 1].symbol}`) : '';
  return ok({ category, list: page.map(linearInstrument), nextPageCursor }, ctx.now);
}

function spotInstrument(s: SimSymbol): Json {
  const { base, quote } = pairAssets(s);
  return {
    symbol: s.symbol,
    baseCoin: base,
    quoteCoin: quote,
    innovation: '0',
    status: 'Trading',
    marginTrading: 'utaOnly',
    stTag: '0',
    lotSizeFilter: {
      basePrecision: unitStep(s.sizeDecimals),
      quotePrecision: unitStep(s.priceDecimals + s.sizeDecimals),
      minOrderQty: unitStep(s.sizeDecimals),
      maxOrderQty: '1000',
      minOrderAmt: '5',
      maxOrderAmt: '8000000',
      maxLimitOrderQty: '1000',
      maxMarketOrderQty: '500',
      postOnlyMaxLimitOrderSize: '60000',
    },
    priceFilter: { tickSize: unitStep(s.priceDecimals) },
    riskParameters: { priceLimitRatioX: '0.005', priceLimitRatioY: '0.01' },
    symbolType: '',
  };
}

function linearInstrument(s: SimSymbol): Json {
  const { base, quote } = pairAssets(s);
  return {
    symbol: s.symbol,
    contractType: 'LinearPerpetual',
    status: 'Trading',
    baseCoin: base,
    quoteCoin: quote,
    launchTime: '1585526400000',
    deliveryTime: '0',
    deliveryFeeRate: '',
    priceScale: String(s.priceDecimals),
    leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
    priceFilter: { minPrice: unitStep(s.priceDecimals), maxPrice: '1999999.80', tickSize: unitStep(s.priceDecimals) },
    lotSizeFilter: {
      maxOrderQty: '1190',
      minOrderQty: unitStep(s.sizeDecimals),
      qtyStep: unitStep(s.sizeDecimals),
      postOnlyMaxOrderQty: '1190',
      maxMktOrderQty: '500',
      minNotionalValue: '5',
    },
    unifiedMarginTrade: true,
    fundingInterval: 480,
    settleCoin: quote,
    copyTrading: 'both',
    upperFundingRate: '0.00375',
    lowerFundingRate: '-0.00375',
    isPreListing: false,
    preListingInfo: null,
    riskParameters: { priceLimitRatioX: '0.01', priceLimitRatioY: '0.02' },
    symbolType: '',
  };
}

/** Spot steps: BTCUSDT 0.01 / 0.000001, ETHUSDT 0.01 / 0.00001. */
const spotDefaults = defaultsByBase({ BTC: { priceDecimals: 2, sizeDecimals: 6 }, ETH: { priceDecimals: 2, sizeDecimals: 5 } });

/** Linear steps: BTCUSDT 0.1 / 0.001, ETHUSDT 0.01 / 0.01, others 0.0001 / 0.1. */
const linearDefaults = defaultsByBase({ BTC: { priceDecimals: 1, sizeDecimals: 3 }, ETH: { priceDecimals: 2, sizeDecimals: 2 } }, { priceDecimals: 4, sizeDecimals: 1 });

function ok(result: Json, now: number): RestResponse {
  return { status: 200, body: JSON.stringify({ retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: now }) };
}

/** Bybit answers request errors with HTTP 200 and a non-zero retCode. */
function error(retCode: number, retMsg: string, now: number): RestResponse {
  return { status: 200, body: JSON.stringify({ retCode, retMsg, result: {}, retExtInfo: {}, time: now }) };
}

function failureBody(status: number, _retryAfterSec: number | undefined, now: number): string {
  const body = (retCode: number, retMsg: string) => JSON.stringify({ retCode, retMsg, result: {}, retExtInfo: {}, time: now });
  if (status === 429) return body(10006, 'Too many visits!');
  if (status === 403) return body(10009, 'access too frequent: IP rate limit exceeded, retry after 10 minutes');
  if (status >= 500) return body(10016, 'Internal system error.');
  return body(10001, `request failed with HTTP ${status}`);
}

// Last: the market protocols reference the constants above.
/** The fake Bybit exchange: spot and linear perpetuals. */
export const bybitFake: FakeProtocol = {
  id: 'bybit',
  markets: { spot: marketProtocol('spot'), perp: marketProtocol('perp') },
};

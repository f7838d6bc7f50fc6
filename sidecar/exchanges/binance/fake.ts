/**
 * The Binance protocol for the fake exchange server (spot and USDⓈ-M), written from
 * PROTOCOLS.md §1 independently of the real adapter so that each checks the other.
 *
 * Fidelity notes (where the fake chooses a behaviour the docs leave open):
 * - Stream names must be lowercase in the symbol part; anything else is an `Invalid request`
 *   error (real Binance is laxer in places; strictness catches adapter bugs early).
 * - A stream for a symbol the fake does not simulate is acked and stays silent, like a symbol
 *   Binance does not list. FakeExchangeServer.rejectSymbols(…, 'error') makes it an error instead:
 *   `{"code":2,"msg":"Invalid request: unknown symbol …","id":…}` (fake-only behaviour).
 * - USDⓈ-M routing: `/market/*` serves aggTrade, kline, continuousKline, ticker, miniTicker and
 *   markPrice; `/public/*` serves bookTicker, trade and depth; the legacy unrouted `/ws`, `/stream`
 *   serve only what `/public` serves. Everything is acked everywhere (the real pitfall).
 * - Trade ids are increasing but not contiguous (the simulator's ids), each aggTrade covers one
 *   trade (f == l == a), so kline `n` equals the number of aggTrades, not `L − f + 1`.
 * - Order books are not simulated: depth streams are acked and silent.
 */
import { parseInterval } from '../../fake/interval';
import { defaultsByBase, pairAssets, unitStep } from '../../fake/listing';
import { ohlc, type SimKline, type SimSymbol } from '../../fake/market-sim';
import type { ClientRequest, FakeConnection, FakeMarketProtocol, FakeProtocol, PayloadContext, RejectReason, RestContext, RestRequest, RestResponse, SubscribeRequest, TopicSpec, WsRoute } from '../../fake/protocol';
import { integerParams } from '../../fake/query';
import { windowPrices } from '../../fake/quotes';
import { toFixedDecimals } from '../../market/decimal';
import type { Market } from '../../market/model';
import { isObject, parseJson } from '../decode';

const SPOT_INTERVALS = ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'];
const PERP_INTERVALS = SPOT_INTERVALS.slice(1);
const METHODS = ['SUBSCRIBE', 'UNSUBSCRIBE', 'LIST_SUBSCRIPTIONS', 'SET_PROPERTY', 'GET_PROPERTY'];
/** Spot formats every price and quantity with 8 decimals. */
const SPOT_DECIMALS = 8;

function marketProtocol(market: Market): FakeMarketProtocol {
  const spot = market === 'spot';
  return {
    defaultSymbols: ['BTCUSDT', 'ETHUSDT'],
    symbolDefaults: spot ? undefined : perpDefaults,
    urls: (hostPort) => ({ ws: `ws://${hostPort}`, rest: `http://${hostPort}` }),
    ws: {
      route: (path, query) => route(market, path, query),
      heartbeat: spot
        ? { mode: 'server-ping', intervalMs: 20_000, timeoutMs: 60_000 }
        : { mode: 'server-ping', intervalMs: 180_000, timeoutMs: 600_000 },
      topicsPerConnection: 1024,
      rateLimit: { perSecond: spot ? 5 : 10, closeCode: 1008, reason: 'Too many requests' },
      parseRequest,
      parseTopic: (topic) => parseTopic(market, topic),
      serves: (endpoint, spec) => serves(endpoint, spec),
      ack: (req) => `{"result":null,"id":${JSON.stringify(req.id ?? null)}}`,
      reject,
      list: (req, conn) => JSON.stringify({ result: [...conn.topics], id: req.id ?? null }),
      frame: (conn, topic, payload) => (conn.state.combined === true ? `{"stream":${JSON.stringify(topic)},"data":${payload}}` : payload),
      payload: spot ? spotPayloads : perpPayloads,
    },
    rest: {
      handle: (req, ctx) => rest(req, ctx),
      failureBody,
    },
  };
}

// ---- routing -----------------------------------------------------------------------------------

function route(market: Market, path: string, query: URLSearchParams): WsRoute | Error | undefined {
  let rest = path;
  let endpoint = 'spot';
  if (market === 'perp') {
    const m = /^\/(market|public)(\/.*)$/.exec(path);
    endpoint = m ? m[1] : 'legacy';
    rest = m ? m[2] : path;
  }
  const wsPath = /^\/ws(?:\/(.+))?\/?$/.exec(rest);
  if (wsPath) return withTopics(market, endpoint, false, wsPath[1] ? wsPath[1].split('/') : []);
  if (rest === '/stream' || rest === '/stream/') {
    const streams = query.get('streams');
    return withTopics(market, endpoint, true, streams ? streams.split('/') : []);
  }
  return undefined;
}

function withTopics(market: Market, endpoint: string, combined: boolean, topics: string[]): WsRoute | Error {
  for (const t of topics) {
    const spec = parseTopic(market, t);
    if (spec instanceof Error) return spec;
  }
  return { endpoint, topics, state: { combined } };
}

function serves(endpoint: string, spec: TopicSpec): boolean {
  if (endpoint === 'spot') return true;
  const publicStream = spec.kind === 'bookTicker' || spec.kind === 'none' || (spec.kind === 'trades' && spec.variant === 'trade');
  return endpoint === 'market' ? !publicStream : publicStream;
}

// ---- topics ------------------------------------------------------------------------------------

function parseTopic(market: Market, topic: string): TopicSpec | Error {
  const spot = market === 'spot';
  const at = topic.indexOf('@');
  const bad = (why: string) => new Error(`Invalid request: invalid stream name '${topic}': ${why}`);
  if (at <= 0) return bad('expected <symbol>@<stream>');
  const head = topic.slice(0, at);
  const stream = topic.slice(at + 1);
  if (head !== head.toLowerCase()) return bad('stream names must be lowercase');
  if (!/^[a-z0-9_]+$/.test(head)) return bad('bad symbol');
  const symbol = head.toUpperCase();
  const none = (): TopicSpec => ({ kind: 'none', symbol });
  if (!spot && head.endsWith('_perpetual')) {
    const m = /^continuousKline_(\w+)$/.exec(stream);
    if (!m) return bad('expected <pair>_perpetual@continuousKline_<interval>');
    return kline(market, symbol.replace(/_PERPETUAL$/, ''), m[1], 'continuous') ?? bad(`unknown interval '${m[1]}'`);
  }
  if (head.includes('_') && !spot) return none(); // dated futures and other contract types: not simulated
  if (stream === 'aggTrade') return { kind: 'trades', symbol, variant: 'aggTrade' };
  if (stream === 'trade') return { kind: 'trades', symbol, variant: 'trade' };
  if (stream === 'ticker') return { kind: 'ticker', symbol, pushMs: spot ? 1000 : 2000, variant: 'full' };
  if (stream === 'miniTicker') return { kind: 'ticker', symbol, pushMs: spot ? 1000 : 2000, variant: 'mini' };
  if (stream === 'bookTicker') return { kind: 'bookTicker', symbol, pushMs: 100 };
  if (!spot && (stream === 'markPrice' || stream === 'markPrice@1s')) {
    return { kind: 'markPrice', symbol, pushMs: stream === 'markPrice' ? 3000 : 1000 };
  }
  if (/^depth(5|10|20)?(@(100|250|500|1000)ms)?$/.test(stream)) return none();
  if (spot && /^ticker_(1h|4h|1d)$/.test(stream)) return none();
  const k = /^kline_(\w+?)(@\+08:00)?$/.exec(stream);
  if (k) {
    const spec = kline(market, symbol, k[1], 'kline');
    if (!spec) return bad(`unknown interval '${k[1]}'`);
    return k[2] && spot ? none() : k[2] ? bad('UTC+8 klines are spot only') : spec;
  }
  return bad(`unknown stream '${stream}'`);
}

function kline(market: Market, symbol: string, name: string, variant: string): TopicSpec | undefined {
  if (!(market === 'spot' ? SPOT_INTERVALS : PERP_INTERVALS).includes(name)) return undefined;
  const interval = parseInterval(name);
  if (interval instanceof Error) return undefined;
  const pushMs = market === 'perp' ? 250 : name === '1s' ? 1000 : 2000;
  return { kind: 'kline', symbol, interval, pushMs, variant };
}

// ---- requests ----------------------------------------------------------------------------------

function parseRequest(text: string, conn: FakeConnection): ClientRequest {
  const m = parseJson(text);
  if (m instanceof Error) return { type: 'reply', text: '{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"}' };
  if (!isObject(m)) return { type: 'reply', text: '{"code":3,"msg":"Invalid JSON: invalid type: expected struct Request"}' };
  const id = m.id ?? null;
  const fail = (why: string, withId = true): ClientRequest => ({
    type: 'reply',
    text: JSON.stringify(withId ? { code: 2, msg: `Invalid request: ${why}`, id } : { code: 2, msg: `Invalid request: ${why}` }),
  });
  if (!(id === null || (typeof id === 'number' && Number.isInteger(id)) || (typeof id === 'string' && /^[A-Za-z0-9-]{1,36}$/.test(id)))) {
    return fail('request ID must be an unsigned integer, an alphanumeric string of at most 36 characters, or null', false);
  }
  const reqId = id as string | number | null;
  const method = m.method;
  if (typeof method !== 'string' || !METHODS.includes(method)) {
    return fail(`unknown variant \`${String(method)}\`, expected one of ${METHODS.map((x) => `\`${x}\``).join(', ')}`);
  }
  if (method === 'LIST_SUBSCRIPTIONS') return { type: 'list', id: reqId };
  const params = m.params;
  if (!Array.isArray(params) || !params.every((p) => typeof p === 'string' || typeof p === 'boolean')) {
    return fail('invalid type: expected a sequence of strings as `params`');
  }
  if (method === 'SET_PROPERTY') {
    if (params[0] !== 'combined' || typeof params[1] !== 'boolean') return { type: 'reply', text: JSON.stringify({ code: 0, msg: 'Unknown property', id: reqId }) };
    conn.state.combined = params[1];
    return { type: 'reply', text: JSON.stringify({ result: null, id: reqId }) };
  }
  if (method === 'GET_PROPERTY') {
    if (params[0] !== 'combined') return { type: 'reply', text: JSON.stringify({ code: 0, msg: 'Unknown property', id: reqId }) };
    return { type: 'reply', text: JSON.stringify({ result: conn.state.combined === true, id: reqId }) };
  }
  if (!params.every((p): p is string => typeof p === 'string') || params.length === 0) {
    return fail('`params` must be a non-empty list of stream names');
  }
  return { type: method === 'SUBSCRIBE' ? 'subscribe' : 'unsubscribe', topics: params, id: reqId };
}

function reject(req: SubscribeRequest, reason: RejectReason): string {
  const id = req.id ?? null;
  switch (reason.kind) {
    case 'invalid-topic':
      return JSON.stringify({ code: 2, msg: reason.message, id });
    case 'rejected-symbol':
      return JSON.stringify({ code: 2, msg: `Invalid request: unknown symbol '${reason.symbol}' in stream '${reason.topic}'`, id });
    case 'too-many-topics':
      return JSON.stringify({ error: { code: 4, msg: 'Too many subscriptions' }, id });
  }
}

// ---- payloads ----------------------------------------------------------------------------------

interface Fmt {
  price(s: string): string;
  qty(s: string): string;
  quote(s: string): string;
}

const SPOT_FMT: Fmt = {
  price: (s) => toFixedDecimals(s, SPOT_DECIMALS),
  qty: (s) => toFixedDecimals(s, SPOT_DECIMALS),
  quote: (s) => toFixedDecimals(s, SPOT_DECIMALS),
};
const PERP_FMT: Fmt = { price: (s) => s, qty: (s) => s, quote: (s) => s };

function klineBody(k: SimKline, f: Fmt, interval: string, symbol: string | undefined): string {
  return JSON.stringify({
    t: k.openTime,
    T: k.closeTime,
    ...(symbol !== undefined ? { s: symbol } : {}),
    i: interval,
    f: k.firstTradeId,
    L: k.lastTradeId,
    o: f.price(k.open),
    c: f.price(k.close),
    h: f.price(k.high),
    l: f.price(k.low),
    v: f.qty(k.volume),
    n: k.trades,
    x: k.closed,
    q: f.quote(k.quoteVolume),
    V: f.qty(k.takerBuyVolume),
    Q: f.quote(k.takerBuyQuoteVolume),
    B: '0',
  });
}

function klinePayload(ctx: PayloadContext, k: SimKline, f: Fmt): string {
  const spec = ctx.spec as Extract<TopicSpec, { kind: 'kline' }>;
  if (spec.variant === 'continuous') {
    return `{"e":"continuous_kline","E":${ctx.now},"ps":${JSON.stringify(spec.symbol)},"ct":"PERPETUAL","k":${klineBody(k, f, spec.interval.name, undefined)}}`;
  }
  return `{"e":"kline","E":${ctx.now},"s":${JSON.stringify(spec.symbol)},"k":${klineBody(k, f, spec.interval.name, spec.symbol)}}`;
}

const spotPayloads: FakeMarketProtocol['ws']['payload'] = {
  trades: (ctx, trades) =>
    trades.map((t) =>
      ctx.spec.kind === 'trades' && ctx.spec.variant === 'trade'
        ? JSON.stringify({ e: 'trade', E: ctx.now, s: ctx.spec.symbol, t: t.id, p: SPOT_FMT.price(t.price), q: SPOT_FMT.qty(t.size), T: t.time, m: t.side === 'sell', M: true })
        : JSON.stringify({ e: 'aggTrade', E: ctx.now, s: ctx.spec.symbol, a: t.id, p: SPOT_FMT.price(t.price), q: SPOT_FMT.qty(t.size), f: t.id, l: t.id, T: t.time, m: t.side === 'sell', M: true }),
    ),
  kline: (ctx, k) => klinePayload(ctx, k, SPOT_FMT),
  ticker: (ctx, st, book) => {
    const f = SPOT_FMT;
    const { last, open, high, low } = windowPrices(st, book);
    if (ctx.spec.kind === 'ticker' && ctx.spec.variant === 'mini') {
      return JSON.stringify({ e: '24hrMiniTicker', E: ctx.now, s: ctx.spec.symbol, c: f.price(last), o: f.price(open), h: f.price(high), l: f.price(low), v: f.qty(st.volume), q: f.quote(st.quoteVolume) });
    }
    return JSON.stringify({
      e: '24hrTicker',
      E: ctx.now,
      s: ctx.spec.symbol,
      p: f.price(st.priceChange ?? '0'),
      P: st.priceChangePercent ?? '0.000',
      w: f.price(st.weightedAverage ?? '0'),
      x: f.price(st.prevClose ?? open),
      c: f.price(last),
      Q: f.qty(st.lastSize ?? '0'),
      b: f.price(book.bid),
      B: f.qty(book.bidSize),
      a: f.price(book.ask),
      A: f.qty(book.askSize),
      o: f.price(open),
      h: f.price(high),
      l: f.price(low),
      v: f.qty(st.volume),
      q: f.quote(st.quoteVolume),
      O: st.openTime,
      C: st.closeTime,
      F: st.firstTradeId,
      L: st.lastTradeId,
      n: st.trades,
    });
  },
  bookTicker: (ctx, b) => JSON.stringify({ u: b.updateId, s: ctx.spec.symbol, b: SPOT_FMT.price(b.bid), B: SPOT_FMT.qty(b.bidSize), a: SPOT_FMT.price(b.ask), A: SPOT_FMT.qty(b.askSize) }),
  // Spot has no mark price; parseTopic never yields a markPrice topic on spot.
  markPrice: () => '{}',
};

const perpPayloads: FakeMarketProtocol['ws']['payload'] = {
  trades: (ctx, trades) =>
    trades.map((t) =>
      ctx.spec.kind === 'trades' && ctx.spec.variant === 'trade'
        ? JSON.stringify({ e: 'trade', E: ctx.now, T: t.time, s: ctx.spec.symbol, t: t.id, p: t.price, q: t.size, X: 'MARKET', m: t.side === 'sell' })
        : JSON.stringify({ e: 'aggTrade', E: ctx.now, a: t.id, s: ctx.spec.symbol, p: t.price, q: t.size, f: t.id, l: t.id, T: t.time, m: t.side === 'sell' }),
    ),
  kline: (ctx, k) => klinePayload(ctx, k, PERP_FMT),
  ticker: (ctx, st, book) => {
    const { last, open, high, low } = windowPrices(st, book);
    if (ctx.spec.kind === 'ticker' && ctx.spec.variant === 'mini') {
      return JSON.stringify({ e: '24hrMiniTicker', E: ctx.now, s: ctx.spec.symbol, c: last, o: open, h: high, l: low, v: st.volume, q: st.quoteVolume });
    }
    const spec = ctx.sim.symbol(ctx.spec.symbol);
    const decimals = spec?.priceDecimals ?? 2;
    return JSON.stringify({
      e: '24hrTicker',
      E: ctx.now,
      s: ctx.spec.symbol,
      p: st.priceChange ?? toFixedDecimals('0', decimals),
      P: st.priceChangePercent ?? '0.000',
      w: toFixedDecimals(st.weightedAverage ?? '0', decimals),
      c: last,
      Q: st.lastSize ?? '0',
      o: open,
      h: high,
      l: low,
      v: st.volume,
      q: st.quoteVolume,
      O: st.openTime,
      C: st.closeTime,
      F: st.firstTradeId,
      L: st.lastTradeId,
      n: st.trades,
    });
  },
  bookTicker: (ctx, b) => JSON.stringify({ e: 'bookTicker', u: b.updateId, s: ctx.spec.symbol, b: b.bid, B: b.bidSize, a: b.ask, A: b.askSize, T: b.time, E: ctx.now }),
  markPrice: (ctx, m) =>
    JSON.stringify({
      e: 'markPriceUpdate',
      E: ctx.now,
      s: ctx.spec.symbol,
      p: toFixedDecimals(m.markPrice, 8),
      i: toFixedDecimals(m.indexPrice, 8),
      P: toFixedDecimals(m.settlePrice, 8),
      r: m.fundingRate,
      T: m.nextFundingTime,
    }),
};

// ---- REST --------------------------------------------------------------------------------------

function rest(req: RestRequest, ctx: RestContext): RestResponse | undefined {
  const spot = ctx.market === 'spot';
  const prefix = spot ? '/api/v3' : '/fapi/v1';
  if (req.method !== 'GET' || !req.path.startsWith(`${prefix}/`)) return undefined;
  switch (req.path.slice(prefix.length)) {
    case '/ping':
      return ok('{}');
    case '/time':
      return ok(JSON.stringify({ serverTime: ctx.now }));
    case '/klines':
      return klines(req.query, ctx);
    case '/exchangeInfo':
      return exchangeInfo(req.query, ctx);
    default:
      return undefined;
  }
}

function klines(q: URLSearchParams, ctx: RestContext): RestResponse {
  const spot = ctx.market === 'spot';
  const symbol = q.get('symbol');
  const interval = q.get('interval');
  if (!symbol) return error(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
  if (!interval) return error(-1102, "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.");
  if (!ctx.sim.symbol(symbol)) return error(-1121, 'Invalid symbol.');
  if (!(spot ? SPOT_INTERVALS : PERP_INTERVALS).includes(interval)) return error(-1120, 'Invalid interval.');
  const nums = integerParams(q, ['startTime', 'endTime', 'limit'], 20);
  if (typeof nums === 'string') return error(-1100, `Illegal characters found in parameter '${nums}'; legal range is '^[0-9]{1,20}$'.`);
  const max = spot ? 1000 : 1500;
  const limit = nums.limit ?? 500;
  if (limit < 1 || limit > max) return error(-1130, "Data sent for parameter 'limit' is not valid.");
  if (nums.startTime !== undefined && nums.endTime !== undefined && nums.startTime > nums.endTime) {
    return error(-1023, 'Start time is greater than end time.');
  }
  const rows = ctx.sim.page(symbol, interval, { startTime: nums.startTime, endTime: nums.endTime, limit, pageFrom: 'oldest' });
  const f = spot ? SPOT_FMT : PERP_FMT;
  const body = rows.map((k) =>
    JSON.stringify([k.openTime, ...ohlc(k, f.price), f.qty(k.volume), k.closeTime, f.quote(k.quoteVolume), k.trades, f.qty(k.takerBuyVolume), f.quote(k.takerBuyQuoteVolume), '0']),
  );
  return ok(`[${body.join(',')}]`);
}

function exchangeInfo(q: URLSearchParams, ctx: RestContext): RestResponse {
  let symbols = ctx.sim.symbols();
  if (ctx.market === 'spot') {
    const one = q.get('symbol');
    const many = q.get('symbols');
    let wanted: string[] | undefined;
    if (one) wanted = [one];
    else if (many) {
      try {
        const parsed: unknown = JSON.parse(many);
        if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) throw new Error('not a list');
        wanted = parsed;
      } catch {
        return error(-1100, "Illegal characters found in parameter 'symbols'; legal range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.");
      }
    }
    if (wanted) {
      const known = new Set(symbols.map((s) => s.symbol));
      if (wanted.some((w) => !known.has(w))) return error(-1121, 'Invalid symbol.');
      symbols = symbols.filter((s) => wanted.includes(s.symbol));
    }
    return ok(JSON.stringify({ timezone: 'UTC', serverTime: ctx.now, rateLimits: SPOT_RATE_LIMITS, exchangeFilters: [], symbols: symbols.map(spotSymbolInfo) }));
  }
  return ok(
    JSON.stringify({
      timezone: 'UTC',
      serverTime: ctx.now,
      futuresType: 'U_MARGINED',
      rateLimits: PERP_RATE_LIMITS,
      exchangeFilters: [],
      assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
      symbols: symbols.map(perpSymbolInfo),
    }),
  );
}

const SPOT_RATE_LIMITS = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
  { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
  { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
];
const PERP_RATE_LIMITS = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
  { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
];

function spotSymbolInfo(s: SimSymbol): Record<string, unknown> {
  const { base, quote } = pairAssets(s);
  const f8 = (x: string) => toFixedDecimals(x, 8);
  return {
    symbol: s.symbol,
    status: 'TRADING',
    baseAsset: base,
    baseAssetPrecision: 8,
    quoteAsset: quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: true,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: f8(unitStep(s.priceDecimals)), maxPrice: f8('1000000'), tickSize: f8(unitStep(s.priceDecimals)) },
      { filterType: 'LOT_SIZE', minQty: f8(unitStep(s.sizeDecimals)), maxQty: f8('9000'), stepSize: f8(unitStep(s.sizeDecimals)) },
    ],
    permissions: [],
    permissionSets: [['SPOT', 'MARGIN']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

function perpSymbolInfo(s: SimSymbol): Record<string, unknown> {
  const { base, quote } = pairAssets(s);
  return {
    symbol: s.symbol,
    pair: s.symbol,
    contractType: 'PERPETUAL',
    deliveryDate: 4133404800000,
    onboardDate: 1569398400000,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: base,
    quoteAsset: quote,
    marginAsset: quote,
    pricePrecision: s.priceDecimals,
    quantityPrecision: s.sizeDecimals,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: unitStep(s.priceDecimals), maxPrice: '4529764', tickSize: unitStep(s.priceDecimals) },
      { filterType: 'LOT_SIZE', stepSize: unitStep(s.sizeDecimals), maxQty: '1000', minQty: unitStep(s.sizeDecimals) },
      { filterType: 'MARKET_LOT_SIZE', stepSize: unitStep(s.sizeDecimals), maxQty: '120', minQty: unitStep(s.sizeDecimals) },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MIN_NOTIONAL', notional: '100' },
    ],
    orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
    permissionSet: ['GRID', 'COPY'],
  };
}

/** USDⓈ-M contracts trade coarser sizes than spot: BTC 0.01/0.001, ETH 0.01/0.001. */
const perpDefaults = defaultsByBase({ BTC: { priceDecimals: 2, sizeDecimals: 3 }, ETH: { priceDecimals: 2, sizeDecimals: 3 } }, { priceDecimals: 3, sizeDecimals: 1 });

function ok(body: string): RestResponse {
  return { status: 200, body };
}

function error(code: number, msg: string, status = 400): RestResponse {
  return { status, body: JSON.stringify({ code, msg }) };
}

function failureBody(status: number, retryAfterSec: number | undefined, now: number): string {
  if (status === 429) {
    return JSON.stringify({ code: -1003, msg: 'Too many requests; current limit of IP(127.0.0.1) request weight per minute is 6000. Please use WebSocket Streams for live updates to avoid polling the API.' });
  }
  if (status === 418) {
    const until = now + (retryAfterSec ?? 120) * 1000;
    return JSON.stringify({ code: -1003, msg: `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.` });
  }
  if (status >= 500) return JSON.stringify({ code: -1001, msg: 'Internal error; unable to process your request. Please try again.' });
  return JSON.stringify({ code: -1000, msg: 'An unknown error occurred while processing the request.' });
}

// Last: the market protocols reference the constants above.
/** The fake Binance exchange: spot and USDⓈ-M perpetuals. */
export const binanceFake: FakeProtocol = {
  id: 'binance',
  markets: { spot: marketProtocol('spot'), perp: marketProtocol('perp') },
};

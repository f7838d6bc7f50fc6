/**
 * The Bitget v2 protocol for the fake exchange server (SPOT and USDT-FUTURES), written from
 * PROTOCOLS.md §4 and probed captures independently of the real adapter, so that each checks the
 * other. One fake server serves one market, as the sidecar config points each market at its own.
 *
 * Fidelity notes (where the fake chooses a behaviour the sources leave open):
 * - WS path `/v2/ws/public`. A topic is the subscription `arg` itself, kept as the canonical JSON
 *   `{"instType","channel","instId"}` so acks and errors echo it exactly as the client sent it.
 * - Every arg is acked or refused on its own (`{"event":"subscribe","arg":…}` /
 *   `{"event":"error","arg":…,"code":30001,"msg":"… doesn't exist","op":"subscribe"}`); an unknown
 *   channel is `30016 Param error`, as probed. An arg of the other market's instType is refused
 *   with 30001 (the real server serves both instTypes on one URL; here each server has one market).
 * - A symbol the fake does not simulate is acked and stays silent (the generic server cannot ask the
 *   simulator while parsing a topic); FakeExchangeServer.rejectSymbols(…, 'error') gives the real
 *   30001 error for it.
 * - Heartbeat: a client that sends nothing for 2 minutes is dropped (the real server counts only the
 *   text `ping`; here any message counts). `ping` is answered with the text `pong`.
 * - Candles: no closed flag. Subscribing sends a `snapshot` of the last few rows (real: up to
 *   1000), then `update` rows. Only UTC-aligned channels carry data; the UTC+8 ones (`candle6H`,
 *   `candle1D`, …) and `candle3D*` are acked and silent. Rows are trimmed of trailing zeros, as in
 *   the documented examples; USDT volume equals quote volume (every simulated pair is quoted in USDT).
 * - Trades: a `snapshot` of recent trades (newest first) on subscribe — ending 1 s before the
 *   subscription so it never overlaps the first `update` — then one `update` per server tick,
 *   newest first.
 * - REST: `startTime`/`endTime` are read as exclusive ("after" / "before"), a limited window keeps
 *   its newest rows, rows are sent oldest first. Error codes other than 40034 (unknown symbol) and
 *   429 are not confirmed by any source.
 * - Order books are not simulated: `books*` channels are acked and silent.
 */
import { barOpen, opensBefore, parseInterval } from '../../fake/interval';
import { defaultsByBase, pairAssets, unitStep } from '../../fake/listing';
import { ohlc, type SimKline, type SimSymbol, type SimTrade } from '../../fake/market-sim';
import type { ClientRequest, FakeMarketProtocol, FakeProtocol, PayloadContext, RejectReason, RestContext, RestRequest, RestResponse, SubscribeRequest, TopicSpec, WsRoute } from '../../fake/protocol';
import { integerParams } from '../../fake/query';
import { markInfo, windowPrices, type BookTop, type RollingStats } from '../../fake/quotes';
import { formatUnits, trimZeros } from '../../market/decimal';
import type { Market } from '../../market/model';
import { isObject, parseJson } from '../decode';

const INST_TYPE: Record<Market, string> = { spot: 'SPOT', perp: 'USDT-FUTURES' };
const WS_PATH = '/v2/ws/public';

/** WS candle channel suffix → simulated interval (UTC-aligned channels only). */
const WS_CANDLES: Record<string, string> = {
  '1m': '1m',
  '5m': '5m',
  '15m': '15m',
  '30m': '30m',
  '1H': '1h',
  '4H': '4h',
  '6Hutc': '6h',
  '12Hutc': '12h',
  '1Dutc': '1d',
  '1Wutc': '1w',
  '1Mutc': '1M',
};
/** Documented candle channels the fake acks but does not feed (UTC+8 and 3-day bars). */
const SILENT_CANDLES = new Set(['6H', '12H', '1D', '3D', '1W', '1M', '3Dutc']);
const SILENT_CHANNELS = new Set(['books', 'books1', 'books5', 'books15']);

/** REST `granularity` → simulated interval. Futures spell it as the WS candle channels (plus 3m, REST only); spot its own way. */
const REST_GRANULARITY: Record<Market, Record<string, string>> = {
  spot: {
    '1min': '1m',
    '3min': '3m',
    '5min': '5m',
    '15min': '15m',
    '30min': '30m',
    '1h': '1h',
    '4h': '4h',
    '6Hutc': '6h',
    '12Hutc': '12h',
    '1Dutc': '1d',
    '1Wutc': '1w',
    '1Mutc': '1M',
  },
  perp: { ...WS_CANDLES, '3m': '3m' },
};
/** Documented granularities whose bars open at UTC+8, or every 3 days: not simulated. */
const REST_UNSIMULATED: Record<Market, Set<string>> = {
  spot: new Set(['6h', '12h', '1day', '3day', '1week', '1M', '3Dutc']),
  perp: new Set(['6H', '12H', '1D', '3D', '1W', '1M', '3Dutc']),
};

const KLINE_PUSH_MS = 500;
const TICKER_PUSH_MS = 300;
const SNAPSHOT_BARS = 5;
const SNAPSHOT_TRADES = 30;
const MAX_ARGS_BYTES = 4096;
const MAX_LIMIT = 1000;
const MAX_FUTURES_WINDOW_MS = 90 * 86_400_000;
const PARAM_ERROR = 'Param error';

type Json = Record<string, unknown>;

function marketProtocol(market: Market): FakeMarketProtocol {
  return {
    defaultSymbols: ['BTCUSDT', 'ETHUSDT'],
    symbolDefaults: SYMBOL_DEFAULTS[market],
    urls: (hostPort) => ({ ws: `ws://${hostPort}${WS_PATH}`, rest: `http://${hostPort}` }),
    ws: {
      route,
      heartbeat: { mode: 'client-ping', idleTimeoutMs: 120_000 },
      topicsPerConnection: 1000,
      rateLimit: { perSecond: 10, closeCode: 1008, reason: 'Too many requests' },
      parseRequest,
      parseTopic: (topic) => parseTopic(market, topic),
      serves: () => true,
      ackPerTopic: true,
      ack: (req) => req.topics.map((topic) => JSON.stringify({ event: req.type, arg: argOf(topic) })),
      reject,
      onSubscribed,
      // Bitget has no "list subscriptions" operation; parseRequest never asks for one.
      list: () => JSON.stringify({ event: 'error', code: 30016, msg: PARAM_ERROR }),
      // Payloads are whole frames already (they carry their own `arg`).
      frame: (_conn, _topic, payload) => payload,
      payload: market === 'spot' ? spotPayloads : perpPayloads,
    },
    rest: {
      handle: (req, ctx) => rest(req, ctx),
      failureBody,
    },
  };
}

/** Bitget's decimals: spot BTCUSDT 0.01 / 0.000001, ETHUSDT 0.01 / 0.0001; futures BTC 0.1 / 0.0001, ETH 0.01 / 0.01. */
const SYMBOL_DEFAULTS = {
  spot: defaultsByBase({ BTC: { priceDecimals: 2, sizeDecimals: 6 }, ETH: { priceDecimals: 2, sizeDecimals: 4 } }),
  perp: defaultsByBase({ BTC: { priceDecimals: 1, sizeDecimals: 4 }, ETH: { priceDecimals: 2, sizeDecimals: 2 } }, { priceDecimals: 4, sizeDecimals: 1 }),
};

// ---- WebSocket: routes, requests, topics ------------------------------------------------------

function route(path: string): WsRoute | undefined {
  return path === WS_PATH || path === `${WS_PATH}/` ? { endpoint: 'public' } : undefined;
}

/** The canonical topic of one subscription arg: its three fields in the documented order. */
function topicOfArg(arg: unknown): string {
  if (!isObject(arg)) return JSON.stringify(arg) ?? 'null';
  return JSON.stringify({ instType: arg.instType, channel: arg.channel, instId: arg.instId });
}

/** The arg a topic stands for (what acks and errors echo). */
function argOf(topic: string): unknown {
  const arg = parseJson(topic);
  return arg instanceof Error ? topic : arg;
}

function paramError(): ClientRequest {
  return { type: 'reply', text: JSON.stringify({ event: 'error', code: 30016, msg: PARAM_ERROR }) };
}

function parseRequest(text: string): ClientRequest {
  if (text === 'ping') return { type: 'ping', reply: 'pong' };
  const msg = parseJson(text);
  if (!isObject(msg)) return paramError();
  const { op, args } = msg;
  if (op !== 'subscribe' && op !== 'unsubscribe') return paramError();
  if (!Array.isArray(args) || args.length === 0) return paramError();
  if (JSON.stringify(args).length > MAX_ARGS_BYTES) {
    return { type: 'reply', text: JSON.stringify({ event: 'error', code: 30016, msg: `${PARAM_ERROR}: args longer than ${MAX_ARGS_BYTES} bytes`, op }) };
  }
  // Duplicates in one request collapse to one topic (and one ack), like a set of channels.
  return { type: op, topics: [...new Set(args.map(topicOfArg))] };
}

function parseTopic(market: Market, topic: string): TopicSpec | Error {
  const arg = argOf(topic);
  if (!isObject(arg)) return new Error(PARAM_ERROR);
  const { instType, channel, instId } = arg;
  if (typeof instType !== 'string' || typeof channel !== 'string' || typeof instId !== 'string' || instId === '') {
    return new Error(PARAM_ERROR);
  }
  if (instType.toUpperCase() !== INST_TYPE[market]) return new Error(doesNotExist(instType, channel, instId));
  const symbol = instId;
  if (channel === 'trade') return { kind: 'trades', symbol };
  if (channel === 'ticker') return { kind: 'ticker', symbol, pushMs: TICKER_PUSH_MS };
  if (SILENT_CHANNELS.has(channel)) return { kind: 'none', symbol };
  if (channel.startsWith('candle')) {
    const suffix = channel.slice('candle'.length);
    if (SILENT_CANDLES.has(suffix)) return { kind: 'none', symbol };
    const name = WS_CANDLES[suffix];
    const interval = name === undefined ? undefined : parseInterval(name);
    if (interval !== undefined && !(interval instanceof Error)) return { kind: 'kline', symbol, interval, pushMs: KLINE_PUSH_MS };
  }
  return new Error(PARAM_ERROR);
}

function doesNotExist(instType: string, channel: string, instId: string): string {
  return `instType:${instType},channel:${channel},instId:${instId} doesn't exist`;
}

function reject(req: SubscribeRequest, reason: RejectReason): string | string[] {
  const error = (topic: string, code: number, msg: string): string => {
    const arg = argOf(topic);
    return JSON.stringify(isObject(arg) ? { event: 'error', arg, code, msg, op: req.type } : { event: 'error', code, msg, op: req.type });
  };
  switch (reason.kind) {
    case 'invalid-topic':
      return error(reason.topic, reason.message.endsWith("doesn't exist") ? 30001 : 30016, reason.message);
    case 'rejected-symbol': {
      const arg = argOf(reason.topic) as Json;
      return error(reason.topic, 30001, doesNotExist(String(arg.instType), String(arg.channel), reason.symbol));
    }
    case 'too-many-topics':
      return req.topics.map((topic) => error(topic, 30016, `${PARAM_ERROR}: more than ${reason.limit} channels on one connection`));
  }
}

// ---- WebSocket: pushes -------------------------------------------------------------------------

function push(action: 'snapshot' | 'update', topic: string, data: unknown[], now: number): string {
  return JSON.stringify({ action, arg: argOf(topic), data, ts: now });
}

/**
 * A candle row printed like Bitget's examples, without trailing zeros (`"27000"`, `"0.057"`):
 * `[ts, open, high, low, close, baseVol, quoteVol, usdtVol]` (USDT volume = quote volume: every
 * simulated pair is quoted in USDT). Spot REST rows name the last two the other way round.
 */
function candleRow(k: SimKline): string[] {
  const quote = trimZeros(k.quoteVolume);
  return [String(k.openTime), ...ohlc(k, trimZeros), trimZeros(k.volume), quote, quote];
}

function tradeItem(t: SimTrade): Json {
  return { ts: String(t.time), price: t.price, size: t.size, side: t.side, tradeId: String(t.id) };
}

/** The first push after a subscribe: recent candle rows, or recent trades; tickers wait for the feed. */
function onSubscribed(ctx: PayloadContext): string[] {
  const { sim, spec, now, topic } = ctx;
  if (spec.kind === 'none' || !sim.symbol(spec.symbol)) return [];
  if (spec.kind === 'kline') {
    const from = opensBefore(spec.interval, barOpen(spec.interval, now), SNAPSHOT_BARS - 1);
    return [push('snapshot', topic, sim.klines(spec.symbol, spec.interval, from, now).map(candleRow), now)];
  }
  if (spec.kind === 'trades') {
    // Ends 1 s back: the live feed sends everything after its previous tick, never before that.
    const recent = sim.trades(spec.symbol, now - 60_000, now - 1000).slice(-SNAPSHOT_TRADES);
    return [push('snapshot', topic, recent.reverse().map(tradeItem), now)];
  }
  return [];
}

function tradesPayload(ctx: PayloadContext, trades: SimTrade[]): string[] {
  // One frame per tick, newest first, as the snapshot.
  return [push('update', ctx.topic, [...trades].reverse().map(tradeItem), ctx.now)];
}

function klinePayload(ctx: PayloadContext, k: SimKline): string {
  return push('update', ctx.topic, [candleRow(k)], ctx.now);
}

/** 24 h change as a ratio with 5 decimals (`"-0.01569"`), like Bitget's `change24h`. */
function ratio(from: string, to: string): string {
  const a = Number(from);
  const b = Number(to);
  return a > 0 ? ((b - a) / a).toFixed(5) : '0';
}

/** Fields both markets' tickers share, from the rolling 24 h stats and the book. */
function tickerBase(ctx: PayloadContext, st: RollingStats, book: BookTop) {
  const spec = ctx.sim.symbol(ctx.spec.symbol) as SimSymbol;
  const { last, open, high, low } = windowPrices(st, book);
  // `openUtc`: the price at 00:00 UTC today.
  const dayStart = Math.floor(ctx.now / 86_400_000) * 86_400_000;
  const openUnits = ctx.sim.lastPriceUnitsBefore(ctx.spec.symbol, dayStart + 1);
  const openUtc = openUnits === undefined ? last : formatUnits(openUnits, spec.priceDecimals);
  return { last, open24h: open, openUtc, high, low };
}

const spotPayloads: FakeMarketProtocol['ws']['payload'] = {
  trades: tradesPayload,
  kline: klinePayload,
  ticker: (ctx, st, book) => {
    const b = tickerBase(ctx, st, book);
    const last = b.last;
    const data = {
      instId: ctx.spec.symbol,
      lastPr: last,
      open24h: b.open24h,
      high24h: b.high,
      low24h: b.low,
      change24h: ratio(b.open24h, last),
      bidPr: book.bid,
      askPr: book.ask,
      bidSz: book.bidSize,
      askSz: book.askSize,
      baseVolume: st.volume,
      quoteVolume: st.quoteVolume,
      openUtc: b.openUtc,
      changeUtc24h: ratio(b.openUtc, last),
      ts: String(ctx.now),
    };
    return push('snapshot', ctx.topic, [data], ctx.now);
  },
  // Bitget has no separate book-ticker or mark-price channels; parseTopic never yields them.
  bookTicker: () => '{}',
  markPrice: () => '{}',
};

const perpPayloads: FakeMarketProtocol['ws']['payload'] = {
  trades: tradesPayload,
  kline: klinePayload,
  ticker: (ctx, st, book) => {
    const b = tickerBase(ctx, st, book);
    const last = b.last;
    const mark = markInfo(ctx.sim, ctx.spec.symbol, ctx.now);
    const data = {
      instId: ctx.spec.symbol,
      lastPr: last,
      bidPr: book.bid,
      askPr: book.ask,
      bidSz: book.bidSize,
      askSz: book.askSize,
      open24h: b.open24h,
      high24h: b.high,
      low24h: b.low,
      change24h: ratio(b.open24h, last),
      fundingRate: trimZeros(mark.fundingRate),
      nextFundingTime: String(mark.nextFundingTime),
      markPrice: mark.markPrice,
      indexPrice: mark.indexPrice,
      // Open interest is not simulated; the 24 h volume stands in for it.
      holdingAmount: st.volume,
      baseVolume: st.volume,
      quoteVolume: st.quoteVolume,
      openUtc: b.openUtc,
      symbolType: '1',
      symbol: ctx.spec.symbol,
      deliveryPrice: '0',
      ts: String(ctx.now),
    };
    return push('snapshot', ctx.topic, [data], ctx.now);
  },
  bookTicker: () => '{}',
  markPrice: () => '{}',
};

// ---- REST --------------------------------------------------------------------------------------

function rest(req: RestRequest, ctx: RestContext): RestResponse | undefined {
  if (req.method !== 'GET') return undefined;
  const spot = ctx.market === 'spot';
  switch (req.path) {
    case '/api/v2/public/time':
      return ok(ctx, { serverTime: String(ctx.now) });
    case '/api/v2/spot/market/candles':
      return spot ? candles(req.query, ctx) : undefined;
    case '/api/v2/spot/public/symbols':
      return spot ? spotSymbols(req.query, ctx) : undefined;
    case '/api/v2/mix/market/candles':
      return spot ? undefined : candles(req.query, ctx);
    case '/api/v2/mix/market/contracts':
      return spot ? undefined : contracts(req.query, ctx);
    default:
      return undefined;
  }
}

function candles(q: URLSearchParams, ctx: RestContext): RestResponse {
  const spot = ctx.market === 'spot';
  if (!spot) {
    const bad = productTypeError(q, ctx);
    if (bad) return bad;
  }
  const symbol = q.get('symbol');
  const granularity = q.get('granularity');
  if (!symbol) return error(ctx, '400172', 'Parameter verification failed: symbol must not be empty');
  if (!granularity) return error(ctx, '400172', 'Parameter verification failed: granularity must not be empty');
  if (!ctx.sim.symbol(symbol)) return error(ctx, '40034', `Parameter ${symbol} does not exist`);
  const name = REST_GRANULARITY[ctx.market][granularity];
  if (name === undefined) {
    const why = REST_UNSIMULATED[ctx.market].has(granularity) ? ' (UTC+8 and 3-day bars are not simulated by the fake exchange)' : '';
    return error(ctx, '400172', `Parameter verification failed: granularity ${granularity} is not supported${why}`);
  }
  const nums = integerParams(q, ['startTime', 'endTime', 'limit']);
  if (typeof nums === 'string') return error(ctx, '400172', `Parameter verification failed: ${nums} must be a number`);
  const limit = nums.limit ?? 100;
  if (limit < 1 || limit > MAX_LIMIT) return error(ctx, '400172', `Parameter verification failed: limit must be between 1 and ${MAX_LIMIT}`);
  const { startTime, endTime } = nums;
  if (startTime !== undefined && endTime !== undefined) {
    if (startTime >= endTime) return error(ctx, '400172', 'Parameter verification failed: startTime must be before endTime');
    if (!spot && endTime - startTime > MAX_FUTURES_WINDOW_MS) return error(ctx, '400172', 'The maximum time query range is 90 days');
  }
  // "after startTime", "before endTime": exclusive bounds on the open time.
  const rows = ctx.sim.page(symbol, name, {
    startTime: startTime === undefined ? undefined : startTime + 1,
    endTime: endTime === undefined ? undefined : endTime - 1,
    limit,
    pageFrom: 'newest',
  });
  // Spot: …, usdtVol, quoteVol (quote LAST); futures: …, quoteVol.
  return ok(ctx, rows.map((k) => (spot ? candleRow(k) : candleRow(k).slice(0, 7))));
}

function productTypeError(q: URLSearchParams, ctx: RestContext): RestResponse | undefined {
  const productType = q.get('productType');
  if (!productType) return error(ctx, '400172', 'Parameter verification failed: productType must not be empty');
  // Case-insensitive, as the documented examples use `usdt-futures`.
  if (productType.toUpperCase() !== INST_TYPE.perp) return error(ctx, '40034', `Parameter ${productType} does not exist`);
  return undefined;
}

/** The list of every simulated symbol, or of the one `symbol` names; `entry` writes one item. */
function listing(q: URLSearchParams, ctx: RestContext, entry: (s: SimSymbol, base: string, quote: string) => Json): RestResponse {
  const one = q.get('symbol');
  const found = one ? ctx.sim.symbol(one) : undefined;
  if (one && !found) return error(ctx, '40034', `Parameter ${one} does not exist`);
  const list = found ? [found] : ctx.sim.symbols();
  return ok(
    ctx,
    list.map((s) => {
      const { base, quote } = pairAssets(s);
      return entry(s, base, quote);
    }),
  );
}

function spotSymbols(q: URLSearchParams, ctx: RestContext): RestResponse {
  return listing(q, ctx, (s, base, quote) => ({
    symbol: s.symbol,
    baseCoin: base,
    quoteCoin: quote,
    minTradeAmount: '0',
    maxTradeAmount: '900000000000000000000',
    takerFeeRate: '0.001',
    makerFeeRate: '0.001',
    pricePrecision: String(s.priceDecimals),
    quantityPrecision: String(s.sizeDecimals),
    quotePrecision: String(s.priceDecimals + s.sizeDecimals),
    status: 'online',
    minTradeUSDT: '1',
    buyLimitPriceRatio: '0.05',
    sellLimitPriceRatio: '0.05',
    areaSymbol: 'no',
    orderQuantity: '200',
    openTime: '1532454360000',
    offTime: '',
  }));
}

function contracts(q: URLSearchParams, ctx: RestContext): RestResponse {
  return productTypeError(q, ctx) ?? listing(q, ctx, (s, base, quote) => ({
    symbol: s.symbol,
    baseCoin: base,
    quoteCoin: quote,
    buyLimitPriceRatio: '0.05',
    sellLimitPriceRatio: '0.05',
    feeRateUpRatio: '0.005',
    makerFeeRate: '0.0002',
    takerFeeRate: '0.0006',
    openCostUpRatio: '0.01',
    supportMarginCoins: [quote],
    minTradeNum: unitStep(s.sizeDecimals),
    priceEndStep: '1',
    volumePlace: String(s.sizeDecimals),
    pricePlace: String(s.priceDecimals),
    sizeMultiplier: unitStep(s.sizeDecimals),
    symbolType: 'perpetual',
    minTradeUSDT: '5',
    maxSymbolOrderNum: '999999',
    maxProductOrderNum: '999999',
    maxPositionNum: '150',
    symbolStatus: 'normal',
    offTime: '-1',
    limitOpenTime: '-1',
    deliveryTime: '',
    deliveryStartTime: '',
    launchTime: '',
    fundInterval: '8',
    minLever: '1',
    maxLever: '125',
    posLimit: '0.05',
    maintainTime: '',
    maxMarketOrderQty: '220',
    maxOrderQty: '1200',
  }));
}

function ok(ctx: RestContext, data: unknown): RestResponse {
  return { status: 200, body: JSON.stringify({ code: '00000', msg: 'success', requestTime: ctx.now, data }) };
}

function error(ctx: RestContext, code: string, msg: string, status = 400): RestResponse {
  return { status, body: JSON.stringify({ code, msg, requestTime: ctx.now, data: null }) };
}

function failureBody(status: number, _retryAfterSec: number | undefined, now: number): string {
  if (status === 429) return JSON.stringify({ code: '429', msg: 'Too Many Requests', requestTime: now, data: null });
  if (status >= 500) return JSON.stringify({ code: '40010', msg: 'Request timed out', requestTime: now, data: null });
  return JSON.stringify({ code: '40001', msg: 'Request failed', requestTime: now, data: null });
}

// Last: the market protocols reference the constants above.
/** The fake Bitget v2 exchange: SPOT and USDT-FUTURES. */
export const bitgetFake: FakeProtocol = {
  id: 'bitget',
  markets: { spot: marketProtocol('spot'), perp: marketProtocol('perp') },
};

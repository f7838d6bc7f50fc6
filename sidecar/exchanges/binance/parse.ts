/**
 * Binance WebSocket frames → ParseResult. One parser serves spot and USDⓈ-M: every payload names
 * its own event type, and on the combined `/stream` path every data frame carries its stream name,
 * which is the Topic.name the hub routes by. Never throws: unexpected input is `malformed` with a
 * reason, valid traffic we do not serve (depth, other events) is `ignore`.
 */
import type { Kline } from '../../market/model';
import { codeMessage } from '../answers';
import { describe, FieldReader, isObject, type JsonObject } from '../decode';
import { events, malformed, parseObjectFrame, partialTicker, requestId } from '../frames';
import type { MarketEvent, ParseResult } from '../types';

// ---- raw messages (documented fields we read; others are ignored) -----------------------------

/** Combined-stream wrapper around every data frame on `/stream`. */
interface RawCombined {
  stream: string;
  data: unknown;
}

/** Kline body shared by `kline` and `continuous_kline` (prices and sizes are decimal strings). */
interface RawKline {
  t: number; // open time
  T: number; // close time = t + interval - 1
  i: string; // interval
  o: string;
  h: string;
  l: string;
  c: string;
  v: string; // base volume
  q: string; // quote volume
  n: number; // trade count
  x: boolean; // closed
}

/** `<sym>@kline_<i>` */
interface RawKlineEvent {
  e: 'kline';
  E: number;
  s: string;
  k: RawKline;
}

/** USDⓈ-M `<pair>_<type>@continuousKline_<i>`: like kline, but keyed by pair (`ps`). */
interface RawContinuousKlineEvent {
  e: 'continuous_kline';
  E: number;
  ps: string;
  ct: string;
  k: RawKline;
}

/** `<sym>@aggTrade`: all fills of one taker order at one price; trade ids `f..l`. */
interface RawAggTrade {
  e: 'aggTrade';
  E: number;
  s: string;
  a: number;
  p: string;
  q: string;
  f: number;
  l: number;
  T: number;
  m: boolean; // buyer is maker → the taker sold
}

/** `<sym>@trade`; USDⓈ-M adds `X` (MARKET, INSURANCE_FUND, ADL, …). */
interface RawTrade {
  e: 'trade';
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
  X?: string;
}

/** `<sym>@ticker` (rolling 24 h); `b B a A` exist on spot only. */
interface Raw24hrTicker {
  e: '24hrTicker';
  E: number;
  s: string;
  c: string;
  h: string;
  l: string;
  v: string;
  q: string;
  b?: string;
  B?: string;
  a?: string;
  A?: string;
}

/** `<sym>@bookTicker`; spot has no `e`, `E` or `T`. */
interface RawBookTicker {
  e?: 'bookTicker';
  u: number;
  s: string;
  b: string;
  B: string;
  a: string;
  A: string;
  E?: number;
  T?: number;
}

/** USDⓈ-M `<sym>@markPrice[@1s]`. */
interface RawMarkPrice {
  e: 'markPriceUpdate';
  E: number;
  s: string;
  p: string;
  i: string;
  r: string; // empty for contracts without funding
  T: number; // next funding time; 0 when none
}

/** Request outcome: `{"result":null,"id":1}`, or an error in either of two shapes. */
interface RawResponse {
  result?: unknown;
  id?: unknown;
  code?: unknown;
  msg?: unknown;
  error?: unknown;
}

// ---- entry point -------------------------------------------------------------------------------

/** Parses one text frame from a Binance market-data connection; see the module comment. */
export function parseFrame(frame: string): ParseResult {
  return parseObjectFrame(frame, parseObject);
}

function parseObject(json: JsonObject): ParseResult {
  if ('stream' in json || 'data' in json) return parseCombined(json);
  if ('result' in json) return ack(json as RawResponse);
  if ('error' in json || 'code' in json) return requestError(json as RawResponse);
  // The WebSocket API wraps connection events as {"event": {...}}; accept that form too.
  if (isObject(json.event)) return parsePayload(json.event, undefined);
  // A raw (`/ws`) stream sends bare payloads; accept them in case a URL override points there.
  return parsePayload(json, undefined);
}

function parseCombined(json: JsonObject): ParseResult {
  const wrapper = json as Partial<RawCombined>;
  if (typeof wrapper.stream !== 'string' || wrapper.stream === '') {
    return malformed(`combined frame: "stream" should be a stream name, got ${describe(wrapper.stream)}`);
  }
  // All-market streams (`!ticker@arr`) deliver arrays; nothing we subscribe to.
  if (Array.isArray(wrapper.data)) return { type: 'ignore' };
  if (!isObject(wrapper.data)) {
    return malformed(`${wrapper.stream}: "data" should be an object, got ${describe(wrapper.data)}`);
  }
  return parsePayload(wrapper.data, wrapper.stream);
}

/**
 * Maps one payload. `stream` is the combined-stream name; for a bare payload the topic is rebuilt
 * from the payload the way streams.ts names it (a bare markPrice is taken to be `@markPrice@1s`,
 * the variant we subscribe to, since the payload cannot tell the two apart).
 */
function parsePayload(data: JsonObject, stream: string | undefined): ParseResult {
  const type = data.e;
  switch (type) {
    case 'kline':
      return klineEvent(data, stream);
    case 'continuous_kline':
      return continuousKlineEvent(data, stream);
    case 'aggTrade':
      return aggTradeEvent(data, stream);
    case 'trade':
      return tradeEvent(data, stream);
    case '24hrTicker':
      return dayTickerEvent(data, stream);
    case 'bookTicker':
      return bookTickerEvent(data, stream);
    case 'markPriceUpdate':
      return markPriceEvent(data, stream);
    case 'serverShutdown':
      return { type: 'closing', message: `Binance announced a server shutdown (event time ${describe(data.E)})` };
    case undefined:
      // Spot bookTicker and partial-depth payloads carry no event type.
      if (stream?.includes('@bookTicker') || (stream === undefined && looksLikeBookTicker(data))) {
        return bookTickerEvent(data, stream);
      }
      if ('lastUpdateId' in data) return { type: 'ignore' };
      return malformed(`${stream ?? 'frame'}: unrecognised payload ${describe(data)}`);
    default:
      if (typeof type !== 'string') return malformed(`${stream ?? 'frame'}: "e" should be an event type, got ${describe(type)}`);
      // depthUpdate, miniTicker, forceOrder, …: valid, but not served.
      return { type: 'ignore' };
  }
}

// ---- mappers -----------------------------------------------------------------------------------

function klineEvent(data: JsonObject, stream: string | undefined): ParseResult {
  const r = new FieldReader<RawKlineEvent>(data, `${stream ?? 'kline'}`);
  const symbol = r.string('s');
  const { interval, kline } = readKline(r.object<RawKline>('k', `${stream ?? 'kline'} k`));
  if (r.problem) return malformed(r.problem);
  const topic = stream ?? `${symbol.toLowerCase()}@kline_${interval}`;
  return events([{ kind: 'kline', topic, symbol, interval, kline }]);
}

function continuousKlineEvent(data: JsonObject, stream: string | undefined): ParseResult {
  const r = new FieldReader<RawContinuousKlineEvent>(data, `${stream ?? 'continuous_kline'}`);
  const symbol = r.string('ps');
  const contractType = r.string('ct');
  const { interval, kline } = readKline(r.object<RawKline>('k', `${stream ?? 'continuous_kline'} k`));
  if (r.problem) return malformed(r.problem);
  const topic = stream ?? `${symbol.toLowerCase()}_${contractType.toLowerCase()}@continuousKline_${interval}`;
  return events([{ kind: 'kline', topic, symbol, interval, kline }]);
}

function readKline(k: FieldReader<RawKline>): { interval: string; kline: Kline } {
  const kline: Kline = {
    openTime: k.int('t'),
    closeTime: k.int('T'),
    open: k.decimal('o'),
    high: k.decimal('h'),
    low: k.decimal('l'),
    close: k.decimal('c'),
    volume: k.decimal('v'),
    quoteVolume: k.decimal('q'),
    closed: k.bool('x'),
  };
  const trades = k.optInt('n');
  if (trades !== undefined) kline.trades = trades;
  return { interval: k.string('i'), kline };
}

function aggTradeEvent(data: JsonObject, stream: string | undefined): ParseResult {
  const r = new FieldReader<RawAggTrade>(data, stream ?? 'aggTrade');
  const symbol = r.string('s');
  const trade = {
    id: String(r.int('a')),
    time: r.int('T'),
    price: r.decimal('p'),
    size: r.decimal('q'),
    side: r.bool('m') ? ('sell' as const) : ('buy' as const),
  };
  const first = r.optInt('f');
  const last = r.optInt('l');
  if (r.problem) return malformed(r.problem);
  const event: MarketEvent = { kind: 'trade', topic: stream ?? `${symbol.toLowerCase()}@aggTrade`, symbol, trade };
  if (first !== undefined && last !== undefined && last >= first) event.count = last - first + 1;
  return events([event]);
}

function tradeEvent(data: JsonObject, stream: string | undefined): ParseResult {
  // Insurance-fund and ADL fills are not market trades (aggTrade and klines leave them out too).
  if (data.X !== undefined && data.X !== 'MARKET') return { type: 'ignore' };
  const r = new FieldReader<RawTrade>(data, stream ?? 'trade');
  const symbol = r.string('s');
  const trade = {
    id: String(r.int('t')),
    time: r.int('T'),
    price: r.decimal('p'),
    size: r.decimal('q'),
    side: r.bool('m') ? ('sell' as const) : ('buy' as const),
  };
  if (r.problem) return malformed(r.problem);
  return events([{ kind: 'trade', topic: stream ?? `${symbol.toLowerCase()}@trade`, symbol, trade }]);
}

function dayTickerEvent(data: JsonObject, stream: string | undefined): ParseResult {
  const r = new FieldReader<Raw24hrTicker>(data, stream ?? '24hrTicker');
  const symbol = r.string('s');
  const ticker = partialTicker({
    time: r.int('E'),
    last: r.decimal('c'),
    high24h: r.decimal('h'),
    low24h: r.decimal('l'),
    volume24h: r.decimal('v'),
    quoteVolume24h: r.decimal('q'),
    bid: r.optDecimal('b'),
    bidSize: r.optDecimal('B'),
    ask: r.optDecimal('a'),
    askSize: r.optDecimal('A'),
  });
  if (r.problem) return malformed(r.problem);
  return events([{ kind: 'ticker', topic: stream ?? `${symbol.toLowerCase()}@ticker`, symbol, ticker }]);
}

/**
 * Spot bookTicker carries no time at all: such events get `time: 0`, and the hub stamps them with
 * its own clock (an adapter is pure and has no clock to read).
 */
function bookTickerEvent(data: JsonObject, stream: string | undefined): ParseResult {
  const r = new FieldReader<RawBookTicker>(data, stream ?? 'bookTicker');
  const symbol = r.string('s');
  const ticker = {
    time: r.optInt('E') ?? r.optInt('T') ?? 0,
    bid: r.decimal('b'),
    bidSize: r.decimal('B'),
    ask: r.decimal('a'),
    askSize: r.decimal('A'),
  };
  if (r.problem) return malformed(r.problem);
  return events([{ kind: 'ticker', topic: stream ?? `${symbol.toLowerCase()}@bookTicker`, symbol, ticker }]);
}

function markPriceEvent(data: JsonObject, stream: string | undefined): ParseResult {
  const r = new FieldReader<RawMarkPrice>(data, stream ?? 'markPriceUpdate');
  const symbol = r.string('s');
  const nextFundingTime = r.optInt('T');
  const ticker = partialTicker({
    time: r.int('E'),
    markPrice: r.decimal('p'),
    indexPrice: r.optDecimal('i'),
    fundingRate: r.optDecimal('r'),
    nextFundingTime: nextFundingTime === 0 ? undefined : nextFundingTime,
  });
  if (r.problem) return malformed(r.problem);
  return events([{ kind: 'ticker', topic: stream ?? `${symbol.toLowerCase()}@markPrice@1s`, symbol, ticker }]);
}

function ack(json: RawResponse): ParseResult {
  return { type: 'ack', id: requestId(json.id) };
}

function requestError(json: RawResponse): ParseResult {
  const body = isObject(json.error) ? (json.error as RawResponse) : json;
  return { type: 'error', id: requestId(json.id), message: codeMessage(body.code, body.msg, `request failed: ${describe(json)}`) };
}

// ---- helpers -----------------------------------------------------------------------------------

function looksLikeBookTicker(data: JsonObject): boolean {
  return 'u' in data && 's' in data && 'b' in data && 'a' in data;
}

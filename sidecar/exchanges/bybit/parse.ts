/**
 * Bybit v5 public WebSocket frames → ParseResult, spot and linear alike. Data frames carry their
 * topic (`kline.1.BTCUSDT`), which is the Topic.name the hub routes by; control frames (acks,
 * refusals, pongs) carry `op`. Never throws: unexpected input is `malformed` with a reason, valid
 * traffic we do not serve (deeper books, other topics) is `ignore`.
 */
import type { Kline } from '../../market/model';
import { describe, FieldReader, isObject, toDecimal, type JsonObject } from '../decode';
import { eachItem, events, malformed, parseObjectFrame, partialTicker, requestId, type PartialTicker } from '../frames';
import type { ParseResult } from '../types';
import { SPELLING } from './streams';

// ---- raw messages (documented fields we read; others are ignored) -----------------------------

/** Every data frame: `{"topic","type":"snapshot"|"delta","ts","data"}` (+ `cs`/`cts` on some). */
interface RawEnvelope {
  topic: string;
  type: string;
  ts: number;
  data: unknown;
}

/** One item of `kline.<interval>.<symbol>` data (prices and sizes are decimal strings). */
interface RawKline {
  start: number; // open time
  end: number; // close time = start + interval - 1
  interval: string; // Bybit spelling: 1 3 5 … 720 D W M
  open: string;
  close: string;
  high: string;
  low: string;
  volume: string; // base units (spot coins; linear sizes are base coins too)
  turnover: string; // quote units
  confirm: boolean; // true on the final version of the bar
  timestamp: number;
}

/** One fill of `publicTrade.<symbol>` data. */
interface RawTrade {
  T: number; // fill time
  s: string;
  S: string; // taker side: Buy | Sell
  v: string;
  p: string;
  i: string; // trade id: numeric on spot, a UUID on linear
  BT?: boolean; // block trade
}

/**
 * `tickers.<symbol>` data. Spot sends full snapshots without bid/ask; linear sends a snapshot,
 * then deltas holding only the fields that changed.
 */
interface RawTicker {
  symbol: string;
  lastPrice?: string;
  highPrice24h?: string;
  lowPrice24h?: string;
  volume24h?: string; // base units
  turnover24h?: string; // quote units
  bid1Price?: string; // linear only
  bid1Size?: string;
  ask1Price?: string;
  ask1Size?: string;
  markPrice?: string; // linear only
  indexPrice?: string;
  fundingRate?: string;
  nextFundingTime?: string; // ms, as a decimal string
}

/** `orderbook.<depth>.<symbol>` data; levels are `[price, size]` decimal-string pairs. */
interface RawBook {
  s: string;
  b: unknown;
  a: unknown;
  u: number;
}

/** Request outcome or pong: `{"success":true,"ret_msg":"","conn_id":"…","req_id":"7","op":"subscribe"}`. */
interface RawResponse {
  success?: unknown;
  ret_msg?: unknown;
  req_id?: unknown;
  op?: unknown;
}

// ---- entry point -------------------------------------------------------------------------------

/** Parses one text frame from a Bybit public connection; see the module comment. */
export function parseFrame(frame: string): ParseResult {
  return parseObjectFrame(frame, parseObject);
}

function parseObject(json: JsonObject): ParseResult {
  if ('topic' in json) return parseData(json);
  if ('op' in json || 'success' in json) return parseResponse(json as RawResponse);
  return malformed(`unrecognised frame ${describe(json)}`);
}

// ---- control frames ----------------------------------------------------------------------------

/**
 * Acks, refusals and pongs. Pongs come in three shapes: spot `{"success":true,"ret_msg":"pong",
 * "op":"ping"}`, linear the same plus `req_id`, and `{"op":"pong","args":[…]}` elsewhere.
 */
function parseResponse(json: RawResponse): ParseResult {
  const { op, success } = json;
  const message = typeof json.ret_msg === 'string' ? json.ret_msg : '';
  if (op === 'pong' || op === 'ping' || message === 'pong') return { type: 'pong' };
  if (typeof success !== 'boolean') return malformed(`response: field "success" should be a boolean, got ${describe(success)}`);
  if (op !== undefined && typeof op !== 'string') return malformed(`response: field "op" should be a string, got ${describe(op)}`);
  // Only subscription outcomes answer our requests; anything else (auth, …) is not ours.
  if (op !== undefined && op !== 'subscribe' && op !== 'unsubscribe') return { type: 'ignore' };
  // An empty `req_id` (linear's default) is no id.
  const id = requestId(json.req_id);
  if (success) return { type: 'ack', id };
  const text = message !== '' ? message : `request failed: ${describe(json)}`;
  if (id !== undefined) return { type: 'error', id, message: text };
  // Without a request id, name the topics the message names, so only those are refused.
  const topics = op === 'subscribe' ? topicsNamedIn(message) : undefined;
  return topics ? { type: 'error', topics, message: text } : { type: 'error', message: text };
}

/**
 * Topics named by a refusal: `Invalid symbol :[tickers.X]`, `Invalid symbol :[a,b]` or
 * `error:handler not found,topic:kline.7.X`. Undefined when the message names none.
 */
export function topicsNamedIn(message: string): string[] | undefined {
  const bracket = /\[([^\]]+)\]/.exec(message);
  const listed = bracket ? bracket[1] : /topic:\s*(\S+)/.exec(message)?.[1];
  if (listed === undefined) return undefined;
  const topics = listed
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.includes('.'));
  return topics.length > 0 ? topics : undefined;
}

// ---- data frames -------------------------------------------------------------------------------

function parseData(json: JsonObject): ParseResult {
  const env = new FieldReader<RawEnvelope>(json, 'frame');
  const topic = env.string('topic');
  if (env.problem) return malformed(env.problem);
  const read = readerOf(topic);
  // Deeper books, liquidation, tickers_lt, …: valid, but not served.
  if (read === undefined) return { type: 'ignore' };
  const symbol = topicSymbol(topic);
  if (symbol === '') return malformed(`${topic}: the topic names no symbol`);
  return read(json, topic, symbol);
}

/** The reader of a served topic; the level-1 book serves the ticker's best bid/ask. */
function readerOf(topic: string): ((json: JsonObject, topic: string, symbol: string) => ParseResult) | undefined {
  const dot = topic.indexOf('.');
  switch (dot < 0 ? topic : topic.slice(0, dot)) {
    case 'kline':
      return klineEvents;
    case 'publicTrade':
      return tradeEvents;
    case 'tickers':
      return tickerEvent;
    case 'orderbook':
      return topic.startsWith('orderbook.1.') ? bookTickerEvent : undefined;
    default:
      return undefined;
  }
}

/** The symbol part of a topic: everything after the last dot (`kline.5.BTCUSDT` → `BTCUSDT`). */
function topicSymbol(topic: string): string {
  return topic.slice(topic.lastIndexOf('.') + 1);
}

function klineEvents(json: JsonObject, topic: string, symbol: string): ParseResult {
  const items = dataArray(json, topic);
  if (typeof items === 'string') return malformed(items);
  return eachItem(topic, items, (item, what) => {
    const r = new FieldReader<RawKline>(item, what);
    const kline: Kline = {
      openTime: r.int('start'),
      closeTime: r.int('end'),
      open: r.decimal('open'),
      high: r.decimal('high'),
      low: r.decimal('low'),
      close: r.decimal('close'),
      volume: r.decimal('volume'),
      quoteVolume: r.decimal('turnover'),
      closed: r.bool('confirm'),
    };
    const native = r.string('interval');
    if (r.problem) return r.problem;
    const interval = SPELLING.canonical(native);
    if (interval === undefined) return `${what}: field "interval" should be a Bybit interval, got ${describe(native)}`;
    // Bybit publishes no per-bar trade count: `trades` stays undefined.
    return { kind: 'kline', topic, symbol, interval, kline };
  });
}

function tradeEvents(json: JsonObject, topic: string, symbol: string): ParseResult {
  const items = dataArray(json, topic);
  if (typeof items === 'string') return malformed(items);
  return eachItem(topic, items, (item, what) => {
    const r = new FieldReader<RawTrade>(item, what);
    const id = r.string('i');
    const time = r.int('T');
    const price = r.decimal('p');
    const size = r.decimal('v');
    const side = r.string('S');
    if (r.problem) return r.problem;
    if (side !== 'Buy' && side !== 'Sell') return `${what}: field "S" should be Buy or Sell, got ${describe(side)}`;
    return { kind: 'trade', topic, symbol, trade: { id, time, price, size, side: side === 'Buy' ? 'buy' : 'sell' } };
  });
}

/** A partial ticker of the fields present: linear deltas carry only what changed. */
function tickerEvent(json: JsonObject, topic: string, symbol: string): ParseResult {
  const env = new FieldReader<RawEnvelope>(json, topic);
  const time = env.int('ts');
  const r = env.object<RawTicker>('data', `${topic} data`);
  const nextFundingTime = r.optMs('nextFundingTime');
  const ticker = partialTicker({
    time,
    last: r.optDecimal('lastPrice'),
    high24h: r.optDecimal('highPrice24h'),
    low24h: r.optDecimal('lowPrice24h'),
    volume24h: r.optDecimal('volume24h'),
    quoteVolume24h: r.optDecimal('turnover24h'),
    bid: r.optDecimal('bid1Price'),
    bidSize: r.optDecimal('bid1Size'),
    ask: r.optDecimal('ask1Price'),
    askSize: r.optDecimal('ask1Size'),
    markPrice: r.optDecimal('markPrice'),
    indexPrice: r.optDecimal('indexPrice'),
    fundingRate: r.optDecimal('fundingRate'),
    // "0" means no funding.
    nextFundingTime: nextFundingTime === 0 ? undefined : nextFundingTime,
  });
  if (env.problem) return malformed(env.problem);
  // A delta of fields we do not map (open interest, 1 h price) changes nothing we publish.
  if (Object.keys(ticker).length === 1) return { type: 'ignore' };
  return events([{ kind: 'ticker', topic, symbol, ticker }]);
}

/**
 * The level-1 book as the best bid/ask of a partial ticker. Every level-1 message is taken as a
 * full replacement whatever its `type` says (it is snapshot-only; old captures label some `delta`);
 * a side with no level (or size 0) is left out rather than guessed.
 */
function bookTickerEvent(json: JsonObject, topic: string, symbol: string): ParseResult {
  const env = new FieldReader<RawEnvelope>(json, topic);
  const time = env.int('ts');
  if (env.problem) return malformed(env.problem);
  const data = json.data;
  if (!isObject(data)) return malformed(`${topic}: field "data" should be an object, got ${describe(data)}`);
  const book = data as Partial<RawBook>;
  const bids = bestLevel(book.b, `${topic} data.b`);
  const asks = bestLevel(book.a, `${topic} data.a`);
  if (typeof bids === 'string') return malformed(bids);
  if (typeof asks === 'string') return malformed(asks);
  const ticker: PartialTicker = { time };
  if (bids) {
    ticker.bid = bids[0];
    ticker.bidSize = bids[1];
  }
  if (asks) {
    ticker.ask = asks[0];
    ticker.askSize = asks[1];
  }
  if (!bids && !asks) return { type: 'ignore' };
  return events([{ kind: 'ticker', topic, symbol, ticker }]);
}

/** The first `[price, size]` of a side; null when the side is empty or its size is 0; a string reason when malformed. */
function bestLevel(side: unknown, what: string): [number, number] | null | string {
  if (!Array.isArray(side)) return `${what}: expected an array of [price, size] levels, got ${describe(side)}`;
  if (side.length === 0) return null;
  const level: unknown = side[0];
  if (!Array.isArray(level) || level.length < 2) return `${what}[0]: expected [price, size], got ${describe(level)}`;
  const price = toDecimal(level[0]);
  const size = toDecimal(level[1]);
  if (price === undefined || size === undefined) return `${what}[0]: expected decimal price and size, got ${describe(level)}`;
  return size === 0 ? null : [price, size];
}

// ---- helpers -----------------------------------------------------------------------------------

/** The `data` array of a frame, or a string saying why it is not one. */
function dataArray(json: JsonObject, topic: string): unknown[] | string {
  const data = json.data;
  return Array.isArray(data) ? data : `${topic}: field "data" should be an array, got ${describe(data)}`;
}

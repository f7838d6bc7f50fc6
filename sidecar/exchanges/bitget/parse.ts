/**
 * Bitget v2 WebSocket frames → ParseResult. One parser serves both markets: every push, ack and
 * error carries its subscription `arg`, which names the topic (see streams.ts). Never throws:
 * unexpected input is `malformed` with a reason; valid traffic we do not serve (books, other
 * channels and events) is `ignore`.
 *
 * Candles have no closed flag on this exchange, so every streamed bar is `closed: false`; the hub
 * closes bars on its clock and takes their final values from REST. The first push after a candle
 * subscription is a snapshot of many past rows: only its newest row is emitted (the rest is history
 * the hub fetches over REST).
 */
import { closeTime, requireInterval } from '../../market/intervals';
import type { Kline } from '../../market/model';
import { codeMessage } from '../answers';
import { candleValues } from '../candles';
import { describe, FieldReader, isObject, toInteger, type JsonObject } from '../decode';
import { eachItem, events, malformed, parseObjectFrame, partialTicker } from '../frames';
import type { MarketEvent, ParseResult } from '../types';
import { intervalOfChannel, topicName, type Arg } from './streams';

// ---- raw messages (documented fields we read; others are ignored) -----------------------------

/** `{"action":"snapshot"|"update","arg":{…},"data":[…],"ts":1730332858805}` */
interface RawPush {
  action: string;
  arg: Arg;
  data: unknown[];
  ts: number; // push time (JSON number)
}

/** `{"event":"subscribe"|"unsubscribe"|"error","arg":{…},"code":30001,"msg":"…","op":"subscribe"}` */
interface RawEvent {
  event: string;
  arg?: unknown;
  code?: unknown;
  msg?: unknown;
}

/** One element of a `trade` push (newest first in snapshots). */
interface RawTrade {
  ts: string; // ms as a string
  price: string;
  size: string; // base units on both markets
  side: string; // taker side: buy | sell
  tradeId: string;
}

/** A `ticker` element; the futures-only fields are optional. */
interface RawTicker {
  instId: string;
  lastPr: string;
  bidPr: string;
  askPr: string;
  bidSz: string;
  askSz: string;
  high24h: string;
  low24h: string;
  baseVolume: string;
  quoteVolume: string;
  ts: string;
  markPrice?: string;
  indexPrice?: string;
  fundingRate?: string;
  nextFundingTime?: string; // ms as a string
}

/** A candle row: `[startMs, open, high, low, close, baseVol, quoteVol, usdtVol]`, all strings. */
const CANDLE_COLUMNS = { volume: 5, quoteVolume: 6 };

// ---- entry point -------------------------------------------------------------------------------

/** Parses one text frame from a Bitget v2 public connection; see the module comment. */
export function parseFrame(frame: string): ParseResult {
  // The keepalive answer is the bare text `pong`, not JSON.
  if (frame.trim() === 'pong') return { type: 'pong' };
  return parseObjectFrame(frame, parseObject);
}

function parseObject(json: JsonObject): ParseResult {
  if ('event' in json) return parseEvent(json as JsonObject & RawEvent);
  if ('action' in json || 'data' in json) return parsePush(json);
  return malformed(`neither an event nor a data push: ${describe(json)}`);
}

// ---- events (acks and errors) ------------------------------------------------------------------

function parseEvent(json: RawEvent): ParseResult {
  const arg = readArg(json.arg);
  switch (json.event) {
    case 'subscribe':
      if (arg instanceof Error) return malformed(`subscribe ack: ${arg.message}`);
      return { type: 'ack', topics: [topicName(arg)] };
    case 'unsubscribe':
      // Not reported: an ack of an old unsubscribe must not confirm a fresh subscription of the same topic.
      return { type: 'ignore' };
    case 'error': {
      const message = codeMessage(json.code, json.msg, `Bitget refused a request: ${describe(json)}`);
      // Without an arg (e.g. a frame that was not valid JSON) the engine cannot tell which topic failed.
      return arg instanceof Error ? { type: 'error', message } : { type: 'error', topics: [topicName(arg)], message };
    }
    default:
      if (typeof json.event !== 'string') return malformed(`"event" should be a string, got ${describe(json.event)}`);
      // login and other events of private sessions: valid, not ours.
      return { type: 'ignore' };
  }
}

function readArg(value: unknown): Arg | Error {
  if (!isObject(value)) return new Error(`"arg" should be an object, got ${describe(value)}`);
  const { instType, channel, instId } = value as Partial<Record<keyof Arg, unknown>>;
  for (const [key, v] of [['instType', instType], ['channel', channel], ['instId', instId]] as const) {
    if (typeof v !== 'string' || v === '') return new Error(`arg field "${key}" should be a non-empty string, got ${describe(v)}`);
  }
  return { instType: instType as string, channel: channel as string, instId: instId as string };
}

// ---- data pushes -------------------------------------------------------------------------------

function parsePush(json: JsonObject): ParseResult {
  const push = json as Partial<RawPush>;
  const arg = readArg(push.arg);
  if (arg instanceof Error) return malformed(`push: ${arg.message}`);
  const topic = topicName(arg);
  if (!Array.isArray(push.data)) return malformed(`${topic}: "data" should be an array, got ${describe(push.data)}`);
  const pushTime = toInteger(push.ts);
  if (arg.channel === 'trade') return tradeEvents(topic, arg.instId, push.data);
  if (arg.channel === 'ticker') return tickerEvents(topic, arg.instId, push.data, pushTime);
  const interval = intervalOfChannel(arg.channel);
  if (interval !== undefined) return candleEvents(topic, arg.instId, interval, push.data, push.action === 'snapshot');
  // books*, UTC+8 candles, other channels: valid traffic we do not subscribe to.
  return { type: 'ignore' };
}

function tradeEvents(topic: string, symbol: string, data: unknown[]): ParseResult {
  const result = eachItem(topic, data, (item, what) => {
    const r = new FieldReader<RawTrade>(item, what);
    const id = r.string('tradeId');
    const time = r.ms('ts');
    const price = r.decimal('price');
    const size = r.decimal('size');
    const side = r.string('side');
    if (r.problem) return r.problem;
    if (side !== 'buy' && side !== 'sell') return `${what}: field "side" should be buy or sell, got ${describe(side)}`;
    return { kind: 'trade', topic, symbol, trade: { id, time, price, size, side } };
  });
  // Snapshots list the newest first; consumers want time order (ids break ties within a millisecond).
  if (result.type === 'events') result.events.sort(byTradeOrder);
  return result;
}

function tickerEvents(topic: string, symbol: string, data: unknown[], pushTime: number | undefined): ParseResult {
  return eachItem(topic, data, (item, what) => {
    const r = new FieldReader<RawTicker>(item, what);
    // `data[].ts` is the ticker's own time; the push time stands in only when it is absent.
    const time = item.ts === undefined ? pushTime : r.ms('ts');
    if (time === undefined) return `${what}: field "ts" should be epoch milliseconds, got nothing`;
    const nextFundingTime = r.optMs('nextFundingTime');
    const ticker = partialTicker({
      time,
      last: r.optDecimal('lastPr'),
      bid: r.optDecimal('bidPr'),
      bidSize: r.optDecimal('bidSz'),
      ask: r.optDecimal('askPr'),
      askSize: r.optDecimal('askSz'),
      high24h: r.optDecimal('high24h'),
      low24h: r.optDecimal('low24h'),
      volume24h: r.optDecimal('baseVolume'),
      quoteVolume24h: r.optDecimal('quoteVolume'),
      markPrice: r.optDecimal('markPrice'),
      indexPrice: r.optDecimal('indexPrice'),
      fundingRate: r.optDecimal('fundingRate'),
      // 0 means "none" (a contract without funding).
      nextFundingTime: nextFundingTime === 0 ? undefined : nextFundingTime,
    });
    if (r.problem) return r.problem;
    return { kind: 'ticker', topic, symbol, ticker };
  });
}

function candleEvents(topic: string, symbol: string, interval: string, data: unknown[], snapshot: boolean): ParseResult {
  const bars = requireInterval(interval);
  const klines: Kline[] = [];
  for (const [index, row] of data.entries()) {
    const values = candleValues(row, CANDLE_COLUMNS);
    if (typeof values === 'string') return malformed(`${topic} data[${index}]: ${values}`);
    // No closed flag exists: a streamed bar is never declared closed here (see the module comment).
    klines.push({ ...values, closeTime: closeTime(bars, values.openTime), closed: false });
  }
  klines.sort((a, b) => a.openTime - b.openTime);
  // A snapshot's older rows are history (REST serves it); only the bar in progress is live news.
  const emitted = snapshot ? klines.slice(-1) : klines;
  return events(emitted.map((kline): MarketEvent => ({ kind: 'kline', topic, symbol, interval, kline })));
}

// ---- helpers -----------------------------------------------------------------------------------

/** Time order; within a millisecond, id order (numeric when both are digit strings: Bitget's have 19 digits). */
function byTradeOrder(a: MarketEvent, b: MarketEvent): number {
  if (a.kind !== 'trade' || b.kind !== 'trade') return 0;
  const [x, y] = [a.trade.id, b.trade.id];
  const byLength = /^\d+$/.test(x) && /^\d+$/.test(y) ? x.length - y.length : 0;
  return a.trade.time - b.trade.time || byLength || (x < y ? -1 : x > y ? 1 : 0);
}

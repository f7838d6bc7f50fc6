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
import { closeTime, parseInterval, type Interval } from '../../market/intervals';
import type { Kline, Ticker, Trade } from '../../market/model';
import { describe, FieldReader, isObject, parseJson, toDecimal, type JsonObject } from '../decode';
import type { MarketEvent, ParseResult } from '../types';
import { intervalOfChannel, topicName, type Arg } from './streams';
import { codeMessage, compareIds, msOf } from './wire';

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
type RawCandleRow = [string, string, string, string, string, string, string, ...string[]];

// ---- entry point -------------------------------------------------------------------------------

/** Parses one text frame from a Bitget v2 public connection; see the module comment. */
export function parseFrame(frame: string): ParseResult {
  try {
    return parseText(frame);
  } catch (err) {
    // Unreachable by design; kept so a parser bug is counted as malformed, never a crash.
    return malformed(`parser error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseText(frame: string): ParseResult {
  // The keepalive answer is the bare text `pong`, not JSON.
  if (frame.trim() === 'pong') return { type: 'pong' };
  const json = parseJson(frame);
  if (json instanceof Error) return malformed(`not JSON (${json.message}): ${snippet(frame)}`);
  if (!isObject(json)) return malformed(`expected a JSON object, got ${describe(json)}`);
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
      const message = codeMessage(json) ?? `Bitget refused a request: ${describe(json)}`;
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
  const pushTime = msOf(push.ts);
  if (arg.channel === 'trade') return tradeEvents(topic, arg.instId, push.data);
  if (arg.channel === 'ticker') return tickerEvents(topic, arg.instId, push.data, pushTime);
  const interval = intervalOfChannel(arg.channel);
  if (interval !== undefined) return candleEvents(topic, arg.instId, interval, push.data, push.action === 'snapshot');
  // books*, UTC+8 candles, other channels: valid traffic we do not subscribe to.
  return { type: 'ignore' };
}

function tradeEvents(topic: string, symbol: string, data: unknown[]): ParseResult {
  const trades: Trade[] = [];
  for (const [index, item] of data.entries()) {
    if (!isObject(item)) return malformed(`${topic} data[${index}]: expected an object, got ${describe(item)}`);
    const r = new FieldReader<RawTrade>(item, `${topic} data[${index}]`);
    const id = r.string('tradeId');
    const price = r.decimal('price');
    const size = r.decimal('size');
    const side = r.string('side');
    if (r.problem) return malformed(r.problem);
    const time = msOf(item.ts);
    if (time === undefined) return malformed(`${topic} data[${index}]: field "ts" should be milliseconds, got ${describe(item.ts)}`);
    if (side !== 'buy' && side !== 'sell') return malformed(`${topic} data[${index}]: field "side" should be buy or sell, got ${describe(side)}`);
    trades.push({ id, time, price, size, side });
  }
  // Snapshots list the newest first; consumers want time order (ids break ties within a millisecond).
  trades.sort((a, b) => a.time - b.time || compareIds(a.id, b.id));
  return events(trades.map((trade): MarketEvent => ({ kind: 'trade', topic, symbol, trade })));
}

function tickerEvents(topic: string, symbol: string, data: unknown[], pushTime: number | undefined): ParseResult {
  const out: MarketEvent[] = [];
  for (const [index, item] of data.entries()) {
    if (!isObject(item)) return malformed(`${topic} data[${index}]: expected an object, got ${describe(item)}`);
    const what = `${topic} data[${index}]`;
    const r = new FieldReader<RawTicker>(item, what);
    // `data[].ts` is the ticker's own time; the push time stands in only when it is absent.
    const time = item.ts === undefined ? pushTime : msOf(item.ts);
    if (time === undefined) return malformed(`${what}: field "ts" should be milliseconds, got ${describe(item.ts)}`);
    const nextFunding = item.nextFundingTime === undefined || item.nextFundingTime === '' ? undefined : msOf(item.nextFundingTime);
    if (item.nextFundingTime !== undefined && item.nextFundingTime !== '' && nextFunding === undefined) {
      return malformed(`${what}: field "nextFundingTime" should be milliseconds, got ${describe(item.nextFundingTime)}`);
    }
    const ticker = defined({
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
      nextFundingTime: nextFunding === 0 ? undefined : nextFunding,
    });
    if (r.problem) return malformed(r.problem);
    out.push({ kind: 'ticker', topic, symbol, ticker });
  }
  return events(out);
}

function candleEvents(topic: string, symbol: string, interval: string, data: unknown[], snapshot: boolean): ParseResult {
  const iv = parseInterval(interval);
  if (iv instanceof Error) return malformed(`${topic}: ${iv.message}`);
  const klines: Kline[] = [];
  for (const [index, row] of data.entries()) {
    const kline = candleRow(row, iv);
    if (kline instanceof Error) return malformed(`${topic} data[${index}]: ${kline.message}`);
    klines.push(kline);
  }
  klines.sort((a, b) => a.openTime - b.openTime);
  // A snapshot's older rows are history (REST serves it); only the bar in progress is live news.
  const emitted = snapshot ? klines.slice(-1) : klines;
  return events(emitted.map((kline): MarketEvent => ({ kind: 'kline', topic, symbol, interval, kline })));
}

function candleRow(row: unknown, iv: Interval): Kline | Error {
  if (!Array.isArray(row) || row.length < 7) return new Error(`expected an array of at least 7 items, got ${describe(row)}`);
  const cells = row as RawCandleRow;
  const openTime = msOf(cells[0]);
  if (openTime === undefined) return new Error(`item 0 should be the start time in ms, got ${describe(cells[0])}`);
  const nums: number[] = [];
  for (let i = 1; i <= 6; i++) {
    const n = toDecimal(cells[i]);
    if (n === undefined) return new Error(`item ${i} should be a decimal number, got ${describe(cells[i])}`);
    nums.push(n);
  }
  const [open, high, low, close, volume, quoteVolume] = nums;
  // No closed flag exists: a streamed bar is never declared closed here (see the module comment).
  return { openTime, closeTime: closeTime(iv, openTime), open, high, low, close, volume, quoteVolume, closed: false };
}

// ---- helpers -----------------------------------------------------------------------------------

/** Drops undefined fields: the hub merges partial tickers, and an explicit undefined would erase. */
function defined<T extends { time: number }>(ticker: T): Partial<Ticker> & { time: number } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(ticker)) if (value !== undefined) out[key] = value;
  return out as Partial<Ticker> & { time: number };
}

function events(list: MarketEvent[]): ParseResult {
  return list.length === 0 ? { type: 'ignore' } : { type: 'events', events: list };
}

function malformed(reason: string): ParseResult {
  return { type: 'malformed', reason };
}

function snippet(text: string): string {
  return text.length > 80 ? `${JSON.stringify(text.slice(0, 77))}...` : JSON.stringify(text);
}

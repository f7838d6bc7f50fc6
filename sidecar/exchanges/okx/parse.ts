/**
 * OKX v5 WebSocket frames → ParseResult, for one market. Every push names its channel and
 * instrument in `arg`, which is the Topic.name the hub routes by (`<channel>:<instId>`). Never
 * throws: unexpected input is `malformed` with a reason, valid traffic we do not serve (books,
 * open-interest, other events) is `ignore`.
 *
 * SWAP trade sizes are contracts and need the instrument's contract size. A trade that arrives
 * before the instrument list is HELD (not emitted with a wrong size, not dropped): it is converted
 * and emitted before the next trades of its instrument once the size is known. The hold is bounded;
 * beyond it a frame is reported malformed with the reason. (The hub loads instruments before it
 * subscribes, so holding only happens when that load failed.) Ticker best bid/ask sizes have no
 * such need for continuity: until the size is known they are simply left out.
 */
import type { Market, Ticker, Trade } from '../../market/model';
import { describe, FieldReader, isObject, parseJson, type JsonObject } from '../decode';
import type { MarketEvent, ParseResult } from '../types';
import { candleRow } from './candles';
import type { ContractSizes } from './contracts';
import { intervalOfBar, topicName } from './streams';
import { msOf } from './time';

// ---- raw messages (documented fields we read; others are ignored) -----------------------------

/** The channel and instrument a push or an event is about. */
interface RawArg {
  channel: string;
  instId: string;
}

/** A data push: `{"arg":{…},"data":[…]}` (books add `action`). */
interface RawPush {
  arg: RawArg;
  data: unknown[];
}

/** `{"event":"subscribe"|"unsubscribe"|"error"|"notice",…}`. */
interface RawEvent {
  event: string;
  id?: string;
  arg?: RawArg;
  code?: string;
  msg?: string;
  connId?: string;
}

/** `trades`: `sz` in base units on SPOT, in contracts on SWAP; `side` is the taker side. */
interface RawTrade {
  instId: string;
  tradeId: string;
  px: string;
  sz: string;
  side: string;
  ts: string;
  /** Fills of one taker order at one price merged into this row (absent in older captures). */
  count?: string;
}

/** `tickers` (24 h rolling). SWAP: `vol24h` and sizes in contracts, `volCcy24h` in base; SPOT: `vol24h` base, `volCcy24h` quote. */
interface RawTicker {
  instType: string;
  instId: string;
  last: string;
  askPx: string;
  askSz: string;
  bidPx: string;
  bidSz: string;
  high24h: string;
  low24h: string;
  vol24h: string;
  volCcy24h: string;
  ts: string;
}

/** `mark-price`. */
interface RawMarkPrice {
  instId: string;
  markPx: string;
  ts: string;
}

/** `funding-rate`: `fundingRate` settles at `fundingTime`; `ts` is absent in older captures. */
interface RawFundingRate {
  instId: string;
  fundingRate: string;
  fundingTime: string;
  ts?: string;
}

/** OKX's "Wrong URL or channel:candle1m,instId:XYZ doesn't exist…" (60018) names the refused arg. */
const REFUSED_ARG = /channel:\s*([^,\s]+)\s*,\s*instId:\s*([^\s,]+)/;
const SERVICE_UPGRADE = '64008';

/** Most trades held for instruments whose contract size is not known yet. */
export const MAX_HELD_TRADES = 10_000;

/** A trade read from the wire, size still in the wire's unit. */
interface WireTrade {
  topic: string;
  instId: string;
  id: string;
  time: number;
  price: number;
  size: number;
  side: Trade['side'];
  count?: number;
}

// ---- entry point -------------------------------------------------------------------------------

/** The parser of one OKX market; holds SWAP trades until their contract size is known. */
export class OkxParser {
  private readonly held = new Map<string, WireTrade[]>();
  private heldCount = 0;

  constructor(
    private readonly market: Market,
    private readonly contracts: ContractSizes,
  ) {}

  /** Trades waiting for their instrument's contract size. */
  get heldTrades(): number {
    return this.heldCount;
  }

  /** Parses one text frame; see the module comment. */
  parse(frame: string): ParseResult {
    try {
      return this.parseText(frame);
    } catch (err) {
      // Unreachable by design; kept so a parser bug is counted as malformed, never a crash.
      return malformed(`parser error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private parseText(frame: string): ParseResult {
    // The heartbeat answer is the bare text `pong`, not JSON.
    if (frame === 'pong') return { type: 'pong' };
    const json = parseJson(frame);
    if (json instanceof Error) return malformed(`not JSON (${json.message}): ${snippet(frame)}`);
    if (!isObject(json)) return malformed(`expected a JSON object, got ${describe(json)}`);
    if ('event' in json) return eventFrame(json);
    if ('arg' in json || 'data' in json) return this.push(json);
    return malformed(`neither an event nor a data push: ${describe(json)}`);
  }

  private push(json: JsonObject): ParseResult {
    const r = new FieldReader<RawPush>(json, 'push');
    const a = r.object<RawArg>('arg', 'push arg');
    const channel = a.string('channel');
    if (r.problem) return malformed(r.problem);
    const data = json.data;
    if (!Array.isArray(data)) return malformed(`${channel}: "data" should be an array, got ${describe(data)}`);
    const served = channel.startsWith('candle') || ['trades', 'tickers', 'mark-price', 'funding-rate'].includes(channel);
    // Books, open-interest, instrument-family channels…: valid, not served.
    if (!served) return { type: 'ignore' };
    const instId = a.string('instId');
    if (r.problem) return malformed(r.problem);
    const topic = topicName(channel, instId);
    if (channel.startsWith('candle')) return this.candles(topic, channel, instId, data);
    if (channel === 'trades') return this.trades(topic, instId, data);
    if (channel === 'tickers') return this.tickers(topic, instId, data);
    if (channel === 'mark-price') return eachItem(topic, data, (item) => markPrice(topic, instId, item));
    return eachItem(topic, data, (item) => fundingRate(topic, instId, item));
  }

  // ---- candles ---------------------------------------------------------------------------------

  private candles(topic: string, channel: string, instId: string, rows: unknown[]): ParseResult {
    const interval = intervalOfBar(channel.slice('candle'.length));
    // UTC+8 bars, 3D, 3M…: valid channels we never subscribe to.
    if (interval === undefined) return { type: 'ignore' };
    const events: MarketEvent[] = [];
    for (const [index, row] of rows.entries()) {
      const kline = candleRow(this.market, interval, row);
      if (typeof kline === 'string') return malformed(`${topic} row ${index}: ${kline}`);
      events.push({ kind: 'kline', topic, symbol: instId, interval, kline });
    }
    return { type: 'events', events };
  }

  // ---- trades ----------------------------------------------------------------------------------

  private trades(topic: string, instId: string, data: unknown[]): ParseResult {
    const wire: WireTrade[] = [];
    for (const [index, item] of data.entries()) {
      const t = wireTrade(topic, instId, item, index);
      if (typeof t === 'string') return malformed(t);
      wire.push(t);
    }
    if (this.market === 'spot') return { type: 'events', events: wire.map((t) => tradeEvent(t, t.size)) };
    if (this.contracts.get(instId) === undefined) return this.hold(instId, wire);
    const events: MarketEvent[] = [];
    for (const t of [...this.release(instId), ...wire]) {
      events.push(tradeEvent(t, this.contracts.toBase(instId, t.size) as number));
    }
    return { type: 'events', events };
  }

  private hold(instId: string, trades: WireTrade[]): ParseResult {
    if (this.heldCount + trades.length > MAX_HELD_TRADES) {
      return malformed(
        `${instId} trades: size in contracts, but the contract size of ${instId} is unknown (instrument list not loaded) ` +
          `and ${this.heldCount} trades are already held; trade ${trades.map((t) => t.id).join(', ')} not converted`,
      );
    }
    const list = this.held.get(instId) ?? [];
    list.push(...trades);
    this.held.set(instId, list);
    this.heldCount += trades.length;
    return { type: 'events', events: [] };
  }

  private release(instId: string): WireTrade[] {
    const list = this.held.get(instId);
    if (!list) return [];
    this.held.delete(instId);
    this.heldCount -= list.length;
    return list;
  }

  // ---- tickers ---------------------------------------------------------------------------------

  private tickers(topic: string, instId: string, data: unknown[]): ParseResult {
    return eachItem(topic, data, (item) => {
      const r = new FieldReader<RawTicker>(item, topic);
      const swap = this.market === 'perp';
      const tsText = r.string('ts');
      const bidSz = r.optDecimal('bidSz');
      const askSz = r.optDecimal('askSz');
      const fields: Partial<Ticker> = {
        last: r.optDecimal('last'),
        bid: r.optDecimal('bidPx'),
        ask: r.optDecimal('askPx'),
        high24h: r.optDecimal('high24h'),
        low24h: r.optDecimal('low24h'),
        // SWAP `vol24h` counts contracts; its `volCcy24h` is the base volume (and no quote volume is given).
        volume24h: swap ? r.optDecimal('volCcy24h') : r.optDecimal('vol24h'),
        quoteVolume24h: swap ? undefined : r.optDecimal('volCcy24h'),
        bidSize: bidSz === undefined || !swap ? bidSz : this.contracts.toBase(instId, bidSz),
        askSize: askSz === undefined || !swap ? askSz : this.contracts.toBase(instId, askSz),
      };
      if (r.problem) return r.problem;
      const time = msOf(tsText);
      if (time === undefined) return badTime(topic, 'ts', tsText);
      return { kind: 'ticker', topic, symbol: instId, ticker: defined({ time, ...fields }) };
    });
  }
}

// ---- mappers -----------------------------------------------------------------------------------

function wireTrade(topic: string, instId: string, item: unknown, index: number): WireTrade | string {
  if (!isObject(item)) return `${topic} data[${index}]: expected an object, got ${describe(item)}`;
  const r = new FieldReader<RawTrade>(item, `${topic} data[${index}]`);
  const id = r.string('tradeId');
  const price = r.decimal('px');
  const size = r.decimal('sz');
  const side = r.string('side');
  const tsText = r.string('ts');
  const countText = item.count;
  if (r.problem) return r.problem;
  if (side !== 'buy' && side !== 'sell') return `${topic} data[${index}]: field "side" should be "buy" or "sell", got ${describe(side)}`;
  const time = msOf(tsText);
  if (time === undefined) return `${topic} data[${index}]: field "ts" should be epoch milliseconds, got ${describe(tsText)}`;
  const trade: WireTrade = { topic, instId, id, time, price, size, side };
  if (countText !== undefined && countText !== '') {
    const count = msOf(countText);
    if (count === undefined || count < 1) return `${topic} data[${index}]: field "count" should be a positive integer, got ${describe(countText)}`;
    trade.count = count;
  }
  return trade;
}

function tradeEvent(t: WireTrade, size: number): MarketEvent {
  const event: MarketEvent = { kind: 'trade', topic: t.topic, symbol: t.instId, trade: { id: t.id, time: t.time, price: t.price, size, side: t.side } };
  if (t.count !== undefined) event.count = t.count;
  return event;
}

function markPrice(topic: string, instId: string, item: JsonObject): MarketEvent | string {
  const r = new FieldReader<RawMarkPrice>(item, topic);
  const markPx = r.decimal('markPx');
  const tsText = r.string('ts');
  if (r.problem) return r.problem;
  const time = msOf(tsText);
  if (time === undefined) return badTime(topic, 'ts', tsText);
  return { kind: 'ticker', topic, symbol: instId, ticker: { time, markPrice: markPx } };
}

/**
 * `fundingTime` is when the current `fundingRate` settles: the normalized nextFundingTime. Frames
 * without `ts` get time 0, which the hub stamps with its own clock (an adapter has none).
 */
function fundingRate(topic: string, instId: string, item: JsonObject): MarketEvent | string {
  const r = new FieldReader<RawFundingRate>(item, topic);
  const rate = r.decimal('fundingRate');
  const fundingText = r.string('fundingTime');
  if (r.problem) return r.problem;
  const nextFundingTime = msOf(fundingText);
  if (nextFundingTime === undefined) return badTime(topic, 'fundingTime', fundingText);
  let time = 0;
  if (item.ts !== undefined && item.ts !== '') {
    const ts = msOf(item.ts);
    if (ts === undefined) return badTime(topic, 'ts', item.ts);
    time = ts;
  }
  return { kind: 'ticker', topic, symbol: instId, ticker: { time, fundingRate: rate, nextFundingTime } };
}

/** Maps every object of `data` with `map` (a string result is a problem: the frame is malformed). */
function eachItem(topic: string, data: unknown[], map: (item: JsonObject) => MarketEvent | string): ParseResult {
  const events: MarketEvent[] = [];
  for (const [index, item] of data.entries()) {
    if (!isObject(item)) return malformed(`${topic} data[${index}]: expected an object, got ${describe(item)}`);
    const event = map(item);
    if (typeof event === 'string') return malformed(event);
    events.push(event);
  }
  return { type: 'events', events };
}

// ---- events (acks, errors, notices) ------------------------------------------------------------

function eventFrame(json: JsonObject): ParseResult {
  const ev = json as Partial<RawEvent> & JsonObject;
  if (typeof ev.event !== 'string') return malformed(`"event" should be a string, got ${describe(ev.event)}`);
  switch (ev.event) {
    case 'subscribe': {
      const topic = argTopic(ev.arg);
      if (topic === undefined) return malformed(`subscribe ack without a {channel, instId} arg: ${describe(json)}`);
      // Acked by topic, not by id: OKX acks each arg of a request on its own, and the request must
      // stay open for an error that names only its id.
      return { type: 'ack', topics: [topic] };
    }
    case 'unsubscribe':
      return { type: 'ignore' };
    case 'error':
      return errorEvent(ev);
    case 'notice':
      if (String(ev.code) === SERVICE_UPGRADE) {
        return { type: 'closing', message: `${typeof ev.msg === 'string' && ev.msg ? ev.msg : 'service upgrade'} (code ${SERVICE_UPGRADE})` };
      }
      return { type: 'ignore' };
    default:
      // login, channel-conn-count, …: valid, nothing for us.
      return { type: 'ignore' };
  }
}

/**
 * A refusal. The topic comes from `arg` when present, else from the message (60018 names the
 * channel and instId it refused), so exactly that topic is rejected; only when neither says which
 * does the request id (if echoed) stand for the whole request.
 */
function errorEvent(ev: Partial<RawEvent> & JsonObject): ParseResult {
  const msg = typeof ev.msg === 'string' && ev.msg !== '' ? ev.msg : 'request refused';
  const message = ev.code === undefined || ev.code === '' ? msg : `${msg} (code ${String(ev.code)})`;
  let topic = argTopic(ev.arg);
  if (topic === undefined) {
    const m = REFUSED_ARG.exec(msg);
    if (m) topic = topicName(m[1], m[2]);
  }
  if (topic !== undefined) return { type: 'error', topics: [topic], message };
  const id = typeof ev.id === 'string' && ev.id !== '' ? ev.id : typeof ev.id === 'number' ? ev.id : undefined;
  return id === undefined ? { type: 'error', message } : { type: 'error', id, message };
}

function argTopic(arg: unknown): string | undefined {
  if (!isObject(arg)) return undefined;
  const { channel, instId } = arg as Partial<RawArg>;
  if (typeof channel !== 'string' || channel === '' || typeof instId !== 'string' || instId === '') return undefined;
  return topicName(channel, instId);
}

// ---- helpers -----------------------------------------------------------------------------------

function badTime(topic: string, field: string, value: unknown): string {
  return `${topic}: field "${field}" should be epoch milliseconds, got ${describe(value)}`;
}

/** Drops undefined fields: the hub merges partial tickers, and an explicit undefined would erase. */
function defined(ticker: Partial<Ticker> & { time: number }): Partial<Ticker> & { time: number } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(ticker)) if (value !== undefined) out[key] = value;
  return out as Partial<Ticker> & { time: number };
}

function malformed(reason: string): ParseResult {
  return { type: 'malformed', reason };
}

function snippet(text: string): string {
  return text.length > 80 ? `${JSON.stringify(text.slice(0, 77))}...` : JSON.stringify(text);
}

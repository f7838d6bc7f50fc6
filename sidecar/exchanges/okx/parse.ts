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
import { requireInterval } from '../../market/intervals';
import type { Market, Trade } from '../../market/model';
import { codeMessage } from '../answers';
import { describe, FieldReader, isObject, toInteger, type JsonObject } from '../decode';
import { eachItem, events, malformed, parseObjectFrame, partialTicker, requestId } from '../frames';
import type { MarketEvent, ParseResult } from '../types';
import { candleRow } from './candles';
import type { ContractSizes } from './contracts';
import { intervalOfBar, topicName } from './streams';

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
    // The heartbeat answer is the bare text `pong`, not JSON.
    if (frame === 'pong') return { type: 'pong' };
    return parseObjectFrame(frame, (json) => this.parseObject(json));
  }

  private parseObject(json: JsonObject): ParseResult {
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
    if (channel === 'mark-price') return eachItem(topic, data, (item, what) => markPrice(topic, instId, item, what));
    return eachItem(topic, data, (item, what) => fundingRate(topic, instId, item, what));
  }

  // ---- candles ---------------------------------------------------------------------------------

  private candles(topic: string, channel: string, instId: string, rows: unknown[]): ParseResult {
    const interval = intervalOfBar(channel.slice('candle'.length));
    // UTC+8 bars, 3D, 3M…: valid channels we never subscribe to.
    if (interval === undefined) return { type: 'ignore' };
    const bars = requireInterval(interval);
    const list: MarketEvent[] = [];
    for (const [index, row] of rows.entries()) {
      const kline = candleRow(this.market, bars, row);
      if (typeof kline === 'string') return malformed(`${topic} row ${index}: ${kline}`);
      list.push({ kind: 'kline', topic, symbol: instId, interval, kline });
    }
    return events(list);
  }

  // ---- trades ----------------------------------------------------------------------------------

  private trades(topic: string, instId: string, data: unknown[]): ParseResult {
    const wire: WireTrade[] = [];
    for (const [index, item] of data.entries()) {
      const t = wireTrade(topic, instId, item, `${topic} data[${index}]`);
      if (typeof t === 'string') return malformed(t);
      wire.push(t);
    }
    if (this.market === 'spot') return events(wire.map((t) => tradeEvent(t, t.size)));
    if (this.contracts.get(instId) === undefined) return this.hold(instId, wire);
    return events([...this.release(instId), ...wire].map((t) => tradeEvent(t, this.contracts.toBase(instId, t.size) as number)));
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
    return events([]);
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
    const swap = this.market === 'perp';
    // SWAP sizes count contracts; until the contract size is known they are left out.
    const size = (value: number | undefined) => (value === undefined || !swap ? value : this.contracts.toBase(instId, value));
    return eachItem(topic, data, (item, what) => {
      const r = new FieldReader<RawTicker>(item, what);
      const ticker = partialTicker({
        time: r.ms('ts'),
        last: r.optDecimal('last'),
        bid: r.optDecimal('bidPx'),
        bidSize: size(r.optDecimal('bidSz')),
        ask: r.optDecimal('askPx'),
        askSize: size(r.optDecimal('askSz')),
        high24h: r.optDecimal('high24h'),
        low24h: r.optDecimal('low24h'),
        // SWAP `vol24h` counts contracts; its `volCcy24h` is the base volume (and no quote volume is given).
        volume24h: swap ? r.optDecimal('volCcy24h') : r.optDecimal('vol24h'),
        quoteVolume24h: swap ? undefined : r.optDecimal('volCcy24h'),
      });
      if (r.problem) return r.problem;
      return { kind: 'ticker', topic, symbol: instId, ticker };
    });
  }
}

// ---- mappers -----------------------------------------------------------------------------------

function wireTrade(topic: string, instId: string, item: unknown, what: string): WireTrade | string {
  if (!isObject(item)) return `${what}: expected an object, got ${describe(item)}`;
  const r = new FieldReader<RawTrade>(item, what);
  const id = r.string('tradeId');
  const price = r.decimal('px');
  const size = r.decimal('sz');
  const side = r.string('side');
  const time = r.ms('ts');
  if (r.problem) return r.problem;
  if (side !== 'buy' && side !== 'sell') return `${what}: field "side" should be "buy" or "sell", got ${describe(side)}`;
  const trade: WireTrade = { topic, instId, id, time, price, size, side };
  if (item.count !== undefined && item.count !== '') {
    const count = toInteger(item.count);
    if (count === undefined || count < 1) return `${what}: field "count" should be a positive integer, got ${describe(item.count)}`;
    trade.count = count;
  }
  return trade;
}

function tradeEvent(t: WireTrade, size: number): MarketEvent {
  const event: MarketEvent = { kind: 'trade', topic: t.topic, symbol: t.instId, trade: { id: t.id, time: t.time, price: t.price, size, side: t.side } };
  if (t.count !== undefined) event.count = t.count;
  return event;
}

function markPrice(topic: string, instId: string, item: JsonObject, what: string): MarketEvent | string {
  const r = new FieldReader<RawMarkPrice>(item, what);
  const markPx = r.decimal('markPx');
  const time = r.ms('ts');
  if (r.problem) return r.problem;
  return { kind: 'ticker', topic, symbol: instId, ticker: { time, markPrice: markPx } };
}

/**
 * `fundingTime` is when the current `fundingRate` settles: the normalized nextFundingTime. Frames
 * without `ts` get time 0, which the hub stamps with its own clock (an adapter has none).
 */
function fundingRate(topic: string, instId: string, item: JsonObject, what: string): MarketEvent | string {
  const r = new FieldReader<RawFundingRate>(item, what);
  const rate = r.decimal('fundingRate');
  const nextFundingTime = r.ms('fundingTime');
  const time = r.optMs('ts') ?? 0;
  if (r.problem) return r.problem;
  return { kind: 'ticker', topic, symbol: instId, ticker: { time, fundingRate: rate, nextFundingTime } };
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
      if (String(ev.code) === SERVICE_UPGRADE) return { type: 'closing', message: codeMessage(SERVICE_UPGRADE, ev.msg, 'service upgrade') };
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
  const message = codeMessage(ev.code, ev.msg, 'request refused');
  let topic = argTopic(ev.arg);
  if (topic === undefined) {
    const m = REFUSED_ARG.exec(typeof ev.msg === 'string' ? ev.msg : '');
    if (m) topic = topicName(m[1], m[2]);
  }
  if (topic !== undefined) return { type: 'error', topics: [topic], message };
  return { type: 'error', id: requestId(ev.id), message };
}

function argTopic(arg: unknown): string | undefined {
  if (!isObject(arg)) return undefined;
  const { channel, instId } = arg as Partial<RawArg>;
  if (typeof channel !== 'string' || channel === '' || typeof instId !== 'string' || instId === '') return undefined;
  return topicName(channel, instId);
}

/**
 * OKX REST: candle pages and instrument lists. Pure apart from an injectable clock: which candle
 * endpoint serves a page depends on how far back it reaches. The parse functions throw an Error
 * naming the problem when a body is not in the documented format (the contract's return types
 * leave no other channel); the REST caller turns it into a value.
 *
 * Pages run newest first (`pageFrom: 'newest'`) and the bounds are exclusive: `after=<ts>` returns
 * rows older than ts, `before=<ts>` rows newer than ts. An inclusive startTime S is therefore
 * `before=S-1` and an inclusive endTime E is `after=E+1`.
 *
 * Endpoint choice: `/market/candles` reaches only the latest 1440 bars and has no 1s bars;
 * `/market/history-candles` reaches years back (1s: 3 months) at half the rate limit. A page whose
 * oldest possible row lies beyond the recent reach (with a margin for clock skew), or any 1s page,
 * goes to history-candles; everything else to candles.
 */
import { parseInterval } from '../../market/intervals';
import type { Instrument, Kline, Market } from '../../market/model';
import { formatUnified } from '../symbols';
import type { HttpRequest, KlinePageQuery, RestProtocol } from '../types';
import { describe, FieldReader, isObject, parseJson, toDecimal, type JsonObject } from '../decode';
import { contractsToBase } from './contracts';
import { candleRow } from './candles';
import { KlineBars } from './rest-bars';
import { barOf } from './streams';

// ---- raw messages ------------------------------------------------------------------------------

/** Every OKX REST answer: `code` "0" is success, anything else an error named by `msg`. */
interface RawEnvelope {
  code: string;
  msg: string;
  data: unknown;
}

/** `GET /api/v5/public/instruments` entry (only what we read). SWAP leaves baseCcy/quoteCcy empty. */
interface RawInstrument {
  instType: string;
  instId: string;
  baseCcy: string;
  quoteCcy: string;
  settleCcy: string;
  ctVal: string;
  ctType: string; // linear | inverse (SWAP)
  ctValCcy: string;
  instFamily: string;
  tickSz: string;
  lotSz: string;
  state: string; // live | suspend | preopen | test
}

// ---- paths and limits --------------------------------------------------------------------------

export const CANDLES_PATH = '/api/v5/market/candles';
export const HISTORY_CANDLES_PATH = '/api/v5/market/history-candles';
export const INSTRUMENTS_PATH = '/api/v5/public/instruments';
/** Rows per page on both candle endpoints. */
export const MAX_LIMIT = 300;
/** Bars `/market/candles` can reach, the forming one included. */
export const RECENT_BARS = 1440;
/** Bars of that reach not relied upon: our clock and the exchange's may disagree a little. */
const REACH_MARGIN_BARS = 40;
/** Stand-in length of a month when deciding the reach (1440 months never runs out anyway). */
const MONTH_MS = 31 * 86_400_000;

const INST_TYPE: Record<Market, string> = { spot: 'SPOT', perp: 'SWAP' };

/** The REST protocol of one OKX market rooted at `baseUrl`; `clock` decides the endpoint of a page. */
export function restProtocol(market: Market, baseUrl: string, clock: () => number = Date.now): RestProtocol {
  const base = baseUrl.replace(/\/+$/, '');
  const bars = new KlineBars();
  return {
    klines: {
      maxLimit: MAX_LIMIT,
      pageFrom: 'newest',
      request: (q) => {
        bars.remember(q);
        return klinesRequest(market, base, q, clock());
      },
      parse: (body, now, q?: KlinePageQuery) => parseKlines(market, body, now, (opens) => q?.interval ?? bars.intervalOf(opens)),
    },
    instruments: {
      request: (): HttpRequest => ({ url: `${base}${INSTRUMENTS_PATH}?instType=${INST_TYPE[market]}` }),
      parse: (body) => parseInstruments(market, body),
    },
    errorMessage,
  };
}

/**
 * The URL of one candle page. Throws for an interval OKX does not have (the hub only asks for
 * native ones, so that is a caller bug).
 */
export function klinesRequest(market: Market, base: string, q: KlinePageQuery, now: number): HttpRequest {
  const bar = barOf(market, q.interval);
  if (bar instanceof Error) throw bar;
  const params = new URLSearchParams({ instId: q.symbol, bar });
  if (q.endTime !== undefined) params.set('after', String(q.endTime + 1));
  if (q.startTime !== undefined && q.startTime > 0) params.set('before', String(q.startTime - 1));
  params.set('limit', String(Math.max(1, Math.min(MAX_LIMIT, q.limit))));
  const path = needsHistory(q, now) ? HISTORY_CANDLES_PATH : CANDLES_PATH;
  return { url: `${base}${path}?${params.toString()}` };
}

/** True when the page may reach older bars than `/market/candles` serves, or wants 1s bars. */
export function needsHistory(q: KlinePageQuery, now: number): boolean {
  if (q.interval === '1s') return true;
  const iv = parseInterval(q.interval);
  const ms = iv instanceof Error ? MONTH_MS : (iv.ms ?? MONTH_MS);
  const newest = Math.min(q.endTime ?? now, now);
  // A newest-first page holds at most `limit` bars up to `newest`, and none before startTime.
  const oldest = Math.max(q.startTime ?? Number.NEGATIVE_INFINITY, newest - q.limit * ms);
  return oldest < now - (RECENT_BARS - REACH_MARGIN_BARS) * ms;
}

/**
 * Candle rows → Klines ascending. Rows carry only their open time, so the bar length comes from
 * `intervalOf` (see KlineBars). `closed` only for bars whose close time < `now` AND that OKX
 * confirmed (`confirm` "1").
 */
export function parseKlines(market: Market, body: string, now: number, intervalOf: (opens: number[]) => string | undefined): Kline[] {
  const data = envelopeData(body, 'candles');
  if (!Array.isArray(data)) throw new Error(`candles: "data" should be an array of rows, got ${describe(data)}`);
  if (data.length === 0) return [];
  const opens = data.map((row: unknown) => (Array.isArray(row) ? Number(row[0]) : NaN));
  const interval = intervalOf(opens);
  if (interval === undefined) throw new Error(`candles: cannot tell the bar length of rows opening at ${opens.slice(0, 3).join(', ')}`);
  const klines = data.map((row: unknown, index) => {
    const kline = candleRow(market, interval, row);
    if (typeof kline === 'string') throw new Error(`candles row ${index}: ${kline}`);
    kline.closed = kline.closed && kline.closeTime < now;
    return kline;
  });
  return klines.sort((a, b) => a.openTime - b.openTime);
}

/**
 * instruments → Instruments. Spot keeps every pair; perp keeps only USDT-settled linear swaps
 * (`BASE/USDT:USDT`) with their contract value as contractSize. `live` is trading, every other
 * state halted. tickSize is the price step; stepSize the size step in BASE units (a swap's lot
 * is in contracts). Entries missing their id or assets are skipped rather than failing the list.
 */
export function parseInstruments(market: Market, body: string): Instrument[] {
  const data = envelopeData(body, 'instruments');
  if (!Array.isArray(data)) throw new Error(`instruments: "data" should be an array, got ${describe(data)}`);
  const out: Instrument[] = [];
  for (const entry of data as unknown[]) {
    if (!isObject(entry)) continue;
    const instrument = market === 'spot' ? spotInstrument(entry) : swapInstrument(entry);
    if (instrument) out.push(instrument);
  }
  return out;
}

function spotInstrument(entry: JsonObject): Instrument | undefined {
  const r = new FieldReader<RawInstrument>(entry, 'instrument');
  const symbol = r.string('instId');
  const base = r.string('baseCcy');
  const quote = r.string('quoteCcy');
  if (r.problem) return undefined;
  return withSteps({ exchange: 'okx', market: 'spot', symbol, unified: formatUnified(base, quote), base, quote, status: statusOf(entry) }, entry, 1);
}

function swapInstrument(entry: JsonObject): Instrument | undefined {
  const raw = entry as Partial<RawInstrument>;
  if (raw.settleCcy !== 'USDT' || raw.ctType !== 'linear') return undefined;
  const r = new FieldReader<RawInstrument>(entry, 'instrument');
  const symbol = r.string('instId');
  const family = r.string('instFamily');
  if (r.problem) return undefined;
  const [familyBase, familyQuote] = family.split('-');
  const base = nonEmpty(raw.baseCcy) ?? nonEmpty(raw.ctValCcy) ?? familyBase;
  const quote = nonEmpty(raw.quoteCcy) ?? familyQuote;
  const contractSize = toDecimal(raw.ctVal);
  if (!base || !quote || contractSize === undefined || contractSize <= 0) return undefined;
  const instrument: Instrument = {
    exchange: 'okx',
    market: 'perp',
    symbol,
    unified: formatUnified(base, quote, 'USDT'),
    base,
    quote,
    status: statusOf(entry),
    contractSize,
  };
  return withSteps(instrument, entry, contractSize);
}

function withSteps(instrument: Instrument, entry: JsonObject, lotUnit: number): Instrument {
  const raw = entry as Partial<RawInstrument>;
  const tick = toDecimal(raw.tickSz);
  const lot = toDecimal(raw.lotSz);
  if (tick !== undefined && tick > 0) instrument.tickSize = tick;
  if (lot !== undefined && lot > 0) instrument.stepSize = lotUnit === 1 ? lot : contractsToBase(lot, lotUnit);
  return instrument;
}

function statusOf(entry: JsonObject): Instrument['status'] {
  return entry.state === 'live' ? 'trading' : 'halted';
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `{"code":"51001","msg":"Instrument ID does not exist","data":[]}` → `Instrument ID does not exist (code 51001)`; undefined otherwise. */
export function errorMessage(body: string): string | undefined {
  return errorOf(parseJson(body));
}

function errorOf(json: unknown): string | undefined {
  if (!isObject(json)) return undefined;
  const { code, msg } = json as Partial<RawEnvelope>;
  if (code === undefined || String(code) === '0') return undefined;
  const text = typeof msg === 'string' && msg !== '' ? msg : 'OKX refused the request';
  return `${text} (code ${String(code)})`;
}

/** The `data` of a successful answer; throws an Error saying why when the body is not one. */
function envelopeData(body: string, what: string): unknown {
  const json = parseJson(body);
  if (json instanceof Error) throw new Error(`${what}: response is not JSON (${json.message}): ${describe(body)}`);
  const message = errorOf(json);
  if (message !== undefined) throw new Error(`${what}: OKX answered ${message}`);
  if (!isObject(json) || !('data' in json)) throw new Error(`${what}: expected {"code":"0","data":[…]}, got ${describe(json)}`);
  return json.data;
}

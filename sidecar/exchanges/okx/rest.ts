/**
 * OKX REST: candle pages and instrument lists. Pure apart from an injectable clock: which candle
 * endpoint serves a page depends on how far back it reaches. The parse functions throw an Error
 * naming the problem (see answers.ts).
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
import { arrayAt, codeMessage, restAnswers } from '../answers';
import { pageInterval, pageKlines } from '../candles';
import { FieldReader, isObject, nonEmpty, toDecimal, type JsonObject } from '../decode';
import { listedInstrument } from '../instruments';
import type { HttpRequest, KlinePageQuery, RestProtocol } from '../types';
import { trimUrl } from '../urls';
import { candleRow } from './candles';
import { contractsToBase } from './contracts';
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

const answers = restAnswers('OKX', (json: Partial<RawEnvelope>) =>
  json.code === undefined || String(json.code) === '0' ? undefined : codeMessage(json.code, json.msg, 'request refused'),
);

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
  const base = trimUrl(baseUrl);
  return {
    klines: {
      maxLimit: MAX_LIMIT,
      pageFrom: 'newest',
      request: (q) => klinesRequest(market, base, q, clock()),
      parse: (body, now, query) => parseKlines(market, body, now, query),
    },
    instruments: {
      request: (): HttpRequest => ({ url: `${base}${INSTRUMENTS_PATH}?instType=${INST_TYPE[market]}` }),
      parse: (body) => parseInstruments(market, body),
    },
    errorMessage: answers.errorMessage,
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
 * Candle rows → Klines ascending. Rows carry only their open time: the bar length comes from the
 * page's interval (`query`). `closed` only for bars whose close time < `now` AND that OKX
 * confirmed (`confirm` "1").
 */
export function parseKlines(market: Market, body: string, now: number, query?: Pick<KlinePageQuery, 'interval'>): Kline[] {
  const rows = arrayAt(answers.json(body, 'candles'), ['data'], 'candles');
  const interval = pageInterval(query, 'candles');
  return pageKlines(rows, 'candles', (row) => {
    const kline = candleRow(market, interval, row);
    if (typeof kline !== 'string') kline.closed &&= kline.closeTime < now;
    return kline;
  });
}

/**
 * instruments → Instruments. Spot keeps every pair; perp keeps only USDT-settled linear swaps
 * (`BASE/USDT:USDT`) with their contract value as contractSize. `live` is trading, every other
 * state halted. tickSize is the price step; stepSize the size step in BASE units (a swap's lot
 * is in contracts). Entries missing their id or assets are skipped rather than failing the list.
 */
export function parseInstruments(market: Market, body: string): Instrument[] {
  const data = arrayAt(answers.json(body, 'instruments'), ['data'], 'instruments');
  return data.filter(isObject).flatMap((entry) => (market === 'spot' ? spotInstrument(entry) : swapInstrument(entry)) ?? []);
}

function spotInstrument(entry: JsonObject): Instrument | undefined {
  const r = new FieldReader<RawInstrument>(entry, 'instrument');
  const symbol = r.string('instId');
  const base = r.string('baseCcy');
  const quote = r.string('quoteCcy');
  if (r.problem) return undefined;
  const raw = entry as Partial<RawInstrument>;
  return listedInstrument({ exchange: 'okx', market: 'spot', symbol, base, quote, trading: raw.state === 'live', tickSize: toDecimal(raw.tickSz), stepSize: toDecimal(raw.lotSz) });
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
  // The lot is in contracts.
  const lot = toDecimal(raw.lotSz);
  return listedInstrument({
    exchange: 'okx',
    market: 'perp',
    symbol,
    base,
    quote,
    settle: 'USDT',
    trading: raw.state === 'live',
    tickSize: toDecimal(raw.tickSz),
    stepSize: lot === undefined ? undefined : contractsToBase(lot, contractSize),
    contractSize,
  });
}

/**
 * Bybit v5 REST: kline pages and instrument lists (`/v5/market/*`, `category=spot|linear`).
 * Pure: builds request URLs and turns response bodies into normalized records; the parse functions
 * throw an Error naming the problem (see answers.ts), including error answers (`retCode` ≠ 0,
 * which Bybit sends with HTTP 200).
 */
import type { Instrument, Kline, Market } from '../../market/model';
import { arrayAt, codeMessage, restAnswers } from '../answers';
import { pageInterval, pageKlines, timedCandle } from '../candles';
import { FieldReader, isObject, nonEmpty, toDecimal, type JsonObject } from '../decode';
import { listedInstrument } from '../instruments';
import type { HttpRequest, KlinePageQuery, RestProtocol } from '../types';
import { trimUrl } from '../urls';
import { SPELLING } from './streams';

// ---- raw messages ------------------------------------------------------------------------------

/** Every answer: `{"retCode":0,"retMsg":"OK","result":{…},"retExtInfo":{},"time":…}`. */
interface RawEnvelope {
  retCode: number;
  retMsg: string;
  result: unknown;
}

/**
 * `GET /v5/market/kline` result `list` rows: `[startTime, open, high, low, close, volume,
 * turnover]`, all strings, NEWEST FIRST; the first row may be the forming bar. No close time, no
 * trade count, no confirm flag.
 */
const KLINE_COLUMNS = { volume: 5, quoteVolume: 6 };

/** `GET /v5/market/instruments-info` result `list` entries (only what we read); linear pages with `nextPageCursor`. */
interface RawInstrument {
  symbol: string;
  status: string; // Trading, PreLaunch, Delivering, Closed
  baseCoin: string;
  quoteCoin: string;
  settleCoin?: string; // linear
  contractType?: string; // linear: LinearPerpetual, LinearFutures
  priceFilter?: { tickSize?: string };
  lotSizeFilter?: { qtyStep?: string; basePrecision?: string }; // qtyStep: linear; basePrecision: spot
}

const answers = restAnswers('Bybit', (json: Partial<RawEnvelope>) =>
  json.retCode === undefined || json.retCode === 0 ? undefined : codeMessage(json.retCode, json.retMsg, 'request failed'),
);

// ---- paths and limits --------------------------------------------------------------------------

const CATEGORY: Record<Market, string> = { spot: 'spot', perp: 'linear' };
/** Rows per kline page (`limit` 1..1000). */
export const KLINE_PAGE_LIMIT = 1000;
/**
 * Linear instruments are paginated (500 by default, ≤ 1000 per page, `cursor` = `nextPageCursor`).
 * The contract has one instruments request, so we ask for the largest page: it holds every linear
 * symbol today (≈ 600); symbols beyond the first 1000 would be missing. Spot is never paginated.
 */
export const INSTRUMENTS_PAGE_LIMIT = 1000;

/** The REST protocol of one Bybit market rooted at `baseUrl`. */
export function restProtocol(market: Market, baseUrl: string): RestProtocol {
  const base = trimUrl(baseUrl);
  const category = CATEGORY[market];
  return {
    klines: {
      maxLimit: KLINE_PAGE_LIMIT,
      pageFrom: 'newest',
      request: (q) => klinesRequest(base, category, q),
      parse: parseKlines,
    },
    instruments: {
      request: (): HttpRequest => ({
        url: `${base}/v5/market/instruments-info?category=${category}${market === 'perp' ? `&limit=${INSTRUMENTS_PAGE_LIMIT}` : ''}`,
      }),
      parse: (body) => parseInstruments(market, body),
    },
    errorMessage: answers.errorMessage,
  };
}

/** The URL of one kline page. Bybit keeps the NEWEST `limit` bars whose open time is in [start, end]. */
export function klinesRequest(base: string, category: string, q: KlinePageQuery): HttpRequest {
  const params = new URLSearchParams({
    category,
    symbol: q.symbol.toUpperCase(),
    // An interval Bybit does not have is sent as given: Bybit answers "Invalid period!".
    interval: SPELLING.native(q.interval) ?? q.interval,
  });
  if (q.startTime !== undefined) params.set('start', String(q.startTime));
  if (q.endTime !== undefined) params.set('end', String(q.endTime));
  params.set('limit', String(Math.min(KLINE_PAGE_LIMIT, Math.max(1, q.limit))));
  return { url: `${base}/v5/market/kline?${params.toString()}` };
}

/**
 * Kline rows → Klines sorted by open time. Rows carry no close time: it comes from the page's
 * interval (`query`). `closed` only for bars whose close time < `now` (REST has no confirm flag).
 */
export function parseKlines(body: string, now: number, query?: Pick<KlinePageQuery, 'interval'>): Kline[] {
  const list = arrayAt(answers.json(body, 'klines'), ['result', 'list'], 'klines');
  const interval = pageInterval(query, 'klines');
  return pageKlines(list, 'klines', (row) => timedCandle(row, KLINE_COLUMNS, interval, now));
}

/**
 * instruments-info → Instruments. Spot keeps every pair; linear keeps perpetuals only (dated
 * futures share the category), unified as `BASE/QUOTE:SETTLE`. Sizes on both are in base coins,
 * so there is no contract size. Entries missing their symbol, coins or status are skipped.
 */
export function parseInstruments(market: Market, body: string): Instrument[] {
  const list = arrayAt(answers.json(body, 'instruments-info'), ['result', 'list'], 'instruments-info');
  return list.filter(isObject).flatMap((entry) => instrumentOf(market, entry) ?? []);
}

function instrumentOf(market: Market, entry: JsonObject): Instrument | undefined {
  const r = new FieldReader<RawInstrument>(entry, 'instrument');
  const symbol = r.string('symbol');
  const base = r.string('baseCoin');
  const quote = r.string('quoteCoin');
  const status = r.string('status');
  if (r.problem) return undefined;
  const info = entry as Partial<RawInstrument>;
  if (market === 'perp' && info.contractType !== 'LinearPerpetual') return undefined;
  const lot = isObject(info.lotSizeFilter) ? info.lotSizeFilter : undefined;
  return listedInstrument({
    exchange: 'bybit',
    market,
    symbol,
    base,
    quote,
    settle: nonEmpty(info.settleCoin),
    trading: status === 'Trading',
    tickSize: toDecimal(isObject(info.priceFilter) ? info.priceFilter.tickSize : undefined),
    stepSize: toDecimal(market === 'perp' ? lot?.qtyStep : lot?.basePrecision),
  });
}

/**
 * Bitget v2 REST: kline pages and instrument lists, spot (`/api/v2/spot`) and USDT-M futures
 * (`/api/v2/mix`, productType USDT-FUTURES). Pure: builds request URLs and turns response bodies
 * into normalized records; the parse functions throw an Error naming the problem (see answers.ts).
 *
 * Paging: a limited window answers with its NEWEST rows (pageFrom 'newest'). The documented bounds
 * are "after startTime" / "before endTime" without saying whether they are inclusive, so requests
 * widen each bound by 1 ms: the rows come out the same under either reading, and the pager drops
 * anything outside its window. Candle rows carry no close time: it comes from the page's interval.
 */
import type { Instrument, Kline, Market } from '../../market/model';
import { arrayAt, codeMessage, restAnswers } from '../answers';
import { pageInterval, pageKlines, timedCandle, type VolumeColumns } from '../candles';
import { IntervalSpelling } from '../channels';
import { FieldReader, isObject, toDecimal, type JsonObject } from '../decode';
import { listedInstrument } from '../instruments';
import type { HttpRequest, KlinePageQuery, RestProtocol } from '../types';
import { trimUrl } from '../urls';
import { CANDLES, INST_TYPE } from './streams';

// ---- raw messages ------------------------------------------------------------------------------

/** Every answer: `{"code":"00000","msg":"success","requestTime":…,"data":…}`; errors carry another code. */
interface RawEnvelope {
  code: string;
  msg: string;
  data: unknown;
}

/**
 * One candle row, all strings. Spot: `[ts, open, high, low, close, baseVol, usdtVol, quoteVol]` —
 * the quote volume is the LAST item (index 7). Futures: `[ts, open, high, low, close, baseVol,
 * quoteVol]`. (The WS candle push orders spot volumes the other way round.)
 */
const CANDLE_COLUMNS: Record<Market, VolumeColumns> = { spot: { volume: 5, quoteVolume: 7 }, perp: { volume: 5, quoteVolume: 6 } };

/** `GET /api/v2/spot/public/symbols` entry (only what we read). */
interface RawSpotSymbol {
  symbol: string;
  baseCoin: string;
  quoteCoin: string;
  status: string; // online | gray | halt | offline
  pricePrecision: string;
  quantityPrecision: string;
}

/** `GET /api/v2/mix/market/contracts` entry (only what we read). */
interface RawContract {
  symbol: string;
  baseCoin: string;
  quoteCoin: string;
  symbolType: string; // perpetual | delivery
  symbolStatus: string; // normal | listed | maintain | limit_open | restrictedAPI | off
  pricePlace: string;
  priceEndStep: string;
  volumePlace: string;
  sizeMultiplier: string;
  supportMarginCoins?: string[];
}

// ---- intervals, paths and limits ---------------------------------------------------------------

/** Canonical interval → `granularity`: futures spell it as the WS candle channels do, spot its own way. */
const GRANULARITY: Readonly<Record<Market, IntervalSpelling>> = {
  spot: new IntervalSpelling([
    ['1m', '1min'],
    ['5m', '5min'],
    ['15m', '15min'],
    ['30m', '30min'],
    ['1h', '1h'],
    ['4h', '4h'],
    ['6h', '6Hutc'],
    ['12h', '12Hutc'],
    ['1d', '1Dutc'],
    ['1w', '1Wutc'],
    ['1M', '1Mutc'],
  ]),
  perp: CANDLES,
};

const MAX_LIMIT = 1000;
/** Longest startTime…endTime window the futures candles accept. */
const MAX_FUTURES_WINDOW_MS = 90 * 86_400_000;
const SUCCESS = '00000';

/** `{"code":"40034","msg":"Parameter BTCXUSDT does not exist","requestTime":…,"data":null}`; success is code "00000". */
const answers = restAnswers('Bitget', (json: Partial<RawEnvelope>) =>
  json.code === undefined || json.code === SUCCESS ? undefined : codeMessage(json.code, json.msg, 'request failed'),
);

/** The `granularity` of a canonical interval in `market`, or an Error listing the supported ones. */
export function granularity(market: Market, interval: string): string | Error {
  const spelling = GRANULARITY[market];
  return spelling.native(interval) ?? new Error(`Bitget ${market} REST: interval "${interval}" has no candles; available: ${spelling.intervals.join(', ')}`);
}

/** The REST protocol of one Bitget market rooted at `baseUrl`. */
export function restProtocol(market: Market, baseUrl: string): RestProtocol {
  const base = trimUrl(baseUrl);
  return {
    klines: {
      maxLimit: MAX_LIMIT,
      pageFrom: 'newest',
      request: (q) => klinesRequest(market, base, q),
      parse: (body, now, query) => parseKlines(market, body, now, query),
    },
    instruments: {
      request: (): HttpRequest => ({
        url: market === 'spot' ? `${base}/api/v2/spot/public/symbols` : `${base}/api/v2/mix/market/contracts?productType=${INST_TYPE.perp}`,
      }),
      parse: (body) => parseInstruments(market, body),
    },
    errorMessage: answers.errorMessage,
  };
}

/**
 * The URL of one kline page. Throws on an interval without REST candles: callers only ask for the
 * adapter's own intervals, so this is a programming error, not a user one.
 */
export function klinesRequest(market: Market, base: string, q: KlinePageQuery): HttpRequest {
  const g = granularity(market, q.interval);
  if (g instanceof Error) throw g;
  const params = new URLSearchParams({ symbol: q.symbol.toUpperCase() });
  if (market === 'perp') params.set('productType', INST_TYPE.perp);
  params.set('granularity', g);
  // Each bound widened by 1 ms: right whether Bitget reads it as inclusive or exclusive.
  const start = q.startTime === undefined ? undefined : Math.max(0, q.startTime - 1);
  const end = q.endTime === undefined ? undefined : q.endTime + 1;
  // Futures refuse a window longer than 90 days. Without startTime the page still ends at endTime
  // and holds its newest rows, and the pager keeps paging back until it has passed its start.
  const tooLong = market === 'perp' && start !== undefined && end !== undefined && end - start > MAX_FUTURES_WINDOW_MS;
  if (start !== undefined && !tooLong) params.set('startTime', String(start));
  if (end !== undefined) params.set('endTime', String(end));
  params.set('limit', String(Math.min(MAX_LIMIT, Math.max(1, Math.floor(q.limit)))));
  const path = market === 'spot' ? '/api/v2/spot/market/candles' : '/api/v2/mix/market/candles';
  return { url: `${base}${path}?${params.toString()}` };
}

/**
 * Candle rows → Klines sorted by open time (the row order is not documented). `closed` only for
 * bars whose close time < `now`: Bitget notes the latest row can still change. No trade count.
 * An empty body (Bitget's answer for a pair listed moments ago) is no rows.
 */
export function parseKlines(market: Market, body: string, now: number, query?: Pick<KlinePageQuery, 'interval'>): Kline[] {
  if (body.trim() === '') return [];
  const rows = arrayAt(answers.json(body, 'candles'), ['data'], 'candles');
  const interval = pageInterval(query, 'candles');
  return pageKlines(rows, 'candles', (row) => timedCandle(row, CANDLE_COLUMNS[market], interval, now));
}

/**
 * Spot symbols / USDT-M contracts → Instruments. Perp keeps only perpetual contracts (delivery
 * futures share the endpoint), unified as `BASE/QUOTE:QUOTE` (USDT-M settles in USDT). Entries
 * missing their symbol, coins or status are skipped rather than failing the whole list.
 */
export function parseInstruments(market: Market, body: string): Instrument[] {
  const what = market === 'spot' ? 'symbols' : 'contracts';
  const data = arrayAt(answers.json(body, what), ['data'], what);
  return data.filter(isObject).flatMap((entry) => (market === 'spot' ? spotInstrument(entry) : perpInstrument(entry)) ?? []);
}

function spotInstrument(entry: JsonObject): Instrument | undefined {
  const r = new FieldReader<RawSpotSymbol>(entry, 'spot symbol');
  const symbol = r.string('symbol');
  const base = r.string('baseCoin');
  const quote = r.string('quoteCoin');
  const status = r.string('status');
  if (r.problem) return undefined;
  return listedInstrument({
    exchange: 'bitget',
    market: 'spot',
    symbol,
    base,
    quote,
    trading: status === 'online',
    tickSize: stepOf(entry.pricePrecision),
    stepSize: stepOf(entry.quantityPrecision),
  });
}

function perpInstrument(entry: JsonObject): Instrument | undefined {
  const r = new FieldReader<RawContract>(entry, 'contract');
  const symbol = r.string('symbol');
  const base = r.string('baseCoin');
  const quote = r.string('quoteCoin');
  const status = r.string('symbolStatus');
  if (r.problem) return undefined;
  if (entry.symbolType !== undefined && entry.symbolType !== 'perpetual') return undefined;
  // The price grid is priceEndStep units of the last price decimal (e.g. place 1, step 5 → 0.5).
  const place = stepOf(entry.pricePlace);
  const endStep = toDecimal(entry.priceEndStep);
  const multiplier = toDecimal(entry.sizeMultiplier);
  return listedInstrument({
    exchange: 'bitget',
    market: 'perp',
    symbol,
    base,
    quote, // USDT-M settles in USDT, its quote: no settle field needed.
    trading: status === 'normal',
    tickSize: place !== undefined && endStep !== undefined && endStep > 0 ? roundTo(place * endStep, entry.pricePlace) : place,
    stepSize: multiplier !== undefined && multiplier > 0 ? multiplier : stepOf(entry.volumePlace),
  });
}

/** 10^-decimals for a decimal-places field (`"2"` → 0.01); undefined when absent or not a count. */
function stepOf(places: unknown): number | undefined {
  const n = typeof places === 'string' && /^\d{1,2}$/.test(places) ? Number(places) : typeof places === 'number' ? places : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 20) return undefined;
  return Number(`1e-${n}`);
}

/** `x` rounded to the decimals named by `places`: keeps 0.1 × 5 from printing as 0.5000000000000001. */
function roundTo(x: number, places: unknown): number {
  const n = Number(places);
  return Number.isInteger(n) && n >= 0 && n <= 20 ? Number(x.toFixed(n)) : x;
}

/**
 * Bitget v2 REST: kline pages and instrument lists, spot (`/api/v2/spot`) and USDT-M futures
 * (`/api/v2/mix`, productType USDT-FUTURES). Pure: builds request URLs and turns response bodies
 * into normalized records. The parse functions throw an Error naming the problem when a body is not
 * in the documented format (the contract's return types leave no other channel); the REST caller
 * turns it into a value.
 *
 * Paging: a limited window answers with its NEWEST rows (pageFrom 'newest'). The documented bounds
 * are "after startTime" / "before endTime" without saying whether they are inclusive, so requests
 * widen each bound by 1 ms: the rows come out the same under either reading, and the pager drops
 * anything outside its window.
 *
 * Candle rows carry no close time, and the contract's `parse(body, now)` is not told the interval.
 * Until it is (an optional third argument `{ interval }` is accepted already), the bar length is
 * measured from the rows: every request reaches one bar further back than asked, so even a
 * one-bar window comes back with two rows.
 */
import { alignOpen, closeTime, parseInterval, type Interval } from '../../market/intervals';
import type { Instrument, Kline, Market } from '../../market/model';
import { describe, FieldReader, isObject, parseJson, toDecimal, type JsonObject } from '../decode';
import { formatUnified } from '../symbols';
import type { HttpRequest, KlinePageQuery, RestProtocol } from '../types';
import { INST_TYPE } from './streams';
import { codeMessage, msOf } from './wire';

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
type RawCandleRow = string[];

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

/** Canonical interval → `granularity`; the two markets spell them differently. */
const GRANULARITY: Readonly<Record<Market, Readonly<Record<string, string>>>> = {
  spot: {
    '1m': '1min',
    '5m': '5min',
    '15m': '15min',
    '30m': '30min',
    '1h': '1h',
    '4h': '4h',
    '6h': '6Hutc',
    '12h': '12Hutc',
    '1d': '1Dutc',
    '1w': '1Wutc',
    '1M': '1Mutc',
  },
  perp: {
    '1m': '1m',
    '5m': '5m',
    '15m': '15m',
    '30m': '30m',
    '1h': '1H',
    '4h': '4H',
    '6h': '6Hutc',
    '12h': '12Hutc',
    '1d': '1Dutc',
    '1w': '1Wutc',
    '1M': '1Mutc',
  },
};

const MAX_LIMIT = 1000;
/** Longest startTime…endTime window the futures candles accept. */
const MAX_FUTURES_WINDOW_MS = 90 * 86_400_000;
const SUCCESS = '00000';

/** The `granularity` of a canonical interval in `market`, or an Error listing the supported ones. */
export function granularity(market: Market, interval: string): string | Error {
  const g = GRANULARITY[market][interval];
  if (g !== undefined) return g;
  return new Error(`Bitget ${market} REST: interval "${interval}" has no candles; available: ${Object.keys(GRANULARITY[market]).join(', ')}`);
}

/** The REST protocol of one Bitget market rooted at `baseUrl`. */
export function restProtocol(market: Market, baseUrl: string): RestProtocol {
  const base = baseUrl.trim().replace(/\/+$/, '');
  return {
    klines: {
      maxLimit: MAX_LIMIT,
      pageFrom: 'newest',
      request: (q) => klinesRequest(market, base, q),
      parse: (body: string, now: number, query?: { interval: string }) => parseKlines(market, body, now, query),
    },
    instruments: {
      request: (): HttpRequest => ({
        url: market === 'spot' ? `${base}/api/v2/spot/public/symbols` : `${base}/api/v2/mix/market/contracts?productType=${INST_TYPE.perp}`,
      }),
      parse: (body) => parseInstruments(market, body),
    },
    errorMessage,
  };
}

/**
 * The URL of one kline page. Throws on an interval without REST candles: callers only ask for the
 * adapter's own intervals, so this is a programming error, not a user one.
 *
 * The window starts one bar early and the limit is one higher (see the module comment: rows carry
 * no close time, so the parser needs two of them to measure the bar length). The pager drops rows
 * outside its window.
 */
export function klinesRequest(market: Market, base: string, q: KlinePageQuery): HttpRequest {
  const g = granularity(market, q.interval);
  if (g instanceof Error) throw g;
  const iv = parseInterval(q.interval);
  if (iv instanceof Error) throw iv;
  const params = new URLSearchParams({ symbol: q.symbol.toUpperCase() });
  if (market === 'perp') params.set('productType', INST_TYPE.perp);
  params.set('granularity', g);
  // Each bound widened by 1 ms: right whether Bitget reads it as inclusive or exclusive.
  const start = q.startTime === undefined ? undefined : Math.max(0, q.startTime - (iv.ms ?? MAX_MONTH_MS) - 1);
  const end = q.endTime === undefined ? undefined : q.endTime + 1;
  // Futures refuse a window longer than 90 days. Without startTime the page still ends at endTime
  // and holds its newest rows, and the pager keeps paging back until it has passed its start.
  const tooLong = market === 'perp' && start !== undefined && end !== undefined && end - start > MAX_FUTURES_WINDOW_MS;
  if (start !== undefined && !tooLong) params.set('startTime', String(start));
  if (end !== undefined) params.set('endTime', String(end));
  params.set('limit', String(Math.min(MAX_LIMIT, Math.max(1, Math.floor(q.limit)) + 1)));
  const path = market === 'spot' ? '/api/v2/spot/market/candles' : '/api/v2/mix/market/candles';
  return { url: `${base}${path}?${params.toString()}` };
}

/**
 * Candle rows → Klines sorted by open time (the row order is not documented). `closed` only for
 * bars whose close time < `now`: Bitget notes the latest row can still change. No trade count.
 * An empty body (Bitget's answer for a pair listed moments ago) is no rows.
 *
 * `query.interval` sizes the bars when the caller passes it; otherwise the bar length is measured
 * from the rows themselves (see the module comment), which needs two rows.
 */
export function parseKlines(market: Market, body: string, now: number, query?: { interval: string }): Kline[] {
  if (body.trim() === '') return [];
  const data = dataOf(body, 'candles');
  if (!Array.isArray(data)) throw new Error(`candles: expected "data" to be an array of rows, got ${describe(data)}`);
  const rows = data.map((row: unknown, index) => klineRow(market, row, index)).sort((a, b) => a.openTime - b.openTime);
  if (rows.length === 0) return [];
  const closeOf = barCloser(rows.map((r) => r.openTime), query?.interval);
  return rows.map((row) => {
    const close = closeOf(row.openTime);
    return { ...row, closeTime: close, closed: close < now };
  });
}

type RowValues = Omit<Kline, 'closeTime' | 'closed'>;

function klineRow(market: Market, row: unknown, index: number): RowValues {
  const bad = (what: string): Error => new Error(`candles row ${index}: ${what}, got ${describe(row)}`);
  const width = market === 'spot' ? 8 : 7;
  if (!Array.isArray(row) || row.length < width) throw bad(`expected an array of at least ${width} items`);
  const cells = row as RawCandleRow;
  const openTime = msOf(cells[0]);
  if (openTime === undefined) throw bad('item 0 should be the start time in ms');
  const num = (i: number): number => {
    const n = toDecimal(cells[i]);
    if (n === undefined) throw bad(`item ${i} should be a decimal number`);
    return n;
  };
  // Spot rows put USDT volume before quote volume; futures rows end with the quote volume.
  const quoteIndex = market === 'spot' ? 7 : 6;
  return { openTime, open: num(1), high: num(2), low: num(3), close: num(4), volume: num(5), quoteVolume: num(quoteIndex) };
}

const DAY_MS = 86_400_000;
/** Longest calendar month; also how far back a month page reaches for its extra bar. */
const MAX_MONTH_MS = 31 * DAY_MS;

/**
 * How to find the close time of a bar from its open time: from the interval when known, else from
 * the rows' spacing (the smallest step between neighbours; steps of 28–31 days between month
 * starts are calendar months).
 */
function barCloser(opens: number[], interval: string | undefined): (open: number) => number {
  const known = interval === undefined ? undefined : parseInterval(interval);
  if (known instanceof Error) throw new Error(`candles: ${known.message}`);
  if (known !== undefined) return (open) => closeTime(known, open);
  let step = Infinity;
  for (let i = 1; i < opens.length; i++) if (opens[i] > opens[i - 1]) step = Math.min(step, opens[i] - opens[i - 1]);
  if (step === Infinity) {
    throw new Error(`candles: cannot tell the bar length from ${opens.length} row(s) without the requested interval`);
  }
  const month = parseInterval('1M') as Interval;
  const monthly = step >= 28 * DAY_MS && step <= MAX_MONTH_MS && opens.every((o) => alignOpen(month, o) === o);
  return monthly ? (open) => closeTime(month, open) : (open) => open + step - 1;
}

/**
 * Spot symbols / USDT-M contracts → Instruments. Perp keeps only perpetual contracts (delivery
 * futures share the endpoint), unified as `BASE/QUOTE:QUOTE` (USDT-M settles in USDT). Entries
 * missing their symbol, coins or status are skipped rather than failing the whole list.
 */
export function parseInstruments(market: Market, body: string): Instrument[] {
  const data = dataOf(body, market === 'spot' ? 'symbols' : 'contracts');
  if (!Array.isArray(data)) throw new Error(`instruments: expected "data" to be an array, got ${describe(data)}`);
  const out: Instrument[] = [];
  for (const entry of data as unknown[]) {
    if (!isObject(entry)) continue;
    const instrument = market === 'spot' ? spotInstrument(entry) : perpInstrument(entry);
    if (instrument) out.push(instrument);
  }
  return out;
}

function spotInstrument(entry: JsonObject): Instrument | undefined {
  const r = new FieldReader<RawSpotSymbol>(entry, 'spot symbol');
  const symbol = r.string('symbol');
  const base = r.string('baseCoin');
  const quote = r.string('quoteCoin');
  const status = r.string('status');
  if (r.problem) return undefined;
  const instrument: Instrument = {
    exchange: 'bitget',
    market: 'spot',
    symbol,
    unified: formatUnified(base, quote),
    base,
    quote,
    status: status === 'online' ? 'trading' : 'halted',
  };
  const tick = stepOf(entry.pricePrecision);
  const step = stepOf(entry.quantityPrecision);
  if (tick !== undefined) instrument.tickSize = tick;
  if (step !== undefined) instrument.stepSize = step;
  return instrument;
}

function perpInstrument(entry: JsonObject): Instrument | undefined {
  const r = new FieldReader<RawContract>(entry, 'contract');
  const symbol = r.string('symbol');
  const base = r.string('baseCoin');
  const quote = r.string('quoteCoin');
  const status = r.string('symbolStatus');
  if (r.problem) return undefined;
  if (entry.symbolType !== undefined && entry.symbolType !== 'perpetual') return undefined;
  const instrument: Instrument = {
    exchange: 'bitget',
    market: 'perp',
    symbol,
    unified: formatUnified(base, quote, quote),
    base,
    quote,
    status: status === 'normal' ? 'trading' : 'halted',
  };
  // The price grid is priceEndStep units of the last price decimal (e.g. place 1, step 5 → 0.5).
  const place = stepOf(entry.pricePlace);
  const endStep = toDecimal(entry.priceEndStep);
  if (place !== undefined) instrument.tickSize = endStep !== undefined && endStep > 0 ? roundTo(place * endStep, entry.pricePlace) : place;
  const multiplier = toDecimal(entry.sizeMultiplier);
  const step = multiplier !== undefined && multiplier > 0 ? multiplier : stepOf(entry.volumePlace);
  if (step !== undefined) instrument.stepSize = step;
  return instrument;
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

/** `{"code":"40034","msg":"Parameter BTCXUSDT does not exist",…}` → `Parameter … (code "40034")`. */
export function errorMessage(body: string): string | undefined {
  const json = parseJson(body);
  if (!isObject(json) || json.code === SUCCESS) return undefined;
  return codeMessage(json);
}

/** The `data` of a success envelope; throws an Error saying why when the body is anything else. */
function dataOf(body: string, what: string): unknown {
  const json = parseJson(body);
  if (json instanceof Error) throw new Error(`${what}: response is not JSON (${json.message}): ${describe(body)}`);
  if (!isObject(json)) throw new Error(`${what}: expected an object with "code" and "data", got ${describe(json)}`);
  const envelope = json as Partial<RawEnvelope>;
  if (envelope.code !== SUCCESS) {
    throw new Error(`${what}: Bitget answered ${codeMessage(json) ?? describe(json)}`);
  }
  return envelope.data;
}

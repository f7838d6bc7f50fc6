/**
 * Bybit v5 REST: kline pages and instrument lists (`/v5/market/*`, `category=spot|linear`).
 * Pure: builds request URLs and turns response bodies into normalized records. The parse
 * functions throw an Error naming the problem when a body is not in the documented format or is
 * an error answer (`retCode` ≠ 0, which Bybit sends with HTTP 200); the REST caller turns it into a value.
 */
import { alignOpen, closeTime, nextOpen, parseInterval, type Interval } from '../../market/intervals';
import type { Instrument, Kline, Market } from '../../market/model';
import { formatUnified } from '../symbols';
import type { HttpRequest, KlinePageQuery, RestProtocol } from '../types';
import { describe, FieldReader, isObject, parseJson, toDecimal, type JsonObject } from '../decode';
import { bybitInterval, canonicalInterval, INTERVALS } from './streams';

// ---- raw messages ------------------------------------------------------------------------------

/** Every answer: `{"retCode":0,"retMsg":"OK","result":{…},"retExtInfo":{},"time":…}`. */
interface RawEnvelope {
  retCode: number;
  retMsg: string;
  result: unknown;
}

/**
 * `GET /v5/market/kline` result. `list` rows are `[startTime, open, high, low, close, volume,
 * turnover]`, all strings, NEWEST FIRST; the first row may be the forming bar. No close time, no
 * trade count, no confirm flag.
 */
interface RawKlineResult {
  symbol: string;
  category: string;
  list: unknown[];
}

/** `GET /v5/market/instruments-info` result (only what we read). */
interface RawInstrumentsResult {
  category: string;
  list: unknown[];
  nextPageCursor?: string; // linear only; "" on the last page
}

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
  const base = baseUrl.replace(/\/+$/, '');
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
    errorMessage,
  };
}

/**
 * The URL of one kline page. Bybit keeps the NEWEST `limit` bars whose open time is in
 * [start, end]. Rows carry no close time, so the parser needs two rows to see the bar length
 * when it is not told the interval: a page therefore always asks for at least two bars — one bar
 * before `start`, and `limit` ≥ 2. The caller filters rows outside its window anyway.
 */
export function klinesRequest(base: string, category: string, q: KlinePageQuery): HttpRequest {
  const params = new URLSearchParams({
    category,
    symbol: q.symbol.toUpperCase(),
    // An interval Bybit does not have is sent as given: Bybit answers "Invalid period!".
    interval: bybitInterval(q.interval) ?? q.interval,
  });
  if (q.startTime !== undefined) params.set('start', String(Math.max(0, barBefore(q.interval, q.startTime))));
  if (q.endTime !== undefined) params.set('end', String(q.endTime));
  params.set('limit', String(Math.min(KLINE_PAGE_LIMIT, Math.max(2, q.limit))));
  return { url: `${base}/v5/market/kline?${params.toString()}` };
}

/** A time one bar of `interval` before `time` (31 days for months); `time` itself if unknown. */
function barBefore(interval: string, time: number): number {
  const iv = parseInterval(interval);
  if (iv instanceof Error) return time;
  return time - (iv.ms ?? 31 * 86_400_000);
}

/**
 * Kline rows → Klines sorted by open time; `closed` only for bars whose close time < `now`
 * (REST has no confirm flag). The close time comes from the page's interval: `query` when the
 * caller passes it (the RestProtocol contract does not, yet), else inferred from the rows
 * (inferInterval; klinesRequest makes sure a page has two rows whenever the history does).
 */
export function parseKlines(body: string, now: number, query?: Pick<KlinePageQuery, 'interval'>): Kline[] {
  const result = resultOf(body, 'klines');
  const list = isObject(result) ? (result as Partial<RawKlineResult>).list : undefined;
  if (!Array.isArray(list)) throw new Error(`klines: expected "result.list" to be an array of rows, got ${describe(result)}`);
  const rows = list.map((row, index) => klineRow(row, index)).sort((a, b) => a.openTime - b.openTime);
  if (rows.length === 0) return [];
  const interval = query ? knownInterval(query.interval) : inferInterval(rows.map((r) => r.openTime), now);
  return rows.map((r) => {
    const close = closeTime(interval, r.openTime);
    return { ...r, closeTime: close, closed: close < now };
  });
}

type Row = Omit<Kline, 'closeTime' | 'closed'>;

function klineRow(row: unknown, index: number): Row {
  const bad = (what: string): Error => new Error(`klines row ${index}: ${what}, got ${describe(row)}`);
  if (!Array.isArray(row) || row.length < 7) throw bad('expected [startTime, open, high, low, close, volume, turnover]');
  const num = (i: number, name: string): number => {
    const n = toDecimal(row[i]);
    if (n === undefined) throw bad(`item ${i} (${name}) should be a decimal number`);
    return n;
  };
  const openTime = num(0, 'startTime');
  if (!Number.isSafeInteger(openTime)) throw bad('item 0 (startTime) should be an integer of ms');
  return {
    openTime,
    open: num(1, 'open'),
    high: num(2, 'high'),
    low: num(3, 'low'),
    close: num(4, 'close'),
    volume: num(5, 'volume'),
    quoteVolume: num(6, 'turnover'),
  };
}

function knownInterval(name: string): Interval {
  const iv = parseInterval(canonicalInterval(name) ?? name);
  if (iv instanceof Error) throw new Error(`klines: ${iv.message}`);
  return iv;
}

/**
 * The interval of a page from its open times (and `now`). Month starts a month apart are `1M`;
 * otherwise the smallest spacing, or (when bars without trades are missing) the longest native
 * interval that divides it and to which every row is aligned. A lone row — a listing younger than
 * two bars — must be the forming bar: the one native interval aligned with its open whose bar
 * still contains `now`; when none or several fit, it is an Error.
 */
export function inferInterval(opens: readonly number[], now: number): Interval {
  const native = INTERVALS.map((name) => parseInterval(name) as Interval);
  if (opens.length === 1) {
    const open = opens[0];
    const fits = native.filter((iv) => isAligned(iv, open) && closeTime(iv, open) >= now);
    if (fits.length === 1) return fits[0];
    const which = fits.length === 0 ? 'no Bybit interval' : `several intervals (${fits.map((iv) => iv.name).join(', ')})`;
    throw new Error(`klines: a single row opening at ${new Date(open).toISOString()} fits ${which}; its close time needs the requested interval`);
  }
  const month = native[native.length - 1];
  if (opens.every((o) => isAligned(month, o)) && opens.every((o, i) => i === 0 || o >= nextOpen(month, opens[i - 1]))) return month;
  let step = Infinity;
  for (let i = 1; i < opens.length; i++) if (opens[i] > opens[i - 1]) step = Math.min(step, opens[i] - opens[i - 1]);
  const aligned = native.filter((iv) => iv.ms !== undefined && step % iv.ms === 0 && opens.every((o) => isAligned(iv, o)));
  const best = aligned.find((iv) => iv.ms === step) ?? aligned[aligned.length - 1];
  if (!best) throw new Error(`klines: rows ${step} ms apart match no Bybit interval`);
  return best;
}

/** Whether a bar of `iv` can open at `open` (months on the 1st, weeks on Monday, 00:00 UTC). */
function isAligned(iv: Interval, open: number): boolean {
  return alignOpen(iv, open) === open;
}

/**
 * instruments-info → Instruments. Spot keeps every pair; linear keeps perpetuals only (dated
 * futures share the category), unified as `BASE/QUOTE:SETTLE`. Sizes on both are in base coins,
 * so there is no contract size. Entries missing their symbol, coins or status are skipped.
 */
export function parseInstruments(market: Market, body: string): Instrument[] {
  const result = resultOf(body, 'instruments-info');
  const list = isObject(result) ? (result as Partial<RawInstrumentsResult>).list : undefined;
  if (!Array.isArray(list)) throw new Error(`instruments-info: expected "result.list" to be an array, got ${describe(result)}`);
  const out: Instrument[] = [];
  for (const entry of list) {
    if (!isObject(entry)) continue;
    const instrument = instrumentOf(market, entry);
    if (instrument) out.push(instrument);
  }
  return out;
}

function instrumentOf(market: Market, entry: JsonObject): Instrument | undefined {
  const r = new FieldReader<RawInstrument>(entry, 'instrument');
  const symbol = r.string('symbol');
  const base = r.string('baseCoin');
  const quote = r.string('quoteCoin');
  const status = r.string('status');
  if (r.problem) return undefined;
  const info = entry as Partial<RawInstrument>;
  let unified = formatUnified(base, quote);
  if (market === 'perp') {
    if (info.contractType !== 'LinearPerpetual') return undefined;
    const settle = typeof info.settleCoin === 'string' && info.settleCoin !== '' ? info.settleCoin : quote;
    unified = formatUnified(base, quote, settle);
  }
  const instrument: Instrument = {
    exchange: 'bybit',
    market,
    symbol,
    unified,
    base,
    quote,
    status: status === 'Trading' ? 'trading' : 'halted',
  };
  const tickSize = positive(isObject(info.priceFilter) ? info.priceFilter.tickSize : undefined);
  const lot = isObject(info.lotSizeFilter) ? info.lotSizeFilter : undefined;
  const stepSize = positive(market === 'perp' ? lot?.qtyStep : lot?.basePrecision);
  if (tickSize !== undefined) instrument.tickSize = tickSize;
  if (stepSize !== undefined) instrument.stepSize = stepSize;
  return instrument;
}

function positive(value: unknown): number | undefined {
  const n = toDecimal(value);
  return n !== undefined && n > 0 ? n : undefined;
}

/** `{"retCode":10001,"retMsg":"Not supported symbols",…}` → `Not supported symbols (retCode 10001)`; undefined otherwise. */
export function errorMessage(body: string): string | undefined {
  return errorOf(parseJson(body));
}

function errorOf(json: unknown): string | undefined {
  if (!isObject(json)) return undefined;
  const { retCode, retMsg } = json as Partial<RawEnvelope>;
  if (retCode === undefined || retCode === 0) return undefined;
  const text = typeof retMsg === 'string' && retMsg !== '' ? retMsg : 'request failed';
  return `${text} (retCode ${describe(retCode)})`;
}

/** The `result` of a successful answer; throws an Error saying why there is none. */
function resultOf(body: string, what: string): unknown {
  const json = parseJson(body);
  if (json instanceof Error) throw new Error(`${what}: response is not JSON (${json.message}): ${describe(body)}`);
  const message = errorOf(json);
  if (message !== undefined) throw new Error(`${what}: Bybit answered ${message}`);
  if (!isObject(json) || !('result' in json)) throw new Error(`${what}: expected {"retCode":0,"result":{…}}, got ${describe(json)}`);
  return json.result;
}

/**
 * Binance REST: kline pages and instrument lists, spot (`/api/v3`) and USDⓈ-M (`/fapi/v1`).
 * Pure: builds request URLs and turns response bodies into normalized records. The parse
 * functions throw an Error naming the problem when a body is not in the documented format
 * (the contract's return types leave no other channel); the REST caller turns it into a value.
 */
import type { Instrument, Kline, Market } from '../../market/model';
import { formatUnified } from '../symbols';
import type { HttpRequest, KlinePageQuery, RestProtocol } from '../types';
import { describe, FieldReader, isObject, parseJson, toDecimal, type JsonObject } from '../decode';

// ---- raw messages ------------------------------------------------------------------------------

/**
 * One kline row: `[openTime, open, high, low, close, volume, closeTime, quoteVolume, trades,
 * takerBuyBase, takerBuyQuote, ignore]`, prices and sizes as decimal strings.
 */
type RawKlineRow = [number, string, string, string, string, string, number, string, number, ...unknown[]];

/** `GET /api/v3/exchangeInfo` and `/fapi/v1/exchangeInfo` (only what we read). */
interface RawExchangeInfo {
  symbols: RawSymbolInfo[];
}

interface RawSymbolInfo {
  symbol: string;
  status: string; // TRADING, BREAK, HALT, … (spot); TRADING, PENDING_TRADING, SETTLING, … (futures)
  baseAsset: string;
  quoteAsset: string;
  marginAsset?: string; // futures
  contractType?: string; // futures: PERPETUAL, CURRENT_QUARTER, …
  filters?: RawFilter[];
}

interface RawFilter {
  filterType: string;
  tickSize?: string; // PRICE_FILTER
  stepSize?: string; // LOT_SIZE
}

/** `{"code":-1121,"msg":"Invalid symbol."}` */
interface RawErrorBody {
  code?: number;
  msg?: string;
}

// ---- paths and limits --------------------------------------------------------------------------

const PATHS: Record<Market, { klines: string; exchangeInfo: string; maxLimit: number }> = {
  spot: { klines: '/api/v3/klines', exchangeInfo: '/api/v3/exchangeInfo', maxLimit: 1000 },
  perp: { klines: '/fapi/v1/klines', exchangeInfo: '/fapi/v1/exchangeInfo', maxLimit: 1500 },
};

/** The REST protocol of one Binance market rooted at `baseUrl`. */
export function restProtocol(market: Market, baseUrl: string): RestProtocol {
  const base = baseUrl.replace(/\/+$/, '');
  const paths = PATHS[market];
  return {
    klines: {
      maxLimit: paths.maxLimit,
      pageFrom: 'oldest',
      request: (q) => klinesRequest(`${base}${paths.klines}`, q),
      parse: parseKlines,
    },
    instruments: {
      request: (): HttpRequest => ({ url: `${base}${paths.exchangeInfo}` }),
      parse: (body) => parseInstruments(market, body),
    },
    errorMessage,
  };
}

/** The URL of one kline page at `url`; the symbol is upper-cased because REST wants it so. */
export function klinesRequest(url: string, q: KlinePageQuery): HttpRequest {
  const params = new URLSearchParams({ symbol: q.symbol.toUpperCase(), interval: q.interval });
  if (q.startTime !== undefined) params.set('startTime', String(q.startTime));
  if (q.endTime !== undefined) params.set('endTime', String(q.endTime));
  params.set('limit', String(q.limit));
  return { url: `${url}?${params.toString()}` };
}

/** Kline rows → Klines sorted by open time; `closed` only for bars whose close time < `now`. */
export function parseKlines(body: string, now: number): Kline[] {
  const json = parseBody(body, 'klines');
  if (!Array.isArray(json)) throw new Error(`klines: expected an array of rows, got ${describe(json)}`);
  const klines = json.map((row: unknown, index) => klineRow(row, index, now));
  return klines.sort((a, b) => a.openTime - b.openTime);
}

function klineRow(row: unknown, index: number, now: number): Kline {
  const bad = (what: string): Error => new Error(`klines row ${index}: ${what}, got ${describe(row)}`);
  if (!Array.isArray(row) || row.length < 9) throw bad('expected an array of at least 9 items');
  const cells = row as RawKlineRow;
  const [openTime, , , , , , closeTime, , trades] = cells;
  if (!Number.isSafeInteger(openTime) || !Number.isSafeInteger(closeTime)) {
    throw bad('open time (item 0) and close time (item 6) should be integers');
  }
  const num = (i: 1 | 2 | 3 | 4 | 5 | 7): number => {
    const n = toDecimal(cells[i]);
    if (n === undefined) throw bad(`item ${i} should be a decimal number`);
    return n;
  };
  const kline: Kline = {
    openTime,
    closeTime,
    open: num(1),
    high: num(2),
    low: num(3),
    close: num(4),
    volume: num(5),
    quoteVolume: num(7),
    closed: closeTime < now,
  };
  if (Number.isSafeInteger(trades)) kline.trades = trades;
  return kline;
}

/**
 * exchangeInfo → Instruments. Spot keeps every symbol (TRADING → trading, else halted); perp keeps
 * only PERPETUAL contracts (dated futures share the endpoint), unified as `BASE/QUOTE:MARGIN`.
 * Entries missing their symbol, assets or status are skipped rather than failing the whole list.
 */
export function parseInstruments(market: Market, body: string): Instrument[] {
  const json = parseBody(body, 'exchangeInfo');
  const info = isObject(json) ? (json as Partial<RawExchangeInfo>) : undefined;
  if (!info || !Array.isArray(info.symbols)) {
    throw new Error(`exchangeInfo: expected an object with a "symbols" array, got ${describe(json)}`);
  }
  const out: Instrument[] = [];
  for (const entry of info.symbols as unknown[]) {
    if (!isObject(entry)) continue;
    const instrument = instrumentOf(market, entry);
    if (instrument) out.push(instrument);
  }
  return out;
}

function instrumentOf(market: Market, entry: JsonObject): Instrument | undefined {
  const r = new FieldReader<RawSymbolInfo>(entry, 'exchangeInfo symbol');
  const symbol = r.string('symbol');
  const base = r.string('baseAsset');
  const quote = r.string('quoteAsset');
  const status = r.string('status');
  if (r.problem) return undefined;
  const info = entry as Partial<RawSymbolInfo>;
  let unified = formatUnified(base, quote);
  if (market === 'perp') {
    if (info.contractType !== 'PERPETUAL') return undefined;
    const settle = typeof info.marginAsset === 'string' && info.marginAsset !== '' ? info.marginAsset : quote;
    unified = formatUnified(base, quote, settle);
  }
  const instrument: Instrument = {
    exchange: 'binance',
    market,
    symbol,
    unified,
    base,
    quote,
    status: status === 'TRADING' ? 'trading' : 'halted',
  };
  const filters = Array.isArray(info.filters) ? (info.filters as unknown[]).filter(isObject) : [];
  const tickSize = filterValue(filters, 'PRICE_FILTER', 'tickSize');
  const stepSize = filterValue(filters, 'LOT_SIZE', 'stepSize');
  if (tickSize !== undefined) instrument.tickSize = tickSize;
  if (stepSize !== undefined) instrument.stepSize = stepSize;
  return instrument;
}

function filterValue(filters: JsonObject[], type: string, key: keyof RawFilter): number | undefined {
  const filter = filters.find((f) => f.filterType === type);
  const value = filter === undefined ? undefined : toDecimal(filter[key]);
  // A zero tick or step means "no constraint" in Binance filters.
  return value === undefined || value <= 0 ? undefined : value;
}

/** `{"code":-1121,"msg":"Invalid symbol."}` → `Invalid symbol. (code -1121)`; undefined otherwise. */
export function errorMessage(body: string): string | undefined {
  return errorOf(parseJson(body));
}

function errorOf(json: unknown): string | undefined {
  if (!isObject(json)) return undefined;
  const { code, msg } = json as RawErrorBody;
  if (typeof msg !== 'string' || msg === '') return undefined;
  return code === undefined ? msg : `${msg} (code ${describe(code)})`;
}

/** The JSON of a body; throws an Error saying so when it is not JSON or is an error object. */
function parseBody(body: string, what: string): unknown {
  const json = parseJson(body);
  if (json instanceof Error) throw new Error(`${what}: response is not JSON (${json.message}): ${describe(body)}`);
  const message = errorOf(json);
  if (message !== undefined) throw new Error(`${what}: Binance answered ${message}`);
  return json;
}

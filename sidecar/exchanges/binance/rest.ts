/**
 * Binance REST: kline pages and instrument lists, spot (`/api/v3`) and USDⓈ-M (`/fapi/v1`).
 * Pure: builds request URLs and turns response bodies into normalized records; the parse functions
 * throw an Error naming the problem (see answers.ts).
 */
import type { Instrument, Kline, Market } from '../../market/model';
import { arrayAt, codeMessage, restAnswers } from '../answers';
import { candleValues, pageKlines } from '../candles';
import { describe, FieldReader, isObject, nonEmpty, toDecimal, type JsonObject } from '../decode';
import { listedInstrument } from '../instruments';
import type { HttpRequest, KlinePageQuery, RestProtocol } from '../types';
import { trimUrl } from '../urls';

// ---- raw messages ------------------------------------------------------------------------------

/**
 * One kline row: `[openTime, open, high, low, close, volume, closeTime, quoteVolume, trades,
 * takerBuyBase, takerBuyQuote, ignore]`, prices and sizes as decimal strings.
 */
type RawKlineRow = [number, string, string, string, string, string, number, string, number, ...unknown[]];

/** One entry of `symbols` in `GET /api/v3/exchangeInfo` and `/fapi/v1/exchangeInfo` (only what we read). */
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

/** Errors are `{"code":-1121,"msg":"Invalid symbol."}`; no success body has a `msg`. */
const answers = restAnswers('Binance', (json) => codeMessage(json.code, json.msg));

// ---- paths and limits --------------------------------------------------------------------------

const PATHS: Record<Market, { klines: string; exchangeInfo: string; maxLimit: number }> = {
  spot: { klines: '/api/v3/klines', exchangeInfo: '/api/v3/exchangeInfo', maxLimit: 1000 },
  perp: { klines: '/fapi/v1/klines', exchangeInfo: '/fapi/v1/exchangeInfo', maxLimit: 1500 },
};

/** The REST protocol of one Binance market rooted at `baseUrl`. */
export function restProtocol(market: Market, baseUrl: string): RestProtocol {
  const base = trimUrl(baseUrl);
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
    errorMessage: answers.errorMessage,
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
  const rows = arrayAt(answers.json(body, 'klines'), [], 'klines');
  return pageKlines(rows, 'klines', (row) => klineRow(row, now));
}

function klineRow(row: unknown, now: number): Kline | string {
  const values = candleValues(row, { volume: 5, quoteVolume: 7 });
  if (typeof values === 'string') return values;
  const [, , , , , , closeTime, , trades] = row as RawKlineRow;
  if (!Number.isSafeInteger(closeTime)) return `close time (item 6) should be an integer, got ${describe(closeTime)}`;
  const kline: Kline = { ...values, closeTime, closed: closeTime < now };
  if (Number.isSafeInteger(trades)) kline.trades = trades;
  return kline;
}

/**
 * exchangeInfo → Instruments. Spot keeps every symbol (TRADING → trading, else halted); perp keeps
 * only PERPETUAL contracts (dated futures share the endpoint), unified as `BASE/QUOTE:MARGIN`.
 * Entries missing their symbol, assets or status are skipped rather than failing the whole list.
 */
export function parseInstruments(market: Market, body: string): Instrument[] {
  const symbols = arrayAt(answers.json(body, 'exchangeInfo'), ['symbols'], 'exchangeInfo');
  return symbols.filter(isObject).flatMap((entry) => instrumentOf(market, entry) ?? []);
}

function instrumentOf(market: Market, entry: JsonObject): Instrument | undefined {
  const r = new FieldReader<RawSymbolInfo>(entry, 'exchangeInfo symbol');
  const symbol = r.string('symbol');
  const base = r.string('baseAsset');
  const quote = r.string('quoteAsset');
  const status = r.string('status');
  if (r.problem) return undefined;
  const info = entry as Partial<RawSymbolInfo>;
  if (market === 'perp' && info.contractType !== 'PERPETUAL') return undefined;
  const filters = Array.isArray(info.filters) ? (info.filters as unknown[]).filter(isObject) : [];
  return listedInstrument({
    exchange: 'binance',
    market,
    symbol,
    base,
    quote,
    settle: nonEmpty(info.marginAsset),
    trading: status === 'TRADING',
    tickSize: filterValue(filters, 'PRICE_FILTER', 'tickSize'),
    stepSize: filterValue(filters, 'LOT_SIZE', 'stepSize'),
  });
}

function filterValue(filters: JsonObject[], type: string, key: keyof RawFilter): number | undefined {
  return toDecimal(filters.find((f) => f.filterType === type)?.[key]);
}

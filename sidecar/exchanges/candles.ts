/**
 * Candle rows, `[openTime, open, high, low, close, …volumes]` with the values as decimal strings,
 * as kline pages (and some WebSocket pushes) send them; where the volumes sit differs by exchange.
 * Rows without a close time get it from the page's interval, which RestProtocol.klines.parse is
 * handed with the page's query.
 */
import { closeTime, parseInterval, type Interval } from '../market/intervals';
import type { Kline } from '../market/model';
import { describe, toDecimal, toInteger } from './decode';
import type { KlinePageQuery } from './types';

/** Which items of a row hold the base and the quote volume (open, high, low, close are items 1 to 4). */
export interface VolumeColumns {
  volume: number;
  quoteVolume: number;
}

/** A row's open time and values: a Kline still without close time and closed flag. */
export type CandleValues = Omit<Kline, 'closeTime' | 'closed' | 'trades'>;

/**
 * The open time (epoch ms, a JSON integer or a string of digits) and values of one row, or a
 * string saying what is wrong with it.
 */
export function candleValues(row: unknown, columns: VolumeColumns): CandleValues | string {
  const width = Math.max(columns.volume, columns.quoteVolume) + 1;
  if (!Array.isArray(row) || row.length < width) return `expected an array of at least ${width} items, got ${describe(row)}`;
  const openTime = toInteger(row[0]);
  if (openTime === undefined) return `open time (item 0) should be epoch milliseconds, got ${describe(row[0])}`;
  const values: number[] = [];
  for (const i of [1, 2, 3, 4, columns.volume, columns.quoteVolume]) {
    const n = toDecimal(row[i]);
    if (n === undefined) return `item ${i} should be a decimal number, got ${describe(row[i])}`;
    values.push(n);
  }
  const [open, high, low, close, volume, quoteVolume] = values;
  return { openTime, open, high, low, close, volume, quoteVolume };
}

/**
 * A row as the bar of `interval` it stands for, for exchanges whose rows carry neither a close
 * time nor a closed flag: the close time comes from the interval, and the bar is closed once that
 * is before `now`. A string says what is wrong with the row.
 */
export function timedCandle(row: unknown, columns: VolumeColumns, interval: Interval, now: number): Kline | string {
  const values = candleValues(row, columns);
  if (typeof values === 'string') return values;
  const close = closeTime(interval, values.openTime);
  return { ...values, closeTime: close, closed: close < now };
}

/**
 * The Klines of one page, sorted by open time: every row read by `read`. A row it answers with a
 * string (the problem) fails the page with an Error naming `what` and the row.
 */
export function pageKlines(rows: unknown[], what: string, read: (row: unknown) => Kline | string): Kline[] {
  const klines = rows.map((row, index) => {
    const kline = read(row);
    if (typeof kline === 'string') throw new Error(`${what} row ${index}: ${kline}`);
    return kline;
  });
  return klines.sort((a, b) => a.openTime - b.openTime);
}

/**
 * The bar interval of a page from its query, for rows that carry only their open time. Throws
 * when the query is missing (a direct call without it) or names no valid interval.
 */
export function pageInterval(query: Pick<KlinePageQuery, 'interval'> | undefined, what: string): Interval {
  if (query === undefined) throw new Error(`${what}: rows carry no close time; parsing them needs the page's query (its interval)`);
  const interval = parseInterval(query.interval);
  if (interval instanceof Error) throw new Error(`${what}: ${interval.message}`);
  return interval;
}

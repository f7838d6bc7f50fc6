/**
 * Bybit v5 topic names (`kline.1.BTCUSDT`, `publicTrade.BTCUSDT`, `tickers.BTCUSDT`,
 * `orderbook.1.BTCUSDT`) and the interval spellings. Each market has one public connection group;
 * the topic string is echoed in every data frame, so it doubles as the routing key.
 */
import type { Market } from '../../market/model';
import { channelTopics, intervalError, IntervalSpelling } from '../channels';
import type { StreamRequest, Topic } from '../types';

/** The single connection group of each market (`/v5/public/spot`, `/v5/public/linear`). */
export const PUBLIC_ENDPOINT = 'public';

/**
 * Canonical interval → Bybit's spelling, shortest first. Bybit bars are UTC-aligned (days open at
 * 00:00 UTC, weeks on Monday), so no `…utc` variants are needed; there is no 1s, 8h or 3d.
 */
export const SPELLING = new IntervalSpelling([
  ['1m', '1'],
  ['3m', '3'],
  ['5m', '5'],
  ['15m', '15'],
  ['30m', '30'],
  ['1h', '60'],
  ['2h', '120'],
  ['4h', '240'],
  ['6h', '360'],
  ['12h', '720'],
  ['1d', 'D'],
  ['1w', 'W'],
  ['1M', 'M'],
]);

/** Native intervals, canonical names, shortest first (the same on spot and linear). */
export const INTERVALS = SPELLING.intervals;

/**
 * Bybit symbols are upper-case letters and digits (`BTCUSDT`, `1000PEPEUSDT`), with `-` in dated
 * futures (`BTC-26DEC25`). Anything else would corrupt the dot-separated topic.
 */
const SYMBOL = /^[A-Z0-9][A-Z0-9_-]*$/;

function topicSymbol(market: Market, symbol: string): string | Error {
  const upper = symbol.trim().toUpperCase();
  if (!SYMBOL.test(upper)) {
    return new Error(`invalid Bybit ${market} symbol ${JSON.stringify(symbol)}: expected a native symbol such as BTCUSDT`);
  }
  return upper;
}

/** `kline.<bybit interval>.<SYMBOL>`, validated against the native intervals. */
export function klineTopic(market: Market, symbol: string, interval: string | undefined): Topic | Error {
  const sym = topicSymbol(market, symbol);
  if (sym instanceof Error) return sym;
  const native = SPELLING.native(interval);
  if (native === undefined) return intervalError('Bybit', market, interval, INTERVALS);
  return { endpoint: PUBLIC_ENDPOINT, name: `kline.${native}.${sym}` };
}

/** `publicTrade.<SYMBOL>`: batches of individual fills, taker side. */
export function tradeTopic(market: Market, symbol: string): Topic | Error {
  const sym = topicSymbol(market, symbol);
  if (sym instanceof Error) return sym;
  return { endpoint: PUBLIC_ENDPOINT, name: `publicTrade.${sym}` };
}

/**
 * The topics that together make a ticker. Linear `tickers` carries last, 24 h stats, best bid/ask,
 * mark, index and funding. Spot `tickers` has no bid/ask, so spot adds the level-1 book.
 */
export function tickerTopics(market: Market, symbol: string): Topic[] | Error {
  const sym = topicSymbol(market, symbol);
  if (sym instanceof Error) return sym;
  const ticker: Topic = { endpoint: PUBLIC_ENDPOINT, name: `tickers.${sym}` };
  if (market === 'perp') return [ticker];
  return [ticker, { endpoint: PUBLIC_ENDPOINT, name: `orderbook.1.${sym}` }];
}

/** The topics serving a request in `market`; an Error (as a value) when it cannot be served. */
export function topicsFor(market: Market, req: StreamRequest): Topic[] | Error {
  return channelTopics('Bybit', market, req, {
    kline: (symbol, interval) => klineTopic(market, symbol, interval),
    trades: (symbol) => tradeTopic(market, symbol),
    ticker: (symbol) => tickerTopics(market, symbol),
  });
}

/**
 * Binance stream names and the connection group (endpoint) each one must live on.
 * Spot has a single group. USDⓈ-M routes streams by kind: since 2026-04-23 the unrouted URL still
 * acks subscriptions but silently delivers no klines, trades or mark prices, so routing is not
 * optional.
 */
import type { Market } from '../../market/model';
import { channelTopics, intervalError, topicSymbol } from '../channels';
import type { StreamRequest, Topic } from '../types';

/** The one spot connection group. */
export const SPOT_ENDPOINT = 'stream';
/** USDⓈ-M group for aggTrade, kline, continuousKline, markPrice, ticker. */
export const PERP_MARKET_ENDPOINT = 'market';
/** USDⓈ-M group for high-frequency book data: bookTicker, depth. */
export const PERP_PUBLIC_ENDPOINT = 'public';

/** Native kline intervals per market, shortest first (Binance names equal the canonical ones). */
export const INTERVALS: Readonly<Record<Market, readonly string[]>> = {
  spot: ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'],
  perp: ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'],
};

/** Characters that would split or corrupt a stream name (`btcusdt@kline_1m`) or a SUBSCRIBE list. */
const BAD_SYMBOL = /[\s@/"\\]/;

/** The lowercase stream-name form of a native symbol, or an Error naming the bad symbol. */
function streamSymbol(symbol: string): string | Error {
  const checked = topicSymbol('Binance', symbol, BAD_SYMBOL, 'a native symbol such as BTCUSDT');
  return checked instanceof Error ? checked : checked.toLowerCase();
}

function checkInterval(market: Market, interval: string | undefined): string | Error {
  const available = INTERVALS[market];
  return interval !== undefined && available.includes(interval) ? interval : intervalError('Binance', market, interval, available);
}

/** The endpoint that carries every stream except bookTicker/depth in a market. */
function mainEndpoint(market: Market): string {
  return market === 'spot' ? SPOT_ENDPOINT : PERP_MARKET_ENDPOINT;
}

/** `<sym>@kline_<interval>`, validated against the market's native intervals. */
export function klineTopic(market: Market, symbol: string, interval: string | undefined): Topic | Error {
  const sym = streamSymbol(symbol);
  if (sym instanceof Error) return sym;
  const iv = checkInterval(market, interval);
  if (iv instanceof Error) return iv;
  return { endpoint: mainEndpoint(market), name: `${sym}@kline_${iv}` };
}

/**
 * USDⓈ-M `<pair>_perpetual@continuousKline_<interval>`: follows the perpetual contract of a pair
 * even across symbol renames. Its frames parse into ordinary kline events (symbol = the pair).
 */
export function continuousKlineTopic(pair: string, interval: string): Topic | Error {
  const sym = streamSymbol(pair);
  if (sym instanceof Error) return sym;
  const iv = checkInterval('perp', interval);
  if (iv instanceof Error) return iv;
  return { endpoint: PERP_MARKET_ENDPOINT, name: `${sym}_perpetual@continuousKline_${iv}` };
}

/** `<sym>@aggTrade`: one record per taker order and price, with the trade-id range it covers. */
export function tradeTopic(market: Market, symbol: string): Topic | Error {
  const sym = streamSymbol(symbol);
  if (sym instanceof Error) return sym;
  return { endpoint: mainEndpoint(market), name: `${sym}@aggTrade` };
}

/**
 * The streams that together make a ticker. Spot `@ticker` carries last, 24 h stats and the best
 * bid/ask. The USDⓈ-M `@ticker` has no bid/ask, so perp adds `@bookTicker` (on the `public`
 * endpoint) and `@markPrice@1s` for mark, index and funding.
 */
export function tickerTopics(market: Market, symbol: string): Topic[] | Error {
  const sym = streamSymbol(symbol);
  if (sym instanceof Error) return sym;
  if (market === 'spot') return [{ endpoint: SPOT_ENDPOINT, name: `${sym}@ticker` }];
  return [
    { endpoint: PERP_MARKET_ENDPOINT, name: `${sym}@ticker` },
    { endpoint: PERP_PUBLIC_ENDPOINT, name: `${sym}@bookTicker` },
    { endpoint: PERP_MARKET_ENDPOINT, name: `${sym}@markPrice@1s` },
  ];
}

/** The topics serving a request in `market`; an Error (as a value) when it cannot be served. */
export function topicsFor(market: Market, req: StreamRequest): Topic[] | Error {
  return channelTopics('Binance', market, req, {
    kline: (symbol, interval) => klineTopic(market, symbol, interval),
    trades: (symbol) => tradeTopic(market, symbol),
    ticker: (symbol) => tickerTopics(market, symbol),
  });
}

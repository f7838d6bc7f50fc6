/**
 * OKX channels, topic names and the connection group (endpoint) each one must live on. Since
 * 2023-06 every `candle*` channel is served on `/business` only (on `/public` it is refused with
 * 60018); trades, tickers, mark-price and funding-rate stay on `/public`.
 *
 * A topic name is `<channel>:<instId>` (`candle1m:BTC-USDT`): every push echoes both in its `arg`,
 * so the parser rebuilds the same name, and `subscribe` splits it back into the request arg.
 */
import type { Market } from '../../market/model';
import { channelTopics, intervalError, IntervalSpelling, topicSymbol } from '../channels';
import type { StreamRequest, Topic } from '../types';

export const PUBLIC_ENDPOINT = 'public';
export const BUSINESS_ENDPOINT = 'business';

/**
 * Canonical interval → OKX bar. From 6h up the UTC-aligned `…utc` bars: the plain `6H 12H 1D 1W 1M`
 * open at 00:00 UTC+8 and would not line up with anyone else's bars.
 */
const BARS = new IntervalSpelling([
  ['1s', '1s'],
  ['1m', '1m'],
  ['3m', '3m'],
  ['5m', '5m'],
  ['15m', '15m'],
  ['30m', '30m'],
  ['1h', '1H'],
  ['2h', '2H'],
  ['4h', '4H'],
  ['6h', '6Hutc'],
  ['12h', '12Hutc'],
  ['1d', '1Dutc'],
  ['1w', '1Wutc'],
  ['1M', '1Mutc'],
]);

/** Native kline intervals, shortest first: the same in both markets (1s included). */
export const INTERVALS = BARS.intervals;

/** The OKX bar of a canonical interval, or an Error naming it and listing the available ones. */
export function barOf(market: Market, interval: string | undefined): string | Error {
  return BARS.native(interval) ?? intervalError('OKX', market, interval, INTERVALS);
}

/** The canonical interval of an OKX bar (`1H` → `1h`, `1Dutc` → `1d`); undefined for bars not served (UTC+8 `1D`, `3D`, …). */
export function intervalOfBar(bar: string): string | undefined {
  return BARS.canonical(bar);
}

/** `<channel>:<instId>`. */
export function topicName(channel: string, instId: string): string {
  return `${channel}:${instId}`;
}

/** The request arg of a topic name; undefined when the name is not `<channel>:<instId>`. */
export function topicArg(name: string): { channel: string; instId: string } | undefined {
  const colon = name.indexOf(':');
  if (colon <= 0 || colon === name.length - 1) return undefined;
  return { channel: name.slice(0, colon), instId: name.slice(colon + 1) };
}

/** Characters that cannot be in an instId and would corrupt a topic name or a request. */
const BAD_SYMBOL = /[\s:"\\/]/;

function checkSymbol(symbol: string): string | Error {
  return topicSymbol('OKX', symbol, BAD_SYMBOL, 'an instrument id such as BTC-USDT or BTC-USDT-SWAP');
}

/** `candle<bar>` on the business endpoint. */
export function klineTopic(market: Market, symbol: string, interval: string | undefined): Topic | Error {
  const inst = checkSymbol(symbol);
  if (inst instanceof Error) return inst;
  const bar = barOf(market, interval);
  if (bar instanceof Error) return bar;
  return { endpoint: BUSINESS_ENDPOINT, name: topicName(`candle${bar}`, inst) };
}

/** `trades`: one row per taker order and price (`count` fills merged). */
export function tradeTopic(symbol: string): Topic | Error {
  const inst = checkSymbol(symbol);
  if (inst instanceof Error) return inst;
  return { endpoint: PUBLIC_ENDPOINT, name: topicName('trades', inst) };
}

/**
 * The channels that together make a ticker: `tickers` (last, best bid/ask, 24 h stats); on perp
 * also `mark-price` and `funding-rate`, each a partial ticker the hub merges.
 */
export function tickerTopics(market: Market, symbol: string): Topic[] | Error {
  const inst = checkSymbol(symbol);
  if (inst instanceof Error) return inst;
  const channels = market === 'spot' ? ['tickers'] : ['tickers', 'mark-price', 'funding-rate'];
  return channels.map((channel) => ({ endpoint: PUBLIC_ENDPOINT, name: topicName(channel, inst) }));
}

/** The topics serving a request in `market`; an Error (as a value) when it cannot be served. */
export function topicsFor(market: Market, req: StreamRequest): Topic[] | Error {
  return channelTopics('OKX', market, req, {
    kline: (symbol, interval) => klineTopic(market, symbol, interval),
    trades: (symbol) => tradeTopic(symbol),
    ticker: (symbol) => tickerTopics(market, symbol),
  });
}

/**
 * OKX channels, topic names and the connection group (endpoint) each one must live on. Since
 * 2023-06 every `candle*` channel is served on `/business` only (on `/public` it is refused with
 * 60018); trades, tickers, mark-price and funding-rate stay on `/public`.
 *
 * A topic name is `<channel>:<instId>` (`candle1m:BTC-USDT`): every push echoes both in its `arg`,
 * so the parser rebuilds the same name, and `subscribe` splits it back into the request arg.
 */
import type { Market } from '../../market/model';
import type { StreamRequest, Topic } from '../types';

export const PUBLIC_ENDPOINT = 'public';
export const BUSINESS_ENDPOINT = 'business';

/**
 * Canonical interval → OKX bar. From 6h up the UTC-aligned `…utc` bars: the plain `6H 12H 1D 1W 1M`
 * open at 00:00 UTC+8 and would not line up with anyone else's bars.
 */
const BARS: ReadonlyArray<readonly [string, string]> = [
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
];

/** Native kline intervals, shortest first: the same in both markets (1s included). */
export const INTERVALS: readonly string[] = BARS.map(([canonical]) => canonical);

const TO_BAR = new Map(BARS);
const FROM_BAR = new Map(BARS.map(([canonical, bar]) => [bar, canonical]));

/** The OKX bar of a canonical interval, or an Error naming it and listing the available ones. */
export function barOf(market: Market, interval: string | undefined): string | Error {
  const bar = interval === undefined ? undefined : TO_BAR.get(interval);
  if (bar !== undefined) return bar;
  const what = interval === undefined ? 'a kline subscription needs an interval' : `interval "${interval}" is not streamed`;
  return new Error(`OKX ${market}: ${what}; available: ${INTERVALS.join(', ')}`);
}

/** The canonical interval of an OKX bar (`1H` → `1h`, `1Dutc` → `1d`); undefined for bars not served (UTC+8 `1D`, `3D`, …). */
export function intervalOfBar(bar: string): string | undefined {
  return FROM_BAR.get(bar);
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
  if (symbol === '' || BAD_SYMBOL.test(symbol)) {
    return new Error(`invalid OKX symbol ${JSON.stringify(symbol)}: expected an instrument id such as BTC-USDT or BTC-USDT-SWAP`);
  }
  return symbol;
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
  if (req.market !== market) return new Error(`request for market "${req.market}" sent to the OKX ${market} adapter`);
  switch (req.channel) {
    case 'kline': {
      const topic = klineTopic(market, req.symbol, req.interval);
      return topic instanceof Error ? topic : [topic];
    }
    case 'trades': {
      const topic = tradeTopic(req.symbol);
      return topic instanceof Error ? topic : [topic];
    }
    case 'ticker':
      return tickerTopics(market, req.symbol);
    default:
      return new Error(`OKX ${market}: unknown channel ${JSON.stringify(req.channel as unknown)}; expected kline, trades or ticker`);
  }
}

/**
 * Bitget v2 channels and the topic names the adapter gives them. One public URL serves every
 * market; a subscription is the triple `{instType, channel, instId}` and every data frame, ack and
 * error echoes that triple as `arg`. The topic name is the triple joined with `:`
 * (`SPOT:candle1m:BTCUSDT`), so a frame routes back to its topic without knowing the market, and
 * `subscribe(topics)` rebuilds the args from the names alone.
 */
import type { Market } from '../../market/model';
import type { StreamRequest, Topic } from '../types';

/** The single connection group: everything shares `wss://ws.bitget.com/v2/ws/public`. */
export const ENDPOINT = 'public';

/** `instType` (WS) / `productType` (REST futures) of each market. */
export const INST_TYPE: Readonly<Record<Market, string>> = { spot: 'SPOT', perp: 'USDT-FUTURES' };

/**
 * Canonical interval → WS candle channel suffix. Only what the WS streams: no 3m or 2h, and the
 * UTC-aligned `…utc` variants for 6h and longer (the plain `6H/12H/1D/1W/1M` open at UTC+8).
 */
const WS_CANDLE: Readonly<Record<string, string>> = {
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
};

/** Candle channel suffix → canonical interval (the inverse of WS_CANDLE). */
const CANONICAL_OF: ReadonlyMap<string, string> = new Map(Object.entries(WS_CANDLE).map(([canonical, wire]) => [wire, canonical]));

/** Native kline intervals, shortest first: the same list on both markets. */
export const INTERVALS: readonly string[] = Object.keys(WS_CANDLE);

/** The candle channel of a canonical interval, e.g. `1h` → `candle1H`; undefined when not streamed. */
export function candleChannel(interval: string): string | undefined {
  const wire = WS_CANDLE[interval];
  return wire === undefined ? undefined : `candle${wire}`;
}

/** The canonical interval of a candle channel (`candle1Dutc` → `1d`); undefined for any other channel. */
export function intervalOfChannel(channel: string): string | undefined {
  return channel.startsWith('candle') ? CANONICAL_OF.get(channel.slice('candle'.length)) : undefined;
}

/** One subscription as the exchange spells it. */
export interface Arg {
  instType: string;
  channel: string;
  instId: string;
}

/** The topic name of a subscription triple. */
export function topicName(arg: Arg): string {
  return `${arg.instType}:${arg.channel}:${arg.instId}`;
}

/** The subscription triple of a topic name (the instId keeps any `:` after the second one). */
export function argOf(topic: string): Arg | Error {
  const first = topic.indexOf(':');
  const second = first < 0 ? -1 : topic.indexOf(':', first + 1);
  if (first <= 0 || second <= first + 1 || second === topic.length - 1) {
    return new Error(`invalid Bitget topic ${JSON.stringify(topic)}: expected <instType>:<channel>:<instId>`);
  }
  return { instType: topic.slice(0, first), channel: topic.slice(first + 1, second), instId: topic.slice(second + 1) };
}

/**
 * Characters that cannot be part of a real instId and would make a topic name ambiguous.
 * Non-ASCII letters are allowed: Bitget lists pairs such as `牛来USDT`.
 */
const BAD_SYMBOL = /[\s:/"\\]/;

function checkSymbol(symbol: string): string | Error {
  if (symbol === '' || BAD_SYMBOL.test(symbol)) {
    return new Error(`invalid Bitget symbol ${JSON.stringify(symbol)}: expected a native symbol such as BTCUSDT`);
  }
  return symbol;
}

/** The topics serving a request in `market`; an Error (as a value) when it cannot be served. */
export function topicsFor(market: Market, req: StreamRequest): Topic[] | Error {
  if (req.market !== market) {
    return new Error(`request for market "${req.market}" sent to the Bitget ${market} adapter`);
  }
  const instId = checkSymbol(req.symbol);
  if (instId instanceof Error) return instId;
  const instType = INST_TYPE[market];
  const topic = (channel: string): Topic[] => [{ endpoint: ENDPOINT, name: topicName({ instType, channel, instId }) }];
  switch (req.channel) {
    case 'kline': {
      const channel = req.interval === undefined ? undefined : candleChannel(req.interval);
      if (channel === undefined) {
        const what = req.interval === undefined ? 'a kline subscription needs an interval' : `interval "${req.interval}" is not streamed`;
        return new Error(`Bitget ${market}: ${what}; available: ${INTERVALS.join(', ')}`);
      }
      return topic(channel);
    }
    case 'trades':
      return topic('trade');
    case 'ticker':
      // One channel carries last, best bid/ask, 24 h stats and, on futures, mark/index/funding.
      return topic('ticker');
    default:
      return new Error(`Bitget ${market}: unknown channel ${JSON.stringify(req.channel as unknown)}; expected kline, trades or ticker`);
  }
}

/**
 * Bitget v2 channels and the topic names the adapter gives them. One public URL serves every
 * market; a subscription is the triple `{instType, channel, instId}` and every data frame, ack and
 * error echoes that triple as `arg`. The topic name is the triple joined with `:`
 * (`SPOT:candle1m:BTCUSDT`), so a frame routes back to its topic without knowing the market, and
 * `subscribe(topics)` rebuilds the args from the names alone.
 */
import type { Market } from '../../market/model';
import { channelTopics, intervalError, IntervalSpelling, topicSymbol } from '../channels';
import type { StreamRequest, Topic } from '../types';

/** The single connection group: everything shares `wss://ws.bitget.com/v2/ws/public`. */
export const ENDPOINT = 'public';

/** `instType` (WS) / `productType` (REST futures) of each market. */
export const INST_TYPE: Readonly<Record<Market, string>> = { spot: 'SPOT', perp: 'USDT-FUTURES' };

/**
 * Canonical interval → candle spelling: the WS channel suffix (`candle1H`), also the futures REST
 * `granularity`. Only what the WS streams: no 3m or 2h, and the UTC-aligned `…utc` variants for 6h
 * and longer (the plain `6H/12H/1D/1W/1M` open at UTC+8).
 */
export const CANDLES = new IntervalSpelling([
  ['1m', '1m'],
  ['5m', '5m'],
  ['15m', '15m'],
  ['30m', '30m'],
  ['1h', '1H'],
  ['4h', '4H'],
  ['6h', '6Hutc'],
  ['12h', '12Hutc'],
  ['1d', '1Dutc'],
  ['1w', '1Wutc'],
  ['1M', '1Mutc'],
]);

/** Native kline intervals, shortest first: the same list on both markets. */
export const INTERVALS = CANDLES.intervals;

/** The candle channel of a canonical interval, e.g. `1h` → `candle1H`; undefined when not streamed. */
export function candleChannel(interval: string | undefined): string | undefined {
  const wire = CANDLES.native(interval);
  return wire === undefined ? undefined : `candle${wire}`;
}

/** The canonical interval of a candle channel (`candle1Dutc` → `1d`); undefined for any other channel. */
export function intervalOfChannel(channel: string): string | undefined {
  return channel.startsWith('candle') ? CANDLES.canonical(channel.slice('candle'.length)) : undefined;
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

/** The topic of `channel` for `symbol` in `market`, or an Error naming a bad symbol. */
function topic(market: Market, symbol: string, channel: string): Topic | Error {
  const instId = topicSymbol('Bitget', symbol, BAD_SYMBOL, 'a native symbol such as BTCUSDT');
  if (instId instanceof Error) return instId;
  return { endpoint: ENDPOINT, name: topicName({ instType: INST_TYPE[market], channel, instId }) };
}

/** The topics serving a request in `market`; an Error (as a value) when it cannot be served. */
export function topicsFor(market: Market, req: StreamRequest): Topic[] | Error {
  return channelTopics('Bitget', market, req, {
    kline: (symbol, interval) => {
      const channel = candleChannel(interval);
      return channel === undefined ? intervalError('Bitget', market, interval, INTERVALS) : topic(market, symbol, channel);
    },
    trades: (symbol) => topic(market, symbol, 'trade'),
    // One channel carries last, best bid/ask, 24 h stats and, on futures, mark/index/funding.
    ticker: (symbol) => topic(market, symbol, 'ticker'),
  });
}

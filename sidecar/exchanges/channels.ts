/**
 * From a StreamRequest to an exchange's topics: the channel dispatch every adapter shares, a
 * two-way table between canonical interval names and an exchange's spelling, and the errors (as
 * values) for what an exchange-market cannot serve. Topic names themselves are each protocol's.
 */
import type { Market } from '../market/model';
import type { StreamRequest, Topic } from './types';

/** How one exchange-market serves each channel: one topic, several, or an Error (as a value). */
export interface ChannelTopics {
  kline(symbol: string, interval: string | undefined): Topic | Topic[] | Error;
  trades(symbol: string): Topic | Topic[] | Error;
  ticker(symbol: string): Topic | Topic[] | Error;
}

/**
 * The topics serving `req` on the `market` adapter of `exchange` (its display name): the request's
 * channel picks the builder. An Error for another market's request or an unknown channel.
 */
export function channelTopics(exchange: string, market: Market, req: StreamRequest, build: ChannelTopics): Topic[] | Error {
  if (req.market !== market) return new Error(`request for market "${req.market}" sent to the ${exchange} ${market} adapter`);
  let topics: Topic | Topic[] | Error;
  switch (req.channel) {
    case 'kline':
      topics = build.kline(req.symbol, req.interval);
      break;
    case 'trades':
      topics = build.trades(req.symbol);
      break;
    case 'ticker':
      topics = build.ticker(req.symbol);
      break;
    default:
      return new Error(`${exchange} ${market}: unknown channel ${JSON.stringify(req.channel as unknown)}; expected kline, trades or ticker`);
  }
  return topics instanceof Error || Array.isArray(topics) ? topics : [topics];
}

/** The Error for a kline request whose interval is missing or not streamed, listing those that are. */
export function intervalError(exchange: string, market: Market, interval: string | undefined, available: readonly string[]): Error {
  const what = interval === undefined ? 'a kline subscription needs an interval' : `interval "${interval}" is not streamed`;
  return new Error(`${exchange} ${market}: ${what}; available: ${available.join(', ')}`);
}

/**
 * `symbol` when it can stand in a topic name: not empty and without any of the `forbidden`
 * characters (the separators of the exchange's topic grammar); else an Error naming it and what
 * was expected.
 */
export function topicSymbol(exchange: string, symbol: string, forbidden: RegExp, expected: string): string | Error {
  if (symbol === '' || forbidden.test(symbol)) return new Error(`invalid ${exchange} symbol ${JSON.stringify(symbol)}: expected ${expected}`);
  return symbol;
}

/** Canonical interval names and an exchange's spelling of them, both ways. */
export class IntervalSpelling {
  /** The canonical names, in table order (shortest first): MarketAdapter.intervals. */
  readonly intervals: readonly string[];
  private readonly toNative: ReadonlyMap<string, string>;
  private readonly toCanonical: ReadonlyMap<string, string>;

  constructor(pairs: ReadonlyArray<readonly [canonical: string, native: string]>) {
    this.intervals = pairs.map(([canonical]) => canonical);
    this.toNative = new Map(pairs);
    this.toCanonical = new Map(pairs.map(([canonical, native]) => [native, canonical]));
  }

  /** The exchange's spelling of a canonical interval (`1h` → `60`); undefined when it has none. */
  native(canonical: string | undefined): string | undefined {
    return canonical === undefined ? undefined : this.toNative.get(canonical);
  }

  /** The canonical name of an exchange spelling (`D` → `1d`); undefined when it is not in the table. */
  canonical(native: string): string | undefined {
    return this.toCanonical.get(native);
  }
}

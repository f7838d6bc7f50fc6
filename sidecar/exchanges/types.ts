/**
 * The contract between the generic machinery (feed engine, REST pager, hub) and one exchange.
 * An adapter is PURE protocol code: it builds URLs and frames and turns frames/bodies into
 * normalized records. It never opens a socket, starts a timer or touches the cache.
 */
import type { Instrument, Kline, Market, Ticker, Trade } from '../market/model';

/** What a subscriber wants, in normalized terms (symbol already in native spelling). */
export interface StreamRequest {
  market: Market;
  symbol: string;
  channel: 'kline' | 'trades' | 'ticker';
  /** Canonical interval name (`1m`, `1h`, …); kline channel only. */
  interval?: string;
}

/**
 * One exchange-level subscription. `endpoint` names the connection group it must live on
 * (e.g. Binance USDⓈ-M routes klines to `market` and bookTicker to `public`); `name` is the
 * exchange's own identifier, echoed back in every data frame so events can be routed.
 */
export interface Topic {
  endpoint: string;
  name: string;
}

/** Normalized records a frame can carry. `topic` is the Topic.name the record belongs to. */
export type MarketEvent =
  | { kind: 'kline'; topic: string; symbol: string; interval: string; kline: Kline }
  | {
      kind: 'trade';
      topic: string;
      symbol: string;
      trade: Trade;
      /**
       * How many of the exchange's individual trade ids this record covers, when it aggregates
       * several fills (Binance aggTrade: `l - f + 1`); absent means one. Lets trade-built candles
       * report the same trade count as the exchange's own klines.
       */
      count?: number;
    }
  /** A partial ticker: the hub merges the fields of every topic that serves the ticker channel. */
  | { kind: 'ticker'; topic: string; symbol: string; ticker: Partial<Ticker> & { time: number } };

export type ParseResult =
  | { type: 'events'; events: MarketEvent[] }
  /** A subscribe/unsubscribe acknowledgement; `id` is the request id when the exchange echoes it. */
  | { type: 'ack'; id?: string | number; topics?: string[] }
  /** The exchange refused a request; `topics` when it says which, `id` when it echoes the request. */
  | { type: 'error'; id?: string | number; topics?: string[]; message: string }
  | { type: 'pong' }
  /** The exchange announced it will close the connection soon (maintenance): recycle early. */
  | { type: 'closing'; message: string }
  /** Valid protocol traffic that carries nothing for us. */
  | { type: 'ignore' }
  /** Not a frame this protocol can produce: counted and logged, never fatal. */
  | { type: 'malformed'; reason: string };

/** How a connection is kept alive and checked for life. */
export type Heartbeat =
  /** The server sends WebSocket ping control frames (answered automatically by `ws`). */
  | { mode: 'server-ping' }
  /** The client must send an application-level ping every `intervalMs`; `parse` reports the pong. */
  | { mode: 'client'; intervalMs: number; frame: () => string };

export interface WsProtocol {
  /** The URL of one connection group; `topics` are the first ones it will carry (may be ignored). */
  url(endpoint: string): string;
  /** Connection-level limits the engine must respect. */
  limits: {
    topicsPerConnection: number;
    topicsPerRequest: number;
    /** Minimum spacing of client → server messages (subscribe batches, pings). */
    requestIntervalMs: number;
    /** Hard lifetime of a connection, if the exchange cuts it; the engine recycles before it. */
    maxLifetimeMs?: number;
  };
  heartbeat: Heartbeat;
  subscribe(topics: string[], id: number): string;
  unsubscribe(topics: string[], id: number): string;
  parse(frame: string): ParseResult;
}

export interface HttpRequest {
  url: string;
}

/** One page of a kline query. Times are inclusive bounds on open time. */
export interface KlinePageQuery {
  symbol: string;
  interval: string;
  startTime?: number;
  endTime?: number;
  limit: number;
}

export interface RestProtocol {
  klines: {
    maxLimit: number;
    /** Which end of the window a limited page returns: Binance the oldest rows, OKX the newest. */
    pageFrom: 'oldest' | 'newest';
    request(q: KlinePageQuery): HttpRequest;
    /**
     * Rows sorted by open time ascending; `closed` true only for bars whose close time < now.
     * `query` is the page's request (its interval gives bar lengths where rows carry no close time).
     */
    parse(body: string, now: number, query?: KlinePageQuery): Kline[];
  };
  instruments: {
    request(): HttpRequest;
    parse(body: string): Instrument[];
  };
  /** A user-readable message from an error body (`{"code":-1121,"msg":"Invalid symbol."}`), if any. */
  errorMessage?(body: string): string | undefined;
}

export interface MarketUrls {
  ws: string;
  rest: string;
}

/** One exchange-market (e.g. binance perp), bound to its URLs. */
export interface MarketAdapter {
  exchange: string;
  market: Market;
  ws: WsProtocol;
  rest: RestProtocol;
  /** Canonical names of the intervals the exchange streams natively, shortest first. */
  intervals: readonly string[];
  /** The exchange topics that serve a request; an Error (as a value) when unsupported. */
  topics(req: StreamRequest): Topic[] | Error;
  /** Native spelling for a user's symbol (native or unified `BTC/USDT`, `BTC/USDT:USDT`). */
  nativeSymbol(input: string): string;
  /** Unified spelling of a native symbol when it can be derived without instrument data. */
  unifiedSymbol?(native: string): string | undefined;
  /**
   * Instrument metadata, handed over by the hub whenever it (re)loads the list, for protocols
   * whose frames need it (e.g. sizes in contracts converted to base units with contractSize).
   */
  useInstruments?(instruments: readonly Instrument[]): void;
}

export interface ExchangeAdapter {
  id: string;
  displayName: string;
  /** Production URLs; a config file may override each, and an empty URL disables that market. */
  defaults: Partial<Record<Market, MarketUrls>>;
  market(market: Market, urls: MarketUrls): MarketAdapter;
}

/**
 * What one exchange must describe so the generic fake server can speak its protocol: WebSocket
 * routes, request parsing, acks and errors, topic names, frame layouts, heartbeat rules and REST
 * routes. Protocol files live in sidecar/exchanges/<name>/fake.ts and are pure functions of their
 * inputs; the server owns sockets, timers, subscriptions and faults.
 */
import type { Market } from '../market/model';
import type { SimInterval } from './interval';
import type { MarketSim, SimKline, SimTrade, SymbolSpec } from './market-sim';
import type { BookTop, MarkInfo, RollingStats } from './quotes';

/** The kinds of live data the server knows how to produce. */
export type PushKind = 'kline' | 'ticker' | 'bookTicker' | 'markPrice';

/**
 * A parsed topic (stream name). `none` topics are valid and acknowledged but never carry data
 * (e.g. order-book streams, which the fake does not simulate).
 */
export type TopicSpec =
  | { kind: 'trades'; symbol: string; variant?: string }
  | { kind: 'kline'; symbol: string; interval: SimInterval; pushMs: number; variant?: string }
  | { kind: 'ticker'; symbol: string; pushMs: number; variant?: string }
  | { kind: 'bookTicker'; symbol: string; pushMs: number; variant?: string }
  | { kind: 'markPrice'; symbol: string; pushMs: number; variant?: string }
  | { kind: 'none'; symbol: string };

export type RequestId = string | number | null;

/** What a client message asks for, as understood by the protocol. */
export type ClientRequest =
  | { type: 'subscribe'; topics: string[]; id?: RequestId }
  | { type: 'unsubscribe'; topics: string[]; id?: RequestId }
  | { type: 'list'; id?: RequestId }
  /** An application-level ping; the server answers `reply` (if any) and notes the client is alive. */
  | { type: 'ping'; reply?: string }
  /** The protocol answered by itself (bad request, property get/set): send `text`. */
  | { type: 'reply'; text: string }
  | { type: 'ignore' };

/** A subscribe or unsubscribe request. */
export type SubscribeRequest = Extract<ClientRequest, { type: 'subscribe' | 'unsubscribe' }>;

/** Why a subscribe request is refused. */
export type RejectReason =
  | { kind: 'invalid-topic'; topic: string; message: string }
  | { kind: 'rejected-symbol'; topic: string; symbol: string }
  | { kind: 'too-many-topics'; limit: number };

/** One client connection as the protocol sees it. `state` is the protocol's own per-connection data. */
export interface FakeConnection {
  readonly endpoint: string;
  readonly topics: ReadonlySet<string>;
  state: Record<string, unknown>;
}

/** Where a WebSocket upgrade lands. */
export interface WsRoute {
  /** Endpoint name the protocol routes topics by (e.g. `market`, `public`). */
  endpoint: string;
  /** Topics given in the URL itself (subscribed without an ack). */
  topics?: string[];
  /** Initial protocol state of the connection. */
  state?: Record<string, unknown>;
}

export type FakeHeartbeat =
  /** The server sends WebSocket ping frames every intervalMs and drops a client whose pong is timeoutMs late. */
  | { mode: 'server-ping'; intervalMs: number; timeoutMs: number }
  /** The client must talk (ping) at least every idleTimeoutMs, or it is dropped. */
  | { mode: 'client-ping'; idleTimeoutMs: number };

/** Everything a payload formatter may need besides its data. */
export interface PayloadContext {
  sim: MarketSim;
  now: number;
  topic: string;
  spec: TopicSpec;
}

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

export interface RestResponse {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface RestContext {
  sim: MarketSim;
  now: number;
  market: Market;
}

/** The protocol of one exchange-market. */
export interface FakeMarketProtocol {
  /** Simulation defaults for a symbol of this market (decimals, price key…). */
  symbolDefaults?(symbol: string): Partial<SymbolSpec>;
  /** Symbols simulated when the caller names none. */
  defaultSymbols: string[];
  /** Base URLs for the sidecar config, given the server's `host:port`. */
  urls(hostPort: string): { ws: string; rest: string };
  ws: {
    /** The route of an upgrade path; undefined → 404, an Error → 400 with its message. */
    route(path: string, query: URLSearchParams): WsRoute | Error | undefined;
    heartbeat: FakeHeartbeat;
    /** Topics one connection may hold; more → `reject(too-many-topics)`. */
    topicsPerConnection: number;
    /** Incoming messages per second a connection may send (pongs included), and how it is closed when it exceeds them. */
    rateLimit?: { perSecond: number; closeCode: number; reason: string };
    parseRequest(text: string, conn: FakeConnection): ClientRequest;
    parseTopic(topic: string): TopicSpec | Error;
    /** Whether a connection on `endpoint` receives data for `spec` (it is acked either way). */
    serves(endpoint: string, spec: TopicSpec): boolean;
    /**
     * true: every topic of a request is acked or refused on its own (one bad arg does not sink the
     * others; ack/reject are called with a one-topic request). false/absent: all or nothing.
     */
    ackPerTopic?: boolean;
    /** Acknowledgement(s) of a subscribe/unsubscribe (undefined: the protocol sends none). */
    ack(req: SubscribeRequest, conn: FakeConnection): string | string[] | undefined;
    reject(req: SubscribeRequest, reason: RejectReason, conn: FakeConnection): string | string[];
    /** Frames pushed right after a topic is subscribed (e.g. an initial snapshot); already framed. */
    onSubscribed?(ctx: PayloadContext, conn: FakeConnection): string[];
    list(req: Extract<ClientRequest, { type: 'list' }>, conn: FakeConnection): string;
    /** Wraps a payload for one connection (e.g. combined-stream envelope). */
    frame(conn: FakeConnection, topic: string, payload: string): string;
    payload: {
      /** One payload per element (an exchange that batches trades returns one element). */
      trades(ctx: PayloadContext, trades: SimTrade[]): string[];
      kline(ctx: PayloadContext, kline: SimKline): string;
      ticker(ctx: PayloadContext, stats: RollingStats, book: BookTop): string;
      bookTicker(ctx: PayloadContext, book: BookTop): string;
      markPrice(ctx: PayloadContext, mark: MarkInfo): string;
    };
  };
  rest: {
    /** The answer to a REST request; undefined → 404. */
    handle(req: RestRequest, ctx: RestContext): RestResponse | undefined;
    /** The exchange's own error body for an injected HTTP failure (e.g. 429, 418). */
    failureBody?(status: number, retryAfterSec: number | undefined, now: number): string;
  };
}

/** A fake exchange: an id (as in the sidecar config) and the protocol of each market it has. */
export interface FakeProtocol {
  id: string;
  markets: Partial<Record<Market, FakeMarketProtocol>>;
}

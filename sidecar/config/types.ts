/** The resolved configuration the rest of the sidecar reads: camelCase, complete, frozen. */
import type { Market } from '../market/model';
import type { LogLevel } from './schema';

/** One exchange-market's endpoints. `enabled` is false when the exchange is off or either URL is empty. */
export interface MarketEndpoint {
  readonly enabled: boolean;
  readonly ws: string;
  readonly rest: string;
}

export interface ExchangeConfig {
  readonly enabled: boolean;
  /** Only the markets the exchange offers. */
  readonly markets: Readonly<Partial<Record<Market, MarketEndpoint>>>;
}

export interface Config {
  /** The config file that was read, if any. */
  readonly file: string | undefined;
  /** Keyed by exchange id; every known exchange is present. */
  readonly exchanges: Readonly<Record<string, ExchangeConfig>>;
  readonly cache: { readonly maxBars: number };
  readonly feed: {
    readonly connectTimeoutMs: number;
    /** A connection (or channel) silent this long is declared stale. */
    readonly staleAfterMs: number;
    /** After this much silence the engine probes the connection (ping) before declaring it stale. */
    readonly idleProbeMs: number;
    readonly ackTimeoutMs: number;
    readonly backoffBaseMs: number;
    readonly backoffCapMs: number;
    /** How long after a bar's close its final version may still arrive before REST is asked. */
    readonly closeGraceMs: number;
    /** A subscribed channel silent this long (connection still open) is reported stale. */
    readonly channelStaleMs: number;
    /** Client heartbeat period where the exchange needs client pings; 0 = each exchange's own. */
    readonly clientPingMs: number;
    /** Planned recycle before this connection age; 0 = each exchange's own hard lifetime (if any). */
    readonly maxLifetimeMs: number;
  };
  readonly rpc: {
    readonly maxSubscriptionsPerClient: number;
    /** A request line longer than this is refused and its client disconnected. */
    readonly maxLineBytes: number;
    /** Notifications waiting for a slow client before it is disconnected. */
    readonly maxQueuedMessages: number;
    /** Clients connected at once over every transport (stdio included); one more is refused. */
    readonly maxClients: number;
    /** Per client: above this rate forming-kline updates are coalesced; a client still over it is disconnected. */
    readonly maxNotificationsPerSecond: number;
  };
  readonly rest: { readonly timeoutMs: number; readonly backfillBars: number };
  readonly proxy: {
    /** http://, https://, socks5:// or socks5h://, possibly with user:password; undefined: direct. */
    readonly url: string | undefined;
    /** Hosts that bypass the proxy, as written (NO_PROXY conventions). */
    readonly noProxy: readonly string[];
  };
  readonly log: { readonly level: LogLevel };
  /**
   * Where each setting that is not a built-in default came from, by file key path
   * (`feed.stale_after_ms` → `config.toml`, `proxy.url` → `HTTPS_PROXY`, … → `overrides`).
   */
  readonly origins: Readonly<Record<string, string>>;
}

export type ConfigResult = { ok: true; config: Config; warnings: string[] } | { ok: false; error: string };

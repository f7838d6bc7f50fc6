/** The commented example config file shown in the README and written by `--print-example-config`. */
import { MarketSchema } from '../market/model';
import { SECTION_DEFAULTS, urlKeys, type ExchangeDefaults } from './schema';

const tomlKey = (id: string) => (/^[A-Za-z0-9_-]+$/.test(id) ? id : JSON.stringify(id));
// JSON string escapes are valid TOML basic-string escapes.
const tomlString = (s: string) => JSON.stringify(s);

/**
 * A complete, commented config file whose values are the built-in defaults, with one section per
 * exchange given (pass the registry's adapters). Generated rather than written out so it can
 * never drift from the defaults, and so this module names no exchange.
 */
export function exampleConfigToml(exchanges: readonly ExchangeDefaults[]): string {
  const d = SECTION_DEFAULTS;
  const out: string[] = [
    '# Candlewire configuration (TOML). Every key is optional: a missing key keeps its built-in default.',
    '# Precedence, later wins: defaults < this file < CANDLEWIRE_* environment variables < editor/RPC settings.',
    '# Every setting also has an environment variable named after its key path, e.g. cache.max_bars is',
    '# CANDLEWIRE_CACHE_MAX_BARS. Unknown keys are errors, so a typo never falls back to a default silently.',
    '# Use it with `candlewire --config path/to/config.toml` or set CANDLEWIRE_CONFIG=path/to/config.toml.',
    '',
    '# One section per exchange. enabled = false turns the whole exchange off; an empty URL ("")',
    '# turns that market off. Point the URLs at a local server to test against a fake exchange.',
  ];
  for (const ex of exchanges) {
    out.push(`[exchanges.${tomlKey(ex.id)}]`, 'enabled = true');
    for (const market of MarketSchema.options) {
      const urls = ex.defaults[market];
      if (urls === undefined) continue;
      const keys = urlKeys(market);
      out.push(`${keys.ws} = ${tomlString(urls.ws)}`, `${keys.rest} = ${tomlString(urls.rest)}`);
    }
    out.push('');
  }
  out.push(
    '[cache]',
    '# Closed bars kept in memory per (exchange, market, symbol, interval); 1 to 100000.',
    `max_bars = ${d.cache.max_bars}`,
    '',
    '[feed]',
    '# All times in milliseconds.',
    `connect_timeout_ms = ${d.feed.connect_timeout_ms}`,
    '# A connection (or one channel on it) silent this long is declared stale and recycled.',
    `stale_after_ms = ${d.feed.stale_after_ms}`,
    '# After this much silence the connection is probed with a ping; must be less than stale_after_ms.',
    `# When not set: ${d.feed.idle_probe_ms}, or half of stale_after_ms if that is less.`,
    `# idle_probe_ms = ${d.feed.idle_probe_ms}`,
    '# How long the exchange may take to acknowledge a subscribe request.',
    `ack_timeout_ms = ${d.feed.ack_timeout_ms}`,
    '# Reconnect delays: exponential backoff with full jitter, from base up to cap.',
    `# When base is not set: ${d.feed.backoff_base_ms}, or backoff_cap_ms if that is less.`,
    `# backoff_base_ms = ${d.feed.backoff_base_ms}`,
    `backoff_cap_ms = ${d.feed.backoff_cap_ms}`,
    "# How long after a bar's close the exchange's final version may lag before REST is asked for it.",
    `close_grace_ms = ${d.feed.close_grace_ms}`,
    '# A subscribed channel silent this long (its connection still open) is reported stale.',
    `channel_stale_ms = ${d.feed.channel_stale_ms}`,
    '# Period of client pings where an exchange requires them; 0 = each exchange’s recommended period.',
    `client_ping_ms = ${d.feed.client_ping_ms}`,
    "# Connections are recycled (a fresh socket first, then a switch) before this age; 0 = the exchange's",
    '# own hard lifetime (Binance: 24 h). Shorter values are for testing the recycle.',
    `max_lifetime_ms = ${d.feed.max_lifetime_ms}`,
    '',
    '[rpc]',
    '# Per-client limits of the JSON-RPC transports.',
    `max_subscriptions_per_client = ${d.rpc.max_subscriptions_per_client}`,
    '# A request line longer than this (bytes) is refused and the client disconnected.',
    `max_line_bytes = ${d.rpc.max_line_bytes}`,
    '# Notifications that may wait for a slow client before it is disconnected.',
    `max_queued_messages = ${d.rpc.max_queued_messages}`,
    '# Clients connected at once over stdio, the local socket and WebSocket; one more is refused.',
    `max_clients = ${d.rpc.max_clients}`,
    '# Notifications per second per client: above it, forming-candle updates are merged (the latest',
    '# state wins); a client still above it after a one-second burst is disconnected.',
    `max_notifications_per_second = ${d.rpc.max_notifications_per_second}`,
    '',
    '[rest]',
    `timeout_ms = ${d.rest.timeout_ms}`,
    '# History fetched over REST when a kline subscription starts or after a gap.',
    `backfill_bars = ${d.rest.backfill_bars}`,
    '',
    '[proxy]',
    '# http://, https:// (HTTP CONNECT), socks5:// or socks5h:// (the proxy resolves host names),',
    '# optionally with credentials: "socks5h://user:password@127.0.0.1:1080".',
    '# Empty: HTTPS_PROXY / ALL_PROXY from the environment if set, else direct connections.',
    '# CANDLEWIRE_PROXY overrides this key; CANDLEWIRE_PROXY="" forces direct connections.',
    `url = ${tomlString(d.proxy.url)}`,
    '# Hosts that bypass the proxy, e.g. ["localhost", "127.0.0.1", ".internal.example"]. Default: NO_PROXY.',
    `no_proxy = [${d.proxy.no_proxy.map(tomlString).join(', ')}]`,
    '',
    '[log]',
    '# error, warn, info or debug (CANDLEWIRE_LOG_LEVEL). Logs go to stderr.',
    `level = ${tomlString(d.log.level)}`,
    '',
  );
  return out.join('\n');
}

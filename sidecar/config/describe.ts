/** A short, human summary of a resolved configuration (for `--print-config` and logs). */
import { FILE_MARKET_NAME, urlKeys } from './schema';
import type { Config, MarketEndpoint } from './types';
import type { Market } from '../market/model';
import { redactUrlPassword } from './values';

function whyDisabled(exchangeEnabled: boolean, market: Market, ep: MarketEndpoint): string {
  if (!exchangeEnabled) return 'exchange disabled';
  const keys = urlKeys(market);
  const empty = [ep.ws === '' ? keys.ws : undefined, ep.rest === '' ? keys.rest : undefined].filter((k) => k !== undefined);
  return `${empty.join(' and ')} empty`;
}

/**
 * One line per exchange-market and per section, in the config file's key names so a reader can
 * map each value to the key that changes it; then which settings came from outside the defaults.
 * Proxy passwords are masked.
 */
export function describeConfig(config: Config): string {
  const lines = [`config file: ${config.file ?? 'none (built-in defaults)'}`];
  for (const [id, exchange] of Object.entries(config.exchanges)) {
    for (const [market, ep] of Object.entries(exchange.markets) as [Market, MarketEndpoint][]) {
      const state = ep.enabled ? `${ep.ws}  ${ep.rest}` : `disabled (${whyDisabled(exchange.enabled, market, ep)})`;
      lines.push(`exchange ${id} ${market} (${FILE_MARKET_NAME[market]}): ${state}`);
    }
  }
  const f = config.feed;
  lines.push(
    `cache: max_bars=${config.cache.maxBars}`,
    `feed: connect_timeout_ms=${f.connectTimeoutMs} stale_after_ms=${f.staleAfterMs} idle_probe_ms=${f.idleProbeMs} ` +
      `ack_timeout_ms=${f.ackTimeoutMs} backoff_base_ms=${f.backoffBaseMs} backoff_cap_ms=${f.backoffCapMs}`,
    `rest: timeout_ms=${config.rest.timeoutMs} backfill_bars=${config.rest.backfillBars}`,
    `proxy: ${config.proxy.url === undefined ? 'none (direct connections)' : redactUrlPassword(config.proxy.url)}` +
      (config.proxy.noProxy.length > 0 ? ` no_proxy=${config.proxy.noProxy.join(',')}` : ''),
    `log: level=${config.log.level}`,
  );
  const set = Object.entries(config.origins);
  lines.push(
    set.length === 0
      ? 'all other settings: built-in defaults'
      : `not defaults: ${set.map(([key, origin]) => `${key} (${origin})`).join(', ')}`,
  );
  return lines.join('\n');
}

/**
 * README sections generated from the code itself: the exchange matrix (markets, channels,
 * native intervals, limits) and the complete example configuration. `npm run docs` writes them;
 * a test fails when README.md is stale.
 */
import { exchangeDefaults } from './app';
import { exampleConfigToml } from './config';
import { exchanges } from './exchanges/registry';
import type { MarketAdapter } from './exchanges/types';
import { canonicalIntervals } from './market/intervals';
import type { Market } from './market/model';

const MARKETS: Market[] = ['spot', 'perp'];

function adapters(): Array<{ name: string; market: Market; a: MarketAdapter }> {
  return exchanges.flatMap((e) =>
    MARKETS.filter((m) => e.defaults[m]).map((market) => ({ name: e.displayName, market, a: e.market(market, e.defaults[market]!) })),
  );
}

function seconds(ms: number): string {
  return ms >= 3_600_000 ? `${ms / 3_600_000} h` : ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

export function exchangeMatrix(): string {
  const lines = [
    '| exchange | market | channels | native kline intervals | trade-built only |',
    '|---|---|---|---|---|',
  ];
  for (const { name, market, a } of adapters()) {
    const native = a.intervals.join(' ');
    const built = canonicalIntervals.filter((i) => !a.intervals.includes(i) && i !== '1M' && i !== '1w' && i !== '1d');
    lines.push(`| ${name} | ${market} | kline, trades, ticker | ${native} | ${built.join(' ') || '—'} |`);
  }
  lines.push('', 'Any `<n>s`, `<n>m` or `<n>h` interval can be built from trades (`klineSource: "trades"`).');
  return lines.join('\n');
}

export function exchangeLimits(): string {
  const lines = [
    '| exchange | market | connections (endpoints) | topics per connection | topics per request | request spacing | heartbeat | max lifetime |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const { name, market, a } of adapters()) {
    const l = a.ws.limits;
    const hb = a.ws.heartbeat.mode === 'server-ping' ? 'server pings, answered' : `client ping every ${seconds(a.ws.heartbeat.intervalMs)}`;
    const endpoints = new Set<string>();
    for (const channel of ['kline', 'trades', 'ticker'] as const) {
      const t = a.topics({ market, symbol: 'BTCUSDT', channel, interval: channel === 'kline' ? '1m' : undefined });
      if (!(t instanceof Error)) t.forEach((x) => endpoints.add(x.endpoint));
    }
    lines.push(
      `| ${name} | ${market} | ${[...endpoints].join(', ')} | ${l.topicsPerConnection} | ${l.topicsPerRequest} | ${seconds(l.requestIntervalMs)} | ${hb} | ${l.maxLifetimeMs ? `${seconds(l.maxLifetimeMs)} (recycled before)` : '—'} |`,
    );
  }
  return lines.join('\n');
}

export function generatedSections(): Record<string, string> {
  return {
    exchanges: exchangeMatrix(),
    limits: exchangeLimits(),
    config: '```toml\n' + exampleConfigToml(exchangeDefaults()).trimEnd() + '\n```',
  };
}

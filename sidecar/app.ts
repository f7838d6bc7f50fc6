/**
 * Composition root: config + registry → enabled market adapters → hub with the real feed engine
 * and REST client. Everything the CLI modes share.
 */
import type { Agent } from 'node:http';
import type { Config } from './config/types';
import { exchanges } from './exchanges/registry';
import type { ExchangeAdapter, MarketAdapter, WsProtocol } from './exchanges/types';
import { createFeedPort } from './feed/port';
import { describeProxy, proxyAgents } from './net/proxy';
import { getWithRetry } from './feed/http';
import { Hub, type HubMarket, type HubOptions } from './hub/hub';
import { marketKey } from './hub/keys';
import type { Logger } from './log';
import type { Market } from './market/model';

import pkg from '../package.json';

export const VERSION: string = pkg.version;

const MARKETS: Market[] = ['spot', 'perp'];

/** Exchange ids and production URLs, as the config loader needs them. */
export function exchangeDefaults() {
  return exchanges.map((e: ExchangeAdapter) => ({ id: e.id, defaults: e.defaults }));
}

export function createHub(config: Config, log: Logger, extra: Partial<HubOptions> = {}): Hub {
  const agentFor = proxyAgents(config.proxy);
  /** Every endpoint of one exchange-market shares a host, so one agent (or none) serves them all. */
  const wsAgents = new Map<string, Agent | undefined>();
  const markets = new Map<string, HubMarket>();
  const catalog: HubOptions['catalog'] = [];
  for (const ex of exchanges) {
    const entry: HubOptions['catalog'][number] = { id: ex.id, displayName: ex.displayName, markets: [] };
    for (const market of MARKETS) {
      if (!ex.defaults[market]) continue;
      const endpoint = config.exchanges[ex.id]?.markets[market];
      const enabled = !!endpoint?.enabled;
      const adapter = endpoint && enabled ? withClientPing(ex.market(market, { ws: endpoint.ws, rest: endpoint.rest }), config.feed.clientPingMs) : undefined;
      if (adapter) {
        markets.set(marketKey(ex.id, market), { adapter, exchangeName: ex.displayName });
        wsAgents.set(marketKey(ex.id, market), agentFor(endpoint!.ws));
      }
      entry.markets.push({ market, enabled, adapter: adapter ?? ex.market(market, ex.defaults[market]!) });
    }
    catalog.push(entry);
  }
  const fetchText: HubOptions['fetchText'] = async (url, describe) => {
    const agent = agentFor(url);
    const r = await getWithRetry(url, {
      agent,
      timeoutMs: config.rest.timeoutMs,
      describe,
      onRetry: (info) => log.warn(`REST ${redact(url)}: ${info}`),
    });
    if (r instanceof Error) throw r; // names the proxy itself when one was used
    return r.body;
  };
  if (config.proxy.url) log.info(`connections go through proxy ${describeProxy(config.proxy.url)}${config.proxy.noProxy.length ? ` (except ${config.proxy.noProxy.join(', ')})` : ''}`);
  return new Hub({
    markets,
    catalog,
    feedFactory: (adapter, callbacks) =>
      createFeedPort(adapter, callbacks, {
        agent: wsAgents.get(marketKey(adapter.exchange, adapter.market)),
        connectTimeoutMs: config.feed.connectTimeoutMs,
        ...(config.feed.maxLifetimeMs > 0 ? { maxLifetimeMs: config.feed.maxLifetimeMs } : {}),
        staleAfterMs: config.feed.staleAfterMs,
        idleProbeMs: config.feed.idleProbeMs,
        ackTimeoutMs: config.feed.ackTimeoutMs,
        backoff: { baseMs: config.feed.backoffBaseMs, capMs: config.feed.backoffCapMs },
        log,
      }),
    fetchText,
    log,
    cacheBars: config.cache.maxBars,
    backfillBars: config.rest.backfillBars,
    closeGraceMs: config.feed.closeGraceMs,
    lateTradeGraceMs: 1000,
    maxSubscriptionsPerClient: config.rpc.maxSubscriptionsPerClient,
    channelStaleMs: config.feed.channelStaleMs,
    ...extra,
  });
}

/** Shortens the client heartbeat period (tests run fakes with short idle limits). */
function withClientPing(adapter: MarketAdapter, pingMs: number): MarketAdapter {
  const hb = adapter.ws.heartbeat;
  if (pingMs <= 0 || hb.mode !== 'client' || hb.intervalMs <= pingMs) return adapter;
  // Prototype-preserving overrides: adapters may be class instances.
  const ws: WsProtocol = Object.create(adapter.ws, { heartbeat: { value: { ...hb, intervalMs: pingMs } } });
  return Object.create(adapter, { ws: { value: ws } });
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

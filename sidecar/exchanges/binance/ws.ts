/** The Binance WebSocket protocol of one market: URLs, subscribe frames, limits, heartbeat. */
import type { Market } from '../../market/model';
import type { WsProtocol } from '../types';
import { trimUrl } from '../urls';
import { parseFrame } from './parse';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Per-connection limits. Spot allows 5 incoming messages/s (pongs included) and closes with 1008
 * beyond that; a client pacing at 250 ms was still cut, 500 ms was safe — so spot paces at 500 ms
 * and puts many streams in each SUBSCRIBE. USDⓈ-M allows 10/s. Both cut every connection at 24 h.
 */
const LIMITS: Record<Market, WsProtocol['limits']> = {
  spot: { topicsPerConnection: 1024, topicsPerRequest: 200, requestIntervalMs: 500, maxLifetimeMs: 24 * HOUR_MS },
  perp: { topicsPerConnection: 1024, topicsPerRequest: 200, requestIntervalMs: 250, maxLifetimeMs: 24 * HOUR_MS },
};

/**
 * The base of a configured WebSocket URL: trailing slashes and a raw/combined path suffix
 * (`/ws`, `/stream`, and on USDⓈ-M a route `/market`, `/public`) are removed, so an older
 * config written for the unrouted URL still reaches the routed endpoints.
 */
export function wsBase(market: Market, url: string): string {
  let base = trimUrl(url).replace(/\/(?:ws|stream)$/, '');
  if (market === 'perp') base = base.replace(/\/(?:market|public)$/, '');
  return base;
}

/** The WsProtocol of one Binance market whose WebSocket base URL is `wsUrl`. */
export function wsProtocol(market: Market, wsUrl: string): WsProtocol {
  const base = wsBase(market, wsUrl);
  return {
    // Combined-stream path: every data frame then carries its stream name, which routes it.
    url: (endpoint) => (market === 'spot' ? `${base}/stream` : `${base}/${endpoint}/stream`),
    limits: LIMITS[market],
    heartbeat: { mode: 'server-ping' },
    subscribe: (topics, id) => JSON.stringify({ method: 'SUBSCRIBE', params: topics, id }),
    unsubscribe: (topics, id) => JSON.stringify({ method: 'UNSUBSCRIBE', params: topics, id }),
    parse: parseFrame,
  };
}

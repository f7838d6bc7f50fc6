/** The Bybit v5 public WebSocket protocol of one market: URL, subscribe frames, limits, heartbeat. */
import type { Market } from '../../market/model';
import type { WsProtocol } from '../types';
import { withDefaultPath } from '../urls';
import { parseFrame } from './parse';

/** The URL path of each market's public stream. */
export const WS_PATHS: Record<Market, string> = { spot: '/v5/public/spot', perp: '/v5/public/linear' };

/**
 * Per-connection limits. Spot refuses more than 10 args per request ("args size >10"); linear has
 * no per-request cap, but a refusal sinks every arg of its request, so batches stay small. The
 * args of one connection may total 21 000 characters: 500 topics of ~20 (at most ~40) characters fit.
 * No per-second message limit is documented; requests are paced gently anyway. No hard lifetime.
 */
const LIMITS: Record<Market, WsProtocol['limits']> = {
  spot: { topicsPerConnection: 500, topicsPerRequest: 10, requestIntervalMs: 100 },
  perp: { topicsPerConnection: 500, topicsPerRequest: 50, requestIntervalMs: 100 },
};

/** Bybit asks for an application-level ping every 20 s; it cuts connections silent for ~10 min. */
export const PING_INTERVAL_MS = 20_000;
const PING_FRAME = '{"op":"ping"}';

/** The URL of a market's stream from a configured one: a bare host gets the market's `/v5/public/…` path. */
export function wsUrl(market: Market, url: string): string {
  return withDefaultPath(url, WS_PATHS[market]);
}

/** `{"req_id":"7","op":"subscribe","args":[…]}`; the engine's request id is echoed in the answer. */
function request(op: 'subscribe' | 'unsubscribe', topics: string[], id: number): string {
  // req_id is a string in Bybit's documentation; the ack echoes it as sent.
  return JSON.stringify({ req_id: String(id), op, args: topics });
}

/** The WsProtocol of one Bybit market whose WebSocket URL is `url`. */
export function wsProtocol(market: Market, url: string): WsProtocol {
  const full = wsUrl(market, url);
  return {
    url: () => full,
    limits: LIMITS[market],
    heartbeat: { mode: 'client', intervalMs: PING_INTERVAL_MS, frame: () => PING_FRAME },
    subscribe: (topics, id) => request('subscribe', topics, id),
    unsubscribe: (topics, id) => request('unsubscribe', topics, id),
    parse: parseFrame,
  };
}

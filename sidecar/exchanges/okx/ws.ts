/** The OKX v5 WebSocket protocol of one market: URLs, subscribe frames, limits, heartbeat. */
import type { WsProtocol } from '../types';
import { trimUrl } from '../urls';
import type { OkxParser } from './parse';
import { topicArg } from './streams';

/**
 * OKX documents no cap on channels per connection (only "< 30" when many 400-level books share
 * one), so a moderate 200 keeps any one reconnect small. A request's args may total 64 KB; 50 args
 * of ~50 bytes stay far below. Subscribe/unsubscribe requests are budgeted at 480 per hour per
 * connection, which batching keeps well clear of; 100 ms spacing keeps bursts gentle. No
 * lifetime limit is documented.
 */
export const LIMITS: WsProtocol['limits'] = { topicsPerConnection: 200, topicsPerRequest: 50, requestIntervalMs: 100 };

/**
 * The server drops a connection after 30 s without traffic; the keep-alive is the bare text
 * `ping`, answered by the text `pong`. 20 s leaves room for a slow answer.
 */
export const PING_INTERVAL_MS = 20_000;

/**
 * The base of a configured WebSocket URL: trailing slashes and an endpoint suffix (`/public`,
 * `/business`) are removed, so a config holding either full URL still reaches both endpoints.
 */
export function wsBase(url: string): string {
  return trimUrl(url).replace(/\/(?:public|business)$/, '');
}

/** The request frame of `op` for topics named `<channel>:<instId>`; the id is the engine's request id. */
export function requestFrame(op: 'subscribe' | 'unsubscribe', topics: string[], id: number): string {
  const args = topics.map((name) => {
    const arg = topicArg(name);
    // Topic names come from streams.ts; anything else is a caller bug the engine reports as a refusal.
    if (!arg) throw new Error(`not an OKX topic name: ${JSON.stringify(name)} (expected <channel>:<instId>)`);
    return arg;
  });
  // `id`: up to 32 alphanumerics, echoed in errors.
  return JSON.stringify({ id: String(id), op, args });
}

/** The WsProtocol of one OKX market whose WebSocket base URL is `wsUrl` (e.g. `wss://ws.okx.com:8443/ws/v5`). */
export function wsProtocol(wsUrl: string, parser: OkxParser): WsProtocol {
  const base = wsBase(wsUrl);
  return {
    url: (endpoint) => `${base}/${endpoint}`,
    limits: LIMITS,
    heartbeat: { mode: 'client', intervalMs: PING_INTERVAL_MS, frame: () => 'ping' },
    subscribe: (topics, id) => requestFrame('subscribe', topics, id),
    unsubscribe: (topics, id) => requestFrame('unsubscribe', topics, id),
    parse: (frame) => parser.parse(frame),
  };
}

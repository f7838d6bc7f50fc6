/** The Bitget v2 WebSocket protocol of one market: URL, subscribe frames, limits, heartbeat. */
import type { WsProtocol } from '../types';
import { withDefaultPath } from '../urls';
import { parseFrame } from './parse';
import { argOf, type Arg } from './streams';

/** The public path, appended when a configured URL names only a host (`wss://ws.bitget.com`). */
export const PUBLIC_PATH = '/v2/ws/public';

/**
 * Per-connection limits. Bitget allows 1000 channels per connection but recommends fewer than 50,
 * so the engine opens another connection every 50 topics. At most 10 client messages per second,
 * pings included, or the connection is cut (and repeated cuts block the IP): 5 args per request
 * sent ≥ 110 ms apart is the pattern tardis-node uses, with a margin for timer jitter.
 * No connection lifetime is documented.
 */
const LIMITS: WsProtocol['limits'] = { topicsPerConnection: 50, topicsPerRequest: 5, requestIntervalMs: 110 };

/**
 * The server drops a connection that sends no text `ping` for 2 minutes (WebSocket control-frame
 * pings do not count). Bitget asks for one every 30 s; 20 s keeps a pong arriving well inside the
 * engine's default stale limit even when the subscribed channels are quiet.
 */
const PING_INTERVAL_MS = 20_000;

/** The URL to connect to: the configured one, with the public path added when it has none. */
export function wsUrl(configured: string): string {
  return withDefaultPath(configured, PUBLIC_PATH);
}

/** `{"op":"subscribe","args":[{instType, channel, instId}, …]}` for these topics. */
export function requestFrame(op: 'subscribe' | 'unsubscribe', topics: string[]): string {
  const args: Arg[] = topics.map((topic) => {
    const arg = argOf(topic);
    // Topic names come from topicsFor(); a foreign name is a caller bug, reported by the engine.
    if (arg instanceof Error) throw arg;
    return arg;
  });
  return JSON.stringify({ op, args });
}

/** The WsProtocol of one Bitget market whose WebSocket URL is `configuredUrl`. */
export function wsProtocol(configuredUrl: string): WsProtocol {
  const url = wsUrl(configuredUrl);
  return {
    url: () => url,
    limits: LIMITS,
    heartbeat: { mode: 'client', intervalMs: PING_INTERVAL_MS, frame: () => 'ping' },
    // Bitget echoes no request id: acks and errors name their topic through `arg` instead.
    subscribe: (topics) => requestFrame('subscribe', topics),
    unsubscribe: (topics) => requestFrame('unsubscribe', topics),
    parse: parseFrame,
  };
}

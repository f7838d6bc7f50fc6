/**
 * Event channels by pattern (`events.subscribe`). A notification's *event path* is its channel
 * followed by the colon-separated parts of its key:
 *
 *   kline  binance:spot:BTCUSDT:kline:1m   →  kline.binance.spot.BTCUSDT.kline.1m
 *   gap    binance:spot:BTCUSDT:kline:1m   →  gap.binance.spot.BTCUSDT.kline.1m
 *   trade  binance:spot:ETHUSDT:trades     →  trade.binance.spot.ETHUSDT.trades
 *   status binance:spot:spot#1             →  status.binance.spot.spot#1
 *
 * A pattern is dot-separated segments matched against that path, case-sensitively (`1m` is a
 * minute, `1M` a month). The first segment is a channel name or `*` (every channel). `*` in the
 * middle matches exactly one segment; a trailing `*` matches one or more (the rest); a pattern
 * that is only a channel name means `channel.*`. Partial wildcards (`BTC*`) are not supported.
 *
 * Patterns never open upstream streams: market-data events flow only for streams that exist
 * because some client subscribed them. The router forwards an event to a client once, and not
 * at all when the client already received it as a subscriber (or as a broadcast).
 */
import type { EventEnvelope, Hub, HubClient } from '../hub/hub';
import { RpcError } from './errors';
import { ErrorCode } from './schema';

/** Channels a pattern may name (the notification methods that carry market or sidecar events). */
export const EVENT_CHANNELS = ['kline', 'trade', 'ticker', 'status', 'gap'] as const;
export type EventChannel = (typeof EVENT_CHANNELS)[number];

const MAX_PATTERN_CHARS = 256;
const MAX_SEGMENTS = 16;

export interface EventPattern {
  /** Normalized text (a bare channel gains its `.*`). */
  text: string;
  /** A channel name, or undefined for `*` (every channel). */
  channel: EventChannel | undefined;
  /** Segments after the channel, without a trailing `*`; `*` entries match any one segment. */
  segments: string[];
  /** A trailing `*`: one or more further segments match. */
  rest: boolean;
}

/** Parses one pattern; an Error says what is wrong with it. Pure. */
export function parsePattern(text: string): EventPattern | Error {
  if (text.length === 0) return new Error('empty pattern');
  if (text.length > MAX_PATTERN_CHARS) return new Error(`pattern longer than ${MAX_PATTERN_CHARS} characters`);
  const parts = text.split('.');
  if (parts.length > MAX_SEGMENTS) return new Error(`more than ${MAX_SEGMENTS} segments`);
  const empty = parts.findIndex((p) => p === '');
  if (empty !== -1) return new Error(`segment ${empty + 1} is empty (two dots in a row, or a dot at either end)`);
  const partial = parts.find((p) => p.includes('*') && p !== '*');
  if (partial !== undefined) return new Error(`"${partial}": * must be a whole segment (partial wildcards are not supported)`);
  const head = parts[0];
  let channel: EventChannel | undefined;
  if (head !== '*') {
    if (!(EVENT_CHANNELS as readonly string[]).includes(head)) return new Error(`unknown channel "${head}"`);
    channel = head as EventChannel;
  }
  const tail = parts.slice(1);
  let rest = false;
  if (tail.length === 0) rest = true;
  else if (tail[tail.length - 1] === '*') {
    rest = true;
    tail.pop();
  }
  const normalized = [head, ...tail, ...(rest ? ['*'] : [])].join('.');
  return { text: normalized, channel, segments: tail, rest };
}

/** The parts of an event path after the channel: the key split at its colons. */
export function keyParts(key: string): string[] {
  return key.split(':');
}

/** `kline` + `binance:spot:BTCUSDT:kline:1m` → `kline.binance.spot.BTCUSDT.kline.1m`. */
export function eventPath(channel: string, key: string): string {
  return [channel, ...keyParts(key)].join('.');
}

/** Whether a pattern matches an event (its channel and key parts). Pure. */
export function matchesPattern(p: EventPattern, channel: string, parts: readonly string[]): boolean {
  if (p.channel !== undefined && p.channel !== channel) return false;
  if (p.rest ? parts.length <= p.segments.length : parts.length !== p.segments.length) return false;
  for (let i = 0; i < p.segments.length; i++) {
    const s = p.segments[i];
    if (s !== '*' && s !== parts[i]) return false;
  }
  return true;
}

/**
 * Parses a list of patterns, all or nothing: the first bad one becomes a -32602 error that names
 * it and lists the known channels.
 */
export function parsePatterns(texts: readonly string[]): EventPattern[] {
  const out: EventPattern[] = [];
  const seen = new Set<string>();
  for (const text of texts) {
    const p = parsePattern(text);
    if (p instanceof Error) {
      throw new RpcError(
        ErrorCode.InvalidParams,
        `bad event pattern ${JSON.stringify(text)}: ${p.message}; known channels: ${EVENT_CHANNELS.join(', ')} (or * for all), e.g. "status.*", "kline.binance.*"`,
        { pattern: text, reason: p.message, known: [...EVENT_CHANNELS] },
      );
    }
    if (seen.has(p.text)) continue;
    seen.add(p.text);
    out.push(p);
  }
  return out;
}

export interface EventRouterOptions {
  /** Patterns one client may hold at once. */
  maxPatternsPerClient: number;
}

/** Forwards hub events to the clients whose patterns match them. */
export class EventRouter {
  private readonly byClient = new Map<HubClient, Map<string, EventPattern>>();
  private readonly unobserve: () => void;

  constructor(
    hub: Pick<Hub, 'observe'>,
    private readonly o: EventRouterOptions,
  ) {
    this.unobserve = hub.observe({
      published: (channel, env, sent) => this.route(channel, env, sent),
      clientRemoved: (client) => this.byClient.delete(client),
    });
  }

  /** Adds patterns for a client; returns the normalized patterns of this request. Throws RpcError. */
  subscribe(client: HubClient, texts: readonly string[]): string[] {
    const patterns = parsePatterns(texts);
    const held = this.byClient.get(client) ?? new Map<string, EventPattern>();
    const added = patterns.filter((p) => !held.has(p.text)).length;
    if (held.size + added > this.o.maxPatternsPerClient) {
      throw new RpcError(
        ErrorCode.LimitExceeded,
        `this client would hold ${held.size + added} event patterns (limit ${this.o.maxPatternsPerClient}, config [rpc] max_subscriptions_per_client)`,
        { limit: 'maxSubscriptionsPerClient', value: this.o.maxPatternsPerClient },
      );
    }
    for (const p of patterns) held.set(p.text, p);
    if (held.size) this.byClient.set(client, held);
    return patterns.map((p) => p.text);
  }

  /** Removes the given patterns (all when omitted); returns the ones that were held. Throws RpcError. */
  unsubscribe(client: HubClient, texts?: readonly string[]): string[] {
    const held = this.byClient.get(client);
    if (!held) {
      if (texts) parsePatterns(texts); // still reject a malformed pattern
      return [];
    }
    const removed: string[] = [];
    if (texts === undefined) removed.push(...held.keys());
    else for (const p of parsePatterns(texts)) if (held.has(p.text)) removed.push(p.text);
    for (const t of removed) held.delete(t);
    if (!held.size) this.byClient.delete(client);
    return removed;
  }

  /** The patterns a client holds. */
  patterns(client: HubClient): string[] {
    return [...(this.byClient.get(client)?.keys() ?? [])];
  }

  /** Patterns held by all clients. */
  get patternCount(): number {
    let n = 0;
    for (const m of this.byClient.values()) n += m.size;
    return n;
  }

  dispose(): void {
    this.unobserve();
    this.byClient.clear();
  }

  private route(channel: string, env: EventEnvelope, sent: ReadonlySet<HubClient>): void {
    if (this.byClient.size === 0 || !(EVENT_CHANNELS as readonly string[]).includes(channel)) return;
    const parts = keyParts(env.key);
    for (const [client, patterns] of this.byClient) {
      if (sent.has(client)) continue;
      for (const p of patterns.values()) {
        if (matchesPattern(p, channel, parts)) {
          client.notify(channel, env);
          break;
        }
      }
    }
  }
}

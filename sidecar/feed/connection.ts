/**
 * One logical exchange connection: a set of topics of one endpoint kept subscribed on a WebSocket
 * forever. It reconnects with backoff, detects stale sockets, paces outbound frames, recycles the
 * socket before the exchange's hard lifetime and reports everything as events. It knows nothing of
 * any exchange: the WsProtocol builds frames and parses replies.
 */
import type { Agent } from 'node:http';
import WebSocket from 'ws';
import type { MarketEvent, ParseResult, WsProtocol } from '../exchanges/types';
import type { ConnectionState } from '../market/model';
import { proxyOfAgent } from '../net/proxy';
import { Backoff, type BackoffOptions } from './backoff';
import { TypedEmitter } from './emitter';
import { PacedQueue } from './pacer';

/** How a topic's subscription ended up: acknowledged (or seen live in data), sent without
 * waiting for an ack, still unanswered after the ack timeout, or removed/stopped first. */
export type SubscribeStatus = 'acked' | 'sent' | 'pending' | 'cancelled';

export interface SubscribeOutcome {
  topic: string;
  status: SubscribeStatus;
}

export interface ConnectionStatusEvent {
  state: ConnectionState;
  since: number;
  attempt?: number;
  delayMs?: number;
  message?: string;
}

export interface ConnectionEvents {
  /** Normalized records from the socket currently forwarding data. */
  events: MarketEvent[];
  status: ConnectionStatusEvent;
  /** A socket that had been open went away unexpectedly: data for these topics may be missing. */
  disconnected: { topics: string[]; reason: string };
  /** The replacement socket is open and its subscriptions were acknowledged (or timed out). */
  resubscribed: { topics: string[] };
  malformed: { reason: string; snippet: string };
  /** The exchange refused this topic; it was dropped from the connection. */
  topicError: { topic: string; message: string };
  /** The exchange reported an error that no request or topic can be attributed to. */
  protocolError: { message: string };
  /** A planned recycle switched to a fresh socket. */
  recycled: { reason: string };
}

export interface ConnectionOptions {
  url: string;
  protocol: Pick<WsProtocol, 'limits' | 'heartbeat' | 'subscribe' | 'unsubscribe' | 'parse'>;
  /** Names this connection in messages. Default: the URL. */
  id?: string;
  /** Passed to `new WebSocket(url, { agent })` (proxies). */
  agent?: Agent;
  /** Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Server-ping mode: send a ws ping after this much silence. Default 15 000 ms. */
  idleProbeMs?: number;
  /** Nothing received (frame, ping or pong) for this long → stale → reconnect. Default 30 000 ms. */
  staleAfterMs?: number;
  /** Overrides `protocol.limits.maxLifetimeMs`; 0 disables the planned recycle. */
  maxLifetimeMs?: number;
  /** Open the replacement socket this long before the lifetime ends.
   * Default min(5 min, 5 % of the lifetime). */
  recycleLeadMs?: number;
  /** A subscription not acknowledged within this resolves as 'pending'. Default 10 000 ms. */
  ackTimeoutMs?: number;
  /** false: a subscription resolves as 'sent' when its frame is written (exchanges without acks). */
  awaitAck?: boolean;
  /** A deliberate close waits this long for the close handshake, then terminates. Default 2 000 ms. */
  closeTimeoutMs?: number;
  backoff?: BackoffOptions;
  now?: () => number;
}

export interface ConnectionStats {
  id: string;
  url: string;
  state: ConnectionState;
  since: number;
  attempt?: number;
  delayMs?: number;
  message?: string;
  topics: number;
  messages: number;
  bytes: number;
  reconnects: number;
  recycles: number;
  malformed: number;
  lastMessageTime?: number;
}

export const CONNECTION_DEFAULTS = {
  connectTimeoutMs: 10_000,
  idleProbeMs: 15_000,
  staleAfterMs: 30_000,
  ackTimeoutMs: 10_000,
  closeTimeoutMs: 2_000,
} as const;

const SNIPPET_CHARS = 200;
const MAX_PENDING_REQUESTS = 1_000;
/** Largest exchange frame accepted; a bigger one is refused from its header (1009) and the socket
 * replaced. Real frames are kilobytes (an OKX instruments push is the largest, well under 1 MiB);
 * the bound stops a broken or hostile endpoint from making us buffer without limit. */
export const MAX_EXCHANGE_FRAME_BYTES = 100 * 1024 * 1024;

type Outbound = { kind: 'text'; data: string; onSent?: () => void } | { kind: 'ping' };
/**
 * primary forwards; standby subscribes and waits to take over; draining is a replaced primary
 * whose close is under way (it still forwards trades and closed bars, see onEvents); retired
 * forwards nothing.
 */
type Role = 'primary' | 'standby' | 'draining' | 'retired';

interface PendingRequest {
  op: 'subscribe' | 'unsubscribe';
  topics: string[];
}

interface Waiter {
  promise: Promise<SubscribeOutcome>;
  resolve: (outcome: SubscribeOutcome) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One WebSocket and everything whose life is bound to it. */
class Link {
  opened = false;
  closed = false;
  openedAt: number | undefined;
  lastRx: number;
  lastProbeAt = Number.NEGATIVE_INFINITY;
  failReason: string | undefined;
  lastError: string | undefined;
  /** Topics of the subscription sent at open that are not yet acked/refused/seen in data. */
  readonly awaiting = new Set<string>();
  initialSent = false;
  subscribed = false;
  readonly pending = new Map<string, PendingRequest>();
  readonly timers: NodeJS.Timeout[] = [];
  readonly queue: PacedQueue<Outbound>;

  constructor(
    readonly ws: WebSocket,
    public role: Role,
    intervalMs: number,
    now: () => number,
  ) {
    this.lastRx = now();
    this.queue = new PacedQueue<Outbound>(intervalMs, (item) => this.write(item), now);
  }

  private write(item: Outbound): void {
    // A queued frame may outlive its socket; writing to a closing socket would be lost anyway.
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (item.kind === 'ping') this.ws.ping();
    else {
      this.ws.send(item.data);
      item.onSent?.();
    }
  }

  dispose(): void {
    this.queue.clear();
    for (const timer of this.timers) {
      clearTimeout(timer);
      clearInterval(timer);
    }
    this.timers.length = 0;
  }
}

function rawToString(data: WebSocket.RawData): { text: string; bytes: number } {
  if (Buffer.isBuffer(data)) return { text: data.toString('utf8'), bytes: data.length };
  if (Array.isArray(data)) {
    const joined = Buffer.concat(data);
    return { text: joined.toString('utf8'), bytes: joined.length };
  }
  const buffer = Buffer.from(data);
  return { text: buffer.toString('utf8'), bytes: buffer.length };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A self-healing subscription carrier. Add topics (recorded at once, subscribed when a socket is
 * open), call `start()`, listen to events; `stop()` closes deliberately.
 */
export class Connection extends TypedEmitter<ConnectionEvents> {
  readonly id: string;
  readonly url: string;
  private readonly protocol: ConnectionOptions['protocol'];
  private readonly opts: Required<
    Pick<ConnectionOptions, 'connectTimeoutMs' | 'idleProbeMs' | 'staleAfterMs' | 'ackTimeoutMs' | 'closeTimeoutMs' | 'awaitAck'>
  >;
  private readonly agent: Agent | undefined;
  private readonly lifetimeMs: number;
  private readonly recycleLeadMs: number;
  private readonly now: () => number;
  private readonly backoff: Backoff;
  private readonly recycleBackoff: Backoff;

  private readonly topicSet = new Set<string>();
  private readonly acked = new Set<string>();
  private readonly waiters = new Map<string, Waiter>();

  private primary: Link | undefined;
  private standby: Link | undefined;
  private readonly closingLinks = new Set<Link>();
  private started = false;
  private stopping = false;
  private stopPromise: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private recycleTimer: NodeJS.Timeout | undefined;
  private owedResubscribe = false;
  private recycleReason = '';
  private nextRequestId = 1;

  private state: ConnectionState = 'connecting';
  private since: number;
  private attempt: number | undefined;
  private delayMs: number | undefined;
  private message: string | undefined;
  private counters = { messages: 0, bytes: 0, reconnects: 0, recycles: 0, malformed: 0 };
  private lastMessageTime: number | undefined;

  constructor(options: ConnectionOptions) {
    super();
    this.url = options.url;
    this.id = options.id ?? options.url;
    this.protocol = options.protocol;
    this.agent = options.agent;
    this.now = options.now ?? Date.now;
    this.opts = {
      connectTimeoutMs: options.connectTimeoutMs ?? CONNECTION_DEFAULTS.connectTimeoutMs,
      idleProbeMs: options.idleProbeMs ?? CONNECTION_DEFAULTS.idleProbeMs,
      staleAfterMs: options.staleAfterMs ?? CONNECTION_DEFAULTS.staleAfterMs,
      ackTimeoutMs: options.ackTimeoutMs ?? CONNECTION_DEFAULTS.ackTimeoutMs,
      closeTimeoutMs: options.closeTimeoutMs ?? CONNECTION_DEFAULTS.closeTimeoutMs,
      awaitAck: options.awaitAck ?? true,
    };
    this.lifetimeMs = options.maxLifetimeMs ?? options.protocol.limits.maxLifetimeMs ?? 0;
    this.recycleLeadMs = Math.min(
      options.recycleLeadMs ?? Math.min(300_000, this.lifetimeMs * 0.05),
      this.lifetimeMs * 0.5,
    );
    this.backoff = new Backoff(options.backoff);
    this.recycleBackoff = new Backoff(options.backoff);
    this.since = this.now();
  }

  /** The topics this connection carries (refused topics are dropped). */
  get topics(): ReadonlySet<string> {
    return this.topicSet;
  }

  get size(): number {
    return this.topicSet.size;
  }

  /** Counters and current state. */
  stats(): ConnectionStats {
    return {
      id: this.id,
      url: this.url,
      state: this.state,
      since: this.since,
      ...(this.attempt !== undefined ? { attempt: this.attempt } : {}),
      ...(this.delayMs !== undefined ? { delayMs: this.delayMs } : {}),
      ...(this.message !== undefined ? { message: this.message } : {}),
      topics: this.topicSet.size,
      ...this.counters,
      ...(this.lastMessageTime !== undefined ? { lastMessageTime: this.lastMessageTime } : {}),
    };
  }

  /**
   * Records topics and subscribes them on every open socket. One promise per topic, in order:
   * resolves when acknowledged (or 'sent' / 'pending' / 'cancelled'), rejects with the
   * exchange's message when refused. The promises are pre-handled: ignoring one is safe.
   */
  add(topics: readonly string[]): Promise<SubscribeOutcome>[] {
    const fresh: string[] = [];
    const results = topics.map((topic) => {
      if (this.stopping) return Promise.resolve<SubscribeOutcome>({ topic, status: 'cancelled' });
      const waiting = this.waiters.get(topic);
      if (waiting) return waiting.promise;
      if (this.topicSet.has(topic)) {
        return Promise.resolve<SubscribeOutcome>({ topic, status: this.acked.has(topic) ? 'acked' : 'pending' });
      }
      this.topicSet.add(topic);
      fresh.push(topic);
      return this.createWaiter(topic).promise;
    });
    if (fresh.length > 0) {
      for (const link of [this.primary, this.standby]) {
        if (link?.opened && !link.closed) this.sendRequests(link, 'subscribe', fresh, false);
      }
    }
    return results;
  }

  /** Drops topics and unsubscribes them on every open socket. */
  remove(topics: readonly string[]): void {
    const gone = topics.filter((topic) => this.topicSet.has(topic));
    if (gone.length === 0) return;
    for (const topic of gone) this.forgetTopic(topic);
    for (const topic of gone) this.settle(topic, { topic, status: 'cancelled' });
    for (const link of [this.primary, this.standby]) {
      if (link?.opened && !link.closed) {
        this.sendRequests(link, 'unsubscribe', gone, false);
        this.checkSubscribed(link);
      }
    }
  }

  /** Opens the first socket. Idempotent. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.connect();
  }

  /** Closes every socket deliberately; resolves once they are closed. Idempotent. */
  stop(): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.recycleTimer) clearTimeout(this.recycleTimer);
    for (const topic of [...this.waiters.keys()]) this.settle(topic, { topic, status: 'cancelled' });
    const links = [this.primary, this.standby, ...this.closingLinks].filter((l): l is Link => !!l && !l.closed);
    this.primary = undefined;
    this.standby = undefined;
    this.stopPromise = Promise.all(links.map((link) => this.closeLink(link))).then(() => {
      this.setState('closed', {});
    });
    return this.stopPromise;
  }

  // ─── sockets ────────────────────────────────────────────────────────────────────────────────

  private connect(): void {
    if (this.stopping) return;
    this.setState('connecting', {});
    this.primary = this.openLink('primary');
  }

  private openLink(role: Role): Link {
    const ws = new WebSocket(this.url, {
      ...(this.agent ? { agent: this.agent } : {}),
      handshakeTimeout: this.opts.connectTimeoutMs,
      maxPayload: MAX_EXCHANGE_FRAME_BYTES,
    });
    const link = new Link(ws, role, Math.max(0, this.protocol.limits.requestIntervalMs), this.now);
    const connectTimer = setTimeout(() => {
      if (link.opened || link.closed) return;
      link.failReason = `cannot connect to ${this.url}: timed out after ${this.opts.connectTimeoutMs} ms${this.viaProxy()}`;
      ws.terminate();
    }, this.opts.connectTimeoutMs);
    link.timers.push(connectTimer);

    ws.on('open', () => {
      clearTimeout(connectTimer);
      this.onOpen(link);
    });
    ws.on('message', (data) => this.onMessage(link, data));
    ws.on('ping', () => {
      link.lastRx = this.now();
    });
    ws.on('pong', () => {
      link.lastRx = this.now();
    });
    ws.on('error', (error) => {
      link.lastError = errorText(error);
    });
    ws.on('close', (code, reason) => this.onClose(link, code, reason.toString('utf8')));
    return link;
  }

  private onOpen(link: Link): void {
    if (this.stopping || link.role === 'retired') return;
    link.opened = true;
    link.openedAt = this.now();
    link.lastRx = link.openedAt;
    this.startLiveness(link);
    if (link.role === 'primary') {
      this.backoff.succeeded(link.openedAt);
      this.setState('open', {});
      this.scheduleRecycle(link);
    }
    const topics = [...this.topicSet];
    for (const topic of topics) link.awaiting.add(topic);
    if (topics.length === 0) {
      link.initialSent = true;
      this.checkSubscribed(link);
    } else {
      this.sendRequests(link, 'subscribe', topics, true);
    }
  }

  private onClose(link: Link, code: number, reason: string): void {
    if (link.closed) return;
    link.closed = true;
    link.dispose();
    this.closingLinks.delete(link);
    if (this.stopping || link.role === 'retired' || link.role === 'draining') return;

    const detail =
      link.failReason ??
      (link.opened
        ? `connection to ${this.url} closed (code ${code}${reason ? `, ${reason}` : ''}${link.lastError ? `, ${link.lastError}` : ''})`
        : `cannot connect to ${this.url}: ${link.lastError ?? `closed with code ${code}`}${/\bproxy\b/i.test(link.lastError ?? '') ? '' : this.viaProxy()}`);

    if (link.role === 'standby') {
      this.standby = undefined;
      this.scheduleRecycleRetry(`replacement socket failed: ${detail}`);
      return;
    }

    // The primary went away unexpectedly.
    this.primary = undefined;
    if (this.recycleTimer) clearTimeout(this.recycleTimer);
    const topics = [...this.topicSet];
    if (link.opened) {
      this.owedResubscribe = true;
      this.emit('disconnected', { topics, reason: detail });
    }
    const standby = this.standby;
    if (standby?.opened && !standby.closed) {
      // A recycle was under way: its socket is already open, so it takes over at once.
      this.standby = undefined;
      standby.role = 'primary';
      this.primary = standby;
      this.counters.reconnects += 1;
      this.setState('open', { message: detail });
      this.scheduleRecycle(standby);
      this.checkSubscribed(standby);
      return;
    }
    if (standby) {
      this.standby = undefined;
      standby.role = 'retired';
      standby.ws.terminate();
    }
    if (!link.opened) this.setState('error', { message: detail });
    const { attempt, delayMs } = this.backoff.next(this.now());
    this.counters.reconnects += 1;
    this.setState('reconnecting', { attempt, delayMs, message: detail });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delayMs);
  }

  /** Graceful close with a deadline: a peer that never answers the close frame is cut. */
  private closeLink(link: Link, role: 'retired' | 'draining' = 'retired'): Promise<void> {
    link.role = role;
    link.dispose();
    if (link.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const deadline = setTimeout(() => link.ws.terminate(), this.opts.closeTimeoutMs);
      link.ws.once('close', () => {
        clearTimeout(deadline);
        resolve();
      });
      if (link.ws.readyState === WebSocket.CONNECTING) link.ws.terminate();
      else link.ws.close(1000, 'client closing');
    });
  }

  /** ` (through proxy …)` when the socket goes through one, so a failure is not blamed on the exchange alone. */
  private viaProxy(): string {
    const proxy = proxyOfAgent(this.agent);
    return proxy === undefined ? '' : ` (through proxy ${proxy})`;
  }

  // ─── liveness ───────────────────────────────────────────────────────────────────────────────

  private startLiveness(link: Link): void {
    const heartbeat = this.protocol.heartbeat;
    if (heartbeat.mode === 'client') {
      link.timers.push(setInterval(() => link.queue.push({ kind: 'text', data: heartbeat.frame() }), Math.max(1, heartbeat.intervalMs)));
    }
    const probe = heartbeat.mode === 'server-ping' ? this.opts.idleProbeMs : Number.POSITIVE_INFINITY;
    const tick = Math.max(5, Math.floor(Math.min(probe, this.opts.staleAfterMs) / 4));
    link.timers.push(setInterval(() => this.checkLiveness(link, probe), tick));
  }

  private checkLiveness(link: Link, probeMs: number): void {
    if (link.closed) return;
    const now = this.now();
    const silent = now - link.lastRx;
    if (silent >= this.opts.staleAfterMs) {
      link.failReason = `no message, ping or pong from ${this.url} for ${silent} ms (stale after ${this.opts.staleAfterMs} ms)`;
      if (link.role === 'primary') this.setState('stale', { message: link.failReason });
      // terminate, not close: a stalled peer would never complete the close handshake.
      link.ws.terminate();
      return;
    }
    // A quiet stream is not a dead one: ask the server for a pong before calling it stale.
    if (silent >= probeMs && now - link.lastProbeAt >= probeMs) {
      link.lastProbeAt = now;
      link.queue.push({ kind: 'ping' });
    }
  }

  // ─── planned recycle ────────────────────────────────────────────────────────────────────────

  private scheduleRecycle(link: Link): void {
    if (this.recycleTimer) clearTimeout(this.recycleTimer);
    this.recycleTimer = undefined;
    if (this.lifetimeMs <= 0) return;
    const age = this.now() - (link.openedAt ?? this.now());
    const wait = Math.max(0, this.lifetimeMs - this.recycleLeadMs - age);
    this.recycleTimer = setTimeout(() => {
      this.recycleTimer = undefined;
      this.beginRecycle(`connection lifetime of ${this.lifetimeMs} ms is ending`);
    }, wait);
  }

  private scheduleRecycleRetry(reason: string): void {
    if (this.stopping || !this.primary?.opened) return;
    this.message = reason;
    const { delayMs } = this.recycleBackoff.next(this.now());
    if (this.recycleTimer) clearTimeout(this.recycleTimer);
    this.recycleTimer = setTimeout(() => {
      this.recycleTimer = undefined;
      this.beginRecycle(reason);
    }, delayMs);
  }

  private beginRecycle(reason: string): void {
    if (this.stopping || this.standby || !this.primary?.opened || this.primary.closed) return;
    if (this.recycleTimer) clearTimeout(this.recycleTimer);
    this.recycleTimer = undefined;
    this.recycleReason = reason;
    this.standby = this.openLink('standby');
  }

  /** The replacement socket proved itself: it forwards from now on and the old one closes. */
  private switchTo(standby: Link): void {
    if (standby !== this.standby) return;
    const old = this.primary;
    this.standby = undefined;
    standby.role = 'primary';
    this.primary = standby;
    this.counters.recycles += 1;
    if (old) {
      // Draining until the close handshake ends: whatever the exchange sent on the old socket
      // before it saw our close frame still arrives, including trades it sent before the new
      // subscription took effect (two sockets give no order between them).
      this.closingLinks.add(old);
      void this.closeLink(old, 'draining');
    }
    this.scheduleRecycle(standby);
    this.recycleBackoff.reset();
    this.emit('recycled', { reason: this.recycleReason });
  }

  // ─── outbound ───────────────────────────────────────────────────────────────────────────────

  private sendRequests(link: Link, op: 'subscribe' | 'unsubscribe', topics: string[], initial: boolean): void {
    const batches = chunk(topics, Math.max(1, this.protocol.limits.topicsPerRequest));
    batches.forEach((batch, index) => {
      const id = this.nextRequestId++;
      const last = index === batches.length - 1;
      let data: string;
      try {
        data = op === 'subscribe' ? this.protocol.subscribe(batch, id) : this.protocol.unsubscribe(batch, id);
      } catch (error) {
        // An adapter bug must not take the socket (or the process) down with it.
        const message = `cannot build the ${op} request for ${batch.join(', ')}: ${errorText(error)}`;
        if (op === 'subscribe') this.onRefusal(link, undefined, batch, message);
        else this.emit('protocolError', { message });
        if (initial && last) this.onInitialSent(link);
        return;
      }
      link.pending.set(String(id), { op, topics: batch });
      // Exchanges that never answer would otherwise grow this map for the socket's whole life.
      if (link.pending.size > MAX_PENDING_REQUESTS) link.pending.delete(link.pending.keys().next().value as string);
      link.queue.push({
        kind: 'text',
        data,
        onSent: () => {
          if (op === 'subscribe' && !this.opts.awaitAck) {
            for (const topic of batch) this.settle(topic, { topic, status: 'sent' });
          }
          if (initial && last) this.onInitialSent(link);
        },
      });
    });
  }

  private onInitialSent(link: Link): void {
    link.initialSent = true;
    if (!this.opts.awaitAck) link.awaiting.clear();
    // Exchanges that never ack must not hold the resubscribed event / the recycle switch forever.
    link.timers.push(
      setTimeout(() => {
        link.awaiting.clear();
        this.checkSubscribed(link);
      }, this.opts.ackTimeoutMs),
    );
    this.checkSubscribed(link);
  }

  private checkSubscribed(link: Link): void {
    if (link.closed || !link.initialSent || link.awaiting.size > 0) return;
    if (!link.subscribed) link.subscribed = true;
    if (link.role === 'standby') {
      this.switchTo(link);
    } else if (link.role === 'primary' && this.owedResubscribe) {
      this.owedResubscribe = false;
      this.emit('resubscribed', { topics: [...this.topicSet] });
    }
  }

  // ─── inbound ────────────────────────────────────────────────────────────────────────────────

  private onMessage(link: Link, data: WebSocket.RawData): void {
    const now = this.now();
    link.lastRx = now;
    if (link.role === 'retired' || this.stopping) return;
    const { text, bytes } = rawToString(data);
    this.counters.messages += 1;
    this.counters.bytes += bytes;
    this.lastMessageTime = now;

    let result: ParseResult;
    try {
      result = this.protocol.parse(text);
    } catch (error) {
      result = { type: 'malformed', reason: `parser threw: ${errorText(error)}` };
    }
    // A draining socket only delivers its last data; its acks, refusals and notices no longer count.
    if (link.role === 'draining' && result.type !== 'events' && result.type !== 'malformed') return;
    switch (result.type) {
      case 'events':
        this.onEvents(link, result.events);
        return;
      case 'ack':
        this.onAck(link, result.id, result.topics);
        return;
      case 'error':
        this.onRefusal(link, result.id, result.topics, result.message);
        return;
      case 'pong':
      case 'ignore':
        return;
      case 'closing':
        if (link.role === 'primary') this.beginRecycle(`exchange notice: ${result.message}`);
        return;
      case 'malformed':
        this.onMalformed(result.reason, text);
        return;
      default:
        this.onMalformed(`parser returned an unknown result ${JSON.stringify(result).slice(0, 80)}`, text);
    }
  }

  private onMalformed(reason: string, text: string): void {
    this.counters.malformed += 1;
    this.emit('malformed', { reason, snippet: text.slice(0, SNIPPET_CHARS) });
  }

  private onEvents(link: Link, events: MarketEvent[]): void {
    if (events.length === 0) return;
    if (link.role === 'draining') {
      // The replacement carries the same topics now, so most of these arrive twice: trades are
      // recognised by id downstream and a repeated closed bar changes nothing, but an old forming
      // update or ticker would step a live value back.
      const last = events.filter((e) => e.kind === 'trade' || (e.kind === 'kline' && e.kline.closed));
      if (last.length > 0) this.emit('events', last);
      return;
    }
    // Data is proof of subscription, even when it overtakes the ack.
    for (const { topic } of events) {
      if (link.awaiting.size > 0) link.awaiting.delete(topic);
      if (!this.acked.has(topic) && this.topicSet.has(topic)) this.markAcked(topic);
    }
    // A standby takes over only once every topic is confirmed on it: one topic's data says
    // nothing about the others, whose frames would otherwise be lost in the switch.
    this.checkSubscribed(link);
    if (link.role === 'primary') this.emit('events', events);
  }

  /** Which request an ack/error answers: by echoed id, else the oldest one (in-order servers). */
  private takeRequest(link: Link, id: string | number | undefined, topics: string[] | undefined): PendingRequest | undefined {
    if (id !== undefined) {
      const request = link.pending.get(String(id));
      if (request) link.pending.delete(String(id));
      return request;
    }
    if (topics !== undefined) return undefined;
    const first = link.pending.entries().next();
    if (first.done) return undefined;
    link.pending.delete(first.value[0]);
    return first.value[1];
  }

  private onAck(link: Link, id: string | number | undefined, topics: string[] | undefined): void {
    const request = this.takeRequest(link, id, topics);
    const ackedTopics = request ? (request.op === 'subscribe' ? request.topics : []) : (topics ?? []);
    for (const topic of ackedTopics) {
      link.awaiting.delete(topic);
      if (this.topicSet.has(topic)) this.markAcked(topic);
    }
    this.checkSubscribed(link);
  }

  private onRefusal(link: Link, id: string | number | undefined, topics: string[] | undefined, message: string): void {
    const request = id !== undefined ? link.pending.get(String(id)) : undefined;
    if (request) link.pending.delete(String(id));
    const refused = topics ?? (request?.op === 'subscribe' ? request.topics : undefined);
    if (!refused) {
      this.message = message;
      this.emit('protocolError', { message });
      return;
    }
    for (const topic of refused) {
      if (!this.topicSet.has(topic)) continue;
      this.forgetTopic(topic);
      const waiter = this.waiters.get(topic);
      if (waiter) {
        this.waiters.delete(topic);
        clearTimeout(waiter.timer);
        waiter.reject(new Error(message));
      }
      this.emit('topicError', { topic, message });
    }
    for (const l of [this.primary, this.standby]) if (l) this.checkSubscribed(l);
  }

  // ─── topic bookkeeping ──────────────────────────────────────────────────────────────────────

  private createWaiter(topic: string): Waiter {
    let resolve!: (outcome: SubscribeOutcome) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<SubscribeOutcome>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Pre-handled so an ignored refusal is never an unhandled rejection (which kills Node).
    promise.catch(() => undefined);
    const timer = setTimeout(() => this.settle(topic, { topic, status: 'pending' }), this.opts.ackTimeoutMs);
    const waiter: Waiter = { promise, resolve, reject, timer };
    this.waiters.set(topic, waiter);
    return waiter;
  }

  private markAcked(topic: string): void {
    this.acked.add(topic);
    this.settle(topic, { topic, status: 'acked' });
  }

  private settle(topic: string, outcome: SubscribeOutcome): void {
    const waiter = this.waiters.get(topic);
    if (!waiter) return;
    this.waiters.delete(topic);
    clearTimeout(waiter.timer);
    waiter.resolve(outcome);
  }

  private forgetTopic(topic: string): void {
    this.topicSet.delete(topic);
    this.acked.delete(topic);
    for (const link of [this.primary, this.standby]) link?.awaiting.delete(topic);
  }

  private setState(state: ConnectionState, extra: { attempt?: number; delayMs?: number; message?: string }): void {
    this.state = state;
    this.since = this.now();
    this.attempt = extra.attempt;
    this.delayMs = extra.delayMs;
    if (extra.message !== undefined) this.message = extra.message;
    this.emit('status', { state, since: this.since, ...extra });
  }
}

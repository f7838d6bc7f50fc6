/**
 * One generic fake exchange-market: an HTTP server and a WebSocket server on the same 127.0.0.1
 * port, speaking whatever FakeMarketProtocol it is given, fed by a MarketSim, with fault
 * injection and introspection for tests. Used by integration tests and by the sidecar's offline
 * demo, so it must stay cheap while idle.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import type { Kline, Market } from '../market/model';
import { LiveFeed } from './live-feed';
import type { MarketSim, SimKline } from './market-sim';
import type { ClientRequest, FakeConnection, FakeMarketProtocol, PushKind, RejectReason, RestResponse, TopicSpec, WsRoute } from './protocol';

export interface FakeServerOptions {
  /** Exchange id, for introspection and error messages. */
  exchange: string;
  market: Market;
  protocol: FakeMarketProtocol;
  sim: MarketSim;
  /** Default 127.0.0.1; port 0 (default) picks a free one. */
  host?: string;
  port?: number;
  /** Period of the live loop (default 50 ms). */
  tickMs?: number;
  /** Overrides of the protocol's push cadences, e.g. `{ kline: 100 }` in fast tests. */
  pushMs?: Partial<Record<PushKind, number>>;
  /** Overrides of the protocol's heartbeat timings. */
  heartbeat?: { intervalMs?: number; timeoutMs?: number; idleTimeoutMs?: number };
  /** Longest stretch of trades replayed after a stall or a clock jump (default 5000 ms). */
  maxCatchUpMs?: number;
  /** A client whose unsent backlog exceeds this is terminated, as exchanges drop slow readers (default 8 MiB). */
  maxBufferedBytes?: number;
  /** Close clients that exceed the protocol's incoming message rate (default true). */
  enforceRateLimit?: boolean;
  /**
   * The exchange's hard connection lifetime (Binance: 24 h): a connection older than this is
   * closed by the server with 1001. Default: none. Short values simulate the lifetime in tests.
   */
  lifetimeMs?: number;
}

/** An injected REST answer; `path`: only requests whose path contains it consume this entry. */
export interface InjectedRestFailure {
  status: number;
  /** Seconds, sent as the Retry-After header. */
  retryAfter?: number;
  /** Default: the protocol's own error body for that status. */
  body?: string;
  path?: string;
}

export interface RestLogEntry {
  method: string;
  /** Path and query, as received. */
  url: string;
  status: number;
  time: number;
}

export interface FakeServerStats {
  framesSent: number;
  pingsSent: number;
  /** Clients dropped for not answering pings (server-ping) or staying silent (client-ping). */
  heartbeatDrops: number;
  /** Clients closed for sending too many messages per second. */
  rateLimitCloses: number;
  /** Client messages the protocol could not understand (answered with its error frame). */
  badRequests: number;
  /** Connections closed because they reached `lifetimeMs`. */
  lifetimeCloses: number;
  /** Client pings (WebSocket or application-level) left unanswered by ignorePings(). */
  pingsIgnored: number;
  /** Frames sent by sendRaw() / sendTruncated() (not counted in framesSent). */
  rawFramesSent: number;
}

/** How a subscription to a listed symbol behaves: an error frame, or an ack followed by silence. */
export type RejectMode = 'error' | 'silent';

interface Client extends FakeConnection {
  readonly ws: WebSocket;
  readonly socket: Duplex;
  readonly topics: Set<string>;
  connectedAt: number;
  lastHeardAt: number;
  nextPingAt: number;
  /** When the oldest unanswered ping was sent. */
  pingPendingSince?: number;
  recentMessages: number[];
  /** The last data frame sent, for sendTruncated(). */
  lastDataFrame?: string;
}

const DEFAULT_TICK_MS = 50;
const REST_LOG_LIMIT = 10_000;

/** Starts a fake exchange-market server and resolves once it listens. */
export async function startFakeExchangeServer(options: FakeServerOptions): Promise<FakeExchangeServer> {
  const server = new FakeExchangeServer(options);
  await server.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return server;
}

export class FakeExchangeServer {
  readonly exchange: string;
  readonly market: Market;
  readonly sim: MarketSim;
  /** Every REST request received, oldest first (the last 10 000). */
  readonly restRequests: RestLogEntry[] = [];
  private readonly protocol: FakeMarketProtocol;
  private readonly http = http.createServer((req, res) => this.onRequest(req, res));
  // Pongs are sent by hand so ignorePings() can withhold them.
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false });
  private readonly clients = new Set<Client>();
  private readonly feed: LiveFeed;
  private readonly heartbeat: FakeMarketProtocol['ws']['heartbeat'];
  private readonly tickMs: number;
  private readonly maxBufferedBytes: number;
  private readonly rateLimit: FakeMarketProtocol['ws']['rateLimit'];
  private readonly restFailures: InjectedRestFailure[] = [];
  private readonly rejected = new Map<string, RejectMode>();
  private readonly topicSpecs = new Map<string, TopicSpec>();
  private timer: NodeJS.Timeout | undefined;
  private stalled = false;
  private silenced = false;
  private ignoringPings = false;
  private readonly lifetimeMs: number;
  private refusing: 'http-503' | 'reset' | undefined;
  private connectionCount = 0;
  private hostPort = '';
  private readonly counters: FakeServerStats = {
    framesSent: 0,
    pingsSent: 0,
    heartbeatDrops: 0,
    rateLimitCloses: 0,
    badRequests: 0,
    lifetimeCloses: 0,
    pingsIgnored: 0,
    rawFramesSent: 0,
  };

  constructor(options: FakeServerOptions) {
    this.exchange = options.exchange;
    this.market = options.market;
    this.sim = options.sim;
    this.protocol = options.protocol;
    this.tickMs = options.tickMs ?? DEFAULT_TICK_MS;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.rateLimit = options.enforceRateLimit === false ? undefined : options.protocol.ws.rateLimit;
    this.lifetimeMs = options.lifetimeMs ?? Infinity;
    this.heartbeat = withHeartbeatOverrides(options.protocol.ws.heartbeat, options.heartbeat);
    this.feed = new LiveFeed(options.sim, options.protocol, options.pushMs ?? {}, options.maxCatchUpMs ?? 5_000);
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  /** @internal Used by startFakeExchangeServer. */
  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const address = this.http.address();
    if (address === null || typeof address === 'string') throw new Error('fake exchange server has no TCP address');
    this.hostPort = `${host}:${address.port}`;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  /** The TCP port it listens on. */
  get port(): number {
    return Number(this.hostPort.split(':').pop());
  }

  /** Base URLs for the sidecar config (`ws://127.0.0.1:port`, `http://127.0.0.1:port`, per protocol). */
  get urls(): { ws: string; rest: string } {
    return this.protocol.urls(this.hostPort);
  }

  // ---- fault injection -------------------------------------------------------------------------

  /** Abruptly destroys every client's TCP connection (no close frame: the client sees 1006). */
  dropAll(): void {
    for (const c of this.clients) c.socket.destroy();
  }

  /** Like dropAll(), but with a TCP RST instead of a FIN (the client reads ECONNRESET). */
  resetAll(): void {
    for (const c of this.clients) {
      if (c.socket instanceof net.Socket) c.socket.resetAndDestroy();
      else c.socket.destroy();
    }
  }

  /** Sends a close frame with `code` (a sendable one: 1000–1003, 1007–1014, 3000–4999) and `reason` to every client. */
  closeAll(code = 1000, reason = ''): void {
    for (const c of this.clients) c.ws.close(code, reason);
  }

  /**
   * Freezes every connection without closing it: nothing is sent, and reading is paused so the
   * clients' pongs and requests go unanswered. Lasts until unstall() (or the client disconnects);
   * clients connecting meanwhile are frozen too. Data of the frozen period is lost.
   */
  stall(): void {
    this.stalled = true;
    for (const c of this.clients) c.socket.pause();
  }

  /** Ends a stall: reading resumes, heartbeat timers restart, live data flows again. */
  unstall(): void {
    this.stalled = false;
    const now = performance.now();
    for (const c of this.clients) {
      c.socket.resume();
      c.pingPendingSince = undefined;
      c.lastHeardAt = now;
      c.nextPingAt = now + this.pingIntervalMs();
    }
  }

  /** Sends `data` as-is to every client (garbage, truncated or huge frames; a Buffer goes as a binary frame); ignores a stall. */
  sendRaw(data: string | Buffer): void {
    for (const c of this.clients) {
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      c.ws.send(data);
      this.counters.rawFramesSent++;
    }
  }

  /**
   * Sends every client the first `fraction` (0..1) of the last data frame it received — a real
   * frame of its own protocol, cut short. Clients that have received no data yet get nothing.
   */
  sendTruncated(fraction = 0.5): void {
    for (const c of this.clients) {
      if (c.ws.readyState !== WebSocket.OPEN || c.lastDataFrame === undefined) continue;
      const frame = c.lastDataFrame;
      c.ws.send(frame.slice(0, Math.max(1, Math.min(frame.length - 1, Math.floor(frame.length * fraction)))));
      this.counters.rawFramesSent++;
    }
  }

  /**
   * While on, the clients' pings go unanswered while data keeps flowing: WebSocket pings get no
   * pong, and the protocol's application-level ping (`ping`, `{"op":"ping"}`) gets no reply.
   * (A server-ping protocol keeps sending its own pings.)
   */
  ignorePings(on = true): void {
    this.ignoringPings = on;
  }

  /**
   * While on, no market data is sent (and that data is lost) but everything else works: the
   * server still pings, pongs, acknowledges and answers — a connection that is alive but whose
   * streams have silently died.
   */
  silence(on = true): void {
    this.silenced = on;
  }

  /**
   * While on, WebSocket upgrades fail at once: `http-503` answers "503 Service Unavailable",
   * `reset` destroys the socket. REST keeps working.
   */
  refuseConnections(on: boolean, mode: 'http-503' | 'reset' = 'http-503'): void {
    this.refusing = on ? mode : undefined;
  }

  /** Queues REST answers served, in order, before normal ones (e.g. 429 with Retry-After). */
  failRest(responses: readonly InjectedRestFailure[]): void {
    this.restFailures.push(...responses);
  }

  /** Forgets the injected REST failures not served yet: REST answers normally again. */
  clearRestFailures(): void {
    this.restFailures.length = 0;
  }

  /** Injected REST failures not served yet. */
  get pendingRestFailures(): number {
    return this.restFailures.length;
  }

  /**
   * Makes subscriptions to these symbols fail: `error` answers the protocol's error frame and
   * subscribes nothing of that request; `silent` acks but never sends data (what some exchanges do
   * for a symbol they do not list — and what the fake does for any symbol it does not simulate,
   * unless its protocol says otherwise).
   * An empty set clears the list.
   */
  rejectSymbols(symbols: Iterable<string>, mode: RejectMode = 'error'): void {
    const list = [...symbols];
    if (list.length === 0) this.rejected.clear();
    for (const s of list) this.rejected.set(s, mode);
  }

  // ---- introspection ---------------------------------------------------------------------------

  /** Open WebSocket connections now. */
  connections(): number {
    return this.clients.size;
  }

  /** WebSocket connections accepted since start. */
  get totalConnections(): number {
    return this.connectionCount;
  }

  /** Topic → number of clients subscribed to it, over all clients. */
  activeTopics(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const c of this.clients) for (const t of c.topics) counts.set(t, (counts.get(t) ?? 0) + 1);
    return counts;
  }

  /** The topics of each open connection, with its endpoint. */
  connectionTopics(): Array<{ endpoint: string; topics: string[] }> {
    return [...this.clients].map((c) => ({ endpoint: c.endpoint, topics: [...c.topics] }));
  }

  /** Counters of frames, pings and drops. */
  stats(): FakeServerStats {
    return { ...this.counters };
  }

  /** Closed ground-truth klines (normalized model) with open time in [fromOpen, toOpen]. */
  groundTruth(symbol: string, interval: string, fromOpen: number, toOpen: number): Kline[] {
    return this.sim
      .klines(symbol, interval, fromOpen, toOpen)
      .filter((k) => k.closed)
      .map(toModelKline);
  }

  /** Stops the loop, terminates every client and closes the port. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  // ---- WebSocket -------------------------------------------------------------------------------

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.refusing === 'reset') {
      socket.destroy();
      return;
    }
    if (this.refusing === 'http-503') {
      rejectUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = this.protocol.ws.route(url.pathname, url.searchParams);
    if (route === undefined) {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    if (route instanceof Error) {
      rejectUpgrade(socket, 400, route.message);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, socket, route));
  }

  private attach(ws: WebSocket, socket: Duplex, route: WsRoute): void {
    const now = performance.now();
    const client: Client = {
      ws,
      socket,
      endpoint: route.endpoint,
      topics: new Set(route.topics ?? []),
      state: { ...(route.state ?? {}) },
      connectedAt: now,
      lastHeardAt: now,
      nextPingAt: now + this.pingIntervalMs(),
      recentMessages: [],
    };
    this.clients.add(client);
    this.connectionCount++;
    if (this.stalled) socket.pause();
    ws.on('message', (data) => this.onMessage(client, data.toString()));
    ws.on('ping', (data) => {
      if (!this.heard(client)) return;
      if (this.ignoringPings) this.counters.pingsIgnored++;
      else if (ws.readyState === WebSocket.OPEN) ws.pong(data);
    });
    ws.on('pong', () => {
      // A pong answering our ping is the protocol working; only unsolicited ones count as traffic.
      const solicited = client.pingPendingSince !== undefined;
      client.pingPendingSince = undefined;
      if (solicited) client.lastHeardAt = performance.now();
      else this.heard(client);
    });
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => this.clients.delete(client));
  }

  /** Notes traffic from a client; false when it broke the message-rate limit and was closed. */
  private heard(client: Client): boolean {
    const now = performance.now();
    client.lastHeardAt = now;
    const limit = this.rateLimit;
    if (!limit) return true;
    client.recentMessages.push(now);
    while (client.recentMessages.length > 0 && now - client.recentMessages[0] >= 1000) client.recentMessages.shift();
    if (client.recentMessages.length <= limit.perSecond) return true;
    this.counters.rateLimitCloses++;
    client.ws.close(limit.closeCode, limit.reason);
    return false;
  }

  private onMessage(client: Client, text: string): void {
    if (!this.heard(client)) return;
    const req = this.protocol.ws.parseRequest(text, client);
    switch (req.type) {
      case 'subscribe':
        return this.subscribe(client, req);
      case 'unsubscribe':
        return this.unsubscribe(client, req);
      case 'list':
        return this.send(client, this.protocol.ws.list(req, client));
      case 'ping':
        if (this.ignoringPings) this.counters.pingsIgnored++;
        else if (req.reply !== undefined) this.send(client, req.reply);
        return;
      case 'reply':
        this.counters.badRequests++;
        return this.send(client, req.text);
      case 'ignore':
        return;
    }
  }

  private subscribe(client: Client, req: Extract<ClientRequest, { type: 'subscribe' }>): void {
    const ws = this.protocol.ws;
    const refusal = (topic: string): RejectReason | undefined => {
      const spec = this.topicSpec(topic);
      if (spec instanceof Error) return { kind: 'invalid-topic', topic, message: spec.message };
      if (this.rejected.get(spec.symbol) === 'error') return { kind: 'rejected-symbol', topic, symbol: spec.symbol };
      return undefined;
    };
    let accepted = req.topics;
    if (ws.ackPerTopic) {
      accepted = [];
      for (const topic of req.topics) {
        const why = refusal(topic);
        if (why) this.send(client, ws.reject({ ...req, topics: [topic] }, why, client));
        else accepted.push(topic);
      }
    } else {
      for (const topic of req.topics) {
        const why = refusal(topic);
        if (why) return this.send(client, ws.reject(req, why, client));
      }
    }
    const fresh = accepted.filter((t) => !client.topics.has(t));
    if (client.topics.size + new Set(fresh).size > ws.topicsPerConnection) {
      return this.send(client, ws.reject({ ...req, topics: accepted }, { kind: 'too-many-topics', limit: ws.topicsPerConnection }, client));
    }
    for (const t of accepted) client.topics.add(t);
    if (ws.ackPerTopic) for (const t of accepted) this.send(client, ws.ack({ ...req, topics: [t] }, client));
    else this.send(client, ws.ack(req, client));
    if (ws.onSubscribed) {
      const now = this.sim.now();
      for (const topic of fresh) {
        const spec = this.topicSpec(topic);
        if (spec instanceof Error) continue;
        this.send(client, ws.onSubscribed({ sim: this.sim, now, topic, spec }, client));
      }
    }
  }

  private unsubscribe(client: Client, req: Extract<ClientRequest, { type: 'unsubscribe' }>): void {
    const ws = this.protocol.ws;
    for (const topic of req.topics) {
      const spec = this.topicSpec(topic);
      if (spec instanceof Error) return this.send(client, ws.reject(req, { kind: 'invalid-topic', topic, message: spec.message }, client));
    }
    for (const t of req.topics) client.topics.delete(t);
    if (ws.ackPerTopic) for (const t of req.topics) this.send(client, ws.ack({ ...req, topics: [t] }, client));
    else this.send(client, ws.ack(req, client));
  }

  private topicSpec(topic: string): TopicSpec | Error {
    const cached = this.topicSpecs.get(topic);
    if (cached) return cached;
    const spec = this.protocol.ws.parseTopic(topic);
    if (!(spec instanceof Error)) {
      if (this.topicSpecs.size > 10_000) this.topicSpecs.clear();
      this.topicSpecs.set(topic, spec);
    }
    return spec;
  }

  private send(client: Client, text: string | string[] | undefined): void {
    if (text === undefined) return;
    if (Array.isArray(text)) {
      for (const t of text) this.send(client, t);
      return;
    }
    if (client.ws.readyState !== WebSocket.OPEN) return;
    if (client.ws.bufferedAmount > this.maxBufferedBytes) {
      client.ws.terminate();
      return;
    }
    client.ws.send(text);
    this.counters.framesSent++;
  }

  private pingIntervalMs(): number {
    return this.heartbeat.mode === 'server-ping' ? this.heartbeat.intervalMs : Infinity;
  }

  // ---- live loop -------------------------------------------------------------------------------

  private tick(): void {
    if (this.clients.size === 0) {
      // Keep the trade cursor current so the first subscriber does not get a backlog.
      this.feed.advance(this.sim.now(), new Map(), false);
      return;
    }
    if (!this.stalled) {
      const now = performance.now();
      this.checkHeartbeats(now);
      this.checkLifetimes(now);
    }
    // Topic → the clients that receive it (subscribed, on an endpoint that serves it, not silenced).
    const receivers = new Map<string, Client[]>();
    const active = new Map<string, TopicSpec>();
    for (const c of this.clients) {
      for (const topic of c.topics) {
        const spec = this.topicSpec(topic);
        if (spec instanceof Error || !this.protocol.ws.serves(c.endpoint, spec)) continue;
        if (this.rejected.has(spec.symbol)) continue;
        active.set(topic, spec);
        const list = receivers.get(topic);
        if (list) list.push(c);
        else receivers.set(topic, [c]);
      }
    }
    const due = this.feed.advance(this.sim.now(), active, !this.stalled && !this.silenced);
    for (const { topic, payloads } of due) {
      for (const c of receivers.get(topic) ?? []) {
        for (const payload of payloads) {
          const frame = this.protocol.ws.frame(c, topic, payload);
          this.send(c, frame);
          c.lastDataFrame = frame;
        }
      }
    }
  }

  private checkLifetimes(now: number): void {
    if (!Number.isFinite(this.lifetimeMs)) return;
    for (const c of this.clients) {
      if (c.ws.readyState !== WebSocket.OPEN || now - c.connectedAt < this.lifetimeMs) continue;
      this.counters.lifetimeCloses++;
      c.ws.close(1001, 'connection lifetime reached');
    }
  }

  private checkHeartbeats(now: number): void {
    const hb = this.heartbeat;
    for (const c of this.clients) {
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      if (hb.mode === 'client-ping') {
        if (now - c.lastHeardAt > hb.idleTimeoutMs) this.dropForHeartbeat(c);
        continue;
      }
      if (c.pingPendingSince !== undefined && now - c.pingPendingSince > hb.timeoutMs) {
        this.dropForHeartbeat(c);
        continue;
      }
      if (now >= c.nextPingAt) {
        c.ws.ping();
        this.counters.pingsSent++;
        c.pingPendingSince ??= now;
        c.nextPingAt = now + hb.intervalMs;
      }
    }
  }

  private dropForHeartbeat(c: Client): void {
    this.counters.heartbeatDrops++;
    c.ws.terminate();
    this.clients.delete(c);
  }

  // ---- REST ------------------------------------------------------------------------------------

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const now = this.sim.now();
    const failureIndex = this.restFailures.findIndex((f) => f.path === undefined || url.pathname.includes(f.path));
    let response: RestResponse;
    if (failureIndex >= 0) {
      const [failure] = this.restFailures.splice(failureIndex, 1);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
      const body = failure.body ?? this.protocol.rest.failureBody?.(failure.status, failure.retryAfter, now) ?? '';
      response = { status: failure.status, body, headers };
    } else {
      response = this.protocol.rest.handle({ method, path: url.pathname, query: url.searchParams }, { sim: this.sim, now, market: this.market }) ?? {
        status: 404,
        body: `no route ${method} ${url.pathname} on the fake ${this.exchange} ${this.market} exchange`,
        headers: { 'content-type': 'text/plain' },
      };
    }
    this.restRequests.push({ method, url: url.pathname + url.search, status: response.status, time: now });
    if (this.restRequests.length > REST_LOG_LIMIT) this.restRequests.splice(0, this.restRequests.length - REST_LOG_LIMIT);
    res.writeHead(response.status, { 'content-type': 'application/json', ...response.headers });
    res.end(response.body);
  }
}

/** A ground-truth SimKline in the normalized model's number form. */
export function toModelKline(k: SimKline): Kline {
  return {
    openTime: k.openTime,
    closeTime: k.closeTime,
    open: Number(k.open),
    high: Number(k.high),
    low: Number(k.low),
    close: Number(k.close),
    volume: Number(k.volume),
    quoteVolume: Number(k.quoteVolume),
    trades: k.trades,
    closed: k.closed,
  };
}

function withHeartbeatOverrides(
  base: FakeMarketProtocol['ws']['heartbeat'],
  o: FakeServerOptions['heartbeat'],
): FakeMarketProtocol['ws']['heartbeat'] {
  if (!o) return base;
  if (base.mode === 'server-ping') {
    return { mode: 'server-ping', intervalMs: o.intervalMs ?? base.intervalMs, timeoutMs: o.timeoutMs ?? base.timeoutMs };
  }
  return { mode: 'client-ping', idleTimeoutMs: o.idleTimeoutMs ?? base.idleTimeoutMs };
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n` +
      `Connection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

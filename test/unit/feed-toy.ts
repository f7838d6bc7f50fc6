/**
 * A toy exchange for the feed engine tests: a real `ws` server on 127.0.0.1 speaking a tiny JSON
 * protocol, and the WsProtocol that talks to it. Not a test file (no `.test.ts`).
 *
 * client → server: {"op":"sub"|"unsub","args":[topic…],"id":n}, text `ping`
 * server → client: {"ack":n}, {"err":msg,"id":n}, {"t":topic,"seq":k}, `pong`, {"bye":msg}
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Heartbeat, MarketEvent, ParseResult, WsProtocol } from '../../sidecar/exchanges/types';

export interface ToyClient {
  ws: WebSocket;
  path: string;
  openedAt: number;
  topics: Set<string>;
  /** Every subscribe frame's topics, in arrival order. */
  subs: string[][];
  textPings: number;
  wsPings: number;
  stalled: boolean;
}

export interface ToyOptions {
  /** Answer subscribe requests with {"ack":id}. Default true. */
  ack?: boolean;
  /** Refuse topics starting with `bad` (the whole request, as some exchanges do). Default true. */
  refuseBad?: boolean;
  /** Cut sockets older than this (like an exchange's 24 h limit). */
  hardLifetimeMs?: number;
  /** A subscription takes effect (and is acked) this long after it arrives. Default 0. */
  subscribeDelayMs?: number;
}

export class ToyExchange {
  readonly clients: ToyClient[] = [];
  private readonly seq = new Map<string, number>();
  private ticker: NodeJS.Timeout | undefined;
  private cutter: NodeJS.Timeout | undefined;

  private constructor(
    readonly wss: WebSocketServer,
    readonly port: number,
    private readonly options: ToyOptions,
  ) {
    wss.on('connection', (ws, req) => {
      const client: ToyClient = {
        ws,
        path: req.url ?? '/',
        openedAt: Date.now(),
        topics: new Set(),
        subs: [],
        textPings: 0,
        wsPings: 0,
        stalled: false,
      };
      this.clients.push(client);
      ws.on('ping', () => {
        client.wsPings += 1;
      });
      ws.on('message', (data) => this.onMessage(client, data.toString()));
    });
    if (options.hardLifetimeMs) {
      this.cutter = setInterval(() => {
        for (const c of this.open()) if (Date.now() - c.openedAt >= options.hardLifetimeMs!) c.ws.terminate();
      }, 5);
    }
  }

  static async start(options: ToyOptions = {}): Promise<ToyExchange> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new ToyExchange(wss, (wss.address() as AddressInfo).port, options);
  }

  url(path = ''): string {
    return `ws://127.0.0.1:${this.port}/${path}`;
  }

  /** Sockets still open. */
  open(): ToyClient[] {
    return this.clients.filter((c) => c.ws.readyState === c.ws.OPEN);
  }

  /** Sends the next sequence number of `topic` to every socket subscribed to it. */
  publish(topic: string): number {
    const seq = (this.seq.get(topic) ?? 0) + 1;
    this.seq.set(topic, seq);
    for (const c of this.open()) {
      if (!c.stalled && c.topics.has(topic)) c.ws.send(JSON.stringify({ t: topic, seq }));
    }
    return seq;
  }

  /** Publishes every topic some socket carries, every `ms`. */
  tick(ms: number): void {
    this.ticker = setInterval(() => {
      const topics = new Set<string>();
      for (const c of this.open()) for (const t of c.topics) topics.add(t);
      for (const t of topics) this.publish(t);
    }, ms);
  }

  stopTicking(): void {
    if (this.ticker) clearInterval(this.ticker);
  }

  sendAll(frame: string): void {
    for (const c of this.open()) c.ws.send(frame);
  }

  async close(): Promise<void> {
    this.stopTicking();
    if (this.cutter) clearInterval(this.cutter);
    for (const c of this.clients) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onMessage(client: ToyClient, text: string): void {
    if (client.stalled) return;
    if (text === 'ping') {
      client.textPings += 1;
      client.ws.send('pong');
      return;
    }
    const msg = JSON.parse(text) as { op: string; args: string[]; id: number };
    if (msg.op === 'sub') {
      client.subs.push(msg.args);
      if (this.options.refuseBad !== false && msg.args.some((t) => t.startsWith('bad'))) {
        client.ws.send(JSON.stringify({ err: `unknown topic ${msg.args.find((t) => t.startsWith('bad'))}`, id: msg.id }));
        return;
      }
      const apply = (): void => {
        if (client.ws.readyState !== client.ws.OPEN) return;
        for (const t of msg.args) client.topics.add(t);
        if (this.options.ack !== false) client.ws.send(JSON.stringify({ ack: msg.id }));
      };
      if (this.options.subscribeDelayMs) setTimeout(apply, this.options.subscribeDelayMs);
      else apply();
    } else if (msg.op === 'unsub') {
      for (const t of msg.args) client.topics.delete(t);
      if (this.options.ack !== false) client.ws.send(JSON.stringify({ ack: msg.id }));
    }
  }
}

const rawSocket = (client: ToyClient) => (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;

/** Stops a socket dead without closing it: the server neither reads nor writes it any more. */
export function stall(client: ToyClient): void {
  client.stalled = true;
  rawSocket(client).pause();
}

/** The server stops reading a socket (frames from the client wait) but may still write to it; returns the resume. */
export function holdReads(client: ToyClient): () => void {
  rawSocket(client).pause();
  return () => rawSocket(client).resume();
}

export interface ToyProtocolOptions {
  heartbeat?: Heartbeat;
  topicsPerConnection?: number;
  topicsPerRequest?: number;
  requestIntervalMs?: number;
  maxLifetimeMs?: number;
  base?: string;
}

/** The WsProtocol of the toy exchange. A frame `{"boom":1}` makes the parser throw. */
export function toyProtocol(options: ToyProtocolOptions = {}): WsProtocol {
  return {
    url: (endpoint) => `${options.base ?? ''}${endpoint}`,
    limits: {
      topicsPerConnection: options.topicsPerConnection ?? 100,
      topicsPerRequest: options.topicsPerRequest ?? 10,
      requestIntervalMs: options.requestIntervalMs ?? 0,
      ...(options.maxLifetimeMs ? { maxLifetimeMs: options.maxLifetimeMs } : {}),
    },
    heartbeat: options.heartbeat ?? { mode: 'server-ping' },
    subscribe: (topics, id) => JSON.stringify({ op: 'sub', args: topics, id }),
    unsubscribe: (topics, id) => JSON.stringify({ op: 'unsub', args: topics, id }),
    parse: parseToy,
  };
}

function parseToy(frame: string): ParseResult {
  if (frame === 'pong') return { type: 'pong' };
  let msg: Record<string, unknown>;
  try {
    msg = JSON.parse(frame) as Record<string, unknown>;
  } catch {
    return { type: 'malformed', reason: 'not JSON' };
  }
  if ('boom' in msg) throw new Error('parser exploded');
  if (typeof msg.ack === 'number') return { type: 'ack', id: msg.ack };
  if (typeof msg.err === 'string') return { type: 'error', message: msg.err, ...(typeof msg.id === 'number' ? { id: msg.id } : {}) };
  if (typeof msg.bye === 'string') return { type: 'closing', message: msg.bye };
  if (typeof msg.t === 'string' && typeof msg.seq === 'number') {
    const event: MarketEvent = {
      kind: 'trade',
      topic: msg.t,
      symbol: msg.t,
      trade: { id: String(msg.seq), time: msg.seq, price: 1, size: 1, side: 'buy' },
    };
    return { type: 'events', events: [event] };
  }
  return { type: 'malformed', reason: 'unknown frame' };
}

/** Polls `check` every 5 ms until it holds; fails with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The sequence numbers of trade events (the toy puts seq in trade.id). */
export function seqs(events: MarketEvent[], topic?: string): number[] {
  return events.filter((e) => e.kind === 'trade' && (!topic || e.topic === topic)).map((e) => (e.kind === 'trade' ? Number(e.trade.id) : 0));
}

/**
 * JSON-RPC 2.0 over NDJSON streams. The method table is independent of the transport: a
 * `Session` binds one pair of streams (stdio, a socket connection, an in-memory PassThrough
 * pair in tests) to the shared method table and to the hub as one client.
 */
import { randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { JSONRPCErrorException, JSONRPCServer, createJSONRPCErrorResponse, type JSONRPCResponse } from 'json-rpc-2.0';
import type { z } from 'zod';
import type { Hub, HubClient } from '../hub/hub';
import { EventRouter } from './events';
import { Metrics } from './metrics';
import { LineReader, LineWriter } from './ndjson';
import { OutboundQueue } from './outbound';
import { RpcError } from './errors';
import { ErrorCode, PROTOCOL_VERSION, methods, type MethodName } from './schema';

export interface RpcContext {
  hub: Hub;
  version: string;
  log: { warn(m: string): void; info(m: string): void; debug(m: string): void; error(m: string): void };
  /** Called by the `shutdown` method after its response is written. */
  shutdown(): void;
  maxLineBytes?: number;
  maxQueuedMessages?: number;
  /** Per client; above it forming-kline updates are coalesced, then the client is disconnected. */
  maxNotificationsPerSecond?: number;
  /** Event patterns (events.subscribe); created by createMethodTable when absent. */
  events?: EventRouter;
  /** Counters (metrics.get, /metrics); created by createMethodTable when absent. */
  metrics?: Metrics;
}

type Handler = (params: unknown, session: Session) => unknown;

function validated<M extends MethodName>(name: M, fn: (p: z.infer<(typeof methods)[M]['params']>, s: Session) => unknown): Handler {
  const schema = methods[name].params as z.ZodTypeAny;
  return (params, session) => {
    const parsed = schema.safeParse(params === null ? undefined : params);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code }));
      const first = issues[0];
      const message = `Invalid params for ${name}: ${first.path ? `${first.path}: ` : ''}${first.message}`;
      throw new RpcError(ErrorCode.InvalidParams, message, { issues });
    }
    return fn(parsed.data as z.infer<(typeof methods)[M]['params']>, session);
  };
}

/** Builds the shared method table. */
export function createMethodTable(ctx: RpcContext): JSONRPCServer<Session> {
  const events = (ctx.events ??= new EventRouter(ctx.hub, { maxPatternsPerClient: 50 }));
  const metrics = (ctx.metrics ??= new Metrics(ctx.hub));
  metrics.patternCount = () => events.patternCount;
  const server = new JSONRPCServer<Session>({ errorListener: (message, data) => ctx.log.debug(`rpc: ${message} ${String(data)}`) });
  server.mapErrorToJSONRPCErrorResponse = (id, error: unknown) => {
    if (error instanceof RpcError) return createJSONRPCErrorResponse(id, error.code, error.message, error.data);
    if (error instanceof JSONRPCErrorException) return createJSONRPCErrorResponse(id, error.code, error.message, error.data);
    ctx.log.error(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return createJSONRPCErrorResponse(id, ErrorCode.InternalError, `internal error: ${error instanceof Error ? error.message : String(error)}`);
  };
  const table: Record<MethodName, Handler> = {
    initialize: validated('initialize', (p, s) => {
      if (p?.client) s.clientName = `${p.client.name}${p.client.version ? ` ${p.client.version}` : ''}`;
      return {
        name: 'candlewire' as const,
        version: ctx.version,
        protocolVersion: PROTOCOL_VERSION,
        pid: process.pid,
        exchanges: ctx.hub.exchangesList().map((e) => e.id),
      };
    }),
    'exchanges.list': validated('exchanges.list', () => ctx.hub.exchangesList()),
    'instruments.list': validated('instruments.list', (p) => ctx.hub.instruments(p.exchange, p.market, p.query, p.limit)),
    subscribe: validated('subscribe', (p, s) => ctx.hub.subscribe(s, p)),
    unsubscribe: validated('unsubscribe', (p, s) => {
      ctx.hub.unsubscribe(s, p.subscriptionId);
      return { ok: true as const };
    }),
    'subscriptions.list': validated('subscriptions.list', (_p, s) => ctx.hub.subscriptions(s)),
    'klines.get': validated('klines.get', async (p) => {
      const r = await ctx.hub.klines(p);
      if (p.format !== 'columns') return r;
      return { key: r.key, source: r.source, columns: toColumns(r.klines) };
    }),
    'ticker.get': validated('ticker.get', (p) => ctx.hub.ticker(p.exchange, p.market, p.symbol)),
    'status.get': validated('status.get', () => ({ version: ctx.version, ...ctx.hub.status() })),
    'events.subscribe': validated('events.subscribe', (p, s) => ({ channels: events.subscribe(s, p.channels) })),
    'events.unsubscribe': validated('events.unsubscribe', (p, s) => ({ channels: events.unsubscribe(s, p?.channels) })),
    'metrics.get': validated('metrics.get', () => ({ time: Date.now(), values: metrics.values(), samples: metrics.samples() })),
    ping: validated('ping', () => ({ time: Date.now() })),
    shutdown: validated('shutdown', (_p, s) => {
      s.afterFlush(() => ctx.shutdown());
      return { ok: true as const };
    }),
  };
  for (const [name, fn] of Object.entries(table)) server.addMethod(name, (params, session) => fn(params, session));
  return server;
}

function toColumns(klines: ReadonlyArray<{ openTime: number; closeTime: number; open: number; high: number; low: number; close: number; volume: number; quoteVolume: number; trades?: number; closed: boolean }>) {
  return {
    openTime: klines.map((k) => k.openTime),
    closeTime: klines.map((k) => k.closeTime),
    open: klines.map((k) => k.open),
    high: klines.map((k) => k.high),
    low: klines.map((k) => k.low),
    close: klines.map((k) => k.close),
    volume: klines.map((k) => k.volume),
    quoteVolume: klines.map((k) => k.quoteVolume),
    trades: klines.map((k) => k.trades ?? null),
    closed: klines.map((k) => k.closed),
  };
}

/** One connected client: its streams, its outbound queue, its subscriptions in the hub. */
export class Session implements HubClient {
  readonly id = randomUUID();
  clientName = 'unknown client';
  private readonly reader: LineReader;
  private readonly out: OutboundQueue;
  private closed = false;
  private inflight = 0;
  private flushWaiters: Array<() => void> = [];

  constructor(
    input: Readable,
    output: Writable,
    private readonly server: JSONRPCServer<Session>,
    private readonly ctx: RpcContext,
    private readonly onClose?: (reason: string) => void,
  ) {
    this.out = new OutboundQueue(new LineWriter(output), {
      maxMessages: ctx.maxQueuedMessages ?? 50_000,
      maxPerSecond: ctx.maxNotificationsPerSecond,
      counters: ctx.metrics,
      overflow: (reason) => this.close(reason),
    });
    ctx.hub.addClient(this);
    ctx.metrics?.sessionOpened(this);
    this.reader = new LineReader(input, {
      maxLineBytes: ctx.maxLineBytes ?? 1024 * 1024,
      onLine: (line) => this.receive(line),
      onOversize: (bytes) => {
        this.write(createJSONRPCErrorResponse(null, ErrorCode.InvalidRequest, `request line too long: ${bytes} bytes exceeds the ${ctx.maxLineBytes ?? 1024 * 1024}-byte limit`));
        this.close(`sent a line over ${ctx.maxLineBytes ?? 1024 * 1024} bytes`);
      },
      onEnd: () => this.close('input closed'),
    });
  }

  notify(method: string, params: unknown): void {
    if (this.closed) return;
    this.out.push({ jsonrpc: '2.0', method, params }, method === 'kline' ? (params as { key: string }).key : undefined);
  }

  /**
   * Resolves once no request is in flight and everything queued has been handed to the stream,
   * or after `timeoutMs` (a client that stopped reading never drains).
   */
  idle(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      t.unref?.();
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      if (this.inflight === 0) this.out.flushed().then(done);
      else this.flushWaiters.push(done);
    });
  }

  /** Runs `fn` once every response already queued has been handed to the stream. */
  afterFlush(fn: () => void): void {
    this.flushWaiters.push(fn);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.stop();
    this.out.close();
    this.ctx.hub.removeClient(this);
    this.ctx.metrics?.sessionClosed(this);
    this.ctx.log.debug(`client ${this.clientName} (${this.id}) closed: ${reason}`);
    this.onClose?.(reason);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Notifications waiting in this client's outbound queue (metrics). */
  get queued(): number {
    return this.out.length;
  }

  private receive(line: string): void {
    let payload: unknown;
    try {
      payload = JSON.parse(line);
    } catch (err) {
      this.write(createJSONRPCErrorResponse(null, ErrorCode.ParseError, `Parse error: ${(err as Error).message}`));
      return;
    }
    if (Array.isArray(payload) && payload.length === 0) {
      this.write(createJSONRPCErrorResponse(null, ErrorCode.InvalidRequest, 'Invalid Request: empty batch'));
      return;
    }
    // The library trusts the envelope (a null member crashes it, a boolean id is echoed back):
    // members that are not Request objects are answered here, the others go to the method table.
    const members = Array.isArray(payload) ? payload : [payload];
    const refused = members.filter((m) => envelopeProblem(m) !== undefined).map((m) => invalidRequest(m));
    const valid = members.filter((m) => envelopeProblem(m) === undefined);
    if (valid.length === 0) {
      this.write(Array.isArray(payload) ? refused : refused[0]);
      return;
    }
    this.inflight++;
    Promise.resolve(this.server.receive((Array.isArray(payload) ? valid : valid[0]) as never, this))
      .then(
        (response) => {
          const answered = response === null ? [] : Array.isArray(response) ? response : [response];
          const all = [...refused, ...answered];
          // A batch is always answered with an array, even when one response remains.
          if (Array.isArray(payload)) {
            if (all.length > 0) this.write(all);
          } else if (all.length > 0) this.write(all[0]);
        },
        (err: unknown) => {
          this.write(createJSONRPCErrorResponse(null, ErrorCode.InternalError, `internal error: ${(err as Error).message}`));
        },
      )
      .finally(() => {
        this.inflight--;
        if (this.inflight === 0 && this.flushWaiters.length) {
          const waiters = this.flushWaiters;
          this.flushWaiters = [];
          this.out.flushed().then(() => waiters.forEach((w) => w()));
        }
      });
  }

  private write(msg: JSONRPCResponse | JSONRPCResponse[]): void {
    // Responses are never dropped or coalesced; they jump the notification queue.
    this.out.pushResponse(msg);
  }
}

const isRpcId = (id: unknown): id is string | number | null => typeof id === 'string' || typeof id === 'number' || id === null;

/** Why `m` is not a JSON-RPC 2.0 Request object, or undefined when it is one. */
function envelopeProblem(m: unknown): string | undefined {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return 'a request must be an object';
  const r = m as Record<string, unknown>;
  if (r.jsonrpc !== '2.0') return 'jsonrpc must be "2.0"';
  if (typeof r.method !== 'string') return 'method must be a string';
  if ('id' in r && !isRpcId(r.id)) return 'id must be a string, a number or null';
  if ('result' in r || 'error' in r) return 'a request has no result or error';
  return undefined;
}

/** The -32600 answer to a member that is not a Request object (its id when it has a usable one). */
function invalidRequest(m: unknown): JSONRPCResponse {
  const id = typeof m === 'object' && m !== null && !Array.isArray(m) && isRpcId((m as Record<string, unknown>).id) ? ((m as Record<string, unknown>).id as string | number | null) : null;
  return createJSONRPCErrorResponse(id, ErrorCode.InvalidRequest, `Invalid Request: ${envelopeProblem(m)}`);
}

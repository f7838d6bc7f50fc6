/**
 * A JSON-RPC client over the shared sidecar's local socket (NDJSON) or its WebSocket (one
 * message per frame) — what the Python client and browser tools do, for the sharing tests.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { RpcCallError, SidecarProcess, type Notification } from './sidecar-process';

export class RpcSocketClient {
  readonly notifications: Notification[] = [];
  /** Messages with id null (e.g. the max_clients refusal). */
  readonly orphans: any[] = [];
  closed = false;
  readonly done: Promise<void>;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private markDone!: () => void;

  private constructor(private readonly send: (line: string) => void, private readonly end: () => void) {
    this.done = new Promise((r) => (this.markDone = r));
  }

  /** Connects to a Unix socket / named pipe path. */
  static unix(path: string): Promise<RpcSocketClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(path);
      const c = new RpcSocketClient(
        (line) => socket.write(line + '\n'),
        () => socket.end(),
      );
      createInterface({ input: socket }).on('line', (l) => c.onText(l));
      socket.on('close', () => c.onClose());
      socket.once('error', reject);
      socket.once('connect', () => resolve(c));
    });
  }

  /** Connects to the WebSocket transport (the token goes in the Authorization header). */
  static ws(url: string, token: string): Promise<RpcSocketClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
      const c = new RpcSocketClient(
        (line) => ws.send(line),
        () => ws.close(),
      );
      ws.on('message', (d) => c.onText(d.toString()));
      ws.on('close', () => c.onClose());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
      ws.once('open', () => resolve(c));
    });
  }

  call<T = any>(method: string, params?: unknown): Promise<T> {
    const id = this.nextId++;
    const msg: Record<string, unknown> = { jsonrpc: '2.0', id, method };
    if (params !== undefined) msg.params = params;
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(new Error('connection closed'));
      this.pending.set(id, { resolve, reject });
      this.send(JSON.stringify(msg));
    });
  }

  /** The error of a call that must fail. */
  async error(method: string, params?: unknown): Promise<RpcCallError['error']> {
    try {
      await this.call(method, params);
    } catch (err) {
      if (err instanceof RpcCallError) return err.error;
      throw err;
    }
    throw new Error(`${method} succeeded but was expected to fail`);
  }

  of(method: string, key?: string): Notification[] {
    return this.notifications.filter((n) => n.method === method && (key === undefined || n.params.key === key));
  }

  async waitFor<T>(what: string, pred: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
    const start = Date.now();
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  close(): Promise<void> {
    this.end();
    return this.done;
  }

  private onText(text: string): void {
    let msg: any;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    for (const m of Array.isArray(msg) ? msg : [msg]) {
      if (m && 'method' in m && !('id' in m)) this.notifications.push(m);
      else if (m && m.id === null) this.orphans.push(m);
      else if (m && ('result' in m || 'error' in m)) {
        const p = this.pending.get(m.id);
        if (!p) continue;
        this.pending.delete(m.id);
        if ('error' in m) p.reject(new RpcCallError(m.error));
        else p.resolve(m.result);
      }
    }
  }

  private onClose(): void {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error('connection closed'));
    this.pending.clear();
    this.markDone();
  }
}

/** The connection file as the sidecar writes it. */
export interface ConnectionFile {
  transport: string;
  path: string;
  pid: number;
  version: string;
  started: number;
  ws: { url: string; token: string } | null;
}

/** Reads `<dir>/sidecar.json`. Throws when missing or unreadable. */
export function readConnectionFile(dir: string): ConnectionFile {
  return JSON.parse(readFileSync(join(dir, 'sidecar.json'), 'utf8'));
}

/**
 * Sidecars sharing through --socket, each in its own fresh runtime directory, cleaned up by
 * `cleanup()` (call it in afterEach).
 */
export class SharedSidecars {
  private readonly started: SidecarProcess[] = [];
  private readonly clients: RpcSocketClient[] = [];
  private readonly dirs: string[] = [];

  constructor(private readonly configToml: () => string) {}

  /** A runtime directory path that does not exist yet (the sidecar creates it). */
  runtimeDir(): string {
    const base = mkdtempSync(join(tmpdir(), 'cw-share-'));
    this.dirs.push(base);
    return join(base, 'rt');
  }

  /** Any sidecar process to stop at cleanup. */
  track(sc: SidecarProcess): SidecarProcess {
    this.started.push(sc);
    return sc;
  }

  /** Starts `--socket` (plus `args`) in `dir` and waits until its connection file names it. */
  async start(dir: string, opts: { args?: string[]; config?: string } = {}): Promise<{ sc: SidecarProcess; file: ConnectionFile }> {
    const sc = this.track(
      SidecarProcess.start({ configToml: this.configToml() + (opts.config ?? ''), args: ['--socket', ...(opts.args ?? [])], env: { CANDLEWIRE_RUNTIME_DIR: dir } }),
    );
    await sc.waitFor('the connection file', () => {
      try {
        return readConnectionFile(dir).pid === sc.child.pid;
      } catch {
        return false;
      }
    });
    return { sc, file: readConnectionFile(dir) };
  }

  async unix(path: string): Promise<RpcSocketClient> {
    const c = await RpcSocketClient.unix(path);
    this.clients.push(c);
    return c;
  }

  async ws(url: string, token: string): Promise<RpcSocketClient> {
    const c = await RpcSocketClient.ws(url, token);
    this.clients.push(c);
    return c;
  }

  async cleanup(): Promise<void> {
    for (const c of this.clients.splice(0)) if (!c.closed) await c.close();
    await Promise.all(this.started.splice(0).map((s) => s.stop()));
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/**
 * The closed bars of `key` a client received (open times, sorted, unique) and the closed bars the
 * sidecar's cache holds over the same span. Equal means none was missed. A bar healed from REST
 * may arrive late or twice: order and repeats do not matter, holes do.
 */
export async function closedBars(
  c: RpcSocketClient,
  where: { exchange: string; market: string },
  key: string,
  symbol: string,
  interval: string,
): Promise<{ received: number[]; cached: number[] }> {
  const received = [...new Set(c.of('kline', key).filter((n) => n.params.data.closed).map((n) => n.params.data.openTime as number))].sort((a, b) => a - b);
  if (!received.length) return { received, cached: [] };
  const r = await c.call('klines.get', { ...where, symbol, interval, startTime: received[0], endTime: received[received.length - 1], limit: 100_000 });
  const cached = (r.klines as Array<{ openTime: number; closed: boolean }>).filter((k) => k.closed).map((k) => k.openTime);
  return { received, cached };
}

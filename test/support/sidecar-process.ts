/**
 * Spawns the BUILT sidecar (dist/sidecar.js) as a child process and speaks JSON-RPC to it over
 * its stdio, one message per line — exactly what the VS Code extension and the Python client do.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const SIDECAR = resolve(__dirname, '../../dist/sidecar.js');

export interface Notification {
  method: string;
  params: { channel: string; key: string; time: number; seq: number; data: any };
}

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: any;
}

export class RpcCallError extends Error {
  constructor(readonly error: RpcErrorObject) {
    super(`${error.code}: ${error.message}`);
  }
}

/** The short feed timings the integration tests share: failures show in seconds, not minutes. */
export const FAST_FEED_TOML = `
[feed]
stale_after_ms = 3000
idle_probe_ms = 1000
ack_timeout_ms = 3000
backoff_base_ms = 50
backoff_cap_ms = 500
close_grace_ms = 2500
client_ping_ms = 1000
`;

export class SidecarProcess {
  readonly notifications: Notification[] = [];
  readonly stderr: string[] = [];
  /** Every line seen on stdout, for "stdout carries protocol only" checks. */
  readonly stdoutLines: string[] = [];
  private nextId = 1;
  private readonly pending = new Map<number | string, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private readonly rawPending = new Map<string, (msg: any) => void>();
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line));
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.stderr.push(line);
      if (process.env.SIDECAR_LOG) process.stderr.write(`[sidecar] ${line}\n`);
    });
    this.exited = new Promise((res) => child.on('exit', (code) => res(code)));
  }

  /** Starts the sidecar with a TOML config written to a temp dir. */
  static start(opts: { configToml?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {}): SidecarProcess {
    const args = [SIDECAR, ...(opts.args ?? [])];
    if (opts.configToml !== undefined) {
      const dir = mkdtempSync(join(tmpdir(), 'candlewire-test-'));
      const file = join(dir, 'config.toml');
      writeFileSync(file, opts.configToml);
      args.push('--config', file);
    }
    const child = spawn(process.execPath, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, HTTPS_PROXY: '', HTTP_PROXY: '', ALL_PROXY: '', ...opts.env },
    });
    return new SidecarProcess(child);
  }

  call<T = any>(method: string, params?: unknown): Promise<T> {
    const id = this.nextId++;
    const msg: Record<string, unknown> = { jsonrpc: '2.0', id, method };
    if (params !== undefined) msg.params = params;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(JSON.stringify(msg) + '\n');
    });
  }

  /** Sends a raw line and resolves with the next response that has the given id (or id null). */
  raw(line: string, id: number | string | null = null): Promise<any> {
    return new Promise((resolve) => {
      this.rawPending.set(String(id), resolve);
      this.child.stdin.write(line + '\n');
    });
  }

  /** Waits until `pred` holds over the notifications seen so far (or times out with a description). */
  async waitFor<T>(what: string, pred: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
    const start = Date.now();
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() - start > timeoutMs) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last stderr:\n${this.stderr.slice(-15).join('\n')}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.add(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  of(method: string, key?: string): Notification[] {
    return this.notifications.filter((n) => n.method === method && (key === undefined || n.params.key === key));
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.stdin.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }

  private onLine(line: string): void {
    this.stdoutLines.push(line);
    let msg: any;
    try {
      msg = JSON.parse(line);
    } catch {
      return; // the "stdout is protocol only" test looks at stdoutLines
    }
    const msgs = Array.isArray(msg) ? msg : [msg];
    for (const m of msgs) {
      if (m && 'method' in m && !('id' in m)) {
        this.notifications.push(m as Notification);
      } else if (m && ('result' in m || 'error' in m)) {
        const raw = this.rawPending.get(String(m.id));
        if (raw) {
          this.rawPending.delete(String(m.id));
          raw(Array.isArray(msg) ? msg : m);
          continue;
        }
        const p = this.pending.get(m.id);
        if (!p) continue;
        this.pending.delete(m.id);
        if ('error' in m) p.reject(new RpcCallError(m.error));
        else p.resolve(m.result);
      }
    }
    for (const w of this.waiters) w();
    this.waiters.clear();
  }
}

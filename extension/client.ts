/**
 * JSON-RPC 2.0 client over a sidecar's stdio: one JSON message per line (NDJSON). Requests go
 * through json-rpc-2.0's `JSONRPCClient`; lines carrying a `method` are the sidecar's
 * notifications and go to `onNotification`. No `vscode` here, so it is tested against a real
 * sidecar process.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { JSONRPCClient, JSONRPCErrorException, type JSONRPCResponse } from 'json-rpc-2.0';

/** An error response from the sidecar (code and data as in README "Errors"), or a transport failure (code 0). */
export class SidecarError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'SidecarError';
  }
}

export interface SidecarClientOptions {
  /** The sidecar's stdout. */
  input: Readable;
  /** The sidecar's stdin. */
  output: Writable;
  onNotification(method: string, params: unknown): void;
  /** A stdout line that is not a JSON-RPC message: the sidecar broke its "stdout is protocol only" rule. */
  onGarbage?(line: string): void;
}

/** Speaks JSON-RPC to one sidecar process; dead once the process's stdout ends or `close()` is called. */
export class SidecarClient {
  private readonly rpc: JSONRPCClient;
  private closedReason: string | undefined;

  constructor(private readonly options: SidecarClientOptions) {
    this.rpc = new JSONRPCClient((payload) => this.write(payload));
    const lines = createInterface({ input: options.input, crlfDelay: Infinity });
    lines.on('line', (line) => this.receive(line));
    lines.on('close', () => this.close('the sidecar closed its output'));
  }

  /** Calls `method`; rejects with a `SidecarError` on an error response, a timeout or a closed connection. */
  async request<T = unknown>(method: string, params?: unknown, timeoutMs?: number): Promise<T> {
    if (this.closedReason !== undefined) throw new SidecarError(0, `the sidecar is not running (${this.closedReason})`);
    const requester = timeoutMs === undefined ? this.rpc : this.rpc.timeout(timeoutMs, (id) => ({ jsonrpc: '2.0', id, error: { code: 0, message: `${method}: no answer within ${timeoutMs} ms` } }));
    try {
      return (await requester.request(method, params as never)) as T;
    } catch (err) {
      if (err instanceof JSONRPCErrorException) throw new SidecarError(err.code, err.message, err.data);
      throw new SidecarError(0, err instanceof Error ? err.message : String(err));
    }
  }

  /** Rejects every pending request; later requests fail at once. Idempotent. */
  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.rpc.rejectAllPendingRequests(`the sidecar is not running (${reason})`);
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  private write(payload: unknown): void {
    if (this.closedReason !== undefined) throw new Error(`the sidecar is not running (${this.closedReason})`);
    this.options.output.write(JSON.stringify(payload) + '\n');
  }

  private receive(line: string): void {
    if (line.trim() === '') return;
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.options.onGarbage?.(line);
      return;
    }
    for (const m of Array.isArray(msg) ? msg : [msg]) {
      if (typeof m !== 'object' || m === null) {
        this.options.onGarbage?.(line);
      } else if ('method' in m && typeof m.method === 'string') {
        this.options.onNotification(m.method, (m as { params?: unknown }).params);
      } else if ('id' in m) {
        this.rpc.receive(m as JSONRPCResponse);
      } else {
        this.options.onGarbage?.(line);
      }
    }
  }
}

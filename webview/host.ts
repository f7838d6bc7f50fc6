/**
 * The webview's side of the postMessage channel: requests with ids answered by `response`
 * messages, everything else handed to one listener after validation.
 */
import {
  HostMessageSchema,
  describeIssues,
  type ChartState,
  type HostMessage,
  type RpcErrorShape,
  type WebviewMessage,
  type WebviewRequest,
} from './protocol';

/** What `acquireVsCodeApi()` returns inside a VS Code webview. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** A failed request: the sidecar's (or the host's) JSON-RPC error. */
export class RequestError extends Error {
  constructor(readonly error: RpcErrorShape) {
    super(error.message);
  }
  get code(): number {
    return this.error.code;
  }
}

type Params<M extends WebviewRequest['method']> = Extract<WebviewRequest, { method: M }>['params'];
type Notification = Exclude<HostMessage, { type: 'response' }>;

export class HostLink {
  #nextId = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: RequestError) => void }>();
  #listener: (m: Notification) => void = () => {};

  constructor(private readonly api: VsCodeApi) {
    window.addEventListener('message', (ev: MessageEvent) => this.#receive(ev.data));
  }

  /** Sets the one listener for host messages other than responses. */
  onMessage(fn: (m: Notification) => void): void {
    this.#listener = fn;
  }

  /** Sends a request; resolves with the result, rejects with a RequestError. */
  request<M extends WebviewRequest['method']>(method: M, params: Params<M>): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.post({ type: 'request', id, method, params } as WebviewRequest);
    });
  }

  post(message: WebviewMessage): void {
    this.api.postMessage(message);
  }

  /** Reports a problem to the extension's log (the webview has no console a user sees). */
  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.post({ type: 'log', level, message: message.slice(0, 4000) });
  }

  /** Persists the state locally (survives hide/show) and tells the host (panel title, reload). */
  saveState(state: ChartState): void {
    this.api.setState(state);
    this.post({ type: 'state', state });
  }

  savedState(): unknown {
    return this.api.getState();
  }

  /** Fails every request in flight (the sidecar went away: their answers will never come). */
  failPending(error: RpcErrorShape): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(new RequestError(error));
  }

  #receive(data: unknown): void {
    const parsed = HostMessageSchema.safeParse(data);
    if (!parsed.success) {
      this.log('warn', `chart webview: ignored a malformed host message: ${describeIssues(parsed.error)}`);
      return;
    }
    const m = parsed.data;
    if (m.type !== 'response') {
      this.#listener(m);
      return;
    }
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if (m.error) p.reject(new RequestError(m.error));
    else p.resolve(m.result);
  }
}

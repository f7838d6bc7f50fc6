/**
 * One chart panel: its webview, its one kline subscription (released when the panel closes), and
 * the gate between the untrusted webview and the sidecar — every message is validated with zod and
 * only a fixed set of methods is forwarded.
 */
import * as vscode from 'vscode';
import {
  HostErrorCode,
  WebviewMessageSchema,
  describeIssues,
  sameSpec,
  specLabel,
  type ChartSpec,
  type ChartState,
  type ColorConfig,
  type ConnectionStatus,
  type HostMessage,
  type RpcErrorShape,
  type SubscribeAnswer,
  type WebviewRequest,
} from '../../webview/protocol';
import { chartHtml, makeNonce } from './html';
import type { ChartHost } from './types';

export interface PanelContext {
  host: ChartHost;
  /** Folder of dist/webview.js: the webview's only local resource root. */
  distUri: vscode.Uri;
  colors(): ColorConfig;
  /** Connections of an exchange-market that are not open, for a webview that just (re)started. */
  troubledConnections(exchange: string, market: string): ConnectionStatus[];
  onState(state: ChartState): void;
  onDispose(panel: ChartPanel): void;
}

interface Subscription {
  spec: ChartSpec;
  subscriptionId: string;
  key: string;
}

const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;

/** The options every chart webview gets (also applied to panels restored by the serializer). */
export function chartWebviewOptions(distUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  // No retainContextWhenHidden: a hidden chart costs nothing and reloads from the sidecar's cache.
  return { enableScripts: true, localResourceRoots: [distUri], retainContextWhenHidden: false };
}

export class ChartPanel implements vscode.Disposable {
  #state: ChartState | null;
  #sub: Subscription | undefined;
  /** Subscribe/unsubscribe run one at a time, in order, so a quick re-pick cannot leak a stream. */
  #serial: Promise<unknown> = Promise.resolve();
  #disposed = false;
  readonly #disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    state: ChartState | null,
    private readonly ctx: PanelContext,
  ) {
    this.#state = state;
    panel.webview.options = chartWebviewOptions(ctx.distUri);
    const asUri = (file: string) => panel.webview.asWebviewUri(vscode.Uri.joinPath(ctx.distUri, file)).toString();
    panel.webview.html = chartHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: asUri('webview.js'),
      styleUri: asUri('webview.css'),
      nonce: makeNonce(),
    });
    this.#disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.#receive(m)),
      panel.onDidDispose(() => this.dispose()),
    );
    this.#setTitle();
  }

  /** What the panel shows (null: nothing picked yet). */
  get state(): ChartState | null {
    return this.#state;
  }

  /** Is this panel showing `spec`? */
  shows(spec: ChartSpec): boolean {
    return this.#state !== null && sameSpec(this.#state, spec);
  }

  /** A sidecar notification; forwarded only when it concerns this panel and the panel is visible. */
  onNotification(method: string, params: unknown): void {
    const env = params as { key?: unknown; data?: unknown } | undefined;
    if (method === 'subscription.error') {
      const data = env?.data as { subscriptionId?: unknown; message?: unknown } | undefined;
      if (!this.#sub || data?.subscriptionId !== this.#sub.subscriptionId) return;
      const key = this.#sub.key;
      this.#sub = undefined; // the sidecar already removed it
      this.#post({ type: 'subscriptionError', key, message: String(data.message ?? 'rejected') });
      return;
    }
    // Hidden panels have no running webview; it re-reads the cache when it is shown again.
    if (!this.panel.visible) return;
    if (method === 'status') {
      const s = env?.data as ConnectionStatus | undefined;
      if (s && this.#state && s.exchange === this.#state.exchange && s.market === this.#state.market) this.#post({ type: 'status', status: s });
      return;
    }
    if (!this.#sub || env?.key !== this.#sub.key) return;
    if (method === 'kline') this.#post({ type: 'kline', key: this.#sub.key, bar: env.data } as HostMessage);
    else if (method === 'gap') this.#post({ type: 'gap', key: this.#sub.key, gap: env.data } as HostMessage);
  }

  /** The sidecar stopped or started: a new sidecar has none of the old subscriptions. */
  onSidecarState(running: boolean): void {
    if (!running) this.#sub = undefined;
    this.#post({ type: 'sidecar', running });
  }

  /** The colour settings changed. */
  onColors(colors: ColorConfig): void {
    this.#post({ type: 'colors', colors });
  }

  reveal(): void {
    this.panel.reveal();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    void this.#release();
    for (const d of this.#disposables.splice(0)) d.dispose();
    this.ctx.onDispose(this);
    this.panel.dispose();
  }

  // ---- webview → host -------------------------------------------------------------------------

  async #receive(raw: unknown): Promise<void> {
    const parsed = WebviewMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const problem = describeIssues(parsed.error);
      this.ctx.host.log.warn(`chart: refused a message from the webview: ${problem}`);
      const id = (raw as { id?: unknown } | null)?.id;
      if (Number.isInteger(id)) this.#post({ type: 'response', id: id as number, error: { code: INVALID_PARAMS, message: `refused by the extension: ${problem}` } });
      return;
    }
    const m = parsed.data;
    switch (m.type) {
      case 'ready':
        this.#post({ type: 'init', state: this.#state, colors: this.ctx.colors(), sidecarRunning: this.ctx.host.isRunning() });
        if (this.#state) for (const s of this.ctx.troubledConnections(this.#state.exchange, this.#state.market)) this.#post({ type: 'status', status: s });
        return;
      case 'state':
        this.#state = m.state;
        this.#setTitle();
        this.ctx.onState(m.state);
        return;
      case 'log':
        this.ctx.host.log[m.level](m.message);
        return;
      case 'request':
        return this.#answer(m);
    }
  }

  async #answer(m: WebviewRequest): Promise<void> {
    try {
      let result: unknown;
      if (m.method === 'subscribe') result = await this.#subscribe(m.params);
      else if (m.method === 'unsubscribe') result = await this.#queued(() => this.#release()).then(() => ({ ok: true }));
      else {
        this.#requireSidecar();
        result = await this.ctx.host.request(m.method, m.params);
      }
      this.#post({ type: 'response', id: m.id, result });
    } catch (e) {
      this.#post({ type: 'response', id: m.id, error: this.#rpcError(e) });
    }
  }

  #subscribe(spec: ChartSpec): Promise<SubscribeAnswer> {
    return this.#queued(async () => {
      this.#requireSidecar();
      if (this.#sub && sameSpec(this.#sub.spec, spec)) return { key: this.#sub.key, state: 'active' as const };
      await this.#release();
      const r = (await this.ctx.host.request('subscribe', {
        exchange: spec.exchange,
        market: spec.market,
        symbol: spec.symbol,
        channel: 'kline',
        interval: spec.interval,
        klineSource: spec.klineSource,
      })) as { subscriptionId: string; key: string; state: 'active' | 'pending' };
      if (this.#disposed) {
        // Closed while the sidecar was answering: do not leak the stream.
        void this.ctx.host.request('unsubscribe', { subscriptionId: r.subscriptionId }).catch(() => undefined);
        throw new Error('the chart panel was closed');
      }
      this.#sub = { spec, subscriptionId: r.subscriptionId, key: r.key };
      return { key: r.key, state: r.state };
    });
  }

  /** Releases this panel's stream, if any. Never throws: a dead sidecar has released it already. */
  async #release(): Promise<void> {
    const sub = this.#sub;
    this.#sub = undefined;
    if (!sub || !this.ctx.host.isRunning()) return;
    try {
      await this.ctx.host.request('unsubscribe', { subscriptionId: sub.subscriptionId });
    } catch (e) {
      this.ctx.host.log.debug(`chart: unsubscribe ${sub.key}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  #queued<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(fn, fn);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  #requireSidecar(): void {
    if (!this.ctx.host.isRunning()) throw sidecarDown();
  }

  #rpcError(e: unknown): RpcErrorShape {
    if (!this.ctx.host.isRunning()) return sidecarDown().error;
    if (e instanceof HostError) return e.error;
    const o = e as { code?: unknown; message?: unknown; data?: unknown } | undefined;
    if (o && typeof o.code === 'number' && typeof o.message === 'string') {
      return o.data === undefined ? { code: o.code, message: o.message } : { code: o.code, message: o.message, data: o.data };
    }
    return { code: INTERNAL_ERROR, message: e instanceof Error ? e.message : String(e) };
  }

  #post(m: HostMessage): void {
    if (this.#disposed) return;
    void this.panel.webview.postMessage(m);
  }

  #setTitle(): void {
    const s = this.#state;
    this.panel.title = s ? `${specLabel(s)} · ${s.exchange} ${s.market}` : 'Candlewire chart';
  }
}

class HostError extends Error {
  constructor(readonly error: RpcErrorShape) {
    super(error.message);
  }
}

function sidecarDown(): HostError {
  return new HostError({ code: HostErrorCode.SidecarDown, message: 'the Candlewire sidecar is not running' });
}

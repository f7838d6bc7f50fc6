/**
 * extension/chart against a small in-memory stand-in for the `vscode` API (the real editor runs in
 * the extension's code-server UI test): panel options and CSP, message validation, subscription
 * ownership, hidden panels, sidecar restarts, the serializer.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type Listener<T> = (e: T) => void;

class Emitter<T> {
  listeners: Listener<T>[] = [];
  event = (l: Listener<T>) => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T) {
    for (const l of [...this.listeners]) l(e);
  }
}

interface FakeUri {
  path: string;
  toString(): string;
}
const uri = (path: string): FakeUri => ({ path, toString: () => `vscode-resource:${path}` });

class FakePanel {
  title = '';
  visible = true;
  revealed = 0;
  disposed = false;
  posted: { type: string; [k: string]: unknown }[] = [];
  readonly fromWebview = new Emitter<unknown>();
  readonly disposeEmitter = new Emitter<void>();
  readonly webview = {
    options: {} as Record<string, unknown>,
    html: '',
    cspSource: 'https://webview.test',
    asWebviewUri: (u: FakeUri) => u,
    postMessage: async (m: { type: string }) => {
      if (this.visible) this.posted.push(m);
      return this.visible;
    },
    onDidReceiveMessage: this.fromWebview.event,
  };
  onDidDispose = this.disposeEmitter.event;
  constructor(
    readonly viewType: string,
    readonly createdWith?: Record<string, unknown>,
  ) {}
  reveal() {
    this.revealed++;
  }
  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeEmitter.fire();
  }
}

const fake = vi.hoisted(() => ({
  panels: [] as unknown[],
  serializers: new Map<string, { deserializeWebviewPanel(panel: unknown, state: unknown): Promise<void> }>(),
  settings: {} as Record<string, unknown>,
  configListeners: [] as ((e: { affectsConfiguration(s: string): boolean }) => void)[],
}));

vi.mock('vscode', () => ({
  Uri: { joinPath: (base: FakeUri, ...parts: string[]) => uri([base.path, ...parts].join('/')) },
  ViewColumn: { Active: -1 },
  window: {
    createWebviewPanel: (viewType: string, _title: string, _column: unknown, options: Record<string, unknown>) => {
      const p = new FakePanel(viewType, options);
      fake.panels.push(p);
      return p;
    },
    registerWebviewPanelSerializer: (viewType: string, s: { deserializeWebviewPanel(panel: unknown, state: unknown): Promise<void> }) => {
      fake.serializers.set(viewType, s);
      return { dispose: () => fake.serializers.delete(viewType) };
    },
  },
  workspace: {
    getConfiguration: (section: string) => ({ get: (key: string) => fake.settings[`${section}.${key}`] }),
    onDidChangeConfiguration: (l: (e: { affectsConfiguration(s: string): boolean }) => void) => {
      fake.configListeners.push(l);
      return { dispose: () => undefined };
    },
  },
}));

const { openChart, registerChart } = await import('../../extension/chart/index');

class FakeHost {
  running = true;
  calls: { method: string; params: unknown }[] = [];
  warnings: string[] = [];
  notify = new Emitter<[string, unknown]>();
  state = new Emitter<boolean>();
  nextId = 0;
  failures: Record<string, unknown> = {};
  log = {
    warn: (m: string) => this.warnings.push(m),
    info: () => undefined,
    error: (m: string) => this.warnings.push(m),
    debug: () => undefined,
    trace: () => undefined,
  };
  async request(method: string, params?: unknown): Promise<unknown> {
    this.calls.push({ method, params });
    if (this.failures[method]) throw this.failures[method];
    if (method === 'subscribe') {
      const p = params as { symbol: string; interval: string };
      return { subscriptionId: `sub-${++this.nextId}`, key: `binance:spot:${p.symbol}:kline:${p.interval}`, state: 'active' };
    }
    if (method === 'unsubscribe') return { ok: true };
    return { method };
  }
  onNotification(l: (method: string, params: unknown) => void) {
    return this.notify.event(([m, p]) => l(m, p));
  }
  isRunning() {
    return this.running;
  }
  onDidChangeState(l: (running: boolean) => void) {
    return this.state.event(l);
  }
  methods(name: string) {
    return this.calls.filter((c) => c.method === name).map((c) => c.params);
  }
}

const SPEC = { exchange: 'binance', market: 'spot' as const, symbol: 'BTCUSDT', interval: '1m' };
const KEY = 'binance:spot:BTCUSDT:kline:1m';
const settle = () => new Promise((r) => setImmediate(r));

let host: FakeHost;
let registration: { dispose(): void };
const globalState = new Map<string, unknown>();

beforeEach(() => {
  fake.panels.length = 0;
  fake.settings = {};
  fake.configListeners.length = 0;
  globalState.clear();
  host = new FakeHost();
  const context = {
    extensionUri: uri('/ext'),
    globalState: { get: (k: string) => globalState.get(k), update: async (k: string, v: unknown) => void globalState.set(k, v) },
    subscriptions: [],
  };
  registration = registerChart(context as never, host as never);
});
afterEach(() => registration.dispose());

async function openPanel(spec: unknown = SPEC): Promise<FakePanel> {
  await openChart(spec as never);
  return fake.panels.at(-1) as FakePanel;
}

async function send(p: FakePanel, m: unknown) {
  p.fromWebview.fire(m);
  await settle();
  await settle();
}

function responses(p: FakePanel) {
  return p.posted.filter((m) => m.type === 'response') as unknown as { id: number; result?: unknown; error?: { code: number; message: string } }[];
}

describe('chart panels', () => {
  it('open with strict webview options, a CSP nonce, and only the bundle folder as local root', async () => {
    const p = await openPanel();
    expect(p.viewType).toBe('candlewire.chart');
    expect(p.webview.options).toMatchObject({ enableScripts: true, retainContextWhenHidden: false });
    expect((p.webview.options.localResourceRoots as FakeUri[]).map((u) => u.path)).toEqual(['/ext/dist']);
    const nonce = /script-src 'nonce-([^']+)'/.exec(p.webview.html)?.[1];
    expect(nonce).toBeTruthy();
    expect(p.webview.html).toContain(`<script nonce="${nonce}" src="vscode-resource:/ext/dist/webview.js">`);
    expect(p.title).toBe('BTCUSDT 1m · binance spot');
  });

  it('answers ready with the state, colours and sidecar state', async () => {
    fake.settings['candlewire.chart.redUp'] = true;
    const p = await openPanel();
    await send(p, { type: 'ready' });
    expect(p.posted[0]).toEqual({
      type: 'init',
      state: { ...SPEC, klineSource: 'exchange' },
      colors: { upColor: '#ef5350', downColor: '#26a69a' },
      sidecarRunning: true,
    });
  });

  it('owns one kline subscription: re-picking replaces it, the same spec reuses it, closing releases it', async () => {
    const p = await openPanel();
    await send(p, { type: 'request', id: 1, method: 'subscribe', params: SPEC });
    expect(host.methods('subscribe')).toEqual([{ ...SPEC, channel: 'kline', klineSource: 'exchange' }]);
    expect(responses(p)[0]).toEqual({ type: 'response', id: 1, result: { key: KEY, state: 'active' } });
    await send(p, { type: 'request', id: 2, method: 'subscribe', params: SPEC });
    expect(host.methods('subscribe')).toHaveLength(1);
    await send(p, { type: 'request', id: 3, method: 'subscribe', params: { ...SPEC, interval: '5m' } });
    expect(host.methods('unsubscribe')).toEqual([{ subscriptionId: 'sub-1' }]);
    expect(host.methods('subscribe')).toHaveLength(2);
    p.dispose();
    await settle();
    expect(host.methods('unsubscribe')).toEqual([{ subscriptionId: 'sub-1' }, { subscriptionId: 'sub-2' }]);
  });

  it('refuses malformed or forbidden messages without touching the sidecar', async () => {
    const p = await openPanel();
    await send(p, { type: 'request', id: 7, method: 'shutdown' });
    await send(p, { type: 'request', id: 8, method: 'subscribe', params: { ...SPEC, channel: 'trades' } });
    await send(p, { type: 'request', id: 9, method: 'unsubscribe', params: { subscriptionId: 'not-mine' } });
    await send(p, { hello: 'world' });
    expect(host.calls).toEqual([]);
    expect(responses(p).map((r) => [r.id, r.error?.code])).toEqual([
      [7, -32602],
      [8, -32602],
      [9, -32602],
    ]);
    expect(responses(p)[0].error?.message).toMatch(/method/);
    expect(host.warnings).toHaveLength(4);
  });

  it('forwards read-only requests and passes RPC errors through', async () => {
    const p = await openPanel();
    await send(p, { type: 'request', id: 1, method: 'klines.get', params: { ...SPEC, limit: 10 } });
    expect(responses(p)[0].result).toEqual({ method: 'klines.get' });
    host.failures['instruments.list'] = { code: -32001, message: 'exchange unknown', data: { x: 1 } };
    await send(p, { type: 'request', id: 2, method: 'instruments.list', params: { exchange: 'nope', market: 'spot' } });
    expect(responses(p)[1].error).toEqual({ code: -32001, message: 'exchange unknown', data: { x: 1 } });
  });

  it('pushes its own stream to a visible panel only', async () => {
    const p = await openPanel();
    await send(p, { type: 'request', id: 1, method: 'subscribe', params: SPEC });
    const bar = { openTime: 0, closeTime: 59_999, open: 1, high: 1, low: 1, close: 1, volume: 1, quoteVolume: 1, closed: false };
    host.notify.fire(['kline', { channel: 'kline', key: KEY, time: 1, seq: 1, data: bar }]);
    host.notify.fire(['kline', { channel: 'kline', key: 'binance:spot:ETHUSDT:kline:1m', time: 1, seq: 1, data: bar }]);
    const statusData = { id: 'binance:spot:ws#1', exchange: 'binance', market: 'spot', state: 'reconnecting' };
    host.notify.fire(['status', { channel: 'status', key: 'binance:spot:ws#1', time: 1, seq: 1, data: statusData }]);
    host.notify.fire(['status', { channel: 'status', key: 'okx:spot:ws#1', time: 1, seq: 1, data: { ...statusData, id: 'okx:spot:ws#1', exchange: 'okx' } }]);
    expect(p.posted.filter((m) => m.type !== 'response')).toEqual([
      { type: 'kline', key: KEY, bar },
      { type: 'status', status: statusData },
    ]);
    p.visible = false;
    p.posted.length = 0;
    host.notify.fire(['kline', { channel: 'kline', key: KEY, time: 2, seq: 2, data: bar }]);
    expect(p.posted).toEqual([]);
    // Shown again: the restarted webview hears about the ongoing outage at once.
    p.visible = true;
    await send(p, { type: 'ready' });
    expect(p.posted.map((m) => m.type)).toEqual(['init', 'status']);
  });

  it('sidecar down: answers with SidecarDown, forgets dead subscriptions, tells the webview', async () => {
    const p = await openPanel();
    await send(p, { type: 'request', id: 1, method: 'subscribe', params: SPEC });
    host.running = false;
    host.state.fire(false);
    expect(p.posted.at(-1)).toEqual({ type: 'sidecar', running: false });
    await send(p, { type: 'request', id: 2, method: 'exchanges.list' });
    expect(responses(p).at(-1)?.error?.code).toBe(-32090);
    host.running = true;
    host.state.fire(true);
    await send(p, { type: 'request', id: 3, method: 'subscribe', params: SPEC });
    expect(host.methods('subscribe')).toHaveLength(2); // subscribed again on the new sidecar
    expect(host.methods('unsubscribe')).toEqual([]); // the old one died with its sidecar
  });

  it('several panels each own their stream; opening a shown spec reveals its panel', async () => {
    const a = await openPanel();
    const b = await openPanel({ ...SPEC, symbol: 'ETHUSDT' });
    expect(fake.panels).toHaveLength(2);
    await send(a, { type: 'request', id: 1, method: 'subscribe', params: SPEC });
    await send(b, { type: 'request', id: 1, method: 'subscribe', params: { ...SPEC, symbol: 'ETHUSDT' } });
    await openPanel({ ...SPEC, symbol: 'ETHUSDT' });
    expect(fake.panels).toHaveLength(2);
    expect(b.revealed).toBe(1);
    b.dispose();
    await settle();
    expect(host.methods('unsubscribe')).toEqual([{ subscriptionId: 'sub-2' }]);
    expect(a.disposed).toBe(false);
  });

  it('restores panels after a reload from the webview state', async () => {
    const serializer = fake.serializers.get('candlewire.chart')!;
    const p = new FakePanel('candlewire.chart');
    const state = { ...SPEC, interval: '15m', klineSource: 'trades', visibleRange: { from: 1, to: 2 }, followLatest: false };
    await serializer.deserializeWebviewPanel(p, state);
    expect(p.webview.options).toMatchObject({ enableScripts: true });
    expect(p.webview.html).toContain('webview.js');
    await send(p, { type: 'ready' });
    expect(p.posted[0]).toMatchObject({ type: 'init', state });
    const broken = new FakePanel('candlewire.chart');
    await serializer.deserializeWebviewPanel(broken, { exchange: 42 });
    await send(broken, { type: 'ready' });
    expect(broken.posted[0]).toMatchObject({ type: 'init', state: null });
    expect(host.warnings.some((w) => w.includes('could not restore'))).toBe(true);
  });

  it('remembers the last stream for openChart() without arguments, and rejects a bad spec', async () => {
    const p = await openPanel();
    await send(p, { type: 'state', state: { ...SPEC, symbol: 'SOLUSDT', klineSource: 'exchange', visibleRange: { from: 1, to: 2 } } });
    expect(p.title).toBe('SOLUSDT 1m · binance spot');
    await openChart();
    const q = fake.panels.at(-1) as FakePanel;
    await send(q, { type: 'ready' });
    expect(q.posted[0]).toMatchObject({ type: 'init', state: { ...SPEC, symbol: 'SOLUSDT', klineSource: 'exchange' } });
    expect((q.posted[0].state as Record<string, unknown>).visibleRange).toBeUndefined();
    await expect(openChart({ ...SPEC, market: 'futures' } as never)).rejects.toThrow(/market/);
  });

  it('sends new colours when the settings change', async () => {
    const p = await openPanel();
    fake.settings['candlewire.chart.upColor'] = '#00ff00';
    for (const l of fake.configListeners) l({ affectsConfiguration: (s) => s === 'candlewire.chart' });
    expect(p.posted.at(-1)).toEqual({ type: 'colors', colors: { upColor: '#00ff00', downColor: '#ef5350' } });
  });
});

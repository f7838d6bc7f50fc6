/**
 * Every open chart panel: creates them, restores them after a window reload (the
 * WebviewPanelSerializer), and fans sidecar notifications, sidecar restarts and colour settings
 * out to them.
 */
import * as vscode from 'vscode';
import { ChartSpecSchema, ChartStateSchema, VIEW_TYPE, describeIssues, type ChartState, type ConnectionStatus } from '../../webview/protocol';
import { resolveColors } from './colors';
import { ChartPanel, chartWebviewOptions, type PanelContext } from './panel';
import type { ChartHost, ChartOpenSpec } from './types';

const LAST_SPEC = 'candlewire.chart.lastSpec';

export class ChartRegistry implements vscode.Disposable {
  readonly #panels = new Set<ChartPanel>();
  /** Last state of every connection, so a webview that (re)starts hears about an ongoing outage. */
  readonly #connections = new Map<string, ConnectionStatus>();
  readonly #disposables: vscode.Disposable[] = [];
  readonly #ctx: PanelContext;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly host: ChartHost,
  ) {
    this.#ctx = {
      host,
      distUri: vscode.Uri.joinPath(context.extensionUri, 'dist'),
      colors: () => readColors(),
      troubledConnections: (exchange, market) =>
        [...this.#connections.values()].filter((s) => s.exchange === exchange && s.market === market && s.state !== 'open'),
      onState: (state) => {
        // Only the stream is remembered for the next Open Chart; the view changes too often to store.
        const { exchange, market, symbol, interval, klineSource } = state;
        const spec = { exchange, market, symbol, interval, klineSource };
        if (JSON.stringify(spec) !== JSON.stringify(context.globalState.get(LAST_SPEC))) void context.globalState.update(LAST_SPEC, spec);
      },
      onDispose: (p) => this.#panels.delete(p),
    };
    this.#disposables.push(
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => {
          panel.webview.options = chartWebviewOptions(this.#ctx.distUri);
          const parsed = ChartStateSchema.safeParse(state);
          if (!parsed.success && state != null) host.log.warn(`chart: could not restore a panel's state (${describeIssues(parsed.error)})`);
          this.#add(panel, parsed.success ? parsed.data : null);
        },
      }),
      host.onNotification((method, params) => {
        if (method === 'status') this.#rememberStatus(params?.data);
        for (const p of this.#panels) p.onNotification(method, params);
      }),
      host.onDidChangeState((running) => {
        this.#connections.clear();
        for (const p of this.#panels) p.onSidecarState(running);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('candlewire.chart')) return;
        const colors = readColors();
        for (const p of this.#panels) p.onColors(colors);
      }),
    );
  }

  /** Opens a chart of `spec` (revealing one that already shows it), or of the last spec used. */
  async open(spec?: ChartOpenSpec): Promise<void> {
    let state: ChartState | null = null;
    if (spec !== undefined) {
      const parsed = ChartSpecSchema.safeParse(spec);
      if (!parsed.success) throw new Error(`Candlewire: cannot open a chart for ${JSON.stringify(spec)}: ${describeIssues(parsed.error)}`);
      const existing = [...this.#panels].find((p) => p.shows(parsed.data));
      if (existing) return existing.reveal();
      state = parsed.data;
    } else {
      const last = ChartSpecSchema.safeParse(this.context.globalState.get(LAST_SPEC));
      if (last.success) state = last.data;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Candlewire chart', vscode.ViewColumn.Active, chartWebviewOptions(this.#ctx.distUri));
    this.#add(panel, state);
  }

  /** Open panels (for tests and the extension's own commands). */
  get panels(): readonly ChartPanel[] {
    return [...this.#panels];
  }

  dispose(): void {
    for (const p of [...this.#panels]) p.dispose();
    for (const d of this.#disposables.splice(0)) d.dispose();
  }

  #add(panel: vscode.WebviewPanel, state: ChartState | null): void {
    this.#panels.add(new ChartPanel(panel, state, this.#ctx));
  }

  #rememberStatus(data: unknown): void {
    const s = data as ConnectionStatus | undefined;
    if (s && typeof s.id === 'string') this.#connections.set(s.id, s);
  }
}

function readColors() {
  const c = vscode.workspace.getConfiguration('candlewire.chart');
  return resolveColors({ upColor: c.get<string>('upColor'), downColor: c.get<string>('downColor'), redUp: c.get<boolean>('redUp') });
}

/**
 * The one owner of the extension's moving parts: the supervised sidecar and its client, the
 * connection board and subscription book, the status bar and the tree. Two disposable sets:
 * one lives as long as the extension, the other as long as the current sidecar process.
 */
import * as vscode from 'vscode';
import { launchPlan } from './bootstrap';
import type { ChartHost } from './chart/types';
import { SidecarError } from './client';
import { readSettings, type Settings } from './config';
import { parseLogLine } from './log-line';
import type { Envelope, ExchangeInfo, InitializeResult, StatusGetResult, SubscribeResult, SubscriptionInfo, SubscriptionSpec, ConnectionStatus } from './protocol';
import { RpcCode } from './protocol';
import { needsRestart, toConfigDocument } from './sidecar-config';
import { ConnectionBoard, type SidecarPhase } from './status-model';
import { StatusBar } from './statusbar';
import { normalizeSpec, SubscriptionBook, type SubscriptionEntry } from './subscriptions';
import { Supervisor, type SupervisorState } from './supervisor';
import { SubscriptionsTree } from './tree';

const STORE_KEY = 'candlewire.subscriptions';
const KNOWN_EXCHANGES_KEY = 'candlewire.knownExchanges';
/** Context key for `when` clauses: the sidecar answers requests. */
export const RUNNING_CONTEXT = 'candlewire.sidecarRunning';

const t = (message: string, ...args: Array<string | number>) => vscode.l10n.t(message, ...args);

/** What Add Subscription reports back (also to callers passing arguments, e.g. tests). */
export type AddResult = { ok: true; subscriptionId: string; key: string; existed: boolean } | { ok: false; error: string };

export class Ctx implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly board = new ConnectionBoard();
  readonly book = new SubscriptionBook();
  readonly statusBar: StatusBar;
  readonly tree: SubscriptionsTree;
  settings: Settings;
  catalog: ExchangeInfo[] = [];

  private readonly supervisor: Supervisor;
  private readonly extensionDisposables: vscode.Disposable[] = [];
  private sidecarDisposables: vscode.Disposable[] = [];
  /** Fires every notification of whichever sidecar is current (the chart listens here). */
  private readonly notifications = new vscode.EventEmitter<{ method: string; params: unknown }>();
  private readonly runningChanged = new vscode.EventEmitter<boolean>();
  /** Per-sidecar: the current process's notifications (recreated at each start). */
  private sidecarNotifications: vscode.EventEmitter<{ method: string; params: unknown }> | undefined;
  private phase: SidecarPhase = 'starting';
  private failure: string | undefined;
  private info: InitializeResult | undefined;
  private pid: number | undefined;
  private running = false;
  private planFingerprint: string | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(readonly context: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Candlewire', { log: true });
    this.settings = readSettings();
    this.statusBar = new StatusBar({
      phase: () => this.phase,
      board: this.board,
      reason: () => this.failure,
      version: () => this.info?.version,
      pid: () => this.pid,
    });
    this.statusBar.setVisible(this.settings.statusBarVisible);
    this.tree = new SubscriptionsTree(() => ({ entries: this.book.entries(), board: this.board, running: this.running, now: Date.now() }));
    this.extensionDisposables.push(this.log, this.statusBar, this.tree, this.notifications, this.runningChanged);
    this.supervisor = new Supervisor({
      plan: async () => {
        this.settings = readSettings();
        const plan = launchPlan({ context, settings: this.settings, log: this.log, knownExchanges: this.knownExchanges() });
        if (!(plan instanceof Error)) this.planFingerprint = this.fingerprint(this.settings);
        return plan;
      },
      log: this.log,
      clientInfo: { name: 'vscode', version: String(context.extension.packageJSON.version ?? '') },
      onStderrLine: (line) => {
        const { level, message } = parseLogLine(line);
        this.log[level](`[sidecar] ${message}`);
      },
      onNotification: (method, params) => this.sidecarNotifications?.fire({ method, params }),
    });
    const offState = this.supervisor.onState((s) => this.onSupervisorState(s));
    this.extensionDisposables.push(new vscode.Disposable(offState));
    this.extensionDisposables.push(vscode.workspace.onDidChangeConfiguration((e) => this.onConfigurationChanged(e)));
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, false);
    this.restoreSubscriptions();
  }

  /** Starts the sidecar; resolves once it runs or has failed. */
  async start(): Promise<SupervisorState> {
    return this.supervisor.start();
  }

  /** Resolves once the sidecar is ready for requests, or has failed / stopped. */
  async settled(): Promise<void> {
    const s = await this.supervisor.settled();
    if (s.kind !== 'running' || this.running) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        sub.dispose();
        off();
        resolve();
      };
      const sub = this.runningChanged.event(done);
      const off = this.supervisor.onState((next) => next.kind !== 'running' && done());
    });
  }

  /** Restarts with a fresh crash budget (the Restart Sidecar command). */
  async restart(): Promise<SupervisorState> {
    this.log.info('restarting the sidecar');
    await this.supervisor.restart();
    await this.settled();
    return this.supervisor.state;
  }

  get isRunning(): boolean {
    return this.running;
  }

  get state(): { phase: SidecarPhase; pid?: number; failure?: string; version?: string } {
    return { phase: this.phase, pid: this.pid, failure: this.failure, version: this.info?.version };
  }

  /** A request to the current sidecar; rejects with a SidecarError when none runs. */
  async request<T = unknown>(method: string, params?: unknown, timeoutMs?: number): Promise<T> {
    const s = this.supervisor.state;
    if (s.kind !== 'running') throw new SidecarError(0, t('The Candlewire sidecar is not running.'));
    return s.client.request<T>(method, params, timeoutMs);
  }

  /** Tells the user the sidecar is down, with the two ways out; resolves false. */
  async notRunning(): Promise<false> {
    const restart = t('Restart Sidecar');
    const logs = t('Show Logs');
    const detail = this.failure ? ` ${this.failure}` : '';
    const pick = await vscode.window.showWarningMessage(t('The Candlewire sidecar is not running.') + detail, restart, logs);
    if (pick === restart) void this.restart();
    if (pick === logs) this.log.show();
    return false;
  }

  /** The ChartHost the chart panel is given. */
  chartHost(): ChartHost {
    return {
      request: (method, params) => this.request(method, params),
      onNotification: (listener) => this.notifications.event((n) => listener(n.method, n.params)),
      isRunning: () => this.running,
      onDidChangeState: (listener) => this.runningChanged.event(listener),
      log: this.log,
    };
  }

  // ---- subscriptions ------------------------------------------------------------------------

  /** Subscribes and remembers `spec` for this workspace. Failures are reported to the user too. */
  async addSubscription(spec: SubscriptionSpec): Promise<AddResult> {
    if (!this.running) {
      void this.notRunning();
      return { ok: false, error: t('The Candlewire sidecar is not running.') };
    }
    const { entry, added } = this.book.add(spec);
    if (!added && entry.state !== 'error' && entry.subscriptionId && entry.key) {
      return { ok: true, subscriptionId: entry.subscriptionId, key: entry.key, existed: true };
    }
    this.changed();
    const { error, duplicateOf } = await this.subscribeEntry(entry);
    if (error !== undefined) {
      this.book.remove(entry.id);
      this.changed();
      void vscode.window.showErrorMessage(t('Cannot subscribe to {0}: {1}', describe(spec), error));
      return { ok: false, error };
    }
    const current = duplicateOf ?? entry;
    if (!current.subscriptionId || !current.key) return { ok: false, error: t('The Candlewire sidecar is not running.') };
    return { ok: true, subscriptionId: current.subscriptionId, key: current.key, existed: duplicateOf !== undefined };
  }

  /** Unsubscribes (if the sidecar runs) and forgets the entry. */
  async removeSubscription(entryId: string): Promise<boolean> {
    const entry = this.book.get(entryId);
    if (!entry) return false;
    if (entry.subscriptionId && this.running) {
      await this.request('unsubscribe', { subscriptionId: entry.subscriptionId }).catch((err: unknown) => {
        if (!(err instanceof SidecarError && err.code === RpcCode.SubscriptionNotFound)) this.log.warn(`unsubscribe ${entry.key}: ${(err as Error).message}`);
      });
    }
    this.book.remove(entryId);
    this.changed();
    return true;
  }

  /** Re-reads connection and subscription state from the sidecar and retries failed subscriptions. */
  async refresh(): Promise<void> {
    if (!this.running) return;
    const status = await this.request<StatusGetResult>('status.get');
    this.board.seed(status.connections);
    this.book.applyList(status.subscriptions as SubscriptionInfo[]);
    await Promise.all(this.book.entries().filter((e) => e.state === 'error' || !e.subscriptionId).map((e) => this.subscribeEntry(e)));
    this.changed();
  }

  /**
   * Subscribes one entry on the current sidecar. On failure the entry is marked and the error text
   * returned; when the stream turns out to be one already listed under another spelling, the new
   * entry is dropped and the existing one returned.
   */
  private async subscribeEntry(entry: SubscriptionEntry): Promise<{ error?: string; duplicateOf?: SubscriptionEntry }> {
    try {
      const result = await this.request<SubscribeResult>('subscribe', entry.spec);
      const { duplicateOf } = this.book.activate(entry.id, result);
      if (duplicateOf) {
        // Same stream under another spelling (BTC/USDT vs BTCUSDT): keep the one already shown.
        await this.request('unsubscribe', { subscriptionId: result.subscriptionId }).catch(() => undefined);
        this.book.remove(entry.id);
      }
      return { duplicateOf };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.book.fail(entry.id, message);
      this.log.warn(`subscribe ${describe(entry.spec)}: ${message}`);
      return { error: message };
    } finally {
      this.changed();
    }
  }

  /** Persists the list and redraws everything that shows it. */
  private changed(): void {
    void this.context.workspaceState.update(STORE_KEY, this.book.specs());
    void vscode.commands.executeCommand('setContext', 'candlewire.hasSubscriptions', this.book.size > 0);
    this.tree.refresh();
  }

  private restoreSubscriptions(): void {
    if (!this.settings.restoreSubscriptions) return;
    const stored = this.context.workspaceState.get<unknown[]>(STORE_KEY, []);
    for (const raw of Array.isArray(stored) ? stored : []) {
      const spec = normalizeSpec(raw, this.settings.defaultInterval);
      if (spec instanceof Error) this.log.warn(`ignoring a stored subscription: ${spec.message}`);
      else this.book.add(spec);
    }
    if (this.book.size) this.log.info(`restoring ${this.book.size} subscription(s) of this workspace`);
    this.tree.refresh();
  }

  // ---- sidecar lifecycle --------------------------------------------------------------------

  private onSupervisorState(s: SupervisorState): void {
    if (this.disposed) return;
    const wasRunning = this.running;
    if (s.kind === 'running') {
      this.failure = undefined;
      this.info = s.info;
      this.pid = s.pid;
      void this.onSidecarStarted();
      return;
    }
    this.running = false;
    this.disposeSidecarSet();
    this.board.clear();
    this.book.resetAll();
    this.pid = undefined;
    this.phase = s.kind;
    if (s.kind === 'restarting') this.failure = s.reason;
    if (s.kind === 'failed') {
      this.failure = s.reason;
      void this.reportFailure(s.reason, s.configError);
    }
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, false);
    this.statusBar.update();
    this.tree.refresh();
    if (wasRunning) this.runningChanged.fire(false);
  }

  /** Wires the new process: its notifications, the catalog, a status snapshot, the subscriptions. */
  private async onSidecarStarted(): Promise<void> {
    this.disposeSidecarSet();
    const events = new vscode.EventEmitter<{ method: string; params: unknown }>();
    this.sidecarNotifications = events;
    this.sidecarDisposables.push(
      events,
      events.event((n) => this.onNotification(n.method, n.params)),
      new vscode.Disposable(() => {
        if (this.sidecarNotifications === events) this.sidecarNotifications = undefined;
      }),
    );
    try {
      this.catalog = await this.request<ExchangeInfo[]>('exchanges.list');
      this.board.names.clear();
      for (const e of this.catalog) this.board.names.set(e.id, e.displayName);
      void this.context.globalState.update(KNOWN_EXCHANGES_KEY, this.catalog.map((e) => e.id));
      const status = await this.request<StatusGetResult>('status.get');
      this.board.seed(status.connections);
    } catch (err) {
      this.log.warn(`initial sidecar queries failed: ${(err as Error).message}`);
    }
    if (this.supervisor.state.kind !== 'running') return;
    this.phase = 'running';
    this.running = true;
    await vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, true);
    this.statusBar.update();
    this.tree.refresh();
    this.runningChanged.fire(true);
    await Promise.all(this.book.entries().map((e) => this.subscribeEntry(e)));
  }

  private onNotification(method: string, params: unknown): void {
    this.notifications.fire({ method, params });
    const env = params as Envelope;
    if (typeof env !== 'object' || env === null) return;
    switch (method) {
      case 'status':
        this.board.update(env.data as ConnectionStatus);
        this.statusBar.update();
        this.tree.refresh();
        break;
      case 'kline':
      case 'trade':
      case 'ticker': {
        const now = Date.now();
        this.board.dataArrived(env.key, now);
        if (this.book.onData(method, env, now)) this.tree.touch();
        this.statusBar.touch();
        break;
      }
      case 'subscription.error': {
        const data = env.data as { subscriptionId: string; message: string };
        const entry = this.book.onRejected(data.subscriptionId, data.message);
        if (entry) {
          this.tree.refresh();
          void vscode.window.showWarningMessage(t('The exchange refused {0}: {1}', describe(entry.spec), data.message));
        }
        break;
      }
      case 'gap': {
        const g = env.data as { state: string; bars: number; reason: string };
        if (g.state !== 'detected') this.log.info(`gap ${g.state} on ${env.key}: ${g.bars} bar(s) (${g.reason})`);
        break;
      }
    }
  }

  private async reportFailure(reason: string, configError: boolean): Promise<void> {
    const logs = t('Show Logs');
    const restart = t('Restart');
    const settings = t('Open Settings');
    const pick = configError
      ? await vscode.window.showErrorMessage(t('The Candlewire sidecar cannot start: {0}', reason), settings, logs)
      : await vscode.window.showErrorMessage(t('The Candlewire sidecar stopped: {0}', reason), logs, restart);
    if (pick === logs) this.log.show();
    if (pick === restart) void this.restart();
    if (pick === settings) void vscode.commands.executeCommand('workbench.action.openSettings', 'candlewire');
  }

  private disposeSidecarSet(): void {
    const list = this.sidecarDisposables;
    this.sidecarDisposables = [];
    for (const d of list) d.dispose();
  }

  // ---- settings -----------------------------------------------------------------------------

  private knownExchanges(): string[] | undefined {
    return this.context.globalState.get<string[]>(KNOWN_EXCHANGES_KEY);
  }

  /** What the sidecar process depends on; equal fingerprints need no restart. */
  private fingerprint(s: Settings): string {
    return JSON.stringify({ doc: toConfigDocument(s, this.knownExchanges()).document, node: s.nodePath, socket: s.sharedSocket });
  }

  private onConfigurationChanged(e: vscode.ConfigurationChangeEvent): void {
    if (!e.affectsConfiguration('candlewire') && !e.affectsConfiguration('http')) return;
    const next = readSettings();
    if (e.affectsConfiguration('candlewire.statusBar.visible')) this.statusBar.setVisible(next.statusBarVisible);
    this.settings = next;
    if (!needsRestart((section) => e.affectsConfiguration(section))) return;
    if (this.fingerprint(next) === this.planFingerprint) return;
    // Several settings often change together (a settings.json save): restart once.
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.log.info('settings that shape the sidecar changed: restarting it');
      void this.restart();
    }, 300);
  }

  // ---- shutdown -----------------------------------------------------------------------------

  /** Stops the sidecar (shutdown, then kill after 2 s) and releases everything. */
  async stop(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.supervisor.stop();
  }

  dispose(): void {
    this.disposed = true;
    this.disposeSidecarSet();
    for (const d of this.extensionDisposables.splice(0)) d.dispose();
  }
}

/** `BTCUSDT kline 1m on binance spot` for messages. */
export function describe(spec: SubscriptionSpec): string {
  const what = [spec.symbol, spec.channel, spec.channel === 'kline' ? spec.interval : undefined, spec.klineSource === 'trades' ? 'trades' : undefined].filter(Boolean).join(' ');
  return `${what} (${spec.exchange} ${spec.market})`;
}

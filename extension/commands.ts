/**
 * Command implementations. Each takes the Ctx and returns the handler; commands that need the
 * sidecar say so (with Restart / Show Logs) instead of failing when it is down.
 */
import * as vscode from 'vscode';
import type { ChartSpec, ExchangeInfo, Instrument, SubscriptionSpec } from './protocol';
import type { AddResult, Ctx } from './ctx';
import { back, choose, itemsFor, placeholder, startFlow, stepNumber, type FlowItem, type FlowState } from './pick-flow';
import { pythonSnippet } from './snippet';
import { normalizeSpec, type SubscriptionEntry } from './subscriptions';
import type { TreeNode } from './tree-model';
import { subscriptionLabel } from './tree-model';
import { VIEW_ID } from './tree';

const t = (message: string, ...args: Array<string | number>) => vscode.l10n.t(message, ...args);

export type Cmd = (...args: unknown[]) => unknown;

/** A tree node, an entry id, or a spec-like object → the entry it names. */
function entryOf(ctx: Ctx, arg: unknown): SubscriptionEntry | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const a = arg as Partial<TreeNode> & { id?: string; subscriptionId?: string; key?: string };
  if (a.kind === 'subscription' && 'entry' in a && a.entry) return ctx.book.get((a.entry as SubscriptionEntry).id) ?? (a.entry as SubscriptionEntry);
  if (typeof a.subscriptionId === 'string') return ctx.book.find((e) => e.subscriptionId === a.subscriptionId);
  if (typeof a.key === 'string') return ctx.book.find((e) => e.key === a.key);
  if (typeof a.id === 'string' && ctx.book.get(a.id)) return ctx.book.get(a.id);
  const spec = normalizeSpec(arg, ctx.settings.defaultInterval);
  if (spec instanceof Error) return undefined;
  return ctx.book.find((e) => e.spec.exchange === spec.exchange && e.spec.market === spec.market && e.spec.symbol.toUpperCase() === spec.symbol.toUpperCase() && e.spec.channel === spec.channel && (spec.channel !== 'kline' || e.spec.interval === spec.interval));
}

/** Lets the user pick subscriptions (one or many). */
async function pickEntries(ctx: Ctx, title: string, many: boolean, filter: (e: SubscriptionEntry) => boolean = () => true): Promise<SubscriptionEntry[]> {
  const entries = ctx.book.entries().filter(filter);
  if (!entries.length) {
    void vscode.window.showInformationMessage(t('No subscriptions yet. Use "Candlewire: Add Subscription" first.'));
    return [];
  }
  const items = entries.map((e) => ({ label: subscriptionLabel(e), description: `${ctx.board.displayName(e.spec.exchange)} · ${e.spec.market}`, entry: e }));
  if (many) {
    const picked = await vscode.window.showQuickPick(items, { title, canPickMany: true });
    return picked?.map((p) => p.entry) ?? [];
  }
  const picked = await vscode.window.showQuickPick(items, { title });
  return picked ? [picked.entry] : [];
}

/** Runs the multi-step quick pick; resolves with the spec or undefined when cancelled. */
function runAddFlow(ctx: Ctx, catalog: readonly ExchangeInfo[]): Promise<SubscriptionSpec | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { value?: string }>();
    let state: FlowState = startFlow();
    let instruments: Instrument[] = [];
    let searchTimer: NodeJS.Timeout | undefined;
    let searchSeq = 0;
    let done = false;
    const finish = (spec: SubscriptionSpec | undefined) => {
      if (done) return;
      done = true;
      if (searchTimer) clearTimeout(searchTimer);
      qp.dispose();
      resolve(spec);
    };
    const toItems = (items: FlowItem[]) =>
      items.map((i) => (i.separator ? { label: i.label, kind: vscode.QuickPickItemKind.Separator } : { label: i.label, description: i.description, detail: i.detail, value: i.value }));
    const render = () => {
      const { step, total } = stepNumber(state);
      qp.title = t('Add Subscription');
      qp.step = step;
      qp.totalSteps = total;
      qp.placeholder = placeholder(state, t);
      qp.buttons = step > 1 ? [vscode.QuickInputButtons.Back] : [];
      qp.matchOnDescription = true;
      qp.matchOnDetail = state.step === 'symbol';
      const flowItems = itemsFor(state, { catalog, instruments, query: state.step === 'symbol' ? qp.value : undefined, defaultInterval: ctx.settings.defaultInterval, t });
      const items = toItems(flowItems);
      qp.items = items;
      const activeIndex = flowItems.findIndex((i) => i.active);
      if (activeIndex >= 0) qp.activeItems = [items[activeIndex]];
    };
    const search = (query: string) => {
      const seq = ++searchSeq;
      qp.busy = true;
      ctx
        .request<Instrument[]>('instruments.list', { exchange: state.exchange, market: state.market, query: query.trim() || undefined, limit: 200 })
        .then(
          (list) => {
            if (seq !== searchSeq || state.step !== 'symbol') return;
            instruments = list;
            render();
          },
          (err: unknown) => {
            if (seq !== searchSeq) return;
            qp.placeholder = t('Cannot list symbols: {0}. Type the symbol instead.', (err as Error).message);
          },
        )
        .finally(() => {
          if (seq === searchSeq) qp.busy = false;
        });
    };
    const enter = (next: FlowState) => {
      state = next;
      qp.value = '';
      instruments = [];
      render();
      if (state.step === 'symbol') search('');
    };
    qp.onDidChangeValue((value) => {
      if (state.step !== 'symbol') return;
      render();
      if (searchTimer) clearTimeout(searchTimer);
      searchTimer = setTimeout(() => search(value), 200);
    });
    qp.onDidTriggerButton((b) => {
      if (b !== vscode.QuickInputButtons.Back) return;
      const prev = back(state);
      if (prev) enter(prev);
    });
    qp.onDidAccept(() => {
      const picked = qp.selectedItems[0] ?? qp.activeItems[0];
      const value = picked?.value ?? (state.step === 'symbol' ? qp.value.trim().toUpperCase() : undefined);
      if (!value) return;
      const r = choose(state, value, catalog);
      if (r.kind === 'invalid') {
        void vscode.window.showWarningMessage(r.message);
      } else if (r.kind === 'next') {
        enter(r.state);
      } else {
        finish(r.spec);
      }
    });
    qp.onDidHide(() => finish(undefined));
    render();
    qp.show();
  });
}

/** Add Subscription: with an argument object it subscribes directly (automation, tests). */
export function addSubscription(ctx: Ctx): Cmd {
  return async (arg?: unknown): Promise<AddResult | undefined> => {
    if (!ctx.isRunning) {
      void ctx.notRunning();
      return { ok: false, error: t('The Candlewire sidecar is not running.') };
    }
    let spec: SubscriptionSpec | undefined;
    if (arg !== undefined && !(typeof arg === 'object' && arg !== null && 'kind' in arg)) {
      const parsed = normalizeSpec(arg, ctx.settings.defaultInterval);
      if (parsed instanceof Error) {
        void vscode.window.showErrorMessage(t('Add Subscription: {0}', parsed.message));
        return { ok: false, error: parsed.message };
      }
      spec = parsed;
    } else {
      spec = await runAddFlow(ctx, ctx.catalog);
      if (!spec) return undefined;
    }
    const result = await ctx.addSubscription(spec);
    if (result.ok) void vscode.commands.executeCommand(`${VIEW_ID}.focus`).then(undefined, () => undefined);
    return result;
  };
}

export function removeSubscription(ctx: Ctx): Cmd {
  return async (arg?: unknown, selected?: unknown): Promise<number> => {
    // A multi-selection in the tree arrives as the second argument.
    const fromTree = Array.isArray(selected) ? selected.map((s) => entryOf(ctx, s)).filter((e): e is SubscriptionEntry => !!e) : [];
    let entries = fromTree.length ? fromTree : [entryOf(ctx, arg)].filter((e): e is SubscriptionEntry => !!e);
    if (!entries.length) {
      if (arg !== undefined && !(typeof arg === 'object' && arg !== null && 'kind' in arg)) {
        void vscode.window.showWarningMessage(t('No such subscription: {0}', JSON.stringify(arg)));
        return 0;
      }
      entries = await pickEntries(ctx, t('Remove Subscription'), true);
    }
    let n = 0;
    for (const e of entries) if (await ctx.removeSubscription(e.id)) n++;
    return n;
  };
}

/** The chart spec of an entry; non-candle subscriptions chart their symbol at the default interval. */
function chartSpecOf(ctx: Ctx, e: SubscriptionEntry): ChartSpec {
  const s = e.spec;
  const spec: ChartSpec = { exchange: s.exchange, market: s.market, symbol: s.symbol, interval: s.channel === 'kline' && s.interval ? s.interval : ctx.settings.defaultInterval };
  if (s.channel === 'kline' && s.klineSource === 'trades') spec.klineSource = 'trades';
  return spec;
}

export function openChart(ctx: Ctx, open: (spec?: ChartSpec) => Promise<void>): Cmd {
  return async (arg?: unknown): Promise<void> => {
    if (!ctx.isRunning) {
      void ctx.notRunning();
      return;
    }
    let spec: ChartSpec | undefined;
    const entry = entryOf(ctx, arg);
    if (entry) {
      spec = chartSpecOf(ctx, entry);
    } else if (arg !== undefined) {
      const parsed = normalizeSpec({ channel: 'kline', ...(arg as object) }, ctx.settings.defaultInterval);
      if (parsed instanceof Error) {
        void vscode.window.showErrorMessage(t('Open Chart: {0}', parsed.message));
        return;
      }
      spec = { exchange: parsed.exchange, market: parsed.market, symbol: parsed.symbol, interval: parsed.interval ?? ctx.settings.defaultInterval, ...(parsed.klineSource ? { klineSource: parsed.klineSource } : {}) };
    } else if (ctx.book.size) {
      const [picked] = await pickEntries(ctx, t('Open Chart'), false);
      if (!picked) return;
      spec = chartSpecOf(ctx, picked);
    }
    try {
      await open(spec);
    } catch (err) {
      void vscode.window.showErrorMessage(t('Cannot open the chart: {0}', (err as Error).message));
    }
  };
}

export function copyPythonSnippet(ctx: Ctx): Cmd {
  return async (arg?: unknown): Promise<string | undefined> => {
    let entry = entryOf(ctx, arg);
    if (!entry) [entry] = await pickEntries(ctx, t('Copy Python Snippet'), false);
    if (!entry) return undefined;
    const text = pythonSnippet(entry.spec, ctx.settings.defaultInterval);
    await vscode.env.clipboard.writeText(text);
    void vscode.window.showInformationMessage(t('Python snippet for {0} copied to the clipboard.', subscriptionLabel(entry)));
    return text;
  };
}

export function restartSidecar(ctx: Ctx): Cmd {
  return async () => {
    const s = await ctx.restart();
    return s.kind === 'running';
  };
}

export function showLogs(ctx: Ctx): Cmd {
  return () => ctx.log.show();
}

export function refresh(ctx: Ctx): Cmd {
  return async () => {
    if (!ctx.isRunning) {
      void ctx.notRunning();
      return false;
    }
    await ctx.refresh();
    return true;
  };
}

export function openSubscriptions(): Cmd {
  return () => vscode.commands.executeCommand(`${VIEW_ID}.focus`);
}

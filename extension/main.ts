/**
 * Entry point: builds the Ctx, registers the command table and the chart panel, starts the
 * sidecar. `deactivate` stops the sidecar and returns the promise VS Code waits for.
 */
import * as vscode from 'vscode';
import { openChart, registerChart } from './chart';
import * as commands from './commands';
import { Ctx } from './ctx';
import type { StatusBarSnapshot } from './statusbar';
import type { SubscriptionEntry } from './subscriptions';
import type { TreeNode } from './tree-model';

let ctx: Ctx | undefined;

/** What `activate` returns: used by the extension-host tests, stable enough for automation. */
export interface CandlewireApi {
  /** Resolves once the sidecar runs (or has failed); `pid` is the sidecar's. */
  whenSettled(): Promise<{ phase: string; pid?: number; failure?: string }>;
  state(): { phase: string; pid?: number; failure?: string; version?: string };
  statusBar(): StatusBarSnapshot;
  subscriptions(): SubscriptionEntry[];
  tree(): TreeNode[];
  request(method: string, params?: unknown): Promise<unknown>;
  /** Exactly what `deactivate` does. */
  stop(): Promise<void>;
}

export async function activate(context: vscode.ExtensionContext): Promise<CandlewireApi> {
  const c = new Ctx(context);
  ctx = c;
  context.subscriptions.push(c);
  const table: Record<string, commands.Cmd> = {
    addSubscription: commands.addSubscription(c),
    removeSubscription: commands.removeSubscription(c),
    openChart: commands.openChart(c, openChart),
    restartSidecar: commands.restartSidecar(c),
    showLogs: commands.showLogs(c),
    copyPythonSnippet: commands.copyPythonSnippet(c),
    refresh: commands.refresh(c),
    openSubscriptions: commands.openSubscriptions(),
  };
  for (const [name, handler] of Object.entries(table)) {
    context.subscriptions.push(vscode.commands.registerCommand(`candlewire.${name}`, handler));
  }
  context.subscriptions.push(registerChart(context, c.chartHost()));
  const started = c.start();
  return {
    whenSettled: async () => {
      await started;
      await c.settled();
      return c.state;
    },
    state: () => c.state,
    statusBar: () => c.statusBar.snapshot(),
    subscriptions: () => c.book.entries().map((e) => ({ ...e, spec: { ...e.spec } })),
    tree: () => c.tree.snapshot(),
    request: (method, params) => c.request(method, params),
    stop: () => c.stop(),
  };
}

export async function deactivate(): Promise<void> {
  await ctx?.stop();
  ctx = undefined;
}

/**
 * The chart panel host: the only module of extension/chart the rest of the extension imports.
 *
 *   registerChart(context, host)   in activate(): restores panels after a reload, routes sidecar data
 *   openChart(spec?)               the "Candlewire: Open Chart" command
 */
import type * as vscode from 'vscode';
import { ChartRegistry } from './registry';
import type { ChartHost, ChartOpenSpec } from './types';

export type { ChartHost, ChartOpenSpec } from './types';

let registry: ChartRegistry | undefined;

/**
 * Registers the `candlewire.chart` WebviewPanelSerializer and starts routing `host`'s notifications
 * to chart panels. Call once in activate(); disposing the result closes every chart.
 */
export function registerChart(context: vscode.ExtensionContext, host: ChartHost): vscode.Disposable {
  registry?.dispose();
  const r = new ChartRegistry(context, host);
  registry = r;
  return {
    dispose: () => {
      r.dispose();
      if (registry === r) registry = undefined;
    },
  };
}

/**
 * Opens a chart panel for `spec` (or reveals the panel already showing it). Without a spec the
 * panel shows the last stream the user charted, or asks for one. Several panels may be open at once;
 * each owns its subscription and releases it when closed. Rejects when `spec` is malformed.
 */
export function openChart(spec?: ChartOpenSpec): Promise<void> {
  if (!registry) return Promise.reject(new Error('Candlewire: the chart is not ready (registerChart was not called)'));
  return registry.open(spec);
}

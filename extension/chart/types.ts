import type * as vscode from 'vscode';
import type { ChartSpec } from '../protocol';

/**
 * What the chart needs from the extension: the sidecar client. Implemented by the extension over
 * its JSON-RPC connection and passed to registerChart.
 */
export interface ChartHost {
  /** A JSON-RPC request to the sidecar; rejects with `{code, message, data?}` on an RPC error. */
  request(method: string, params?: unknown): Promise<any>;
  /** Every sidecar notification (`kline`, `gap`, `status`, `subscription.error`, …). */
  onNotification(listener: (method: string, params: any) => void): vscode.Disposable;
  isRunning(): boolean;
  /** Fires when the sidecar starts (true) or stops (false). */
  onDidChangeState(listener: (running: boolean) => void): vscode.Disposable;
  log: vscode.LogOutputChannel;
}

/** What openChart shows; the command's argument. */
export type ChartOpenSpec = ChartSpec;

/**
 * The chart panel's view of the extension (the contract in .notes/PARALLEL.md): requests to the
 * current sidecar, its notifications, and whether it runs — across sidecar restarts.
 */
import type * as vscode from 'vscode';

export interface ChartHost {
  // `any` is the shared contract's: each method has its own result shape (see openrpc.json).
  request(method: string, params?: unknown): Promise<any>;
  onNotification(listener: (method: string, params: any) => void): vscode.Disposable;
  isRunning(): boolean;
  onDidChangeState(listener: (running: boolean) => void): vscode.Disposable;
  log: vscode.LogOutputChannel;
}

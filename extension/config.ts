/** Typed access to the `candlewire.*` settings (and the `http.*` ones the sidecar inherits). */
import * as vscode from 'vscode';
import { LOG_LEVELS, type ExchangeSettings, type SidecarLogLevel, type SidecarSettings } from './sidecar-config';

export interface Settings extends SidecarSettings {
  /** A Node.js executable to run the sidecar with; empty = VS Code's own runtime. */
  nodePath: string;
  /** Serve the shared local socket so Python strategies use this window's sidecar. */
  sharedSocket: boolean;
  defaultInterval: string;
  restoreSubscriptions: boolean;
  statusBarVisible: boolean;
  /** Chinese market convention: red candles go up (read by the chart panel). */
  chartRedUp: boolean;
}

/** Reads every setting the extension uses, with the manifest's defaults as fallback. */
export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('candlewire');
  const http = vscode.workspace.getConfiguration('http');
  const level = c.get<string>('logLevel', 'info');
  return {
    nodePath: c.get<string>('nodePath', '').trim(),
    sharedSocket: c.get<boolean>('sharedSocket', true),
    exchanges: c.get<Record<string, Partial<ExchangeSettings>>>('exchanges', {}),
    proxy: c.get<string>('proxy', ''),
    httpProxy: http.get<string>('proxy', '') ?? '',
    httpNoProxy: http.get<string[]>('noProxy', []) ?? [],
    httpProxySupport: http.get<string>('proxySupport', 'override') ?? 'override',
    cacheMaxBars: c.get<number>('cache.maxBars', 1000),
    logLevel: (LOG_LEVELS as readonly string[]).includes(level) ? (level as SidecarLogLevel) : 'info',
    defaultInterval: c.get<string>('defaultInterval', '1m'),
    restoreSubscriptions: c.get<boolean>('restoreSubscriptions', true),
    statusBarVisible: c.get<boolean>('statusBar.visible', true),
    chartRedUp: c.get<boolean>('chart.redUp', false),
  };
}

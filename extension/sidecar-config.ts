/**
 * VS Code settings → the sidecar's configuration. The extension writes a TOML file in the
 * sidecar's own vocabulary (the seed layout: `[exchanges.<id>] spot_ws_url = …`) and passes it with
 * `--config`, so the sidecar validates settings exactly as it validates a user's file. Pure.
 */
import { stringify } from 'smol-toml';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type SidecarLogLevel = (typeof LOG_LEVELS)[number];

/** `candlewire.exchanges.<id>.*`: empty URL = the exchange's production URL. */
export interface ExchangeSettings {
  enabled: boolean;
  spotWsUrl: string;
  spotRestUrl: string;
  perpetualWsUrl: string;
  perpetualRestUrl: string;
}

/** The settings that shape the sidecar process (each one needs a restart to take effect). */
export interface SidecarSettings {
  exchanges: Record<string, Partial<ExchangeSettings>>;
  /** `candlewire.proxy`; empty = VS Code's `http.proxy`. */
  proxy: string;
  /** VS Code's `http.proxy`, `http.noProxy`, `http.proxySupport`. */
  httpProxy: string;
  httpNoProxy: string[];
  httpProxySupport: string;
  cacheMaxBars: number;
  logLevel: SidecarLogLevel;
}

/** Setting sections whose change restarts the sidecar; everything else applies live. */
export const RESTART_SECTIONS = [
  'candlewire.nodePath',
  'candlewire.sharedSocket',
  'candlewire.exchanges',
  'candlewire.proxy',
  'candlewire.cache',
  'candlewire.logLevel',
  'http.proxy',
  'http.noProxy',
  'http.proxySupport',
] as const;

/** Whether a configuration change touches a setting that needs a sidecar restart. */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return RESTART_SECTIONS.some((s) => affects(s));
}

type Section = Record<string, string | number | boolean | string[]>;
export interface SidecarConfigDocument {
  exchanges?: Record<string, Section>;
  cache?: Section;
  proxy?: Section;
  log?: Section;
}

export interface ConfigOutput {
  document: SidecarConfigDocument;
  /** Settings that could not be used, each saying which and why (for the log). */
  warnings: string[];
}

/** `spotWsUrl` → `spot_ws_url`. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const URL_SETTINGS = ['spotWsUrl', 'spotRestUrl', 'perpetualWsUrl', 'perpetualRestUrl'] as const;

/**
 * The configuration document for the settings. Only what differs from the sidecar's defaults is
 * written, so a sidecar update that changes a default is not masked by a stale copy.
 * `knownExchanges` (from the last `exchanges.list`) drops sections for exchanges this sidecar does
 * not have — its config loader rejects unknown keys.
 */
export function toConfigDocument(s: SidecarSettings, knownExchanges?: readonly string[]): ConfigOutput {
  const warnings: string[] = [];
  const doc: SidecarConfigDocument = {};
  const exchanges: Record<string, Section> = {};
  for (const [id, ex] of Object.entries(s.exchanges).sort(([a], [b]) => a.localeCompare(b))) {
    const section: Section = {};
    if (ex.enabled === false) section.enabled = false;
    for (const key of URL_SETTINGS) {
      const value = (ex[key] ?? '').trim();
      if (value !== '') section[snake(key)] = value;
    }
    if (Object.keys(section).length === 0) continue;
    if (knownExchanges && !knownExchanges.includes(id)) {
      warnings.push(`candlewire.exchanges.${id}: this sidecar has no exchange "${id}" (it has ${knownExchanges.join(', ')}); the setting is ignored`);
      continue;
    }
    exchanges[id] = section;
  }
  if (Object.keys(exchanges).length) doc.exchanges = exchanges;
  if (s.cacheMaxBars !== 1000) doc.cache = { max_bars: s.cacheMaxBars };
  const proxy = effectiveProxy(s);
  if (proxy !== undefined) {
    doc.proxy = { url: proxy };
    if (s.httpNoProxy.length) doc.proxy.no_proxy = [...s.httpNoProxy];
  }
  if (s.logLevel !== 'info') doc.log = { level: s.logLevel };
  return { document: doc, warnings };
}

/**
 * The proxy URL to configure, or undefined to leave the sidecar's default (HTTPS_PROXY/ALL_PROXY
 * from the environment). VS Code's `http.proxy` is often written without a scheme; it means HTTP.
 */
export function effectiveProxy(s: Pick<SidecarSettings, 'proxy' | 'httpProxy' | 'httpProxySupport'>): string | undefined {
  const own = s.proxy.trim();
  if (own !== '') return withScheme(own);
  if (s.httpProxySupport === 'off') return undefined;
  const vscode = s.httpProxy.trim();
  return vscode === '' ? undefined : withScheme(vscode);
}

function withScheme(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
}

/** The TOML text of a configuration document, with a header saying where it comes from. */
export function toToml(doc: SidecarConfigDocument): string {
  const header = [
    '# Written by the Candlewire VS Code extension from your settings (candlewire.*).',
    '# Edits here are overwritten at the next start; change the settings instead.',
    '',
  ].join('\n');
  const body = stringify(doc as Record<string, unknown>);
  return header + (body ? `${body}\n` : '');
}

export interface ArgsInput {
  sidecarPath: string;
  configPath: string;
  parentPid: number;
  /** Serve the shared local socket so other programs (Python strategies) attach to this sidecar. */
  socket: boolean;
}

/** The sidecar's command-line arguments (after the Node executable). */
export function sidecarArgs(a: ArgsInput): string[] {
  const args = [a.sidecarPath, '--parent-pid', String(a.parentPid), '--config', a.configPath];
  if (a.socket) args.push('--socket');
  return args;
}

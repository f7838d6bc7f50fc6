/**
 * Proxy routing for WebSocket and REST alike: one agent per proxy URL (HTTP CONNECT for http(s)://,
 * SOCKS5 for socks5:// and socks5h://), bypassed for hosts listed in no_proxy (NO_PROXY rules).
 * The agents report failures as ProxyErrors naming the proxy (proxy-errors.ts).
 */
import type { Agent } from 'node:http';
import { createProxyAgent } from './proxy-agents';

export { describeProxy } from './proxy-url';
export { proxyOfAgent } from './proxy-agents';
export { ProxyError } from './proxy-errors';

export interface ProxySettings {
  url: string | undefined;
  noProxy: readonly string[];
}

/** NO_PROXY semantics as curl has them: `*`, exact hosts, domain suffixes (`.example.com` or `example.com`), optional `:port`. */
export function bypassesProxy(target: URL, noProxy: readonly string[]): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' || target.protocol === 'wss:' ? '443' : '80');
  for (const raw of noProxy) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const m = /^(.*?)(?::(\d+))?$/.exec(entry.replace(/^\[|\]$/g, ''))!;
    const name = m[1].replace(/^\*?\./, '');
    if (m[2] && m[2] !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** Returns a function giving the agent for a target URL, or undefined for a direct connection. */
export function proxyAgents(settings: ProxySettings): (target: string) => Agent | undefined {
  if (!settings.url) return () => undefined;
  const proxy = settings.url;
  let agent: Agent | undefined;
  return (target) => (bypassesProxy(new URL(target), settings.noProxy) ? undefined : (agent ??= createProxyAgent(proxy)));
}

/**
 * The environment as configuration layers. Every setting has a `CANDLEWIRE_*` variable named after
 * its key path (`cache.max_bars` → `CANDLEWIRE_CACHE_MAX_BARS`, `exchanges.acme.spot_ws_url` →
 * `CANDLEWIRE_EXCHANGES_ACME_SPOT_WS_URL`), plus the short aliases `CANDLEWIRE_PROXY` and
 * `CANDLEWIRE_NO_PROXY`. The standard proxy variables are read separately: they are a fallback,
 * not a Candlewire setting (see `standardProxyEnv`).
 */
import type { FullLayer } from './schema';
import { closest } from './values';

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Names the config file when no `--config` is given. */
export const CONFIG_FILE_ENV = 'CANDLEWIRE_CONFIG';

/** Variables Candlewire reads that are not settings (so they are not reported as typos). */
const NOT_SETTINGS = [
  CONFIG_FILE_ENV,
  // Where the shared sidecar's socket and connection file live (sidecar/rpc/transports/runtime-dir.ts).
  'CANDLEWIRE_RUNTIME_DIR',
];

/** Preferred short names, checked before the generic `CANDLEWIRE_<PATH>` name of the same key. */
const ALIASES: Readonly<Record<string, string>> = {
  'proxy.url': 'CANDLEWIRE_PROXY',
  'proxy.no_proxy': 'CANDLEWIRE_NO_PROXY',
};

type LeafKind = 'number' | 'boolean' | 'string' | 'list';
interface Leaf {
  path: string[];
  kind: LeafKind;
}

/** The generic variable name of a key path. */
export function envName(path: readonly string[]): string {
  return `CANDLEWIRE_${path.map((seg) => seg.toUpperCase().replace(/[^A-Z0-9]/g, '_')).join('_')}`;
}

/** Every setting's key path and value kind, read off the complete defaults layer. */
function leavesOf(node: unknown, path: string[] = []): Leaf[] {
  if (Array.isArray(node)) return [{ path, kind: 'list' }];
  if (typeof node === 'number') return [{ path, kind: 'number' }];
  if (typeof node === 'boolean') return [{ path, kind: 'boolean' }];
  if (typeof node === 'string') return [{ path, kind: 'string' }];
  if (typeof node === 'object' && node !== null) {
    return Object.entries(node).flatMap(([k, v]) => leavesOf(v, [...path, k]));
  }
  return [];
}

/**
 * Turns a variable's text into the kind of value the key takes. Text that does not fit is passed
 * through unchanged so validation reports it with the user's own spelling.
 */
function coerce(raw: string, kind: LeafKind): unknown {
  const text = raw.trim();
  switch (kind) {
    case 'number':
      return /^[+-]?\d+$/.test(text) ? Number(text) : raw;
    case 'boolean': {
      const lower = text.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lower)) return true;
      if (['false', '0', 'no', 'off'].includes(lower)) return false;
      return raw;
    }
    case 'list':
      return splitList(text);
    case 'string':
      return raw;
  }
}

/** `a, b c` → `['a', 'b', 'c']`: NO_PROXY is comma-separated by convention; spaces are tolerated. */
export function splitList(text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s !== '');
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      node[seg] = created;
      node = created;
    }
  }
  node[path[path.length - 1]] = value;
}

export interface EnvLayer {
  /** The settings found, in the file's vocabulary. */
  layer: Record<string, unknown>;
  /** Dotted key path → the variable that set it (for error messages and origins). */
  names: Map<string, string>;
  /** `CANDLEWIRE_*` variables that are not settings (likely typos): reported, not fatal. */
  warnings: string[];
}

/**
 * Reads the `CANDLEWIRE_*` variables that correspond to settings. A variable that is set counts
 * even when empty (`CANDLEWIRE_PROXY=` means "no proxy", an empty URL disables a market).
 */
export function candlewireEnvLayer(env: Env, defaults: FullLayer): EnvLayer {
  const layer: Record<string, unknown> = {};
  const names = new Map<string, string>();
  const known = new Set<string>([...NOT_SETTINGS, ...Object.values(ALIASES)]);
  for (const leaf of leavesOf(defaults)) {
    const dotted = leaf.path.join('.');
    const generic = envName(leaf.path);
    known.add(generic);
    const candidates = ALIASES[dotted] !== undefined ? [ALIASES[dotted], generic] : [generic];
    const name = candidates.find((n) => env[n] !== undefined);
    if (name === undefined) continue;
    setPath(layer, leaf.path, coerce(env[name] as string, leaf.kind));
    names.set(dotted, name);
  }
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith('CANDLEWIRE_') || known.has(name)) continue;
    const guess = closest(name, [...known]);
    warnings.push(
      `environment variable ${name} is not a Candlewire setting and is ignored` +
        (guess !== undefined ? ` (did you mean ${guess}?)` : ''),
    );
  }
  return { layer, names, warnings };
}

/** The standard proxy variables, in order of preference; `https_proxy` because every connection is TLS. */
const PROXY_URL_VARS = ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'] as const;
const NO_PROXY_VARS = ['NO_PROXY', 'no_proxy'] as const;

/**
 * The proxy the standard variables ask for. Empty values count as unset (the usual convention);
 * a URL without a scheme gets `http://`, as curl assumes.
 */
export function standardProxyEnv(env: Env): {
  url?: { name: string; value: string };
  noProxy?: { name: string; value: string[] };
} {
  const out: ReturnType<typeof standardProxyEnv> = {};
  const urlVar = PROXY_URL_VARS.find((n) => (env[n] ?? '').trim() !== '');
  if (urlVar !== undefined) {
    const raw = (env[urlVar] as string).trim();
    out.url = { name: urlVar, value: raw.includes('://') ? raw : `http://${raw}` };
  }
  const noProxyVar = NO_PROXY_VARS.find((n) => (env[n] ?? '').trim() !== '');
  if (noProxyVar !== undefined) out.noProxy = { name: noProxyVar, value: splitList(env[noProxyVar] as string) };
  return out;
}

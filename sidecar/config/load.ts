/**
 * Layered configuration, later wins: built-in defaults → config file (TOML) → `CANDLEWIRE_*`
 * environment → programmatic overrides (RPC / VS Code settings). The standard proxy variables
 * (HTTPS_PROXY, ALL_PROXY, NO_PROXY) fill in only what no Candlewire layer sets: a proxy written
 * in Candlewire's own config is more specific than one exported for every program in a shell.
 *
 * Errors are values. Each names where the bad value came from (file, variable or overrides), the
 * key path, what was expected and what was found. Nothing is silently defaulted.
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import { MarketSchema, type Market } from '../market/model';
import { candlewireEnvLayer, CONFIG_FILE_ENV, standardProxyEnv, type Env } from './env';
import { formatIssues, locateIn, type Locate } from './issues';
import {
  defaultLayer,
  documentSchema,
  proxyUrlSchema,
  urlKeys,
  type ConfigLayer,
  type ExchangeDefaults,
  type FullLayer,
} from './schema';
import type { Config, ConfigResult, ExchangeConfig, MarketEndpoint } from './types';
import { showPath } from './values';

export interface ParseConfigInput {
  /** The exchanges that exist (id + production URLs), e.g. the registry's adapters. */
  exchanges: readonly ExchangeDefaults[];
  /** A config file's name (as the user gave it) and text. */
  file?: { path: string; text: string };
  /** The environment; `process.env` when omitted. */
  env?: Env;
  /** Highest-precedence settings, in the file's vocabulary (snake_case keys, same sections). */
  overrides?: ConfigLayer;
  /** How errors name the overrides layer, e.g. `VS Code setting candlewire.config`. Default `overrides`. */
  overridesSource?: string;
}

export interface LoadConfigInput extends Omit<ParseConfigInput, 'file'> {
  /** Path of the config file (`--config`). Without it, `CANDLEWIRE_CONFIG` names one; else there is none. */
  file?: string;
}

type Table = Record<string, unknown>;

interface Layer {
  data: Table;
  /** The label recorded as the origin of each key the layer sets. */
  origin: (dotted: string) => string;
}

/** Reads the config file (if any) and resolves the configuration. Never throws. */
export function loadConfig(input: LoadConfigInput): ConfigResult {
  const env = input.env ?? process.env;
  const fromEnv = input.file === undefined && (env[CONFIG_FILE_ENV] ?? '') !== '';
  const path = input.file ?? (fromEnv ? env[CONFIG_FILE_ENV] : undefined);
  if (path === undefined) return parseConfig({ ...input, env, file: undefined });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const why = readFailure(err);
    return { ok: false, error: `${path}: cannot read the config file: ${why}${fromEnv ? ` (named by ${CONFIG_FILE_ENV})` : ''}` };
  }
  return parseConfig({ ...input, env, file: { path, text } });
}

function readFailure(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}

/** Resolves the configuration from already-read inputs. Pure apart from reading `process.env` when `env` is omitted. Never throws. */
export function parseConfig(input: ParseConfigInput): ConfigResult {
  try {
    return resolve(input);
  } catch (err) {
    // A bug here must not take the sidecar down with a stack trace instead of a message.
    return { ok: false, error: `internal error while resolving the configuration: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function resolve(input: ParseConfigInput): ConfigResult {
  const env = input.env ?? process.env;
  const ids = input.exchanges.map((e) => e.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) return { ok: false, error: `internal error: exchange "${duplicate}" is registered twice` };

  const defaults = defaultLayer(input.exchanges);
  const layerSchema = documentSchema(input.exchanges, true);
  const errors: string[] = [];
  const layers: Layer[] = [];

  const validate = (data: unknown, locate: Locate): Table | undefined => {
    const parsed = layerSchema.safeParse(data);
    if (parsed.success) return parsed.data as Table;
    errors.push(formatIssues(parsed.error.issues, layerSchema, locate));
    return undefined;
  };

  if (input.file !== undefined) {
    const { path, text } = input.file;
    const doc = parseTomlText(path, text);
    if (!doc.ok) return doc;
    const data = validate(doc.value, locateIn(path));
    if (data) layers.push({ data, origin: () => path });
  }

  const envLayer = candlewireEnvLayer(env, defaults);
  const envLocate: Locate = (path) => {
    for (let n = path.length; n > 0; n--) {
      const name = envLayer.names.get(path.slice(0, n).map(String).join('.'));
      if (name !== undefined) return `environment variable ${name} (${showPath(path)})`;
    }
    return `environment (${showPath(path)})`;
  };
  const envData = validate(envLayer.layer, envLocate);
  if (envData) layers.push({ data: envData, origin: (dotted) => envLayer.names.get(dotted) ?? 'environment' });

  if (input.overrides !== undefined) {
    const source = input.overridesSource ?? 'overrides';
    const data = validate(input.overrides, locateIn(source));
    if (data) layers.push({ data, origin: () => source });
  }

  if (errors.length > 0) return { ok: false, error: errors.join('\n') };

  const merged: Table = defaults;
  const origins: Record<string, string> = {};
  for (const layer of layers) mergeInto(merged, layer.data, [], layer, origins);

  deriveDependentDefaults(merged as FullLayer, origins);
  const proxyError = applyStandardProxy(merged as FullLayer, env, origins);
  if (proxyError !== undefined) return { ok: false, error: proxyError };

  const full = documentSchema(input.exchanges, false).safeParse(merged);
  if (!full.success) {
    return { ok: false, error: `internal error: incomplete configuration: ${full.error.issues.map((i) => showPath(i.path)).join(', ')}` };
  }
  const complete = full.data as FullLayer;
  const crossError = crossCheck(complete, origins);
  if (crossError !== undefined) return { ok: false, error: crossError };

  return { ok: true, config: deepFreeze(toConfig(complete, input, origins)), warnings: envLayer.warnings };
}

function parseTomlText(path: string, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    // Editors on Windows may save a byte-order mark, which TOML does not allow.
    return { ok: true, value: parseToml(text.replace(/^\uFEFF/, '')) };
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = err.message.split('\n')[0].replace(/^Invalid TOML document:\s*/, '');
      const excerpt = err.codeblock.length <= 1000 ? `\n${err.codeblock.trimEnd()}` : '';
      return { ok: false, error: `${path}:${err.line}:${err.column}: invalid TOML: ${reason}${excerpt}` };
    }
    return { ok: false, error: `${path}: invalid TOML: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Layers are already validated, so tables only meet tables and leaves only meet leaves. */
function mergeInto(target: Table, layer: Table, path: string[], from: Layer, origins: Record<string, string>): void {
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const at = [...path, key];
    const current = target[key];
    if (isTable(value) && isTable(current)) {
      mergeInto(current, value, at, from, origins);
    } else {
      target[key] = Array.isArray(value) ? [...value] : value;
      const dotted = at.join('.');
      origins[dotted] = from.origin(dotted);
    }
  }
}

/** Fills proxy.url / proxy.no_proxy from HTTPS_PROXY… / NO_PROXY when no Candlewire layer set them. */
function applyStandardProxy(merged: FullLayer, env: Env, origins: Record<string, string>): string | undefined {
  const std = standardProxyEnv(env);
  if (std.url !== undefined && origins['proxy.url'] === undefined) {
    const checked = proxyUrlSchema.safeParse(std.url.value);
    if (!checked.success) {
      return formatIssues(checked.error.issues, proxyUrlSchema, () => `environment variable ${std.url?.name} (proxy.url)`);
    }
    merged.proxy.url = std.url.value;
    origins['proxy.url'] = std.url.name;
  }
  if (std.noProxy !== undefined && origins['proxy.no_proxy'] === undefined) {
    merged.proxy.no_proxy = std.noProxy.value;
    origins['proxy.no_proxy'] = std.noProxy.name;
  }
  return undefined;
}

/**
 * Defaults that depend on another key the user set, so that setting one key alone (a short
 * stale_after_ms or backoff_cap_ms for tests) never trips over the other key's fixed default.
 */
function deriveDependentDefaults(c: FullLayer, origins: Record<string, string>): void {
  if (origins['feed.idle_probe_ms'] === undefined) {
    c.feed.idle_probe_ms = Math.max(1, Math.min(c.feed.idle_probe_ms, Math.floor(c.feed.stale_after_ms / 2)));
  }
  if (origins['feed.backoff_base_ms'] === undefined) {
    c.feed.backoff_base_ms = Math.min(c.feed.backoff_base_ms, c.feed.backoff_cap_ms);
  }
}

/** Constraints between keys; the message is placed at the key the user set (the first if both). */
function crossCheck(c: FullLayer, origins: Record<string, string>): string | undefined {
  const from = (key: string) => origins[key] ?? 'built-in default';
  const problems: string[] = [];
  const pair = (a: string, av: number, relation: string, b: string, bv: number, inverse: string) => {
    const blameA = origins[a] !== undefined || origins[b] === undefined;
    problems.push(
      blameA
        ? `${from(a)}: ${a}: expected ${relation} ${b} (${bv}, ${from(b)}), got ${av}`
        : `${from(b)}: ${b}: expected ${inverse} ${a} (${av}, ${from(a)}), got ${bv}`,
    );
  };
  const f = c.feed;
  if (f.backoff_base_ms > f.backoff_cap_ms) {
    pair('feed.backoff_base_ms', f.backoff_base_ms, 'at most', 'feed.backoff_cap_ms', f.backoff_cap_ms, 'at least');
  }
  if (f.idle_probe_ms >= f.stale_after_ms) {
    // The probe exists to tell a quiet connection from a dead one before it is declared stale.
    pair('feed.idle_probe_ms', f.idle_probe_ms, 'less than', 'feed.stale_after_ms', f.stale_after_ms, 'more than');
  }
  return problems.length > 0 ? problems.join('\n') : undefined;
}

function toConfig(c: FullLayer, input: ParseConfigInput, origins: Record<string, string>): Config {
  const exchanges: Record<string, ExchangeConfig> = {};
  for (const ex of input.exchanges) {
    const section = c.exchanges[ex.id] ?? {};
    const enabled = section.enabled ?? true;
    const markets: Partial<Record<Market, MarketEndpoint>> = {};
    for (const market of MarketSchema.options) {
      if (ex.defaults[market] === undefined) continue;
      const keys = urlKeys(market);
      const ws = section[keys.ws] ?? '';
      const rest = section[keys.rest] ?? '';
      markets[market] = { enabled: enabled && ws !== '' && rest !== '', ws, rest };
    }
    exchanges[ex.id] = { enabled, markets };
  }
  return {
    file: input.file?.path,
    exchanges,
    cache: { maxBars: c.cache.max_bars },
    feed: {
      connectTimeoutMs: c.feed.connect_timeout_ms,
      staleAfterMs: c.feed.stale_after_ms,
      idleProbeMs: c.feed.idle_probe_ms,
      ackTimeoutMs: c.feed.ack_timeout_ms,
      backoffBaseMs: c.feed.backoff_base_ms,
      backoffCapMs: c.feed.backoff_cap_ms,
      closeGraceMs: c.feed.close_grace_ms,
      channelStaleMs: c.feed.channel_stale_ms,
      clientPingMs: c.feed.client_ping_ms,
      maxLifetimeMs: c.feed.max_lifetime_ms,
    },
    rpc: {
      maxSubscriptionsPerClient: c.rpc.max_subscriptions_per_client,
      maxLineBytes: c.rpc.max_line_bytes,
      maxQueuedMessages: c.rpc.max_queued_messages,
      maxClients: c.rpc.max_clients,
      maxNotificationsPerSecond: c.rpc.max_notifications_per_second,
    },
    rest: { timeoutMs: c.rest.timeout_ms, backfillBars: c.rest.backfill_bars },
    proxy: { url: c.proxy.url === '' ? undefined : c.proxy.url, noProxy: [...c.proxy.no_proxy] },
    log: { level: c.log.level },
    origins: { ...origins },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The endpoints of one exchange-market, or undefined when the exchange or market is unknown. */
export function marketEndpoint(config: Config, exchange: string, market: Market): MarketEndpoint | undefined {
  return Object.hasOwn(config.exchanges, exchange) ? config.exchanges[exchange].markets[market] : undefined;
}

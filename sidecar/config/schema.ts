/**
 * The configuration file's vocabulary (snake_case, the seed TOML layout) as zod schemas, plus the
 * built-in defaults. Every layer — file, environment, programmatic overrides — is validated
 * against the same strict schema, so a key means the same thing wherever it is set.
 */
import { z } from 'zod';
import { MarketSchema, type Market } from '../market/model';
import type { MarketUrls } from '../exchanges/types';
import { showValue } from './values';

/** One exchange the configuration knows about, with its production URLs (an `ExchangeAdapter` fits). */
export interface ExchangeDefaults {
  id: string;
  /** Markets the exchange offers; a market missing here cannot be configured. */
  defaults: Partial<Record<Market, MarketUrls>>;
}

/** How each market is spelled in key names of the file (the seed layout says `perpetual_ws_url`). */
export const FILE_MARKET_NAME = { spot: 'spot', perp: 'perpetual' } as const satisfies Record<Market, string>;
type FileMarketName = (typeof FILE_MARKET_NAME)[Market];

/** `[exchanges.<id>]` as written in a file; which URL keys are allowed depends on the exchange's markets. */
export type ExchangeSection = { enabled?: boolean } & {
  [K in `${FileMarketName}_${'ws' | 'rest'}_url`]?: string;
};

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Key names of one market's URLs in an exchange section. */
export function urlKeys(market: Market): { ws: `${FileMarketName}_ws_url`; rest: `${FileMarketName}_rest_url` } {
  const name = FILE_MARKET_NAME[market];
  return { ws: `${name}_ws_url`, rest: `${name}_rest_url` };
}

/** Builds the zod error callback that produces `expected <what>, got <value>`. */
export function expected(what: string): (issue: { input?: unknown }) => string {
  return (issue) => `expected ${what}, got ${showValue(issue.input)}`;
}

function intInRange(min: number, max: number) {
  const e = expected(`an integer from ${min} to ${max}`);
  return z.number({ error: e }).int({ error: e }).min(min, { error: e }).max(max, { error: e });
}

/** Why `value` is not a URL with one of `schemes` (e.g. `['ws:', 'wss:']`), or undefined when it is. */
export function urlProblem(value: string, schemes: readonly string[]): string | undefined {
  if (value.trim() !== value) return 'remove the spaces around it';
  const scheme = schemes.find((s) => value.toLowerCase().startsWith(`${s}//`));
  if (scheme === undefined) return 'wrong scheme';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a valid URL';
  }
  if (url.hostname === '') return 'no host';
  return undefined;
}

function urlSchema(schemes: readonly string[], what: string, allowEmpty: boolean) {
  const e = expected(what);
  return z.string({ error: e }).superRefine((value, ctx) => {
    if (allowEmpty && value === '') return;
    const problem = urlProblem(value, schemes);
    if (problem === undefined) return;
    const detail = problem === 'wrong scheme' ? '' : ` (${problem})`;
    ctx.addIssue({ code: 'custom', message: `${e({ input: value })}${detail}` });
  });
}

/** ws:// or wss://; empty disables the market. */
export const wsUrlSchema = urlSchema(['ws:', 'wss:'], 'a ws:// or wss:// URL', true);
/** http:// or https://; empty disables the market. */
export const restUrlSchema = urlSchema(['http:', 'https:'], 'an http:// or https:// URL', true);
/** HTTP CONNECT or SOCKS5 proxy (socks5h: the proxy resolves host names); empty means no proxy. */
export const proxyUrlSchema = urlSchema(
  ['http:', 'https:', 'socks5:', 'socks5h:'],
  'an http://, https://, socks5:// or socks5h:// URL',
  true,
);

const table = (name: string) => ({ error: expected(`a table ([${name}])`) });

/** The fixed sections, every key required (the shape after all layers are merged). */
export const sectionSchemas = {
  cache: z.strictObject(
    {
      max_bars: intInRange(1, 100_000),
    },
    table('cache'),
  ),
  feed: z.strictObject(
    {
      connect_timeout_ms: intInRange(1, 600_000),
      stale_after_ms: intInRange(2, 3_600_000),
      idle_probe_ms: intInRange(1, 3_600_000),
      ack_timeout_ms: intInRange(1, 600_000),
      backoff_base_ms: intInRange(1, 600_000),
      backoff_cap_ms: intInRange(1, 3_600_000),
      close_grace_ms: intInRange(0, 600_000),
      channel_stale_ms: intInRange(1, 86_400_000),
      client_ping_ms: intInRange(0, 3_600_000),
      max_lifetime_ms: intInRange(0, 7 * 86_400_000),
    },
    table('feed'),
  ),
  rest: z.strictObject(
    {
      timeout_ms: intInRange(1, 600_000),
      backfill_bars: intInRange(1, 100_000),
    },
    table('rest'),
  ),
  rpc: z.strictObject(
    {
      max_subscriptions_per_client: intInRange(1, 100_000),
      max_line_bytes: intInRange(1024, 256 * 1024 * 1024),
      max_queued_messages: intInRange(10, 10_000_000),
      max_clients: intInRange(1, 100_000),
      max_notifications_per_second: intInRange(1, 10_000_000),
    },
    table('rpc'),
  ),
  proxy: z.strictObject(
    {
      url: proxyUrlSchema,
      no_proxy: z.array(
        z.string({ error: expected('a host name or address') }).min(1, { error: expected('a non-empty host name') }),
        { error: expected('an array of host names, e.g. ["localhost", ".internal.example"]') },
      ),
    },
    table('proxy'),
  ),
  log: z.strictObject(
    {
      level: z.enum(LOG_LEVELS, { error: expected('"error", "warn", "info" or "debug"') }),
    },
    table('log'),
  ),
};

type Sections = { [K in keyof typeof sectionSchemas]: z.output<(typeof sectionSchemas)[K]> };

/** Every setting, in the file's vocabulary, after all layers are merged. */
export type FullLayer = Sections & { exchanges: Record<string, ExchangeSection> };

/** One layer (a file, the environment, overrides): any subset of the file's keys. */
export type ConfigLayer = { [K in keyof Sections]?: Partial<Sections[K]> } & {
  exchanges?: Record<string, ExchangeSection>;
};

/** The built-in defaults of the fixed sections (the exchange URLs come from the adapters). */
export const SECTION_DEFAULTS: Sections = {
  cache: { max_bars: 1000 },
  feed: {
    connect_timeout_ms: 10_000,
    stale_after_ms: 30_000,
    idle_probe_ms: 15_000,
    ack_timeout_ms: 5_000,
    backoff_base_ms: 500,
    backoff_cap_ms: 30_000,
    close_grace_ms: 5_000,
    channel_stale_ms: 120_000,
    client_ping_ms: 0,
    max_lifetime_ms: 0,
  },
  rpc: {
    max_subscriptions_per_client: 50,
    max_line_bytes: 1024 * 1024,
    max_queued_messages: 50_000,
    max_clients: 32,
    max_notifications_per_second: 5000,
  },
  rest: { timeout_ms: 15_000, backfill_bars: 1000 },
  proxy: { url: '', no_proxy: [] },
  log: { level: 'info' },
};

function exchangeSchema(exchange: ExchangeDefaults, partial: boolean) {
  const shape: Record<string, z.ZodType> = { enabled: z.boolean({ error: expected('true or false') }) };
  for (const market of MarketSchema.options) {
    if (exchange.defaults[market] === undefined) continue;
    const keys = urlKeys(market);
    shape[keys.ws] = wsUrlSchema;
    shape[keys.rest] = restUrlSchema;
  }
  const section = z.strictObject(shape, table(`exchanges.${exchange.id}`));
  return partial ? section.partial() : section;
}

/**
 * The schema of a whole document. `partial`: a layer, where every key is optional; otherwise the
 * merged result, where every key must be present.
 */
export function documentSchema(exchanges: readonly ExchangeDefaults[], partial: boolean) {
  const exchangeShape: Record<string, z.ZodType> = {};
  for (const ex of exchanges) {
    const s = exchangeSchema(ex, partial);
    exchangeShape[ex.id] = partial ? s.optional() : s;
  }
  const exchangesSchema = z.strictObject(exchangeShape, table('exchanges'));
  const shape = {
    exchanges: partial ? exchangesSchema.optional() : exchangesSchema,
    cache: partial ? sectionSchemas.cache.partial().optional() : sectionSchemas.cache,
    feed: partial ? sectionSchemas.feed.partial().optional() : sectionSchemas.feed,
    rest: partial ? sectionSchemas.rest.partial().optional() : sectionSchemas.rest,
    rpc: partial ? sectionSchemas.rpc.partial().optional() : sectionSchemas.rpc,
    proxy: partial ? sectionSchemas.proxy.partial().optional() : sectionSchemas.proxy,
    log: partial ? sectionSchemas.log.partial().optional() : sectionSchemas.log,
  };
  return z.strictObject(shape, { error: expected('a TOML document (a table)') });
}

/** The defaults layer: every fixed-section default, every exchange enabled with its production URLs. */
export function defaultLayer(exchanges: readonly ExchangeDefaults[]): FullLayer {
  const ex: Record<string, ExchangeSection> = {};
  for (const exchange of exchanges) {
    const section: ExchangeSection = { enabled: true };
    for (const market of MarketSchema.options) {
      const urls = exchange.defaults[market];
      if (urls === undefined) continue;
      const keys = urlKeys(market);
      section[keys.ws] = urls.ws;
      section[keys.rest] = urls.rest;
    }
    ex[exchange.id] = section;
  }
  return {
    exchanges: ex,
    cache: { ...SECTION_DEFAULTS.cache },
    feed: { ...SECTION_DEFAULTS.feed },
    rest: { ...SECTION_DEFAULTS.rest },
    rpc: { ...SECTION_DEFAULTS.rpc },
    proxy: { ...SECTION_DEFAULTS.proxy, no_proxy: [...SECTION_DEFAULTS.proxy.no_proxy] },
    log: { ...SECTION_DEFAULTS.log },
  };
}

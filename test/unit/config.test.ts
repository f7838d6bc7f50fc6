import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import {
  describeConfig,
  exampleConfigToml,
  loadConfig,
  marketEndpoint,
  parseConfig,
  type Config,
  type ConfigResult,
  type ExchangeDefaults,
} from '../../sidecar/config';

// Generic exchange ids on purpose: the config code must work for any registry.
const EXCHANGES: ExchangeDefaults[] = [
  {
    id: 'acme',
    defaults: {
      spot: { ws: 'wss://stream.acme.test:9443', rest: 'https://api.acme.test' },
      perp: { ws: 'wss://fstream.acme.test', rest: 'https://fapi.acme.test' },
    },
  },
  { id: 'spotonly', defaults: { spot: { ws: 'wss://ws.spotonly.test', rest: 'https://rest.spotonly.test' } } },
];

const FILE = 'config.toml';

function parse(text: string | undefined, extra: { env?: Record<string, string>; overrides?: object } = {}): ConfigResult {
  return parseConfig({
    exchanges: EXCHANGES,
    file: text === undefined ? undefined : { path: FILE, text },
    env: extra.env ?? {},
    overrides: extra.overrides,
  });
}

function ok(result: ConfigResult): Config {
  if (!result.ok) throw new Error(`expected ok, got error: ${result.error}`);
  return result.config;
}

function err(result: ConfigResult): string {
  if (result.ok) throw new Error('expected an error, got ok');
  return result.error;
}

describe('defaults', () => {
  it('resolves every exchange-market from the given defaults when there is no file', () => {
    const c = ok(parse(undefined));
    expect(c.file).toBeUndefined();
    expect(c.exchanges.acme.enabled).toBe(true);
    expect(c.exchanges.acme.markets.spot).toEqual({ enabled: true, ws: 'wss://stream.acme.test:9443', rest: 'https://api.acme.test' });
    expect(c.exchanges.acme.markets.perp).toEqual({ enabled: true, ws: 'wss://fstream.acme.test', rest: 'https://fapi.acme.test' });
    expect(c.exchanges.spotonly.markets.perp).toBeUndefined();
    expect(c.cache.maxBars).toBe(1000);
    expect(c.feed).toEqual({
      connectTimeoutMs: 10000,
      staleAfterMs: 30000,
      idleProbeMs: 15000,
      ackTimeoutMs: 5000,
      backoffBaseMs: 500,
      backoffCapMs: 30000,
      closeGraceMs: 5000,
      channelStaleMs: 120000,
      clientPingMs: 0,
      maxLifetimeMs: 0,
    });
    expect(c.rpc).toEqual({ maxSubscriptionsPerClient: 50, maxLineBytes: 1048576, maxQueuedMessages: 50000, maxClients: 32, maxNotificationsPerSecond: 5000 });
    expect(c.rest).toEqual({ timeoutMs: 15000, backfillBars: 1000 });
    expect(c.proxy).toEqual({ url: undefined, noProxy: [] });
    expect(c.log.level).toBe('info');
    expect(c.origins).toEqual({});
  });

  it('returns a deeply frozen object', () => {
    const c = ok(parse(undefined));
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.exchanges.acme.markets.spot)).toBe(true);
    expect(Object.isFrozen(c.proxy.noProxy)).toBe(true);
    expect(() => {
      (c.cache as { maxBars: number }).maxBars = 5;
    }).toThrow(TypeError);
  });
});

describe('config file', () => {
  it('accepts the seed layout and overrides one URL, keeping the other defaults', () => {
    const c = ok(
      parse(`
[exchanges.acme]
enabled = true
spot_ws_url = "ws://127.0.0.1:4567"
perpetual_ws_url = "wss://fstream.acme.test"
`),
    );
    expect(c.file).toBe(FILE);
    expect(c.exchanges.acme.markets.spot).toEqual({ enabled: true, ws: 'ws://127.0.0.1:4567', rest: 'https://api.acme.test' });
    expect(c.exchanges.acme.markets.perp?.ws).toBe('wss://fstream.acme.test');
    expect(c.origins['exchanges.acme.spot_ws_url']).toBe(FILE);
    expect(c.origins['exchanges.acme.spot_rest_url']).toBeUndefined();
  });

  it('disables a market whose URL is empty, and every market of a disabled exchange', () => {
    const c = ok(parse('[exchanges.acme]\nperpetual_rest_url = ""\n[exchanges.spotonly]\nenabled = false\n'));
    expect(c.exchanges.acme.markets.perp).toEqual({ enabled: false, ws: 'wss://fstream.acme.test', rest: '' });
    expect(c.exchanges.acme.markets.spot?.enabled).toBe(true);
    expect(c.exchanges.spotonly.enabled).toBe(false);
    expect(c.exchanges.spotonly.markets.spot?.enabled).toBe(false);
    expect(marketEndpoint(c, 'acme', 'perp')?.enabled).toBe(false);
    expect(marketEndpoint(c, 'nope', 'spot')).toBeUndefined();
  });

  it('reads the other sections', () => {
    const c = ok(
      parse(`
[cache]
max_bars = 50
[feed]
stale_after_ms = 300
idle_probe_ms = 100
backoff_base_ms = 10
backoff_cap_ms = 20
[rest]
timeout_ms = 200
backfill_bars = 10
[proxy]
url = "socks5h://user:pw@127.0.0.1:1080"
no_proxy = ["localhost", ".internal"]
[log]
level = "debug"
`),
    );
    expect(c.cache.maxBars).toBe(50);
    expect(c.feed.staleAfterMs).toBe(300);
    expect(c.feed.idleProbeMs).toBe(100);
    expect(c.feed.backoffCapMs).toBe(20);
    expect(c.rest).toEqual({ timeoutMs: 200, backfillBars: 10 });
    expect(c.proxy).toEqual({ url: 'socks5h://user:pw@127.0.0.1:1080', noProxy: ['localhost', '.internal'] });
    expect(c.log.level).toBe('debug');
  });

  it('rejects an unknown exchange, naming it and listing the known ones', () => {
    const e = err(parse('[exchanges.nosuch]\nenabled = true\n'));
    expect(e).toContain('config.toml: exchanges.nosuch: unknown exchange "nosuch"');
    expect(e).toContain('known exchanges: acme, spotonly');
  });

  it('rejects an unknown section and an unknown key, naming the file and listing allowed keys', () => {
    expect(err(parse('[caches]\nmax_bars = 5\n'))).toMatch(
      /^config\.toml: caches: unknown section \(did you mean "cache"\?\); allowed sections: exchanges, cache, feed, rest, rpc, proxy, log$/,
    );
    const e = err(parse('[feed]\nstale_after = 5\n'));
    expect(e).toContain('config.toml: feed.stale_after: unknown key');
    expect(e).toContain('allowed keys: connect_timeout_ms, stale_after_ms, idle_probe_ms, ack_timeout_ms, backoff_base_ms, backoff_cap_ms');
  });

  it('rejects URL keys for a market the exchange does not offer', () => {
    const e = err(parse('[exchanges.spotonly]\nperpetual_ws_url = "wss://x.test"\n'));
    expect(e).toContain('config.toml: exchanges.spotonly.perpetual_ws_url: unknown key');
    expect(e).toContain('allowed keys: enabled, spot_ws_url, spot_rest_url');
  });

  it('names file, line and column of a TOML syntax error', () => {
    const e = err(parse('[cache]\nmax_bars = 10\nbroken = [1,\n'));
    expect(e).toMatch(/^config\.toml:\d+:\d+: invalid TOML: /);
    const line = Number(/^config\.toml:(\d+):/.exec(e)?.[1]);
    expect(line).toBeGreaterThanOrEqual(3);
  });

  it('rejects a URL with the wrong scheme, with the exact key path and value', () => {
    expect(err(parse('[exchanges.acme]\nspot_ws_url = "http://x"\n'))).toBe(
      'config.toml: exchanges.acme.spot_ws_url: expected a ws:// or wss:// URL, got "http://x"',
    );
    expect(err(parse('[exchanges.acme]\nspot_rest_url = "wss://x"\n'))).toBe(
      'config.toml: exchanges.acme.spot_rest_url: expected an http:// or https:// URL, got "wss://x"',
    );
    expect(err(parse('[exchanges.acme]\nspot_ws_url = "wss://"\n'))).toContain('exchanges.acme.spot_ws_url: expected a ws:// or wss:// URL');
  });

  it('rejects wrong types and out-of-range numbers with what was expected and found', () => {
    expect(err(parse('[cache]\nmax_bars = 0\n'))).toBe('config.toml: cache.max_bars: expected an integer from 1 to 100000, got 0');
    expect(err(parse('[cache]\nmax_bars = "10"\n'))).toBe('config.toml: cache.max_bars: expected an integer from 1 to 100000, got "10"');
    expect(err(parse('[cache]\nmax_bars = 1.5\n'))).toContain('got 1.5');
    expect(err(parse('[log]\nlevel = "verbose"\n'))).toBe(
      'config.toml: log.level: expected "error", "warn", "info" or "debug", got "verbose"',
    );
    expect(err(parse('[exchanges.acme]\nenabled = "yes"\n'))).toBe('config.toml: exchanges.acme.enabled: expected true or false, got "yes"');
    expect(err(parse('cache = 5\n'))).toContain('config.toml: cache: expected a table ([cache]), got 5');
  });

  it('rejects a proxy URL with an unsupported scheme, masking its password', () => {
    const e = err(parse('[proxy]\nurl = "ftp://user:secret@host:21"\n'));
    expect(e).toContain('config.toml: proxy.url: expected an http://, https://, socks5:// or socks5h:// URL');
    expect(e).not.toContain('secret');
  });

  it('reports every problem of a file, one per line', () => {
    const e = err(parse('[cache]\nmax_bars = 0\n[log]\nlevel = 3\n'));
    expect(e.split('\n')).toHaveLength(2);
  });

  it('checks constraints between keys', () => {
    expect(err(parse('[feed]\nbackoff_base_ms = 60000\n'))).toBe(
      'config.toml: feed.backoff_base_ms: expected at most feed.backoff_cap_ms (30000, built-in default), got 60000',
    );
    expect(err(parse('[feed]\nidle_probe_ms = 30000\n'))).toBe(
      'config.toml: feed.idle_probe_ms: expected less than feed.stale_after_ms (30000, built-in default), got 30000',
    );
    const both = parseConfig({ exchanges: EXCHANGES, file: { path: FILE, text: '[feed]\nstale_after_ms = 100\n' }, env: {}, overrides: { feed: { idle_probe_ms: 500 } } });
    expect(err(both)).toBe('overrides: feed.idle_probe_ms: expected less than feed.stale_after_ms (100, config.toml), got 500');
  });

  it('derives the defaults of dependent keys from the key the user set', () => {
    const c = ok(parse('[feed]\nstale_after_ms = 300\nbackoff_cap_ms = 100\n'));
    expect(c.feed.idleProbeMs).toBe(150);
    expect(c.feed.backoffBaseMs).toBe(100);
    expect(c.origins['feed.idle_probe_ms']).toBeUndefined();
  });
});

describe('loadConfig (file on disk)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'candlewire-config-'));

  it('reads --config, or CANDLEWIRE_CONFIG when no --config is given', () => {
    const a = join(dir, 'a.toml');
    const b = join(dir, 'b.toml');
    writeFileSync(a, '[cache]\nmax_bars = 11\n');
    writeFileSync(b, '\uFEFF[cache]\nmax_bars = 22\n');
    expect(ok(loadConfig({ exchanges: EXCHANGES, file: a, env: { CANDLEWIRE_CONFIG: b } })).cache.maxBars).toBe(11);
    const viaEnv = ok(loadConfig({ exchanges: EXCHANGES, env: { CANDLEWIRE_CONFIG: b } }));
    expect(viaEnv.cache.maxBars).toBe(22);
    expect(viaEnv.file).toBe(b);
    expect(ok(loadConfig({ exchanges: EXCHANGES, env: {} })).file).toBeUndefined();
  });

  it('names a missing file and who named it', () => {
    const missing = join(dir, 'missing.toml');
    expect(err(loadConfig({ exchanges: EXCHANGES, file: missing, env: {} }))).toBe(`${missing}: cannot read the config file: no such file`);
    expect(err(loadConfig({ exchanges: EXCHANGES, env: { CANDLEWIRE_CONFIG: missing } }))).toContain('(named by CANDLEWIRE_CONFIG)');
  });
});

describe('environment', () => {
  it('prefers CANDLEWIRE_PROXY over HTTPS_PROXY over ALL_PROXY (env passed in, process.env untouched)', () => {
    const all = { ALL_PROXY: 'socks5://all:1080' };
    const https = { ...all, HTTPS_PROXY: 'http://https:3128' };
    const own = { ...https, CANDLEWIRE_PROXY: 'socks5h://own:1080' };
    expect(ok(parse(undefined, { env: all })).proxy.url).toBe('socks5://all:1080');
    expect(ok(parse(undefined, { env: https })).proxy.url).toBe('http://https:3128');
    const c = ok(parse(undefined, { env: own }));
    expect(c.proxy.url).toBe('socks5h://own:1080');
    expect(c.origins['proxy.url']).toBe('CANDLEWIRE_PROXY');
    expect(ok(parse(undefined, { env: { https_proxy: 'http://lower:1', all_proxy: 'http://all:2' } })).proxy.url).toBe('http://lower:1');
  });

  it('treats the standard proxy variables as a fallback below the file, CANDLEWIRE_* above it', () => {
    const file = '[proxy]\nurl = "http://file:3128"\n';
    expect(ok(parse(file, { env: { HTTPS_PROXY: 'http://https:3128' } })).proxy.url).toBe('http://file:3128');
    expect(ok(parse(file, { env: { CANDLEWIRE_PROXY: 'http://own:1' } })).proxy.url).toBe('http://own:1');
    // An explicitly empty CANDLEWIRE_PROXY forces direct connections despite HTTPS_PROXY.
    expect(ok(parse(undefined, { env: { CANDLEWIRE_PROXY: '', HTTPS_PROXY: 'http://https:3128' } })).proxy.url).toBeUndefined();
    // The usual scheme-less form of HTTPS_PROXY means http://.
    expect(ok(parse(undefined, { env: { HTTPS_PROXY: 'corp-proxy:8080' } })).proxy.url).toBe('http://corp-proxy:8080');
  });

  it('reads NO_PROXY and CANDLEWIRE_LOG_LEVEL', () => {
    const c = ok(parse(undefined, { env: { NO_PROXY: 'localhost, .corp,127.0.0.1', CANDLEWIRE_LOG_LEVEL: 'debug' } }));
    expect(c.proxy.noProxy).toEqual(['localhost', '.corp', '127.0.0.1']);
    expect(c.log.level).toBe('debug');
    expect(c.origins['log.level']).toBe('CANDLEWIRE_LOG_LEVEL');
  });

  it('maps every key to a CANDLEWIRE_<PATH> variable that beats the file', () => {
    const c = ok(
      parse('[cache]\nmax_bars = 5\n', {
        env: {
          CANDLEWIRE_CACHE_MAX_BARS: '7',
          CANDLEWIRE_EXCHANGES_ACME_SPOT_WS_URL: 'ws://127.0.0.1:9',
          CANDLEWIRE_EXCHANGES_SPOTONLY_ENABLED: 'false',
        },
      }),
    );
    expect(c.cache.maxBars).toBe(7);
    expect(c.exchanges.acme.markets.spot?.ws).toBe('ws://127.0.0.1:9');
    expect(c.exchanges.spotonly.enabled).toBe(false);
  });

  it('names the variable of a bad environment value', () => {
    expect(err(parse(undefined, { env: { CANDLEWIRE_CACHE_MAX_BARS: 'lots' } }))).toBe(
      'environment variable CANDLEWIRE_CACHE_MAX_BARS (cache.max_bars): expected an integer from 1 to 100000, got "lots"',
    );
    expect(err(parse(undefined, { env: { HTTPS_PROXY: 'ftp://x' } }))).toContain('environment variable HTTPS_PROXY (proxy.url): expected');
  });

  it('warns about CANDLEWIRE_* variables that are not settings', () => {
    const r = parse(undefined, { env: { CANDLEWIRE_CACHE_MAXBARS: '7' } });
    expect(r.ok && r.warnings).toEqual([
      'environment variable CANDLEWIRE_CACHE_MAXBARS is not a Candlewire setting and is ignored (did you mean CANDLEWIRE_CACHE_MAX_BARS?)',
    ]);
  });
});

describe('overrides', () => {
  it('win over file and environment', () => {
    const c = ok(
      parse('[cache]\nmax_bars = 5\n', {
        env: { CANDLEWIRE_CACHE_MAX_BARS: '7', CANDLEWIRE_PROXY: 'http://env:1' },
        overrides: { cache: { max_bars: 9 }, proxy: { url: 'http://rpc:2' }, exchanges: { acme: { perpetual_ws_url: '' } } },
      }),
    );
    expect(c.cache.maxBars).toBe(9);
    expect(c.proxy.url).toBe('http://rpc:2');
    expect(c.exchanges.acme.markets.perp?.enabled).toBe(false);
    expect(c.origins['cache.max_bars']).toBe('overrides');
  });

  it('are validated like a file and named by their source', () => {
    const r = parseConfig({
      exchanges: EXCHANGES,
      env: {},
      overrides: { cache: { max_bars: -1 } },
      overridesSource: 'VS Code setting candlewire.config',
    });
    expect(err(r)).toBe('VS Code setting candlewire.config: cache.max_bars: expected an integer from 1 to 100000, got -1');
  });
});

describe('example and description', () => {
  it('the example TOML parses and resolves to exactly the defaults', () => {
    const text = exampleConfigToml(EXCHANGES);
    expect(() => parseToml(text)).not.toThrow();
    expect(text).toContain('[exchanges.acme]');
    const fromExample = ok(parse(text));
    const fromNothing = ok(parse(undefined));
    expect({ ...fromExample, file: undefined, origins: {} }).toEqual(fromNothing);
  });

  it('describeConfig summarises markets, values and origins without leaking a proxy password', () => {
    const c = ok(
      parse('[exchanges.acme]\nperpetual_ws_url = ""\n', { env: { HTTPS_PROXY: 'http://me:hunter2@proxy:3128' } }),
    );
    const text = describeConfig(c);
    expect(text).toContain('config file: config.toml');
    expect(text).toContain('exchange acme spot (spot): wss://stream.acme.test:9443  https://api.acme.test');
    expect(text).toContain('exchange acme perp (perpetual): disabled (perpetual_ws_url empty)');
    expect(text).toContain('proxy: http://me:***@proxy:3128');
    expect(text).toContain('proxy.url (HTTPS_PROXY)');
    expect(text).not.toContain('hunter2');
  });
});

describe('robustness', () => {
  const tomlish = fc.array(
    fc.oneof(
      fc.constantFrom(
        '[exchanges.acme]',
        '[exchanges.nosuch]',
        '[cache]',
        '[feed]',
        '[proxy]',
        '[log]',
        '[[exchanges]]',
        'max_bars = 10',
        'max_bars = 99999999999999999999',
        'spot_ws_url = "wss://a.test"',
        'spot_ws_url = ""',
        'enabled = false',
        'url = "socks5://u:p@h:1"',
        'no_proxy = ["a", 1]',
        'level = "debug"',
        '__proto__ = 1',
        'constructor = { a = 1 }',
        'x = 1979-05-27T07:32:00Z',
        'a.b.c = inf',
        '"' + '\u0000',
        '=',
      ),
      fc.string(),
    ),
    { maxLength: 12 },
  );

  it('never throws on TOML-ish input: always an ok/error value', () => {
    fc.assert(
      fc.property(tomlish, (lines) => {
        const r = parse(lines.join('\n'));
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) {
          expect(r.error.length).toBeGreaterThan(0);
          expect(r.error).not.toContain('internal error');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary override values', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const r = parseConfig({ exchanges: EXCHANGES, env: {}, overrides: value as object });
        if (!r.ok) expect(r.error).not.toContain('internal error');
      }),
      { numRuns: 300 },
    );
  });
});

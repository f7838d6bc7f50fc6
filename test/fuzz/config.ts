/**
 * Fuzz targets for the configuration loader (`parseConfig`): it never throws, and when it refuses
 * it says where — the file (with line and column for a TOML syntax error), and for a bad value
 * the key path, or the environment variable that set it.
 *
 * - `config.toml`: the example config file, cut up line by line and character by character.
 * - `config.values`: one key (known, or an unknown one in a known section) set to a hostile value,
 *   in the file or in its CANDLEWIRE_* variable. Accepted → recorded as coming from there;
 *   refused → the message names the file and that key (or the variable).
 */
import fc from 'fast-check';
import { stringify as toToml } from 'smol-toml';
import { envName, exampleConfigToml, parseConfig, type ConfigResult, type ExchangeDefaults } from '../../sidecar/config';
import { SECTION_DEFAULTS, urlKeys } from '../../sidecar/config/schema';
import { exchanges } from '../../sidecar/exchanges/registry';
import type { Market } from '../../sidecar/market/model';
import type { FuzzTarget } from './target';

const FILE = 'fuzz/config.toml';
const EXCHANGES: ExchangeDefaults[] = exchanges.map((e) => ({ id: e.id, defaults: e.defaults }));

function fail(message: string): never {
  throw new Error(message);
}

function parse(text: string | undefined, env: Record<string, string> = {}): ConfigResult {
  try {
    return parseConfig({ exchanges: EXCHANGES, file: text === undefined ? undefined : { path: FILE, text }, env });
  } catch (error) {
    fail(`parseConfig threw ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Every problem line of a refusal names the file (a TOML syntax error: with line and column). */
function checkNamesFile(error: string): void {
  if (error.includes('internal error')) fail(`internal error: ${error.slice(0, 300)}`);
  const lines = error.split('\n');
  if (new RegExp(`^${escape(FILE)}:\\d+:\\d+: invalid TOML: `).test(lines[0])) return; // the rest is the excerpt
  for (const line of lines) {
    if (/^… and \d+ more problem\(s\)$/.test(line)) continue;
    if (!line.startsWith(`${FILE}: `)) fail(`a problem line does not name the file: ${JSON.stringify(line.slice(0, 200))}`);
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

type LineEdit = { at: number; op: 'delete' | 'duplicate' | 'replace' | 'insert' | 'chars'; text: string; char: number };

const fragments = fc.oneof(
  fc.constantFrom(
    '[cache]',
    '[feed]',
    '[[feed]]',
    '[exchanges]',
    '[exchanges.nosuch]',
    '[proxy]',
    'max_bars = ',
    'max_bars = 1e3',
    'max_bars = "10"',
    'url = "socks5://u:p@h:1"',
    'no_proxy = [1, "a"]',
    'level = "loud"',
    '__proto__ = 1',
    'constructor = { a = 1 }',
    'x = 1979-05-27T07:32:00Z',
    'a.b.c = inf',
    '"\u0000" = 1',
    '=',
    'enabled = yes',
    'spot_ws_url = "http://x"',
    "key = '''",
    '[cache.max_bars]',
  ),
  fc.string({ maxLength: 40 }),
);

const lineEdits = fc.array(
  fc.record({ at: fc.nat(), op: fc.constantFrom<LineEdit['op']>('delete', 'duplicate', 'replace', 'insert', 'chars'), text: fragments, char: fc.nat() }),
  { minLength: 1, maxLength: 6 },
);

function editLines(base: string[], edits: LineEdit[]): string {
  const lines = [...base];
  for (const e of edits) {
    const i = lines.length === 0 ? 0 : e.at % lines.length;
    switch (e.op) {
      case 'delete':
        lines.splice(i, 1);
        break;
      case 'duplicate':
        lines.splice(i, 0, lines[i] ?? '');
        break;
      case 'replace':
        lines[i] = e.text;
        break;
      case 'insert':
        lines.splice(i, 0, e.text);
        break;
      case 'chars': {
        const line = lines[i] ?? '';
        const at = e.char % (line.length + 1);
        lines[i] = line.slice(0, at) + e.text.slice(0, 3) + line.slice(at + 1);
        break;
      }
    }
  }
  return lines.join('\n');
}

/** Leaf key paths of the whole file: every section key, and every exchange's keys. */
function knownKeys(): string[][] {
  const keys: string[][] = [];
  for (const [section, values] of Object.entries(SECTION_DEFAULTS)) for (const key of Object.keys(values)) keys.push([section, key]);
  for (const ex of EXCHANGES) {
    keys.push(['exchanges', ex.id, 'enabled']);
    for (const market of ['spot', 'perp'] as Market[]) {
      if (!ex.defaults[market]) continue;
      const k = urlKeys(market);
      keys.push(['exchanges', ex.id, k.ws], ['exchanges', ex.id, k.rest]);
    }
  }
  return keys;
}

/** Values no key should take silently, and some it may. */
const tomlValue = fc.oneof(
  fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
  fc.constantFrom(0, -1, 1, 1.5, 1e20, -0, Number.POSITIVE_INFINITY, Number.NaN, 100_001, 2 ** 53),
  fc.double(),
  fc.boolean(),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('', ' ', 'wss://a.test', 'ws://', 'http://a.test', 'https://a.test', ' wss://a.test', 'ftp://a.test', 'socks5h://u:p@h:1', 'socks4://h:1', 'debug', 'LOUD', '127.0.0.1', '1000'),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.integer(), { maxKeys: 2 }),
);

const envValue = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', ' ', '-1', '1.5', '1e3', 'true', 'no', '99999999999999999999', 'wss://a.test', 'http://x', 'a,b c', 'socks5://u:p@h:1'));

interface ValueCase {
  path: string[];
  unknown: boolean;
  inEnv: boolean;
  value: unknown;
  envText: string;
}

function nest(path: readonly string[], value: unknown): Record<string, unknown> {
  let node: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) node = { [path[i]]: node };
  return node as Record<string, unknown>;
}

/** The config targets. */
export function configTargets(): FuzzTarget<unknown>[] {
  const exampleLines = exampleConfigToml(EXCHANGES).split('\n');
  const keys = knownKeys();
  const toml: FuzzTarget<string> = {
    name: 'config.toml',
    prepare: () => fc.oneof({ arbitrary: lineEdits.map((edits) => editLines(exampleLines, edits)), weight: 3 }, { arbitrary: fc.array(fragments, { maxLength: 10 }).map((l) => l.join('\n')), weight: 1 }),
    check(text) {
      const r = parse(text);
      if (!r.ok) checkNamesFile(r.error);
    },
  };
  const values: FuzzTarget<ValueCase> = {
    name: 'config.values',
    prepare: () =>
      fc
        .record({ pick: fc.nat(), unknown: fc.boolean(), name: fc.stringMatching(/^[a-z][a-z_]{0,12}$/), inEnv: fc.boolean(), value: tomlValue, envText: envValue })
        .map(({ pick, unknown, name, inEnv, value, envText }) => {
          const known = keys[pick % keys.length];
          const path = unknown ? [...known.slice(0, -1), name] : known;
          // An unknown key lives in a file; a variable for it is a typo warning, not a setting.
          return { path, unknown: unknown && !keys.some((k) => k.join('.') === path.join('.')), inEnv: inEnv && !unknown, value, envText };
        }),
    check(c) {
      const dotted = c.path.join('.');
      if (c.inEnv) {
        const variable = envName(c.path);
        const r = parse(undefined, { [variable]: c.envText });
        if (r.ok) {
          if (r.config.origins[dotted] !== variable) fail(`accepted, but ${dotted} is not recorded as set by ${variable}`);
        } else {
          if (!r.error.includes(`environment variable ${variable} (${dotted})`)) fail(`the refusal does not name ${variable} (${dotted}): ${r.error.slice(0, 300)}`);
          if (r.error.includes('internal error')) fail(`internal error: ${r.error.slice(0, 300)}`);
        }
        return;
      }
      let text: string;
      try {
        text = toToml(nest(c.path, c.value));
      } catch {
        return; // a value TOML cannot write (smol-toml refuses it): nothing to load
      }
      const r = parse(text);
      if (r.ok) {
        if (c.unknown) fail(`unknown key ${dotted} accepted`);
        if (r.config.origins[dotted] !== FILE) fail(`accepted, but ${dotted} is not recorded as set by ${FILE}`);
        return;
      }
      checkNamesFile(r.error);
      const named = c.unknown ? `${FILE}: ${dotted}: unknown key` : `${FILE}: ${dotted}`;
      if (!r.error.includes(named)) fail(`the refusal does not name ${JSON.stringify(named)}: ${r.error.slice(0, 300)}`);
    },
  };
  return [toml as FuzzTarget<unknown>, values as FuzzTarget<unknown>];
}

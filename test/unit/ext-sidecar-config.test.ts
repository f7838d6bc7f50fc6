import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { effectiveProxy, needsRestart, sidecarArgs, toConfigDocument, toToml, type SidecarSettings } from '../../extension/sidecar-config';
import { SIDECAR } from '../support/sidecar-process';

const defaults: SidecarSettings = {
  exchanges: {},
  proxy: '',
  httpProxy: '',
  httpNoProxy: [],
  httpProxySupport: 'override',
  cacheMaxBars: 1000,
  logLevel: 'info',
};
const blank = { enabled: true, spotWsUrl: '', spotRestUrl: '', perpetualWsUrl: '', perpetualRestUrl: '' };

const dir = mkdtempSync(join(tmpdir(), 'candlewire-ext-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real sidecar's view of a generated file (`--print-config`), or its error. */
function printConfig(toml: string): { ok: boolean; out: string } {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, toml);
  try {
    // The environment is a later layer than the file: keep the caller's CANDLEWIRE_* out of it.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^CANDLEWIRE_|_PROXY$/i.test(k)));
    const out = execFileSync(process.execPath, [SIDECAR, '--config', file, '--print-config'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
    return { ok: true, out };
  } catch (err) {
    return { ok: false, out: String((err as { stderr?: string }).stderr ?? err) };
  }
}

/** An exchange id this sidecar really has (read from its own config dump, not named here). */
function someExchange(): string {
  const m = /^exchange ([a-z0-9]+) spot /m.exec(printConfig('').out);
  if (!m) throw new Error('no exchange section in --print-config');
  return m[1];
}

describe('settings → sidecar config', () => {
  it('writes nothing for default settings, so the sidecar keeps its own defaults', () => {
    const { document, warnings } = toConfigDocument({ ...defaults, exchanges: { a: { ...blank } } });
    expect(document).toEqual({});
    expect(warnings).toEqual([]);
    expect(printConfig(toToml(document)).ok).toBe(true);
  });

  it('maps camelCase settings onto the seed layout and the real sidecar accepts them', () => {
    const id = someExchange();
    const { document } = toConfigDocument({
      ...defaults,
      exchanges: { [id]: { ...blank, spotWsUrl: 'ws://127.0.0.1:1234', perpetualRestUrl: 'http://127.0.0.1:5678' } },
      cacheMaxBars: 250,
      logLevel: 'debug',
      proxy: 'socks5h://127.0.0.1:1080',
      httpNoProxy: ['localhost'],
    });
    expect(document).toEqual({
      exchanges: { [id]: { spot_ws_url: 'ws://127.0.0.1:1234', perpetual_rest_url: 'http://127.0.0.1:5678' } },
      cache: { max_bars: 250 },
      proxy: { url: 'socks5h://127.0.0.1:1080', no_proxy: ['localhost'] },
      log: { level: 'debug' },
    });
    const r = printConfig(toToml(document));
    expect(r.ok, r.out).toBe(true);
    expect(r.out).toContain(`exchange ${id} spot (spot): ws://127.0.0.1:1234`);
    expect(r.out).toContain('max_bars=250');
    expect(r.out).toContain('proxy: socks5h://127.0.0.1:1080 no_proxy=localhost');
  });

  it('turns an exchange off', () => {
    const id = someExchange();
    const { document } = toConfigDocument({ ...defaults, exchanges: { [id]: { ...blank, enabled: false } } });
    expect(document.exchanges?.[id]).toEqual({ enabled: false });
    const r = printConfig(toToml(document));
    expect(r.ok, r.out).toBe(true);
    expect(r.out).toContain(`exchange ${id} spot (spot): disabled (exchange disabled)`);
  });

  it('drops settings for exchanges the sidecar does not have (it would refuse the file)', () => {
    const id = someExchange();
    const settings = { ...defaults, exchanges: { [id]: { ...blank, enabled: false }, ghost: { ...blank, enabled: false } } };
    expect(printConfig(toToml(toConfigDocument(settings).document)).out).toContain('ghost');
    const { document, warnings } = toConfigDocument(settings, [id]);
    expect(Object.keys(document.exchanges!)).toEqual([id]);
    expect(warnings[0]).toContain('candlewire.exchanges.ghost: this sidecar has no exchange "ghost"');
  });

  it('lets the sidecar report a bad URL with the key and the value', () => {
    const id = someExchange();
    const r = printConfig(toToml(toConfigDocument({ ...defaults, exchanges: { [id]: { ...blank, spotWsUrl: 'http://x' } } }).document));
    expect(r.ok).toBe(false);
    expect(r.out).toContain(`exchanges.${id}.spot_ws_url`);
    expect(r.out).toContain('"http://x"');
  });

  it("uses VS Code's http.proxy unless candlewire.proxy is set or proxy support is off", () => {
    expect(effectiveProxy({ proxy: '', httpProxy: 'proxy.corp:3128', httpProxySupport: 'override' })).toBe('http://proxy.corp:3128');
    expect(effectiveProxy({ proxy: 'socks5://p:1', httpProxy: 'http://other:1', httpProxySupport: 'override' })).toBe('socks5://p:1');
    expect(effectiveProxy({ proxy: '', httpProxy: 'http://other:1', httpProxySupport: 'off' })).toBeUndefined();
    expect(effectiveProxy({ proxy: '', httpProxy: '', httpProxySupport: 'override' })).toBeUndefined();
  });

  it('restarts for process-shaping settings only', () => {
    const changed = (...sections: string[]) => needsRestart((s) => sections.some((x) => x === s || x.startsWith(`${s}.`)));
    expect(changed('candlewire.exchanges.acme.enabled')).toBe(true);
    expect(changed('http.proxy')).toBe(true);
    expect(changed('candlewire.statusBar.visible')).toBe(false);
    expect(changed('candlewire.defaultInterval')).toBe(false);
    expect(changed('candlewire.chart.redUp')).toBe(false);
  });

  it('builds the command line with the parent pid, the config and (optionally) the shared socket', () => {
    expect(sidecarArgs({ sidecarPath: '/x/sidecar.js', configPath: '/c.toml', parentPid: 7, socket: false })).toEqual(['/x/sidecar.js', '--parent-pid', '7', '--config', '/c.toml']);
    expect(sidecarArgs({ sidecarPath: 's', configPath: 'c', parentPid: 1, socket: true }).at(-1)).toBe('--socket');
  });
});

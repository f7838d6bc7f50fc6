/**
 * The extension's manifest and translations: every user-facing string has its Simplified Chinese
 * form, every manifest placeholder resolves, and the manifest keeps the promises the README makes.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exchanges } from '../../sidecar/exchanges/registry';

const root = resolve(__dirname, '../..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');
const pkg = JSON.parse(read('package.json'));
const nls = JSON.parse(read('package.nls.json')) as Record<string, string>;
const nlsZh = JSON.parse(read('package.nls.zh-cn.json')) as Record<string, string>;
const bundleZh = JSON.parse(read('l10n/bundle.l10n.zh-cn.json')) as Record<string, string>;

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) return sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** String literals passed to `t(…)` / `l10n.t(…)` — the messages of vscode.l10n. */
function messages(): Map<string, string> {
  const found = new Map<string, string>();
  const re = /\b(?:l10n\.)?t\(\s*(['"])((?:\\.|(?!\1).)*)\1/g;
  for (const file of sources('extension')) {
    for (const m of read(file).matchAll(re)) found.set(m[2].replace(/\\(['"\\])/g, '$1'), file);
  }
  return found;
}

const placeholders = (s: string) => [...s.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort();

describe('l10n', () => {
  const used = messages();

  it('finds the messages (the scan works)', () => {
    expect(used.size).toBeGreaterThan(50);
    expect(used.has('The Candlewire sidecar is not running.')).toBe(true);
  });

  it('translates every message to Simplified Chinese, with the same placeholders', () => {
    const missing = [...used.keys()].filter((m) => !(m in bundleZh));
    expect(missing).toEqual([]);
    for (const [en, zh] of Object.entries(bundleZh)) {
      expect(zh.trim(), en).not.toBe('');
      expect(placeholders(zh), en).toEqual(placeholders(en));
    }
  });

  it('has no stale translations', () => {
    expect(Object.keys(bundleZh).filter((k) => !used.has(k))).toEqual([]);
  });

  it('resolves every %key% of the manifest in both languages', () => {
    const keys = new Set([...JSON.stringify(pkg).matchAll(/"%([\w.]+)%"/g)].map((m) => m[1]));
    expect([...keys].filter((k) => !(k in nls))).toEqual([]);
    expect(Object.keys(nlsZh).sort()).toEqual(Object.keys(nls).sort());
    expect(Object.keys(nls).filter((k) => !keys.has(k))).toEqual([]);
    expect(pkg.l10n).toBe('./l10n');
  });
});

describe('manifest', () => {
  it('accepts VS Code 1.139 and starts from dist/extension.js', () => {
    const m = /^\^1\.(\d+)\.\d+$/.exec(pkg.engines.vscode);
    expect(m, pkg.engines.vscode).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(139);
    expect(pkg.main).toBe('dist/extension.js');
  });

  it('activates without onCommand/onView events and keeps the chart serializer event', () => {
    const events: string[] = pkg.activationEvents;
    expect(events.filter((e) => e.startsWith('onCommand:') || e.startsWith('onView:'))).toEqual([]);
    expect(events).toContain('onWebviewPanel:candlewire.chart');
  });

  it('registers exactly the commands it contributes, all in the Candlewire category', () => {
    const contributed = (pkg.contributes.commands as Array<{ command: string; category: string }>).map((c) => c.command).sort();
    const main = read('extension/main.ts');
    const table = main.slice(main.indexOf('const table'), main.indexOf('};', main.indexOf('const table')));
    const registered = [...table.matchAll(/^\s+(\w+):/gm)].map((m) => `candlewire.${m[1]}`).sort();
    expect(registered).toEqual(contributed);
    expect(new Set(pkg.contributes.commands.map((c: { category: string }) => nls[c.category.slice(1, -1)]))).toEqual(new Set(['Candlewire']));
  });

  it('has enabled + URL settings for every exchange the sidecar has', () => {
    const props = pkg.contributes.configuration.properties as Record<string, { default: unknown }>;
    for (const ex of exchanges) {
      expect(props[`candlewire.exchanges.${ex.id}.enabled`]?.default, ex.id).toBe(true);
      for (const key of ['spotWsUrl', 'spotRestUrl', 'perpetualWsUrl', 'perpetualRestUrl']) expect(props[`candlewire.exchanges.${ex.id}.${key}`]?.default, `${ex.id}.${key}`).toBe('');
    }
    expect(props['candlewire.chart.redUp'].default).toBe(false);
  });

  it('restricts the Node path and redirecting settings in untrusted workspaces', () => {
    const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    expect(restricted).toContain('candlewire.nodePath');
    expect(restricted).toContain('candlewire.proxy');
  });

  it('packages from a whitelist', () => {
    const lines = read('.vscodeignore').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(lines[0]).toBe('**');
    expect(lines).toContain('!dist/**/*.js');
    // A re-inclusion must never match a source map (vsce applies every "!" after every exclusion).
    expect(lines.filter((l) => l.startsWith('!dist/') && /\*\*$|\.map$/.test(l))).toEqual([]);
    expect(pkg.icon).toBe('images/icon.png');
    expect(lines).toContain(`!${pkg.icon}`);
  });
});

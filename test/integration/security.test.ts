/**
 * Claims of docs/SECURITY.md that no other test covers: every TCP listener (the fake exchanges of
 * the tests and of --demo, the WebSocket transport) is reachable on loopback only; the sidecar
 * needs no credentials and never writes the WebSocket token or a proxy password to its logs or
 * its --print-config; the chart webview's Content-Security-Policy allows nothing but its own
 * bundle.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { chartCsp, chartHtml, makeNonce } from '../../extension/chart/html';
import { exampleConfigToml } from '../../sidecar/config';
import { SECTION_DEFAULTS } from '../../sidecar/config/schema';
import { ensureRuntimeDir } from '../../sidecar/rpc/transports/runtime-dir';
import { exchanges } from '../../sidecar/exchanges/registry';
import { FAKE_PROTOCOLS, startFakeExchanges, type FakeExchanges } from '../../sidecar/fake';
import { SharedSidecars } from '../support/rpc-socket-client';
import { SIDECAR } from '../support/sidecar-process';

const posix = process.platform !== 'win32';

/** This machine's first non-loopback IPv4 address, if it has one. */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Reachable on 127.0.0.1, and not on this machine's other address (when it has one). */
async function expectLoopbackOnly(port: number, what: string): Promise<void> {
  expect(await reachable('127.0.0.1', port), `${what} on 127.0.0.1`).toBe(true);
  const external = externalAddress();
  if (external) expect(await reachable(external, port), `${what} on ${external}`).toBe(false);
}

describe('listeners are on loopback only', () => {
  let fakes: FakeExchanges | undefined;
  const box = new SharedSidecars(() => '');
  afterEach(() => box.cleanup());
  afterAll(async () => {
    await fakes?.close();
  });

  it('the fake exchanges of the tests: every server, REST and WebSocket', async () => {
    fakes = await startFakeExchanges({ exchanges: exchanges.filter((e) => FAKE_PROTOCOLS[e.id]).map((e) => ({ protocol: e.id })) });
    expect(fakes.servers.length).toBeGreaterThan(0);
    for (const s of fakes.servers) {
      expect(new URL(s.urls.ws).hostname, s.urls.ws).toBe('127.0.0.1');
      expect(new URL(s.urls.rest).hostname, s.urls.rest).toBe('127.0.0.1');
      await expectLoopbackOnly(s.port, `${s.exchange} ${s.market} fake`);
    }
  });

  it('the fake exchanges of --demo', async () => {
    const child = spawn(process.execPath, [SIDECAR, '--demo'], { stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stderr }).on('line', (l) => l.includes('demo: fake exchanges listening') && resolve(l));
        child.once('exit', (code) => reject(new Error(`the demo exited with ${code}`)));
      });
      expect(line).toContain('listening on 127.0.0.1');
      const ports = [...line.matchAll(/ :(\d+)/g)].map((m) => Number(m[1]));
      expect(ports.length).toBeGreaterThan(0);
      for (const port of ports) await expectLoopbackOnly(port, `demo fake :${port}`);
    } finally {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r));
    }
  });

  it.skipIf(!posix)('the WebSocket transport (--ws), whose URL in the connection file is 127.0.0.1', async () => {
    const { file } = await box.start(box.runtimeDir(), { args: ['--ws'] });
    const url = new URL(file.ws!.url);
    expect(url.hostname).toBe('127.0.0.1');
    await expectLoopbackOnly(Number(url.port), 'WebSocket transport');
  });
});

describe.skipIf(!posix)('the runtime directory (socket + connection file) cannot be planted by another user', () => {
  it('a symbolic link in the shared temp dir is refused, not followed', () => {
    const base = mkdtempSync(join(tmpdir(), 'cw-plant-'));
    const target = join(base, 'elsewhere');
    mkdirSync(target, { mode: 0o700 });
    const link = join(base, 'candlewire-1000');
    symlinkSync(target, link);
    expect(ensureRuntimeDir({ dir: link, source: 'tmpdir' })?.message).toContain('is a symbolic link');
  });

  it.skipIf(process.getuid?.() !== 0)("a directory owned by another user is refused (needs root to set up)", () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'cw-plant-')), 'rt');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
    expect(ensureRuntimeDir({ dir, source: 'tmpdir' })?.message).toMatch(/belongs to uid 65534, not to this user/);
  });
});

describe('no secrets needed, none written out', () => {
  const box = new SharedSidecars(() => '');
  afterEach(() => box.cleanup());

  it('the configuration has no credential settings: public market data only (a proxy URL may carry a password)', () => {
    const keys = [...Object.entries(SECTION_DEFAULTS).flatMap(([section, values]) => Object.keys(values).map((k) => `${section}.${k}`))];
    const example = exampleConfigToml(exchanges.map((e) => ({ id: e.id, defaults: e.defaults })));
    const exampleKeys = [...example.matchAll(/^#?\s*([a-z_]+)\s*=/gm)].map((m) => m[1]);
    for (const key of [...keys, ...exampleKeys]) expect(key).not.toMatch(/key|secret|token|passw|auth|cred|sign/i);
  });

  it.skipIf(!posix)('the WebSocket token is in the 0600 connection file only, never in the logs (debug level)', async () => {
    const { sc, file } = await box.start(box.runtimeDir(), { args: ['--ws', '--log-level', 'debug'] });
    const { url, token } = file.ws!;
    const wrong = `${token.slice(0, -4)}beef`;
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(`${url}/?token=${wrong}`);
      ws.on('error', () => resolve());
      ws.on('unexpected-response', () => resolve());
    });
    const client = await box.ws(url, token);
    expect(await client.call('ping')).toHaveProperty('time');
    await sc.waitFor('the refusal logged', () => sc.stderr.some((l) => l.includes('refused a WebSocket client')));
    const logs = sc.stderr.join('\n');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(wrong);
  });

  it('--print-config and the logs mask a proxy password', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-secret-'));
    const file = join(dir, 'config.toml');
    writeFileSync(file, '[proxy]\nurl = "socks5h://bob:Very-S3cret@127.0.0.1:1"\n');
    const printed = spawnSync(process.execPath, [SIDECAR, '--config', file, '--print-config'], { encoding: 'utf8' });
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toContain('proxy: socks5h://bob:***@127.0.0.1:1');
    const served = spawnSync(process.execPath, [SIDECAR, '--config', file, '--log-level', 'debug'], { encoding: 'utf8', input: '{"jsonrpc":"2.0","id":1,"method":"status.get"}\n' });
    expect(served.stderr).toContain('connections go through proxy socks5h://bob:***@127.0.0.1:1');
    expect(printed.stdout + printed.stderr + served.stdout + served.stderr).not.toContain('Very-S3cret');
  });
});

describe('the VS Code side: webview CSP and workspace trust', () => {
  const nonce = makeNonce();
  const csp = chartCsp('vscode-webview://abc', nonce);
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));

  it("denies everything by default; scripts only by this page's nonce; no inline code, no eval, no network", () => {
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual([`'nonce-${nonce}'`]);
    expect(directives.has('connect-src')).toBe(false); // falls back to 'none': the page cannot open connections
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|wasm-unsafe|\*|https?:|data:.*script/);
    for (const name of ['style-src', 'font-src']) expect(directives.get(name)).toEqual(['vscode-webview://abc']);
    expect(directives.get('img-src')).toEqual(['vscode-webview://abc', 'data:']);
  });

  it('the page carries that policy and loads exactly one script, the bundle, with the nonce', () => {
    const html = chartHtml({ cspSource: 'vscode-webview://abc', scriptUri: 'vscode-webview://abc/dist/webview.js', styleUri: 'vscode-webview://abc/dist/webview.css', nonce });
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${csp}">`);
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts).toEqual([`<script nonce="${nonce}" src="vscode-webview://abc/dist/webview.js">`]);
    expect(html).not.toMatch(/\son\w+=|style=/); // no inline handlers or styles
  });

  it('an untrusted workspace cannot choose the Node executable or redirect traffic: every such setting is restricted', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, unknown> } };
      capabilities: { untrustedWorkspaces: { supported: string | boolean; restrictedConfigurations: string[] } };
    };
    const redirecting = Object.keys(manifest.contributes.configuration.properties).filter((k) => /Url$|proxy|nodePath/i.test(k));
    expect(redirecting.length).toBeGreaterThan(2);
    expect(manifest.capabilities.untrustedWorkspaces.supported).toBe('limited');
    expect([...manifest.capabilities.untrustedWorkspaces.restrictedConfigurations].sort()).toEqual(expect.arrayContaining(redirecting.sort()));
  });

  it('nonces are 128 random bits, fresh each time', () => {
    const nonces = new Set(Array.from({ length: 200 }, () => makeNonce()));
    expect(nonces.size).toBe(200);
    for (const n of nonces) expect(Buffer.from(n, 'base64')).toHaveLength(16);
  });
});

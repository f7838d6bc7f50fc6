/**
 * The BUILT sidecar through a REAL SOCKS5 proxy with user/password authentication (microsocks on
 * 127.0.0.1) set in the config file: REST and WebSocket both tunnel through it, as its log of
 * connects proves. Wrong credentials give errors naming the proxy and the user; the password
 * never appears in the logs (debug level), the notifications, the RPC errors or --print-config.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIDECAR, SidecarProcess } from '../support/sidecar-process';
import { expectAllThroughProxy, FAST, instrumentsErrorThroughBrokenProxy, NO_PROXY_ENV, startSplitFake, statusMessages, subscribeAndReceive, type SplitFake } from './proxy-e2e';
import { proxyAvailability, startMicrosocks, type ProxyServer } from './proxy-servers';

const socks = proxyAvailability('microsocks', 'microsocks');
const USER = 'alice';
const PASSWORD = 's3cret-Pa55';
const WRONG = 'n0t-the-Pa55';

let fake: SplitFake;
let proxy: ProxyServer;
const sidecars: SidecarProcess[] = [];

function everything(sc: SidecarProcess, ...more: unknown[]): string {
  return [...sc.stderr, ...sc.stdoutLines, ...more.map((m) => JSON.stringify(m))].join('\n');
}

describe.skipIf(socks.skip)(`through microsocks (SOCKS5 with authentication)${socks.skip ? ` — skipped: ${socks.reason}` : ''}`, () => {
  beforeAll(async () => {
    if (!socks.path) throw new Error(socks.reason);
    fake = await startSplitFake();
    proxy = await startMicrosocks(socks.path, { user: USER, password: PASSWORD });
  });

  afterAll(async () => {
    await Promise.all(sidecars.map((s) => s.stop()));
    await proxy?.close();
    await fake?.close();
  });

  it('[proxy] url = "socks5h://user:password@…": REST and WebSocket both tunnel through it; the password is never logged', async () => {
    expect(proxy.url).toContain(`${USER}:${PASSWORD}@`);
    const sc = SidecarProcess.start({ configToml: `${fake.toml}${FAST}\n[proxy]\nurl = "${proxy.url}"\n`, args: ['--log-level', 'debug'], env: NO_PROXY_ENV });
    sidecars.push(sc);
    await subscribeAndReceive(sc, fake);
    await expectAllThroughProxy(proxy, fake);
    const status = await sc.call('status.get');
    expect(sc.stderr.join('\n')).toContain(`connections go through proxy socks5h://${USER}:***@127.0.0.1:${proxy.port}`);
    expect(everything(sc, status)).not.toContain(PASSWORD);
    expect(await sc.stop()).toBe(0);
  });

  it('wrong credentials: status and REST error say the SOCKS5 proxy rejected them; the password appears nowhere', async () => {
    const before = fake.ws.totalConnections + fake.rest.restRequests.length;
    const wrongUrl = proxy.url.replace(`:${PASSWORD}@`, `:${WRONG}@`);
    const shown = `socks5h://${USER}:***@127.0.0.1:${proxy.port}`;
    const sc = SidecarProcess.start({ configToml: `${fake.toml}${FAST}\n[proxy]\nurl = "${wrongUrl}"\n`, args: ['--log-level', 'debug'], env: NO_PROXY_ENV });
    sidecars.push(sc);
    await sc.call('initialize', {});
    const error = await instrumentsErrorThroughBrokenProxy(sc, fake);
    expect(error.code, error.message).toBe(-32006);
    expect(error.message).toContain(`SOCKS5 proxy ${shown} rejected the credentials of user "${USER}"`);
    await sc.waitFor('a connection error', () => statusMessages(sc, 'error').length > 0, 10_000);
    for (const message of statusMessages(sc, 'error', 'reconnecting')) {
      expect(message).toContain(`SOCKS5 proxy ${shown} rejected the credentials of user "${USER}"`);
    }
    expect(fake.ws.totalConnections + fake.rest.restRequests.length - before, 'connections that reached the fakes').toBe(0);
    expect(everything(sc, error)).not.toContain(WRONG);
  });

  it('--print-config shows the proxy with its password masked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'candlewire-proxy-'));
    const file = join(dir, 'config.toml');
    writeFileSync(file, `[proxy]\nurl = "${proxy.url}"\nno_proxy = ["localhost"]\n`);
    const r = spawnSync(process.execPath, [SIDECAR, '--config', file, '--print-config'], { encoding: 'utf8', env: { ...process.env, ...NO_PROXY_ENV } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`proxy: socks5h://${USER}:***@127.0.0.1:${proxy.port} no_proxy=localhost`);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });
});

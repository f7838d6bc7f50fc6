/**
 * The BUILT sidecar through a REAL HTTP CONNECT proxy (tinyproxy on 127.0.0.1) set in the config
 * file's [proxy] section: the REST backfill and the live WebSocket both go through it, and its log
 * proves it (one CONNECT per connection either fake exchange saw, to both ports). A proxy that is
 * not there gives errors naming it, in the status notifications and in the RPC error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SidecarProcess } from '../support/sidecar-process';
import { expectAllThroughProxy, FAST, instrumentsErrorThroughBrokenProxy, NO_PROXY_ENV, startSplitFake, statusMessages, subscribeAndReceive, type SplitFake } from './proxy-e2e';
import { deadPort, proxyAvailability, startTinyproxy, type ProxyServer } from './proxy-servers';

const tiny = proxyAvailability('tinyproxy', 'tinyproxy-bin');

let fake: SplitFake;
const sidecars: SidecarProcess[] = [];
const proxies: ProxyServer[] = [];

beforeAll(async () => {
  fake = await startSplitFake();
});

afterAll(async () => {
  await Promise.all(sidecars.map((s) => s.stop()));
  await Promise.all(proxies.map((p) => p.close()));
  await fake?.close();
});

describe.skipIf(tiny.skip)(`through tinyproxy${tiny.skip ? ` — skipped: ${tiny.reason}` : ''}`, () => {
  it('[proxy] url = "http://…": REST and WebSocket both tunnel through it, and nothing bypasses it', async () => {
    if (!tiny.path) throw new Error(tiny.reason);
    // Only the two fake ports may be tunnelled: the log is the whole story of the sidecar's traffic.
    const proxy = await startTinyproxy(tiny.path, { connectPorts: [fake.ws.port, fake.rest.port] });
    proxies.push(proxy);
    const sc = SidecarProcess.start({ configToml: `${fake.toml}${FAST}\n[proxy]\nurl = "${proxy.url}"\n`, env: NO_PROXY_ENV });
    sidecars.push(sc);
    await subscribeAndReceive(sc, fake);
    await expectAllThroughProxy(proxy, fake);
    expect(sc.stderr.join('\n')).toContain(`connections go through proxy ${proxy.url}`);
    expect(await sc.stop()).toBe(0);
  });
});

describe('a wrong HTTP proxy', () => {
  it('nothing listening: the status and the REST error say the proxy refused the connection', async () => {
    const proxy = `http://127.0.0.1:${await deadPort()}`;
    const reached = () => fake.ws.totalConnections + fake.rest.restRequests.length;
    const before = reached();
    const sc = SidecarProcess.start({ configToml: `${fake.toml}${FAST}\n[proxy]\nurl = "${proxy}"\n`, env: NO_PROXY_ENV });
    sidecars.push(sc);
    await sc.call('initialize', {});
    const error = await instrumentsErrorThroughBrokenProxy(sc, fake);
    expect(error.code, error.message).toBe(-32006);
    expect(error.message).toContain(`failed: proxy ${proxy} refused the connection`);
    await sc.waitFor('a connection error', () => statusMessages(sc, 'error').length > 0, 10_000);
    for (const message of statusMessages(sc, 'error', 'reconnecting')) {
      expect(message).toContain(`proxy ${proxy} refused the connection`);
    }
    expect(reached() - before, 'connections that reached the fakes').toBe(0);
  });
});

/**
 * The proxy from the environment, as a shell exports it for every program: HTTPS_PROXY (HTTP
 * CONNECT, tinyproxy), ALL_PROXY=socks5h://… (microsocks), NO_PROXY bypassing it, and
 * CANDLEWIRE_PROXY winning over HTTPS_PROXY. Each case has its own fakes and proxy, so the
 * proxy's log and the fakes' counters tell its story alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SidecarProcess } from '../support/sidecar-process';
import { expectAllThroughProxy, FAST, NO_PROXY_ENV, startSplitFake, subscribeAndReceive, type SplitFake } from './proxy-e2e';
import { proxyAvailability, startMicrosocks, startTinyproxy, type ProxyServer } from './proxy-servers';

const tiny = proxyAvailability('tinyproxy', 'tinyproxy-bin');
const socks = proxyAvailability('microsocks', 'microsocks');
const skip = tiny.skip || socks.skip;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function fakeExchange(): Promise<SplitFake> {
  const fake = await startSplitFake();
  cleanups.push(() => fake.close());
  return fake;
}

async function tinyproxy(): Promise<ProxyServer> {
  if (!tiny.path) throw new Error(tiny.reason);
  const p = await startTinyproxy(tiny.path);
  cleanups.push(() => p.close());
  return p;
}

async function microsocks(): Promise<ProxyServer> {
  if (!socks.path) throw new Error(socks.reason);
  const p = await startMicrosocks(socks.path, { user: 'carol', password: 'env-Pa55' });
  cleanups.push(() => p.close());
  return p;
}

/** The sidecar with a config file that sets no proxy, and the given environment. */
function sidecar(fake: SplitFake, env: NodeJS.ProcessEnv): SidecarProcess {
  const sc = SidecarProcess.start({ configToml: `${fake.toml}${FAST}`, env: { ...NO_PROXY_ENV, ...env } });
  cleanups.push(() => sc.stop());
  return sc;
}

describe.skipIf(skip)(`proxy from the environment${skip ? ` — skipped: ${[tiny, socks].filter((a) => a.skip).map((a) => a.reason).join('; ')}` : ''}`, () => {
  it('HTTPS_PROXY=http://…: everything tunnels through the HTTP proxy', async () => {
    const [fake, proxy] = await Promise.all([fakeExchange(), tinyproxy()]);
    const sc = sidecar(fake, { HTTPS_PROXY: proxy.url });
    await subscribeAndReceive(sc, fake);
    await expectAllThroughProxy(proxy, fake);
    expect(sc.stderr.join('\n')).toContain(`connections go through proxy ${proxy.url}`);
  });

  it('ALL_PROXY=socks5h://user:password@…: everything tunnels through the SOCKS5 proxy', async () => {
    const [fake, proxy] = await Promise.all([fakeExchange(), microsocks()]);
    const sc = sidecar(fake, { ALL_PROXY: proxy.url });
    await subscribeAndReceive(sc, fake);
    await expectAllThroughProxy(proxy, fake);
  });

  it('NO_PROXY=127.0.0.1: the exchange is reached directly; the proxy sees nothing', async () => {
    const [fake, proxy] = await Promise.all([fakeExchange(), tinyproxy()]);
    const sc = sidecar(fake, { HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' });
    await subscribeAndReceive(sc, fake);
    expect(sc.stderr.join('\n')).toContain(`connections go through proxy ${proxy.url} (except localhost, 127.0.0.1)`);
    expect(fake.ws.totalConnections + fake.rest.restRequests.length).toBeGreaterThan(1);
    expect(proxy.tunnels(), proxy.log()).toEqual([]);
  });

  it('CANDLEWIRE_PROXY wins over HTTPS_PROXY', async () => {
    const [fake, http, socks5] = await Promise.all([fakeExchange(), tinyproxy(), microsocks()]);
    const sc = sidecar(fake, { HTTPS_PROXY: http.url, CANDLEWIRE_PROXY: socks5.url });
    await subscribeAndReceive(sc, fake);
    await expectAllThroughProxy(socks5, fake);
    expect(http.tunnels()).toEqual([]);
  });
});

/**
 * The proxy agents against REAL proxies (tinyproxy, microsocks) and a dead port: traffic flows
 * through a working proxy for REST (httpGet) and WebSocket (Connection) alike, and every way a
 * proxy can fail gives a message naming the proxy and what it did — never a generic timeout,
 * never the proxy's 407 passed off as the exchange's answer, never the password.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Connection, type ConnectionStatusEvent } from '../../sidecar/feed/connection';
import { HttpError, httpGet } from '../../sidecar/feed/http';
import { createProxyAgent } from '../../sidecar/net/proxy-agents';
import { explainConnectStatus, explainProxyError, ProxyError } from '../../sidecar/net/proxy-errors';
import { toyProtocol } from '../unit/feed-toy';
import { deadPort, proxyAvailability, startMicrosocks, startTinyproxy, type ProxyServer } from './proxy-servers';

const tiny = proxyAvailability('tinyproxy', 'tinyproxy-bin');
const socks = proxyAvailability('microsocks', 'microsocks');

/** A target speaking plain HTTP (`GET /ok`) and WebSocket on one 127.0.0.1 port, counting connections. */
async function startTarget() {
  let connections = 0;
  const server = http.createServer((_req, res) => res.end('ok'));
  server.on('connection', () => connections++);
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', () => undefined)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        for (const ws of wss.clients) ws.terminate();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let target: Awaited<ReturnType<typeof startTarget>>;
let dead: number;
const servers: ProxyServer[] = [];
const connections: Connection[] = [];

beforeAll(async () => {
  target = await startTarget();
  dead = await deadPort();
});

afterAll(async () => {
  await Promise.all(connections.map((c) => c.stop()));
  await Promise.all(servers.map((s) => s.close()));
  await target?.close();
});

async function rest(proxy: string, port = target.port): Promise<string> {
  const r = await httpGet(`http://127.0.0.1:${port}/ok`, { agent: createProxyAgent(proxy), timeoutMs: 5000 });
  return r instanceof HttpError ? `error: ${r.message}` : `HTTP ${r.status}: ${r.body}`;
}

/** Opens a Connection through the proxy; resolves with the first `open`, or the first `error` status. */
async function ws(proxy: string, port = target.port): Promise<ConnectionStatusEvent> {
  const conn = new Connection({
    url: `ws://127.0.0.1:${port}/`,
    protocol: toyProtocol(),
    agent: createProxyAgent(proxy),
    connectTimeoutMs: 5000,
    backoff: { baseMs: 5000, capMs: 5000 },
  });
  connections.push(conn);
  const first = new Promise<ConnectionStatusEvent>((resolve) => conn.on('status', (s) => (s.state === 'open' || s.state === 'error') && resolve(s)));
  conn.start();
  const status = await first;
  await conn.stop();
  return status;
}

describe('a proxy that is not there', () => {
  it('HTTP CONNECT: REST and WebSocket errors say the proxy refused the connection', async () => {
    const proxy = `http://127.0.0.1:${dead}`;
    expect(await rest(proxy)).toContain(`failed: proxy ${proxy} refused the connection`);
    const status = await ws(proxy);
    expect(status.state).toBe('error');
    expect(status.message).toContain(`cannot connect to ws://127.0.0.1:${target.port}/: proxy ${proxy} refused the connection`);
  });

  it('SOCKS5: the same, naming it as a SOCKS5 proxy and hiding the password', async () => {
    const proxy = `socks5h://alice:s3cret@127.0.0.1:${dead}`;
    const shown = `socks5h://alice:***@127.0.0.1:${dead}`;
    const error = await rest(proxy);
    expect(error).toContain(`SOCKS5 proxy ${shown} refused the connection`);
    const status = await ws(proxy);
    expect(status.message).toContain(`SOCKS5 proxy ${shown} refused the connection`);
    expect(`${error} ${status.message}`).not.toContain('s3cret');
  });
});

describe.skipIf(tiny.skip)(`tinyproxy (HTTP CONNECT)${tiny.skip ? ` — skipped: ${tiny.reason}` : ''}`, () => {
  let open: ProxyServer;
  let locked: ProxyServer;
  let authed: ProxyServer;

  beforeAll(async () => {
    if (!tiny.path) throw new Error(tiny.reason);
    open = await startTinyproxy(tiny.path);
    locked = await startTinyproxy(tiny.path, { connectPorts: [443] });
    authed = await startTinyproxy(tiny.path, { basicAuth: { user: 'bob', password: 'hunter2' } });
    servers.push(open, locked, authed);
  });

  it('carries REST and WebSocket traffic: one CONNECT in its log per connection the target saw', async () => {
    const before = target.connections();
    expect(await rest(open.url)).toBe('HTTP 200: ok');
    expect((await ws(open.url)).state).toBe('open');
    expect(open.tunnelsTo(target.port)).toBe(2);
    expect(target.connections() - before).toBe(2);
  });

  it('a refused tunnel (ConnectPort) is the proxy refusing, not the exchange answering 403', async () => {
    const expected = `proxy ${locked.url} refused to open a tunnel to 127.0.0.1:${target.port} (HTTP 403`;
    expect(await rest(locked.url)).toContain(expected);
    expect((await ws(locked.url)).message).toContain(expected);
  });

  it('a destination the proxy cannot reach is reported as such', async () => {
    expect(await rest(open.url, dead)).toContain(`proxy ${open.url} could not connect to 127.0.0.1:${dead} (HTTP 5`);
  });

  it('asks for credentials when none are given, names the user when they are wrong, never shows the password', async () => {
    const none = await rest(authed.url);
    expect(none).toContain(`proxy ${authed.url} requires authentication (HTTP 407`);
    const withBad = authed.url.replace('//', '//bob:wrong-pass@');
    const bad = await rest(withBad);
    expect(bad).toContain(`proxy http://bob:***@127.0.0.1:${authed.port} rejected the credentials of user "bob"`);
    expect((await ws(withBad)).message).toContain('rejected the credentials of user "bob"');
    expect(bad).not.toContain('wrong-pass');
    const good = authed.url.replace('//', '//bob:hunter2@');
    expect(await rest(good)).toBe('HTTP 200: ok');
  });
});

describe.skipIf(socks.skip)(`microsocks (SOCKS5)${socks.skip ? ` — skipped: ${socks.reason}` : ''}`, () => {
  let withAuth: ProxyServer;

  beforeAll(async () => {
    if (!socks.path) throw new Error(socks.reason);
    withAuth = await startMicrosocks(socks.path, { user: 'alice', password: 's3cret' });
    servers.push(withAuth);
  });

  it('carries REST and WebSocket traffic: one tunnel in its log per connection the target saw', async () => {
    const before = target.connections();
    expect(await rest(withAuth.url)).toBe('HTTP 200: ok');
    expect((await ws(withAuth.url)).state).toBe('open');
    expect(withAuth.tunnelsTo(target.port)).toBe(2);
    expect(target.connections() - before).toBe(2);
  });

  it('wrong credentials: the SOCKS5 proxy rejected them (user named, password hidden)', async () => {
    const wrong = withAuth.url.replace(':s3cret@', ':wrong-pass@');
    const shown = `socks5h://alice:***@127.0.0.1:${withAuth.port}`;
    const error = await rest(wrong);
    expect(error).toContain(`SOCKS5 proxy ${shown} rejected the credentials of user "alice"`);
    const status = await ws(wrong);
    expect(status.message).toContain(`SOCKS5 proxy ${shown} rejected the credentials of user "alice"`);
    expect(`${error} ${status.message}`).not.toContain('wrong-pass');
  });

  it('no credentials for a proxy that needs them: says to put them in the URL', async () => {
    const bare = `socks5h://127.0.0.1:${withAuth.port}`;
    expect(await rest(bare)).toContain(`SOCKS5 proxy ${bare} requires a user name and password`);
  });

  it('a destination that refuses is the destination, reached through the proxy', async () => {
    expect(await rest(withAuth.url, dead)).toContain(`could not connect to 127.0.0.1:${dead} (ConnectionRefused)`);
  });
});

describe('failures no local proxy can be made to produce (the same wording, from the error alone)', () => {
  const http = 'http://u:pw@proxy.example:3128';
  const socks = 'socks5h://proxy.example:1080';
  const failure = (code: string, message = `${code} something`) => Object.assign(new Error(message), { code });

  it('names the proxy, masks its password and says what happened', () => {
    const cases: Array<[string, unknown, string]> = [
      [http, failure('ENOTFOUND', 'getaddrinfo ENOTFOUND proxy.example'), 'proxy http://u:***@proxy.example:3128: its host name does not resolve (ENOTFOUND)'],
      [http, failure('ETIMEDOUT'), 'proxy http://u:***@proxy.example:3128 is unreachable (ETIMEDOUT)'],
      [http, failure('ECONNRESET'), 'proxy http://u:***@proxy.example:3128 closed the connection before the tunnel to x.test:443 was open'],
      [socks, new Error('connect EHOSTUNREACH 10.0.0.1:1080'), 'SOCKS5 proxy socks5h://proxy.example:1080 is unreachable (EHOSTUNREACH)'],
      [socks, new Error('Proxy connection timed out'), 'SOCKS5 proxy socks5h://proxy.example:1080 did not complete the handshake in time'],
      [socks, new Error('Socket closed'), 'SOCKS5 proxy socks5h://proxy.example:1080 closed the connection during the handshake'],
      [socks, 'a thrown string', 'SOCKS5 proxy socks5h://proxy.example:1080: a thrown string'],
    ];
    for (const [url, error, message] of cases) {
      const explained = explainProxyError(url, 'x.test:443', error);
      expect(explained).toBeInstanceOf(ProxyError);
      expect(explained.message).toBe(message);
      expect(explained.message).not.toContain(':pw@');
    }
  });

  it('reads any CONNECT answer but 200', () => {
    expect(explainConnectStatus('http://p.test:3128', 'x.test:443', 502, 'Bad Gateway').message).toBe('proxy http://p.test:3128 could not connect to x.test:443 (HTTP 502 Bad Gateway)');
    expect(explainConnectStatus('http://p.test:3128', 'x.test:443', 418).message).toBe('proxy http://p.test:3128 answered CONNECT x.test:443 with HTTP 418');
  });
});

/** WebSocket transport pieces: token, loopback rule, message framing, metrics text, the server's auth. */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Hub } from '../../sidecar/hub/hub';
import { getOrThrow, upgradeStatus } from '../support/http-probe';
import { offlineHub } from '../support/offline-hub';
import { parsePrometheus, renderPrometheus, seriesName } from '../../sidecar/rpc/metrics';
import { createMethodTable, Session, type RpcContext } from '../../sidecar/rpc/server';
import { isLoopbackHost, urlHost } from '../../sidecar/rpc/transports/loopback';
import { newToken, requestToken, tokenMatches } from '../../sidecar/rpc/transports/token';
import { messageToLines, webSocketStreams } from '../../sidecar/rpc/transports/ws-streams';
import { startWsServer, type WsServer } from '../../sidecar/rpc/transports/ws-server';

describe('token', () => {
  it('is 32 random bytes of hex and compares exactly', () => {
    const t = newToken();
    expect(t).toMatch(/^[0-9a-f]{64}$/);
    expect(newToken()).not.toBe(t);
    expect(tokenMatches(t, t)).toBe(true);
    expect(tokenMatches(t, t.slice(0, -1))).toBe(false);
    expect(tokenMatches(t, `${t}0`)).toBe(false);
    expect(tokenMatches(t, undefined)).toBe(false);
  });

  it('is taken from the Authorization header, else from ?token=', () => {
    expect(requestToken({ headers: { authorization: 'Bearer abc' }, url: '/?token=zzz' })).toBe('abc');
    expect(requestToken({ headers: {}, url: '/x?token=zzz' })).toBe('zzz');
    expect(requestToken({ headers: { authorization: 'Basic abc' }, url: '/' })).toBeUndefined();
  });
});

describe('loopback', () => {
  it('accepts only loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.2', 'example.com', '10.0.0.1']) expect(isLoopbackHost(h)).toBe(false);
    expect(urlHost('::1')).toBe('[::1]');
    expect(urlHost('0.0.0.0')).toBe('127.0.0.1');
  });
});

describe('messageToLines', () => {
  it('one message per WebSocket message, pretty JSON included; NDJSON lines pass through', () => {
    expect(messageToLines('{"a":1}')).toBe('{"a":1}\n');
    expect(messageToLines('{\n  "a": 1\n}\n')).toBe('{   "a": 1 }\n');
    expect(messageToLines('{"a":1}\n{"b":2}')).toBe('{"a":1}\n{"b":2}\n');
  });
});

describe('metrics text', () => {
  it('renders HELP/TYPE once per name and parses back to the same series', () => {
    const samples = [
      { name: 'candlewire_clients', type: 'gauge' as const, value: 2, help: 'clients' },
      { name: 'candlewire_events_published_total', labels: { channel: 'kline' }, type: 'counter' as const, value: 5, help: 'events' },
      { name: 'candlewire_events_published_total', labels: { channel: 'a"b' }, type: 'counter' as const, value: 1, help: 'events' },
    ];
    const text = renderPrometheus(samples);
    expect(text.match(/# TYPE candlewire_events_published_total counter/g)).toHaveLength(1);
    expect(text).toContain('candlewire_events_published_total{channel="kline"} 5\n');
    expect(parsePrometheus(text)).toEqual(Object.fromEntries(samples.map((s) => [seriesName(s), s.value])));
    expect(seriesName(samples[2])).toBe('candlewire_events_published_total{channel="a\\"b"}');
  });
});

describe('WebSocket server', () => {
  let server: WsServer | undefined;
  let hub: Hub | undefined;
  afterEach(async () => {
    await server?.close();
    await hub?.stop();
  });

  async function start() {
    const log = { error: () => undefined, warn: (m: string) => void warnings.push(m), info: () => undefined, debug: () => undefined };
    const warnings: string[] = [];
    hub = offlineHub({ log, fetchText: async () => '' });
    const ctx: RpcContext = { hub, version: '9.9.9', log, shutdown: () => undefined };
    const table = createMethodTable(ctx);
    const token = newToken();
    let unauthorized = 0;
    server = await startWsServer({
      host: '127.0.0.1',
      port: 0,
      token,
      maxPayload: 1 << 20,
      log,
      metricsText: () => ctx.metrics!.prometheus(),
      onUnauthorized: () => {
        unauthorized++;
        ctx.metrics!.unauthorized();
      },
      onConnection: (ws) => {
        const { input, output } = webSocketStreams(ws);
        new Session(input, output, table, ctx, () => ws.close());
      },
    });
    return { token, warnings, unauthorized: () => unauthorized, ctx };
  }

  it('refuses a missing or wrong token with 401 (logged), accepts the right one by header or query', async () => {
    const { token, warnings, unauthorized } = await start();
    const url = server!.url;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(await upgradeStatus(url)).toBe(401);
    expect(await upgradeStatus(url, { Authorization: `Bearer ${token.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}` })).toBe(401);
    expect(await upgradeStatus(`${url}/?token=nope`)).toBe(401);
    expect(unauthorized()).toBe(3);
    expect(warnings.filter((w) => w.includes('refused a WebSocket client'))).toHaveLength(3);
    expect(warnings.join('\n')).toMatch(/missing token[\s\S]*wrong token/);
    expect(await upgradeStatus(url, { Authorization: `Bearer ${token}` })).toBe(101);
    expect(await upgradeStatus(`${url}/?token=${token}`)).toBe(101);
  });

  it('speaks JSON-RPC, one message per WebSocket message (NDJSON lines accepted)', async () => {
    const { token } = await start();
    const ws = new WebSocket(`${server!.url}/?token=${token}`);
    const got: any[] = [];
    ws.on('message', (d) => got.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }, null, 2));
    ws.send('{"jsonrpc":"2.0","id":2,"method":"ping"}\n{"jsonrpc":"2.0","id":3,"method":"metrics.get"}');
    for (let i = 0; i < 100 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got.map((m) => m.id).sort()).toEqual([1, 2, 3]);
    expect(got.find((m) => m.id === 3).result.values.candlewire_clients).toBe(1);
    ws.close();
  });

  it('serves /metrics with the same token rule', async () => {
    const { token } = await start();
    const base = server!.url.replace('ws://', 'http://');
    expect((await getOrThrow(`${base}/metrics`)).status).toBe(401);
    expect((await getOrThrow(`${base}/metrics?token=bad`)).status).toBe(401);
    const ok = await getOrThrow(`${base}/metrics`, { Authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(parsePrometheus(ok.body).candlewire_ws_unauthorized_total).toBe(2);
    expect((await getOrThrow(`${base}/other?token=${token}`)).status).toBe(404);
  });

  it('a closed WebSocket ends its session (the client is released)', async () => {
    const { token, ctx } = await start();
    const ws = new WebSocket(`${server!.url}/?token=${token}`);
    await new Promise((r) => ws.once('open', r));
    for (let i = 0; i < 100 && ctx.metrics!.clientCount < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(ctx.metrics!.clientCount).toBe(1);
    ws.close();
    for (let i = 0; i < 100 && ctx.metrics!.clientCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(ctx.metrics!.clientCount).toBe(0);
  });
});

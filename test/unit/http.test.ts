import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createTextFetcher, getWithRetry, httpGet, HttpError, parseRetryAfter, type RetryNotice } from '../../sidecar/feed/http';

type Reply = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

/** A real HTTP server answering request n with replies[n] (the last one repeats). */
async function serve(...replies: Reply[]): Promise<{ url: string; hits: () => number }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    const reply = replies[Math.min(n, replies.length - 1)];
    n += 1;
    reply(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/klines?symbol=X`, hits: () => n };
}

const status =
  (code: number, body = '', headers: Record<string, string> = {}): Reply =>
  (_req, res) =>
    res.writeHead(code, headers).end(body);

/** Records the waits instead of waiting. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe('httpGet', () => {
  it('returns status, headers and body of any answer', async () => {
    const { url } = await serve(status(404, 'nope', { 'x-test': '1' }));
    const r = await httpGet(url);
    expect(r).toMatchObject({ status: 404, body: 'nope' });
    expect(r instanceof HttpError ? undefined : r.headers['x-test']).toBe('1');
  });

  it('decompresses a gzip body', async () => {
    const { url } = await serve((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync('[1,2,3]')));
    expect(await httpGet(url)).toMatchObject({ status: 200, body: '[1,2,3]' });
  });

  it('refuses a body over maxBytes, declared or streamed', async () => {
    const big = 'x'.repeat(5000);
    const declared = await serve(status(200, big));
    const streamed = await serve((_req, res) => {
      res.writeHead(200); // chunked: no content-length
      res.write(big);
      res.end(big);
    });
    for (const { url } of [declared, streamed]) {
      const r = await httpGet(url, { maxBytes: 1000 });
      expect(r).toBeInstanceOf(HttpError);
      expect((r as HttpError).message).toContain(url);
      expect((r as HttpError).message).toContain('1000-byte limit');
      expect((r as HttpError).retryable).toBe(false);
    }
  });

  it('times out a server that never answers, naming the URL', async () => {
    const { url } = await serve(() => undefined);
    const r = await httpGet(url, { timeoutMs: 100 });
    expect(r).toBeInstanceOf(HttpError);
    expect((r as HttpError).message).toBe(`GET ${url} failed: timed out after 100 ms`);
    expect((r as HttpError).retryable).toBe(true);
  });

  it('reports a refused connection as a value, and a bad URL too', async () => {
    const { url } = await serve(status(200));
    servers[0].closeAllConnections();
    await new Promise<void>((r) => servers.shift()!.close(() => r()));
    const r = await httpGet(url);
    expect((r as HttpError).message).toMatch(new RegExp(`GET ${url.replace(/[?]/g, '\\?')} failed: .*ECONNREFUSED`));
    expect((await httpGet('not a url')) as HttpError).toMatchObject({ retryable: false });
    expect(((await httpGet('ftp://x/')) as HttpError).message).toContain('expected http: or https:');
  });
});

describe('getWithRetry', () => {
  it('retries a 429 after exactly the Retry-After seconds', async () => {
    const { url, hits } = await serve(status(429, '{"code":-1003}', { 'retry-after': '1' }), status(200, 'ok'));
    const { waits, sleep } = recordingSleep();
    const notices: RetryNotice[] = [];
    const r = await getWithRetry(url, { sleep, onRetry: (n) => notices.push(n) });
    expect(r).toMatchObject({ status: 200, body: 'ok' });
    expect(hits()).toBe(2);
    expect(waits).toEqual([1000]);
    expect(notices).toHaveLength(1);
    expect(String(notices[0])).toBe('attempt 1 failed (HTTP 429); retrying in 1000 ms as Retry-After asks');
  });

  it('honours a Retry-After given as an HTTP date', async () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const { url } = await serve(status(418, 'banned', { 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }), status(200, 'ok'));
    const { waits, sleep } = recordingSleep();
    expect(await getWithRetry(url, { sleep, now: () => now })).toMatchObject({ status: 200 });
    expect(waits).toEqual([7000]);
  });

  it('backs off with full jitter on 5xx without Retry-After', async () => {
    const { url, hits } = await serve(status(502), status(503), status(200, 'ok'));
    const { waits, sleep } = recordingSleep();
    const r = await getWithRetry(url, { sleep, backoff: { baseMs: 100, capMs: 1000, random: () => 0.5 } });
    expect(r).toMatchObject({ status: 200 });
    expect(hits()).toBe(3);
    expect(waits).toEqual([50, 100]);
  });

  it('does not retry other 4xx and names URL, status and body (friendlier with describe)', async () => {
    const body = '{"code":-1121,"msg":"Invalid symbol."}';
    const { url, hits } = await serve(status(400, body));
    const { waits, sleep } = recordingSleep();
    const r = await getWithRetry(url, { sleep, describe: (b) => (JSON.parse(b) as { msg: string }).msg });
    expect(r).toBeInstanceOf(HttpError);
    expect(hits()).toBe(1);
    expect(waits).toEqual([]);
    expect((r as HttpError).message).toBe(`GET ${url} returned HTTP 400: Invalid symbol. (body: ${body})`);
    expect(r).toMatchObject({ status: 400, body, retryable: false });
  });

  it('gives up after maxAttempts with the last error', async () => {
    const { url, hits } = await serve(status(500, 'down'));
    const { waits, sleep } = recordingSleep();
    const r = await getWithRetry(url, { sleep, maxAttempts: 3, backoff: { random: () => 0 } });
    expect(hits()).toBe(3);
    expect(waits).toHaveLength(2);
    expect((r as HttpError).message).toBe(`GET ${url} returned HTTP 500 (body: down); gave up after 3 attempts`);
  });

  it('does not wait for a Retry-After beyond the cap: returns the error instead', async () => {
    const { url, hits } = await serve(status(418, '', { 'retry-after': '3600' }));
    const { waits, sleep } = recordingSleep();
    const r = await getWithRetry(url, { sleep, maxRetryAfterMs: 60_000 });
    expect(hits()).toBe(1);
    expect(waits).toEqual([]);
    expect((r as HttpError).message).toContain('wait 3600 s (Retry-After), longer than the 60 s limit');
    expect((r as HttpError).retryAfterMs).toBe(3_600_000);
  });

  it('retries network failures (timeouts) too', async () => {
    const { url, hits } = await serve(() => undefined, status(200, 'ok'));
    const { sleep } = recordingSleep();
    expect(await getWithRetry(url, { sleep, timeoutMs: 600 })).toMatchObject({ status: 200, body: 'ok' });
    expect(hits()).toBe(2);
  });

  it('createTextFetcher returns the body and throws the HttpError', async () => {
    const ok = await serve(status(200, 'rows'));
    const bad = await serve(status(403, '{"msg":"forbidden region"}'));
    const fetchText = createTextFetcher({ sleep: async () => undefined });
    expect(await fetchText(ok.url)).toBe('rows');
    await expect(fetchText(bad.url, (b) => (JSON.parse(b) as { msg: string }).msg)).rejects.toThrow(`GET ${bad.url} returned HTTP 403: forbidden region`);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, ignores garbage', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0); // in the past
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

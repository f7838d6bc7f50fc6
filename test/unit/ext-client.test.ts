import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { SidecarClient, SidecarError } from '../../extension/client';
import type { Envelope, ExchangeInfo, InitializeResult, SubscribeResult } from '../../extension/protocol';
import { SIDECAR } from '../support/sidecar-process';

const children: ChildProcessWithoutNullStreams[] = [];

function start(args: string[] = ['--demo', '--log-level', 'warn'], script = SIDECAR) {
  const child = spawn(process.execPath, [script, ...args].filter(Boolean), { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const notifications: Array<{ method: string; params: Envelope }> = [];
  const garbage: string[] = [];
  const client = new SidecarClient({
    input: child.stdout,
    output: child.stdin,
    onNotification: (method, params) => notifications.push({ method, params: params as Envelope }),
    onGarbage: (line) => garbage.push(line),
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, client, notifications, garbage, exited };
}

async function until<T>(what: string, f: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('SidecarClient against the real sidecar', () => {
  it('handshakes, lists exchanges and receives the notifications of a subscription', async () => {
    const { client, notifications } = start();
    const info = await client.request<InitializeResult>('initialize', { client: { name: 'test' } });
    expect(info.name).toBe('candlewire');
    const exchanges = await client.request<ExchangeInfo[]>('exchanges.list');
    const ex = exchanges.find((e) => e.markets.some((m) => m.market === 'spot' && m.enabled))!;
    const [inst] = await client.request<Array<{ symbol: string }>>('instruments.list', { exchange: ex.id, market: 'spot', limit: 1 });
    const sub = await client.request<SubscribeResult>('subscribe', { exchange: ex.id, market: 'spot', symbol: inst.symbol, channel: 'kline', interval: '1m' });
    const kline = await until('a kline notification', () => notifications.find((n) => n.method === 'kline' && n.params.key === sub.key));
    expect(typeof (kline.params.data as { close: number }).close).toBe('number');
    expect(notifications.some((n) => n.method === 'status' && (n.params.data as { state: string }).state === 'open')).toBe(true);
  });

  it('turns error responses into SidecarError with the code and data', async () => {
    const { client } = start();
    const exchanges = await client.request<ExchangeInfo[]>('exchanges.list');
    const err = await client.request('subscribe', { exchange: exchanges[0].id, market: 'spot', symbol: 'NOSUCHCOIN', channel: 'ticker' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SidecarError);
    expect((err as SidecarError).code).toBe(-32002);
    const bad = (await client.request('subscribe', { exchange: 'x' }).catch((e: unknown) => e)) as SidecarError;
    expect(bad.code).toBe(-32602);
    expect(bad.data).toHaveProperty('issues');
  });

  it('rejects pending and later requests once the process is gone', async () => {
    const { client, child, exited } = start();
    await client.request('ping');
    // Answered before the kill or rejected by it — never left hanging.
    const pending = client.request('exchanges.list').then(
      () => 'answered',
      (e: unknown) => (e instanceof SidecarError ? 'rejected' : 'other'),
    );
    child.kill('SIGKILL');
    await exited;
    expect(['answered', 'rejected']).toContain(await pending);
    await until('the client to notice', () => client.isClosed || undefined);
    await expect(client.request('ping')).rejects.toThrow(/not running/);
  });

  it('times out a request that gets no answer', async () => {
    // A process that reads requests and never answers.
    const { client } = start(['-e', 'process.stdin.resume(); setInterval(() => {}, 1000)'], '');
    const err = (await client.request('ping', undefined, 200).catch((e: unknown) => e)) as SidecarError;
    expect(err).toBeInstanceOf(SidecarError);
    expect(err.message).toBe('ping: no answer within 200 ms');
  });

  it('skips non-protocol stdout lines and keeps working', async () => {
    const script = `
      process.stdout.write('hello from a bad library\\n');
      require('readline').createInterface({ input: process.stdin }).on('line', (l) => {
        const m = JSON.parse(l);
        process.stdout.write('{"not":"rpc"}\\n' + JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { ok: true } }) + '\\n');
      });`;
    const { client, garbage } = start(['-e', script], '');
    expect(await client.request('anything')).toEqual({ ok: true });
    expect(garbage).toEqual(['hello from a bad library', '{"not":"rpc"}']);
  });
});

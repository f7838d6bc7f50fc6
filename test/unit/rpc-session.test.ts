/** The method table and a Session over in-memory streams (no process, no network). */
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { offlineHub, SILENT_LOG as log } from '../support/offline-hub';
import { createMethodTable, Session } from '../../sidecar/rpc/server';

function setup(opts: { maxLineBytes?: number } = {}) {
  const hub = offlineHub({ catalog: [{ id: 'acme', displayName: 'Acme', markets: [{ market: 'spot', enabled: false }] }] });
  const input = new PassThrough();
  const output = new PassThrough();
  const lines: any[] = [];
  createInterface({ input: output }).on('line', (l) => lines.push(JSON.parse(l)));
  let closedReason: string | undefined;
  let shutdowns = 0;
  const ctx = { hub, version: '9.9.9', log, shutdown: () => shutdowns++, maxLineBytes: opts.maxLineBytes };
  const session = new Session(input, output, createMethodTable(ctx), ctx, (r) => (closedReason = r));
  const next = async (n = 1) => {
    for (let i = 0; i < 100 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    return lines.splice(0, n);
  };
  return { hub, input, next, session, closed: () => closedReason, shutdowns: () => shutdowns };
}

let current: ReturnType<typeof setup> | undefined;
afterEach(async () => {
  await current?.hub.stop();
  current = undefined;
});

describe('JSON-RPC session', () => {
  it('handshakes and lists exchanges (disabled ones included)', async () => {
    const s = (current = setup());
    s.input.write('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"client":{"name":"t"}}}\n');
    s.input.write('{"jsonrpc":"2.0","id":2,"method":"exchanges.list"}\n');
    const [init, list] = (await s.next(2)).sort((a, b) => a.id - b.id);
    expect(init.result).toMatchObject({ name: 'candlewire', version: '9.9.9', protocolVersion: 1, exchanges: ['acme'] });
    expect(list.result[0].markets[0]).toMatchObject({ market: 'spot', enabled: false });
  });

  it('maps every kind of bad input to its JSON-RPC error and keeps serving', async () => {
    const s = (current = setup());
    s.input.write('not json\n');
    s.input.write('[]\n');
    s.input.write('{"jsonrpc":"2.0","id":3,"method":"no.such"}\n');
    s.input.write('{"jsonrpc":"2.0","id":4,"method":"subscribe","params":{"exchange":"acme","market":"moon","symbol":"X","channel":"kline"}}\n');
    s.input.write('{"jsonrpc":"2.0","id":5,"method":"subscribe","params":{"exchange":"acme","market":"spot","symbol":"X","channel":"trades"}}\n');
    s.input.write('{"jsonrpc":"2.0","id":6,"method":"subscribe","params":{"exchange":"nope","market":"spot","symbol":"X","channel":"trades"}}\n');
    s.input.write('[{"jsonrpc":"2.0","id":7,"method":"status.get"},{"jsonrpc":"2.0","method":"status.get"}]\n');
    const out = await s.next(7);
    const byId = (id: unknown) => out.find((m) => !Array.isArray(m) && m.id === id);
    expect(out.filter((m) => !Array.isArray(m) && m.id === null).map((m) => m.error.code).sort()).toEqual([-32700, -32600].sort());
    expect(byId(3).error.code).toBe(-32601);
    expect(byId(4).error.code).toBe(-32602);
    expect(byId(4).error.data.issues[0].path).toBe('market');
    expect(byId(4).error.message).toContain('market');
    expect(byId(5).error).toMatchObject({ code: -32001, message: expect.stringContaining('acme spot is disabled') });
    expect(byId(6).error).toMatchObject({ code: -32001, message: expect.stringContaining('unknown exchange "nope"; known: acme') });
    const batch = out.find((m) => Array.isArray(m));
    expect(batch).toHaveLength(1); // the notification in the batch gets no response
    expect(batch?.[0].result.connections).toEqual([]);
  });

  it('refuses an oversized line and disconnects that client, without buffering it', async () => {
    const s = (current = setup({ maxLineBytes: 4096 }));
    s.input.write('{"jsonrpc":"2.0","id":1,"method":"status.get","params":{"pad":"' + 'x'.repeat(10_000));
    const [err] = await s.next(1);
    expect(err.error.code).toBe(-32600);
    expect(err.error.message).toContain('4096');
    expect(s.closed()).toContain('4096');
  });

  it('shutdown answers first, then asks the process to stop', async () => {
    const s = (current = setup());
    s.input.write('{"jsonrpc":"2.0","id":9,"method":"shutdown"}\n');
    const [r] = await s.next(1);
    expect(r.result).toEqual({ ok: true });
    for (let i = 0; i < 50 && s.shutdowns() === 0; i++) await new Promise((res) => setTimeout(res, 10));
    expect(s.shutdowns()).toBe(1);
  });
});

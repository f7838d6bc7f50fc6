/**
 * Input size limits on every transport (docs/SECURITY.md): an oversized message is answered with
 * an error (where the transport can carry one) and its sender disconnected; nothing waits in
 * memory for the rest of it. Against the BUILT sidecar: stdio, the local socket and the WebSocket
 * transport with [rpc] max_line_bytes = 4096; and the exchange side: a WebSocket frame announcing
 * more than the client accepts is refused from its header, before any of it is buffered.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Connection, MAX_EXCHANGE_FRAME_BYTES, type ConnectionEvents } from '../../sidecar/feed/connection';
import { SharedSidecars } from '../support/rpc-socket-client';
import { SIDECAR } from '../support/sidecar-process';
import { toyProtocol } from '../unit/feed-toy';

const LIMIT = 4096;
const posix = process.platform !== 'win32';
const box = new SharedSidecars(() => `[rpc]\nmax_line_bytes = ${LIMIT}\n`);
afterEach(() => box.cleanup());

const oversized = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${'x'.repeat(3 * LIMIT)}`;

describe('the sidecar refuses oversized input and disconnects the sender', () => {
  it('stdio: an error response, then the sidecar (whose only client that is) stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-limits-'));
    const config = join(dir, 'config.toml');
    writeFileSync(config, `[rpc]\nmax_line_bytes = ${LIMIT}\n`);
    const child = spawn(process.execPath, [SIDECAR, '--config', config], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let stderr = '';
    createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => undefined); // the sidecar may close its end first
    child.stdin.write(oversized); // no newline: the limit, not the line's end, must trigger
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    const [answer] = lines.map((l) => JSON.parse(l));
    expect(answer).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
    expect(answer.error.message).toContain(`exceeds the ${LIMIT}-byte limit`);
    expect(stderr).toContain(`stopping: sent a line over ${LIMIT} bytes`);
  });

  it.skipIf(!posix)('local socket: an error response, then the server closes that connection; other clients carry on', async () => {
    const dir = box.runtimeDir();
    const { sc, file } = await box.start(dir);
    const socket = net.connect(file.path);
    socket.on('error', () => undefined);
    const lines: string[] = [];
    createInterface({ input: socket }).on('line', (l) => lines.push(l));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(oversized);
    await closed;
    const [answer] = lines.map((l) => JSON.parse(l));
    expect(answer).toMatchObject({ id: null, error: { code: -32600 } });
    expect(answer.error.message).toContain(`exceeds the ${LIMIT}-byte limit`);
    await sc.waitFor('the disconnect logged', () => sc.stderr.some((l) => l.includes(`disconnected: sent a line over ${LIMIT} bytes`)));
    const other = await box.unix(file.path);
    expect(await other.call('ping')).toHaveProperty('time');
    expect(await sc.call('ping')).toHaveProperty('time');
  });

  it.skipIf(!posix)('WebSocket transport: a message over the limit closes that socket with 1009; other clients carry on', async () => {
    const dir = box.runtimeDir();
    const { sc, file } = await box.start(dir, { args: ['--ws'] });
    const { url, token } = file.ws!;
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${'x'.repeat(LIMIT)}"}}`);
    expect(await closed).toBe(1009); // "message too big", from the frame header
    const other = await box.ws(url, token);
    expect(await other.call('ping')).toHaveProperty('time');
    expect(await sc.call('ping')).toHaveProperty('time');
  });
});

describe('an exchange cannot make the sidecar buffer a giant frame', () => {
  const servers: net.Server[] = [];
  const connections: Connection[] = [];
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.stop()));
    for (const s of servers) s.close();
  });

  it('a frame announcing 200 MiB (over the 100 MiB MAX_EXCHANGE_FRAME_BYTES) is refused from its header: disconnect, reconnect', async () => {
    let sent = 0;
    let accepted = 0;
    // A hand-made WebSocket server: the handshake, then a frame header claiming 200 MiB and 5 bytes of it.
    const server = net.createServer((socket) => {
      accepted++;
      socket.on('error', () => undefined);
      socket.once('data', (request) => {
        const key = /sec-websocket-key:\s*(\S+)/i.exec(request.toString('latin1'))?.[1] ?? '';
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        const header = Buffer.alloc(10);
        header[0] = 0x81; // FIN + text
        header[1] = 127; // 64-bit length follows
        header.writeBigUInt64BE(BigInt(2 * MAX_EXCHANGE_FRAME_BYTES), 2);
        const frame = Buffer.concat([header, Buffer.from('{"x":')]);
        sent += frame.length;
        socket.write(frame);
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const conn = new Connection({ url: `ws://127.0.0.1:${port}/`, protocol: toyProtocol(), connectTimeoutMs: 2000, backoff: { baseMs: 50, capMs: 50 } });
    connections.push(conn);
    const disconnected: ConnectionEvents['disconnected'][] = [];
    conn.on('disconnected', (d) => disconnected.push(d));
    conn.start();
    const deadline = Date.now() + 5000;
    while ((disconnected.length < 2 || accepted < 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(disconnected.length).toBeGreaterThanOrEqual(2); // refused each time, and reconnected each time
    expect(accepted).toBeGreaterThanOrEqual(3);
    expect(disconnected[0].reason).toMatch(/1009|Max payload size exceeded/);
    expect(sent).toBeLessThan(100); // nothing close to the announced size was ever sent, so none was awaited
    expect(conn.stats().messages).toBe(0);
  });
});

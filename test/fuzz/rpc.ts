/**
 * Fuzz targets for the JSON-RPC server: a Session over in-memory streams (the same method table
 * stdio, the local socket and WebSocket use) is fed one line per case — arbitrary bytes, or an
 * arbitrary JSON value — and must answer exactly as JSON-RPC 2.0 says, in time, and stay up:
 *
 * - a line that is not JSON → one error -32700 (id null);
 * - a request with an id → one response with that id (a result, or an error other than -32603,
 *   which would mean a handler crashed); a notification → nothing;
 * - anything else (an invalid request, an empty batch) → one error -32600;
 * - a batch → one array holding one response per member that deserves one;
 * - every response is well-formed (`jsonrpc`, a string/number/null id, result xor error);
 * - the session is still open afterwards.
 */
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { offlineHub, SILENT_LOG } from '../support/offline-hub';
import { methods } from '../../sidecar/rpc/schema';
import { createMethodTable, Session, type RpcContext } from '../../sidecar/rpc/server';
import { exchangeIds } from '../../sidecar/exchanges/registry';
import type { FuzzTarget } from './target';

const MAX_LINE_BYTES = 64 * 1024;
const SENTINEL = 'fuzz-sentinel';

/** One hub and method table for every case: every exchange known, every market disabled (no network). */
function createServer() {
  const hub = offlineHub({ catalog: exchangeIds().map((id) => ({ id, displayName: id, markets: [{ market: 'spot' as const, enabled: false }] })) });
  const ctx: RpcContext = { hub, version: '0.0.0-fuzz', log: SILENT_LOG, shutdown: () => undefined, maxLineBytes: MAX_LINE_BYTES };
  return { ctx, table: createMethodTable(ctx) };
}

let server: ReturnType<typeof createServer> | undefined;

type Expectation = { kind: 'none' } | { kind: 'one'; id: unknown; codes?: number[] } | { kind: 'batch'; ids: unknown[] };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const validId = (id: unknown) => typeof id === 'string' || typeof id === 'number' || id === null;

/**
 * What one member of a request (or the whole request) deserves, by the JSON-RPC 2.0 spec. Lenient
 * in one place: params that are not an object or array are left to the method (-32602).
 */
function expectationOfRequest(v: unknown): { respond: false } | { respond: true; id: unknown; codes?: number[] } {
  const request = isObject(v) && v.jsonrpc === '2.0' && typeof v.method === 'string' && !('result' in v) && !('error' in v);
  if (request && !('id' in v)) return { respond: false }; // a notification
  if (request && validId(v.id)) return { respond: true, id: v.id };
  // An invalid request (the spec's own example: {"jsonrpc":"2.0","method":1}): -32600, with its id when usable.
  return { respond: true, id: isObject(v) && validId(v.id) ? v.id : null, codes: [-32600] };
}

/** The answer a parsed line deserves. */
function expectationOf(value: unknown): Expectation {
  if (Array.isArray(value)) {
    if (value.length === 0) return { kind: 'one', id: null, codes: [-32600] };
    const ids = value.map(expectationOfRequest).filter((e) => e.respond).map((e) => (e as { id: unknown }).id);
    return ids.length === 0 ? { kind: 'none' } : { kind: 'batch', ids };
  }
  const e = expectationOfRequest(value);
  return e.respond ? { kind: 'one', id: e.id, ...(e.codes ? { codes: e.codes } : {}) } : { kind: 'none' };
}

function fail(message: string): never {
  throw new Error(message);
}

/** Ids compare as JSON writes them (an id JSON cannot hold exactly, like 1e400, may come back null). */
function sameId(got: unknown, wanted: unknown): boolean {
  if (typeof wanted === 'number' && !Number.isFinite(wanted)) return got === null;
  return JSON.stringify(got) === JSON.stringify(wanted);
}

function checkResponse(r: unknown, where: string): { id: unknown; code?: number } {
  if (!isObject(r)) fail(`${where}: not a response object: ${JSON.stringify(r)?.slice(0, 200)}`);
  const extra = Object.keys(r).filter((k) => !['jsonrpc', 'id', 'result', 'error'].includes(k));
  if (r.jsonrpc !== '2.0') fail(`${where}: jsonrpc is ${JSON.stringify(r.jsonrpc)}`);
  if (extra.length > 0) fail(`${where}: unexpected members ${extra.join(', ')}`);
  if (!('id' in r) || !validId(r.id)) fail(`${where}: id ${JSON.stringify(r.id)} is not a string, number or null`);
  if ('result' in r === 'error' in r) fail(`${where}: needs exactly one of result and error`);
  if ('error' in r) {
    const e = r.error;
    if (!isObject(e) || !Number.isInteger(e.code) || typeof e.message !== 'string') fail(`${where}: malformed error ${JSON.stringify(e)?.slice(0, 200)}`);
    if (e.code === -32603) fail(`${where}: internal error (a handler crashed): ${String(e.message).slice(0, 200)}`);
    return { id: r.id, code: e.code as number };
  }
  return { id: r.id };
}

/** Feeds one line to a fresh Session; resolves with every message it wrote before the sentinel's answer. */
async function exchange(line: Buffer, expected: Expectation): Promise<{ messages: unknown[]; closed: boolean }> {
  server ??= createServer();
  const { ctx, table } = server;
  const input = new PassThrough();
  const output = new PassThrough();
  const messages: unknown[] = [];
  let sentinel = false;
  let buffered = '';
  let notify: () => void = () => undefined;
  output.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch {
        msg = { unparsable: text };
      }
      if (isObject(msg) && msg.id === SENTINEL) sentinel = true;
      else messages.push(msg);
    }
    notify();
  });
  let closed = false;
  const session = new Session(input, output, table, ctx, () => (closed = true));
  input.write(line);
  input.write(`\n{"jsonrpc":"2.0","id":"${SENTINEL}","method":"ping"}\n`);
  const want = expected.kind === 'none' ? 0 : 1;
  await new Promise<void>((resolve) => {
    notify = () => {
      if (sentinel && messages.length >= want) resolve();
    };
    notify();
  });
  // Late extras (a notification answered after all) show up within a turn of the event loop.
  await new Promise((r) => setImmediate(r));
  const wasClosed = closed;
  session.close('fuzz case done');
  input.destroy();
  output.destroy();
  return { messages, closed: wasClosed };
}

async function checkLine(line: Buffer): Promise<void> {
  // What the NDJSON reader makes of the bytes: UTF-8 text, a trailing \r and a leading BOM removed.
  let text = line.toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let expected: Expectation;
  if (text === '') expected = { kind: 'none' };
  else {
    try {
      expected = expectationOf(JSON.parse(text));
    } catch {
      expected = { kind: 'one', id: null, codes: [-32700] };
    }
  }
  const { messages, closed } = await exchange(line, expected);
  if (closed) fail('the session closed');
  if (expected.kind === 'none') {
    if (messages.length > 0) fail(`a notification was answered: ${JSON.stringify(messages[0]).slice(0, 200)}`);
    return;
  }
  if (messages.length !== 1) fail(`expected one answer, got ${messages.length}: ${JSON.stringify(messages).slice(0, 300)}`);
  const [msg] = messages;
  if (expected.kind === 'one') {
    if (Array.isArray(msg)) fail(`expected one response, got an array: ${JSON.stringify(msg).slice(0, 200)}`);
    const r = checkResponse(msg, 'response');
    if (!sameId(r.id, expected.id)) fail(`response id ${JSON.stringify(r.id)}, expected ${JSON.stringify(expected.id)}`);
    if (expected.codes && (r.code === undefined || !expected.codes.includes(r.code))) fail(`expected error ${expected.codes.join(' or ')}, got ${r.code === undefined ? 'a result' : r.code}`);
    return;
  }
  if (!Array.isArray(msg)) fail(`a batch must be answered with an array, got ${JSON.stringify(msg).slice(0, 200)}`);
  const got = msg.map((m, i) => checkResponse(m, `batch[${i}]`).id);
  if (got.length !== expected.ids.length) fail(`batch answered with ${got.length} responses, expected ${expected.ids.length}`);
  const key = (id: unknown) => (typeof id === 'number' && !Number.isFinite(id) ? 'null' : JSON.stringify(id));
  const a = got.map(key).sort();
  const b = expected.ids.map(key).sort();
  if (a.join('\u0000') !== b.join('\u0000')) fail(`batch ids ${a.join(', ')}, expected ${b.join(', ')}`);
}

const methodNames = Object.keys(methods);
const id = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.double(), fc.jsonValue({ maxDepth: 1 }));
const params = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      exchange: fc.oneof(fc.constantFrom(...exchangeIds()), fc.string({ maxLength: 6 })),
      market: fc.oneof(fc.constantFrom('spot', 'perp'), fc.string({ maxLength: 4 })),
      symbol: fc.oneof(fc.constantFrom('BTC/USDT', 'BTCUSDT', ''), fc.string({ maxLength: 10 })),
      channel: fc.oneof(fc.constantFrom('kline', 'trades', 'ticker'), fc.jsonValue({ maxDepth: 1 })),
      interval: fc.oneof(fc.constantFrom('1m', '15s', '1M', '0m', '1x'), fc.jsonValue({ maxDepth: 1 })),
      limit: fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.jsonValue({ maxDepth: 1 })),
      subscriptionId: fc.string({ maxLength: 10 }),
      channels: fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }),
      client: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  ),
);
/** Request-shaped objects, each member sometimes missing or wrong. */
const requestLike = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('2.0'), fc.constantFrom('1.0', 2, null, '')),
    id,
    method: fc.oneof(fc.constantFrom(...methodNames), fc.constantFrom(...methodNames), fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })),
    params,
    result: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);
const jsonMessage = fc.oneof(
  { arbitrary: requestLike, weight: 4 },
  { arbitrary: fc.array(fc.oneof(requestLike, fc.jsonValue({ maxDepth: 2 })), { maxLength: 5 }), weight: 2 },
  { arbitrary: fc.jsonValue({ maxDepth: 4 }), weight: 2 },
);

/** Arbitrary byte lines (no newline inside): raw bytes, and request texts with bytes flipped or cut. */
const byteLine = fc
  .oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.string({ maxLength: 200 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
    fc
      .record({ msg: jsonMessage, flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), cut: fc.option(fc.nat(), { freq: 3 }) })
      .map(({ msg, flips, cut }) => {
        const bytes = Buffer.from(JSON.stringify(msg), 'utf8');
        for (const [at, byte] of flips) if (bytes.length > 0) bytes[at % bytes.length] = byte;
        return new Uint8Array(cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1)));
      }),
  )
  .map((bytes) => Buffer.from(bytes.filter((b) => b !== 0x0a)));

/** The line as text (invalid UTF-8 as U+FFFD), quoted. */
function showLine(line: Buffer): string {
  return JSON.stringify(line.toString('utf8'));
}

/** RPC targets: arbitrary byte lines, and arbitrary JSON values. */
export function rpcTargets(): FuzzTarget<Buffer>[] {
  return [
    { name: 'rpc.bytes', prepare: () => byteLine, check: checkLine, show: showLine },
    { name: 'rpc.json', prepare: () => jsonMessage.map((m) => Buffer.from(JSON.stringify(m), 'utf8')), check: checkLine, show: showLine },
  ];
}

/** Runtime directory, connection file and local socket (real files and a real Unix socket). */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connectionFileText,
  isProcessAlive,
  readConnectionFile,
  removeConnectionFile,
  writeConnectionFile,
  type ConnectionInfo,
} from '../../sidecar/rpc/transports/connection-file';
import { listenLocal, localEndpoint, probeSocket } from '../../sidecar/rpc/transports/local-socket';
import { ensureRuntimeDir, runtimeDirPath } from '../../sidecar/rpc/transports/runtime-dir';

const posix = process.platform !== 'win32';
const dirs: string[] = [];
const servers: net.Server[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cw-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const info = (over: Partial<ConnectionInfo> = {}): ConnectionInfo => ({
  transport: 'unix',
  path: '/x/sidecar.sock',
  pid: process.pid,
  version: '0.1.0',
  started: 1763700000000,
  ws: null,
  ...over,
});

describe('runtime directory', () => {
  const base = { platform: 'linux' as const, uid: 1000, user: 'ann', tmpdir: '/tmp' };
  it('prefers CANDLEWIRE_RUNTIME_DIR, then $XDG_RUNTIME_DIR/candlewire, then <tmp>/candlewire-<uid>', () => {
    expect(runtimeDirPath({ ...base, env: { CANDLEWIRE_RUNTIME_DIR: '/r', XDG_RUNTIME_DIR: '/run/user/1000' } })).toEqual({ dir: '/r', source: 'CANDLEWIRE_RUNTIME_DIR' });
    expect(runtimeDirPath({ ...base, env: { XDG_RUNTIME_DIR: '/run/user/1000' } })).toEqual({ dir: join('/run/user/1000', 'candlewire'), source: 'XDG_RUNTIME_DIR' });
    expect(runtimeDirPath({ ...base, env: {} })).toEqual({ dir: join('/tmp', 'candlewire-1000'), source: 'tmpdir' });
    expect(runtimeDirPath({ ...base, platform: 'win32', uid: undefined, env: {} }).dir).toBe(join('/tmp', 'candlewire-ann'));
  });

  it.skipIf(!posix)('is created 0700, and a looser directory of ours is tightened', () => {
    const parent = tempDir();
    const dir = join(parent, 'a', 'b');
    expect(ensureRuntimeDir({ dir, source: 'CANDLEWIRE_RUNTIME_DIR' })).toBeUndefined();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const loose = join(parent, 'loose');
    mkdirSync(loose, { mode: 0o755 });
    expect(ensureRuntimeDir({ dir: loose, source: 'CANDLEWIRE_RUNTIME_DIR' })).toBeUndefined();
    expect(statSync(loose).mode & 0o777).toBe(0o700);
    const file = join(parent, 'file');
    writeFileSync(file, '');
    expect(ensureRuntimeDir({ dir: file, source: 'CANDLEWIRE_RUNTIME_DIR' })?.message).toMatch(/cannot create|not a directory/);
  });
});

describe('connection file', () => {
  it('has exactly the documented fields, in order', () => {
    expect(connectionFileText(info({ ws: { url: 'ws://127.0.0.1:1', token: 'ab' } }))).toBe(
      '{"transport":"unix","path":"/x/sidecar.sock","pid":' + process.pid + ',"version":"0.1.0","started":1763700000000,"ws":{"url":"ws://127.0.0.1:1","token":"ab"}}\n',
    );
    expect(JSON.parse(connectionFileText(info())).ws).toBeNull();
  });

  it.skipIf(!posix)('is written 0600 through a temp file that does not linger, and read back', () => {
    const dir = tempDir();
    const file = join(dir, 'sidecar.json');
    writeConnectionFile(file, info());
    writeConnectionFile(file, info({ version: '0.2.0' })); // replaced atomically
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['sidecar.json']);
    expect(readConnectionFile(file)).toEqual(info({ version: '0.2.0' }));
  });

  it('reading: none is undefined, garbage is an Error naming the file', () => {
    const dir = tempDir();
    const file = join(dir, 'sidecar.json');
    expect(readConnectionFile(file)).toBeUndefined();
    writeFileSync(file, '{"transport":"tcp"}');
    const err = readConnectionFile(file);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(file);
  });

  it('is removed only by the process it names', () => {
    const dir = tempDir();
    const file = join(dir, 'sidecar.json');
    writeConnectionFile(file, info({ pid: 999_999 }));
    expect(removeConnectionFile(file, process.pid)).toBe(false);
    expect(existsSync(file)).toBe(true);
    expect(removeConnectionFile(file, 999_999)).toBe(true);
    expect(existsSync(file)).toBe(false);
  });

  it('tells live pids from dead ones', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(2 ** 22 + 12345)).toBe(false);
  });
});

describe('local socket', () => {
  it('names a Unix socket in the runtime dir, or a per-user named pipe on Windows', () => {
    expect(localEndpoint('/r', 'linux', 'ann', false)).toEqual({ transport: 'unix', path: join('/r', 'sidecar.sock') });
    expect(localEndpoint('C:\\r', 'win32', 'ann', false)).toEqual({ transport: 'pipe', path: '\\\\.\\pipe\\candlewire-ann' });
    expect(localEndpoint('C:\\r', 'win32', 'ann b', true).path).toMatch(/^\\\\\.\\pipe\\candlewire-ann_b-[0-9a-f]{8}$/);
  });

  it.skipIf(!posix)('listens 0600, refuses to displace a live socket and replaces a stale one', async () => {
    const dir = tempDir();
    const endpoint = localEndpoint(dir, process.platform, 'u', true);
    const first = await listenLocal(endpoint, (s) => s.on('error', () => undefined).end('hello\n'));
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    servers.push(first.server);
    expect(statSync(endpoint.path).mode & 0o777).toBe(0o600);
    expect(await probeSocket(endpoint.path)).toBe(true);
    const second = await listenLocal(endpoint, () => undefined);
    expect(second).toMatchObject({ ok: false, busy: true });
    // A stale socket file: nothing listens behind it.
    first.server.close();
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(endpoint.path, ''); // as if a crashed sidecar left it behind
    expect(await probeSocket(endpoint.path)).toBe(false);
    const third = await listenLocal(endpoint, (s) => s.on('error', () => undefined).end('again\n'));
    expect(third).toMatchObject({ ok: true, replacedStale: true });
    if (third.ok) servers.push(third.server);
    const got = await new Promise<string>((resolve) => {
      const c = net.connect(endpoint.path);
      let text = '';
      c.on('data', (d) => (text += d));
      c.on('end', () => resolve(text));
    });
    expect(got).toBe('again\n');
  });
});

/**
 * The local socket and the connection file of a shared sidecar (built dist/sidecar.js with
 * --socket, its own CANDLEWIRE_RUNTIME_DIR, against a fake Binance): permissions, contents,
 * removal on every way out, stale files replaced, a live sidecar never displaced.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json';
import { readConnectionFile } from '../support/rpc-socket-client';
import { SharedFixture } from '../support/shared-fixture';
import { SidecarProcess } from '../support/sidecar-process';

const posix = process.platform !== 'win32';

const fixture = new SharedFixture({ symbols: ['BTCUSDT', 'ETHUSDT'], seed: 11, tradeRate: 20, klinePushMs: 100, staleAfterMs: 3000 });
const { box } = fixture;

describe.skipIf(!posix)('local socket and connection file', () => {
  it('are private (socket and file 0600, directory 0700) and the file holds exactly the documented fields', async () => {
    const dir = box.runtimeDir();
    const t0 = Date.now();
    const { sc, file } = await box.start(dir);
    expect(Object.keys(file)).toEqual(['transport', 'path', 'pid', 'version', 'started', 'ws']);
    expect(file).toMatchObject({ transport: 'unix', path: join(dir, 'sidecar.sock'), pid: sc.child.pid, version: pkg.version, ws: null });
    expect(file.started).toBeGreaterThanOrEqual(t0 - 1000);
    expect(file.started).toBeLessThanOrEqual(Date.now());
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    expect(statSync(file.path).isSocket()).toBe(true);
    expect(statSync(join(dir, 'sidecar.json')).mode & 0o777).toBe(0o600);
    const c = await box.unix(file.path);
    expect((await c.call('initialize', { client: { name: 'vitest-socket' } })).pid).toBe(sc.child.pid);
  });

  it('removes the connection file and the socket on exit: stdin EOF, SIGTERM, SIGINT, parent death', async () => {
    const ways: Array<[string, (sc: SidecarProcess) => void, string[]]> = [
      ['stdin EOF', (sc) => sc.child.stdin.end(), []],
      ['SIGTERM', (sc) => sc.child.kill('SIGTERM'), []],
      ['SIGINT', (sc) => sc.child.kill('SIGINT'), []],
    ];
    const parent = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    ways.push(['parent death', () => parent.kill('SIGKILL'), ['--parent-pid', String(parent.pid)]]);
    await Promise.all(
      ways.map(async ([, stop, args]) => {
        const dir = box.runtimeDir();
        const { sc, file } = await box.start(dir, { args });
        expect(existsSync(file.path)).toBe(true);
        stop(sc);
        expect(await sc.exited).toBe(0);
        expect(existsSync(join(dir, 'sidecar.json'))).toBe(false);
        expect(existsSync(file.path)).toBe(false);
      }),
    );
  });

  it('replaces a stale file (dead pid) and never displaces a live sidecar, which keeps its file', async () => {
    const dir = box.runtimeDir();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    spawnSync('mkdir', ['-p', '-m', '700', dir]);
    writeFileSync(join(dir, 'sidecar.sock'), ''); // a crashed sidecar's leftover (nothing listens)
    writeFileSync(join(dir, 'sidecar.json'), JSON.stringify({ transport: 'unix', path: join(dir, 'sidecar.sock'), pid: dead, version: '0.0.1', started: 1, ws: null }), { mode: 0o600 });
    const first = await box.start(dir);
    expect(first.file.pid).toBe(first.sc.child.pid);
    expect(first.sc.stderr.join('\n')).toContain(`pid ${dead} is gone`);
    const c = await box.unix(first.file.path);
    expect(await c.call('ping')).toHaveProperty('time');

    const second = box.track(SidecarProcess.start({ configToml: fixture.configToml(), args: ['--socket'], env: { CANDLEWIRE_RUNTIME_DIR: dir } }));
    await second.waitFor('the "already serves" warning', () => second.stderr.some((l) => l.includes('WARN') && l.includes(`a live sidecar (pid ${first.sc.child.pid}) already serves`)));
    expect(await second.call('ping')).toHaveProperty('time'); // stdio still served
    expect(readConnectionFile(dir).pid).toBe(first.sc.child.pid);
    expect(await second.stop()).toBe(0);
    expect(readConnectionFile(dir).pid).toBe(first.sc.child.pid); // the second one did not remove the first's file
    expect(await c.call('ping')).toHaveProperty('time');
  });
});


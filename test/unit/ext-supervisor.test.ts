import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Supervisor, type LaunchPlan, type SupervisorOptions, type SupervisorState } from '../../extension/supervisor';
import { SIDECAR } from '../support/sidecar-process';

// Misbehaving sidecars: each is a tiny Node script speaking (or not) NDJSON JSON-RPC.
const dir = mkdtempSync(join(tmpdir(), 'candlewire-ext-sup-'));
const answer = `
  const rl = require('readline').createInterface({ input: process.stdin });
  const reply = (id, result) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, result }) + '\\n');`;
const fixtures = {
  crash: `process.stderr.write('2025-01-01T00:00:00.000Z ERROR boom: cannot go on\\n'); process.exit(1);`,
  usage: `process.stderr.write('candlewire: config.toml: exchanges.acme.spot_ws_url: expected a ws:// or wss:// URL, got "http://x"\\n'); process.exit(2);`,
  hang: `process.stdin.resume(); setInterval(() => {}, 1000);`,
  // Answers initialize, then ignores shutdown, stdin EOF and SIGTERM: only SIGKILL stops it.
  stubborn: `${answer}
    process.on('SIGTERM', () => {});
    rl.on('line', (l) => { const m = JSON.parse(l); if (m.method === 'initialize') reply(m.id, { name: 'candlewire', version: 'x', protocolVersion: 1, pid: process.pid, exchanges: [] }); });
    rl.on('close', () => setInterval(() => {}, 1000));`,
  slowStart: `${answer}
    rl.on('line', (l) => { const m = JSON.parse(l); setTimeout(() => reply(m.id, { name: 'candlewire', version: 'slow', protocolVersion: 1, pid: process.pid, exchanges: [] }), 300); });`,
};
for (const [name, code] of Object.entries(fixtures)) writeFileSync(join(dir, `${name}.js`), code);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

function make(script: string, args: string[] = [], opts: Partial<SupervisorOptions> = {}) {
  const states: SupervisorState['kind'][] = [];
  const log: string[] = [];
  const stderr: string[] = [];
  let spawns = 0;
  const sup = new Supervisor({
    plan: async (): Promise<LaunchPlan> => {
      spawns++;
      return { command: process.execPath, args: [script, ...args], env: { ...process.env } };
    },
    log: { info: (m) => log.push(`info ${m}`), warn: (m) => log.push(`warn ${m}`), error: (m) => log.push(`error ${m}`) },
    onStderrLine: (l) => stderr.push(l),
    onNotification: () => undefined,
    restartDelayMs: 10,
    stopTimeoutMs: 2000,
    ...opts,
  });
  sup.onState((s) => states.push(s.kind));
  supervisors.push(sup);
  return { sup, states, log, stderr, spawns: () => spawns };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until<T>(what: string, f: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Supervisor with the real sidecar', () => {
  it('starts, restarts after a crash with a new process, and stops cleanly', async () => {
    const { sup, states, log } = make(SIDECAR, ['--demo', '--log-level', 'warn']);
    const first = await sup.start();
    expect(first.kind).toBe('running');
    const pid1 = (first as Extract<SupervisorState, { kind: 'running' }>).pid;
    expect((first as Extract<SupervisorState, { kind: 'running' }>).info.name).toBe('candlewire');
    process.kill(pid1, 'SIGKILL');
    await until('a restart', () => sup.state.kind === 'running' && (sup.state as { pid: number }).pid !== pid1);
    expect(states).toEqual(['starting', 'running', 'restarting', 'starting', 'running']);
    const pid2 = (sup.state as { pid: number }).pid;
    await sup.stop();
    expect(sup.state.kind).toBe('stopped');
    expect(alive(pid2)).toBe(false);
    // The shutdown request made it exit by itself: no kill was needed.
    expect(log.some((l) => l.includes('killing it'))).toBe(false);
  });
});

describe('Supervisor with misbehaving sidecars', () => {
  it('gives up after the crash budget and says why', async () => {
    const { sup, spawns, log } = make(join(dir, 'crash.js'), [], { budget: { maxCrashes: 3, windowMs: 60_000 } });
    void sup.start();
    const s = await until('failure', () => (sup.state.kind === 'failed' ? sup.state : undefined));
    expect(spawns()).toBe(3);
    expect(s.configError).toBe(false);
    expect(s.reason).toContain('exited with code 1: boom: cannot go on');
    expect(s.reason).toContain('3 crashes in 1 minutes; not restarting');
    expect(log.filter((l) => l.startsWith('warn') && l.includes('restarting in'))).toHaveLength(2);
  });

  it('does not restart on a configuration error and passes its message on', async () => {
    const { sup, spawns } = make(join(dir, 'usage.js'));
    const s = await sup.start();
    expect(s).toMatchObject({ kind: 'failed', configError: true });
    expect((s as { reason: string }).reason).toContain('exchanges.acme.spot_ws_url: expected a ws:// or wss:// URL');
    expect(spawns()).toBe(1);
  });

  it('kills a sidecar that never answers initialize and counts it as a crash', async () => {
    const { sup, log } = make(join(dir, 'hang.js'), [], { initializeTimeoutMs: 200, budget: { maxCrashes: 1 } });
    void sup.start();
    await until('failure', () => sup.state.kind === 'failed');
    expect(log.some((l) => l.includes('did not answer initialize'))).toBe(true);
  });

  it('waits for a slow start', async () => {
    const { sup } = make(join(dir, 'slowStart.js'));
    const s = await sup.start();
    expect(s).toMatchObject({ kind: 'running', info: { version: 'slow' } });
  });

  it('kills a sidecar that ignores shutdown once the stop deadline passes', async () => {
    const { sup, log } = make(join(dir, 'stubborn.js'), [], { stopTimeoutMs: 300 });
    const s = await sup.start();
    const pid = (s as { pid: number }).pid;
    await sup.stop();
    expect(alive(pid)).toBe(false);
    expect(log.some((l) => l.includes('did not exit within 300 ms; killing it'))).toBe(true);
    expect(sup.state.kind).toBe('stopped');
  });

  it('reports a launch plan error without spawning, and an executable that does not exist', async () => {
    const planError = new Supervisor({
      plan: async () => new Error('Setting candlewire.nodePath: "/nope" is not a file'),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      onStderrLine: () => undefined,
      onNotification: () => undefined,
    });
    expect(await planError.start()).toMatchObject({ kind: 'failed', configError: true, reason: 'Setting candlewire.nodePath: "/nope" is not a file' });
    const missing = new Supervisor({
      plan: async () => ({ command: join(dir, 'no-such-node'), args: [], env: {} }),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      onStderrLine: () => undefined,
      onNotification: () => undefined,
    });
    const s = await missing.start();
    expect(s.kind).toBe('failed');
    expect((s as { reason: string }).reason).toContain('could not be started');
  });

  it('restart() starts over with a full budget', async () => {
    const { sup } = make(join(dir, 'crash.js'), [], { budget: { maxCrashes: 1 } });
    expect((await sup.start()).kind).toBe('failed');
    const again = await sup.restart();
    expect(again.kind).toBe('failed');
  });
});

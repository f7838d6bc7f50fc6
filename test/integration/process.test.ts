/**
 * The sidecar as a process: what a parent (VS Code, a Python strategy, a shell pipe) relies on.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { SIDECAR } from '../support/sidecar-process';

const quietEnv = { ...process.env, HTTPS_PROXY: '', HTTP_PROXY: '', ALL_PROXY: '' };

describe('sidecar process', () => {
  it('answers a piped exchanges.list with exactly one JSON-RPC line and exits when stdin closes', () => {
    const r = spawnSync(process.execPath, [SIDECAR], {
      input: '{"jsonrpc":"2.0","id":1,"method":"exchanges.list"}\n',
      env: quietEnv,
      timeout: 15_000,
    });
    expect(r.status).toBe(0);
    const lines = r.stdout.toString().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const msg = JSON.parse(lines[0]);
    expect(msg.jsonrpc).toBe('2.0');
    expect(msg.id).toBe(1);
    expect(msg.result.map((e: { id: string }) => e.id)).toContain('binance');
    expect(r.stderr.toString()).toContain('serving JSON-RPC on stdio');
  });

  it('exits when the process given by --parent-pid disappears', async () => {
    const parent = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const child = spawn(process.execPath, [SIDECAR, '--parent-pid', String(parent.pid)], { env: quietEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 500));
    expect(child.exitCode).toBeNull(); // stdin is still open: only the parent's death can stop it
    parent.kill('SIGKILL');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
    child.kill('SIGKILL');
    expect(code).toBe(0);
  });

  it('rejects bad command lines and bad config files with a message naming the problem', () => {
    const bad = spawnSync(process.execPath, [SIDECAR, 'watch', 'binance:futures:BTCUSDT:1m'], { env: quietEnv });
    expect(bad.status).toBe(2);
    expect(bad.stderr.toString()).toContain('market must be spot or perp, got "futures"');
    const missing = spawnSync(process.execPath, [SIDECAR, '--config', '/nonexistent/candlewire.toml'], { env: quietEnv, input: '' });
    expect(missing.status).toBe(2);
    expect(missing.stderr.toString()).toContain('/nonexistent/candlewire.toml: cannot read the config file: no such file');
  });

  it('watch --demo shows live candles offline and exits cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, [SIDECAR, 'watch', '--demo', 'binance:spot:BTCUSDT:1m', 'binance:perp:ETH/USDT:USDT:5s:trades'], { env: quietEnv });
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !(lines.some((l) => l.includes('BTCUSDT:1m') && l.includes('forming')) && lines.some((l) => l.includes('ETH/USDT:USDT:5s:trades')))) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(lines.find((l) => l.includes('binance:spot:BTCUSDT:1m') && l.includes('forming'))).toMatch(/O \d+(\.\d+)?  H .*  C .*  V /);
    expect(lines.some((l) => l.includes('ETH/USDT:USDT:5s:trades'))).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 30_000);
});

/**
 * A real tinyproxy (Debian package `tinyproxy`) on 127.0.0.1 that can die and come back on the
 * same port — the "proxy dies and comes back" fault. Its log names every CONNECT tunnel, so the
 * matrix can prove the traffic went through it before and after the restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canConnect, findBinary, freePort, tinyproxyConf, tinyproxyTunnels } from '../integration/proxy-servers';

/** The tinyproxy binary, or undefined when it is not installed. */
export function tinyproxyBinary(): string | undefined {
  return findBinary('tinyproxy');
}

export class RestartableProxy {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'candlewire-faults-proxy-'));
  private readonly logFile = join(this.dir, 'tinyproxy.log');

  private constructor(
    private readonly binary: string,
    readonly port: number,
  ) {}

  /** Starts tinyproxy on a free port of 127.0.0.1. */
  static async start(binary: string): Promise<RestartableProxy> {
    let last: Error | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const proxy = new RestartableProxy(binary, await freePort());
      try {
        await proxy.up();
        return proxy;
      } catch (err) {
        last = err as Error;
        await proxy.close();
      }
    }
    throw last ?? new Error('tinyproxy did not start');
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The whole log, every run appended. */
  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Destinations (`host:port`) of every CONNECT in the log, oldest first. */
  tunnels(): string[] {
    return tinyproxyTunnels(this.log());
  }

  /** Kills the proxy at once (SIGKILL: every tunnel dies with it, as when a proxy crashes). */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Starts it again on the same port (retrying while the port is still being released). */
  async restart(): Promise<void> {
    await this.kill();
    let last: Error | undefined;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await this.up();
        return;
      } catch (err) {
        last = err as Error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    throw last ?? new Error(`tinyproxy did not come back on port ${this.port}`);
  }

  async close(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async up(): Promise<void> {
    const conf = join(this.dir, 'tinyproxy.conf');
    writeFileSync(conf, tinyproxyConf({ port: this.port, logFile: this.logFile, timeoutSec: 600, maxClients: 400 }));
    // -d: foreground, so this process owns it and it dies with SIGKILL.
    const child = spawn(this.binary, ['-d', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let exited = false;
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', () => (exited = true));
    const deadline = Date.now() + 5000;
    while (!exited && Date.now() < deadline) {
      if (await canConnect(this.port)) {
        this.child = child;
        return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    throw new Error(`tinyproxy did not listen on 127.0.0.1:${this.port}: ${stderr.trim() || 'no output'}`);
  }
}

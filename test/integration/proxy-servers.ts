/**
 * Real proxy servers from Debian packages, started on 127.0.0.1 for one test file: tinyproxy
 * (HTTP CONNECT) and microsocks (SOCKS5). Each keeps a log that names every tunnel it opened, so
 * a test can prove the sidecar's traffic went through it.
 *
 * A missing binary skips the proxy tests with a message, except in CI (CI set), where it fails
 * them: .ci/run installs both packages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where Debian puts daemons, searched after PATH (tinyproxy was in /usr/sbin before bookworm). */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/bin', '/usr/local/bin'];

/** The absolute path of an executable, or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface ProxyAvailability {
  /** The binary, when installed. */
  path: string | undefined;
  /** Skip the tests (binary missing outside CI). */
  skip: boolean;
  /** Why it is skipped or why it fails, for the test title and the failure. */
  reason: string;
}

/** Whether a proxy's tests can run; prints why they are skipped. */
export function proxyAvailability(binary: string, debianPackage: string): ProxyAvailability {
  const path = findBinary(binary);
  if (path) return { path, skip: false, reason: '' };
  const reason = `${binary} is not installed (Debian package ${debianPackage}: apt-get install ${debianPackage})`;
  if (process.env.CI) return { path, skip: false, reason: `${reason}; CI must install it (.ci/run)` };
  process.stderr.write(`SKIPPING proxy tests that need ${binary}: ${reason}\n`);
  return { path, skip: true, reason };
}

/** A free TCP port on 127.0.0.1 (tinyproxy cannot be told to pick one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface ProxyServer {
  /** `http://127.0.0.1:PORT` or `socks5h://[user:pass@]127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Destination `host:port` of every tunnel the proxy was asked for, oldest first. */
  tunnels(): string[];
  /** How many tunnels went to `port` on 127.0.0.1. */
  tunnelsTo(port: number): number;
  /** The raw log, for failure messages. */
  log(): string;
  close(): Promise<void>;
}

async function launch(
  what: string,
  start: (port: number) => ChildProcess,
  output: () => string,
  tunnels: () => string[],
  url: (port: number) => string,
): Promise<ProxyServer> {
  let lastError = '';
  // The port is chosen before the proxy binds it: another process may win the race; try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = start(port);
    let exited = false;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', () => (exited = true));
    const deadline = Date.now() + 5000;
    while (!exited && Date.now() < deadline && !(await canConnect(port))) await new Promise((r) => setTimeout(r, 25));
    if (!exited && (await canConnect(port))) {
      return {
        url: url(port),
        port,
        tunnels,
        tunnelsTo: (p) => tunnels().filter((t) => t === `127.0.0.1:${p}`).length,
        log: output,
        close: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 2000).unref();
          }),
      };
    }
    child.kill('SIGKILL');
    lastError = `${stderr}${output()}`.trim();
  }
  throw new Error(`${what} did not start listening on 127.0.0.1: ${lastError || 'no output'}`);
}

export interface TinyproxyOptions {
  /** `ConnectPort` lines: only these destination ports may be tunnelled (none: every port). */
  connectPorts?: number[];
  /** `BasicAuth user password`. */
  basicAuth?: { user: string; password: string };
}

/** A tinyproxy config: 127.0.0.1 only, every CONNECT logged (LogLevel Connect) to `logFile`. */
export function tinyproxyConf(o: TinyproxyOptions & { port: number; logFile: string; timeoutSec: number; maxClients: number }): string {
  return [
    `Port ${o.port}`,
    'Listen 127.0.0.1',
    `Timeout ${o.timeoutSec}`,
    `LogFile "${o.logFile}"`,
    'LogLevel Connect',
    `MaxClients ${o.maxClients}`,
    'Allow 127.0.0.1',
    ...(o.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
    ...(o.basicAuth ? [`BasicAuth ${o.basicAuth.user} ${o.basicAuth.password}`] : []),
    '',
  ].join('\n');
}

/** Destinations (`host:port`) of every CONNECT in a tinyproxy log, oldest first. */
export function tinyproxyTunnels(log: string): string[] {
  // "Request (file descriptor 5): CONNECT 127.0.0.1:40123 HTTP/1.1"
  return [...log.matchAll(/Request \(file descriptor \d+\): CONNECT (\S+) HTTP/g)].map((m) => m[1]);
}

/**
 * tinyproxy in the foreground with a config in a temp dir: listens on 127.0.0.1 only, allows
 * only 127.0.0.1, logs every CONNECT (LogLevel Connect) to a file.
 */
export async function startTinyproxy(binary: string, options: TinyproxyOptions = {}): Promise<ProxyServer> {
  const dir = mkdtempSync(join(tmpdir(), 'candlewire-tinyproxy-'));
  const logFile = join(dir, 'tinyproxy.log');
  const read = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const tunnels = () => tinyproxyTunnels(read());
  return launch(
    'tinyproxy',
    (port) => {
      const file = join(dir, `tinyproxy-${port}.conf`);
      writeFileSync(file, tinyproxyConf({ port, logFile, timeoutSec: 30, maxClients: 200, ...options }));
      // -d: stay in the foreground, so the test owns (and ends) the process.
      return spawn(binary, ['-d', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    },
    read,
    tunnels,
    (port) => `http://127.0.0.1:${port}`,
  );
}

/** microsocks on 127.0.0.1, with user/password authentication when `auth` is given. It logs each tunnel to stderr. */
export async function startMicrosocks(binary: string, auth?: { user: string; password: string }): Promise<ProxyServer> {
  let output = '';
  // "client[4] 127.0.0.1: connected to 127.0.0.1:40123"
  const tunnels = () => [...output.matchAll(/: connected to (\S+)/g)].map((m) => m[1]);
  return launch(
    'microsocks',
    (port) => {
      output = '';
      const args = ['-i', '127.0.0.1', '-p', String(port), ...(auth ? ['-u', auth.user, '-P', auth.password] : [])];
      const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      return child;
    },
    () => output,
    tunnels,
    (port) => `socks5h://${auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.password)}@` : ''}127.0.0.1:${port}`,
  );
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function deadPort(): Promise<number> {
  return freePort();
}

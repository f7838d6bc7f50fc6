/**
 * The local socket: a Unix domain socket (mode 0600, in the 0700 runtime directory) or, on
 * Windows, a named pipe. Listening is careful about a predecessor: a socket that still answers
 * belongs to a live sidecar and is never taken over; one that does not answer is stale and removed.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { SOCKET_FILE_NAME } from './connection-file';

export interface LocalEndpoint {
  transport: 'unix' | 'pipe';
  path: string;
}

/**
 * Where to listen. Unix: `<dir>/sidecar.sock`. Windows: `\\.\pipe\candlewire-<user>`, with a hash
 * of the runtime directory appended when CANDLEWIRE_RUNTIME_DIR chose it (so isolated instances,
 * e.g. tests, do not collide). Pure.
 */
export function localEndpoint(dir: string, platform: NodeJS.Platform, user: string, dirFromEnv: boolean): LocalEndpoint {
  if (platform !== 'win32') return { transport: 'unix', path: join(dir, SOCKET_FILE_NAME) };
  const who = user.replace(/[^A-Za-z0-9_.-]/g, '_') || 'user';
  const suffix = dirFromEnv ? `-${createHash('sha256').update(dir).digest('hex').slice(0, 8)}` : '';
  return { transport: 'pipe', path: `\\\\.\\pipe\\candlewire-${who}${suffix}` };
}

/** Resolves true when something accepts a connection at `path` within the timeout. */
export function probeSocket(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(path);
    const done = (alive: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve(alive);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export type ListenOutcome =
  | { ok: true; server: net.Server; endpoint: LocalEndpoint; replacedStale: boolean }
  | { ok: false; busy: true; endpoint: LocalEndpoint }
  | { ok: false; busy: false; error: Error; endpoint: LocalEndpoint };

/**
 * Listens on the endpoint unless a live server already answers there. `onConnection` gets each
 * accepted socket. The socket file is created with mode 0600 (umask during bind, then chmod).
 */
export async function listenLocal(endpoint: LocalEndpoint, onConnection: (socket: net.Socket) => void, probeTimeoutMs = 1000): Promise<ListenOutcome> {
  let replacedStale = false;
  if (endpoint.transport === 'unix' && existsSync(endpoint.path)) {
    if (await probeSocket(endpoint.path, probeTimeoutMs)) return { ok: false, busy: true, endpoint };
    try {
      unlinkSync(endpoint.path);
      replacedStale = true;
    } catch (err) {
      return { ok: false, busy: false, error: new Error(`cannot remove the stale socket ${endpoint.path}: ${(err as Error).message}`), endpoint };
    }
  }
  const server = net.createServer(onConnection);
  const bound = await bind(server, endpoint);
  if (bound === 'in-use') {
    // Another sidecar won the race between our check and our bind (or a pipe is taken).
    return { ok: false, busy: true, endpoint };
  }
  if (bound instanceof Error) return { ok: false, busy: false, error: bound, endpoint };
  if (endpoint.transport === 'unix') {
    try {
      chmodSync(endpoint.path, 0o600);
    } catch (err) {
      server.close();
      return { ok: false, busy: false, error: new Error(`cannot make ${endpoint.path} private (chmod 0600): ${(err as Error).message}`), endpoint };
    }
  }
  return { ok: true, server, endpoint, replacedStale };
}

function bind(server: net.Server, endpoint: LocalEndpoint): Promise<'ok' | 'in-use' | Error> {
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve('in-use');
      else resolve(new Error(`cannot listen on ${endpoint.path}: ${err.message}`));
    });
    // The socket file takes the process umask: make it private from the first instant. Node binds
    // synchronously inside listen(), so the umask is restored before anything else runs.
    const previous = endpoint.transport === 'unix' ? process.umask(0o177) : undefined;
    try {
      server.listen(endpoint.path, () => resolve('ok'));
    } catch (err) {
      resolve(err instanceof Error ? err : new Error(String(err)));
    } finally {
      if (previous !== undefined) process.umask(previous);
    }
  });
}

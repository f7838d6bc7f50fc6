/**
 * Sharing one sidecar between programs: the local socket + connection file (`--socket`) and the
 * optional WebSocket transport (`--ws`). Every accepted connection becomes its own client
 * (a Session) of the one hub, after the max_clients check. The connection file is written once
 * everything listens and removed on exit; a live predecessor is never displaced (this sidecar
 * then serves stdio only).
 */
import { userInfo, tmpdir } from 'node:os';
import type net from 'node:net';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { ErrorCode } from '../schema';
import {
  CONNECTION_FILE_NAME,
  isProcessAlive,
  readConnectionFile,
  removeConnectionFile,
  writeConnectionFile,
  type ConnectionInfo,
} from './connection-file';
import { listenLocal, localEndpoint, probeSocket, type LocalEndpoint } from './local-socket';
import { ensureRuntimeDir, runtimeDirPath } from './runtime-dir';
import { newToken } from './token';
import { webSocketStreams } from './ws-streams';
import { startWsServer, type WsServer } from './ws-server';

/** What the transports need of a client session. */
export interface SharedSession {
  readonly id: string;
  readonly clientName: string;
  /** Resolves when no request is in flight and the queue has drained (or after the timeout). */
  idle(timeoutMs: number): Promise<void>;
}

export type TransportName = 'unix' | 'pipe' | 'ws';

export interface SharingOptions {
  /** WebSocket transport; undefined: none. `host` is already checked (loopback or explicit). */
  ws?: { host: string; port: number };
  version: string;
  log: { error(m: string): void; warn(m: string): void; info(m: string): void; debug(m: string): void };
  maxClients: number;
  /** Largest WebSocket message accepted (the NDJSON line limit). */
  maxLineBytes: number;
  /** Clients connected now (every transport, stdio included). */
  clientCount(): number;
  onRefused?(): void;
  onUnauthorized?(): void;
  metricsText(): string;
  /** Opens a Session over the streams; `onClose` runs once when it ends, with the reason. */
  openSession(input: Readable, output: Writable, onClose: (reason: string) => void): SharedSession;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface Sharing {
  /** What the connection file says; undefined when this sidecar serves stdio only. */
  readonly info: ConnectionInfo | undefined;
  /** The connection file's path. */
  readonly file: string | undefined;
  /** Stops accepting clients and removes the socket and the connection file. */
  close(): Promise<void>;
  /** The synchronous part of close, for process 'exit'. */
  removeFilesSync(): void;
}

const NOTHING: Sharing = { info: undefined, file: undefined, close: async () => undefined, removeFilesSync: () => undefined };

/** Starts the local socket (and WebSocket). Never throws: problems are logged and stdio carries on. */
export async function startSharing(o: SharingOptions): Promise<Sharing> {
  const env = o.env ?? process.env;
  const user = safeUser();
  const rd = runtimeDirPath({ env, platform: process.platform, uid: process.getuid?.(), user, tmpdir: tmpdir() });
  const dirError = ensureRuntimeDir(rd);
  if (dirError) {
    o.log.warn(`${dirError.message}; serving stdio only`);
    return NOTHING;
  }
  const file = join(rd.dir, CONNECTION_FILE_NAME);
  const endpoint = localEndpoint(rd.dir, process.platform, user, rd.source === 'CANDLEWIRE_RUNTIME_DIR');

  const previous = readConnectionFile(file);
  if (previous instanceof Error) o.log.warn(`${previous.message}; replacing it`);
  else if (previous && previous.pid !== process.pid && isProcessAlive(previous.pid) && (await probeSocket(previous.path))) {
    o.log.warn(`a live sidecar (pid ${previous.pid}) already serves ${previous.path}; serving stdio only (connect to it instead, or stop it first)`);
    return NOTHING;
  } else if (previous) {
    o.log.info(`replacing the stale connection file ${file} (pid ${previous.pid} is gone)`);
  }

  const refuse = (transport: TransportName, send: (line: string) => void) => {
    const n = o.clientCount();
    if (n < o.maxClients) return false;
    o.onRefused?.();
    const message = `too many clients: ${n} connected (limit ${o.maxClients}, config [rpc] max_clients)`;
    o.log.warn(`refused a ${describe(transport)} client: ${message}`);
    send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: ErrorCode.LimitExceeded, message, data: { limit: 'maxClients', value: o.maxClients } } }));
    return true;
  };

  const sockets = new Set<net.Socket>();
  const listening = await listenLocal(endpoint, (socket) => {
    socket.on('error', () => undefined);
    if (refuse(endpoint.transport, (line) => socket.end(`${line}\n`))) {
      destroyLater(socket);
      return;
    }
    sockets.add(socket);
    const session = o.openSession(socket, socket, (reason) => {
      sockets.delete(socket);
      logClosed(o.log, session, endpoint.transport, reason);
      // A client that half-closed after its last request still gets the answers in flight.
      const finish = () => {
        socket.end();
        destroyLater(socket);
      };
      if (reason === 'input closed') void session.idle(5000).then(finish);
      else finish();
    });
    o.log.debug(`client ${session.id} connected on the ${describe(endpoint.transport)}`);
  });
  if (!listening.ok) {
    if (listening.busy) o.log.warn(`a live sidecar already serves ${endpoint.path}; serving stdio only`);
    else o.log.warn(`${listening.error.message}; serving stdio only`);
    return NOTHING;
  }
  if (listening.replacedStale) o.log.info(`removed the stale socket ${endpoint.path}`);

  let ws: WsServer | undefined;
  let token: string | undefined;
  if (o.ws) {
    token = newToken();
    try {
      ws = await startWsServer({
        host: o.ws.host,
        port: o.ws.port,
        token,
        maxPayload: o.maxLineBytes,
        log: o.log,
        metricsText: o.metricsText,
        onUnauthorized: o.onUnauthorized,
        onConnection: (socket: WebSocket) => {
          if (refuse('ws', (line) => socket.send(line))) {
            socket.close(1013, 'too many clients');
            return;
          }
          const { input, output } = webSocketStreams(socket);
          const session = o.openSession(input, output, (reason) => {
            logClosed(o.log, session, 'ws', reason);
            if (reason === 'input closed') socket.close(1000);
            else socket.close(1008, reason.slice(0, 120));
            const t = setTimeout(() => socket.terminate(), 1000);
            t.unref();
          });
          o.log.debug(`client ${session.id} connected over WebSocket`);
        },
      });
    } catch (err) {
      o.log.error(`${(err as Error).message}; WebSocket transport off`);
      token = undefined;
    }
  }

  const info: ConnectionInfo = {
    transport: endpoint.transport,
    path: endpoint.path,
    pid: process.pid,
    version: o.version,
    started: Date.now(),
    ws: ws && token ? { url: ws.url, token } : null,
  };
  try {
    writeConnectionFile(file, info);
  } catch (err) {
    o.log.error(`cannot write the connection file ${file}: ${(err as Error).message}; serving stdio only`);
    listening.server.close();
    await ws?.close();
    removeSocketFile(endpoint);
    return NOTHING;
  }
  o.log.info(`sharing: local socket ${endpoint.path}${ws ? `, WebSocket ${ws.url}` : ''}; connection file ${file}`);

  let removed = false;
  const removeFilesSync = () => {
    if (removed) return;
    removed = true;
    process.off('exit', removeFilesSync);
    removeConnectionFile(file, process.pid);
    removeSocketFile(endpoint);
  };
  // Every way out of the process passes 'exit' (signals and stdin EOF via the CLI's stop, parent
  // death, shutdown, fatal errors); only SIGKILL leaves a stale file, which the next sidecar replaces.
  process.on('exit', removeFilesSync);
  return {
    info,
    file,
    removeFilesSync,
    close: async () => {
      removeFilesSync();
      listening.server.close();
      for (const s of sockets) s.destroy();
      await ws?.close();
    },
  };
}

function removeSocketFile(endpoint: LocalEndpoint): void {
  if (endpoint.transport !== 'unix') return;
  try {
    unlinkSync(endpoint.path);
  } catch {
    // already gone
  }
}

function describe(t: TransportName): string {
  return t === 'unix' ? 'local socket' : t === 'pipe' ? 'named pipe' : 'WebSocket';
}

function logClosed(log: SharingOptions['log'], s: SharedSession, t: TransportName, reason: string): void {
  const who = `client ${s.clientName === 'unknown client' ? '' : `"${s.clientName}" `}(${s.id}) on the ${describe(t)}`;
  // A client leaving is routine; being disconnected by the sidecar is worth a warning.
  if (reason === 'input closed') log.debug(`${who} disconnected`);
  else log.warn(`${who} disconnected: ${reason}`);
}

function destroyLater(socket: net.Socket): void {
  const t = setTimeout(() => socket.destroy(), 1000);
  t.unref();
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'user';
  }
}

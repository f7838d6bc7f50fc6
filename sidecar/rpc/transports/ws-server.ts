/**
 * The optional WebSocket transport, for browser tools: an HTTP server on 127.0.0.1 (another host
 * only with --ws-host) that upgrades requests carrying the token from the connection file and
 * serves `/metrics` (Prometheus text) under the same token rule. A missing or wrong token gets
 * HTTP 401 and a log line; the comparison is constant-time.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { throttled } from '../../log';
import { urlHost } from './loopback';
import { requestToken, tokenMatches } from './token';

export interface WsServerOptions {
  host: string;
  port: number;
  token: string;
  /** Largest accepted message, in bytes. */
  maxPayload: number;
  log: { warn(m: string): void; info(m: string): void; debug(m: string): void };
  /** The Prometheus page. */
  metricsText(): string;
  /** Counts refused requests. */
  onUnauthorized?(): void;
  /** An authenticated WebSocket. */
  onConnection(ws: WebSocket, req: IncomingMessage): void;
}

export interface WsServer {
  /** `ws://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts listening; rejects with a readable Error when the address cannot be bound. */
export async function startWsServer(o: WsServerOptions): Promise<WsServer> {
  const warnRefused = throttled((m) => o.log.warn(m));
  const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxPayload });
  const authorized = (req: IncomingMessage): 'ok' | 'missing token' | 'wrong token' => {
    const given = requestToken(req);
    if (given === undefined) return 'missing token';
    return tokenMatches(o.token, given) ? 'ok' : 'wrong token';
  };
  const refuse = (req: IncomingMessage, why: string, what: string) => {
    o.onUnauthorized?.();
    warnRefused(`refused ${what} from ${req.socket.remoteAddress ?? 'unknown'}: ${why} (HTTP 401; the token is in the connection file)`);
  };
  const server = http.createServer((req, res) => {
    const path = pathOf(req);
    if (path !== '/metrics') return reply(res, 404, 'not found: try /metrics, or open a WebSocket\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'use GET\n', { Allow: 'GET, HEAD' });
    const auth = authorized(req);
    if (auth !== 'ok') {
      refuse(req, auth, 'a /metrics request');
      return reply(res, 401, `${auth}: send Authorization: Bearer <token> or ?token=<token>\n`, { 'WWW-Authenticate': 'Bearer' });
    }
    reply(res, 200, o.metricsText(), { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }, req.method === 'HEAD');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const auth = authorized(req);
    if (auth !== 'ok') {
      refuse(req, auth, 'a WebSocket client');
      socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => o.onConnection(ws, req));
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen for WebSocket clients on ${o.host}:${o.port}: ${err.message}`)));
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://${urlHost(o.host)}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return '/';
  }
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}, headOnly = false): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(headOnly ? undefined : body);
}

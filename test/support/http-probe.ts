/** Probes of the sidecar's WebSocket listener from outside: the upgrade's status, a plain GET. */
import WebSocket from 'ws';
import { HttpError, httpGet, type HttpResponse } from '../../sidecar/feed/http';

/** The HTTP status a WebSocket upgrade gets: 101 when it opens, else the refusal's status. */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise<number>((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => undefined);
  });
}

/** A GET with the project's HTTP client; a transport failure rejects. */
export async function getOrThrow(url: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
  const r = await httpGet(url, { headers });
  if (r instanceof HttpError) throw r;
  return r;
}

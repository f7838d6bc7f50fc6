/**
 * A WebSocket as the (Readable, Writable) pair a Session speaks NDJSON over. Each incoming
 * message is one JSON-RPC message (pretty-printed JSON is fine) or several NDJSON lines; each
 * outgoing line becomes one text message. Back-pressure is real: a write completes only when
 * `ws` has handed the frame to the socket, so a client that stops reading fills the Writable,
 * which makes the Session's bounded outbound queue take over.
 */
import { PassThrough, Writable, type Readable } from 'node:stream';
import WebSocket from 'ws';

/** Turns one WebSocket message into NDJSON text (ending in a newline). Pure. */
export function messageToLines(text: string): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (!body.includes('\n')) return `${body}\n`;
  // One JSON value spread over lines: raw newlines in JSON are only ever whitespace.
  try {
    JSON.parse(body);
    return `${body.replace(/\r?\n/g, ' ')}\n`;
  } catch {
    return `${body}\n`; // NDJSON: several messages, one per line
  }
}

export interface WebSocketStreams {
  input: Readable;
  output: Writable;
}

/** Adapts `ws`; the streams end when the socket closes. */
export function webSocketStreams(ws: WebSocket): WebSocketStreams {
  const input = new PassThrough();
  ws.on('message', (data: WebSocket.RawData) => {
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    input.write(messageToLines(text));
  });
  const output = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, cb) {
      send(ws, [chunk], cb);
    },
    writev(chunks, cb) {
      send(
        ws,
        chunks.map((c) => c.chunk as string | Buffer),
        cb,
      );
    },
    destroy(err, cb) {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
      cb(err);
    },
  });
  ws.on('close', () => {
    input.end();
    output.destroy();
  });
  ws.on('error', () => undefined); // 'close' follows; the Session learns it from the input ending
  return { input, output };
}

function send(ws: WebSocket, chunks: Array<string | Buffer>, cb: (err?: Error | null) => void): void {
  if (ws.readyState !== WebSocket.OPEN) {
    cb(new Error('WebSocket closed'));
    return;
  }
  for (let i = 0; i < chunks.length; i++) {
    const raw = typeof chunks[i] === 'string' ? (chunks[i] as string) : (chunks[i] as Buffer).toString('utf8');
    const text = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
    // Only the last frame's completion matters: frames complete in order.
    ws.send(text, i === chunks.length - 1 ? (err) => cb(err ?? null) : undefined);
  }
}

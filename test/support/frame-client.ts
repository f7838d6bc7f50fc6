/** A plain `ws` client for the fake-exchange tests: records every text frame, counts pings and pongs. */
import WebSocket from 'ws';

export type Json = Record<string, unknown>;

export interface FrameClientOptions extends WebSocket.ClientOptions {
  /** Send the text `ping` this often (protocols whose clients must, e.g. OKX); off by default. */
  textPingMs?: number;
}

export class FrameClient {
  readonly frames: string[] = [];
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  pongs = 0;
  pings = 0;
  private readonly keepAlive: NodeJS.Timeout | undefined;

  constructor(url: string, { textPingMs, ...options }: FrameClientOptions = {}) {
    this.ws = new WebSocket(url, options);
    this.ws.on('message', (data) => this.frames.push(data.toString()));
    this.ws.on('pong', () => this.pongs++);
    this.ws.on('ping', () => this.pings++);
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    if (textPingMs) this.keepAlive = setInterval(() => this.ws.readyState === WebSocket.OPEN && this.ws.send('ping'), textPingMs);
  }

  static async open(url: string, options?: FrameClientOptions): Promise<FrameClient> {
    const c = new FrameClient(url, options);
    await new Promise<void>((resolve, reject) => {
      c.ws.once('open', () => resolve());
      c.ws.once('error', reject);
    });
    return c;
  }

  /** The frames that are JSON, parsed (text pongs and garbage left out). */
  json(): Json[] {
    return this.frames.flatMap((f) => {
      try {
        return [JSON.parse(f) as Json];
      } catch {
        return [];
      }
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Resolves with the first recorded JSON frame matching `pred`, waiting for it if need be.
   * Generous: on two busy cores (the whole suite in parallel) a first frame can take seconds. */
  async waitFor(pred: (m: Json) => boolean, timeoutMs = 15_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.json().find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching frame within ${timeoutMs} ms; got ${this.frames.slice(-5).join(' | ')}`);
      await sleep(10);
    }
  }

  close(): void {
    clearInterval(this.keepAlive);
    this.ws.terminate();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

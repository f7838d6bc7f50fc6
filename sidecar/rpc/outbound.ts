/**
 * A client's bounded outbound queue. While the client's stream accepts data, messages go straight
 * through. When it pushes back, notifications wait here; a forming-kline update replaces the
 * queued one of the same key (the newer state supersedes it), closed bars and responses are never
 * dropped, and a client still over the bound is disconnected rather than growing memory.
 */

export interface MessageSink {
  /** false when the underlying stream is above its high-water mark. */
  write(message: unknown): boolean;
  /** Called once when the stream drains. */
  onceDrain(cb: () => void): void;
}

interface Entry {
  message: unknown;
  /** Key of a coalescible (forming) kline update. */
  coalesceKey?: string;
}

export interface OutboundOptions {
  maxMessages: number;
  overflow(reason: string): void;
}

export class OutboundQueue {
  private readonly queue: Entry[] = [];
  /** coalesce key → queued entry, so a newer forming update can overwrite it in place. */
  private readonly forming = new Map<string, Entry>();
  private waiting = false;
  /** After an overflow the client is being disconnected: nothing more is queued. */
  private dead = false;
  private flushWaiters: Array<() => void> = [];
  coalesced = 0;
  dropped = 0;

  constructor(
    private readonly sink: MessageSink,
    private readonly o: OutboundOptions,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  pushResponse(message: unknown): void {
    this.enqueue({ message });
  }

  /** `klineKey` marks a kline notification; a forming one may be coalesced with a queued one. */
  push(message: unknown, klineKey?: string): void {
    const formingKey = klineKey !== undefined && isForming(message) ? klineKey : undefined;
    if (formingKey !== undefined && this.waiting) {
      const queued = this.forming.get(formingKey);
      if (queued && sameBar(queued.message, message)) {
        queued.message = message;
        this.coalesced++;
        return;
      }
    }
    this.enqueue({ message, coalesceKey: formingKey });
  }

  /** Resolves when everything queued so far has been handed to the stream. */
  flushed(): Promise<void> {
    if (!this.queue.length) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  private enqueue(e: Entry): void {
    if (this.dead) {
      this.dropped++;
      return;
    }
    if (!this.waiting && !this.queue.length) {
      if (!this.sink.write(e.message)) this.stall();
      return;
    }
    this.queue.push(e);
    if (e.coalesceKey !== undefined) this.forming.set(e.coalesceKey, e);
    if (this.queue.length > this.o.maxMessages) {
      this.dropped += this.queue.length;
      this.queue.length = 0;
      this.forming.clear();
      this.dead = true;
      this.o.overflow(`more than ${this.o.maxMessages} messages waiting (the client is not reading)`);
    }
  }

  private stall(): void {
    if (this.waiting) return;
    this.waiting = true;
    this.sink.onceDrain(() => this.drain());
  }

  private drain(): void {
    this.waiting = false;
    while (this.queue.length) {
      const e = this.queue.shift()!;
      if (e.coalesceKey !== undefined && this.forming.get(e.coalesceKey) === e) this.forming.delete(e.coalesceKey);
      if (!this.sink.write(e.message)) {
        this.stall();
        break;
      }
    }
    if (!this.queue.length) {
      const waiters = this.flushWaiters;
      this.flushWaiters = [];
      waiters.forEach((w) => w());
    }
  }
}

function isForming(message: unknown): boolean {
  const data = (message as { params?: { data?: { closed?: boolean } } }).params?.data;
  return data?.closed === false;
}

function sameBar(a: unknown, b: unknown): boolean {
  const oa = (a as { params?: { data?: { openTime?: number } } }).params?.data?.openTime;
  const ob = (b as { params?: { data?: { openTime?: number } } }).params?.data?.openTime;
  return oa !== undefined && oa === ob;
}

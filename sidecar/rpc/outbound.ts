/**
 * A client's bounded outbound queue. While the client's stream accepts data, messages go straight
 * through. When it pushes back, notifications wait here; a forming-kline update replaces the
 * queued one of the same key (the newer state supersedes it), closed bars and responses are never
 * dropped, and a client still over the bound is disconnected rather than growing memory.
 *
 * Optionally a notification rate limit (token bucket, one second of burst): over the rate,
 * forming-kline updates are held back, one per key, the newest winning, and sent when the budget
 * refills; other notifications still go out but run the budget into debt, and a client more than
 * one second's worth in debt is disconnected. Responses are never rate-limited.
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

/** Shared counters (metrics) fed by every client's queue. */
export interface OutboundCounters {
  coalesced(n: number): void;
  dropped(n: number): void;
  /** The queue grew to `n` messages (called when a queue sets a new high-water mark). */
  depth(n: number): void;
  /** The client is being disconnected: its queue overflowed, or it stayed over its rate. */
  evicted(why: 'queue' | 'rate'): void;
}

export interface OutboundOptions {
  maxMessages: number;
  /** Called once, with a sentence for the log, when the client must be disconnected. */
  overflow(reason: string): void;
  /** Notifications per second before forming-kline updates are held back; undefined: unlimited. */
  maxPerSecond?: number;
  /** Clock of the rate limit (ms). */
  now?: () => number;
  counters?: OutboundCounters;
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
  /** The longest the queue has been. */
  highWater = 0;
  /** Rate limit state: budget in notifications (negative = debt), refilled continuously. */
  private tokens: number;
  private refilledAt: number;
  /** Forming-kline updates held back by the rate limit: key → newest message. */
  private readonly held = new Map<string, unknown>();
  private releaseTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: MessageSink,
    private readonly o: OutboundOptions,
  ) {
    if (o.maxPerSecond !== undefined && !(o.maxPerSecond > 0)) throw new RangeError(`maxPerSecond must be positive, got ${o.maxPerSecond}`);
    this.tokens = o.maxPerSecond ?? 0;
    this.refilledAt = this.clock();
  }

  get length(): number {
    return this.queue.length;
  }

  /** Forming-kline updates currently held back by the rate limit (at most one per key). */
  get heldBack(): number {
    return this.held.size;
  }

  /**
   * The client is closing: held-back forming updates are forgotten and the release timer stops.
   * What is already queued (a last response) still drains while the stream stays writable.
   */
  close(): void {
    this.held.clear();
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
  }

  pushResponse(message: unknown): void {
    this.enqueue({ message });
  }

  /** `klineKey` marks a kline notification; a forming one may be coalesced with a queued one. */
  push(message: unknown, klineKey?: string): void {
    if (this.dead) {
      this.drop(1);
      return;
    }
    if (this.o.maxPerSecond !== undefined && !this.admit(message, klineKey)) return;
    this.pushNow(message, klineKey);
  }

  private pushNow(message: unknown, klineKey?: string): void {
    const formingKey = klineKey !== undefined && isForming(message) ? klineKey : undefined;
    if (formingKey !== undefined && this.waiting) {
      const queued = this.forming.get(formingKey);
      if (queued && sameBar(queued.message, message)) {
        queued.message = message;
        this.coalesce(1);
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
      this.drop(1);
      return;
    }
    if (!this.waiting && !this.queue.length) {
      if (!this.sink.write(e.message)) this.stall();
      return;
    }
    this.queue.push(e);
    if (e.coalesceKey !== undefined) this.forming.set(e.coalesceKey, e);
    if (this.queue.length > this.highWater) {
      this.highWater = this.queue.length;
      this.o.counters?.depth(this.highWater);
    }
    if (this.queue.length > this.o.maxMessages) {
      this.evict('queue', `outbound queue overflow: more than ${this.o.maxMessages} messages waiting (the client is not reading)`);
    }
  }

  /**
   * The rate limit. Returns false when the message was held back (or the client evicted) and
   * must not be sent now.
   */
  private admit(message: unknown, klineKey: string | undefined): boolean {
    const rate = this.o.maxPerSecond!;
    this.refill(rate);
    if (klineKey !== undefined && isForming(message)) {
      const superseded = this.held.delete(klineKey);
      if (superseded) this.coalesce(1);
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return true;
      }
      this.held.set(klineKey, message);
      this.scheduleRelease(rate);
      return false;
    }
    // A closed bar supersedes a held forming update of the same bar.
    if (klineKey !== undefined) {
      const held = this.held.get(klineKey);
      if (held !== undefined && sameBar(held, message)) {
        this.held.delete(klineKey);
        this.coalesce(1);
      }
    }
    this.tokens -= 1;
    if (this.tokens < -rate) {
      this.evict('rate', `over the notification rate limit: more than ${rate} notifications per second even after merging forming-candle updates`);
      return false;
    }
    return true;
  }

  private refill(rate: number): void {
    const now = this.clock();
    const elapsed = Math.max(0, now - this.refilledAt);
    this.refilledAt = now;
    this.tokens = Math.min(rate, this.tokens + (elapsed * rate) / 1000);
  }

  private scheduleRelease(rate: number): void {
    if (this.releaseTimer) return;
    const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / rate));
    this.releaseTimer = setTimeout(() => this.release(rate), waitMs);
    this.releaseTimer.unref?.();
  }

  /** Sends held-back forming updates, oldest key first, as far as the budget allows. */
  private release(rate: number): void {
    this.releaseTimer = undefined;
    if (this.dead) return;
    this.refill(rate);
    for (const [key, message] of this.held) {
      if (this.tokens < 1) break;
      this.held.delete(key);
      this.tokens -= 1;
      this.pushNow(message, key);
      if (this.dead) return;
    }
    if (this.held.size) this.scheduleRelease(rate);
  }

  private evict(why: 'queue' | 'rate', reason: string): void {
    this.drop(this.queue.length + this.held.size);
    this.queue.length = 0;
    this.forming.clear();
    this.held.clear();
    this.dead = true;
    this.o.counters?.evicted(why);
    this.o.overflow(reason);
  }

  private drop(n: number): void {
    if (n <= 0) return;
    this.dropped += n;
    this.o.counters?.dropped(n);
  }

  private coalesce(n: number): void {
    this.coalesced += n;
    this.o.counters?.coalesced(n);
  }

  private clock(): number {
    return (this.o.now ?? Date.now)();
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

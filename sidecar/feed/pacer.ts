/**
 * A FIFO that delivers items no closer together than `intervalMs`. Exchanges count every client
 * message (subscribe batches, pings) against a per-connection rate and close the socket with 1008
 * when it is exceeded, so all outbound traffic of one socket goes through one of these.
 */
export class PacedQueue<T> {
  private readonly items: T[] = [];
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly deliver: (item: T) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** Queues an item; it is delivered at once when the interval since the last one has passed. */
  push(item: T): void {
    this.items.push(item);
    this.drain();
  }

  /** Drops everything not yet delivered and stops the timer. */
  clear(): void {
    this.items.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private drain(): void {
    if (this.timer) return;
    while (this.items.length > 0) {
      const wait = this.lastSentAt + this.intervalMs - this.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.drain();
        }, wait);
        return;
      }
      const item = this.items.shift() as T;
      this.lastSentAt = this.now();
      this.deliver(item);
    }
  }
}

/**
 * Runs a function at most once per interval however often it is asked to: live market data
 * can arrive hundreds of times a second, the UI needs it about once a second. No `vscode`.
 */
export class Throttle {
  private timer: NodeJS.Timeout | undefined;
  private last = -Infinity;
  private disposed = false;

  constructor(
    private readonly fn: () => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs now if the interval has passed since the last run, else once at the end of it. */
  schedule(): void {
    if (this.disposed || this.timer) return;
    const wait = this.last + this.intervalMs - this.now();
    if (wait <= 0) {
      this.run();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  /** Runs now, cancelling a pending run. */
  flush(): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.run();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    this.last = this.now();
    this.fn();
  }
}

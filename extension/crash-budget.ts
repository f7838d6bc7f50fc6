/**
 * How many unexpected sidecar exits are forgiven. A process that crashes now and then is
 * restarted; one that crashes in a loop is left stopped, so a broken install or config does not
 * burn CPU and spam the log forever (vscode-languageclient uses the same 5-in-3-minutes rule).
 */
export interface CrashBudgetOptions {
  /** The crash that makes this many inside the window is not restarted. Default 5. */
  maxCrashes?: number;
  /** Sliding window in ms. Default 3 minutes. */
  windowMs?: number;
}

export type CrashVerdict =
  | { restart: true; crashesInWindow: number }
  | { restart: false; crashesInWindow: number; windowMs: number };

/** Sliding-window crash counter. Pure: the caller passes the clock. */
export class CrashBudget {
  readonly maxCrashes: number;
  readonly windowMs: number;
  private crashes: number[] = [];

  constructor(options: CrashBudgetOptions = {}) {
    this.maxCrashes = options.maxCrashes ?? 5;
    this.windowMs = options.windowMs ?? 3 * 60_000;
  }

  /** Records a crash at `now` and says whether another restart is allowed. */
  record(now: number): CrashVerdict {
    this.crashes = this.crashes.filter((t) => now - t < this.windowMs);
    this.crashes.push(now);
    const n = this.crashes.length;
    return n < this.maxCrashes ? { restart: true, crashesInWindow: n } : { restart: false, crashesInWindow: n, windowMs: this.windowMs };
  }

  /** Forgets every crash (a restart the user asked for starts with a full budget). */
  reset(): void {
    this.crashes = [];
  }

  /** Crashes still inside the window at `now`. */
  count(now: number): number {
    return this.crashes.filter((t) => now - t < this.windowMs).length;
  }
}

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * spreading reconnects uniformly over [0, ceiling) is what prevents reconnect storms that get an
 * IP rate-limited or banned when many sockets drop at once.
 */

export interface BackoffOptions {
  /** Ceiling of the first attempt; doubles per attempt. Default 500 ms. */
  baseMs?: number;
  /** Largest ceiling. Default 30 000 ms. */
  capMs?: number;
  /** A connection healthy this long starts again from attempt 0. Default 60 000 ms. */
  resetAfterMs?: number;
  /** Uniform random source in [0, 1); injected by tests. */
  random?: () => number;
}

export const BACKOFF_DEFAULTS = { baseMs: 500, capMs: 30_000, resetAfterMs: 60_000 } as const;

/** The jitter ceiling for an attempt (0-based): min(cap, base · 2^attempt). */
export function backoffCeiling(attempt: number, baseMs: number, capMs: number): number {
  // 2 ** large overflows to Infinity, which Math.min turns back into the cap.
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
}

/** A full-jitter delay in whole milliseconds: uniform in [0, ceiling). */
export function fullJitterDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = backoffCeiling(attempt, baseMs, capMs);
  return Math.min(Math.floor(random() * ceiling), Math.max(0, Math.ceil(ceiling) - 1));
}

/**
 * Backoff state of one reconnecting resource. The reset is evaluated lazily at the next failure,
 * so no timer is needed: a connection that stayed up `resetAfterMs` counts as healthy.
 */
export class Backoff {
  readonly baseMs: number;
  readonly capMs: number;
  readonly resetAfterMs: number;
  private readonly random: () => number;
  private attempts = 0;
  private healthySince: number | undefined;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? BACKOFF_DEFAULTS.baseMs;
    this.capMs = options.capMs ?? BACKOFF_DEFAULTS.capMs;
    this.resetAfterMs = options.resetAfterMs ?? BACKOFF_DEFAULTS.resetAfterMs;
    this.random = options.random ?? Math.random;
  }

  /** Failures since the last reset. */
  get attempt(): number {
    return this.attempts;
  }

  /** The resource became usable at `now`. */
  succeeded(now: number = Date.now()): void {
    this.healthySince = now;
  }

  /** The resource failed at `now`: the 1-based attempt number and the delay to wait before it. */
  next(now: number = Date.now()): { attempt: number; delayMs: number } {
    if (this.healthySince !== undefined && now - this.healthySince >= this.resetAfterMs) this.attempts = 0;
    this.healthySince = undefined;
    const delayMs = fullJitterDelay(this.attempts, this.baseMs, this.capMs, this.random);
    this.attempts += 1;
    return { attempt: this.attempts, delayMs };
  }

  /** Forgets every failure. */
  reset(): void {
    this.attempts = 0;
    this.healthySince = undefined;
  }
}

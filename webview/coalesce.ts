/**
 * Coalesces live bars to one flush per animation frame. A busy stream sends many versions of the
 * forming bar between two frames; only the newest version of each bar matters, so the chart does
 * one update per series per bar per frame instead of one per tick.
 */
import type { Kline } from '../sidecar/market/model';

/** Schedules `run` before the next paint (requestAnimationFrame in the browser). */
export type FrameScheduler = (run: () => void) => void;

export class FrameCoalescer {
  #pending = new Map<number, Kline>();
  #scheduled = false;
  #generation = 0;

  constructor(
    private readonly schedule: FrameScheduler,
    private readonly flush: (bars: Kline[]) => void,
  ) {}

  /** Bars waiting for the next frame. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Queues a bar; a later version of the same bar (same open time) replaces an earlier one. */
  push(bar: Kline): void {
    const prev = this.#pending.get(bar.openTime);
    // A closed bar is final: a forming version arriving after it in the same frame must not undo it.
    if (prev?.closed && !bar.closed) return;
    this.#pending.set(bar.openTime, bar);
    if (this.#scheduled) return;
    this.#scheduled = true;
    const gen = this.#generation;
    this.schedule(() => {
      if (gen !== this.#generation) return;
      this.#scheduled = false;
      this.flushNow();
    });
  }

  /** Applies what is pending now (oldest first). */
  flushNow(): void {
    if (this.#pending.size === 0) return;
    const bars = [...this.#pending.values()].sort((a, b) => a.openTime - b.openTime);
    this.#pending.clear();
    this.flush(bars);
  }

  /** Drops pending bars (the chart switched to another stream). */
  clear(): void {
    this.#pending.clear();
    this.#scheduled = false;
    this.#generation++;
  }
}

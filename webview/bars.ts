/**
 * The chart's own copy of its bars, sorted by open time, and the decision of how each incoming bar
 * reaches lightweight-charts. The library accepts `update()` only for the newest bar or a newer one
 * ("Cannot update oldest data"); everything older must be a historical update of an existing bar
 * or a full `setData`. Deciding here, on plain data, means an out-of-order bar can never throw.
 */
import type { Kline } from '../sidecar/market/model';

/**
 * How a bar was applied:
 * - `append`: newer than the newest bar → `update()`
 * - `last`: replaces the newest bar → `update()`
 * - `older`: replaces an existing older bar (e.g. healed from REST) → `update(bar, true)`
 * - `insert`: a new bar older than the newest (a filled gap) → `setData` of everything
 * - `ignored`: a forming version of a bar already closed (a closed bar is final)
 */
export type ApplyResult = 'append' | 'last' | 'older' | 'insert' | 'ignored';

export class BarStore {
  #bars: Kline[] = [];

  get length(): number {
    return this.#bars.length;
  }

  /** The bars, oldest first. Do not mutate. */
  get all(): readonly Kline[] {
    return this.#bars;
  }

  get first(): Kline | undefined {
    return this.#bars[0];
  }

  get last(): Kline | undefined {
    return this.#bars[this.#bars.length - 1];
  }

  at(i: number): Kline | undefined {
    return this.#bars[i];
  }

  clear(): void {
    this.#bars = [];
  }

  /** Replaces everything with `bars` (any order; the last copy of a duplicated open time wins). */
  setHistory(bars: readonly Kline[]): void {
    this.#bars = dedupeSorted(bars);
  }

  /** Merges bars older than the current first bar (a page of older history); returns how many were new. */
  prepend(older: readonly Kline[]): number {
    const first = this.first?.openTime ?? Infinity;
    const fresh = dedupeSorted(older.filter((b) => b.openTime < first));
    if (fresh.length) this.#bars = fresh.concat(this.#bars);
    return fresh.length;
  }

  /** Index of the bar opening at `openTime`, or -1. */
  indexOf(openTime: number): number {
    const i = this.#lowerBound(openTime);
    return this.#bars[i]?.openTime === openTime ? i : -1;
  }

  /** Index of the last bar opening at or before `openTime`, or -1. */
  indexAtOrBefore(openTime: number): number {
    const i = this.#lowerBound(openTime);
    return this.#bars[i]?.openTime === openTime ? i : i - 1;
  }

  /** Applies one bar and says how the chart must follow. */
  apply(bar: Kline): ApplyResult {
    const n = this.#bars.length;
    const last = this.#bars[n - 1];
    if (!last || bar.openTime > last.openTime) {
      this.#bars.push(bar);
      return 'append';
    }
    const i = bar.openTime === last.openTime ? n - 1 : this.#lowerBound(bar.openTime);
    const existing = this.#bars[i];
    if (existing?.openTime === bar.openTime) {
      if (existing.closed && !bar.closed) return 'ignored';
      this.#bars[i] = bar;
      return i === n - 1 ? 'last' : 'older';
    }
    this.#bars.splice(i, 0, bar);
    return 'insert';
  }

  #lowerBound(openTime: number): number {
    let lo = 0;
    let hi = this.#bars.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#bars[mid].openTime < openTime) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function dedupeSorted(bars: readonly Kline[]): Kline[] {
  const byTime = new Map<number, Kline>();
  for (const b of bars) byTime.set(b.openTime, b);
  return [...byTime.values()].sort((a, b) => a.openTime - b.openTime);
}

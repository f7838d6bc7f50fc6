/**
 * Bounded kline storage: per key, a ring of the newest closed bars (sorted by open time, unique)
 * plus the forming bar. Closed bars live in columnar Float64Arrays, so 1000 bars cost ~72 KB and
 * no per-bar objects; the arrays grow geometrically up to the capacity, so a key with few bars
 * stays small.
 */
import { barCount, nextOpen, type Interval } from './intervals';
import type { Kline } from './model';

/** What upsert() did: where a closed bar went, that a forming bar was taken, or that it was ignored. */
export type UpsertResult = 'appended' | 'replaced' | 'inserted' | 'ignored' | 'forming';

export interface KlineQuery {
  /** At most this many bars: the first ones from `startTime` when it is given, else the newest. */
  limit?: number;
  /** Only bars opening at or after this time (ms). */
  startTime?: number;
  /** Only bars opening at or before this time (ms). */
  endTime?: number;
  /** Include the forming bar when it is in range (default true). */
  includeForming?: boolean;
}

/** The column form of a kline list; `trades` is null where the exchange gave no count. */
export interface KlineColumns {
  openTime: number[];
  closeTime: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
  quoteVolume: number[];
  trades: (number | null)[];
  closed: boolean[];
}

/** A run of missing bars: open times in [fromOpen, toOpen). */
export interface KlineHole {
  fromOpen: number;
  toOpen: number;
  count: number;
}

export const DEFAULT_CAPACITY = 1000;

// Column indexes. `trades` stores NaN for "not reported".
const OPEN_TIME = 0;
const CLOSE_TIME = 1;
const OPEN = 2;
const HIGH = 3;
const LOW = 4;
const CLOSE = 5;
const VOLUME = 6;
const QUOTE_VOLUME = 7;
const TRADES = 8;
const COLUMNS = 9;

const INITIAL_ALLOCATION = 16;

function checkCapacity(capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`kline cache capacity must be an integer >= 1, got ${capacity}`);
  }
  return capacity;
}

/** The newest `capacity` closed bars of one series, plus its forming bar. */
export class KlineRing {
  readonly capacity: number;
  #cols: Float64Array[] = [];
  /** Physical slots allocated (≤ capacity). */
  #alloc = 0;
  /** Physical slot of the oldest bar. */
  #head = 0;
  #count = 0;
  #forming: Kline | undefined;

  constructor(capacity = DEFAULT_CAPACITY) {
    this.capacity = checkCapacity(capacity);
  }

  /** Number of closed bars held. */
  get size(): number {
    return this.#count;
  }

  /**
   * Stores a kline. Closed bars are appended (evicting the oldest when full), replace a stored bar
   * with the same open time, or are inserted into a hole; one older than a full window is ignored.
   * A closed bar at or after the forming bar's open time clears the forming slot. A forming bar is
   * taken when it is newer than the last closed bar and not older than the current forming bar.
   */
  upsert(kline: Kline): UpsertResult {
    const t = kline.openTime;
    if (!Number.isFinite(t)) return 'ignored';
    const n = this.#count;
    if (!kline.closed) {
      // A forming update for a bar already closed here is stale (it would duplicate that bar).
      if (n > 0 && t <= this.#openTimeAt(n - 1)) return 'ignored';
      if (this.#forming && t < this.#forming.openTime) return 'ignored';
      this.#forming = { ...kline };
      return 'forming';
    }
    let result: UpsertResult;
    if (n === 0 || t > this.#openTimeAt(n - 1)) {
      this.#append(kline);
      result = 'appended';
    } else {
      const pos = this.#lowerBound(t);
      if (this.#openTimeAt(pos) === t) {
        this.#write(pos, kline);
        result = 'replaced';
      } else if (pos === 0 && n === this.capacity) {
        return 'ignored';
      } else {
        this.#insert(pos, kline);
        result = 'inserted';
      }
    }
    if (this.#forming && this.#forming.openTime <= t) this.#forming = undefined;
    return result;
  }

  /** Bars in ascending open time: closed bars, then the forming bar when in range (see KlineQuery). */
  get(query: KlineQuery = {}): Kline[] {
    const { lo, hi, forming } = this.#select(query);
    const out: Kline[] = [];
    for (let i = lo; i < hi; i++) out.push(this.#read(i));
    if (forming) out.push({ ...forming });
    return out;
  }

  /** The same selection as get(), as columns. */
  columns(query: KlineQuery = {}): KlineColumns {
    const { lo, hi, forming } = this.#select(query);
    const out: KlineColumns = {
      openTime: [], closeTime: [], open: [], high: [], low: [], close: [],
      volume: [], quoteVolume: [], trades: [], closed: [],
    };
    const c = this.#cols;
    for (let i = lo; i < hi; i++) {
      const p = this.#phys(i);
      out.openTime.push(c[OPEN_TIME][p]);
      out.closeTime.push(c[CLOSE_TIME][p]);
      out.open.push(c[OPEN][p]);
      out.high.push(c[HIGH][p]);
      out.low.push(c[LOW][p]);
      out.close.push(c[CLOSE][p]);
      out.volume.push(c[VOLUME][p]);
      out.quoteVolume.push(c[QUOTE_VOLUME][p]);
      const trades = c[TRADES][p];
      out.trades.push(Number.isNaN(trades) ? null : trades);
      out.closed.push(true);
    }
    if (forming) {
      out.openTime.push(forming.openTime);
      out.closeTime.push(forming.closeTime);
      out.open.push(forming.open);
      out.high.push(forming.high);
      out.low.push(forming.low);
      out.close.push(forming.close);
      out.volume.push(forming.volume);
      out.quoteVolume.push(forming.quoteVolume);
      out.trades.push(forming.trades ?? null);
      out.closed.push(false);
    }
    return out;
  }

  /** The newest closed bar. */
  lastClosed(): Kline | undefined {
    return this.#count > 0 ? this.#read(this.#count - 1) : undefined;
  }

  /** The forming bar, if any. */
  forming(): Kline | undefined {
    return this.#forming && { ...this.#forming };
  }

  /**
   * Open times missing between consecutive closed bars, oldest first (at most `max` of them), for
   * gap detection. A quiet market is not a hole: its flat bars are stored like any other.
   */
  missing(interval: Interval, max = Infinity): number[] {
    const out: number[] = [];
    for (let i = 1; i < this.#count && out.length < max; i++) {
      const cur = this.#openTimeAt(i);
      for (let o = nextOpen(interval, this.#openTimeAt(i - 1)); o < cur && out.length < max; o = nextOpen(interval, o)) {
        out.push(o);
      }
    }
    return out;
  }

  /** The holes between consecutive closed bars as ranges (cheap even when a hole spans many bars). */
  holes(interval: Interval): KlineHole[] {
    const out: KlineHole[] = [];
    for (let i = 1; i < this.#count; i++) {
      const fromOpen = nextOpen(interval, this.#openTimeAt(i - 1));
      const toOpen = this.#openTimeAt(i);
      if (fromOpen < toOpen) out.push({ fromOpen, toOpen, count: barCount(interval, fromOpen, toOpen) });
    }
    return out;
  }

  /** Drops every bar, closed and forming. */
  clear(): void {
    this.#cols = [];
    this.#alloc = 0;
    this.#head = 0;
    this.#count = 0;
    this.#forming = undefined;
  }

  /** Approximate bytes held by this ring. */
  bytesEstimate(): number {
    // Typed-array payloads, plus rough object overheads for the ring and the forming bar.
    return COLUMNS * this.#alloc * Float64Array.BYTES_PER_ELEMENT + 160 + (this.#forming ? 160 : 0);
  }

  #phys(i: number): number {
    return (this.#head + i) % this.#alloc;
  }

  #openTimeAt(i: number): number {
    return this.#cols[OPEN_TIME][this.#phys(i)];
  }

  /** First logical index whose open time is >= t (> t when `after`), or count when none. */
  #lowerBound(t: number, after = false): number {
    let lo = 0;
    let hi = this.#count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const o = this.#openTimeAt(mid);
      if (o < t || (after && o === t)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #write(i: number, k: Kline): void {
    const p = this.#phys(i);
    const c = this.#cols;
    c[OPEN_TIME][p] = k.openTime;
    c[CLOSE_TIME][p] = k.closeTime;
    c[OPEN][p] = k.open;
    c[HIGH][p] = k.high;
    c[LOW][p] = k.low;
    c[CLOSE][p] = k.close;
    c[VOLUME][p] = k.volume;
    c[QUOTE_VOLUME][p] = k.quoteVolume;
    c[TRADES][p] = k.trades ?? NaN;
  }

  #read(i: number): Kline {
    const p = this.#phys(i);
    const c = this.#cols;
    const trades = c[TRADES][p];
    const k: Kline = {
      openTime: c[OPEN_TIME][p],
      closeTime: c[CLOSE_TIME][p],
      open: c[OPEN][p],
      high: c[HIGH][p],
      low: c[LOW][p],
      close: c[CLOSE][p],
      volume: c[VOLUME][p],
      quoteVolume: c[QUOTE_VOLUME][p],
      closed: true,
    };
    if (!Number.isNaN(trades)) k.trades = trades;
    return k;
  }

  /** Makes room for one more bar: grows the arrays, or evicts the oldest bar when at capacity. */
  #makeRoom(): void {
    if (this.#count < this.#alloc) return;
    if (this.#alloc < this.capacity) {
      const size = Math.min(this.capacity, Math.max(INITIAL_ALLOCATION, this.#alloc * 2));
      const cols: Float64Array[] = [];
      for (let col = 0; col < COLUMNS; col++) {
        const next = new Float64Array(size);
        const old = this.#cols[col];
        for (let i = 0; i < this.#count; i++) next[i] = old[this.#phys(i)];
        cols.push(next);
      }
      this.#cols = cols;
      this.#alloc = size;
      this.#head = 0;
      return;
    }
    this.#head = (this.#head + 1) % this.#alloc;
    this.#count--;
  }

  #append(k: Kline): void {
    this.#makeRoom();
    this.#count++;
    this.#write(this.#count - 1, k);
  }

  /** Inserts at logical `pos`, shifting newer bars up by one (holes are rare, so O(n) is fine). */
  #insert(pos: number, k: Kline): void {
    const full = this.#count === this.capacity;
    this.#makeRoom();
    // When full, makeRoom evicted the oldest bar, so every position moved down by one.
    if (full) pos--;
    const c = this.#cols;
    for (let i = this.#count - 1; i >= pos; i--) {
      const from = this.#phys(i);
      const to = this.#phys(i + 1);
      for (let col = 0; col < COLUMNS; col++) c[col][to] = c[col][from];
    }
    this.#count++;
    this.#write(pos, k);
  }

  #select(q: KlineQuery): { lo: number; hi: number; forming: Kline | undefined } {
    let lo = q.startTime === undefined ? 0 : this.#lowerBound(q.startTime);
    let hi = q.endTime === undefined ? this.#count : this.#lowerBound(q.endTime, true);
    if (hi < lo) hi = lo;
    const f = this.#forming;
    let forming =
      q.includeForming !== false && f !== undefined &&
      (q.startTime === undefined || f.openTime >= q.startTime) &&
      (q.endTime === undefined || f.openTime <= q.endTime)
        ? f
        : undefined;
    if (q.limit !== undefined) {
      const limit = Math.max(0, Math.floor(q.limit));
      if (hi - lo + (forming ? 1 : 0) > limit) {
        if (q.startTime !== undefined) {
          // Oldest first from startTime: the forming bar, being newest, is the first to go.
          hi = Math.min(hi, lo + limit);
          forming = undefined;
        } else {
          if (forming && limit === 0) forming = undefined;
          lo = hi - (forming ? limit - 1 : limit);
        }
      }
    }
    return { lo, hi, forming };
  }
}

/** One KlineRing per key (e.g. `exchange:market:symbol:interval`), all with the same capacity. */
export class KlineCache {
  readonly capacity: number;
  #rings = new Map<string, KlineRing>();

  constructor(capacity = DEFAULT_CAPACITY) {
    this.capacity = checkCapacity(capacity);
  }

  /** The ring for `key`, created empty if absent. */
  ring(key: string): KlineRing {
    let ring = this.#rings.get(key);
    if (!ring) {
      ring = new KlineRing(this.capacity);
      this.#rings.set(key, ring);
    }
    return ring;
  }

  /** The ring for `key`, without creating one. */
  get(key: string): KlineRing | undefined {
    return this.#rings.get(key);
  }

  has(key: string): boolean {
    return this.#rings.has(key);
  }

  /** Stores `kline` in the ring for `key` (created if absent). */
  upsert(key: string, kline: Kline): UpsertResult {
    return this.ring(key).upsert(kline);
  }

  /** Forgets `key`; true when it existed. */
  delete(key: string): boolean {
    return this.#rings.delete(key);
  }

  /** The keys held, in insertion order. */
  keys(): string[] {
    return [...this.#rings.keys()];
  }

  /** Number of keys. */
  get size(): number {
    return this.#rings.size;
  }

  /** Approximate bytes held by all rings. */
  bytesEstimate(): number {
    let total = 0;
    for (const ring of this.#rings.values()) total += ring.bytesEstimate();
    return total;
  }
}

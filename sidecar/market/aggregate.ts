/**
 * Builds klines of one interval from a trade stream. Pure: the caller feeds trades in exchange-time
 * order and clock ticks, and gets back the kline updates each call produced.
 *
 * Bars close when a trade of a later bar arrives, or on the clock once `graceMs` has passed after
 * their close time (exchanges deliver trades a little late). A quiet market yields flat
 * zero-volume bars at the previous close, as the exchanges' own klines do. A reset (the reconnect
 * marker) drops the forming bar and never invents bars across the hole: the caller heals it from REST.
 */
import { DecimalSum } from './decimal';
import { alignOpen, barCount, closeTime, nextOpen, type Interval } from './intervals';
import type { Kline, Trade } from './model';

export interface AggregatorOptions {
  /** How long after a bar's close time trades may still land in it before the clock closes it. Default 1000. */
  graceMs?: number;
  /**
   * Most flat bars emitted for one quiet stretch (default 1000, the default cache size). After a
   * longer silence (e.g. the host slept) only the newest are emitted: older ones would be evicted
   * from the cache anyway, and a flood of them would swamp clients.
   */
  maxFlatBars?: number;
}

/** What add() did with a trade. `ignored` says why the trade left no mark. */
export interface AddResult {
  /** Kline updates produced, oldest first: closed bars, then the forming bar. */
  updates: Kline[];
  /** `late`: the trade's bar has already closed. `invalid`: non-finite or negative values. */
  ignored?: 'late' | 'invalid';
}

/** What seed() did with a kline. */
export type SeedResult = 'seeded' | 'ignored' | Error;

interface FormingBar {
  openTime: number;
  closeTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: DecimalSum;
  quoteVolume: DecimalSum;
  trades: number | undefined;
  /** Times of the earliest and latest trade applied, so a slightly out-of-order trade keeps open/close right. */
  firstTime: number;
  lastTime: number;
}

/** Trade → kline aggregation for one interval (fixed length or calendar month). */
export class KlineAggregator {
  readonly interval: Interval;
  readonly graceMs: number;
  readonly maxFlatBars: number;

  #bar: FormingBar | undefined;
  /** The newest closed bar: where flat bars continue from. Undefined at start and after reset(). */
  #last: { openTime: number; close: number } | undefined;
  #late = 0;
  #invalid = 0;
  #partialOpenTime: number | undefined;
  #afterReset = false;

  constructor(interval: Interval, options: AggregatorOptions = {}) {
    const graceMs = options.graceMs ?? 1000;
    const maxFlatBars = options.maxFlatBars ?? 1000;
    if (!(graceMs >= 0) || !Number.isFinite(graceMs)) {
      throw new RangeError(`graceMs must be a finite number >= 0, got ${graceMs}`);
    }
    if (!Number.isInteger(maxFlatBars) || maxFlatBars < 0) {
      throw new RangeError(`maxFlatBars must be an integer >= 0, got ${maxFlatBars}`);
    }
    this.interval = interval;
    this.graceMs = graceMs;
    this.maxFlatBars = maxFlatBars;
  }

  /** Trades ignored because their bar had already closed. */
  get late(): number {
    return this.#late;
  }

  /** Trades ignored because a price, size, time or count was not a usable number. */
  get invalid(): number {
    return this.#invalid;
  }

  /**
   * Open time of the first bar started (by a trade or a forming seed) after the last reset(). That
   * bar misses trades made while disconnected: the caller should replace it from REST once closed.
   */
  get partialOpenTime(): number | undefined {
    return this.#partialOpenTime;
  }

  /** The forming bar, if a trade or seed started one. */
  forming(): Kline | undefined {
    return this.#bar && toKline(this.#bar, false);
  }

  /**
   * Applies one trade. `count` is how many exchange trades it stands for (e.g. an aggregated trade
   * covering several trade ids); it adds to the bar's `trades`.
   */
  add(trade: Trade, count = 1): AddResult {
    const { time, price, size } = trade;
    if (
      !Number.isFinite(time) || !Number.isFinite(price) || !Number.isFinite(size) || size < 0 ||
      !Number.isInteger(count) || count < 0
    ) {
      this.#invalid++;
      return { updates: [], ignored: 'invalid' };
    }
    const open = alignOpen(this.interval, time);
    const bar = this.#bar;
    if (bar && open === bar.openTime) {
      apply(bar, trade, count);
      return { updates: [toKline(bar, false)] };
    }
    if ((bar && open < bar.openTime) || (!bar && this.#last && open <= this.#last.openTime)) {
      this.#late++;
      return { updates: [], ignored: 'late' };
    }
    const updates: Kline[] = [];
    if (bar) this.#closeForming(updates);
    this.#flatBarsBefore(open, updates);
    const fresh = startBar(this.interval, open, trade, count);
    this.#bar = fresh;
    if (this.#afterReset) {
      this.#partialOpenTime = open;
      this.#afterReset = false;
    }
    updates.push(toKline(fresh, false));
    return { updates };
  }

  /** Advances the clock to `now`: closes the forming bar and emits flat bars whose grace has passed. */
  tick(now: number): Kline[] {
    const updates: Kline[] = [];
    const bar = this.#bar;
    if (bar && now > bar.closeTime + this.graceMs) this.#closeForming(updates);
    if (!this.#bar && this.#last) {
      // Every bar whose close time + grace is before `now` is past: it opens before `now - grace`.
      const due = alignOpen(this.interval, now - this.graceMs);
      this.#flatBarsBefore(due, updates);
    }
    return updates;
  }

  /**
   * Continues from an existing bar. A closed kline becomes the previous bar (flat bars continue from
   * its close; a forming bar at or before it is dropped); a forming kline becomes the forming bar.
   * Klines older than the current state are ignored, so the aggregator never moves back in time.
   * Returns an Error when the kline's open time is not aligned to this interval.
   */
  seed(kline: Kline): SeedResult {
    if (!Number.isFinite(kline.openTime) || alignOpen(this.interval, kline.openTime) !== kline.openTime) {
      return new Error(
        `cannot seed a ${this.interval.name} aggregator with a kline opening at ${kline.openTime}: ` +
          `expected an open time aligned to ${this.interval.name}`,
      );
    }
    const last = this.#last;
    if (kline.closed) {
      if (last && kline.openTime < last.openTime) return 'ignored';
      if (this.#bar && this.#bar.openTime > kline.openTime) return 'ignored';
      this.#last = { openTime: kline.openTime, close: kline.close };
      this.#bar = undefined;
    } else {
      if (last && kline.openTime <= last.openTime) return 'ignored';
      if (this.#bar && this.#bar.openTime > kline.openTime) return 'ignored';
      this.#bar = {
        openTime: kline.openTime,
        closeTime: closeTime(this.interval, kline.openTime),
        open: kline.open,
        high: kline.high,
        low: kline.low,
        close: kline.close,
        volume: new DecimalSum(kline.volume),
        quoteVolume: new DecimalSum(kline.quoteVolume),
        trades: kline.trades,
        // Trades arriving after the seed are newer than anything it summarised.
        firstTime: kline.openTime,
        lastTime: kline.openTime,
      };
      if (this.#afterReset) {
        // A forming bar fetched after a reconnect overlaps or misses some streamed trades.
        this.#partialOpenTime = kline.openTime;
        this.#afterReset = false;
      }
    }
    return 'seeded';
  }

  /**
   * The reconnect marker: drops the forming bar and forgets the previous close, so no bar is built
   * across the hole. Returns the open time of the abandoned forming bar (to heal from REST), if any.
   */
  reset(): number | undefined {
    const abandoned = this.#bar?.openTime;
    this.#bar = undefined;
    this.#last = undefined;
    this.#partialOpenTime = undefined;
    this.#afterReset = true;
    return abandoned;
  }

  #closeForming(updates: Kline[]): void {
    const bar = this.#bar;
    if (!bar) return;
    updates.push(toKline(bar, true));
    this.#last = { openTime: bar.openTime, close: bar.close };
    this.#bar = undefined;
  }

  /** Emits closed flat bars for every empty bar after the last closed one and before `open`. */
  #flatBarsBefore(open: number, updates: Kline[]): void {
    const last = this.#last;
    if (!last) return;
    let o = nextOpen(this.interval, last.openTime);
    const count = barCount(this.interval, o, open);
    if (count === 0) return;
    const skip = count - this.maxFlatBars;
    if (skip > 0) o = advance(this.interval, o, skip);
    for (; o < open; o = nextOpen(this.interval, o)) updates.push(flatBar(this.interval, o, last.close));
    // Skipped bars count as past too: a trade inside them is late, and the hole is left for REST.
    last.openTime = alignOpen(this.interval, open - 1);
  }
}

/** The open time `k` bars after `open`. */
function advance(interval: Interval, open: number, k: number): number {
  if (interval.ms !== undefined) return open + k * interval.ms;
  let o = open;
  for (let i = 0; i < k; i++) o = nextOpen(interval, o);
  return o;
}

function startBar(interval: Interval, openTime: number, trade: Trade, count: number): FormingBar {
  const bar: FormingBar = {
    openTime,
    closeTime: closeTime(interval, openTime),
    open: trade.price,
    high: trade.price,
    low: trade.price,
    close: trade.price,
    volume: new DecimalSum(),
    quoteVolume: new DecimalSum(),
    trades: 0,
    firstTime: trade.time,
    lastTime: trade.time,
  };
  apply(bar, trade, count);
  return bar;
}

function apply(bar: FormingBar, trade: Trade, count: number): void {
  const { price, size, time } = trade;
  if (price > bar.high) bar.high = price;
  if (price < bar.low) bar.low = price;
  if (time < bar.firstTime) {
    bar.firstTime = time;
    bar.open = price;
  }
  if (time >= bar.lastTime) {
    bar.lastTime = time;
    bar.close = price;
  }
  bar.volume.add(size);
  bar.quoteVolume.addProduct(price, size);
  // A seeded bar without a trade count stays without one: a partial count would mislead.
  if (bar.trades !== undefined) bar.trades += count;
}

function toKline(bar: FormingBar, closed: boolean): Kline {
  return {
    openTime: bar.openTime,
    closeTime: bar.closeTime,
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume.toNumber(),
    quoteVolume: bar.quoteVolume.toNumber(),
    trades: bar.trades,
    closed,
  };
}

function flatBar(interval: Interval, openTime: number, price: number): Kline {
  return {
    openTime,
    closeTime: closeTime(interval, openTime),
    open: price,
    high: price,
    low: price,
    close: price,
    volume: 0,
    quoteVolume: 0,
    trades: 0,
    closed: true,
  };
}

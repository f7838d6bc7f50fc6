/**
 * A deterministic market simulator. Every trade is a pure function of (seed, symbol, second):
 * nothing is stored or replayed, so any moment of history — a REST backfill of 1000 bars, the
 * live stream, the ground truth a test compares against — is computed the same way, in O(1) per
 * second. Klines are built from exactly those trades with exact decimal sums.
 */
import { formatUnits } from '../market/decimal';
import { hash4, hashString, mix32, unit } from './hash';
import { barClose, barOpen, firstOpenAtOrAfter, nextOpen, opensBefore, simInterval, type SimInterval } from './interval';

/** How one symbol trades. Only `symbol` is required; the rest has realistic defaults. */
export interface SymbolSpec {
  /** The exchange's native spelling (`BTCUSDT`, `BTC-USDT-SWAP`). */
  symbol: string;
  /** Centre of the price path (default from the base asset: BTC 60000, ETH 3000, others 100). */
  basePrice?: number;
  /** Decimals of the tick size (BTC 2, ETH 2, others 4 by default). */
  priceDecimals?: number;
  /** Decimals of the lot step (BTC 5, ETH 4, others 2 by default). */
  sizeDecimals?: number;
  /** Mean trades per second (default: the simulator's `tradeRate`). */
  tradeRate?: number;
  /** Fraction of whole minutes without any trade, 0..1 (default 0): exercises flat zero-volume bars. */
  quiet?: number;
  /** Symbols with the same key share one price path (e.g. a spot pair and its perpetual). Default: `symbol`. */
  priceKey?: string;
  /** Base and quote assets, for instrument lists (protocols guess them from the symbol when absent). */
  base?: string;
  quote?: string;
}

/** A SymbolSpec with every default filled in. */
export interface SimSymbol extends Required<Omit<SymbolSpec, 'base' | 'quote'>> {
  base?: string;
  quote?: string;
}

export interface MarketSimOptions {
  symbols: ReadonlyArray<string | SymbolSpec>;
  /** Same seed → same market. Default 1. */
  seed?: number | string;
  /** Separates the trade streams of markets that share a seed (price paths stay shared by priceKey). */
  salt?: string;
  /** Mean trades per second per symbol (default 2). */
  tradeRate?: number;
  /** Hard cap of trades in one second (default 50). */
  maxTradesPerSecond?: number;
  /** Relative volatility per √second of the price path (default 6e-5 ≈ 1.8 % a day). */
  volatility?: number;
  /** Injectable clock (default Date.now). */
  clock?: () => number;
  /** How far back the market has traded (default 2 days before construction). */
  historyMs?: number;
  /** Explicit start of trading (overrides historyMs); aligned down to a whole minute. */
  historyStart?: number;
  /** Minute aggregates kept in memory, over all symbols (default 200 000). */
  cacheSize?: number;
}

/** One simulated trade. `id`s increase with time but are not contiguous (id = second × 1000 + index). */
export interface SimTrade {
  id: number;
  time: number;
  /** Exact decimal strings with the symbol's own decimals. */
  price: string;
  size: string;
  /** Taker side. */
  side: 'buy' | 'sell';
  /** The same values as integers of the smallest unit (10^-priceDecimals, 10^-sizeDecimals). */
  priceUnits: number;
  sizeUnits: number;
}

/**
 * One bar. Prices carry the symbol's price decimals, volumes its size decimals, quote volumes the
 * sum of both (the exact product). A bar without trades is flat at the previous close, with zero
 * volumes and trade ids -1.
 */
export interface SimKline {
  openTime: number;
  closeTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quoteVolume: string;
  takerBuyVolume: string;
  takerBuyQuoteVolume: string;
  trades: number;
  firstTradeId: number;
  lastTradeId: number;
  /** True once closeTime < now. */
  closed: boolean;
}

/** The open, high, low and close of a bar, each through `format` (exchanges print decimals their own way). */
export function ohlc(k: SimKline, format: (decimal: string) => string = (decimal) => decimal): string[] {
  return [format(k.open), format(k.high), format(k.low), format(k.close)];
}

/** Totals of the trades inside a time window (strings as in SimKline; prices absent without trades). */
export interface SimAggregate {
  trades: number;
  open?: string;
  high?: string;
  low?: string;
  close?: string;
  volume: string;
  quoteVolume: string;
  takerBuyVolume: string;
  takerBuyQuoteVolume: string;
  firstTradeId: number;
  lastTradeId: number;
  /** Size of the last trade in the window. */
  lastSize?: string;
  /** Volume-weighted average price with `priceDecimals + 4` decimals. */
  weightedAverage?: string;
}

/** How to page klines the way exchange REST APIs do. Times are inclusive bounds on open time. */
export interface KlinePage {
  startTime?: number;
  endTime?: number;
  limit: number;
  /** With only one bound (or none), which end a full page keeps (`oldest`: from the start, `newest`: up to the end). */
  pageFrom: 'oldest' | 'newest';
}

interface RawTrade {
  id: number;
  time: number;
  priceUnits: number;
  sizeUnits: number;
  buy: boolean;
}

/** Running totals in integer units; merged in time order. */
interface Agg {
  count: number;
  open: number;
  high: number;
  low: number;
  close: number;
  firstId: number;
  lastId: number;
  lastSize: number;
  volume: number;
  quote: bigint;
  buyVolume: number;
  buyQuote: bigint;
}

interface SymbolState {
  spec: SimSymbol;
  tradeKey: number;
  priceKey: number;
  priceScale: number;
  sizeScale: number;
  /** Minute index → aggregate of that whole minute (only whole, past minutes are cached). */
  minutes: Map<number, Agg>;
  /** Last knot index and values per price-path octave. */
  knots: { k: Float64Array; a: Float64Array; b: Float64Array };
}

/** Time scales (seconds) of the value-noise octaves that make the price path look like a walk. */
const OCTAVES = [15, 60, 240, 900, 3_600, 14_400, 86_400, 604_800];
/** Brownian scaling: the amplitude of each octave grows with the square root of its time scale. */
const OCTAVE_WEIGHTS = OCTAVES.map(Math.sqrt);
const QUIET_TAG = 0x51;
const COUNT_TAG = 0x52;
const DEFAULT_HISTORY_MS = 2 * 86_400_000;
/** Bound on the search for the last trade before a quiet stretch. */
const MAX_SEARCH_SECONDS = 7 * 86_400;

/** Builds a market simulator; see MarketSim. */
export function createMarketSim(options: MarketSimOptions): MarketSim {
  return new MarketSim(options);
}

export class MarketSim {
  /** First millisecond with trades (a whole minute). */
  readonly historyStart: number;
  readonly clock: () => number;
  private readonly bySymbol = new Map<string, SymbolState>();
  private readonly maxPerSecond: number;
  private readonly volatility: number;
  private readonly cachePerSymbol: number;

  constructor(options: MarketSimOptions) {
    this.clock = options.clock ?? Date.now;
    const seedKey = typeof options.seed === 'string' ? hashString(options.seed) : mix32((options.seed ?? 1) >>> 0);
    const saltKey = hashString(options.salt ?? '');
    const start = options.historyStart ?? this.clock() - (options.historyMs ?? DEFAULT_HISTORY_MS);
    this.historyStart = Math.floor(start / 60_000) * 60_000;
    this.maxPerSecond = options.maxTradesPerSecond ?? 50;
    this.volatility = options.volatility ?? 6e-5;
    const specs = options.symbols.map((s) => resolveSpec(typeof s === 'string' ? { symbol: s } : s, options.tradeRate ?? 2));
    this.cachePerSymbol = Math.max(1_000, Math.floor((options.cacheSize ?? 200_000) / Math.max(1, specs.length)));
    for (const spec of specs) {
      this.bySymbol.set(spec.symbol, {
        spec,
        tradeKey: hash4(seedKey, saltKey, hashString(spec.symbol)),
        priceKey: hash4(seedKey, 0x7072, hashString(spec.priceKey)),
        priceScale: 10 ** spec.priceDecimals,
        sizeScale: 10 ** spec.sizeDecimals,
        minutes: new Map(),
        knots: { k: new Float64Array(OCTAVES.length).fill(NaN), a: new Float64Array(OCTAVES.length), b: new Float64Array(OCTAVES.length) },
      });
    }
  }

  /** The current time of the injected clock. */
  now(): number {
    return this.clock();
  }

  /** The simulated symbols, in configuration order. */
  symbols(): SimSymbol[] {
    return [...this.bySymbol.values()].map((s) => s.spec);
  }

  /** The resolved spec of `symbol`, or undefined when it is not simulated. */
  symbol(symbol: string): SimSymbol | undefined {
    return this.bySymbol.get(symbol)?.spec;
  }

  /** Trades of `symbol` with fromMs <= time <= toMs (clamped to [historyStart, now]), oldest first. */
  trades(symbol: string, fromMs: number, toMs: number): SimTrade[] {
    const st = this.state(symbol);
    const from = Math.max(fromMs, this.historyStart);
    const to = Math.min(toMs, this.clock());
    const out: SimTrade[] = [];
    for (let s = Math.floor(from / 1000); s <= Math.floor(to / 1000); s++) {
      for (const t of this.secondTrades(st, s)) {
        if (t.time >= from && t.time <= to) out.push(publicTrade(st, t));
      }
    }
    return out;
  }

  /**
   * Ground-truth bars of `interval` (a name such as `1m`, `1M`, or a SimInterval) whose open time is
   * in [fromOpen, toOpen], have started by now, and are not before the history start. The bar
   * still forming at `now` is included with `closed: false`. `limit` caps the count (oldest kept).
   */
  klines(symbol: string, interval: string | SimInterval, fromOpen: number, toOpen: number, limit = Infinity): SimKline[] {
    const st = this.state(symbol);
    const iv = resolveInterval(interval);
    const now = this.clock();
    let open = Math.max(firstOpenAtOrAfter(iv, fromOpen), barOpen(iv, this.historyStart));
    const out: SimKline[] = [];
    let prevClose: number | undefined;
    while (open <= toOpen && open <= now && out.length < limit) {
      const close = barClose(iv, open);
      const agg = this.aggregateUnits(st, open, close);
      if (agg.count === 0) prevClose ??= this.lastPriceBefore(st, open) ?? this.referencePrice(st, open);
      out.push(toKline(st, agg, open, close, prevClose ?? 0, close < now));
      prevClose = agg.count > 0 ? agg.close : prevClose;
      open = nextOpen(iv, open);
    }
    return out;
  }

  /** The bar of `interval` that contains `time` (forming when it has not closed yet). */
  klineAt(symbol: string, interval: string | SimInterval, time: number): SimKline | undefined {
    const iv = resolveInterval(interval);
    const open = barOpen(iv, time);
    return this.klines(symbol, iv, open, open)[0];
  }

  /**
   * One page of bars with exchange REST semantics: rows with open time in [startTime, endTime],
   * oldest first; without startTime the page ends at the latest bar (or the one at endTime).
   */
  page(symbol: string, interval: string | SimInterval, q: KlinePage): SimKline[] {
    const iv = resolveInterval(interval);
    const now = this.clock();
    const endOpen = barOpen(iv, Math.min(q.endTime ?? now, now));
    if (q.startTime !== undefined && q.pageFrom === 'oldest') {
      return this.klines(symbol, iv, q.startTime, endOpen, q.limit);
    }
    let from = opensBefore(iv, endOpen, q.limit - 1);
    if (q.startTime !== undefined) from = Math.max(from, q.startTime);
    return this.klines(symbol, iv, from, endOpen, q.limit);
  }

  /** Totals of the trades with fromMs <= time <= toMs (clamped to [historyStart, now]). */
  aggregate(symbol: string, fromMs: number, toMs: number): SimAggregate {
    const st = this.state(symbol);
    const a = this.aggregateUnits(st, fromMs, toMs);
    const p = st.spec.priceDecimals;
    const s = st.spec.sizeDecimals;
    const out: SimAggregate = {
      trades: a.count,
      volume: formatUnits(a.volume, s),
      quoteVolume: formatUnits(a.quote, p + s),
      takerBuyVolume: formatUnits(a.buyVolume, s),
      takerBuyQuoteVolume: formatUnits(a.buyQuote, p + s),
      firstTradeId: a.count > 0 ? a.firstId : -1,
      lastTradeId: a.count > 0 ? a.lastId : -1,
    };
    if (a.count > 0) {
      out.open = formatUnits(a.open, p);
      out.high = formatUnits(a.high, p);
      out.low = formatUnits(a.low, p);
      out.close = formatUnits(a.close, p);
      out.lastSize = formatUnits(a.lastSize, s);
      // quote (scale p+s) / volume (scale s) = price (scale p); 4 extra decimals of precision.
      const avg = (a.quote * 10_000n + BigInt(a.volume) / 2n) / BigInt(a.volume);
      out.weightedAverage = formatUnits(avg, p + 4);
    }
    return out;
  }

  /** Price (in units of the tick) of the last trade strictly before `time`, if any since history start. */
  lastPriceUnitsBefore(symbol: string, time: number): number | undefined {
    return this.lastPriceBefore(this.state(symbol), time);
  }

  /** The noiseless price path at `time`, in units of the tick: what quotes and marks follow. */
  pathPriceUnits(symbol: string, time: number): number {
    return this.referencePrice(this.state(symbol), time);
  }

  private state(symbol: string): SymbolState {
    const st = this.bySymbol.get(symbol);
    if (!st) throw new Error(`symbol "${symbol}" is not simulated; configured: ${[...this.bySymbol.keys()].join(', ')}`);
    return st;
  }

  private aggregateUnits(st: SymbolState, fromMs: number, toMs: number): Agg {
    const from = Math.max(fromMs, this.historyStart);
    const to = Math.min(toMs, this.clock());
    const acc = emptyAgg();
    let s = Math.floor(from / 1000);
    const last = Math.floor(to / 1000);
    while (s <= last) {
      const start = s * 1000;
      if (s % 60 === 0 && start >= from && start + 59_999 <= to) {
        addAgg(acc, this.minuteAgg(st, s / 60));
        s += 60;
        continue;
      }
      const whole = start >= from && start + 999 <= to;
      for (const t of this.secondTrades(st, s)) {
        if (whole || (t.time >= from && t.time <= to)) addTrade(acc, t);
      }
      s++;
    }
    return acc;
  }

  private minuteAgg(st: SymbolState, minute: number): Agg {
    const cached = st.minutes.get(minute);
    if (cached) return cached;
    const acc = emptyAgg();
    if (!this.quietMinute(st, minute)) {
      for (let s = minute * 60; s < minute * 60 + 60; s++) {
        for (const t of this.secondTrades(st, s)) addTrade(acc, t);
      }
    }
    if (st.minutes.size >= this.cachePerSymbol) {
      // Maps iterate in insertion order: drop the oldest tenth in one go.
      let drop = Math.ceil(this.cachePerSymbol / 10);
      for (const key of st.minutes.keys()) {
        st.minutes.delete(key);
        if (--drop === 0) break;
      }
    }
    st.minutes.set(minute, acc);
    return acc;
  }

  private lastPriceBefore(st: SymbolState, time: number): number | undefined {
    const floor = Math.max(Math.floor(this.historyStart / 1000), Math.floor(time / 1000) - MAX_SEARCH_SECONDS);
    let s = Math.floor((time - 1) / 1000);
    while (s >= floor) {
      const minute = Math.floor(s / 60);
      if (this.quietMinute(st, minute)) {
        s = minute * 60 - 1;
        continue;
      }
      const trades = this.secondTrades(st, s);
      for (let i = trades.length - 1; i >= 0; i--) if (trades[i].time < time) return trades[i].priceUnits;
      s--;
    }
    return undefined;
  }

  private quietMinute(st: SymbolState, minute: number): boolean {
    return st.spec.quiet > 0 && unit(hash4(st.tradeKey, QUIET_TAG, minute)) < st.spec.quiet;
  }

  private tradeCount(st: SymbolState, s: number): number {
    if (s * 1000 < this.historyStart || this.quietMinute(st, Math.floor(s / 60))) return 0;
    const u = unit(hash4(st.tradeKey, COUNT_TAG, s));
    // Inverse CDF of a Poisson distribution: a few steps for realistic rates.
    const rate = st.spec.tradeRate;
    let k = 0;
    let p = Math.exp(-rate);
    let cdf = p;
    while (u > cdf && k < this.maxPerSecond) {
      k++;
      p *= rate / k;
      cdf += p;
    }
    return k;
  }

  private secondTrades(st: SymbolState, s: number): RawTrade[] {
    const count = this.tradeCount(st, s);
    if (count === 0) return [];
    const offsets: number[] = [];
    for (let i = 0; i < count; i++) offsets.push(hash4(st.tradeKey, s, i, 1) % 1000);
    offsets.sort((a, b) => a - b);
    const trades: RawTrade[] = [];
    // One path evaluation per second (the path moves little within it); trades jitter around it.
    const price = this.pathPrice(st, s * 1000 + 500);
    for (let i = 0; i < count; i++) {
      const time = s * 1000 + offsets[i];
      const jitter = (unit(hash4(st.tradeKey, s, i, 2)) - 0.5) * 4e-5;
      const priceUnits = Math.max(1, Math.round(price * (1 + jitter) * st.priceScale));
      const notional = 10 * 10 ** (3 * unit(hash4(st.tradeKey, s, i, 3)) ** 3);
      const sizeUnits = Math.max(1, Math.round((notional / price) * st.sizeScale));
      const buy = (hash4(st.tradeKey, s, i, 4) & 1) === 1;
      trades.push({ id: s * 1000 + i, time, priceUnits, sizeUnits, buy });
    }
    return trades;
  }

  /** Value noise at several scales, summed in log space: positive, smooth, walk-like, O(1). */
  private pathPrice(st: SymbolState, time: number): number {
    const t = time / 1000;
    let log = 0;
    for (let o = 0; o < OCTAVES.length; o++) {
      const scale = OCTAVES[o];
      const x = t / scale;
      const k = Math.floor(x);
      const f = x - k;
      const w = f * f * (3 - 2 * f);
      if (st.knots.k[o] !== k) {
        // Memo of the knot pair around x: consecutive seconds mostly share it.
        st.knots.k[o] = k;
        st.knots.a[o] = unit(hash4(st.priceKey, o, k)) * 2 - 1;
        st.knots.b[o] = unit(hash4(st.priceKey, o, k + 1)) * 2 - 1;
      }
      const a = st.knots.a[o];
      const b = st.knots.b[o];
      log += (a + (b - a) * w) * OCTAVE_WEIGHTS[o];
    }
    return st.spec.basePrice * Math.exp(log * this.volatility);
  }

  private referencePrice(st: SymbolState, time: number): number {
    return Math.max(1, Math.round(this.pathPrice(st, time) * st.priceScale));
  }
}

/** Parses an interval name, throwing on a bad one (callers validate names at their boundary). */
function resolveInterval(interval: string | SimInterval): SimInterval {
  return typeof interval === 'string' ? simInterval(interval) : interval;
}

function resolveSpec(spec: SymbolSpec, tradeRate: number): SimSymbol {
  const known = defaultsFor(spec.symbol);
  return {
    symbol: spec.symbol,
    basePrice: spec.basePrice ?? known.basePrice,
    priceDecimals: spec.priceDecimals ?? known.priceDecimals,
    sizeDecimals: spec.sizeDecimals ?? known.sizeDecimals,
    tradeRate: spec.tradeRate ?? tradeRate,
    quiet: Math.min(1, Math.max(0, spec.quiet ?? 0)),
    priceKey: spec.priceKey ?? spec.symbol,
    ...(spec.base !== undefined ? { base: spec.base } : {}),
    ...(spec.quote !== undefined ? { quote: spec.quote } : {}),
  };
}

/** Realistic defaults by base asset, whatever the exchange's spelling of the pair. */
function defaultsFor(symbol: string): { basePrice: number; priceDecimals: number; sizeDecimals: number } {
  const s = symbol.toUpperCase();
  if (s.startsWith('BTC') || s.startsWith('XBT')) return { basePrice: 60_000, priceDecimals: 2, sizeDecimals: 5 };
  if (s.startsWith('ETH')) return { basePrice: 3_000, priceDecimals: 2, sizeDecimals: 4 };
  return { basePrice: 100, priceDecimals: 4, sizeDecimals: 2 };
}

function emptyAgg(): Agg {
  return { count: 0, open: 0, high: 0, low: 0, close: 0, firstId: -1, lastId: -1, lastSize: 0, volume: 0, quote: 0n, buyVolume: 0, buyQuote: 0n };
}

/** Appends one trade to `acc`: a one-trade aggregate. */
function addTrade(acc: Agg, t: RawTrade): void {
  const p = t.priceUnits;
  const quote = BigInt(p) * BigInt(t.sizeUnits);
  addAgg(acc, {
    count: 1,
    open: p,
    high: p,
    low: p,
    close: p,
    firstId: t.id,
    lastId: t.id,
    lastSize: t.sizeUnits,
    volume: t.sizeUnits,
    quote,
    buyVolume: t.buy ? t.sizeUnits : 0,
    buyQuote: t.buy ? quote : 0n,
  });
}

/** Appends `later` (which follows acc in time) to `acc`. */
function addAgg(acc: Agg, later: Agg): void {
  if (later.count === 0) return;
  if (acc.count === 0) {
    acc.open = later.open;
    acc.high = later.high;
    acc.low = later.low;
    acc.firstId = later.firstId;
  } else {
    if (later.high > acc.high) acc.high = later.high;
    if (later.low < acc.low) acc.low = later.low;
  }
  acc.close = later.close;
  acc.lastId = later.lastId;
  acc.lastSize = later.lastSize;
  acc.count += later.count;
  acc.volume += later.volume;
  acc.quote += later.quote;
  acc.buyVolume += later.buyVolume;
  acc.buyQuote += later.buyQuote;
}

function toKline(st: SymbolState, a: Agg, openTime: number, closeTime: number, flatPrice: number, closed: boolean): SimKline {
  const p = st.spec.priceDecimals;
  const s = st.spec.sizeDecimals;
  const empty = a.count === 0;
  const price = (units: number) => formatUnits(empty ? flatPrice : units, p);
  return {
    openTime,
    closeTime,
    open: price(a.open),
    high: price(a.high),
    low: price(a.low),
    close: price(a.close),
    volume: formatUnits(a.volume, s),
    quoteVolume: formatUnits(a.quote, p + s),
    takerBuyVolume: formatUnits(a.buyVolume, s),
    takerBuyQuoteVolume: formatUnits(a.buyQuote, p + s),
    trades: a.count,
    firstTradeId: empty ? -1 : a.firstId,
    lastTradeId: empty ? -1 : a.lastId,
    closed,
  };
}

function publicTrade(st: SymbolState, t: RawTrade): SimTrade {
  return {
    id: t.id,
    time: t.time,
    price: formatUnits(t.priceUnits, st.spec.priceDecimals),
    size: formatUnits(t.sizeUnits, st.spec.sizeDecimals),
    side: t.buy ? 'buy' : 'sell',
    priceUnits: t.priceUnits,
    sizeUnits: t.sizeUnits,
  };
}

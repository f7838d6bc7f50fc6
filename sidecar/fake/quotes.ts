/**
 * Quote-like data derived from the simulator at a moment: best bid/ask, mark/index/funding and
 * rolling statistics. Deterministic in (seed, symbol, time) like the trades they follow.
 */
import { formatUnits } from '../market/decimal';
import { hash4, hashString, unit } from './hash';
import type { MarketSim, SimAggregate } from './market-sim';

export interface BookTop {
  time: number;
  /** Monotonic update id (the time in ms). */
  updateId: number;
  bid: string;
  bidSize: string;
  ask: string;
  askSize: string;
}

export interface MarkInfo {
  time: number;
  markPrice: string;
  indexPrice: string;
  /** Estimated settlement price. */
  settlePrice: string;
  /** Funding rate with 8 decimals, constant within each 8-hour funding period. */
  fundingRate: string;
  nextFundingTime: number;
}

export interface RollingStats extends SimAggregate {
  /** Window bounds (inclusive). */
  openTime: number;
  closeTime: number;
  /** Last price before the window (the previous close), when any. */
  prevClose?: string;
  /** close − open and its percentage with 3 decimals, when the window has trades. */
  priceChange?: string;
  priceChangePercent?: string;
}

const FUNDING_PERIOD_MS = 8 * 3_600_000;

/** Best bid/ask around the last trade price: one or two ticks apart, never crossed. */
export function bookTop(sim: MarketSim, symbol: string, now: number): BookTop {
  const spec = sim.symbol(symbol);
  if (!spec) throw new Error(`symbol "${symbol}" is not simulated`);
  const last = sim.lastPriceUnitsBefore(symbol, now + 1) ?? sim.pathPriceUnits(symbol, now);
  const bucket = Math.floor(now / 100);
  const key = hashString(symbol);
  const h = hash4(key, bucket, 0xb00c);
  const below = h % 3;
  const above = below === 0 ? 1 + ((h >>> 2) % 2) : (h >>> 2) % 3;
  const size = (salt: number) => formatUnits(1 + Math.floor(unit(hash4(key, bucket, salt)) * 10 ** (spec.sizeDecimals + 1)), spec.sizeDecimals);
  return {
    time: now,
    updateId: now,
    bid: formatUnits(Math.max(1, last - below), spec.priceDecimals),
    bidSize: size(1),
    ask: formatUnits(last + above, spec.priceDecimals),
    askSize: size(2),
  };
}

/** Mark price on the noiseless path, an index a hair apart, and a funding rate per 8-hour period. */
export function markInfo(sim: MarketSim, symbol: string, now: number): MarkInfo {
  const spec = sim.symbol(symbol);
  if (!spec) throw new Error(`symbol "${symbol}" is not simulated`);
  const mark = sim.pathPriceUnits(symbol, now);
  const key = hashString(symbol);
  const index = Math.max(1, Math.round(mark * (1 - (unit(hash4(key, Math.floor(now / 1000), 0x1d)) - 0.5) * 2e-4)));
  const period = Math.floor(now / FUNDING_PERIOD_MS);
  // 0.0001 ± 0.0001, in units of 1e-8.
  const rate = 10_000 + Math.round((unit(hash4(key, period, 0xf0)) - 0.5) * 20_000);
  return {
    time: now,
    markPrice: formatUnits(mark, spec.priceDecimals),
    indexPrice: formatUnits(index, spec.priceDecimals),
    settlePrice: formatUnits(index, spec.priceDecimals),
    fundingRate: formatUnits(rate, 8),
    nextFundingTime: (period + 1) * FUNDING_PERIOD_MS,
  };
}

/** Statistics of the trades in (now − windowMs, now]: a 24-hour ticker by default. */
export function rollingStats(sim: MarketSim, symbol: string, now: number, windowMs = 86_400_000): RollingStats {
  const spec = sim.symbol(symbol);
  if (!spec) throw new Error(`symbol "${symbol}" is not simulated`);
  const openTime = now - windowMs + 1;
  const agg = sim.aggregate(symbol, openTime, now);
  const prev = sim.lastPriceUnitsBefore(symbol, openTime);
  const stats: RollingStats = { ...agg, openTime, closeTime: now };
  if (prev !== undefined) stats.prevClose = formatUnits(prev, spec.priceDecimals);
  if (agg.open !== undefined && agg.close !== undefined) {
    const scale = 10 ** spec.priceDecimals;
    const open = Math.round(Number(agg.open) * scale);
    const close = Math.round(Number(agg.close) * scale);
    stats.priceChange = formatUnits(close - open, spec.priceDecimals);
    stats.priceChangePercent = (((close - open) / open) * 100).toFixed(3);
  }
  return stats;
}

/**
 * The prices a ticker quotes over the window of `stats`: the last trade and the window's open,
 * high and low. A window without trades quotes its last price (the previous close, else the bid)
 * throughout.
 */
export function windowPrices(stats: RollingStats, book: BookTop): { last: string; open: string; high: string; low: string } {
  const last = stats.close ?? stats.prevClose ?? book.bid;
  return { last, open: stats.open ?? last, high: stats.high ?? last, low: stats.low ?? last };
}

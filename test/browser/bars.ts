/** Deterministic 1m bars for the browser tests and the webview bench (seeded random walk). */
import type { Kline } from '../../sidecar/market/model';
import { mulberry32 } from '../support/prng';

export const MINUTE = 60_000;
/** 2025-01-06 00:00 UTC. */
export const T0 = Date.UTC(2025, 0, 6);

const round = (x: number, places: number) => Number(x.toFixed(places));

/**
 * `count` consecutive bars from `start`; the last one is forming (closed=false) like the sidecar's
 * cache answers. Prices have 2 decimals, volumes 3, as on a BTCUSDT market.
 */
export function makeBars(count: number, seed = 1, start = T0, stepMs = MINUTE): Kline[] {
  const rnd = mulberry32(seed);
  const bars: Kline[] = [];
  let close = 60_000;
  for (let i = 0; i < count; i++) {
    const open = close;
    close = round(open + (rnd() - 0.5) * 60, 2);
    const high = round(Math.max(open, close) + rnd() * 20, 2);
    const low = round(Math.min(open, close) - rnd() * 20, 2);
    const volume = round(5 + rnd() * 20, 3);
    const openTime = start + i * stepMs;
    bars.push({
      openTime,
      closeTime: openTime + stepMs - 1,
      open,
      high,
      low,
      close,
      volume,
      quoteVolume: round(volume * close, 4),
      trades: 100 + Math.floor(rnd() * 50),
      closed: i < count - 1,
    });
  }
  return bars;
}

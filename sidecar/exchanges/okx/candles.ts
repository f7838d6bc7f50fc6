/**
 * One OKX candle row, `[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]` (all strings), as the
 * WebSocket `candle*` channels and both REST candle endpoints send it.
 */
import { closeTime, type Interval } from '../../market/intervals';
import type { Kline, Market } from '../../market/model';
import { candleValues, type VolumeColumns } from '../candles';
import { describe } from '../decode';

/** Volume in base units: SPOT `vol`; SWAP `volCcy` (its `vol` counts contracts). Quote volume is `volCcyQuote` in both. */
const COLUMNS: Record<Market, VolumeColumns> = { spot: { volume: 5, quoteVolume: 7 }, perp: { volume: 6, quoteVolume: 7 } };

/**
 * A Kline from one row of bars of `interval`, or a string saying what is wrong with the row.
 * `closed` is OKX's confirm flag; OKX reports no trade count.
 */
export function candleRow(market: Market, interval: Interval, row: unknown): Kline | string {
  const values = candleValues(row, COLUMNS[market]);
  if (typeof values === 'string') return values;
  const confirm = (row as unknown[])[8];
  if (confirm !== '0' && confirm !== '1') return `item 8 (confirm) should be "0" or "1", got ${describe(confirm)}`;
  return { ...values, closeTime: closeTime(interval, values.openTime), closed: confirm === '1' };
}

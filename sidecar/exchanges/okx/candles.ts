/**
 * One OKX candle row, `[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]` (all strings), as the
 * WebSocket `candle*` channels and both REST candle endpoints send it.
 */
import { closeTime, requireInterval } from '../../market/intervals';
import type { Kline, Market } from '../../market/model';
import { describe, toDecimal } from '../decode';
import { msOf } from './time';

export const CANDLE_FIELDS = ['ts', 'o', 'h', 'l', 'c', 'vol', 'volCcy', 'volCcyQuote', 'confirm'] as const;

/**
 * A Kline from one row of bars of the canonical `interval`, or a string saying what is wrong with
 * the row. Volume is in base units: SPOT `vol`; SWAP `volCcy` (its `vol` counts contracts).
 * Quote volume is `volCcyQuote` in both. `closed` is OKX's confirm flag; OKX reports no trade count.
 */
export function candleRow(market: Market, interval: string, row: unknown): Kline | string {
  if (!Array.isArray(row) || row.length < CANDLE_FIELDS.length) {
    return `expected an array of ${CANDLE_FIELDS.length} strings [${CANDLE_FIELDS.join(',')}], got ${describe(row)}`;
  }
  const openTime = msOf(row[0]);
  if (openTime === undefined) return `item 0 (ts) should be epoch milliseconds, got ${describe(row[0])}`;
  const values: number[] = [];
  for (const i of [1, 2, 3, 4, market === 'spot' ? 5 : 6, 7]) {
    const n = toDecimal(row[i]);
    if (n === undefined) return `item ${i} (${CANDLE_FIELDS[i]}) should be a decimal number, got ${describe(row[i])}`;
    values.push(n);
  }
  const [open, high, low, close, volume, quoteVolume] = values;
  const confirm = row[8];
  if (confirm !== '0' && confirm !== '1') return `item 8 (confirm) should be "0" or "1", got ${describe(confirm)}`;
  return {
    openTime,
    closeTime: closeTime(requireInterval(interval), openTime),
    open,
    high,
    low,
    close,
    volume,
    quoteVolume,
    closed: confirm === '1',
  };
}

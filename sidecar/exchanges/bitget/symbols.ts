/** Bitget v2 symbol spelling: base and quote joined, upper case (`BTCUSDT`), in both markets. */
import { parseUnified } from '../symbols';

/**
 * Native spelling of a user's symbol: `BTC/USDT`, `BTC/USDT:USDT`, `btcusdt` → `BTCUSDT`.
 * The settle part of a unified perp symbol is dropped: the market (instType) already says USDT-M.
 */
export function nativeSymbol(input: string): string {
  const parts = parseUnified(input);
  if (parts) return `${parts.base}${parts.quote}`;
  return input.trim().toUpperCase();
}

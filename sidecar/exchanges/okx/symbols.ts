/**
 * OKX symbol spelling: upper case with dashes. Spot `BTC-USDT`; a USDT-margined perpetual
 * `BTC-USDT-SWAP` (its instrument family `BTC-USDT` names base and quote, the settle asset is USDT).
 */
import type { Market } from '../../market/model';
import { formatUnified, parseUnified } from '../symbols';

const SWAP_SUFFIX = '-SWAP';
/** `BASE-QUOTE`: what a user types when they mean the pair (on perp, its perpetual). */
const PAIR = /^([A-Z0-9]+)-([A-Z0-9]+)$/;
const SWAP = /^([A-Z0-9]+)-([A-Z0-9]+)-SWAP$/;

/**
 * Native spelling of a user's symbol in `market`: `BTC/USDT` → `BTC-USDT` (spot),
 * `BTC/USDT:USDT` → `BTC-USDT-SWAP` (perp). On perp a bare pair (`BTC-USDT`, `BTC/USDT`) names its
 * perpetual, since a perp market has nothing else by that name. Native input is upper-cased.
 */
export function nativeSymbol(market: Market, input: string): string {
  const parts = parseUnified(input);
  if (parts) return market === 'spot' ? `${parts.base}-${parts.quote}` : `${parts.base}-${parts.quote}${SWAP_SUFFIX}`;
  const text = input.trim().toUpperCase();
  if (market === 'perp' && PAIR.test(text)) return `${text}${SWAP_SUFFIX}`;
  return text;
}

/**
 * Unified spelling of a native symbol, or undefined when it is not in this market's form. A
 * perpetual's settle asset is taken to be its quote (linear contracts, the only ones served).
 */
export function unifiedSymbol(market: Market, native: string): string | undefined {
  const m = (market === 'spot' ? PAIR : SWAP).exec(native);
  if (!m) return undefined;
  return market === 'spot' ? formatUnified(m[1], m[2]) : formatUnified(m[1], m[2], m[2]);
}

/**
 * Bybit symbol spelling: base and quote joined, upper case (`BTCUSDT`), the same string on spot and
 * linear. A few linear contracts do not follow the pattern (USDC perpetuals such as `BTCPERP`), so
 * once the instrument list is known its unified spellings win over the join rule.
 */
import type { Instrument } from '../../market/model';
import { formatUnified, joinedSymbol, parseUnified } from '../symbols';

/** Unified ↔ native spellings of one market, learnt from its instrument list. */
export class SymbolBook {
  private toNative = new Map<string, string>();
  private toUnified = new Map<string, string>();

  /** Replaces what is known with `instruments` (the hub hands over every reload). */
  use(instruments: readonly Instrument[]): void {
    const toNative = new Map<string, string>();
    const toUnified = new Map<string, string>();
    for (const i of instruments) {
      toNative.set(i.unified.toUpperCase(), i.symbol);
      toUnified.set(i.symbol, i.unified);
    }
    this.toNative = toNative;
    this.toUnified = toUnified;
  }

  /**
   * Native spelling of a user's symbol: `BTC/USDT`, `BTC/USDT:USDT`, `btcusdt` → `BTCUSDT`. A unified
   * symbol the instrument list names maps to its listed symbol; otherwise base and quote are joined
   * (the settle part of a perpetual is dropped: linear names a contract by its pair).
   */
  nativeSymbol(input: string): string {
    const parts = parseUnified(input);
    const listed = parts && this.toNative.get(formatUnified(parts.base, parts.quote, parts.settle));
    return listed ?? joinedSymbol(input);
  }

  /** The unified spelling of a listed native symbol; undefined until the list is known. */
  unifiedSymbol(native: string): string | undefined {
    return this.toUnified.get(native.trim().toUpperCase());
  }
}

/**
 * How fake protocols describe a simulated symbol in their instrument lists and simulation
 * defaults: its assets, its tick and lot steps, and per-base-asset defaults.
 */
import { formatUnits } from '../market/decimal';
import type { SimSymbol, SymbolSpec } from './market-sim';

/** Quote assets recognised at the end of a joined symbol (`BTCUSDT`). */
const QUOTE_ASSETS = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'USDE', 'DAI', 'EUR', 'BRL', 'PLN', 'TRY', 'BTC', 'ETH', 'BNB', 'MNT'];

/**
 * The base and quote of a simulated symbol: as configured, else read from its spelling, either
 * `BASE-QUOTE…` or `BASEQUOTE` ending in a known quote asset (USDT when none matches).
 */
export function pairAssets(s: SimSymbol): { base: string; quote: string } {
  if (s.base && s.quote) return { base: s.base, quote: s.quote };
  const dashed = s.symbol.split('-');
  if (dashed.length > 1) return { base: s.base ?? dashed[0], quote: s.quote ?? dashed[1] };
  const quote = s.quote ?? QUOTE_ASSETS.find((q) => s.symbol.endsWith(q) && s.symbol.length > q.length) ?? 'USDT';
  return { base: s.base ?? s.symbol.slice(0, s.symbol.length - quote.length), quote };
}

/** The step of `decimals` decimal places as a decimal string: 2 → "0.01", 0 → "1". */
export function unitStep(decimals: number): string {
  return formatUnits(1, decimals);
}

/**
 * FakeMarketProtocol.symbolDefaults from a table keyed by base asset: the entry whose key the
 * symbol starts with (`BTC` matches BTCUSDT and BTC-USDT-SWAP), else `others`.
 */
export function defaultsByBase(table: Readonly<Record<string, Partial<SymbolSpec>>>, others: Partial<SymbolSpec> = {}): (symbol: string) => Partial<SymbolSpec> {
  return (symbol) => Object.entries(table).find(([base]) => symbol.startsWith(base))?.[1] ?? others;
}

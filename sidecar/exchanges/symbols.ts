/**
 * Unified (ccxt-style) symbol spelling shared by every adapter: `BASE/QUOTE` for spot and
 * `BASE/QUOTE:SETTLE` for a perpetual. Each adapter joins the parts into its own native form.
 */

export interface UnifiedParts {
  base: string;
  quote: string;
  /** The settlement (margin) asset; present only in the perpetual form. */
  settle?: string;
}

const ASSET = /^[^\s/:]+$/;

/**
 * Splits `BASE/QUOTE` or `BASE/QUOTE:SETTLE` (surrounding blanks ignored, parts upper-cased).
 * Returns undefined when the input is not in unified form, so the caller can treat it as native.
 */
export function parseUnified(input: string): UnifiedParts | undefined {
  const text = input.trim();
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const base = text.slice(0, slash);
  const rest = text.slice(slash + 1);
  const colon = rest.indexOf(':');
  const quote = colon < 0 ? rest : rest.slice(0, colon);
  const settle = colon < 0 ? undefined : rest.slice(colon + 1);
  if (!ASSET.test(base) || !ASSET.test(quote)) return undefined;
  if (settle !== undefined && !ASSET.test(settle)) return undefined;
  const parts: UnifiedParts = { base: base.toUpperCase(), quote: quote.toUpperCase() };
  if (settle !== undefined) parts.settle = settle.toUpperCase();
  return parts;
}

/** The unified spelling of a pair: `BASE/QUOTE`, or `BASE/QUOTE:SETTLE` when `settle` is given. */
export function formatUnified(base: string, quote: string, settle?: string): string {
  return settle === undefined ? `${base}/${quote}` : `${base}/${quote}:${settle}`;
}

/**
 * The native spelling of exchanges that join base and quote in upper case in both markets:
 * `BTC/USDT`, `BTC/USDT:USDT`, `btcusdt` → `BTCUSDT`. The settle part of a unified perp symbol is
 * dropped: the market already says which contract the pair names.
 */
export function joinedSymbol(input: string): string {
  const parts = parseUnified(input);
  if (parts) return `${parts.base}${parts.quote}`;
  return input.trim().toUpperCase();
}

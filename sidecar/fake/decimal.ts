/**
 * Exact decimal strings from scaled integers. Simulated prices and sizes are integers of the
 * symbol's smallest unit, so sums (volume, quote volume) are exact and only formatting is left.
 */

/** `units / 10^scale` as a decimal string with exactly `scale` decimals: (123456n, 2) → "1234.56". */
export function formatUnits(units: number | bigint, scale: number): string {
  let big = typeof units === 'bigint' ? units : BigInt(units);
  const negative = big < 0n;
  if (negative) big = -big;
  let digits = big.toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

/**
 * A decimal string re-expressed with exactly `decimals` decimals: padded with zeros, or rounded
 * half away from zero when it carries more (exchanges format their sums this way).
 */
export function toFixedDecimals(text: string, decimals: number): string {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const dot = body.indexOf('.');
  const intPart = dot < 0 ? body : body.slice(0, dot);
  const fracPart = dot < 0 ? '' : body.slice(dot + 1);
  if (fracPart.length <= decimals) {
    const out = decimals > 0 ? `${intPart || '0'}.${fracPart.padEnd(decimals, '0')}` : intPart || '0';
    return negative ? `-${out}` : out;
  }
  let units = BigInt((intPart || '0') + fracPart.slice(0, decimals));
  if (fracPart.charCodeAt(decimals) >= 53 /* '5' */) units += 1n;
  return formatUnits(negative ? -units : units, decimals);
}

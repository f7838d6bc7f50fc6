/** OKX sends every timestamp (and counts) as a string of decimal digits. */

/** Epoch milliseconds (or another non-negative integer) from `"1597026383085"`; undefined otherwise. */
export function msOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

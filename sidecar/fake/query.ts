/** Reading a fake REST request's query the way exchanges validate it. */

/**
 * The named parameters as non-negative integers of at most `maxDigits` digits (absent or empty
 * ones left out), or the name of the first parameter that is something else.
 */
export function integerParams<K extends string>(q: URLSearchParams, names: readonly K[], maxDigits = 16): Partial<Record<K, number>> | K {
  const digits = new RegExp(`^[0-9]{1,${maxDigits}}$`);
  const out: Partial<Record<K, number>> = {};
  for (const name of names) {
    const raw = q.get(name);
    if (raw === null || raw === '') continue;
    if (!digits.test(raw)) return name;
    out[name] = Number(raw);
  }
  return out;
}

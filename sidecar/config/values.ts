/**
 * Small pure helpers for talking about configuration values in error messages: how to show a
 * value, how to name a key path, how to hide a password, how to suggest the key a typo meant.
 * None of them throws, whatever it is given (a config file is untrusted input).
 */

/** A value as a user would recognise it in their file: strings quoted, tables and arrays named. */
export function showValue(value: unknown): string {
  try {
    if (typeof value === 'string') {
      const shown = value.length > 120 ? `${value.slice(0, 120)}…` : value;
      return JSON.stringify(redactUrlPassword(shown));
    }
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    if (value === null) return 'null';
    if (value === undefined) return 'nothing';
    if (Array.isArray(value)) return 'an array';
    if (value instanceof Date) return 'a date';
    if (typeof value === 'object') return 'a table';
    return `a ${typeof value}`;
  } catch {
    return 'an unprintable value';
  }
}

/** `exchanges.acme.spot_ws_url`, quoting segments TOML would need to quote, `[i]` for indices. */
export function showPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      const bare = /^[A-Za-z0-9_-]+$/.test(s) ? s : JSON.stringify(s);
      out += out === '' ? bare : `.${bare}`;
    }
  }
  return out === '' ? '(top level)' : out;
}

/** `socks5://user:secret@host` → `socks5://user:***@host`: error messages and logs must not leak a proxy password. */
export function redactUrlPassword(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:]*:)[^/@]*@/, '$1***@');
}

/** The candidate closest to `word` when it is plausibly a typo of it (edit distance ≤ 2). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  // Long inputs cannot be typos of our short keys; skip the quadratic work.
  if (Math.abs(a.length - b.length) > 2 || a.length > 64) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

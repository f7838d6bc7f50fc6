/**
 * Stateless 32-bit hashing for the market simulator: every simulated value is a pure function of
 * its coordinates (seed, symbol, second, …), so any moment of history can be computed in O(1)
 * without replaying what came before.
 */

/** FNV-1a of a string: turns seeds and symbol names into 32-bit keys. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A strong 32-bit finalizer (lowbias32): nearby inputs give unrelated outputs. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hash of up to four 32-bit coordinates. Coordinates larger than 32 bits (e.g. a knot index of a
 * long time scale) are folded so that they still differ.
 */
export function hash4(a: number, b: number, c: number, d = 0): number {
  let h = mix32(a ^ 0x9e3779b9);
  h = mix32(h ^ fold(b));
  h = mix32(h ^ fold(c));
  return mix32(h ^ fold(d));
}

/** A uniform number in [0, 1) from a 32-bit hash. */
export function unit(h: number): number {
  return h / 4294967296;
}

function fold(x: number): number {
  // Keep negative and > 2^32 values distinct instead of letting `>>> 0` alias them.
  if (x >= 0 && x < 4294967296) return x >>> 0;
  const hi = Math.floor(x / 4294967296);
  return (x >>> 0) ^ mix32(hi + 0x632be5ab);
}

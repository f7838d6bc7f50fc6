/**
 * Exact decimal arithmetic on exchange numbers. A price or size parsed from the exchange's decimal
 * string is a double whose shortest string form (`String(n)`) is that decimal again, so the decimal
 * is recovered from `String(n)` and summed as a scaled BigInt: 0.1 + 0.2 is 0.3, not
 * 0.30000000000000004. Scaled integers print back as exact decimal strings (formatUnits).
 */

/** A decimal value `units / 10^scale`. */
interface Scaled {
  units: bigint;
  scale: number;
}

const NUMBER_FORM = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

const powCache: bigint[] = [];
function pow10(k: number): bigint {
  let p = powCache[k];
  if (p === undefined) {
    p = 10n ** BigInt(k);
    if (k < 64) powCache[k] = p;
  }
  return p;
}

/** The exact decimal that `String(n)` spells, including exponent forms like 1e-7 and 1.5e+21. */
function toScaled(n: number): Scaled {
  if (!Number.isFinite(n)) throw new RangeError(`cannot sum ${n}: expected a finite number`);
  const m = NUMBER_FORM.exec(String(n));
  // String() of a finite number always matches; the guard keeps the types honest.
  if (!m) throw new RangeError(`cannot read ${String(n)} as a decimal`);
  const [, sign, int, frac = '', exp = '0'] = m;
  let scale = frac.length - Number(exp);
  let units = BigInt(int + frac);
  if (scale < 0) {
    units *= pow10(-scale);
    scale = 0;
  }
  return { units: sign ? -units : units, scale };
}

/** Number of decimal places in the shortest form of `n` (0.25 → 2, 1e-7 → 7, 1.5e+21 → 0). */
export function decimalsOf(n: number): number {
  return toScaled(n).scale;
}

/**
 * An exact running sum of decimals. The scale grows to the largest number of decimal places seen,
 * so the sum is never rounded, and toNumber() rounds once, to the nearest double.
 */
export class DecimalSum {
  #units = 0n;
  #scale = 0;

  /** Starts at `initial` (0 by default), e.g. the volume of a bar being continued. */
  constructor(initial = 0) {
    if (initial !== 0) this.add(initial);
  }

  /** Decimal places currently carried. */
  get scale(): number {
    return this.#scale;
  }

  /** Adds `n` exactly. Throws RangeError for NaN or ±Infinity. */
  add(n: number): this {
    this.#addScaled(toScaled(n));
    return this;
  }

  /** Adds `a × b` exactly (e.g. price × size for a quote volume). Throws RangeError for non-finite input. */
  addProduct(a: number, b: number): this {
    const x = toScaled(a);
    const y = toScaled(b);
    this.#addScaled({ units: x.units * y.units, scale: x.scale + y.scale });
    return this;
  }

  /** True when the sum is exactly zero. */
  isZero(): boolean {
    return this.#units === 0n;
  }

  /** The nearest double to the exact sum. */
  toNumber(): number {
    // Number() parses decimal strings with correct rounding, so one rounding happens here, once.
    return Number(this.toString());
  }

  /** The exact sum as a plain decimal string without trailing zeros ("0.3", "-12", "2082.4799"). */
  toString(): string {
    return trimZeros(formatUnits(this.#units, this.#scale));
  }

  /** An independent copy. */
  clone(): DecimalSum {
    const copy = new DecimalSum();
    copy.#units = this.#units;
    copy.#scale = this.#scale;
    return copy;
  }

  #addScaled(x: Scaled): void {
    if (x.scale > this.#scale) {
      this.#units *= pow10(x.scale - this.#scale);
      this.#scale = x.scale;
      this.#units += x.units;
    } else {
      this.#units += x.units * pow10(this.#scale - x.scale);
    }
  }
}

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

/** A decimal string without trailing zeros after the point: "16980.50" → "16980.5", "2.000" → "2", "-0.00" → "0". */
export function trimZeros(text: string): string {
  if (!text.includes('.')) return text;
  const trimmed = text.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' || trimmed === '' || trimmed === '-' ? '0' : trimmed;
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

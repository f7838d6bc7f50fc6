/**
 * Exact decimal sums of exchange numbers. A price or size parsed from the exchange's decimal string
 * is a double whose shortest string form (`String(n)`) is that decimal again, so the decimal is
 * recovered from `String(n)` and summed as a scaled BigInt: 0.1 + 0.2 is 0.3, not
 * 0.30000000000000004.
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
    const negative = this.#units < 0n;
    let digits = (negative ? -this.#units : this.#units).toString();
    let text: string;
    if (this.#scale === 0) {
      text = digits;
    } else {
      digits = digits.padStart(this.#scale + 1, '0');
      const int = digits.slice(0, digits.length - this.#scale);
      const frac = digits.slice(digits.length - this.#scale).replace(/0+$/, '');
      text = frac ? `${int}.${frac}` : int;
    }
    return negative && text !== '0' ? `-${text}` : text;
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

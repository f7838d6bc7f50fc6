import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecimalSum, decimalsOf } from '../../sidecar/market/decimal';

/** An exact decimal as an independent reference: units / 10^scale. */
interface Dec {
  units: bigint;
  scale: number;
}

function spell(d: Dec): string {
  const neg = d.units < 0n;
  const digits = (neg ? -d.units : d.units).toString().padStart(d.scale + 1, '0');
  const text = d.scale === 0 ? digits : `${digits.slice(0, -d.scale)}.${digits.slice(-d.scale)}`;
  return neg ? `-${text}` : text;
}

/** Reads a plain decimal string back as units at a given scale (the scale must be large enough). */
function unitsAt(text: string, scale: number): bigint {
  const neg = text.startsWith('-');
  const [int, frac = ''] = (neg ? text.slice(1) : text).split('.');
  expect(frac.length).toBeLessThanOrEqual(scale);
  const units = BigInt(int + frac.padEnd(scale, '0'));
  return neg ? -units : units;
}

// Up to 15 significant digits, so Number(spell(d)) has a shortest form equal to d.
const decimal = fc.record({
  units: fc.bigInt({ min: -(10n ** 15n - 1n), max: 10n ** 15n - 1n }),
  scale: fc.integer({ min: 0, max: 12 }),
});
const smallDecimal = fc.record({
  units: fc.bigInt({ min: -(10n ** 8n - 1n), max: 10n ** 8n - 1n }),
  scale: fc.integer({ min: 0, max: 8 }),
});

describe('decimalsOf', () => {
  it.each([
    [0, 0],
    [100, 0],
    [0.25, 2],
    [-0.5, 1],
    [2075.8217, 4],
    [1e-7, 7],
    [1.5e-7, 8],
    [1.5e21, 0],
    [123456789.123, 3],
  ])('%s has %i decimals', (n, expected) => {
    expect(decimalsOf(n)).toBe(expected);
  });

  it('rejects non-finite numbers with a RangeError naming them', () => {
    expect(() => decimalsOf(Number.NaN)).toThrow(/NaN/);
    expect(() => decimalsOf(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('DecimalSum', () => {
  it('sums 0.1 + 0.2 to exactly 0.3', () => {
    const s = new DecimalSum().add(0.1).add(0.2);
    expect(s.toString()).toBe('0.3');
    expect(s.toNumber()).toBe(0.3);
    expect(0.1 + 0.2).not.toBe(0.3); // the float sum this replaces
  });

  it('adds a price × size exactly (real Binance KEEPUSDT quote volume)', () => {
    // Open kline q=2075.8217 plus aggTrade p=0.2466 q=27 gives the closed kline's q=2082.4799.
    const s = new DecimalSum(2075.8217).addProduct(0.2466, 27);
    expect(s.toString()).toBe('2082.4799');
    expect(s.toNumber()).toBe(2082.4799);
  });

  it('reads exponent forms exactly', () => {
    const s = new DecimalSum().add(1e-7).add(1.5e21);
    expect(s.toString()).toBe('1500000000000000000000.0000001');
    expect(s.scale).toBe(7);
    expect(new DecimalSum().addProduct(1.5e-7, 2e-8).toString()).toBe('0.000000000000003');
  });

  it('adopts the largest scale seen and handles negatives and zero', () => {
    const s = new DecimalSum(5);
    expect(s.scale).toBe(0);
    s.add(-0.125);
    expect(s.scale).toBe(3);
    expect(s.toString()).toBe('4.875');
    s.add(-4.875);
    expect(s.isZero()).toBe(true);
    expect(s.toString()).toBe('0');
    s.add(-0.5);
    expect(s.toString()).toBe('-0.5');
    expect(s.toNumber()).toBe(-0.5);
  });

  it('clones independently', () => {
    const a = new DecimalSum(1.5);
    const b = a.clone().add(1);
    expect(a.toString()).toBe('1.5');
    expect(b.toString()).toBe('2.5');
  });

  it('throws a RangeError for a non-finite addend', () => {
    expect(() => new DecimalSum().add(Number.NaN)).toThrow(RangeError);
    expect(() => new DecimalSum().addProduct(1, Number.POSITIVE_INFINITY)).toThrow(/Infinity/);
  });

  it('the sum of random decimals equals the BigInt reference', () => {
    fc.assert(
      fc.property(fc.array(decimal, { maxLength: 40 }), (decs) => {
        const sum = new DecimalSum();
        for (const d of decs) sum.add(Number(spell(d)));
        const scale = Math.max(0, ...decs.map((d) => d.scale));
        let ref = 0n;
        for (const d of decs) ref += d.units * 10n ** BigInt(scale - d.scale);
        expect(unitsAt(sum.toString(), scale)).toBe(ref);
        expect(sum.toNumber()).toBe(Number(spell({ units: ref, scale })));
      }),
    );
  });

  it('the sum of random products equals the BigInt reference', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(smallDecimal, smallDecimal), { maxLength: 30 }), (pairs) => {
        const sum = new DecimalSum();
        for (const [a, b] of pairs) sum.addProduct(Number(spell(a)), Number(spell(b)));
        const scale = Math.max(0, ...pairs.map(([a, b]) => a.scale + b.scale));
        let ref = 0n;
        for (const [a, b] of pairs) ref += a.units * b.units * 10n ** BigInt(scale - a.scale - b.scale);
        expect(unitsAt(sum.toString(), scale)).toBe(ref);
        expect(sum.toNumber()).toBe(Number(spell({ units: ref, scale })));
      }),
    );
  });
});

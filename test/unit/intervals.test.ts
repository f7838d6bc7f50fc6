import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alignOpen,
  barCount,
  barsBetween,
  canonicalIntervals,
  closeTime,
  divides,
  nextOpen,
  parseInterval,
  requireInterval,
  type Interval,
} from '../../sidecar/market/intervals';

const iv = requireInterval;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('parseInterval', () => {
  it('parses every canonical interval', () => {
    for (const name of canonicalIntervals) {
      const parsed = parseInterval(name);
      expect(parsed).not.toBeInstanceOf(Error);
      expect((parsed as Interval).name).toBe(name);
    }
  });

  it('reads unit, multiplier and fixed length; m is minute, M is month', () => {
    expect(parseInterval('15m')).toEqual({ name: '15m', unit: 'm', n: 15, ms: 15 * MIN });
    expect(parseInterval('1s')).toEqual({ name: '1s', unit: 's', n: 1, ms: 1000 });
    expect(parseInterval('4h')).toEqual({ name: '4h', unit: 'h', n: 4, ms: 4 * HOUR });
    expect(parseInterval('3d')).toEqual({ name: '3d', unit: 'd', n: 3, ms: 3 * DAY });
    expect(parseInterval('1w')).toEqual({ name: '1w', unit: 'w', n: 1, ms: 7 * DAY });
    const month = parseInterval('1M') as Interval;
    expect(month.unit).toBe('M');
    expect(month.ms).toBeUndefined();
  });

  it('accepts any multiplier from 1 to 999', () => {
    expect(parseInterval('61s')).toMatchObject({ n: 61, ms: 61_000 });
    expect(parseInterval('999h')).toMatchObject({ n: 999 });
  });

  it.each([
    ['0m', 'at least 1'],
    ['1000s', 'below 1000'],
    ['2w', 'only 1w'],
    ['3M', 'only 1M'],
    ['01m', 'write it as 1m'],
    ['1x', '<n>s'],
    ['1.5m', '<n>s'],
    ['-1m', '<n>s'],
    ['1 m', '<n>s'],
    ['', '<n>s'],
    ['m', '<n>s'],
    ['1H', '<n>s'],
  ])('rejects %j with an error naming it', (name, hint) => {
    const parsed = parseInterval(name);
    expect(parsed).toBeInstanceOf(Error);
    const message = (parsed as Error).message;
    expect(message).toContain(JSON.stringify(name));
    expect(message).toContain(hint);
  });

  it('requireInterval throws the same error', () => {
    expect(() => requireInterval('7x')).toThrow(/"7x"/);
  });
});

describe('alignOpen / nextOpen / closeTime', () => {
  it('aligns fixed intervals to the epoch grid', () => {
    const t = Date.UTC(2024, 2, 10, 13, 37, 12, 345);
    expect(alignOpen(iv('1s'), t)).toBe(Date.UTC(2024, 2, 10, 13, 37, 12));
    expect(alignOpen(iv('1m'), t)).toBe(Date.UTC(2024, 2, 10, 13, 37));
    expect(alignOpen(iv('5m'), t)).toBe(Date.UTC(2024, 2, 10, 13, 35));
    expect(alignOpen(iv('15m'), t)).toBe(Date.UTC(2024, 2, 10, 13, 30));
    expect(alignOpen(iv('1h'), t)).toBe(Date.UTC(2024, 2, 10, 13));
    expect(alignOpen(iv('4h'), t)).toBe(Date.UTC(2024, 2, 10, 12));
    expect(alignOpen(iv('12h'), t)).toBe(Date.UTC(2024, 2, 10, 12));
    expect(alignOpen(iv('1d'), t)).toBe(Date.UTC(2024, 2, 10));
    // Multi-day bars count whole days from the epoch, like Binance's 3d.
    expect(alignOpen(iv('3d'), t) % (3 * DAY)).toBe(0);
    expect(t - alignOpen(iv('3d'), t)).toBeLessThan(3 * DAY);
  });

  it('matches a real Binance 1m kline (t, T)', () => {
    // bmoscon/cryptofeed sample_data/BINANCE_FUTURES.ws.1.0, KEEPUSDT kline_1m: E=1626992756710.
    const m1 = iv('1m');
    expect(alignOpen(m1, 1626992756710)).toBe(1626992700000);
    expect(closeTime(m1, 1626992700000)).toBe(1626992759999);
  });

  it('opens weeks on Monday 00:00 UTC (2024-01-01 was a Monday)', () => {
    const w = iv('1w');
    const monday = Date.UTC(2024, 0, 1);
    expect(new Date(monday).getUTCDay()).toBe(1);
    expect(alignOpen(w, monday)).toBe(monday);
    expect(alignOpen(w, Date.UTC(2024, 0, 3, 15, 30))).toBe(monday);
    expect(alignOpen(w, Date.UTC(2024, 0, 7, 23, 59, 59, 999))).toBe(monday);
    expect(alignOpen(w, Date.UTC(2024, 0, 8))).toBe(Date.UTC(2024, 0, 8));
    expect(alignOpen(w, Date.UTC(2023, 11, 31, 12))).toBe(Date.UTC(2023, 11, 25));
    // The epoch (a Thursday) belongs to the week opened on Monday 1969-12-29.
    expect(alignOpen(w, 0)).toBe(Date.UTC(1969, 11, 29));
    expect(nextOpen(w, monday)).toBe(Date.UTC(2024, 0, 8));
    expect(closeTime(w, monday)).toBe(Date.UTC(2024, 0, 8) - 1);
  });

  it('every week opens on a Monday at midnight, and contains t', () => {
    const w = iv('1w');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }), (t) => {
        const open = alignOpen(w, t);
        const d = new Date(open);
        expect(d.getUTCDay()).toBe(1);
        expect(open % DAY === 0).toBe(true);
        expect(open <= t && t <= closeTime(w, open)).toBe(true);
      }),
    );
  });

  it('uses calendar months across December → January', () => {
    const M = iv('1M');
    const lastMs2023 = Date.UTC(2023, 11, 31, 23, 59, 59, 999);
    expect(alignOpen(M, lastMs2023)).toBe(Date.UTC(2023, 11, 1));
    expect(nextOpen(M, Date.UTC(2023, 11, 1))).toBe(Date.UTC(2024, 0, 1));
    expect(closeTime(M, Date.UTC(2023, 11, 1))).toBe(lastMs2023);
    expect(alignOpen(M, Date.UTC(2024, 0, 1))).toBe(Date.UTC(2024, 0, 1));
  });

  it('gives February 29 days in a leap year and 28 otherwise', () => {
    const M = iv('1M');
    const feb2024 = Date.UTC(2024, 1, 1);
    const feb2023 = Date.UTC(2023, 1, 1);
    expect(nextOpen(M, feb2024) - feb2024).toBe(29 * DAY);
    expect(nextOpen(M, feb2023) - feb2023).toBe(28 * DAY);
    expect(alignOpen(M, Date.UTC(2024, 1, 29, 18))).toBe(feb2024);
    expect(closeTime(M, feb2024)).toBe(Date.UTC(2024, 2, 1) - 1);
  });

  it('every bar contains its time and follows the previous one without gaps', () => {
    const names = ['1s', '1m', '3m', '5m', '1h', '4h', '6h', '1d', '3d', '1w', '1M'];
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }), (name, t) => {
        const i = iv(name);
        const open = alignOpen(i, t);
        expect(open <= t && t <= closeTime(i, open)).toBe(true);
        expect(alignOpen(i, open)).toBe(open);
        expect(alignOpen(i, open - 1)).toBeLessThan(open);
        expect(nextOpen(i, alignOpen(i, open - 1))).toBe(open);
      }),
    );
  });
});

describe('barsBetween / barCount', () => {
  it('lists fixed bars in [from, to)', () => {
    const t0 = Date.UTC(2024, 0, 1, 10);
    const five = iv('5m');
    expect(barsBetween(five, t0, t0 + 20 * MIN)).toEqual([0, 5, 10, 15].map((k) => t0 + k * MIN));
    expect(barCount(five, t0, t0 + 20 * MIN)).toBe(4);
    expect(barsBetween(five, t0, t0)).toEqual([]);
    expect(barCount(five, t0 + MIN, t0)).toBe(0);
    expect(barsBetween(iv('1m'), t0, t0 + 10 * MIN, 3)).toEqual([t0, t0 + MIN, t0 + 2 * MIN]);
  });

  it('lists calendar months across a year end', () => {
    const M = iv('1M');
    const from = Date.UTC(2023, 10, 1);
    const to = Date.UTC(2024, 2, 1);
    const months = [Date.UTC(2023, 10, 1), Date.UTC(2023, 11, 1), Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1)];
    expect(barsBetween(M, from, to)).toEqual(months);
    expect(barCount(M, from, to)).toBe(4);
    // An exclusive end inside March still counts March.
    expect(barCount(M, from, to + DAY)).toBe(5);
    expect(barsBetween(M, from, to + DAY)).toHaveLength(5);
  });
});

describe('divides', () => {
  it.each([
    ['1m', '5m', true],
    ['2m', '5m', false],
    ['3m', '1h', true],
    ['1s', '1m', true],
    ['1h', '4h', true],
    ['4h', '6h', false],
    ['1d', '3d', true],
    ['1d', '1w', true],
    ['1h', '1w', true],
    ['2d', '1w', false],
    ['7d', '1w', false], // same length, but 7d bars open on Thursdays
    ['1w', '7d', false],
    ['1w', '1w', true],
    ['1d', '1M', true],
    ['6h', '1M', true],
    ['1s', '1M', true],
    ['5h', '1M', false],
    ['2d', '1M', false],
    ['1w', '1M', false],
    ['1M', '1M', true],
    ['1M', '1d', false],
    ['5m', '1m', false],
  ])('%s divides %s: %s', (small, big, expected) => {
    expect(divides(iv(small), iv(big))).toBe(expected);
  });

  it('when small divides big, every big boundary is a small boundary', () => {
    const names = ['1s', '5s', '1m', '3m', '5m', '7m', '1h', '5h', '6h', '1d', '2d', '7d', '1w', '1M'];
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.constantFrom(...names),
        fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }),
        (a, b, t) => {
          const small = iv(a);
          const big = iv(b);
          fc.pre(divides(small, big));
          const open = alignOpen(big, t);
          expect(alignOpen(small, open)).toBe(open);
          expect(alignOpen(small, nextOpen(big, open))).toBe(nextOpen(big, open));
        },
      ),
    );
  });
});

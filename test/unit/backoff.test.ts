import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff, backoffCeiling, fullJitterDelay } from '../../sidecar/feed/backoff';

describe('full-jitter backoff', () => {
  it('doubles the ceiling from the base up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 100, 5000].map((a) => backoffCeiling(a, 500, 30_000))).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('draws every delay within [0, min(cap, base·2^attempt))', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const d = fullJitterDelay(attempt, 500, 30_000, () => r);
        return Number.isInteger(d) && d >= 0 && d < backoffCeiling(attempt, 500, 30_000);
      }),
    );
  });

  it('spans the whole range: the extremes of the random source map to 0 and just under the ceiling', () => {
    expect(fullJitterDelay(3, 500, 30_000, () => 0)).toBe(0);
    expect(fullJitterDelay(3, 500, 30_000, () => 0.999999)).toBe(3999);
    expect(fullJitterDelay(3, 500, 30_000, () => 1)).toBe(3999); // a sloppy source never exceeds
  });

  it('counts attempts and grows the ceiling per failure', () => {
    const b = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0.5 });
    expect([b.next(0), b.next(0), b.next(0), b.next(0), b.next(0)]).toEqual([
      { attempt: 1, delayMs: 50 },
      { attempt: 2, delayMs: 100 },
      { attempt: 3, delayMs: 200 },
      { attempt: 4, delayMs: 400 },
      { attempt: 5, delayMs: 500 },
    ]);
  });

  it('starts over after the connection stayed healthy for resetAfterMs, not before', () => {
    const b = new Backoff({ baseMs: 100, capMs: 10_000, resetAfterMs: 60_000, random: () => 0.5 });
    b.next(0);
    b.next(0);
    b.next(0);
    b.succeeded(1000);
    expect(b.next(1000 + 59_999)).toEqual({ attempt: 4, delayMs: 400 }); // flapping: keeps growing
    b.succeeded(70_000);
    expect(b.next(70_000 + 60_000)).toEqual({ attempt: 1, delayMs: 50 });
  });

  it('uses the documented defaults (0.5 s base, 30 s cap, 60 s reset)', () => {
    const b = new Backoff({ random: () => 0.999999 });
    expect(b.next(0).delayMs).toBe(499);
    for (let i = 0; i < 20; i++) b.next(0);
    expect(b.next(0).delayMs).toBe(29_999);
    expect(b.resetAfterMs).toBe(60_000);
    b.reset();
    expect(b.attempt).toBe(0);
  });

  it('with Math.random, delays of one attempt are spread over the range, not clustered', () => {
    const delays = Array.from({ length: 2000 }, () => fullJitterDelay(2, 500, 30_000, Math.random));
    const low = delays.filter((d) => d < 1000).length;
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(2000);
    // Uniform on [0, 2000): about half below 1000; 2000 draws put it far inside 40–60 %.
    expect(low).toBeGreaterThan(800);
    expect(low).toBeLessThan(1200);
  });
});

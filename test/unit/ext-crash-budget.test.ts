import { describe, expect, it } from 'vitest';
import { CrashBudget } from '../../extension/crash-budget';

describe('CrashBudget', () => {
  it('allows four restarts and refuses the fifth crash within three minutes', () => {
    const b = new CrashBudget();
    const verdicts = [0, 10_000, 20_000, 30_000, 40_000].map((t) => b.record(t));
    expect(verdicts.map((v) => v.restart)).toEqual([true, true, true, true, false]);
    expect(verdicts[4].crashesInWindow).toBe(5);
  });

  it('forgets crashes older than the window', () => {
    const b = new CrashBudget({ maxCrashes: 3, windowMs: 1000 });
    expect(b.record(0).restart).toBe(true);
    expect(b.record(500).restart).toBe(true);
    // The crash at 0 has left the window by 1200: only two are counted.
    expect(b.record(1200)).toEqual({ restart: true, crashesInWindow: 2 });
    expect(b.record(1300).restart).toBe(false);
    expect(b.count(5000)).toBe(0);
  });

  it('starts over after reset (a restart the user asked for)', () => {
    const b = new CrashBudget({ maxCrashes: 2, windowMs: 60_000 });
    b.record(0);
    expect(b.record(1).restart).toBe(false);
    b.reset();
    expect(b.record(2).restart).toBe(true);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { Throttle } from '../../extension/throttle';

afterEach(() => vi.useRealTimers());

describe('Throttle', () => {
  it('runs at once, then at most once per interval however often it is scheduled', () => {
    vi.useFakeTimers();
    let runs = 0;
    const th = new Throttle(() => runs++, 1000);
    th.schedule();
    expect(runs).toBe(1);
    for (let i = 0; i < 100; i++) th.schedule();
    expect(runs).toBe(1);
    vi.advanceTimersByTime(999);
    expect(runs).toBe(1);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(2);
    vi.advanceTimersByTime(5000);
    expect(runs).toBe(2);
  });

  it('flush runs now and cancels the pending run; dispose stops everything', () => {
    vi.useFakeTimers();
    let runs = 0;
    const th = new Throttle(() => runs++, 1000);
    th.schedule();
    th.schedule();
    th.flush();
    expect(runs).toBe(2);
    vi.advanceTimersByTime(2000);
    expect(runs).toBe(2);
    th.schedule(); // the interval has passed: runs at once
    th.schedule(); // pending…
    th.dispose(); // …and cancelled
    vi.advanceTimersByTime(2000);
    th.schedule();
    expect(runs).toBe(3);
  });
});

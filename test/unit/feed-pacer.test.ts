import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PacedQueue } from '../../sidecar/feed/pacer';

describe('PacedQueue', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('delivers the first item at once and spaces the rest by the interval', () => {
    const sent: Array<[string, number]> = [];
    const q = new PacedQueue<string>(100, (item) => sent.push([item, Date.now()]), Date.now);
    const t0 = Date.now();
    q.push('a');
    q.push('b');
    q.push('c');
    expect(sent.map(([i]) => i)).toEqual(['a']);
    vi.advanceTimersByTime(99);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(100);
    expect(sent.map(([i, t]) => [i, t - t0])).toEqual([
      ['a', 0],
      ['b', 100],
      ['c', 200],
    ]);
  });

  it('does not delay an item pushed after a quiet period, and clear drops the backlog', () => {
    const sent: string[] = [];
    const q = new PacedQueue<string>(50, (item) => sent.push(item), Date.now);
    q.push('a');
    vi.advanceTimersByTime(500);
    q.push('b');
    expect(sent).toEqual(['a', 'b']);
    q.push('c');
    q.clear();
    vi.advanceTimersByTime(500);
    expect(sent).toEqual(['a', 'b']);
    expect(q.length).toBe(0);
  });

  it('with interval 0 delivers everything synchronously, in order', () => {
    const sent: number[] = [];
    const q = new PacedQueue<number>(0, (item) => sent.push(item), Date.now);
    for (let i = 0; i < 5; i++) q.push(i);
    expect(sent).toEqual([0, 1, 2, 3, 4]);
  });
});

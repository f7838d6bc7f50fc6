import { expect } from 'vitest';

/**
 * A fake's REST history starts `historyMs` before the fleet started, rounded down to the minute,
 * and ends with the bar forming when the request is answered. Both ends move with the clock, so a
 * test that counts bars reads them from the clock instead of expecting a fixed count that breaks
 * whenever a minute turns between starting the fleet and asking.
 */
export const minuteOf = (ms: number): number => Math.floor(ms / 60_000) * 60_000;

export class HistoryWindow {
  private readonly starts: number[] = [];

  constructor(private readonly historyMs: number) {}

  /** Call right before and right after starting the fleet. */
  mark(): void {
    this.starts.push(minuteOf(Date.now() - this.historyMs));
  }

  /** Fetches a page and checks it holds every 1m bar from the history start up to the forming one. */
  async expectWhole(fetchOpens: () => Promise<number[]>): Promise<number[]> {
    const asked = Date.now();
    const opens = [...(await fetchOpens())].sort((a, b) => a - b);
    const answered = Date.now();
    expect(this.starts).toContain(opens[0]);
    expect([minuteOf(asked), minuteOf(answered)]).toContain(opens[opens.length - 1]);
    expect(opens).toEqual(Array.from({ length: opens.length }, (_, i) => opens[0] + i * 60_000));
    expect(opens.length).toBeGreaterThanOrEqual(this.historyMs / 60_000 + 1);
    return opens;
  }
}

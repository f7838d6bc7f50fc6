import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Kline } from '../../sidecar/market/model';
import { BarStore } from '../../webview/bars';
import { FrameCoalescer } from '../../webview/coalesce';

const M = 60_000;
const bar = (i: number, over: Partial<Kline> = {}): Kline => ({
  openTime: i * M,
  closeTime: i * M + M - 1,
  open: 10 + i,
  high: 12 + i,
  low: 9 + i,
  close: 11 + i,
  volume: 1,
  quoteVolume: 10,
  closed: true,
  ...over,
});

describe('BarStore', () => {
  it('says how each bar must reach the chart', () => {
    const s = new BarStore();
    s.setHistory([bar(3), bar(1), bar(2, { closed: false }), bar(1, { close: 99 })]);
    expect(s.all.map((b) => b.openTime)).toEqual([M, 2 * M, 3 * M]);
    expect(s.first?.close).toBe(99); // the last copy of a duplicate wins
    expect(s.apply(bar(4, { closed: false }))).toBe('append');
    expect(s.apply(bar(4, { close: 20, closed: false }))).toBe('last');
    expect(s.apply(bar(2, { close: 5 }))).toBe('older');
    expect(s.at(1)?.close).toBe(5);
    expect(s.apply(bar(0))).toBe('insert');
    expect(s.first?.openTime).toBe(0);
    expect(s.apply(bar(3, { closed: false }))).toBe('ignored'); // a closed bar is final
    expect(s.at(3)?.closed).toBe(true);
    expect(s.length).toBe(5);
  });

  it('prepends only bars older than the first one', () => {
    const s = new BarStore();
    s.setHistory([bar(10), bar(11)]);
    expect(s.prepend([bar(8), bar(9), bar(10, { close: 0 }), bar(9)])).toBe(2);
    expect(s.all.map((b) => b.openTime / M)).toEqual([8, 9, 10, 11]);
    expect(s.at(2)?.close).not.toBe(0);
    expect(s.prepend([bar(12)])).toBe(0);
  });

  it('finds bars by open time', () => {
    const s = new BarStore();
    s.setHistory([bar(1), bar(3), bar(5)]);
    expect(s.indexOf(3 * M)).toBe(1);
    expect(s.indexOf(4 * M)).toBe(-1);
    expect(s.indexAtOrBefore(4 * M)).toBe(1);
    expect(s.indexAtOrBefore(0)).toBe(-1);
    expect(s.indexAtOrBefore(9 * M)).toBe(2);
  });

  it('never asks the chart for an update older than its newest bar (any arrival order)', () => {
    const arrival = fc.array(fc.record({ i: fc.integer({ min: 0, max: 40 }), closed: fc.boolean(), close: fc.integer({ min: 1, max: 100 }) }), { maxLength: 200 });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }), arrival, (history, live) => {
        const s = new BarStore();
        s.setHistory(history.map((i) => bar(i)));
        // A model of lightweight-charts: update() accepts the newest time or a newer one.
        let chartLast = s.last?.openTime ?? -Infinity;
        const chartTimes = new Set(s.all.map((b) => b.openTime));
        for (const l of live) {
          const b = bar(l.i, { closed: l.closed, close: l.close });
          const how = s.apply(b);
          if (how === 'append' || how === 'last') {
            expect(b.openTime).toBeGreaterThanOrEqual(chartLast);
            chartLast = b.openTime;
            chartTimes.add(b.openTime);
          } else if (how === 'older') {
            expect(chartTimes.has(b.openTime)).toBe(true); // a historical update needs an existing point
          } else if (how === 'insert') {
            s.all.forEach((x) => chartTimes.add(x.openTime)); // full setData
            chartLast = s.last!.openTime;
          }
        }
        const times = s.all.map((b) => b.openTime);
        expect(times).toEqual([...new Set(times)].sort((a, b) => a - b));
      }),
    );
  });
});

describe('FrameCoalescer', () => {
  function manual() {
    const frames: (() => void)[] = [];
    const flushed: Kline[][] = [];
    const c = new FrameCoalescer((run) => frames.push(run), (bars) => flushed.push(bars));
    const frame = () => frames.splice(0).forEach((f) => f());
    return { c, frames, flushed, frame };
  }

  it('collapses every version of a bar within a frame into one, oldest bar first', () => {
    const { c, frames, flushed, frame } = manual();
    for (let k = 0; k < 50; k++) c.push(bar(7, { close: k, closed: false }));
    c.push(bar(8, { closed: false }));
    c.push(bar(7, { close: 100 }));
    expect(frames).toHaveLength(1); // one frame scheduled for all of it
    frame();
    expect(flushed).toHaveLength(1);
    expect(flushed[0].map((b) => [b.openTime / M, b.close])).toEqual([
      [7, 100],
      [8, 19],
    ]);
    frame();
    expect(flushed).toHaveLength(1);
  });

  it('keeps a closed bar over a later forming version in the same frame', () => {
    const { c, flushed, frame } = manual();
    c.push(bar(3, { close: 5 }));
    c.push(bar(3, { close: 6, closed: false }));
    frame();
    expect(flushed[0][0]).toMatchObject({ close: 5, closed: true });
  });

  it('drops what is pending when cleared, including an already scheduled frame', () => {
    const { c, flushed, frame } = manual();
    c.push(bar(1));
    c.clear();
    frame();
    expect(flushed).toHaveLength(0);
    c.push(bar(2));
    frame();
    expect(flushed).toHaveLength(1);
  });
});

/** The per-client notification rate limit of the outbound queue (max_notifications_per_second). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutboundQueue, type MessageSink, type OutboundCounters } from '../../sidecar/rpc/outbound';

class Sink implements MessageSink {
  written: any[] = [];
  write(m: unknown): boolean {
    this.written.push(m);
    return true;
  }
  onceDrain(): void {}
}

const kline = (key: string, openTime: number, close: number, closed = false) => ({ jsonrpc: '2.0', method: 'kline', params: { key, data: { openTime, close, closed } } });
const trade = (i: number) => ({ jsonrpc: '2.0', method: 'trade', params: { key: 't', data: { i } } });

function counters() {
  const c = { coalesced: 0, dropped: 0, depth: 0, evicted: [] as string[] };
  const sink: OutboundCounters = {
    coalesced: (n) => (c.coalesced += n),
    dropped: (n) => (c.dropped += n),
    depth: (n) => (c.depth = Math.max(c.depth, n)),
    evicted: (w) => c.evicted.push(w),
  };
  return { c, sink };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('notification rate limit', () => {
  it('holds forming updates over the rate, newest per key, and releases them as the budget refills', () => {
    const sink = new Sink();
    const { c, sink: cs } = counters();
    const reasons: string[] = [];
    const q = new OutboundQueue(sink, { maxMessages: 100, maxPerSecond: 10, counters: cs, overflow: (r) => reasons.push(r) });
    for (let i = 0; i < 30; i++) q.push(kline('a', 0, i), 'a');
    expect(sink.written).toHaveLength(10); // the one-second budget
    expect(q.heldBack).toBe(1); // 20 updates over the budget became one held update
    expect(c.coalesced).toBe(19);
    vi.advanceTimersByTime(200);
    expect(sink.written.map((m) => m.params.data.close).at(-1)).toBe(29); // the newest state got through
    expect(q.heldBack).toBe(0);
    expect(reasons).toEqual([]);
  });

  it('a closed bar supersedes a held forming update of the same bar and is always sent', () => {
    const sink = new Sink();
    const q = new OutboundQueue(sink, { maxMessages: 100, maxPerSecond: 2, overflow: () => undefined });
    q.push(kline('a', 0, 1), 'a');
    q.push(kline('a', 0, 2), 'a');
    q.push(kline('a', 0, 3), 'a'); // held
    q.push(kline('a', 0, 4, true), 'a'); // closed: sent (into debt), drops the held one
    expect(q.heldBack).toBe(0);
    expect(sink.written.map((m) => [m.params.data.close, m.params.data.closed])).toEqual([
      [1, false],
      [2, false],
      [4, true],
    ]);
    expect(q.coalesced).toBe(1);
    vi.advanceTimersByTime(5000);
    expect(sink.written).toHaveLength(3); // nothing stale is released afterwards
  });

  it('disconnects a client whose uncoalescible notifications stay over the rate, without queueing them', () => {
    const sink = new Sink();
    const { c, sink: cs } = counters();
    const reasons: string[] = [];
    const q = new OutboundQueue(sink, { maxMessages: 1000, maxPerSecond: 50, counters: cs, overflow: (r) => reasons.push(r) });
    for (let i = 0; i < 100; i++) q.push(trade(i)); // a burst of two seconds' worth is tolerated
    expect(reasons).toEqual([]);
    q.push(trade(100));
    q.push(trade(101));
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toContain('more than 50 notifications per second');
    expect(c.evicted).toEqual(['rate']);
    expect(sink.written).toHaveLength(100);
    q.push(trade(102));
    expect(c.dropped).toBeGreaterThanOrEqual(1);
    expect(sink.written).toHaveLength(100);
  });

  it('a sustained rate at the limit is never disconnected', () => {
    const sink = new Sink();
    const reasons: string[] = [];
    const q = new OutboundQueue(sink, { maxMessages: 1000, maxPerSecond: 100, overflow: (r) => reasons.push(r) });
    for (let s = 0; s < 20; s++) {
      for (let i = 0; i < 100; i++) q.push(trade(i));
      vi.advanceTimersByTime(1000);
    }
    expect(reasons).toEqual([]);
    expect(sink.written).toHaveLength(2000);
  });

  it('responses bypass the rate limit', () => {
    const sink = new Sink();
    const q = new OutboundQueue(sink, { maxMessages: 1000, maxPerSecond: 1, overflow: () => undefined });
    for (let i = 0; i < 50; i++) q.pushResponse({ jsonrpc: '2.0', id: i, result: null });
    expect(sink.written).toHaveLength(50);
  });

  it('reports the queue high-water mark and dropped messages on overflow', () => {
    let capacity = 1;
    const sink: MessageSink = { write: () => --capacity > 0, onceDrain: () => undefined };
    const { c, sink: cs } = counters();
    const q = new OutboundQueue(sink, { maxMessages: 20, counters: cs, overflow: () => undefined });
    for (let i = 0; i < 30; i++) q.push(trade(i));
    expect(c.depth).toBe(21);
    expect(c.evicted).toEqual(['queue']);
    expect(c.dropped).toBe(21 + 8);
  });
});

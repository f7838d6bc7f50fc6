import { describe, expect, it } from 'vitest';
import { OutboundQueue, type MessageSink } from '../../sidecar/rpc/outbound';

/** A sink whose stream accepts `capacity` messages, then pushes back until drain(). */
class ManualSink implements MessageSink {
  written: unknown[] = [];
  private drainCb?: () => void;
  constructor(public capacity: number) {}
  write(m: unknown): boolean {
    this.written.push(m);
    return this.written.length < this.capacity;
  }
  onceDrain(cb: () => void): void {
    this.drainCb = cb;
  }
  drain(more: number): void {
    this.capacity = this.written.length + more;
    const cb = this.drainCb;
    this.drainCb = undefined;
    cb?.();
  }
}

const kline = (openTime: number, close: number, closed = false) => ({
  jsonrpc: '2.0',
  method: 'kline',
  params: { key: 'k', data: { openTime, close, closed } },
});

describe('OutboundQueue', () => {
  it('passes messages straight through while the client reads', () => {
    const sink = new ManualSink(100);
    const q = new OutboundQueue(sink, { maxMessages: 10, overflow: () => undefined });
    q.push(kline(0, 1), 'k');
    q.pushResponse({ id: 1 });
    expect(sink.written).toHaveLength(2);
    expect(q.length).toBe(0);
  });

  it('coalesces forming updates of one bar while the client is behind, never closed bars or responses', () => {
    const sink = new ManualSink(1);
    const q = new OutboundQueue(sink, { maxMessages: 100, overflow: () => undefined });
    q.push(kline(0, 1), 'k'); // written, stream now full
    q.push(kline(0, 2), 'k');
    q.push(kline(0, 3), 'k'); // replaces close 2 in the queue
    q.push(kline(0, 4, true), 'k'); // the closed bar is kept
    q.push(kline(60, 5), 'k');
    q.pushResponse({ id: 7 });
    expect(q.length).toBe(4);
    expect(q.coalesced).toBe(1);
    sink.drain(100);
    expect(sink.written.map((m) => (m as { params?: { data: { close: number } } }).params?.data.close ?? 'response')).toEqual([1, 3, 4, 5, 'response']);
  });

  it('disconnects a client that stays behind beyond its bound instead of growing memory', () => {
    const sink = new ManualSink(1);
    const reasons: string[] = [];
    const q = new OutboundQueue(sink, { maxMessages: 50, overflow: (r) => reasons.push(r) });
    for (let i = 0; i < 200; i++) q.push({ method: 'trade', params: { i } });
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toContain('more than 50 messages waiting');
    expect(q.length).toBeLessThanOrEqual(50);
  });
});

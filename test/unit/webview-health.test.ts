import { beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionStatus, Kline } from '../../sidecar/market/model';
import { decimals, formatClock, formatExact, legendFields } from '../../webview/format';
import { FeedHealth } from '../../webview/health';

beforeAll(() => {
  // Clock texts are local time; pin the zone so the expected strings hold anywhere.
  process.env.TZ = 'UTC';
});

const at = (h: number, m: number, s: number) => Date.UTC(2025, 0, 6, h, m, s);
const status = (over: Partial<ConnectionStatus>): ConnectionStatus => ({
  id: 'binance:spot:ws#1',
  exchange: 'binance',
  market: 'spot',
  endpoint: 'ws',
  state: 'open',
  topics: 1,
  messages: 5,
  bytes: 50,
  reconnects: 0,
  malformed: 0,
  since: at(12, 0, 0),
  ...over,
});

describe('FeedHealth banner', () => {
  it('warns while reconnecting, keeps the start of the outage, and clears when open', () => {
    const h = new FeedHealth('binance spot', false);
    expect(h.banner()).toBeNull();
    expect(h.onStatus(status({ state: 'stale', lastMessageTime: at(12, 3, 4), since: at(12, 3, 40) }))).toBe(true);
    expect(h.banner()).toEqual({ level: 'warning', text: 'The binance spot feed went silent — data may be stale since 12:03:04' });
    h.onStatus(status({ state: 'reconnecting', attempt: 3, lastMessageTime: at(12, 3, 4), since: at(12, 4, 0) }));
    expect(h.banner()?.text).toBe('Reconnecting to binance spot (attempt 3) — data may be stale since 12:03:04');
    h.onStatus(status({ state: 'open', since: at(12, 5, 0) }));
    expect(h.banner()).toBeNull();
  });

  it('does not warn about the first connect', () => {
    const h = new FeedHealth('okx perp', false);
    expect(h.onStatus(status({ state: 'connecting' }))).toBe(false);
    expect(h.banner()).toBeNull();
    h.onStatus(status({ state: 'connecting', lastMessageTime: at(1, 2, 3) }));
    expect(h.banner()?.text).toBe('Connecting to okx perp — data may be stale since 01:02:03');
  });

  it('announces a gap until filled, and a failed backfill as an error until dismissed', () => {
    const h = new FeedHealth('binance spot', false);
    const gap = { from: at(10, 0, 0), to: at(10, 2, 0), bars: 3, reason: 'reconnect' };
    expect(h.onGap({ ...gap, state: 'detected' })).toBeUndefined();
    expect(h.banner()?.text).toBe('Fetching 3 missing bars from the exchange — data may be stale since 10:00:00');
    expect(h.onGap({ ...gap, state: 'filled' })).toMatchObject({ state: 'filled', bars: 3 });
    expect(h.banner()).toBeNull();
    h.onGap({ ...gap, state: 'failed', reason: 'HTTP 500' });
    expect(h.banner()).toEqual({
      level: 'error',
      text: '3 bars from 2025-01-06 10:00 to 2025-01-06 10:02 are missing: the REST backfill failed (HTTP 500)',
    });
    h.dismissFailure();
    expect(h.banner()).toBeNull();
  });

  it('a rejected stream is an error', () => {
    const h = new FeedHealth('binance spot', false);
    h.onRejected('Invalid symbol');
    expect(h.banner()).toEqual({ level: 'error', text: 'The exchange stopped this stream: Invalid symbol' });
  });
});

describe('legend text', () => {
  const k = (over: Partial<Kline>): Kline => ({ openTime: at(0, 1, 0), closeTime: at(0, 1, 59), open: 1, high: 1, low: 1, close: 1, volume: 1, quoteVolume: 1, closed: true, ...over });

  it('prints numbers exactly as sent, without exponents', () => {
    expect(formatExact(60391.68)).toBe('60391.68');
    expect(formatExact(1e-7)).toBe('0.0000001');
    expect(formatExact(1.5e-8)).toBe('0.000000015');
    expect(decimals(0.1)).toBe(1);
    expect(decimals(120)).toBe(0);
    expect(decimals(2.5e-7)).toBe(8);
    expect(formatClock(at(12, 3, 4))).toBe('12:03:04');
  });

  it('shows the change from the previous close with the operands’ precision (no float noise)', () => {
    const f = legendFields(k({ open: 0.3, close: 0.3 }), k({ close: 0.1 }), false);
    expect(f.change).toBe('+0.2 (+200.00%)');
    expect(f.direction).toBe('up');
    expect(legendFields(k({ open: 100, close: 99.5 }), undefined, true)).toMatchObject({ change: '−0.5 (−0.50%)', direction: 'down', time: '2025-01-06 00:01:00' });
    expect(legendFields(k({ close: 1 }), k({ close: 1 }), false).change).toBe('0 (0.00%)');
  });
});

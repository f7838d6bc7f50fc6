/** Event patterns (events.subscribe): parsing, the key → path mapping, matching, routing. */
import { describe, expect, it } from 'vitest';
import type { EventEnvelope, HubClient, HubObserver } from '../../sidecar/hub/hub';
import { EVENT_CHANNELS, EventRouter, eventPath, keyParts, matchesPattern, parsePattern, parsePatterns } from '../../sidecar/rpc/events';
import { RpcError } from '../../sidecar/rpc/errors';

function must(text: string) {
  const p = parsePattern(text);
  if (p instanceof Error) throw p;
  return p;
}

const matches = (pattern: string, channel: string, key: string) => matchesPattern(must(pattern), channel, keyParts(key));

describe('event paths', () => {
  it('are the channel followed by the colon-separated parts of the key', () => {
    expect(eventPath('kline', 'binance:spot:BTCUSDT:kline:1m')).toBe('kline.binance.spot.BTCUSDT.kline.1m');
    expect(eventPath('trade', 'binance:perp:ETHUSDT:trades')).toBe('trade.binance.perp.ETHUSDT.trades');
    expect(eventPath('status', 'binance:spot:spot#1')).toBe('status.binance.spot.spot#1');
  });
});

describe('parsePattern', () => {
  it('normalizes a bare channel to channel.* and keeps the rest as written', () => {
    expect(must('status').text).toBe('status.*');
    expect(must('kline.binance.*')).toEqual({ text: 'kline.binance.*', channel: 'kline', segments: ['binance'], rest: true });
    expect(must('kline.*.spot.BTCUSDT.kline.1m')).toEqual({ text: 'kline.*.spot.BTCUSDT.kline.1m', channel: 'kline', segments: ['*', 'spot', 'BTCUSDT', 'kline', '1m'], rest: false });
    expect(must('*').channel).toBeUndefined();
  });

  it('rejects unknown channels, empty segments and partial wildcards with a reason', () => {
    expect((parsePattern('klines.*') as Error).message).toContain('unknown channel "klines"');
    expect((parsePattern('kline..binance') as Error).message).toContain('segment 2 is empty');
    expect((parsePattern('kline.binance.') as Error).message).toContain('empty');
    expect((parsePattern('kline.BTC*') as Error).message).toContain('whole segment');
    expect(parsePattern('')).toBeInstanceOf(Error);
  });

  it('parsePatterns throws -32602 naming the bad pattern and the known channels, and dedupes', () => {
    expect(parsePatterns(['status', 'status.*', 'gap.*']).map((p) => p.text)).toEqual(['status.*', 'gap.*']);
    try {
      parsePatterns(['status.*', 'candles.*']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RpcError);
      const e = err as RpcError;
      expect(e.code).toBe(-32602);
      expect(e.message).toContain('"candles.*"');
      for (const c of EVENT_CHANNELS) expect(e.message).toContain(c);
      expect(e.data).toMatchObject({ pattern: 'candles.*', known: [...EVENT_CHANNELS] });
    }
  });
});

describe('matchesPattern', () => {
  const k1m = 'binance:spot:BTCUSDT:kline:1m';
  it('a trailing * matches one or more remaining segments', () => {
    expect(matches('kline.*', 'kline', k1m)).toBe(true);
    expect(matches('kline.binance.*', 'kline', k1m)).toBe(true);
    expect(matches('kline.okx.*', 'kline', k1m)).toBe(false);
    expect(matches('kline.binance.spot.BTCUSDT.kline.1m.*', 'kline', k1m)).toBe(false); // nothing left for the *
    expect(matches('kline.binance.spot.BTCUSDT.kline.1m.*', 'kline', `${k1m}:trades`)).toBe(true);
  });

  it('a * in the middle matches exactly one segment; no * means an exact match', () => {
    expect(matches('kline.*.spot.BTCUSDT.kline.1m', 'kline', k1m)).toBe(true);
    expect(matches('kline.*.perp.BTCUSDT.kline.1m', 'kline', k1m)).toBe(false);
    expect(matches('kline.*.spot.BTCUSDT.kline.1m', 'kline', `${k1m}:trades`)).toBe(false);
    expect(matches('kline.binance.spot.BTCUSDT.kline.1m', 'kline', k1m)).toBe(true);
    expect(matches('kline.binance.spot.BTCUSDT.kline.1M', 'kline', k1m)).toBe(false); // case matters: 1M is a month
  });

  it('the channel must match unless it is *', () => {
    expect(matches('gap.*', 'kline', k1m)).toBe(false);
    expect(matches('gap.*', 'gap', k1m)).toBe(true);
    expect(matches('*', 'status', 'binance:spot:spot#1')).toBe(true);
    expect(matches('*.binance.perp.*', 'status', 'binance:spot:spot#1')).toBe(false);
  });
});

/** A stand-in for the hub's observer registration. */
class FakeHub {
  observer: HubObserver | undefined;
  observe(o: HubObserver) {
    this.observer = o;
    return () => (this.observer = undefined);
  }
  publish(channel: string, key: string, sent: HubClient[] = []) {
    const env: EventEnvelope = { channel, key, time: 1, seq: 1, data: {} };
    this.observer?.published?.(channel, env, new Set(sent));
  }
}

function client(id: string) {
  const got: string[] = [];
  const c: HubClient = { id, notify: (method, params) => got.push(`${method} ${(params as EventEnvelope).key}`) };
  return { c, got };
}

describe('EventRouter', () => {
  it('forwards matching events once, skips clients that already got them, and forgets removed clients', () => {
    const hub = new FakeHub();
    const router = new EventRouter(hub, { maxPatternsPerClient: 10 });
    const a = client('a');
    const b = client('b');
    expect(router.subscribe(a.c, ['kline.binance.*', 'kline.*.spot.*', 'gap'])).toEqual(['kline.binance.*', 'kline.*.spot.*', 'gap.*']);
    router.subscribe(b.c, ['status.*']);
    hub.publish('kline', 'binance:spot:BTCUSDT:kline:1m'); // matches two of a's patterns: one copy
    hub.publish('kline', 'okx:perp:BTC-USDT-SWAP:kline:1m');
    hub.publish('gap', 'binance:spot:BTCUSDT:kline:1m', [a.c]); // a is a subscriber: already has it
    hub.publish('status', 'binance:spot:spot#1');
    hub.publish('subscription.error', 'binance:spot:X:trades'); // not an event channel
    expect(a.got).toEqual(['kline binance:spot:BTCUSDT:kline:1m']);
    expect(b.got).toEqual(['status binance:spot:spot#1']);
    expect(router.patternCount).toBe(4);
    hub.observer?.clientRemoved?.(a.c);
    expect(router.patternCount).toBe(1);
    hub.publish('kline', 'binance:spot:BTCUSDT:kline:1m');
    expect(a.got).toHaveLength(1);
  });

  it('unsubscribes some or all patterns and enforces the per-client limit with -32008', () => {
    const router = new EventRouter(new FakeHub(), { maxPatternsPerClient: 2 });
    const a = client('a');
    router.subscribe(a.c, ['status.*', 'gap.*']);
    router.subscribe(a.c, ['status']); // already held: no change, no limit hit
    const over = (() => {
      try {
        router.subscribe(a.c, ['kline.*']);
      } catch (err) {
        return err as RpcError;
      }
    })();
    expect(over?.code).toBe(-32008);
    expect(over?.data).toEqual({ limit: 'maxSubscriptionsPerClient', value: 2 });
    expect(router.unsubscribe(a.c, ['gap', 'ticker.*'])).toEqual(['gap.*']);
    expect(router.patterns(a.c)).toEqual(['status.*']);
    expect(router.unsubscribe(a.c)).toEqual(['status.*']);
    expect(router.patternCount).toBe(0);
    expect(() => router.unsubscribe(a.c, ['nope.*'])).toThrow(/unknown channel/);
  });
});

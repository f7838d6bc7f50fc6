import { describe, expect, it } from 'vitest';
import { bitget } from '../../sidecar/exchanges/bitget';
import { parseFrame } from '../../sidecar/exchanges/bitget/parse';
import { argOf, candleChannel, intervalOfChannel } from '../../sidecar/exchanges/bitget/streams';
import { findExchange } from '../../sidecar/exchanges/registry';
import type { StreamRequest, Topic } from '../../sidecar/exchanges/types';
import { fixtureFrames } from '../support/fixtures';

const spot = bitget.market('spot', bitget.defaults.spot!);
const perp = bitget.market('perp', bitget.defaults.perp!);

function ok(result: Topic[] | Error): Topic[] {
  if (result instanceof Error) throw result;
  return result;
}

function failure(result: Topic[] | Error): string {
  if (!(result instanceof Error)) throw new Error(`expected an Error, got ${JSON.stringify(result)}`);
  return result.message;
}

const req = (market: 'spot' | 'perp', channel: StreamRequest['channel'], interval?: string, symbol = 'BTCUSDT'): StreamRequest => ({
  market,
  symbol,
  channel,
  interval,
});

describe('adapter', () => {
  it('is registered with one public WebSocket URL for both markets', () => {
    expect(findExchange('bitget')).toBe(bitget);
    expect(bitget.displayName).toBe('Bitget');
    expect(bitget.defaults).toEqual({
      spot: { ws: 'wss://ws.bitget.com/v2/ws/public', rest: 'https://api.bitget.com' },
      perp: { ws: 'wss://ws.bitget.com/v2/ws/public', rest: 'https://api.bitget.com' },
    });
    expect([spot.exchange, spot.market, perp.market]).toEqual(['bitget', 'spot', 'perp']);
  });

  it('connects to the configured URL; a bare host gets the public path', () => {
    expect(spot.ws.url('public')).toBe('wss://ws.bitget.com/v2/ws/public');
    expect(bitget.market('perp', { ws: 'ws://127.0.0.1:4100/v2/ws/public/', rest: '' }).ws.url('public')).toBe('ws://127.0.0.1:4100/v2/ws/public');
    expect(bitget.market('spot', { ws: 'wss://ws.bitget.com', rest: '' }).ws.url('public')).toBe('wss://ws.bitget.com/v2/ws/public');
  });

  it('streams the UTC-aligned intervals only (no 3m or 2h on the WebSocket)', () => {
    const all = ['1m', '5m', '15m', '30m', '1h', '4h', '6h', '12h', '1d', '1w', '1M'];
    expect(spot.intervals).toEqual(all);
    expect(perp.intervals).toEqual(all);
    expect(all.map(candleChannel)).toEqual([
      'candle1m', 'candle5m', 'candle15m', 'candle30m', 'candle1H', 'candle4H',
      'candle6Hutc', 'candle12Hutc', 'candle1Dutc', 'candle1Wutc', 'candle1Mutc',
    ]);
    for (const interval of all) expect(intervalOfChannel(candleChannel(interval)!)).toBe(interval);
    expect(intervalOfChannel('candle1D')).toBeUndefined(); // UTC+8
    expect(intervalOfChannel('ticker')).toBeUndefined();
  });
});

describe('topics', () => {
  it('kline, trades and ticker: one topic each, named by instType, channel and instId', () => {
    expect(ok(spot.topics(req('spot', 'kline', '1h')))).toEqual([{ endpoint: 'public', name: 'SPOT:candle1H:BTCUSDT' }]);
    expect(ok(perp.topics(req('perp', 'kline', '1d')))).toEqual([{ endpoint: 'public', name: 'USDT-FUTURES:candle1Dutc:BTCUSDT' }]);
    expect(ok(spot.topics(req('spot', 'trades')))).toEqual([{ endpoint: 'public', name: 'SPOT:trade:BTCUSDT' }]);
    expect(ok(perp.topics(req('perp', 'ticker')))).toEqual([{ endpoint: 'public', name: 'USDT-FUTURES:ticker:BTCUSDT' }]);
  });

  it('names topics exactly as recorded frames route back', () => {
    const samples = [...fixtureFrames('bitget-spot'), ...fixtureFrames('bitget-usdt-futures')];
    const cases: Array<[StreamRequest, string]> = [
      [req('spot', 'trades', undefined, 'BTCUSDT'), 'trade update'],
      [req('spot', 'ticker', undefined, 'ETHUSDT'), 'ticker'],
      [req('spot', 'kline', '1m', 'ETHUSDT'), 'candle1m'],
    ];
    for (const [request, channel] of cases) {
      const raw = samples.find((s) => s.channel.startsWith(channel) && s.raw.includes('"SPOT"'))!.raw;
      const result = parseFrame(raw);
      expect(result.type === 'events' && result.events[0].topic).toBe(ok(spot.topics(request))[0].name);
    }
    const perpCandle = samples.find((s) => s.channel.startsWith('candle1m') && s.raw.includes('USDT-FUTURES'))!.raw;
    const parsed = parseFrame(perpCandle);
    expect(parsed.type === 'events' && parsed.events[0].topic).toBe(ok(perp.topics(req('perp', 'kline', '1m')))[0].name);
  });

  it('an interval the WebSocket does not stream is an Error naming it and listing the available ones', () => {
    for (const interval of ['3m', '2h', '1s', '8h']) {
      const message = failure(spot.topics(req('spot', 'kline', interval)));
      expect(message).toContain(`"${interval}"`);
      expect(message).toContain(spot.intervals.join(', '));
    }
    expect(failure(perp.topics(req('perp', 'kline')))).toContain('needs an interval');
  });

  it('refuses symbols that could not be an instId, the other market, and unknown channels', () => {
    for (const symbol of ['', 'BTC USDT', 'BTC/USDT', 'A:B', 'x"y']) {
      expect(failure(spot.topics(req('spot', 'trades', undefined, symbol)))).toContain(JSON.stringify(symbol));
    }
    expect(ok(spot.topics(req('spot', 'trades', undefined, '牛来USDT')))[0].name).toBe('SPOT:trade:牛来USDT');
    expect(failure(spot.topics(req('perp', 'trades')))).toContain('perp');
    const bad = { market: 'spot', symbol: 'BTCUSDT', channel: 'book' } as unknown as StreamRequest;
    expect(failure(spot.topics(bad))).toContain('"book"');
  });

  it('topic names split back into the subscription arg', () => {
    expect(argOf('USDT-FUTURES:candle1m:BTCUSDT')).toEqual({ instType: 'USDT-FUTURES', channel: 'candle1m', instId: 'BTCUSDT' });
    for (const bad of ['', 'SPOT', 'SPOT:trade', 'SPOT:trade:', ':trade:X', 'SPOT::X']) expect(argOf(bad)).toBeInstanceOf(Error);
  });
});

describe('subscribe frames, limits, heartbeat', () => {
  it('subscribe / unsubscribe carry one arg per topic and no id (Bitget echoes none)', () => {
    expect(JSON.parse(spot.ws.subscribe(['SPOT:candle1m:BTCUSDT', 'SPOT:trade:ETHUSDT'], 7))).toEqual({
      op: 'subscribe',
      args: [
        { instType: 'SPOT', channel: 'candle1m', instId: 'BTCUSDT' },
        { instType: 'SPOT', channel: 'trade', instId: 'ETHUSDT' },
      ],
    });
    expect(JSON.parse(perp.ws.unsubscribe(['USDT-FUTURES:ticker:BTCUSDT'], 8))).toEqual({
      op: 'unsubscribe',
      args: [{ instType: 'USDT-FUTURES', channel: 'ticker', instId: 'BTCUSDT' }],
    });
  });

  it('a topic name that is not ours makes the request builder throw (the engine reports it)', () => {
    expect(() => spot.ws.subscribe(['btcusdt@trade'], 1)).toThrow(/btcusdt@trade/);
  });

  it('respects the documented limits: < 50 channels per connection, 10 messages per second', () => {
    for (const { limits } of [spot.ws, perp.ws]) {
      expect(limits.topicsPerConnection).toBe(50);
      expect(limits.topicsPerRequest).toBe(5);
      expect(limits.requestIntervalMs).toBeGreaterThanOrEqual(100);
      expect(limits.maxLifetimeMs).toBeUndefined();
    }
  });

  it('the client sends the text ping well within the 2-minute limit; the pong parses', () => {
    const hb = spot.ws.heartbeat;
    expect(hb.mode).toBe('client');
    if (hb.mode !== 'client') return;
    expect(hb.frame()).toBe('ping');
    expect(hb.intervalMs).toBeLessThanOrEqual(30_000);
    expect(spot.ws.parse('pong')).toEqual({ type: 'pong' });
  });
});

describe('symbols', () => {
  it('native and unified spellings give the native symbol in both markets', () => {
    for (const adapter of [spot, perp]) {
      expect(adapter.nativeSymbol('BTCUSDT')).toBe('BTCUSDT');
      expect(adapter.nativeSymbol(' btcusdt ')).toBe('BTCUSDT');
      expect(adapter.nativeSymbol('BTC/USDT')).toBe('BTCUSDT');
      expect(adapter.nativeSymbol('eth/usdt:usdt')).toBe('ETHUSDT');
    }
    expect(spot.unifiedSymbol).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { findExchange } from '../../sidecar/exchanges/registry';
import { okx } from '../../sidecar/exchanges/okx';
import { barOf, intervalOfBar, topicArg } from '../../sidecar/exchanges/okx/streams';
import type { StreamRequest, Topic } from '../../sidecar/exchanges/types';
import { canonicalIntervals } from '../../sidecar/market/intervals';

const spot = okx.market('spot', okx.defaults.spot!);
const perp = okx.market('perp', okx.defaults.perp!);

function ok(result: Topic[] | Error): Topic[] {
  if (result instanceof Error) throw result;
  return result;
}

function failure(result: Topic[] | Error): string {
  if (!(result instanceof Error)) throw new Error(`expected an Error, got ${JSON.stringify(result)}`);
  return result.message;
}

const req = (market: 'spot' | 'perp', symbol: string, channel: StreamRequest['channel'], interval?: string): StreamRequest => ({ market, symbol, channel, interval });

describe('okx adapter', () => {
  it('is registered with production defaults for both markets', () => {
    expect(findExchange('OKX')).toBe(okx);
    expect(okx.displayName).toBe('OKX');
    expect(okx.defaults).toEqual({
      spot: { ws: 'wss://ws.okx.com:8443/ws/v5', rest: 'https://www.okx.com' },
      perp: { ws: 'wss://ws.okx.com:8443/ws/v5', rest: 'https://www.okx.com' },
    });
    expect([spot.exchange, spot.market, perp.market]).toEqual(['okx', 'spot', 'perp']);
  });

  it('builds both endpoint URLs from the configured base (a full endpoint URL works too)', () => {
    expect(spot.ws.url('public')).toBe('wss://ws.okx.com:8443/ws/v5/public');
    expect(spot.ws.url('business')).toBe('wss://ws.okx.com:8443/ws/v5/business');
    const local = okx.market('perp', { ws: 'ws://127.0.0.1:4000/ws/v5/public/', rest: 'http://127.0.0.1:4000/' });
    expect(local.ws.url('business')).toBe('ws://127.0.0.1:4000/ws/v5/business');
    expect(local.rest.instruments.request().url).toBe('http://127.0.0.1:4000/api/v5/public/instruments?instType=SWAP');
    expect(spot.rest.instruments.request().url).toBe('https://www.okx.com/api/v5/public/instruments?instType=SPOT');
  });
});

describe('topics', () => {
  it('candles live on the business endpoint, in UTC-aligned bars from 6h up', () => {
    expect(ok(spot.topics(req('spot', 'BTC-USDT', 'kline', '1m')))).toEqual([{ endpoint: 'business', name: 'candle1m:BTC-USDT' }]);
    const bars = canonicalIntervals.map((i) => ok(perp.topics(req('perp', 'BTC-USDT-SWAP', 'kline', i)))[0].name.split(':')[0]);
    expect(bars).toEqual([
      'candle1s', 'candle1m', 'candle3m', 'candle5m', 'candle15m', 'candle30m', 'candle1H', 'candle2H', 'candle4H',
      'candle6Hutc', 'candle12Hutc', 'candle1Dutc', 'candle1Wutc', 'candle1Mutc',
    ]);
  });

  it('maps every native interval both ways', () => {
    expect(spot.intervals).toEqual([...canonicalIntervals]);
    expect(perp.intervals).toEqual(spot.intervals);
    for (const i of spot.intervals) {
      const bar = barOf('spot', i);
      if (bar instanceof Error) throw bar;
      expect(intervalOfBar(bar)).toBe(i);
    }
    // UTC+8 bars are not ours: 1D is not 1d.
    expect(intervalOfBar('1D')).toBeUndefined();
    expect(intervalOfBar('6H')).toBeUndefined();
  });

  it('an unsupported interval is an Error naming it and listing the available ones', () => {
    const message = failure(spot.topics(req('spot', 'BTC-USDT', 'kline', '8h')));
    expect(message).toContain('"8h"');
    expect(message).toContain(spot.intervals.join(', '));
    expect(failure(spot.topics(req('spot', 'BTC-USDT', 'kline')))).toContain('needs an interval');
  });

  it('trades on public; the perp ticker merges tickers, mark-price and funding-rate', () => {
    expect(ok(spot.topics(req('spot', 'BTC-USDT', 'trades')))).toEqual([{ endpoint: 'public', name: 'trades:BTC-USDT' }]);
    expect(ok(spot.topics(req('spot', 'BTC-USDT', 'ticker')))).toEqual([{ endpoint: 'public', name: 'tickers:BTC-USDT' }]);
    expect(ok(perp.topics(req('perp', 'BTC-USDT-SWAP', 'ticker')))).toEqual([
      { endpoint: 'public', name: 'tickers:BTC-USDT-SWAP' },
      { endpoint: 'public', name: 'mark-price:BTC-USDT-SWAP' },
      { endpoint: 'public', name: 'funding-rate:BTC-USDT-SWAP' },
    ]);
  });

  it('names topics exactly as the parser rebuilds them from a push', () => {
    const [topic] = ok(perp.topics(req('perp', 'BTC-USDT-SWAP', 'kline', '1m')));
    const push = '{"arg":{"channel":"candle1m","instId":"BTC-USDT-SWAP"},"data":[["1597026360000","1","1","1","1","100","1","1","0"]]}';
    const r = perp.ws.parse(push);
    expect(r.type === 'events' && r.events[0].topic).toBe(topic.name);
  });

  it('refuses symbols that would corrupt a topic or a request, and requests for the other market', () => {
    expect(failure(spot.topics(req('spot', 'BTC:USDT', 'trades')))).toContain('invalid OKX symbol');
    expect(failure(spot.topics(req('spot', '', 'ticker')))).toContain('invalid OKX symbol');
    expect(failure(spot.topics(req('perp', 'BTC-USDT-SWAP', 'trades')))).toContain('"perp"');
  });
});

describe('subscribe frames, limits, heartbeat', () => {
  it('one arg per topic, the engine request id as a string', () => {
    expect(JSON.parse(spot.ws.subscribe(['candle1m:BTC-USDT', 'trades:BTC-USDT'], 12))).toEqual({
      id: '12',
      op: 'subscribe',
      args: [
        { channel: 'candle1m', instId: 'BTC-USDT' },
        { channel: 'trades', instId: 'BTC-USDT' },
      ],
    });
    expect(JSON.parse(perp.ws.unsubscribe(['funding-rate:BTC-USDT-SWAP'], 13))).toEqual({ id: '13', op: 'unsubscribe', args: [{ channel: 'funding-rate', instId: 'BTC-USDT-SWAP' }] });
    expect(() => spot.ws.subscribe(['nonsense'], 1)).toThrow(/not an OKX topic name/);
    expect(topicArg('mark-price:BTC-USDT-SWAP')).toEqual({ channel: 'mark-price', instId: 'BTC-USDT-SWAP' });
  });

  it('text ping every 20 s (the server drops after 30 s of silence)', () => {
    const hb = spot.ws.heartbeat;
    expect(hb.mode).toBe('client');
    if (hb.mode !== 'client') return;
    expect(hb.intervalMs).toBe(20_000);
    expect(hb.frame()).toBe('ping');
    expect(spot.ws.parse('pong')).toEqual({ type: 'pong' });
  });

  it('limits: many args per request, no lifetime cut', () => {
    const { limits } = perp.ws;
    expect(limits.topicsPerRequest).toBeGreaterThan(1);
    expect(limits.topicsPerRequest).toBeLessThanOrEqual(limits.topicsPerConnection);
    expect(limits.maxLifetimeMs).toBeUndefined();
    // 50 args must stay far below OKX's 64 KB cap on a request's args.
    const names = Array.from({ length: limits.topicsPerRequest }, (_, i) => `candle12Hutc:VERYLONGNAME${i}-USDT-SWAP`);
    expect(perp.ws.subscribe(names, 99999).length).toBeLessThan(64 * 1024);
  });
});

describe('symbols', () => {
  it('native and unified spellings', () => {
    expect(spot.nativeSymbol('BTC/USDT')).toBe('BTC-USDT');
    expect(spot.nativeSymbol(' btc-usdt ')).toBe('BTC-USDT');
    expect(spot.nativeSymbol('BTC/USDT:USDT')).toBe('BTC-USDT');
    expect(perp.nativeSymbol('BTC/USDT:USDT')).toBe('BTC-USDT-SWAP');
    expect(perp.nativeSymbol('eth-usdt-swap')).toBe('ETH-USDT-SWAP');
    // On perp a bare pair names its perpetual.
    expect(perp.nativeSymbol('BTC-USDT')).toBe('BTC-USDT-SWAP');
    expect(perp.nativeSymbol('BTC/USDT')).toBe('BTC-USDT-SWAP');
    expect(spot.unifiedSymbol?.('BTC-USDT')).toBe('BTC/USDT');
    expect(perp.unifiedSymbol?.('BTC-USDT-SWAP')).toBe('BTC/USDT:USDT');
    expect(perp.unifiedSymbol?.('BTC-USDT')).toBeUndefined();
    expect(spot.unifiedSymbol?.('BTCUSDT')).toBeUndefined();
  });
});

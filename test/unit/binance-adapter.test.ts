import { describe, expect, it } from 'vitest';
import { binance } from '../../sidecar/exchanges/binance';
import { exchangeIds, exchanges, findExchange } from '../../sidecar/exchanges/registry';

describe('registry', () => {
  it('lists binance and finds it by id', () => {
    expect(exchangeIds()).toContain('binance');
    expect(exchanges).toContain(binance);
    expect(findExchange('binance')).toBe(binance);
    expect(findExchange(' Binance ')).toBe(binance);
    expect(findExchange('nope')).toBeUndefined();
  });

  it('ids are unique', () => {
    expect(new Set(exchangeIds()).size).toBe(exchanges.length);
  });
});

describe('binance adapter', () => {
  it('has production defaults for both markets', () => {
    expect(binance.id).toBe('binance');
    expect(binance.displayName).toBe('Binance');
    expect(binance.defaults).toEqual({
      spot: { ws: 'wss://stream.binance.com:9443', rest: 'https://api.binance.com' },
      perp: { ws: 'wss://fstream.binance.com', rest: 'https://fapi.binance.com' },
    });
  });

  it('binds a market adapter to its URLs', () => {
    const spot = binance.market('spot', binance.defaults.spot!);
    expect(spot.exchange).toBe('binance');
    expect(spot.market).toBe('spot');
    expect(spot.ws.url('stream')).toBe('wss://stream.binance.com:9443/stream');
    expect(spot.rest.instruments.request().url).toBe('https://api.binance.com/api/v3/exchangeInfo');
  });
});

describe('WebSocket URLs', () => {
  it('spot uses the combined-stream path', () => {
    const ws = binance.market('spot', { ws: 'wss://stream.binance.com:9443/', rest: '' }).ws;
    expect(ws.url('stream')).toBe('wss://stream.binance.com:9443/stream');
  });

  it('perp routes each endpoint to its own path', () => {
    const ws = binance.market('perp', binance.defaults.perp!).ws;
    expect(ws.url('market')).toBe('wss://fstream.binance.com/market/stream');
    expect(ws.url('public')).toBe('wss://fstream.binance.com/public/stream');
  });

  it('a local override works the same way', () => {
    expect(binance.market('spot', { ws: 'ws://127.0.0.1:41234', rest: '' }).ws.url('stream')).toBe(
      'ws://127.0.0.1:41234/stream',
    );
    expect(binance.market('perp', { ws: 'ws://127.0.0.1:41234//', rest: '' }).ws.url('public')).toBe(
      'ws://127.0.0.1:41234/public/stream',
    );
  });

  it('a legacy unrouted URL from an old config is reduced to its base', () => {
    expect(binance.market('perp', { ws: 'wss://fstream.binance.com/ws', rest: '' }).ws.url('market')).toBe(
      'wss://fstream.binance.com/market/stream',
    );
    expect(binance.market('perp', { ws: 'wss://fstream.binance.com/market/stream', rest: '' }).ws.url('public')).toBe(
      'wss://fstream.binance.com/public/stream',
    );
    expect(binance.market('spot', { ws: 'wss://stream.binance.com:9443/ws', rest: '' }).ws.url('stream')).toBe(
      'wss://stream.binance.com:9443/stream',
    );
  });
});

describe('subscribe frames, limits, heartbeat', () => {
  const ws = binance.market('spot', binance.defaults.spot!).ws;

  it('SUBSCRIBE / UNSUBSCRIBE carry the topics and the id', () => {
    expect(JSON.parse(ws.subscribe(['btcusdt@aggTrade', 'btcusdt@kline_1m'], 5))).toEqual({
      method: 'SUBSCRIBE',
      params: ['btcusdt@aggTrade', 'btcusdt@kline_1m'],
      id: 5,
    });
    expect(JSON.parse(ws.unsubscribe(['btcusdt@aggTrade'], 6))).toEqual({
      method: 'UNSUBSCRIBE',
      params: ['btcusdt@aggTrade'],
      id: 6,
    });
  });

  it('respects the documented connection limits', () => {
    const perp = binance.market('perp', binance.defaults.perp!).ws;
    for (const { limits } of [ws, perp]) {
      expect(limits.topicsPerConnection).toBe(1024);
      expect(limits.topicsPerRequest).toBeGreaterThan(1);
      expect(limits.topicsPerRequest).toBeLessThanOrEqual(limits.topicsPerConnection);
      expect(limits.maxLifetimeMs).toBe(24 * 60 * 60 * 1000);
    }
    // Spot: 5 incoming messages/s including pongs; USDⓈ-M: 10/s.
    expect(ws.limits.requestIntervalMs).toBeGreaterThanOrEqual(250);
    expect(perp.limits.requestIntervalMs).toBeGreaterThanOrEqual(100);
  });

  it('the server pings', () => {
    expect(ws.heartbeat).toEqual({ mode: 'server-ping' });
  });
});

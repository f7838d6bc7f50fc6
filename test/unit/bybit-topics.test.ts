import { describe, expect, it } from 'vitest';
import { bybit } from '../../sidecar/exchanges/bybit';
import { parseFrame } from '../../sidecar/exchanges/bybit/parse';
import { INTERVALS, SPELLING } from '../../sidecar/exchanges/bybit/streams';
import { exchangeIds, findExchange } from '../../sidecar/exchanges/registry';
import type { StreamRequest, Topic } from '../../sidecar/exchanges/types';
import type { Instrument } from '../../sidecar/market/model';
import { fixtureFrames } from '../support/fixtures';

const spot = bybit.market('spot', bybit.defaults.spot!);
const perp = bybit.market('perp', bybit.defaults.perp!);

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

describe('registry and defaults', () => {
  it('is registered as bybit / Bybit with the production URLs', () => {
    expect(exchangeIds()).toContain('bybit');
    expect(findExchange(' Bybit ')).toBe(bybit);
    expect(bybit.displayName).toBe('Bybit');
    expect(bybit.defaults).toEqual({
      spot: { ws: 'wss://stream.bybit.com/v5/public/spot', rest: 'https://api.bybit.com' },
      perp: { ws: 'wss://stream.bybit.com/v5/public/linear', rest: 'https://api.bybit.com' },
    });
    expect([spot.exchange, spot.market, perp.market]).toEqual(['bybit', 'spot', 'perp']);
  });
});

describe('intervals', () => {
  it('the canonical names Bybit streams, shortest first, mapped both ways', () => {
    expect(spot.intervals).toEqual(['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d', '1w', '1M']);
    expect(perp.intervals).toEqual(spot.intervals);
    expect(INTERVALS.map((name) => SPELLING.native(name))).toEqual(['1', '3', '5', '15', '30', '60', '120', '240', '360', '720', 'D', 'W', 'M']);
    for (const name of INTERVALS) expect(SPELLING.canonical(SPELLING.native(name)!)).toBe(name);
    expect(SPELLING.native('1s')).toBeUndefined();
    expect(SPELLING.canonical('1m')).toBeUndefined();
  });
});

describe('topics', () => {
  it('kline: kline.<bybit interval>.<SYMBOL> on the public group', () => {
    expect(ok(spot.topics(req('spot', 'kline', '1m')))).toEqual([{ endpoint: 'public', name: 'kline.1.BTCUSDT' }]);
    expect(ok(perp.topics(req('perp', 'kline', '1d')))).toEqual([{ endpoint: 'public', name: 'kline.D.BTCUSDT' }]);
    expect(ok(perp.topics(req('perp', 'kline', '1M')))[0].name).toBe('kline.M.BTCUSDT');
    expect(ok(spot.topics(req('spot', 'kline', '4h', 'ethusdt')))[0].name).toBe('kline.240.ETHUSDT');
  });

  it('names topics exactly as recorded frames echo them', () => {
    const topics = [
      ok(spot.topics(req('spot', 'kline', '5m')))[0].name,
      ok(spot.topics(req('spot', 'trades')))[0].name,
      ...ok(spot.topics(req('spot', 'ticker'))).map((t) => t.name),
    ];
    const echoed = new Set<string>();
    for (const f of fixtureFrames('bybit-spot')) {
      const r = parseFrame(f.raw);
      if (r.type === 'events') for (const e of r.events) echoed.add(e.topic);
    }
    for (const t of topics) expect(echoed, t).toContain(t);
  });

  it('an unsupported interval is an Error naming it and listing the available ones', () => {
    const message = failure(spot.topics(req('spot', 'kline', '1s')));
    expect(message).toContain('"1s"');
    expect(message).toContain('Bybit spot');
    expect(message).toContain(INTERVALS.join(', '));
    expect(failure(perp.topics(req('perp', 'kline', '8h')))).toContain('"8h"');
    expect(failure(perp.topics(req('perp', 'kline')))).toContain('needs an interval');
  });

  it('trades: publicTrade.<SYMBOL>', () => {
    expect(ok(perp.topics(req('perp', 'trades')))).toEqual([{ endpoint: 'public', name: 'publicTrade.BTCUSDT' }]);
  });

  it('ticker: linear tickers alone; spot adds the level-1 book for bid/ask', () => {
    expect(ok(perp.topics(req('perp', 'ticker')))).toEqual([{ endpoint: 'public', name: 'tickers.BTCUSDT' }]);
    expect(ok(spot.topics(req('spot', 'ticker')))).toEqual([
      { endpoint: 'public', name: 'tickers.BTCUSDT' },
      { endpoint: 'public', name: 'orderbook.1.BTCUSDT' },
    ]);
  });

  it('refuses symbols that would corrupt a topic, and requests for the other market', () => {
    for (const bad of ['', 'BTC.USDT', 'BTC USDT', 'BTC"', 'BTC/USDT']) {
      expect(failure(spot.topics(req('spot', 'trades', undefined, bad)))).toContain(JSON.stringify(bad));
    }
    expect(failure(spot.topics(req('perp', 'trades')))).toContain('"perp"');
  });
});

describe('symbols', () => {
  it('native and unified spellings give the native symbol', () => {
    expect(spot.nativeSymbol('BTC/USDT')).toBe('BTCUSDT');
    expect(spot.nativeSymbol(' btcusdt ')).toBe('BTCUSDT');
    expect(perp.nativeSymbol('BTC/USDT:USDT')).toBe('BTCUSDT');
    expect(perp.nativeSymbol('eth/usdt:usdt')).toBe('ETHUSDT');
    expect(perp.unifiedSymbol?.('BTCUSDT')).toBeUndefined();
  });

  it('once the instrument list is known, its unified spellings win (USDC perpetuals)', () => {
    const adapter = bybit.market('perp', bybit.defaults.perp!);
    const inst = (symbol: string, unified: string, base: string, quote: string): Instrument => ({
      exchange: 'bybit', market: 'perp', symbol, unified, base, quote, status: 'trading',
    });
    adapter.useInstruments?.([inst('BTCPERP', 'BTC/USDC:USDC', 'BTC', 'USDC'), inst('BTCUSDT', 'BTC/USDT:USDT', 'BTC', 'USDT')]);
    expect(adapter.nativeSymbol('BTC/USDC:USDC')).toBe('BTCPERP');
    expect(adapter.nativeSymbol('BTC/USDT:USDT')).toBe('BTCUSDT');
    expect(adapter.nativeSymbol('SOL/USDT:USDT')).toBe('SOLUSDT');
    expect(adapter.unifiedSymbol?.('btcperp')).toBe('BTC/USDC:USDC');
    // Another adapter instance learnt nothing.
    expect(perp.nativeSymbol('BTC/USDC:USDC')).toBe('BTCUSDC');
  });
});

describe('WebSocket URL, frames, limits, heartbeat', () => {
  it('uses the configured URL; a bare host gets the market path', () => {
    expect(spot.ws.url('public')).toBe('wss://stream.bybit.com/v5/public/spot');
    expect(perp.ws.url('public')).toBe('wss://stream.bybit.com/v5/public/linear');
    expect(bybit.market('perp', { ws: 'wss://stream.bybit.com/', rest: '' }).ws.url('public')).toBe('wss://stream.bybit.com/v5/public/linear');
    expect(bybit.market('spot', { ws: 'ws://127.0.0.1:4000/v5/public/spot/', rest: '' }).ws.url('public')).toBe('ws://127.0.0.1:4000/v5/public/spot');
    expect(bybit.market('spot', { ws: 'wss://stream-testnet.bybit.com/v5/public/spot', rest: '' }).ws.url('x')).toBe('wss://stream-testnet.bybit.com/v5/public/spot');
  });

  it('subscribe / unsubscribe carry the args and the request id as req_id', () => {
    expect(JSON.parse(spot.ws.subscribe(['kline.1.BTCUSDT', 'publicTrade.BTCUSDT'], 5))).toEqual({
      req_id: '5',
      op: 'subscribe',
      args: ['kline.1.BTCUSDT', 'publicTrade.BTCUSDT'],
    });
    expect(JSON.parse(perp.ws.unsubscribe(['tickers.BTCUSDT'], 6))).toEqual({ req_id: '6', op: 'unsubscribe', args: ['tickers.BTCUSDT'] });
  });

  it('the ack of a request is matched to it by req_id, a refusal too', () => {
    const id = 12;
    const sent = JSON.parse(spot.ws.subscribe(['publicTrade.BTCUSDT'], id)) as { req_id: string };
    const ack = spot.ws.parse(JSON.stringify({ success: true, ret_msg: 'subscribe', conn_id: 'c', req_id: sent.req_id, op: 'subscribe' }));
    expect(ack.type === 'ack' && String(ack.id)).toBe(String(id));
    const refusal = spot.ws.parse(JSON.stringify({ success: false, ret_msg: 'Invalid symbol :[publicTrade.X]', conn_id: 'c', req_id: sent.req_id, op: 'subscribe' }));
    expect(refusal.type === 'error' && String(refusal.id)).toBe(String(id));
  });

  it('limits: spot at most 10 args per request, topics per connection within 21 000 characters', () => {
    expect(spot.ws.limits.topicsPerRequest).toBe(10);
    for (const { limits } of [spot.ws, perp.ws]) {
      expect(limits.topicsPerRequest).toBeGreaterThan(1);
      expect(limits.topicsPerConnection * 40).toBeLessThanOrEqual(21_000);
      expect(limits.maxLifetimeMs).toBeUndefined();
    }
  });

  it('the client pings {"op":"ping"} every 20 s', () => {
    const hb = spot.ws.heartbeat;
    expect(hb.mode).toBe('client');
    if (hb.mode !== 'client') return;
    expect(hb.intervalMs).toBe(20_000);
    expect(JSON.parse(hb.frame())).toEqual({ op: 'ping' });
    expect(perp.ws.heartbeat.mode).toBe('client');
  });
});

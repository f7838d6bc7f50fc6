import { describe, expect, it } from 'vitest';
import { binance, continuousKlineTopic } from '../../sidecar/exchanges/binance';
import { parseFrame } from '../../sidecar/exchanges/binance/parse';
import type { StreamRequest, Topic } from '../../sidecar/exchanges/types';

const spot = binance.market('spot', binance.defaults.spot!);
const perp = binance.market('perp', binance.defaults.perp!);

function ok(result: Topic[] | Error): Topic[] {
  if (result instanceof Error) throw result;
  return result;
}

function failure(result: Topic[] | Error | Topic): string {
  if (!(result instanceof Error)) throw new Error(`expected an Error, got ${JSON.stringify(result)}`);
  return result.message;
}

const req = (market: 'spot' | 'perp', channel: StreamRequest['channel'], interval?: string): StreamRequest => ({
  market,
  symbol: 'BTCUSDT',
  channel,
  interval,
});

describe('kline topics', () => {
  it('lowercase stream names on the market group of each market', () => {
    expect(ok(spot.topics(req('spot', 'kline', '1m')))).toEqual([{ endpoint: 'stream', name: 'btcusdt@kline_1m' }]);
    expect(ok(perp.topics(req('perp', 'kline', '1h')))).toEqual([{ endpoint: 'market', name: 'btcusdt@kline_1h' }]);
  });

  it('names the stream exactly as recorded frames echo it', () => {
    const topic = ok(perp.topics({ market: 'perp', symbol: 'KEEPUSDT', channel: 'kline', interval: '1m' }))[0];
    expect(topic.name).toBe('keepusdt@kline_1m');
  });

  it('1s is native on spot only', () => {
    expect(ok(spot.topics(req('spot', 'kline', '1s')))[0].name).toBe('btcusdt@kline_1s');
    const message = failure(perp.topics(req('perp', 'kline', '1s')));
    expect(message).toContain('"1s"');
    expect(message).toContain('perp');
    expect(message).toContain('1m, 3m, 5m');
  });

  it('an unsupported interval is an Error naming it and listing the available ones', () => {
    const message = failure(spot.topics(req('spot', 'kline', '7m')));
    expect(message).toContain('"7m"');
    expect(message).toContain(spot.intervals.join(', '));
  });

  it('a kline request without an interval is an Error', () => {
    expect(failure(spot.topics(req('spot', 'kline')))).toContain('needs an interval');
  });

  it('intervals are listed shortest first; perp lacks 1s', () => {
    expect(spot.intervals[0]).toBe('1s');
    expect(perp.intervals).toEqual(spot.intervals.slice(1));
    expect(perp.intervals).toEqual(['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M']);
  });
});

describe('trade topics', () => {
  it('aggTrade on each market', () => {
    expect(ok(spot.topics(req('spot', 'trades')))).toEqual([{ endpoint: 'stream', name: 'btcusdt@aggTrade' }]);
    expect(ok(perp.topics(req('perp', 'trades')))).toEqual([{ endpoint: 'market', name: 'btcusdt@aggTrade' }]);
  });
});

describe('ticker topics', () => {
  it('spot: @ticker alone (it carries bid/ask)', () => {
    expect(ok(spot.topics(req('spot', 'ticker')))).toEqual([{ endpoint: 'stream', name: 'btcusdt@ticker' }]);
  });

  it('perp: 24hrTicker + bookTicker + markPrice@1s across the market and public endpoints', () => {
    const topics = ok(perp.topics(req('perp', 'ticker')));
    expect(topics).toEqual([
      { endpoint: 'market', name: 'btcusdt@ticker' },
      { endpoint: 'public', name: 'btcusdt@bookTicker' },
      { endpoint: 'market', name: 'btcusdt@markPrice@1s' },
    ]);
    expect(new Set(topics.map((t) => t.endpoint))).toEqual(new Set(['market', 'public']));
  });
});

describe('continuous kline helper', () => {
  it('builds the perpetual stream on the market endpoint, and parsed frames route back to it', () => {
    const topic = continuousKlineTopic('BTCUSDT', '1m');
    expect(topic).toEqual({ endpoint: 'market', name: 'btcusdt_perpetual@continuousKline_1m' });
    const frame =
      '{"e":"continuous_kline","E":1607443058651,"ps":"BTCUSDT","ct":"PERPETUAL","k":{"t":1607443020000,"T":1607443079999,"i":"1m","f":116467658886,"L":116468012423,"o":"18787.00","c":"18804.04","h":"18804.04","l":"18786.54","v":"197.664","n":543,"x":false,"q":"3715253.19494","V":"184.769","Q":"3472925.84746","B":"0"}}';
    const result = parseFrame(frame);
    expect(result.type === 'events' && result.events[0].topic).toBe((topic as Topic).name);
  });

  it('rejects intervals the perp market does not stream', () => {
    expect(failure(continuousKlineTopic('BTCUSDT', '1s'))).toContain('"1s"');
  });
});

describe('bad requests', () => {
  it('a symbol that would corrupt the stream name is an Error naming it', () => {
    for (const symbol of ['', 'BTC USDT', 'btcusdt@trade', 'BTC/USDT']) {
      const message = failure(spot.topics({ market: 'spot', symbol, channel: 'trades' }));
      expect(message).toContain(JSON.stringify(symbol));
    }
  });

  it('a request for the other market is an Error', () => {
    expect(failure(spot.topics(req('perp', 'trades')))).toContain('perp');
  });

  it('an unknown channel is an Error', () => {
    const bad = { market: 'spot', symbol: 'BTCUSDT', channel: 'book' } as unknown as StreamRequest;
    expect(failure(spot.topics(bad))).toContain('"book"');
  });

  it('dated futures symbols keep their underscore', () => {
    expect(ok(perp.topics({ market: 'perp', symbol: 'BTCUSDT_250926', channel: 'trades' }))[0].name).toBe(
      'btcusdt_250926@aggTrade',
    );
  });
});

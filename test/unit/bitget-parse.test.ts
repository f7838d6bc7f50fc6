import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFrame } from '../../sidecar/exchanges/bitget/parse';
import { fixtureFrames, type FixtureFrame } from '../support/fixtures';
import { assertValid, eventsOf } from '../support/parse-results';

const spot = fixtureFrames('bitget-spot');
const futures = fixtureFrames('bitget-usdt-futures');

/** The one frame of a fixture whose channel note starts with `channel`. */
function frame(samples: FixtureFrame[], channel: string): string {
  const found = samples.filter((s) => s.channel.startsWith(channel));
  if (found.length !== 1) throw new Error(`expected one "${channel}" frame in the fixture, found ${found.length}`);
  return found[0].raw;
}

describe('fixtures', () => {
  it('keep every sample line with its source', () => {
    expect(spot).toHaveLength(8);
    expect(futures).toHaveLength(8);
    for (const s of [...spot, ...futures]) expect(s.source.length).toBeGreaterThan(0);
  });

  it('every recorded frame parses to a valid result, never malformed', () => {
    for (const s of [...spot, ...futures]) {
      const result = parseFrame(s.raw);
      assertValid(result);
      expect(result.type, `${s.channel}: ${JSON.stringify(result)}`).not.toBe('malformed');
    }
  });
});

describe('acks', () => {
  it('a per-arg subscribe ack names its topic (instType:channel:instId)', () => {
    expect(parseFrame(frame(spot, 'subscribe ack'))).toEqual({ type: 'ack', topics: ['SPOT:trade:XAUTUSDT'] });
    expect(parseFrame(frame(futures, 'subscribe ack'))).toEqual({ type: 'ack', topics: ['USDT-FUTURES:trade:LTCUSDT'] });
  });
});

describe('trades', () => {
  it('spot snapshot: the taker side, ids as strings, times from the ms string', () => {
    expect(eventsOf(parseFrame(frame(spot, 'trade snapshot')))).toEqual([
      {
        kind: 'trade',
        topic: 'SPOT:trade:SNEKUSDT',
        symbol: 'SNEKUSDT',
        trade: { id: '1235670809402884097', time: 1730332799292, price: 0.0010074, size: 23617.11, side: 'sell' },
      },
    ]);
  });

  it('spot update', () => {
    expect(eventsOf(parseFrame(frame(spot, 'trade update')))).toEqual([
      {
        kind: 'trade',
        topic: 'SPOT:trade:BTCUSDT',
        symbol: 'BTCUSDT',
        trade: { id: '1235671058980749319', time: 1730332858796, price: 72389.99, size: 0.001373, side: 'buy' },
      },
    ]);
  });

  it('a snapshot listed newest first comes out in time order', () => {
    const events = eventsOf(parseFrame(frame(futures, 'trade snapshot')));
    expect(events.map((e) => e.kind === 'trade' && e.trade)).toEqual([
      { id: '1111111111', time: 1695716759514, price: 27000, size: 0.001, side: 'sell' },
      { id: '1111111111', time: 1695716760565, price: 27000.5, size: 0.001, side: 'buy' },
    ]);
    expect(new Set(events.map((e) => e.topic))).toEqual(new Set(['USDT-FUTURES:trade:BTCUSDT']));
  });

  it('other instTypes route to their own topic (COIN-FUTURES frame)', () => {
    const [event] = eventsOf(parseFrame(frame(futures, 'trade update')));
    expect(event).toEqual({
      kind: 'trade',
      topic: 'COIN-FUTURES:trade:DOGEUSD',
      symbol: 'DOGEUSD',
      trade: { id: '1235671063871070209', time: 1730332859962, price: 0.168385, size: 447, side: 'buy' },
    });
  });
});

describe('tickers', () => {
  it('spot: last, book top and 24 h stats', () => {
    expect(eventsOf(parseFrame(frame(spot, 'ticker')))).toEqual([
      {
        kind: 'ticker',
        topic: 'SPOT:ticker:ETHUSDT',
        symbol: 'ETHUSDT',
        ticker: {
          time: 1695702438018,
          last: 2200.1,
          bid: 1792,
          bidSize: 0.0084,
          ask: 2200.1,
          askSize: 19740.8811,
          high24h: 0,
          low24h: 0,
          volume24h: 0,
          quoteVolume24h: 0,
        },
      },
    ]);
  });

  it('futures add mark, index, funding rate and next funding time', () => {
    expect(eventsOf(parseFrame(frame(futures, 'ticker')))).toEqual([
      {
        kind: 'ticker',
        topic: 'USDT-FUTURES:ticker:STORJUSDT',
        symbol: 'STORJUSDT',
        ticker: {
          time: 1730332823155,
          last: 0.4706,
          bid: 0.4705,
          bidSize: 1367.3,
          ask: 0.4708,
          askSize: 2535.3,
          high24h: 0.4784,
          low24h: 0.463,
          volume24h: 2878355.9,
          quoteVolume24h: 1355483.45089,
          markPrice: 0.4705,
          indexPrice: 0.47080586,
          fundingRate: 0.0001,
          nextFundingTime: 1730361600000,
        },
      },
    ]);
  });
});

describe('candles', () => {
  it('spot candle1m: never closed (no flag exists), close time from the interval', () => {
    expect(eventsOf(parseFrame(frame(spot, 'candle1m')))).toEqual([
      {
        kind: 'kline',
        topic: 'SPOT:candle1m:ETHUSDT',
        symbol: 'ETHUSDT',
        interval: '1m',
        kline: {
          openTime: 1695672780000,
          closeTime: 1695672839999,
          open: 2200.1,
          high: 2200.1,
          low: 2200.1,
          close: 2200.1,
          volume: 0,
          quoteVolume: 0,
          closed: false,
        },
      },
    ]);
  });

  it('futures candle1m: base volume at index 5, quote volume at index 6', () => {
    const [event] = eventsOf(parseFrame(frame(futures, 'candle1m')));
    expect(event.kind === 'kline' && event.kline).toEqual({
      openTime: 1695685500000,
      closeTime: 1695685559999,
      open: 27000,
      high: 27000.5,
      low: 27000,
      close: 27000.5,
      volume: 0.057,
      quoteVolume: 1539.0155,
      closed: false,
    });
  });

  // The real snapshot shape (first push after subscribe) with several rows, built in the documented
  // layout from the recorded futures candle: only the newest row is live news.
  const row = (start: number, close: string): string[] => [String(start), '27000', '27000.5', '27000', close, '0.057', '1539.0155', '1539.0155'];
  const push = (action: string, channel: string, rows: string[][]): string =>
    JSON.stringify({ action, arg: { instType: 'USDT-FUTURES', channel, instId: 'BTCUSDT' }, data: rows, ts: 1695715462250 });

  it('a snapshot emits only its newest row, whatever the row order', () => {
    const rows = [row(1695685560000, '27000.4'), row(1695685440000, '27000.1'), row(1695685500000, '27000.2')];
    const events = eventsOf(parseFrame(push('snapshot', 'candle1m', rows)));
    expect(events).toHaveLength(1);
    expect(events[0].kind === 'kline' && [events[0].kline.openTime, events[0].kline.close]).toEqual([1695685560000, 27000.4]);
  });

  it('an update emits every row in time order', () => {
    const events = eventsOf(parseFrame(push('update', 'candle1m', [row(1695685560000, '2'), row(1695685500000, '1')])));
    expect(events.map((e) => e.kind === 'kline' && e.kline.openTime)).toEqual([1695685500000, 1695685560000]);
  });

  it('UTC-aligned channels map to canonical intervals; calendar months close at the month end', () => {
    const day = eventsOf(parseFrame(push('update', 'candle1Dutc', [row(1695686400000, '1')])))[0];
    expect(day.kind === 'kline' && [day.interval, day.topic, day.kline.closeTime]).toEqual(['1d', 'USDT-FUTURES:candle1Dutc:BTCUSDT', 1695772799999]);
    const month = eventsOf(parseFrame(push('update', 'candle1Mutc', [row(Date.UTC(2024, 1, 1), '1')])))[0];
    expect(month.kind === 'kline' && [month.interval, month.kline.closeTime]).toEqual(['1M', Date.UTC(2024, 2, 1) - 1]);
    const hour = eventsOf(parseFrame(push('update', 'candle1H', [row(1695686400000, '1')])))[0];
    expect(hour.kind === 'kline' && hour.interval).toBe('1h');
  });

  it('UTC+8 candle channels and books are valid traffic we do not serve', () => {
    expect(parseFrame(push('update', 'candle1D', [row(1695686400000, '1')]))).toEqual({ type: 'ignore' });
    expect(parseFrame(frame(futures, 'books snapshot'))).toEqual({ type: 'ignore' });
  });

  it('a bad row is malformed, naming the item', () => {
    const bad = parseFrame(push('update', 'candle1m', [['1695685500000', '27000', 'x', '1', '1', '1', '1', '1']]));
    expect(bad.type).toBe('malformed');
    expect(bad.type === 'malformed' && bad.reason).toContain('item 2');
  });
});

describe('heartbeat, errors, garbage', () => {
  it('the bare text pong is the heartbeat answer', () => {
    expect(parseFrame('pong')).toEqual({ type: 'pong' });
  });

  // Error events in the documented layout `{"event":"error","arg":{…},"code","msg","op"}`
  // (PROTOCOLS §4.2; code 30001 / 30016 as probed on the live v2 socket).
  it('a refused arg is an error for exactly that topic', () => {
    const refused = JSON.stringify({
      event: 'error',
      arg: { instType: 'SPOT', channel: 'candle1m', instId: 'NOPEUSDT' },
      code: 30001,
      msg: "instType:SPOT,channel:candle1m,instId:NOPEUSDT doesn't exist",
      op: 'subscribe',
    });
    expect(parseFrame(refused)).toEqual({
      type: 'error',
      topics: ['SPOT:candle1m:NOPEUSDT'],
      message: "instType:SPOT,channel:candle1m,instId:NOPEUSDT doesn't exist (code 30001)",
    });
  });

  it('an error without an arg names no topic', () => {
    expect(parseFrame('{"event":"error","code":30016,"msg":"Param error"}')).toEqual({ type: 'error', message: 'Param error (code 30016)' });
  });

  it('unsubscribe acks and other events are ignored', () => {
    expect(parseFrame('{"event":"unsubscribe","arg":{"instType":"SPOT","channel":"trade","instId":"BTCUSDT"}}')).toEqual({ type: 'ignore' });
    expect(parseFrame('{"event":"login","code":0}')).toEqual({ type: 'ignore' });
  });

  it('garbage is malformed with a reason, never a throw', () => {
    for (const text of ['', 'ping', '{"action":', '[]', '42', '{}', '{"action":"update","arg":{"instType":"SPOT"},"data":[]}',
      '{"action":"update","arg":{"instType":"SPOT","channel":"trade","instId":"BTCUSDT"},"data":[{"ts":"x","price":"1","size":"1","side":"buy","tradeId":"1"}]}',
      '{"action":"update","arg":{"instType":"SPOT","channel":"trade","instId":"BTCUSDT"},"data":[{"ts":"1","price":"1","size":"1","side":"up","tradeId":"1"}]}',
      '{"action":"update","arg":{"instType":"SPOT","channel":"ticker","instId":"BTCUSDT"},"data":[{"lastPr":"abc","ts":"1"}]}',
      '{"event":"subscribe"}']) {
      const result = parseFrame(text);
      expect(result.type, text).toBe('malformed');
    }
  });

  it('parse never throws and always returns a valid result (fast-check)', () => {
    const templates = [...spot, ...futures].map((s) => s.raw);
    const mutated = fc
      .tuple(fc.constantFrom(...templates), fc.nat(), fc.string({ maxLength: 8 }))
      .map(([raw, at, insert]) => raw.slice(0, at % (raw.length + 1)) + insert + raw.slice(at % (raw.length + 1)));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), mutated), (text) => {
        assertValid(parseFrame(text));
      }),
      { numRuns: 2000 },
    );
  });
});

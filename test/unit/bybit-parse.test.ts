import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFrame, topicsNamedIn } from '../../sidecar/exchanges/bybit/parse';
import { fixtureFrames, type FixtureFrame } from '../support/fixtures';
import { assertValid, eventsOf, onlyEvent } from '../support/parse-results';

const spot = fixtureFrames('bybit-spot');
const linear = fixtureFrames('bybit-linear');

/** The raw frames of a fixture whose channel label starts with `channel`, in file order. */
function frames(samples: FixtureFrame[], channel: string): string[] {
  const found = samples.filter((s) => s.channel.startsWith(channel)).map((s) => s.raw);
  if (found.length === 0) throw new Error(`fixture has no ${channel} frame`);
  return found;
}

describe('fixtures', () => {
  it('keep every sample line with its source', () => {
    expect(spot).toHaveLength(9);
    expect(linear).toHaveLength(11);
    for (const s of [...spot, ...linear]) expect(s.source.length).toBeGreaterThan(0);
  });

  it('every recorded frame parses to a valid result, never malformed', () => {
    for (const s of [...spot, ...linear]) {
      const result = parseFrame(s.raw);
      assertValid(result);
      expect(result.type, `${s.channel}: ${JSON.stringify(result)}`).not.toBe('malformed');
    }
  });
});

describe('spot frames', () => {
  it('publicTrade: one event per fill of the batch, S is the taker side, ids stay strings', () => {
    const events = eventsOf(parseFrame(frames(spot, 'publicTrade')[0]));
    expect(events).toEqual(
      [
        ['2290000000050703789', 0.041732],
        ['2290000000050703790', 0.008513],
        ['2290000000050703791', 0.042384],
        ['2290000000050703792', 0.055371],
      ].map(([id, size]) => ({
        kind: 'trade',
        topic: 'publicTrade.BTCUSDT',
        symbol: 'BTCUSDT',
        trade: { id, time: 1680652847524, price: 28165.38, size, side: 'sell' },
      })),
    );
  });

  it('orderbook.1 snapshot is the best bid/ask at the frame time', () => {
    expect(onlyEvent(parseFrame(frames(spot, 'orderbook.1 snapshot')[0]))).toEqual({
      kind: 'ticker',
      topic: 'orderbook.1.BTCUSDT',
      symbol: 'BTCUSDT',
      ticker: { time: 1680652806504, bid: 28165.07, bidSize: 0.175231, ask: 28165.08, askSize: 0.996816 },
    });
  });

  it('a level-1 message labelled delta replaces the top too; an empty side is left out, not guessed', () => {
    expect(onlyEvent(parseFrame(frames(spot, 'orderbook.1 (')[0]))).toEqual({
      kind: 'ticker',
      topic: 'orderbook.1.BTCUSDT',
      symbol: 'BTCUSDT',
      ticker: { time: 1680652806615, bid: 28165.07, bidSize: 0.166754 },
    });
  });

  it('deeper books are ignored (not served yet)', () => {
    for (const raw of frames(spot, 'orderbook.50')) expect(parseFrame(raw)).toEqual({ type: 'ignore' });
  });

  it('tickers: last and 24 h stats, no bid/ask on spot', () => {
    expect(onlyEvent(parseFrame(frames(spot, 'tickers')[0]))).toEqual({
      kind: 'ticker',
      topic: 'tickers.BTCUSDT',
      symbol: 'BTCUSDT',
      ticker: {
        time: 1673853746003,
        last: 21109.77,
        high24h: 21426.99,
        low24h: 20575,
        volume24h: 6780.866843,
        quoteVolume24h: 141946527.22907118,
      },
    });
  });

  it('kline: interval mapped to the canonical name, confirm=false is a forming bar, no trade count', () => {
    expect(onlyEvent(parseFrame(frames(spot, 'kline')[0]))).toEqual({
      kind: 'kline',
      topic: 'kline.5.BTCUSDT',
      symbol: 'BTCUSDT',
      interval: '5m',
      kline: {
        openTime: 1672324800000,
        closeTime: 1672325099999,
        open: 16649.5,
        high: 16677,
        low: 16608,
        close: 16677,
        volume: 2.081,
        quoteVolume: 34666.4005,
        closed: false,
      },
    });
  });

  it('the subscribe ack carries the request id; the pong is recognised', () => {
    expect(parseFrame(frames(spot, 'subscribe ack')[0])).toEqual({ type: 'ack', id: '10001' });
    expect(parseFrame(frames(spot, 'pong')[0])).toEqual({ type: 'pong' });
  });
});

describe('linear frames', () => {
  it('publicTrade: a taker buy with a UUID id', () => {
    expect(onlyEvent(parseFrame(frames(linear, 'publicTrade')[0]))).toEqual({
      kind: 'trade',
      topic: 'publicTrade.LTCUSDT',
      symbol: 'LTCUSDT',
      trade: { id: '4c7b6bdc-b4a3-5716-9c7b-bbe01dc7072f', time: 1680688979983, price: 94.53, size: 0.4, side: 'buy' },
    });
  });

  it('orderbook.1 snapshot and delta-labelled message', () => {
    const [snapshot, delta] = frames(linear, 'orderbook.1').map((raw) => onlyEvent(parseFrame(raw)));
    expect(snapshot).toEqual({
      kind: 'ticker',
      topic: 'orderbook.1.BTCUSDT',
      symbol: 'BTCUSDT',
      ticker: { time: 1680673820717, bid: 28552, bidSize: 0.047, ask: 28552.1, askSize: 25.433 },
    });
    expect(delta.kind === 'ticker' && delta.ticker).toEqual({ time: 1680673821137, bid: 28552, bidSize: 0.012 });
  });

  it('tickers snapshot: last, 24 h stats, best bid/ask, mark, index and funding', () => {
    expect(onlyEvent(parseFrame(frames(linear, 'tickers snapshot')[0]))).toEqual({
      kind: 'ticker',
      topic: 'tickers.BTCUSDT',
      symbol: 'BTCUSDT',
      ticker: {
        time: 1680673821770,
        last: 28550.7,
        high24h: 28797.1,
        low24h: 27842.8,
        volume24h: 151185.516,
        quoteVolume24h: 4273027716.4294,
        bid: 28550.7,
        bidSize: 2.049,
        ask: 28550.8,
        askSize: 15.328,
        markPrice: 28552.81,
        indexPrice: 28562.25,
        fundingRate: 0.0001,
        nextFundingTime: 1680681600000,
      },
    });
  });

  it('tickers delta: only the fields it carries (unmapped ones dropped)', () => {
    expect(onlyEvent(parseFrame(frames(linear, 'tickers delta')[0]))).toEqual({
      kind: 'ticker',
      topic: 'tickers.BTCUSD',
      symbol: 'BTCUSD',
      ticker: { time: 1680673822776, fundingRate: 0.0001, bid: 28560, bidSize: 340549, ask: 28560.5, askSize: 70817 },
    });
  });

  it('kline of a USDC perpetual (cryptofeed capture) and of the docs', () => {
    const [perp, doc] = frames(linear, 'kline').map((raw) => onlyEvent(parseFrame(raw)));
    expect(perp).toEqual({
      kind: 'kline',
      topic: 'kline.5.BTCPERP',
      symbol: 'BTCPERP',
      interval: '5m',
      kline: {
        openTime: 1671187800000,
        closeTime: 1671188099999,
        open: 16991,
        high: 16991,
        low: 16980.5,
        close: 16980.5,
        volume: 2.501,
        quoteVolume: 42493.2305,
        closed: false,
      },
    });
    expect(doc.topic).toBe('kline.5.BTCUSDT');
  });

  it('the linear ack has an empty req_id: an ack without id; the pong is recognised', () => {
    expect(parseFrame(frames(linear, 'subscribe ack')[0])).toEqual({ type: 'ack' });
    expect(parseFrame(frames(linear, 'pong')[0])).toEqual({ type: 'pong' });
  });
});

describe('control frames (documented shapes)', () => {
  it('a closed bar: confirm=true', () => {
    const raw = frames(spot, 'kline')[0].replace('"confirm":false', '"confirm":true');
    const event = onlyEvent(parseFrame(raw));
    expect(event.kind === 'kline' && event.kline.closed).toBe(true);
  });

  it('the third pong shape {"op":"pong","args":[…]}', () => {
    expect(parseFrame('{"req_id":"1","op":"pong","args":["1675418560633"],"conn_id":"cfcb4ocsvfriu23r3er0-1b"}')).toEqual({ type: 'pong' });
  });

  it('a refusal with a req_id is an error for that request', () => {
    const raw = '{"success":false,"ret_msg":"Invalid symbol :[publicTrade.NOPEUSDT]","conn_id":"c1","req_id":"7","op":"subscribe"}';
    expect(parseFrame(raw)).toEqual({ type: 'error', id: '7', message: 'Invalid symbol :[publicTrade.NOPEUSDT]' });
  });

  it('a refusal without a req_id names the topics its message names', () => {
    expect(parseFrame('{"success":false,"ret_msg":"Invalid symbol :[tickers.XUSDT]","conn_id":"c","op":"subscribe"}')).toEqual({
      type: 'error',
      topics: ['tickers.XUSDT'],
      message: 'Invalid symbol :[tickers.XUSDT]',
    });
    expect(parseFrame('{"success":false,"ret_msg":"error:handler not found,topic:kline.7.BTCUSDT","req_id":"","op":"subscribe"}')).toEqual({
      type: 'error',
      topics: ['kline.7.BTCUSDT'],
      message: 'error:handler not found,topic:kline.7.BTCUSDT',
    });
    // Nothing named: the engine attributes it to no topic.
    expect(parseFrame('{"success":false,"ret_msg":"args size >10","conn_id":"c","op":"subscribe"}')).toEqual({ type: 'error', message: 'args size >10' });
  });

  it('topicsNamedIn reads bracketed lists and topic: suffixes', () => {
    expect(topicsNamedIn('Invalid symbol :[kline.1.A,publicTrade.A]')).toEqual(['kline.1.A', 'publicTrade.A']);
    expect(topicsNamedIn('error:already subscribed,topic:publicTrade.BTCUSDT')).toEqual(['publicTrade.BTCUSDT']);
    expect(topicsNamedIn('Params Error')).toBeUndefined();
    expect(topicsNamedIn('Invalid symbol :[NOTACOINUSDT]')).toBeUndefined();
  });

  it('unsubscribe acks carry their id; answers to other ops are not ours', () => {
    expect(parseFrame('{"success":true,"ret_msg":"","conn_id":"c","req_id":"9","op":"unsubscribe"}')).toEqual({ type: 'ack', id: '9' });
    expect(parseFrame('{"success":true,"ret_msg":"","conn_id":"c","req_id":"9","op":"auth"}')).toEqual({ type: 'ignore' });
  });

  it('topics we do not serve are ignored', () => {
    expect(parseFrame('{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":1,"data":[]}')).toEqual({ type: 'ignore' });
  });
});

describe('garbage is malformed, never a throw', () => {
  const kline = frames(spot, 'kline')[0];
  const trade = frames(linear, 'publicTrade')[0];
  const ticker = frames(linear, 'tickers snapshot')[0];
  const book = frames(spot, 'orderbook.1 snapshot')[0];

  const cases: Array<[string, string, string]> = [
    ['not JSON', 'hello', 'not JSON'],
    ['truncated frame', kline.slice(0, 40), 'not JSON'],
    ['JSON array', '[1,2]', 'JSON object'],
    ['null', 'null', 'JSON object'],
    ['empty object', '{}', 'unrecognised'],
    ['topic not a string', '{"topic":5,"data":[]}', '"topic"'],
    ['response without success', '{"op":"subscribe","ret_msg":"x"}', '"success"'],
    ['kline data not an array', kline.replace(/"data":\[.*\],"ts"/, '"data":{},"ts"'), '"data"'],
    ['kline price not a decimal', kline.replace('"close":"16677"', '"close":"abc"'), '"close"'],
    ['kline start as a string', kline.replace('"start":1672324800000', '"start":"1672324800000"'), '"start"'],
    ['kline confirm as a string', kline.replace('"confirm":false', '"confirm":"false"'), '"confirm"'],
    ['kline unknown interval', kline.replace('"interval":"5"', '"interval":"7"'), '"interval"'],
    ['kline huge exponent', kline.replace('"volume":"2.081"', '"volume":"1e999"'), '"volume"'],
    ['trade side lowercase', trade.replace('"S":"Buy"', '"S":"buy"'), '"S"'],
    ['trade id missing', trade.replace(',"i":"4c7b6bdc-b4a3-5716-9c7b-bbe01dc7072f"', ''), '"i"'],
    ['trade hex price', trade.replace('"p":"94.53"', '"p":"0x10"'), '"p"'],
    ['ticker without ts', ticker.replace(',"ts":1680673821770', ''), '"ts"'],
    ['ticker mark not a decimal', ticker.replace('"markPrice":"28552.81"', '"markPrice":"x"'), '"markPrice"'],
    ['book level not a pair', book.replace('[["28165.07","0.175231"]]', '["28165.07"]'), 'data.b'],
    ['book side not an array', book.replace('"a":[["28165.08","0.996816"]]', '"a":5'), 'data.a'],
  ];

  it.each(cases)('%s', (_name, raw, mention) => {
    const result = parseFrame(raw);
    expect(result.type).toBe('malformed');
    expect(result.type === 'malformed' && result.reason).toContain(mention);
  });

  it('property: any string gives one of the result types', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), (text) => {
        assertValid(parseFrame(text));
      }),
      { numRuns: 500 },
    );
  });

  it('property: any JSON value, alone or as data of each topic, gives one of the result types', () => {
    const topics = ['kline.1.BTCUSDT', 'publicTrade.BTCUSDT', 'tickers.BTCUSDT', 'orderbook.1.BTCUSDT', 'kline.5.'];
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...topics), (value, topic) => {
        assertValid(parseFrame(JSON.stringify(value)));
        assertValid(parseFrame(JSON.stringify({ topic, type: 'snapshot', ts: 1, data: value })));
        assertValid(parseFrame(JSON.stringify({ topic, type: 'snapshot', ts: 1, data: [value] })));
      }),
      { numRuns: 500 },
    );
  });

  it('property: a real frame with one field replaced or removed stays valid', () => {
    const bodies = [...spot, ...linear].map((s) => JSON.parse(s.raw) as Record<string, unknown>);
    const arb = fc.record({
      index: fc.nat({ max: bodies.length - 1 }),
      pick: fc.nat(),
      inner: fc.boolean(),
      value: fc.option(fc.jsonValue(), { nil: undefined }),
    });
    fc.assert(
      fc.property(arb, ({ index, pick, inner, value }) => {
        const body = structuredClone(bodies[index]);
        // Mutate the payload (an array's first item, or the data object) or the envelope itself.
        const data = Array.isArray(body.data) ? body.data[0] : body.data;
        const target = (inner && typeof data === 'object' && data !== null ? data : body) as Record<string, unknown>;
        const keys = Object.keys(target);
        if (keys.length === 0) return;
        const key = keys[pick % keys.length];
        if (value === undefined) delete target[key];
        else target[key] = value;
        assertValid(parseFrame(JSON.stringify(body)));
      }),
      { numRuns: 1000 },
    );
  });
});

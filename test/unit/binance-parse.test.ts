import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFrame } from '../../sidecar/exchanges/binance/parse';
import { fixtureFrames, type FixtureFrame } from '../support/fixtures';
import { assertValid, onlyEvent } from '../support/parse-results';

const spot = fixtureFrames('binance-spot');
const usdm = fixtureFrames('binance-usdm');

/** The raw frames of a fixture whose text contains `needle` (a stream name or id), in file order. */
function frames(samples: FixtureFrame[], needle: string): string[] {
  const found = samples.filter((s) => s.raw.includes(needle)).map((s) => s.raw);
  if (found.length === 0) throw new Error(`fixture has no frame containing ${needle}`);
  return found;
}

describe('fixtures', () => {
  it('keep every sample line with its source', () => {
    expect(spot).toHaveLength(11);
    expect(usdm).toHaveLength(13);
    for (const s of [...spot, ...usdm]) expect(s.source.length).toBeGreaterThan(0);
  });

  it('every recorded frame parses to a valid result, never malformed', () => {
    for (const s of [...spot, ...usdm]) {
      const result = parseFrame(s.raw);
      assertValid(result);
      expect(result.type, `${s.channel}: ${JSON.stringify(result)}`).not.toBe('malformed');
    }
  });
});

describe('spot frames', () => {
  it('aggTrade: taker buy (m=false), id from a, one trade id covered', () => {
    expect(onlyEvent(parseFrame(frames(spot, 'nknusdt@aggTrade')[0]))).toEqual({
      kind: 'trade',
      topic: 'nknusdt@aggTrade',
      symbol: 'NKNUSDT',
      trade: { id: '15683430', time: 1633998523963, price: 0.3528, size: 58, side: 'buy' },
      count: 1,
    });
  });

  it('aggTrade with eight decimals keeps the value exactly', () => {
    const event = onlyEvent(parseFrame(frames(spot, 'lrcbtc@aggTrade')[0]));
    expect(event.kind === 'trade' && event.trade).toEqual({
      id: '9213679',
      time: 1633998534486,
      price: 0.00000638,
      size: 177,
      side: 'buy',
    });
  });

  it('kline (still forming)', () => {
    expect(onlyEvent(parseFrame(frames(spot, 'nknusdt@kline_1m')[0]))).toEqual({
      kind: 'kline',
      topic: 'nknusdt@kline_1m',
      symbol: 'NKNUSDT',
      interval: '1m',
      kline: {
        openTime: 1633998480000,
        closeTime: 1633998539999,
        open: 0.3527,
        high: 0.3528,
        low: 0.3522,
        close: 0.3528,
        volume: 25877,
        quoteVolume: 9116.046,
        trades: 30,
        closed: false,
      },
    });
  });

  it('bookTicker has no time on spot: time 0, for the hub to stamp', () => {
    expect(onlyEvent(parseFrame(frames(spot, 'nknusdt@bookTicker')[0]))).toEqual({
      kind: 'ticker',
      topic: 'nknusdt@bookTicker',
      symbol: 'NKNUSDT',
      ticker: { time: 0, bid: 0.3521, bidSize: 672, ask: 0.3526, askSize: 3199 },
    });
    const btc = onlyEvent(parseFrame(frames(spot, 'btcusdt@bookTicker')[0]));
    expect(btc.kind === 'ticker' && btc.ticker).toEqual({
      time: 0,
      bid: 8010,
      bidSize: 0.142459,
      ask: 8012.15,
      askSize: 0.031201,
    });
  });

  it('24hrTicker carries last, 24 h stats and the best bid/ask', () => {
    expect(onlyEvent(parseFrame(frames(spot, 'dogebnb@ticker')[0]))).toEqual({
      kind: 'ticker',
      topic: 'dogebnb@ticker',
      symbol: 'DOGEBNB',
      ticker: {
        time: 1569805259092,
        last: 0.0001436,
        high24h: 0.0001455,
        low24h: 0.00013851,
        volume24h: 20014582,
        quoteVolume24h: 2839.62578157,
        bid: 0.00014365,
        bidSize: 7080,
        ask: 0.00014498,
        askSize: 275033,
      },
    });
  });

  it('trade stream payloads are accepted too', () => {
    expect(onlyEvent(parseFrame(frames(spot, 'bnbbtc@trade')[0]))).toEqual({
      kind: 'trade',
      topic: 'bnbbtc@trade',
      symbol: 'BNBBTC',
      trade: { id: '40756030', time: 1554076800940, price: 0.0042699, size: 33.82, side: 'buy' },
    });
  });

  it('depth updates are ignored (books are not served yet)', () => {
    const depth = frames(spot, 'nknusdt@depth@100ms');
    expect(depth).toHaveLength(3);
    for (const raw of depth) expect(parseFrame(raw)).toEqual({ type: 'ignore' });
  });

  it('SUBSCRIBE ack carries the request id', () => {
    expect(parseFrame(frames(spot, '"result":null')[0])).toEqual({ type: 'ack', id: 1 });
  });
});

describe('USDⓈ-M frames', () => {
  it('aggTrade: m=true is a taker sell; count is l - f + 1', () => {
    const [first, second, third] = frames(usdm, 'keepusdt@aggTrade').map((raw) => onlyEvent(parseFrame(raw)));
    expect(first).toEqual({
      kind: 'trade',
      topic: 'keepusdt@aggTrade',
      symbol: 'KEEPUSDT',
      trade: { id: '1211537', time: 1626992756696, price: 0.2464, size: 317, side: 'buy' },
      count: 1,
    });
    expect(second.kind === 'trade' && second.trade).toEqual({
      id: '1211538',
      time: 1626992757496,
      price: 0.2466,
      size: 27,
      side: 'buy',
    });
    expect(third).toEqual({
      kind: 'trade',
      topic: 'keepusdt@aggTrade',
      symbol: 'KEEPUSDT',
      trade: { id: '1211539', time: 1626992767496, price: 0.2468, size: 3218, side: 'sell' },
      count: 4,
    });
  });

  it('kline: forming then closed (x=true)', () => {
    const [open, closed] = frames(usdm, 'keepusdt@kline_1m').map((raw) => onlyEvent(parseFrame(raw)));
    expect(open.kind === 'kline' && open.kline).toEqual({
      openTime: 1626992700000,
      closeTime: 1626992759999,
      open: 0.2463,
      high: 0.2464,
      low: 0.2458,
      close: 0.2464,
      volume: 8437,
      quoteVolume: 2075.8217,
      trades: 13,
      closed: false,
    });
    expect(closed).toEqual({
      kind: 'kline',
      topic: 'keepusdt@kline_1m',
      symbol: 'KEEPUSDT',
      interval: '1m',
      kline: {
        openTime: 1626992700000,
        closeTime: 1626992759999,
        open: 0.2463,
        high: 0.2466,
        low: 0.2458,
        close: 0.2466,
        volume: 8464,
        quoteVolume: 2082.4799,
        trades: 14,
        closed: true,
      },
    });
  });

  it('open kline + the next aggTrade add up to the closed kline (dossier §5)', () => {
    const [open, closed] = frames(usdm, 'keepusdt@kline_1m').map((raw) => onlyEvent(parseFrame(raw)));
    const trade = onlyEvent(parseFrame(frames(usdm, '"a":1211538')[0]));
    if (open.kind !== 'kline' || closed.kind !== 'kline' || trade.kind !== 'trade') throw new Error('wrong kinds');
    expect(open.kline.volume + trade.trade.size).toBe(closed.kline.volume);
    expect((open.kline.trades ?? 0) + (trade.count ?? 1)).toBe(closed.kline.trades);
    expect(trade.trade.price).toBe(closed.kline.close);
  });

  it('bookTicker uses the event time E', () => {
    expect(onlyEvent(parseFrame(frames(usdm, 'sushiusdt@bookTicker')[0]))).toEqual({
      kind: 'ticker',
      topic: 'sushiusdt@bookTicker',
      symbol: 'SUSHIUSDT',
      ticker: { time: 1626992741017, bid: 7.611, bidSize: 2, ask: 7.612, askSize: 297 },
    });
  });

  it('trade with X=MARKET: taker sell', () => {
    expect(onlyEvent(parseFrame(frames(usdm, 'btcusdt@trade')[0]))).toEqual({
      kind: 'trade',
      topic: 'btcusdt@trade',
      symbol: 'BTCUSDT',
      trade: { id: '173525189', time: 1596240000519, price: 11343.67, size: 0.467, side: 'sell' },
    });
  });

  it('trade from the insurance fund is not a market trade: ignored', () => {
    const raw = frames(usdm, 'btcusdt@trade')[0].replace('"X":"MARKET"', '"X":"INSURANCE_FUND"');
    expect(parseFrame(raw)).toEqual({ type: 'ignore' });
  });

  it('24hrTicker without bid/ask gives no bid/ask keys at all', () => {
    const event = onlyEvent(parseFrame(frames(usdm, 'btcusdt@ticker')[0]));
    expect(event).toEqual({
      kind: 'ticker',
      topic: 'btcusdt@ticker',
      symbol: 'BTCUSDT',
      ticker: {
        time: 1568693103467,
        last: 10223.74,
        high24h: 10329.38,
        low24h: 10080.7,
        volume24h: 20248.9,
        quoteVolume24h: 207024349.13,
      },
    });
    expect(event.kind === 'ticker' && Object.keys(event.ticker)).not.toContain('bid');
  });

  it('markPriceUpdate: mark, index, funding rate and next funding time', () => {
    expect(onlyEvent(parseFrame(frames(usdm, 'btcusdt@markPrice@1s')[0]))).toEqual({
      kind: 'ticker',
      topic: 'btcusdt@markPrice@1s',
      symbol: 'BTCUSDT',
      ticker: {
        time: 1597536008000,
        markPrice: 11857.56,
        indexPrice: 11851.86949091,
        fundingRate: 0.0001564,
        nextFundingTime: 1597564800000,
      },
    });
  });

  it('continuous_kline becomes a kline event keyed by the pair', () => {
    const raw = frames(usdm, 'continuous_kline')[0];
    const kline = {
      openTime: 1607443020000,
      closeTime: 1607443079999,
      open: 18787,
      high: 18804.04,
      low: 18786.54,
      close: 18804.04,
      volume: 197.664,
      quoteVolume: 3715253.19494,
      trades: 543,
      closed: false,
    };
    // The documented payload is bare; its topic is rebuilt the way the stream is named.
    expect(onlyEvent(parseFrame(raw))).toEqual({
      kind: 'kline',
      topic: 'btcusdt_perpetual@continuousKline_1m',
      symbol: 'BTCUSDT',
      interval: '1m',
      kline,
    });
    const wrapped = `{"stream":"btcusdt_perpetual@continuousKline_1m","data":${raw}}`;
    expect(onlyEvent(parseFrame(wrapped))).toMatchObject({ topic: 'btcusdt_perpetual@continuousKline_1m', kline });
  });

  it('depth updates (pu chain) are ignored', () => {
    for (const raw of frames(usdm, 'sushiusdt@depth@100ms')) expect(parseFrame(raw)).toEqual({ type: 'ignore' });
  });
});

describe('bare payloads (raw /ws path) get the topic their stream would have', () => {
  it('kline, aggTrade, ticker, bookTicker and markPrice', () => {
    const unwrap = (raw: string): string => JSON.stringify((JSON.parse(raw) as { data: unknown }).data);
    const topicOf = (raw: string): string => onlyEvent(parseFrame(unwrap(raw))).topic;
    expect(topicOf(frames(usdm, 'keepusdt@kline_1m')[0])).toBe('keepusdt@kline_1m');
    expect(topicOf(frames(usdm, 'keepusdt@aggTrade')[0])).toBe('keepusdt@aggTrade');
    expect(topicOf(frames(spot, 'dogebnb@ticker')[0])).toBe('dogebnb@ticker');
    expect(topicOf(frames(spot, 'nknusdt@bookTicker')[0])).toBe('nknusdt@bookTicker');
    expect(topicOf(frames(usdm, 'btcusdt@markPrice@1s')[0])).toBe('btcusdt@markPrice@1s');
  });
});

describe('request outcomes and connection events', () => {
  it('errors in both documented shapes keep the request id', () => {
    expect(parseFrame('{"code":2,"msg":"Invalid request: unknown variant `SUBSCRIB`","id":7}')).toEqual({
      type: 'error',
      id: 7,
      message: 'Invalid request: unknown variant `SUBSCRIB` (code 2)',
    });
    expect(parseFrame('{"error":{"code":4,"msg":"Too many subscriptions"},"id":"s9"}')).toEqual({
      type: 'error',
      id: 's9',
      message: 'Too many subscriptions (code 4)',
    });
    expect(parseFrame('{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"}')).toEqual({
      type: 'error',
      message: 'Invalid JSON: expected value at line 1 column 1 (code 3)',
    });
  });

  it('LIST_SUBSCRIPTIONS result and a null id are acks', () => {
    expect(parseFrame('{"result":["btcusdt@aggTrade"],"id":3}')).toEqual({ type: 'ack', id: 3 });
    expect(parseFrame('{"result":null,"id":null}')).toEqual({ type: 'ack' });
  });

  it('serverShutdown means closing, bare or wrapped', () => {
    for (const raw of [
      '{"e":"serverShutdown","E":1770123456789}',
      '{"event":{"e":"serverShutdown","E":1770123456789}}',
      '{"stream":"btcusdt@aggTrade","data":{"e":"serverShutdown","E":1770123456789}}',
    ]) {
      const result = parseFrame(raw);
      expect(result.type, raw).toBe('closing');
      expect(result.type === 'closing' && result.message).toContain('1770123456789');
    }
  });

  it('valid traffic we do not serve is ignored', () => {
    expect(parseFrame('{"stream":"!ticker@arr","data":[]}')).toEqual({ type: 'ignore' });
    expect(parseFrame('{"stream":"btcusdt@depth5","data":{"lastUpdateId":1,"bids":[],"asks":[]}}')).toEqual({
      type: 'ignore',
    });
    expect(parseFrame('{"stream":"btcusdt@miniTicker","data":{"e":"24hrMiniTicker","E":1,"s":"BTCUSDT"}}')).toEqual({
      type: 'ignore',
    });
  });
});

describe('garbage is malformed, never a throw', () => {
  const kline = frames(usdm, 'keepusdt@kline_1m')[1];
  const agg = frames(usdm, 'keepusdt@aggTrade')[0];

  const cases: Array<[string, string, string]> = [
    ['not JSON', 'hello', 'not JSON'],
    ['truncated frame', kline.slice(0, 40), 'not JSON'],
    ['JSON array', '[1,2]', 'JSON object'],
    ['JSON string', '"x"', 'JSON object'],
    ['null', 'null', 'JSON object'],
    ['empty object', '{}', 'unrecognised'],
    ['stream without a name', '{"stream":5,"data":{}}', '"stream"'],
    ['data not an object', '{"stream":"keepusdt@kline_1m","data":"x"}', '"data"'],
    ['event type not a string', '{"stream":"a@b","data":{"e":5}}', '"e"'],
    ['kline without k', kline.replace(/"k":\{[^}]*\}/, '"k":null'), '"k"'],
    ['kline price not a decimal', kline.replace('"c":"0.2466"', '"c":"abc"'), '"c"'],
    ['kline price empty', kline.replace('"c":"0.2466"', '"c":""'), '"c"'],
    ['kline open time as a string', kline.replace('"t":1626992700000', '"t":"1626992700000"'), '"t"'],
    ['kline closed flag as a string', kline.replace('"x":true', '"x":"true"'), '"x"'],
    ['kline huge exponent', kline.replace('"v":"8464"', '"v":"1e999"'), '"v"'],
    ['aggTrade maker flag missing', agg.replace(',"m":false', ''), '"m"'],
    ['aggTrade id fractional', agg.replace('"a":1211537', '"a":1.5'), '"a"'],
    ['aggTrade hex price', agg.replace('"p":"0.2464"', '"p":"0x10"'), '"p"'],
    ['aggTrade symbol missing', agg.replace('"s":"KEEPUSDT",', ''), '"s"'],
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

  it('property: any JSON value gives one of the result types', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assertValid(parseFrame(JSON.stringify(value)));
        assertValid(parseFrame(JSON.stringify({ stream: 'btcusdt@kline_1m', data: value })));
      }),
      { numRuns: 500 },
    );
  });

  it('property: a real frame with one field replaced or removed stays valid', () => {
    const bodies = [...spot, ...usdm].map((s) => JSON.parse(s.raw) as Record<string, unknown>);
    const arb = fc.record({
      index: fc.nat({ max: bodies.length - 1 }),
      pick: fc.nat(),
      inner: fc.boolean(),
      value: fc.option(fc.jsonValue(), { nil: undefined }),
    });
    fc.assert(
      fc.property(arb, ({ index, pick, inner, value }) => {
        const body = structuredClone(bodies[index]);
        // Mutate the payload (or the kline inside it) when there is one, else the frame itself.
        let target = (typeof body.data === 'object' && body.data !== null ? body.data : body) as Record<string, unknown>;
        if (inner && typeof target.k === 'object' && target.k !== null) target = target.k as Record<string, unknown>;
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

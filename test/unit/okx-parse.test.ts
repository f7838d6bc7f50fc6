import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { okx } from '../../sidecar/exchanges/okx';
import { ContractSizes, contractsToBase } from '../../sidecar/exchanges/okx/contracts';
import { MAX_HELD_TRADES, OkxParser } from '../../sidecar/exchanges/okx/parse';
import type { MarketEvent, ParseResult } from '../../sidecar/exchanges/types';
import { KlineSchema, TickerSchema, TradeSchema, type Instrument } from '../../sidecar/market/model';
import { fixtureFrames, type FixtureFrame } from '../support/fixtures';
import { eventsOf as events } from '../support/parse-results';

const spotFrames = fixtureFrames('okx-spot');
const swapFrames = fixtureFrames('okx-swap');

/** The raw frame of a fixture whose channel label starts with `channel` (and whose text contains `needle`). */
function frame(frames: FixtureFrame[], channel: string, needle = ''): string {
  const found = frames.find((f) => f.channel.startsWith(channel) && f.raw.includes(needle));
  if (!found) throw new Error(`fixture has no ${channel} frame containing ${needle}`);
  return found.raw;
}

function parsers(instruments: Instrument[] = []) {
  const contracts = new ContractSizes();
  contracts.update(instruments);
  return { spot: new OkxParser('spot', new ContractSizes()), swap: new OkxParser('perp', contracts), contracts };
}

function swapInstrument(symbol: string, contractSize: number): Instrument {
  const [base, quote] = symbol.split('-');
  return { exchange: 'okx', market: 'perp', symbol, unified: `${base}/${quote}:USDT`, base, quote, status: 'trading', contractSize };
}

const RESULT_TYPES = ['events', 'ack', 'error', 'pong', 'closing', 'ignore', 'malformed'];
const PartialTickerSchema = TickerSchema.partial().required({ time: true }).strict();

/** The normalized model holds, and OKX topics name their channel and instrument (`channel:instId`). */
function assertValid(result: ParseResult): void {
  expect(RESULT_TYPES).toContain(result.type);
  if (result.type === 'malformed') expect(result.reason.length).toBeGreaterThan(0);
  if (result.type !== 'events') return;
  for (const event of result.events) {
    expect(event.topic).toMatch(/^[^:]+:.+$/);
    if (event.kind === 'kline') KlineSchema.strict().parse(event.kline);
    if (event.kind === 'trade') TradeSchema.strict().parse(event.trade);
    if (event.kind === 'ticker') PartialTickerSchema.parse(event.ticker);
  }
}

describe('fixtures', () => {
  it('keep every sample line with its source', () => {
    expect(spotFrames).toHaveLength(9);
    expect(swapFrames).toHaveLength(9);
    for (const f of [...spotFrames, ...swapFrames]) expect(f.source.length).toBeGreaterThan(0);
  });

  it('every recorded frame parses to a valid result, never malformed, with or without instruments', () => {
    for (const p of [parsers(), parsers([swapInstrument('BTC-USDT-SWAP', 0.01), swapInstrument('WNCG-USDT-SWAP', 1)])]) {
      for (const f of spotFrames) {
        const r = p.spot.parse(f.raw);
        assertValid(r);
        expect(r.type, `${f.channel}: ${JSON.stringify(r)}`).not.toBe('malformed');
      }
      for (const f of swapFrames) {
        const r = p.swap.parse(f.raw);
        assertValid(r);
        expect(r.type, `${f.channel}: ${JSON.stringify(r)}`).not.toBe('malformed');
      }
    }
  });
});

describe('SPOT frames', () => {
  const { spot } = parsers();

  it('subscribe ack: acknowledged by topic (one ack per arg)', () => {
    expect(spot.parse(frame(spotFrames, 'subscribe ack'))).toEqual({ type: 'ack', topics: ['trades:BTC-USDT'] });
  });

  it('trades: taker side, id kept as a string, size in base', () => {
    expect(events(spot.parse(frame(spotFrames, 'trades', '338476307')))).toEqual([
      { kind: 'trade', topic: 'trades:BTC-USDT', symbol: 'BTC-USDT', trade: { id: '338476307', time: 1652459224818, price: 30236, size: 0.0002, side: 'buy' } },
    ]);
    expect(events(spot.parse(frame(spotFrames, 'trades (v5)')))[0]).toEqual({
      kind: 'trade',
      topic: 'trades:CRV-USDT',
      symbol: 'CRV-USDT',
      trade: { id: '21300150', time: 1639999319938, price: 3.973, size: 13.491146, side: 'buy' },
    });
  });

  it('tickers: vol24h is base volume, volCcy24h quote volume; sizes in base', () => {
    expect(events(spot.parse(frame(spotFrames, 'tickers', 'BTC-USDT')))).toEqual([
      {
        kind: 'ticker',
        topic: 'tickers:BTC-USDT',
        symbol: 'BTC-USDT',
        ticker: {
          time: 1652459224956,
          last: 30236,
          bid: 30228.6,
          bidSize: 0.23393,
          ask: 30228.7,
          askSize: 1.55896972,
          high24h: 31073,
          low24h: 28020.3,
          volume24h: 17602.13085371,
          quoteVolume24h: 525802090.62716611,
        },
      },
    ]);
  });

  it('candle: vol is base, volCcyQuote quote, confirm "0" is a forming bar', () => {
    expect(events(spot.parse(frame(spotFrames, 'candle1m')))).toEqual([
      {
        kind: 'kline',
        topic: 'candle1m:BTC-USDT',
        symbol: 'BTC-USDT',
        interval: '1m',
        kline: {
          openTime: 1597026383085,
          closeTime: 1597026383085 + 60_000 - 1,
          open: 8533.02,
          high: 8553.74,
          low: 8527.17,
          close: 8548.26,
          volume: 45247,
          quoteVolume: 529.5858061,
          closed: false,
        },
      },
    ]);
  });

  it('books (snapshot and update) are valid but not served', () => {
    expect(spot.parse(frame(spotFrames, 'books update'))).toEqual({ type: 'ignore' });
    expect(spot.parse(frame(spotFrames, 'books snapshot'))).toEqual({ type: 'ignore' });
  });
});

describe('SWAP frames', () => {
  it('trades: contracts × ctVal, exactly', () => {
    const { swap } = parsers([swapInstrument('BTC-USDT-SWAP', 0.01)]);
    expect(events(swap.parse(frame(swapFrames, 'trades')))).toEqual([
      { kind: 'trade', topic: 'trades:BTC-USDT-SWAP', symbol: 'BTC-USDT-SWAP', trade: { id: '148266905', time: 1640131236050, price: 48938.5, size: 0.05, side: 'buy' } },
    ]);
    // Float multiplication would give 0.05000000000000000277 → 0.05 here, but 3 × 0.1 = 0.30000000000000004.
    expect(contractsToBase(3, 0.1)).toBe(0.3);
    expect(contractsToBase(1.23, 0.01)).toBe(0.0123);
  });

  it('tickers: volCcy24h is the base volume; bid/ask sizes converted from contracts', () => {
    const { swap } = parsers([swapInstrument('WNCG-USDT-SWAP', 10)]);
    expect(events(swap.parse(frame(swapFrames, 'tickers')))).toEqual([
      {
        kind: 'ticker',
        topic: 'tickers:WNCG-USDT-SWAP',
        symbol: 'WNCG-USDT-SWAP',
        ticker: { time: 1640131263109, last: 2.1729, bid: 2.1737, bidSize: 20, ask: 2.1738, askSize: 1680, high24h: 2.25, low24h: 2.1493, volume24h: 803940 },
      },
    ]);
  });

  it('tickers without a known contract size leave the sizes out instead of guessing', () => {
    const { swap } = parsers();
    const ticker = (events(swap.parse(frame(swapFrames, 'tickers')))[0] as Extract<MarketEvent, { kind: 'ticker' }>).ticker;
    expect(ticker).not.toHaveProperty('bidSize');
    expect(ticker).not.toHaveProperty('askSize');
    expect(ticker.bid).toBe(2.1737);
  });

  it('mark-price and funding-rate are partial tickers; fundingTime is the next funding time', () => {
    const { swap } = parsers();
    expect(events(swap.parse(frame(swapFrames, 'mark-price')))).toEqual([
      { kind: 'ticker', topic: 'mark-price:WNCG-USDT-SWAP', symbol: 'WNCG-USDT-SWAP', ticker: { time: 1640131259180, markPrice: 2.1729 } },
    ]);
    // This capture has no `ts`: time 0 lets the hub stamp it on arrival.
    expect(events(swap.parse(frame(swapFrames, 'funding-rate')))).toEqual([
      { kind: 'ticker', topic: 'funding-rate:WNCG-USDT-SWAP', symbol: 'WNCG-USDT-SWAP', ticker: { time: 0, fundingRate: 0.00048105, nextFundingTime: 1640131200000 } },
    ]);
  });

  it('candle: volume is volCcy (base), not vol (contracts); confirm "1" closes the bar', () => {
    const { swap } = parsers();
    const [event] = events(swap.parse(frame(swapFrames, 'candle1m')));
    expect(event).toMatchObject({ kind: 'kline', topic: 'candle1m:BTC-USDT-SWAP', interval: '1m' });
    expect((event as Extract<MarketEvent, { kind: 'kline' }>).kline).toEqual({
      openTime: 1597026383085,
      closeTime: 1597026443084,
      open: 8533.02,
      high: 8553.74,
      low: 8527.17,
      close: 8548.26,
      volume: 452.47,
      quoteVolume: 3866234.6,
      closed: true,
    });
  });

  it('books-l2-tbt, bbo-tbt and open-interest are valid but not served', () => {
    const { swap } = parsers();
    for (const channel of ['books-l2-tbt', 'bbo-tbt', 'open-interest']) expect(swap.parse(frame(swapFrames, channel))).toEqual({ type: 'ignore' });
  });

  it('subscribe error that names no arg maps to the request id', () => {
    const { swap } = parsers();
    const r = swap.parse(frame(swapFrames, 'subscribe error'));
    expect(r).toMatchObject({ type: 'error', id: '1512' });
    expect(r.type === 'error' && r.message).toMatch(/^Invalid request: .* \(code 60012\)$/);
    expect(r).not.toHaveProperty('topics');
  });
});

describe('trades held until the contract size is known', () => {
  const trade = (id: number, sz: string) =>
    JSON.stringify({ arg: { channel: 'trades', instId: 'BTC-USDT-SWAP' }, data: [{ instId: 'BTC-USDT-SWAP', tradeId: String(id), px: '50000.1', sz, side: 'sell', ts: String(1_700_000_000_000 + id), count: '2' }] });

  it('holds SWAP trades without emitting wrong sizes, then releases them in order, converted', () => {
    const { swap, contracts } = parsers();
    expect(swap.parse(trade(1, '5'))).toEqual({ type: 'events', events: [] });
    expect(swap.parse(trade(2, '0.5'))).toEqual({ type: 'events', events: [] });
    expect(swap.heldTrades).toBe(2);
    contracts.update([swapInstrument('BTC-USDT-SWAP', 0.01)]);
    const out = events(swap.parse(trade(3, '1.23')));
    expect(out.map((e) => e.kind === 'trade' && [e.trade.id, e.trade.size, e.count])).toEqual([
      ['1', 0.05, 2],
      ['2', 0.005, 2],
      ['3', 0.0123, 2],
    ]);
    expect(swap.heldTrades).toBe(0);
  });

  it('a full hold reports the frame malformed with the reason', () => {
    const { swap } = parsers();
    const many = JSON.stringify({
      arg: { channel: 'trades', instId: 'BTC-USDT-SWAP' },
      data: Array.from({ length: MAX_HELD_TRADES }, (_, i) => ({ instId: 'BTC-USDT-SWAP', tradeId: String(i), px: '1', sz: '1', side: 'buy', ts: '1' })),
    });
    expect(events(swap.parse(many))).toEqual([]);
    const r = swap.parse(trade(99_999, '1'));
    expect(r.type).toBe('malformed');
    expect(r.type === 'malformed' && r.reason).toContain('contract size of BTC-USDT-SWAP is unknown');
  });

  it('SPOT never holds', () => {
    const { spot } = parsers();
    const spotTrade = trade(1, '5').replaceAll('BTC-USDT-SWAP', 'BTC-USDT');
    expect(events(spot.parse(spotTrade))[0]).toMatchObject({ trade: { size: 5 }, count: 2 });
  });
});

describe('events, heartbeat, notices', () => {
  const { spot } = parsers();

  it('the text pong is the heartbeat answer', () => {
    expect(spot.parse('pong')).toEqual({ type: 'pong' });
  });

  it('a 60018 refusal names its channel and instId: exactly that topic is refused', () => {
    // Wording of real refusals (okx-api#106, aiviaio/okex#76, python-okx#21).
    const real = '{"event":"error","msg":"Wrong URL or channel:candle1s,instId:BTC-USDT-SWAP doesn\'t exist. Please use the correct URL, channel and parameters referring to API document.","code":"60018","connId":"2b5dc6ac"}';
    expect(spot.parse(real)).toEqual({
      type: 'error',
      topics: ['candle1s:BTC-USDT-SWAP'],
      message: "Wrong URL or channel:candle1s,instId:BTC-USDT-SWAP doesn't exist. Please use the correct URL, channel and parameters referring to API document. (code 60018)",
    });
    const older = '{"event":"error","msg":"channel:tickers,instId:LTC-USD doesn\'t exist","code":"60018"}';
    expect(spot.parse(older)).toMatchObject({ type: 'error', topics: ['tickers:LTC-USD'] });
    // With an id as well, the topic still wins: the request's other args may have been acked.
    expect(spot.parse(`{"id":"7",${real.slice(1)}`)).toMatchObject({ type: 'error', topics: ['candle1s:BTC-USDT-SWAP'] });
  });

  it('64008 announces a service upgrade: the connection is recycled early', () => {
    const notice = '{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a4d3ae55"}';
    expect(spot.parse(notice)).toEqual({ type: 'closing', message: 'The connection will soon be closed for a service upgrade. Please reconnect. (code 64008)' });
  });

  it('unsubscribe acks, login and other events are ignored', () => {
    expect(spot.parse('{"event":"unsubscribe","arg":{"channel":"trades","instId":"BTC-USDT"},"connId":"1"}')).toEqual({ type: 'ignore' });
    expect(spot.parse('{"event":"channel-conn-count","channel":"trades","connCount":"2","connId":"1"}')).toEqual({ type: 'ignore' });
  });

  it('candle bars we never subscribe to (UTC+8 1D) are ignored, not misread', () => {
    const row = '["1597026383085","1","1","1","1","1","1","1","1"]';
    expect(spot.parse(`{"arg":{"channel":"candle1D","instId":"BTC-USDT"},"data":[${row}]}`)).toEqual({ type: 'ignore' });
    expect(events(spot.parse(`{"arg":{"channel":"candle1Dutc","instId":"BTC-USDT"},"data":[${row}]}`))[0]).toMatchObject({ interval: '1d', kline: { closeTime: 1597026383085 + 86_400_000 - 1 } });
  });
});

describe('garbage', () => {
  const { spot, swap } = parsers([swapInstrument('BTC-USDT-SWAP', 0.01)]);

  it('is malformed with a reason, never a throw', () => {
    const cases = [
      'ping',
      '{not json',
      '[]',
      '42',
      '{}',
      '{"event":5}',
      '{"event":"subscribe"}',
      '{"arg":{"channel":"trades","instId":"BTC-USDT"}}',
      '{"arg":{"channel":"trades"},"data":[]}',
      '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"tradeId":"1","px":"x","sz":"1","side":"buy","ts":"1"}]}',
      '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"tradeId":"1","px":"1","sz":"1","side":"up","ts":"1"}]}',
      '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"tradeId":"1","px":"1","sz":"1","side":"buy","ts":"soon"}]}',
      '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[7]}',
      '{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["1","2"]]}',
      '{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["1","1","1","1","1","1","1","1","2"]]}',
      '{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"last":"1"}]}',
      '{"arg":{"channel":"mark-price","instId":"BTC-USDT-SWAP"},"data":[{"markPx":"","ts":"1"}]}',
      '{"arg":{"channel":"funding-rate","instId":"BTC-USDT-SWAP"},"data":[{"fundingRate":"0.1","fundingTime":"x"}]}',
    ];
    for (const text of cases) {
      for (const p of [spot, swap]) {
        const r = p.parse(text);
        expect(r.type, `${text}: ${JSON.stringify(r)}`).toBe('malformed');
        assertValid(r);
      }
    }
  });

  it('never throws, whatever arrives', () => {
    const arbJson = fc.jsonValue().map((v) => JSON.stringify(v));
    const arbPush = fc
      .record({
        arg: fc.record({ channel: fc.constantFrom('trades', 'tickers', 'candle1m', 'candle1H', 'mark-price', 'funding-rate', 'books'), instId: fc.constantFrom('BTC-USDT', 'BTC-USDT-SWAP') }),
        data: fc.array(fc.oneof(fc.array(fc.oneof(fc.string(), fc.constantFrom('1', '0', '1597026383085'))), fc.dictionary(fc.constantFrom('tradeId', 'px', 'sz', 'side', 'ts', 'last', 'markPx', 'fundingRate', 'fundingTime', 'bidSz', 'count'), fc.oneof(fc.string(), fc.constantFrom('1', 'buy', '0.5', ''))))),
      })
      .map((v) => JSON.stringify(v));
    fc.assert(
      fc.property(fc.oneof(fc.string(), arbJson, arbPush), (text) => {
        for (const p of [spot, swap]) assertValid(p.parse(text));
      }),
      { numRuns: 500 },
    );
  });
});

describe('adapter wiring', () => {
  it('useInstruments feeds the SWAP parser its contract sizes', () => {
    const perp = okx.market('perp', okx.defaults.perp!);
    const raw = frame(swapFrames, 'trades');
    expect(perp.ws.parse(raw)).toEqual({ type: 'events', events: [] });
    perp.useInstruments?.([swapInstrument('BTC-USDT-SWAP', 0.01)]);
    const out = events(perp.ws.parse(raw));
    // The held frame and the new one, both converted.
    expect(out.map((e) => e.kind === 'trade' && e.trade.size)).toEqual([0.05, 0.05]);
  });
});

import { describe, expect, it } from 'vitest';
import { bybit } from '../../sidecar/exchanges/bybit';
import { InstrumentSchema, KlineSchema } from '../../sidecar/market/model';

const spot = bybit.market('spot', bybit.defaults.spot!).rest;
const perp = bybit.market('perp', bybit.defaults.perp!).rest;

function params(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

describe('kline requests', () => {
  it('/v5/market/kline with the category, the Bybit interval, start/end and limit ≤ 1000, newest pages', () => {
    const { url } = perp.klines.request({ symbol: 'btcusdt', interval: '1h', startTime: 1670601600000, endTime: 1670608800000, limit: 1000 });
    expect(url.startsWith('https://api.bybit.com/v5/market/kline?')).toBe(true);
    // Exactly the window: the bounds are inclusive on open time, as the pager's.
    expect(params(url)).toEqual({ category: 'linear', symbol: 'BTCUSDT', interval: '60', start: '1670601600000', end: '1670608800000', limit: '1000' });
    expect(perp.klines.maxLimit).toBe(1000);
    expect(perp.klines.pageFrom).toBe('newest');
    expect(spot.klines.pageFrom).toBe('newest');
  });

  it('absent bounds are left out; the limit is capped at 1000', () => {
    const { url } = spot.klines.request({ symbol: 'BTCUSDT', interval: '1d', limit: 1 });
    expect(params(url)).toEqual({ category: 'spot', symbol: 'BTCUSDT', interval: 'D', limit: '1' });
    expect(params(spot.klines.request({ symbol: 'BTCUSDT', interval: '1M', limit: 5000 }).url).limit).toBe('1000');
  });

  it('a base URL with a trailing slash (a local fake) joins cleanly', () => {
    const rest = bybit.market('spot', { ws: '', rest: 'http://127.0.0.1:40000/' }).rest;
    expect(rest.klines.request({ symbol: 'BTCUSDT', interval: '1m', limit: 2 }).url).toBe(
      'http://127.0.0.1:40000/v5/market/kline?category=spot&symbol=BTCUSDT&interval=1&limit=2',
    );
    expect(rest.instruments.request().url).toBe('http://127.0.0.1:40000/v5/market/instruments-info?category=spot');
    expect(perp.instruments.request().url).toBe('https://api.bybit.com/v5/market/instruments-info?category=linear&limit=1000');
  });
});

describe('kline bodies', () => {
  // The response example of docs/v5/market/kline.mdx (bybit-exchange/docs), verbatim: hourly rows,
  // newest first, [startTime, open, high, low, close, volume, turnover] as strings.
  const body = JSON.stringify({
    retCode: 0,
    retMsg: 'OK',
    result: {
      symbol: 'BTCUSD',
      category: 'inverse',
      list: [
        ['1670608800000', '17071', '17073', '17027', '17055.5', '268611', '15.74462667'],
        ['1670605200000', '17071.5', '17071.5', '17061', '17071', '4177', '0.24469757'],
        ['1670601600000', '17086.5', '17088', '16978', '17071.5', '6356', '0.37288112'],
      ],
    },
    retExtInfo: {},
    time: 1672025956592,
  });
  const expected = [
    { openTime: 1670601600000, closeTime: 1670605199999, open: 17086.5, high: 17088, low: 16978, close: 17071.5, volume: 6356, quoteVolume: 0.37288112, closed: true },
    { openTime: 1670605200000, closeTime: 1670608799999, open: 17071.5, high: 17071.5, low: 17061, close: 17071, volume: 4177, quoteVolume: 0.24469757, closed: true },
    { openTime: 1670608800000, closeTime: 1670612399999, open: 17071, high: 17073, low: 17027, close: 17055.5, volume: 268611, quoteVolume: 15.74462667, closed: false },
  ];
  const now = 1670610000000; // inside the newest bar
  const query = { symbol: 'BTCUSDT', interval: '1h', limit: 1000 };

  it('rows become klines sorted ascending; close time from the page interval; closed only once past; no trade count', () => {
    expect(perp.klines.parse(body, now, { ...query, interval: '1h' })).toEqual(expected);
    for (const k of perp.klines.parse(body, now, { ...query, interval: '1h' })) KlineSchema.strict().parse(k);
  });

  it('a lone row (a listing younger than two bars) is sized by the page interval too', () => {
    const one = JSON.stringify({ retCode: 0, retMsg: 'OK', result: { symbol: 'BTCUSDT', category: 'spot', list: [['1730419200000', '1', '1', '1', '1', '1', '1']] } });
    expect(spot.klines.parse(one, 1730419200000 + 1000, { ...query, interval: '1M' })[0]).toMatchObject({ closeTime: Date.UTC(2024, 11, 1) - 1, closed: false });
  });

  it('without the page query the rows cannot be sized: an Error says so', () => {
    expect(() => perp.klines.parse(body, now)).toThrow(/needs the page's query/);
  });

  it('an empty list is no klines; an error answer names Bybit’s message', () => {
    expect(spot.klines.parse(JSON.stringify({ retCode: 0, retMsg: 'OK', result: { symbol: 'BTCUSDT', category: 'spot', list: [] } }), now, query)).toEqual([]);
    expect(() => spot.klines.parse('{"retCode":10001,"retMsg":"Not supported symbols","result":{},"retExtInfo":{},"time":1726147060461}', now, query)).toThrow(
      'klines: Bybit answered Not supported symbols (code 10001)',
    );
    expect(() => spot.klines.parse('<html>', now, query)).toThrow(/not JSON/);
    expect(() => spot.klines.parse('{"retCode":0,"result":{"list":[["x","1","1","1","1","1","1"]]}}', now, query)).toThrow(/row 0: open time/);
    expect(() => spot.klines.parse('{"retCode":0,"result":{"list":[["1","1","1","1","1","1"]]}}', now, query)).toThrow(/row 0/);
  });
});

describe('instruments', () => {
  // The response examples of docs/v5/market/instrument.mdx (bybit-exchange/docs), trimmed to the
  // fields of the documented layout we read, plus a dated future in the same layout.
  const linearBody = JSON.stringify({
    retCode: 0,
    retMsg: 'OK',
    result: {
      category: 'linear',
      list: [
        { symbol: 'BTCUSDT', contractType: 'LinearPerpetual', status: 'Trading', baseCoin: 'BTC', quoteCoin: 'USDT', priceScale: '2', priceFilter: { minPrice: '0.10', maxPrice: '1999999.80', tickSize: '0.10' }, lotSizeFilter: { maxOrderQty: '1190.000', minOrderQty: '0.001', qtyStep: '0.001' }, settleCoin: 'USDT' },
        { symbol: 'BIOUSDT', contractType: 'LinearPerpetual', status: 'PreLaunch', baseCoin: 'BIO', quoteCoin: 'USDT', priceFilter: { tickSize: '0.0001' }, lotSizeFilter: { qtyStep: '1' }, settleCoin: 'USDT' },
        { symbol: 'BTC-26DEC25', contractType: 'LinearFutures', status: 'Trading', baseCoin: 'BTC', quoteCoin: 'USDT', settleCoin: 'USDT' },
        { symbol: 'BTCPERP', contractType: 'LinearPerpetual', status: 'Trading', baseCoin: 'BTC', quoteCoin: 'USDC', settleCoin: 'USDC' },
        { contractType: 'LinearPerpetual' },
      ],
      nextPageCursor: '',
    },
    retExtInfo: {},
    time: 1735809771618,
  });

  it('linear: perpetuals only, unified BASE/QUOTE:SETTLE, tick and qty steps, status mapped', () => {
    const list = perp.instruments.parse(linearBody);
    expect(list).toEqual([
      { exchange: 'bybit', market: 'perp', symbol: 'BTCUSDT', unified: 'BTC/USDT:USDT', base: 'BTC', quote: 'USDT', status: 'trading', tickSize: 0.1, stepSize: 0.001 },
      { exchange: 'bybit', market: 'perp', symbol: 'BIOUSDT', unified: 'BIO/USDT:USDT', base: 'BIO', quote: 'USDT', status: 'halted', tickSize: 0.0001, stepSize: 1 },
      { exchange: 'bybit', market: 'perp', symbol: 'BTCPERP', unified: 'BTC/USDC:USDC', base: 'BTC', quote: 'USDC', status: 'trading' },
    ]);
    for (const i of list) InstrumentSchema.strict().parse(i);
  });

  it('spot: every pair, base precision as the step', () => {
    const body = JSON.stringify({
      retCode: 0,
      retMsg: 'OK',
      result: {
        category: 'spot',
        list: [
          { symbolId: 9, symbol: 'BTCUSDT', baseCoin: 'BTC', quoteCoin: 'USDT', innovation: '0', status: 'Trading', marginTrading: 'utaOnly', stTag: '0', lotSizeFilter: { basePrecision: '0.000001', quotePrecision: '0.0000001', minOrderQty: '0.000011' }, priceFilter: { tickSize: '0.1' }, symbolType: '' },
        ],
      },
      retExtInfo: {},
      time: 1760027412300,
    });
    expect(spot.instruments.parse(body)).toEqual([
      { exchange: 'bybit', market: 'spot', symbol: 'BTCUSDT', unified: 'BTC/USDT', base: 'BTC', quote: 'USDT', status: 'trading', tickSize: 0.1, stepSize: 0.000001 },
    ]);
  });

  it('a body that is not a list is an Error naming what arrived', () => {
    expect(() => spot.instruments.parse('{"retCode":0,"result":{}}')).toThrow(/result\.list/);
    expect(() => spot.instruments.parse('{"retCode":10001,"retMsg":"params error"}')).toThrow('instruments-info: Bybit answered params error (code 10001)');
  });
});

describe('error bodies', () => {
  it('retCode ≠ 0 gives Bybit’s message; success and non-JSON give nothing', () => {
    expect(spot.errorMessage?.('{"retCode":10001,"retMsg":"Invalid period!","result":{},"retExtInfo":{},"time":1762877810221}')).toBe('Invalid period! (code 10001)');
    expect(spot.errorMessage?.('{"retCode":10006,"retMsg":""}')).toBe('request failed (code 10006)');
    expect(spot.errorMessage?.('{"retCode":0,"retMsg":"OK","result":{}}')).toBeUndefined();
    expect(spot.errorMessage?.('Forbidden')).toBeUndefined();
  });
});

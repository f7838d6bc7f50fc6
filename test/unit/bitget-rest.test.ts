import { describe, expect, it } from 'vitest';
import { bitget } from '../../sidecar/exchanges/bitget';
import { granularity } from '../../sidecar/exchanges/bitget/rest';
import { InstrumentSchema, KlineSchema } from '../../sidecar/market/model';

const spot = bitget.market('spot', bitget.defaults.spot!).rest;
const perp = bitget.market('perp', bitget.defaults.perp!).rest;

function query(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

describe('kline requests', () => {
  it('spot: /api/v2/spot/market/candles with the spot granularity spelling', () => {
    const { url } = spot.klines.request({ symbol: 'btcusdt', interval: '1h', startTime: 1695830400000, endTime: 1695841200000, limit: 1000 });
    expect(url.startsWith('https://api.bitget.com/api/v2/spot/market/candles?')).toBe(true);
    // Each bound widened by 1 ms (Bitget does not say whether "after"/"before" include the bound).
    expect(query(url)).toEqual({ symbol: 'BTCUSDT', granularity: '1h', startTime: String(1695830400000 - 1), endTime: '1695841200001', limit: '1000' });
  });

  it('perp: /api/v2/mix/market/candles with productType and the futures spelling', () => {
    const { url } = perp.klines.request({ symbol: 'BTCUSDT', interval: '1h', limit: 200 });
    expect(url.startsWith('https://api.bitget.com/api/v2/mix/market/candles?')).toBe(true);
    expect(query(url)).toEqual({ symbol: 'BTCUSDT', productType: 'USDT-FUTURES', granularity: '1H', limit: '200' });
  });

  it('newest rows of a limited window, at most 1000 per page', () => {
    expect(spot.klines.pageFrom).toBe('newest');
    expect(spot.klines.maxLimit).toBe(1000);
    expect(perp.klines.maxLimit).toBe(1000);
  });

  it('uses the UTC-aligned granularities; an interval without candles is an Error listing the others', () => {
    expect(['1m', '5m', '15m', '30m', '1h', '4h', '6h', '12h', '1d', '1w', '1M'].map((i) => granularity('spot', i))).toEqual([
      '1min', '5min', '15min', '30min', '1h', '4h', '6Hutc', '12Hutc', '1Dutc', '1Wutc', '1Mutc',
    ]);
    expect(['1m', '1h', '4h', '1d', '1M'].map((i) => granularity('perp', i))).toEqual(['1m', '1H', '4H', '1Dutc', '1Mutc']);
    const err = granularity('perp', '2h');
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('"2h"');
    expect((err as Error).message).toContain('1m, 5m');
    expect(() => perp.klines.request({ symbol: 'BTCUSDT', interval: '2h', limit: 10 })).toThrow(/"2h"/);
  });

  it('perp: a window over 90 days (refused by Bitget) is sent without startTime; spot keeps it', () => {
    const endTime = Date.UTC(2024, 5, 1);
    const startTime = endTime - 120 * 86_400_000;
    expect(query(perp.klines.request({ symbol: 'BTCUSDT', interval: '1d', startTime, endTime, limit: 1000 }).url)).toEqual({
      symbol: 'BTCUSDT',
      productType: 'USDT-FUTURES',
      granularity: '1Dutc',
      endTime: String(endTime + 1),
      limit: '1000',
    });
    expect(query(perp.klines.request({ symbol: 'BTCUSDT', interval: '1d', startTime: endTime - 80 * 86_400_000, endTime, limit: 100 }).url).startTime).toBeDefined();
    expect(query(spot.klines.request({ symbol: 'BTCUSDT', interval: '1d', startTime, endTime, limit: 1000 }).url).startTime).toBeDefined();
  });

  it('a page asks for exactly its window and limit', () => {
    const start = Date.UTC(2024, 2, 1);
    const { url } = spot.klines.request({ symbol: 'BTCUSDT', interval: '1M', startTime: start, limit: 3 });
    expect(query(url)).toEqual({ symbol: 'BTCUSDT', granularity: '1Mutc', startTime: String(start - 1), limit: '3' });
  });

  it('a local base URL with a trailing slash joins cleanly', () => {
    const rest = bitget.market('spot', { ws: '', rest: 'http://127.0.0.1:40000/' }).rest;
    expect(rest.klines.request({ symbol: 'BTCUSDT', interval: '1m', limit: 2 }).url).toBe(
      'http://127.0.0.1:40000/api/v2/spot/market/candles?symbol=BTCUSDT&granularity=1min&limit=2',
    );
    expect(rest.instruments.request().url).toBe('http://127.0.0.1:40000/api/v2/spot/public/symbols');
    expect(perp.instruments.request().url).toBe('https://api.bitget.com/api/v2/mix/market/contracts?productType=USDT-FUTURES');
  });
});

describe('kline bodies', () => {
  const page = { symbol: 'BTCUSDT', interval: '1m', limit: 1000 };
  // Futures: the rows of the documented response example (Get-Candle-Data, 5m bars),
  // `[ts, open, high, low, close, baseVol, quoteVol]`, given newest first to check the sort.
  const futuresBody = JSON.stringify({
    code: '00000',
    msg: 'success',
    requestTime: 1695865615662,
    data: [
      ['1695836100000', '26194.5', '26194.5', '26171', '26171', '17.98', '470618.72'],
      ['1695835800000', '26210.5', '26210.5', '26194.5', '26194.5', '26.26', '687897.63'],
    ],
  });

  it('futures rows → klines sorted by open time, quote volume at index 6, sized by the page interval', () => {
    const klines = perp.klines.parse(futuresBody, 1695836100000 + 60_000, { ...page, interval: '5m' });
    expect(klines).toEqual([
      { openTime: 1695835800000, closeTime: 1695836099999, open: 26210.5, high: 26210.5, low: 26194.5, close: 26194.5, volume: 26.26, quoteVolume: 687897.63, closed: true },
      { openTime: 1695836100000, closeTime: 1695836399999, open: 26194.5, high: 26194.5, low: 26171, close: 26171, volume: 17.98, quoteVolume: 470618.72, closed: false },
    ]);
    for (const k of klines) KlineSchema.strict().parse(k);
  });

  // Spot: the documented layout `[ts, open, high, low, close, baseVol, usdtVol, quoteVol]` with
  // values of the documented example (and distinct USDT and quote volumes, to tell them apart).
  const spotBody = JSON.stringify({
    code: '00000',
    msg: 'success',
    requestTime: 1695800278693,
    data: [
      ['1656604800000', '37834.5', '37849.5', '37773.5', '37773.5', '428.3462', '16198849.1079', '16198849.2'],
      ['1656604860000', '37773.5', '37800', '37770', '37790.1', '1.5', '56673.3', '56673.4'],
    ],
  });

  it('spot rows: the quote volume is the LAST item (index 7), not the USDT volume', () => {
    const klines = spot.klines.parse(spotBody, 1656604860000 + 60_000, page);
    expect(klines.map((k) => [k.openTime, k.closeTime, k.volume, k.quoteVolume, k.closed])).toEqual([
      [1656604800000, 1656604859999, 428.3462, 16198849.2, true],
      [1656604860000, 1656604919999, 1.5, 56673.4, true],
    ]);
    expect(klines[0].trades).toBeUndefined();
  });

  it('the bar in progress and the one closing right now are not closed', () => {
    const klines = spot.klines.parse(spotBody, 1656604919999, page);
    expect(klines.map((k) => k.closed)).toEqual([true, false]);
  });

  it('the page interval sizes even a single row; without the page query the rows cannot be sized', () => {
    const one = JSON.stringify({ code: '00000', msg: 'success', requestTime: 1, data: [['1656604800000', '1', '1', '1', '1', '1', '1', '1']] });
    expect(spot.klines.parse(one, 1656604800000 + 3_600_000 - 1, { ...page, interval: '1h' })[0]).toMatchObject({ closeTime: 1656604800000 + 3_600_000 - 1, closed: false });
    expect(() => spot.klines.parse(one, 0)).toThrow(/needs the page's query/);
  });

  it('month rows close at the end of their calendar month', () => {
    const rows = [Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1), Date.UTC(2024, 2, 1)].map((t) => [String(t), '1', '1', '1', '1', '1', '1']);
    const klines = perp.klines.parse(JSON.stringify({ code: '00000', msg: 'success', data: rows }), Date.UTC(2024, 3, 1), { ...page, interval: '1M' });
    expect(klines.map((k) => k.closeTime)).toEqual([Date.UTC(2024, 1, 1) - 1, Date.UTC(2024, 2, 1) - 1, Date.UTC(2024, 3, 1) - 1]);
  });

  it('an empty body (a pair listed moments ago) and an empty list are no rows', () => {
    expect(spot.klines.parse('', 0)).toEqual([]);
    expect(spot.klines.parse('{"code":"00000","msg":"success","data":[]}', 0, page)).toEqual([]);
  });

  it('an error body or a bad row throws an Error naming the problem', () => {
    expect(() => spot.klines.parse('{"code":"40034","msg":"Parameter BTCXUSDT does not exist","data":null}', 0, page)).toThrow(/Parameter BTCXUSDT does not exist \(code 40034\)/);
    expect(() => spot.klines.parse('<html>', 0, page)).toThrow(/not JSON/);
    expect(() => perp.klines.parse('{"code":"00000","data":[["x","1","1","1","1","1","1"]]}', 0, page)).toThrow(/row 0.*item 0/);
    expect(() => spot.klines.parse('{"code":"00000","data":[["1","1","1","1","1","1","1"]]}', 0, page)).toThrow(/at least 8 items/);
  });

  it('errorMessage reads Bitget error bodies, not success envelopes', () => {
    expect(spot.errorMessage?.('{"code":"429","msg":"Too Many Requests","requestTime":1,"data":null}')).toBe('Too Many Requests (code 429)');
    expect(spot.errorMessage?.('{"code":"00000","msg":"success","data":[]}')).toBeUndefined();
    expect(spot.errorMessage?.('not json')).toBeUndefined();
  });
});

describe('instruments', () => {
  it('spot symbols (documented example): status online → trading, precisions → tick and step', () => {
    const body = JSON.stringify({
      code: '00000',
      msg: 'success',
      requestTime: 1744276707885,
      data: [
        { symbol: 'BTCUSDT', baseCoin: 'BTC', quoteCoin: 'USDT', minTradeAmount: '0', pricePrecision: '2', quantityPrecision: '6', quotePrecision: '8', status: 'online' },
        { symbol: 'XYZUSDT', baseCoin: 'XYZ', quoteCoin: 'USDT', pricePrecision: '4', quantityPrecision: '0', status: 'halt' },
        { symbol: 'BROKEN' },
      ],
    });
    const list = spot.instruments.parse(body);
    expect(list).toEqual([
      { exchange: 'bitget', market: 'spot', symbol: 'BTCUSDT', unified: 'BTC/USDT', base: 'BTC', quote: 'USDT', status: 'trading', tickSize: 0.01, stepSize: 0.000001 },
      { exchange: 'bitget', market: 'spot', symbol: 'XYZUSDT', unified: 'XYZ/USDT', base: 'XYZ', quote: 'USDT', status: 'halted', tickSize: 0.0001, stepSize: 1 },
    ]);
    for (const i of list) InstrumentSchema.strict().parse(i);
  });

  it('futures contracts (documented example): perpetuals only, unified BASE/QUOTE:QUOTE, price step and size multiplier', () => {
    const body = JSON.stringify({
      code: '00000',
      msg: 'success',
      requestTime: 1695793701269,
      data: [
        { symbol: 'BTCUSDT', baseCoin: 'BTC', quoteCoin: 'USDT', supportMarginCoins: ['USDT'], priceEndStep: '1', volumePlace: '2', pricePlace: '1', sizeMultiplier: '0.01', symbolType: 'perpetual', symbolStatus: 'normal' },
        { symbol: 'ETHUSDT', baseCoin: 'ETH', quoteCoin: 'USDT', priceEndStep: '5', volumePlace: '2', pricePlace: '2', sizeMultiplier: '0.01', symbolType: 'perpetual', symbolStatus: 'maintain' },
        { symbol: 'BTCUSDT0927', baseCoin: 'BTC', quoteCoin: 'USDT', priceEndStep: '1', volumePlace: '2', pricePlace: '1', sizeMultiplier: '0.01', symbolType: 'delivery', symbolStatus: 'normal' },
      ],
    });
    const list = perp.instruments.parse(body);
    expect(list).toEqual([
      { exchange: 'bitget', market: 'perp', symbol: 'BTCUSDT', unified: 'BTC/USDT:USDT', base: 'BTC', quote: 'USDT', status: 'trading', tickSize: 0.1, stepSize: 0.01 },
      { exchange: 'bitget', market: 'perp', symbol: 'ETHUSDT', unified: 'ETH/USDT:USDT', base: 'ETH', quote: 'USDT', status: 'halted', tickSize: 0.05, stepSize: 0.01 },
    ]);
    for (const i of list) InstrumentSchema.strict().parse(i);
  });

  it('an error envelope throws with its message', () => {
    expect(() => perp.instruments.parse('{"code":"40034","msg":"Parameter usdt-futurez does not exist","data":null}')).toThrow(/usdt-futurez/);
  });
});

import { describe, expect, it } from 'vitest';
import { binance } from '../../sidecar/exchanges/binance';
import { InstrumentSchema, KlineSchema } from '../../sidecar/market/model';

const spot = binance.market('spot', binance.defaults.spot!).rest;
const perp = binance.market('perp', binance.defaults.perp!).rest;

describe('kline requests', () => {
  it('spot: /api/v3/klines, uppercase symbol, inclusive window, oldest rows first, ≤1000', () => {
    const { url } = spot.klines.request({
      symbol: 'keepusdt',
      interval: '1m',
      startTime: 1626992700000,
      endTime: 1626992760000,
      limit: 1000,
    });
    expect(url).toBe(
      'https://api.binance.com/api/v3/klines?symbol=KEEPUSDT&interval=1m&startTime=1626992700000&endTime=1626992760000&limit=1000',
    );
    expect(spot.klines.maxLimit).toBe(1000);
    expect(spot.klines.pageFrom).toBe('oldest');
  });

  it('perp: /fapi/v1/klines, ≤1500; absent bounds are left out', () => {
    const { url } = perp.klines.request({ symbol: 'BTCUSDT', interval: '1M', limit: 1500 });
    expect(url).toBe('https://fapi.binance.com/fapi/v1/klines?symbol=BTCUSDT&interval=1M&limit=1500');
    expect(perp.klines.maxLimit).toBe(1500);
    expect(perp.klines.pageFrom).toBe('oldest');
  });

  it('a base URL with a trailing slash (a local fake) joins cleanly', () => {
    const rest = binance.market('perp', { ws: '', rest: 'http://127.0.0.1:40000/' }).rest;
    expect(rest.klines.request({ symbol: 'BTCUSDT', interval: '1m', limit: 2 }).url).toBe(
      'http://127.0.0.1:40000/fapi/v1/klines?symbol=BTCUSDT&interval=1m&limit=2',
    );
    expect(rest.instruments.request().url).toBe('http://127.0.0.1:40000/fapi/v1/exchangeInfo');
  });
});

describe('kline bodies', () => {
  // Row layout follows the documented format [openTime, open, high, low, close, volume, closeTime,
  // quoteVolume, trades, takerBuyBase, takerBuyQuote, ignore]. Values come from the real KEEPUSDT
  // frames in test/fixtures/binance-usdm.jsonl: the closed 1m kline, and the next minute holding
  // only aggTrade 1211539 (0.2468 × 3218, trade ids 2398360..2398363, taker sell). Rows are given
  // newest first here to check that the parser sorts.
  const body = JSON.stringify([
    [1626992760000, '0.2468', '0.2468', '0.2468', '0.2468', '3218', 1626992819999, '794.2024', 4, '0', '0', '0'],
    [1626992700000, '0.2463', '0.2466', '0.2458', '0.2466', '8464', 1626992759999, '2082.4799', 14, '344', '84.7670', '0'],
  ]);

  it('parses rows into klines sorted by open time; closed only when the close time has passed', () => {
    const now = 1626992767496; // the time of aggTrade 1211539
    const klines = perp.klines.parse(body, now);
    expect(klines).toEqual([
      {
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
      {
        openTime: 1626992760000,
        closeTime: 1626992819999,
        open: 0.2468,
        high: 0.2468,
        low: 0.2468,
        close: 0.2468,
        volume: 3218,
        quoteVolume: 794.2024,
        trades: 4,
        closed: false,
      },
    ]);
    for (const kline of klines) KlineSchema.strict().parse(kline);
  });

  it('a bar is closed from the millisecond after its close time', () => {
    expect(perp.klines.parse(body, 1626992759999)[0].closed).toBe(false);
    expect(perp.klines.parse(body, 1626992760000)[0].closed).toBe(true);
  });

  it('an empty page is an empty list', () => {
    expect(spot.klines.parse('[]', 0)).toEqual([]);
  });

  it('an error body or a bad row throws an Error that says what is wrong', () => {
    expect(() => spot.klines.parse('{"code":-1121,"msg":"Invalid symbol."}', 0)).toThrow('Invalid symbol. (code -1121)');
    expect(() => spot.klines.parse('<html>502</html>', 0)).toThrow('not JSON');
    expect(() => spot.klines.parse('[[1,2,3]]', 0)).toThrow('row 0');
    const badPrice = body.replace('"0.2463"', '"n/a"');
    expect(() => spot.klines.parse(badPrice, 0)).toThrow(/row 1: item 1 should be a decimal/);
    const badTime = body.replace('1626992700000', 'null');
    expect(() => spot.klines.parse(badTime, 0)).toThrow(/row 1: open time/);
  });
});

describe('instruments', () => {
  // exchangeInfo bodies in the documented format (only the fields we read, plus a few we skip).
  const spotInfo = JSON.stringify({
    timezone: 'UTC',
    serverTime: 1626992762004,
    rateLimits: [],
    symbols: [
      {
        symbol: 'BTCUSDT',
        status: 'TRADING',
        baseAsset: 'BTC',
        baseAssetPrecision: 8,
        quoteAsset: 'USDT',
        quotePrecision: 8,
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
          { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
        ],
      },
      { symbol: 'NKNUSDT', status: 'BREAK', baseAsset: 'NKN', quoteAsset: 'USDT', filters: [] },
      { symbol: 'BROKEN', status: 'TRADING', quoteAsset: 'USDT' },
    ],
  });

  const perpInfo = JSON.stringify({
    timezone: 'UTC',
    symbols: [
      {
        symbol: 'BTCUSDT',
        pair: 'BTCUSDT',
        contractType: 'PERPETUAL',
        status: 'TRADING',
        baseAsset: 'BTC',
        quoteAsset: 'USDT',
        marginAsset: 'USDT',
        filters: [
          { filterType: 'PRICE_FILTER', minPrice: '556.80', maxPrice: '4529764', tickSize: '0.10' },
          { filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '1000', stepSize: '0.001' },
          { filterType: 'MARKET_LOT_SIZE', minQty: '0.001', maxQty: '120', stepSize: '0.001' },
        ],
      },
      {
        symbol: 'BTCUSDT_250926',
        pair: 'BTCUSDT',
        contractType: 'CURRENT_QUARTER',
        status: 'TRADING',
        baseAsset: 'BTC',
        quoteAsset: 'USDT',
        marginAsset: 'USDT',
        filters: [],
      },
      {
        symbol: 'ETHUSDC',
        pair: 'ETHUSDC',
        contractType: 'PERPETUAL',
        status: 'PENDING_TRADING',
        baseAsset: 'ETH',
        quoteAsset: 'USDC',
        marginAsset: 'USDC',
        filters: [{ filterType: 'PRICE_FILTER', tickSize: '0.01' }],
      },
    ],
  });

  it('requests exchangeInfo of each market', () => {
    expect(spot.instruments.request().url).toBe('https://api.binance.com/api/v3/exchangeInfo');
    expect(perp.instruments.request().url).toBe('https://fapi.binance.com/fapi/v1/exchangeInfo');
  });

  it('spot: every well-formed symbol, status and filters mapped', () => {
    const list = spot.instruments.parse(spotInfo);
    expect(list).toEqual([
      {
        exchange: 'binance',
        market: 'spot',
        symbol: 'BTCUSDT',
        unified: 'BTC/USDT',
        base: 'BTC',
        quote: 'USDT',
        status: 'trading',
        tickSize: 0.01,
        stepSize: 0.00001,
      },
      {
        exchange: 'binance',
        market: 'spot',
        symbol: 'NKNUSDT',
        unified: 'NKN/USDT',
        base: 'NKN',
        quote: 'USDT',
        status: 'halted',
      },
    ]);
    for (const instrument of list) InstrumentSchema.strict().parse(instrument);
  });

  it('perp: perpetual contracts only, settled in the margin asset', () => {
    expect(perp.instruments.parse(perpInfo)).toEqual([
      {
        exchange: 'binance',
        market: 'perp',
        symbol: 'BTCUSDT',
        unified: 'BTC/USDT:USDT',
        base: 'BTC',
        quote: 'USDT',
        status: 'trading',
        tickSize: 0.1,
        stepSize: 0.001,
      },
      {
        exchange: 'binance',
        market: 'perp',
        symbol: 'ETHUSDC',
        unified: 'ETH/USDC:USDC',
        base: 'ETH',
        quote: 'USDC',
        status: 'halted',
        tickSize: 0.01,
      },
    ]);
  });

  it('a body that is not exchangeInfo throws an Error that says so', () => {
    expect(() => spot.instruments.parse('[]')).toThrow('"symbols"');
    expect(() => perp.instruments.parse('{"code":-1003,"msg":"Too many requests."}')).toThrow(
      'Too many requests. (code -1003)',
    );
  });
});

describe('error bodies', () => {
  it('code and message become one readable line', () => {
    expect(spot.errorMessage?.('{"code":-1121,"msg":"Invalid symbol."}')).toBe('Invalid symbol. (code -1121)');
    expect(perp.errorMessage?.('{"code":-1130,"msg":"Data sent for parameter \'limit\' is not valid."}')).toBe(
      "Data sent for parameter 'limit' is not valid. (code -1130)",
    );
  });

  it('anything else is undefined', () => {
    for (const body of ['', '<html>418</html>', '[]', '{"code":-1}', '{"msg":""}']) {
      expect(spot.errorMessage?.(body), body).toBeUndefined();
    }
  });
});

/**
 * OKX REST: request URLs and response parsing. Response bodies here are built by hand in the
 * layout of the OKX v5 docs ("Get candlesticks", "Get candlesticks history", "Get instruments":
 * `{"code":"0","msg":"","data":[…]}`, candle rows `[ts,o,h,l,c,vol,volCcy,volCcyQuote,confirm]`
 * newest first) — no recorded REST bodies exist in the dossier.
 */
import { describe, expect, it } from 'vitest';
import { klinesRequest, needsHistory, parseInstruments, parseKlines, restProtocol } from '../../sidecar/exchanges/okx/rest';
import type { KlinePageQuery } from '../../sidecar/exchanges/types';

const MIN = 60_000;
const NOW = Date.UTC(2024, 4, 1, 12, 0, 30);
const BASE = 'https://www.okx.com';

function params(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

function path(url: string): string {
  return new URL(url).pathname;
}

const q = (over: Partial<KlinePageQuery>): KlinePageQuery => ({ symbol: 'BTC-USDT', interval: '1m', limit: 300, ...over });

describe('candle requests', () => {
  it('maps inclusive startTime/endTime onto the exclusive before/after exactly', () => {
    const start = NOW - 100 * MIN;
    const end = NOW - 10 * MIN;
    const r = klinesRequest('spot', BASE, q({ startTime: start, endTime: end, limit: 50 }), NOW);
    expect(path(r.url)).toBe('/api/v5/market/candles');
    expect(params(r.url)).toEqual({ instId: 'BTC-USDT', bar: '1m', after: String(end + 1), before: String(start - 1), limit: '50' });
  });

  it('without bounds asks for the latest rows; the bar is OKX spelling; limit is capped at 300', () => {
    const r = klinesRequest('perp', BASE, q({ symbol: 'BTC-USDT-SWAP', interval: '1d', limit: 1000 }), NOW);
    expect(params(r.url)).toEqual({ instId: 'BTC-USDT-SWAP', bar: '1Dutc', limit: '300' });
    expect(params(klinesRequest('spot', BASE, q({ interval: '4h' }), NOW).url).bar).toBe('4H');
  });

  it('an interval OKX lacks is an error naming it', () => {
    expect(() => klinesRequest('spot', BASE, q({ interval: '8h' }), NOW)).toThrow(/"8h"/);
  });

  it('uses history-candles when a page reaches beyond the latest 1440 bars, and for 1s bars', () => {
    // The latest 300 bars: recent.
    expect(needsHistory(q({}), NOW)).toBe(false);
    // Ending 1200 bars ago, 300 bars long: reaches 1500 bars back.
    expect(needsHistory(q({ endTime: NOW - 1200 * MIN }), NOW)).toBe(true);
    // A window starting 1000 bars ago stays within reach; one starting 2000 bars ago does not.
    expect(needsHistory(q({ startTime: NOW - 1000 * MIN, endTime: NOW }), NOW)).toBe(false);
    expect(needsHistory(q({ startTime: NOW - 2000 * MIN, endTime: NOW - 1900 * MIN, limit: 100 }), NOW)).toBe(true);
    // /market/candles has no 1s bars at all.
    expect(needsHistory(q({ interval: '1s', limit: 5 }), NOW)).toBe(true);
    // 1440 months is far more than any listing: months stay on candles.
    expect(needsHistory(q({ interval: '1M', startTime: Date.UTC(2018, 0, 1) }), NOW)).toBe(false);
    const old = klinesRequest('spot', BASE, q({ startTime: Date.UTC(2020, 0, 1), endTime: Date.UTC(2020, 0, 2) }), NOW);
    expect(path(old.url)).toBe('/api/v5/market/history-candles');
  });
});

describe('candle rows', () => {
  const row = (ts: number, vol: string, volCcy: string, quote: string, confirm: string) => [String(ts), '100.5', '101', '99.5', '100', vol, volCcy, quote, confirm];
  const body = (rows: unknown[]) => JSON.stringify({ code: '0', msg: '', data: rows });
  const t0 = NOW - 3 * MIN - 30_000;

  it('newest first → ascending; SPOT volume is vol, quote volume volCcyQuote', () => {
    const rows = [row(t0 + 2 * MIN, '3', '300', '300', '0'), row(t0 + MIN, '2', '200', '200', '1'), row(t0, '1', '100', '100', '1')];
    const klines = parseKlines('spot', body(rows), NOW, q({}));
    expect(klines.map((k) => [k.openTime, k.closeTime, k.volume, k.quoteVolume, k.closed])).toEqual([
      [t0, t0 + MIN - 1, 1, 100, true],
      [t0 + MIN, t0 + 2 * MIN - 1, 2, 200, true],
      [t0 + 2 * MIN, t0 + 3 * MIN - 1, 3, 300, false],
    ]);
    expect(klines[0]).toMatchObject({ open: 100.5, high: 101, low: 99.5, close: 100 });
    expect(klines[0]).not.toHaveProperty('trades');
  });

  it('SWAP volume is volCcy (base), not vol (contracts)', () => {
    const [k] = parseKlines('perp', body([row(t0, '1234', '12.34', '1234000.5', '1')]), NOW, q({}));
    expect([k.volume, k.quoteVolume]).toEqual([12.34, 1234000.5]);
  });

  it('closed needs both: confirm "1" and a close time in the past', () => {
    const past = parseKlines('spot', body([row(t0, '1', '1', '1', '0')]), NOW, q({}));
    expect(past[0].closed).toBe(false);
    const future = parseKlines('spot', body([row(NOW - 10_000, '1', '1', '1', '1')]), NOW, q({}));
    expect(future[0].closed).toBe(false);
  });

  it('an error answer or a bad row throws an Error naming the problem', () => {
    expect(() => parseKlines('spot', '{"code":"51001","msg":"Instrument ID does not exist","data":[]}', NOW, q({}))).toThrow(
      'candles: OKX answered Instrument ID does not exist (code 51001)',
    );
    expect(() => parseKlines('spot', body([['1', '2']]), NOW, q({}))).toThrow(/candles row 0: expected an array of at least 8 items/);
    expect(() => parseKlines('spot', body([row(t0, '1', '1', '1', '2')]), NOW, q({}))).toThrow(/candles row 0: item 8 \(confirm\)/);
    expect(() => parseKlines('spot', '<html>', NOW, q({}))).toThrow(/not JSON/);
    expect(parseKlines('spot', body([]), NOW, q({}))).toEqual([]);
  });
});

describe('bar length of a page (rows carry only their open time)', () => {
  const row = (ts: number) => [String(ts), '1', '1', '1', '1', '1', '1', '1', '1'];
  const body = (times: number[]) => JSON.stringify({ code: '0', msg: '', data: times.map(row) });

  it('comes from the page query, even for a single row', () => {
    const rest = restProtocol('spot', BASE, () => NOW);
    const h = Date.UTC(2024, 4, 1, 10);
    expect(rest.klines.parse(body([h]), NOW, q({ interval: '4h' }))[0].closeTime).toBe(h + 4 * 3_600_000 - 1);
    expect(rest.klines.parse(body([Date.UTC(2024, 1, 1)]), NOW, q({ interval: '1M' }))[0].closeTime).toBe(Date.UTC(2024, 2, 1) - 1);
  });

  it('without the query, an Error says the rows cannot be sized', () => {
    const rest = restProtocol('spot', BASE, () => NOW);
    expect(() => rest.klines.parse(body([Date.UTC(2024, 4, 1, 10)]), NOW)).toThrow(/needs the page's query/);
  });
});

describe('instruments', () => {
  const body = (data: unknown[]) => JSON.stringify({ code: '0', msg: '', data });
  const swapEntry = (over: Record<string, string>) => ({
    instType: 'SWAP',
    instId: 'BTC-USDT-SWAP',
    instFamily: 'BTC-USDT',
    uly: 'BTC-USDT',
    baseCcy: '',
    quoteCcy: '',
    settleCcy: 'USDT',
    ctType: 'linear',
    ctVal: '0.01',
    ctMult: '1',
    ctValCcy: 'BTC',
    tickSz: '0.1',
    lotSz: '0.01',
    minSz: '0.01',
    state: 'live',
    ...over,
  });

  it('SPOT: every pair, live → trading', () => {
    const list = parseInstruments(
      'spot',
      body([
        { instType: 'SPOT', instId: 'BTC-USDT', baseCcy: 'BTC', quoteCcy: 'USDT', settleCcy: '', ctVal: '', tickSz: '0.1', lotSz: '0.00000001', minSz: '0.00001', state: 'live' },
        { instType: 'SPOT', instId: 'ABC-BTC', baseCcy: 'ABC', quoteCcy: 'BTC', tickSz: '0.0000001', lotSz: '1', state: 'suspend' },
        { instType: 'SPOT', instId: '', baseCcy: 'X' },
      ]),
    );
    expect(list).toEqual([
      { exchange: 'okx', market: 'spot', symbol: 'BTC-USDT', unified: 'BTC/USDT', base: 'BTC', quote: 'USDT', status: 'trading', tickSize: 0.1, stepSize: 0.00000001 },
      { exchange: 'okx', market: 'spot', symbol: 'ABC-BTC', unified: 'ABC/BTC', base: 'ABC', quote: 'BTC', status: 'halted', tickSize: 0.0000001, stepSize: 1 },
    ]);
  });

  it('SWAP: only USDT-settled linear contracts; ctVal is the contract size; the lot step in base', () => {
    const list = parseInstruments(
      'perp',
      body([
        swapEntry({}),
        swapEntry({ instId: 'BTC-USD-SWAP', instFamily: 'BTC-USD', settleCcy: 'BTC', ctType: 'inverse', ctVal: '100', ctValCcy: 'USD' }),
        swapEntry({ instId: 'BTC-USDC-SWAP', instFamily: 'BTC-USDC', settleCcy: 'USDC' }),
        swapEntry({ instId: 'ETH-USDT-SWAP', instFamily: 'ETH-USDT', ctVal: '0.1', ctValCcy: 'ETH', tickSz: '0.01', lotSz: '0.01', state: 'preopen' }),
      ]),
    );
    expect(list).toEqual([
      { exchange: 'okx', market: 'perp', symbol: 'BTC-USDT-SWAP', unified: 'BTC/USDT:USDT', base: 'BTC', quote: 'USDT', status: 'trading', contractSize: 0.01, tickSize: 0.1, stepSize: 0.0001 },
      { exchange: 'okx', market: 'perp', symbol: 'ETH-USDT-SWAP', unified: 'ETH/USDT:USDT', base: 'ETH', quote: 'USDT', status: 'halted', contractSize: 0.1, tickSize: 0.01, stepSize: 0.001 },
    ]);
  });

  it('an error answer throws; errorMessage reads OKX error bodies', () => {
    const { errorMessage } = restProtocol('spot', BASE);
    expect(() => parseInstruments('spot', '{"code":"50011","msg":"Too Many Requests","data":[]}')).toThrow('instruments: OKX answered Too Many Requests (code 50011)');
    expect(errorMessage?.('{"code":"51000","msg":"Parameter bar error","data":[]}')).toBe('Parameter bar error (code 51000)');
    expect(errorMessage?.('{"code":"0","msg":"","data":[]}')).toBeUndefined();
    expect(errorMessage?.('gateway timeout')).toBeUndefined();
  });
});

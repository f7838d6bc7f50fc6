import { describe, expect, it } from 'vitest';
import { defaultsByBase, pairAssets, unitStep } from '../../sidecar/fake/listing';
import { integerParams } from '../../sidecar/fake/query';
import { formatUnits, toFixedDecimals, trimZeros } from '../../sidecar/market/decimal';
import { barClose, barOpen, nextOpen, opensBefore, parseInterval, simInterval, type SimInterval } from '../../sidecar/fake/interval';
import { createMarketSim, type SimTrade } from '../../sidecar/fake/market-sim';
import { bookTop, markInfo, rollingStats } from '../../sidecar/fake/quotes';

const MIN = 60_000;
/** A fixed "now" in the middle of a minute, so the last bar is forming. */
const NOW = Date.UTC(2024, 0, 10, 12, 30, 15, 250);
const clock = () => NOW;

function iv(name: string): SimInterval {
  const parsed = parseInterval(name);
  if (parsed instanceof Error) throw parsed;
  return parsed;
}

function sim(seed: number | string = 7, extra: Partial<Parameters<typeof createMarketSim>[0]> = {}) {
  return createMarketSim({
    symbols: ['BTCUSDT', 'ETHUSDT', 'XYZUSDT', { symbol: 'QUIETUSDT', quiet: 0.6, tradeRate: 0.5 }],
    seed,
    clock,
    historyMs: 6 * 3_600_000,
    ...extra,
  });
}

/** Exact decimal → scaled BigInt (the strings carry exactly `scale` decimals). */
function units(text: string, scale: number): bigint {
  const [i, f = ''] = text.split('.');
  return BigInt(i + f.padEnd(scale, '0'));
}

/** Builds bars the slow, obvious way: from the trade list. */
function barFromTrades(trades: SimTrade[], pd: number, sd: number) {
  let volume = 0n;
  let quote = 0n;
  let buyVolume = 0n;
  let buyQuote = 0n;
  for (const t of trades) {
    const p = units(t.price, pd);
    const s = units(t.size, sd);
    volume += s;
    quote += p * s;
    if (t.side === 'buy') {
      buyVolume += s;
      buyQuote += p * s;
    }
  }
  const prices = trades.map((t) => t.priceUnits);
  return {
    open: trades[0].price,
    high: formatUnits(Math.max(...prices), pd),
    low: formatUnits(Math.min(...prices), pd),
    close: trades[trades.length - 1].price,
    volume: formatUnits(volume, sd),
    quoteVolume: formatUnits(quote, pd + sd),
    takerBuyVolume: formatUnits(buyVolume, sd),
    takerBuyQuoteVolume: formatUnits(buyQuote, pd + sd),
    trades: trades.length,
    firstTradeId: trades[0].id,
    lastTradeId: trades[trades.length - 1].id,
  };
}

describe('market simulator', () => {
  it('is deterministic: same seed, same trades; another seed, other trades', () => {
    const a = sim(7).trades('BTCUSDT', NOW - 5 * MIN, NOW);
    const b = sim(7).trades('BTCUSDT', NOW - 5 * MIN, NOW);
    const c = sim(8).trades('BTCUSDT', NOW - 5 * MIN, NOW);
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
    expect(c.map((t) => t.price)).not.toEqual(a.map((t) => t.price));
  });

  it('computes trades as a pure function of time: any split of a window gives the same trades', () => {
    const s = sim();
    const whole = s.trades('ETHUSDT', NOW - 3 * MIN, NOW - MIN);
    const parts = [
      ...s.trades('ETHUSDT', NOW - 3 * MIN, NOW - 2 * MIN - 1),
      ...s.trades('ETHUSDT', NOW - 2 * MIN, NOW - 90_001),
      ...s.trades('ETHUSDT', NOW - 90_000, NOW - MIN),
    ];
    expect(parts).toEqual(whole);
    // Ids and times increase; sides and decimals are well formed.
    for (let i = 1; i < whole.length; i++) {
      expect(whole[i].id).toBeGreaterThan(whole[i - 1].id);
      expect(whole[i].time).toBeGreaterThanOrEqual(whole[i - 1].time);
    }
    expect(whole.every((t) => /^\d+\.\d{2}$/.test(t.price) && /^\d+\.\d{4}$/.test(t.size))).toBe(true);
    expect(new Set(whole.map((t) => t.side))).toEqual(new Set(['buy', 'sell']));
  });

  it('never shows a trade after now, nor before the history start', () => {
    const s = sim();
    expect(s.trades('BTCUSDT', NOW - 1000, NOW + 60_000).every((t) => t.time <= NOW)).toBe(true);
    expect(s.trades('BTCUSDT', 0, s.historyStart - 1)).toEqual([]);
    expect(s.trades('BTCUSDT', s.historyStart, s.historyStart + MIN).length).toBeGreaterThan(0);
  });

  it('keeps prices realistic and positive', () => {
    const s = sim();
    const btc = s.klines('BTCUSDT', '1h', 0, NOW);
    const eth = s.klines('ETHUSDT', '1h', 0, NOW);
    const other = s.klines('XYZUSDT', '1h', 0, NOW);
    for (const k of btc) expect(Number(k.low)).toBeGreaterThan(40_000), expect(Number(k.high)).toBeLessThan(90_000);
    for (const k of eth) expect(Number(k.low)).toBeGreaterThan(2_000), expect(Number(k.high)).toBeLessThan(4_500);
    for (const k of other) expect(Number(k.low)).toBeGreaterThan(60), expect(Number(k.high)).toBeLessThan(160);
  });

  it('builds each kline from exactly its trades, with exact decimal sums', () => {
    const s = sim();
    const open = barOpen(iv('1m'), NOW) - 10 * MIN;
    for (const [symbol, pd, sd] of [
      ['BTCUSDT', 2, 5],
      ['ETHUSDT', 2, 4],
      ['XYZUSDT', 4, 2],
    ] as const) {
      const bars = s.klines(symbol, '1m', open, open + 2 * MIN);
      expect(bars.map((b) => b.openTime)).toEqual([open, open + MIN, open + 2 * MIN]);
      for (const bar of bars) {
        const trades = s.trades(symbol, bar.openTime, bar.closeTime);
        expect(bar).toMatchObject(barFromTrades(trades, pd, sd));
        expect(bar.closeTime).toBe(bar.openTime + MIN - 1);
        expect(bar.closed).toBe(true);
      }
    }
  });

  it('keeps intervals consistent: a 5m bar aggregates its five 1m bars', () => {
    const s = sim();
    const five = s.klines('BTCUSDT', '5m', NOW - 60 * MIN, NOW - 10 * MIN);
    expect(five.length).toBeGreaterThanOrEqual(9);
    for (const bar of five) {
      const ones = s.klines('BTCUSDT', '1m', bar.openTime, bar.openTime + 4 * MIN);
      expect(ones).toHaveLength(5);
      expect(bar.open).toBe(ones[0].open);
      expect(bar.close).toBe(ones[4].close);
      expect(Number(bar.high)).toBe(Math.max(...ones.map((o) => Number(o.high))));
      expect(Number(bar.low)).toBe(Math.min(...ones.map((o) => Number(o.low))));
      expect(bar.trades).toBe(ones.reduce((n, o) => n + o.trades, 0));
      expect(units(bar.volume, 5)).toBe(ones.reduce((n, o) => n + units(o.volume, 5), 0n));
      expect(units(bar.quoteVolume, 7)).toBe(ones.reduce((n, o) => n + units(o.quoteVolume, 7), 0n));
      expect(bar.firstTradeId).toBe(ones[0].firstTradeId);
      expect(bar.lastTradeId).toBe(ones[4].lastTradeId);
    }
  });

  it('gives flat zero-volume bars at the previous close for quiet minutes', () => {
    const s = sim();
    const bars = s.klines('QUIETUSDT', '1m', NOW - 120 * MIN, NOW - MIN);
    const flat = bars.filter((b) => b.trades === 0);
    expect(flat.length).toBeGreaterThan(20);
    expect(bars.some((b) => b.trades > 0)).toBe(true);
    for (let i = 1; i < bars.length; i++) {
      const b = bars[i];
      if (b.trades > 0) continue;
      expect([b.open, b.high, b.low]).toEqual([b.close, b.close, b.close]);
      expect(b.close).toBe(bars[i - 1].close);
      expect(Number(b.volume)).toBe(0);
      expect(Number(b.quoteVolume)).toBe(0);
      expect([b.firstTradeId, b.lastTradeId]).toEqual([-1, -1]);
    }
    // A flat bar asked for alone finds the same previous close by searching back.
    const lone = flat[flat.length - 1];
    expect(s.klines('QUIETUSDT', '1m', lone.openTime, lone.openTime)[0]).toEqual(lone);
  });

  it('marks only bars whose close time has passed as closed; the forming bar stops at now', () => {
    const s = sim();
    const bars = s.klines('BTCUSDT', '1m', barOpen(iv('1m'), NOW) - 3 * MIN, NOW + 10 * MIN);
    expect(bars).toHaveLength(4);
    const forming = bars[3];
    expect(forming.openTime).toBe(Date.UTC(2024, 0, 10, 12, 30));
    expect(forming.closed).toBe(false);
    expect(bars.slice(0, 3).every((b) => b.closed)).toBe(true);
    expect(forming.trades).toBe(s.trades('BTCUSDT', forming.openTime, forming.closeTime).length);
    expect(s.klineAt('BTCUSDT', '1m', NOW)).toEqual(forming);
  });

  it('pages like an exchange REST API: oldest first, bounded by open times and limit', () => {
    const s = sim();
    const last = barOpen(iv('1m'), NOW);
    const latest = s.page('BTCUSDT', '1m', { limit: 5, pageFrom: 'oldest' });
    expect(latest.map((k) => k.openTime)).toEqual([4, 3, 2, 1, 0].map((i) => last - i * MIN));
    const fromStart = s.page('BTCUSDT', '1m', { startTime: last - 100 * MIN + 1, limit: 3, pageFrom: 'oldest' });
    expect(fromStart.map((k) => k.openTime)).toEqual([last - 99 * MIN, last - 98 * MIN, last - 97 * MIN]);
    const toEnd = s.page('BTCUSDT', '1m', { endTime: last - 50 * MIN, limit: 2, pageFrom: 'oldest' });
    expect(toEnd.map((k) => k.openTime)).toEqual([last - 51 * MIN, last - 50 * MIN]);
    const both = s.page('BTCUSDT', '1m', { startTime: last - 10 * MIN, endTime: last - 8 * MIN, limit: 100, pageFrom: 'oldest' });
    expect(both.map((k) => k.openTime)).toEqual([last - 10 * MIN, last - 9 * MIN, last - 8 * MIN]);
    const newest = s.page('BTCUSDT', '1m', { startTime: last - 10 * MIN, endTime: last - 5 * MIN, limit: 2, pageFrom: 'newest' });
    expect(newest.map((k) => k.openTime)).toEqual([last - 6 * MIN, last - 5 * MIN]);
    // Nothing before the history start, nothing after now.
    const all = s.page('BTCUSDT', '1m', { startTime: 0, limit: 1000, pageFrom: 'oldest' });
    expect(all[0].openTime).toBe(s.historyStart);
    expect(all[all.length - 1].openTime).toBe(last);
    expect(s.page('BTCUSDT', '1m', { startTime: NOW + MIN, limit: 10, pageFrom: 'oldest' })).toEqual([]);
  });

  it('serves 1000 one-minute bars from a two-day history', () => {
    const s = createMarketSim({ symbols: ['BTCUSDT'], seed: 1, clock });
    const page = s.page('BTCUSDT', '1m', { limit: 1000, pageFrom: 'oldest' });
    expect(page).toHaveLength(1000);
    for (let i = 1; i < page.length; i++) expect(page[i].openTime - page[i - 1].openTime).toBe(MIN);
  });

  it('aligns calendar intervals: weeks on Monday, months on the 1st (UTC)', () => {
    const week = iv('1w');
    const month = iv('1M');
    expect(new Date(barOpen(week, NOW)).toISOString()).toBe('2024-01-08T00:00:00.000Z');
    expect(new Date(barOpen(month, NOW)).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(new Date(nextOpen(month, Date.UTC(2024, 1, 1))).toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(barClose(month, Date.UTC(2024, 1, 1))).toBe(Date.UTC(2024, 2, 1) - 1);
    expect(parseInterval('1x')).toBeInstanceOf(Error);
    expect(parseInterval('0m')).toBeInstanceOf(Error);
    const s = sim();
    const [m] = s.klines('BTCUSDT', '1M', Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1));
    const [d] = s.klines('BTCUSDT', '1d', Date.UTC(2024, 0, 10), Date.UTC(2024, 0, 10));
    // The history began today, so this month's bar holds exactly today's trades so far.
    expect(m.trades).toBe(d.trades);
    expect(m.volume).toBe(d.volume);
    expect(m.closed).toBe(false);
  });

  it('aligns bars to another time zone: UTC+8 days open at 16:00 UTC, weeks on Sunday 16:00 UTC', () => {
    const utc8 = 8 * 3_600_000;
    const iso = (t: number) => new Date(t).toISOString();
    expect(iso(barOpen(simInterval('1d', utc8), NOW))).toBe('2024-01-09T16:00:00.000Z');
    expect(iso(barOpen(simInterval('1w', utc8), NOW))).toBe('2024-01-07T16:00:00.000Z');
    expect(iso(barOpen(simInterval('6h', utc8), NOW))).toBe('2024-01-10T10:00:00.000Z');
    expect(iso(barOpen(simInterval('1M', utc8), NOW))).toBe('2023-12-31T16:00:00.000Z');
    expect(iso(nextOpen(simInterval('1M', utc8), Date.UTC(2023, 11, 31, 16)))).toBe('2024-01-31T16:00:00.000Z');
    expect(barClose(simInterval('1d', utc8), Date.UTC(2024, 0, 9, 16))).toBe(Date.UTC(2024, 0, 10, 16) - 1);
  });

  it('counts bars back from an open, fixed and calendar alike', () => {
    expect(opensBefore(iv('1m'), NOW - (NOW % MIN), 3)).toBe(NOW - (NOW % MIN) - 3 * MIN);
    expect(opensBefore(iv('1M'), Date.UTC(2024, 0, 1), 2)).toBe(Date.UTC(2023, 10, 1));
    expect(opensBefore(iv('1M'), Date.UTC(2024, 0, 1), 0)).toBe(Date.UTC(2024, 0, 1));
  });

  it('derives quotes that follow the trades', () => {
    const s = sim();
    const last = s.trades('BTCUSDT', NOW - 5_000, NOW).pop() as SimTrade;
    const book = bookTop(s, 'BTCUSDT', NOW);
    expect(Number(book.bid)).toBeLessThanOrEqual(Number(last.price));
    expect(Number(book.ask)).toBeGreaterThanOrEqual(Number(last.price));
    expect(Number(book.ask)).toBeGreaterThan(Number(book.bid));
    const mark = markInfo(s, 'BTCUSDT', NOW);
    expect(Math.abs(Number(mark.markPrice) / Number(last.price) - 1)).toBeLessThan(0.001);
    expect(mark.nextFundingTime).toBe(Date.UTC(2024, 0, 10, 16));
    const stats = rollingStats(s, 'BTCUSDT', NOW, 10 * MIN);
    expect(stats.close).toBe(last.price);
    expect(stats.trades).toBe(s.trades('BTCUSDT', NOW - 10 * MIN + 1, NOW).length);
  });

  it('caches without changing results', () => {
    const s = sim(3, { cacheSize: 10 });
    const first = s.klines('ETHUSDT', '15m', NOW - 3 * 3_600_000, NOW);
    const again = s.klines('ETHUSDT', '15m', NOW - 3 * 3_600_000, NOW);
    const fresh = sim(3).klines('ETHUSDT', '15m', NOW - 3 * 3_600_000, NOW);
    expect(again).toEqual(first);
    expect(fresh).toEqual(first);
  });

  it('rejects a symbol it does not simulate with a message naming it', () => {
    expect(() => sim().trades('NOPE', 0, NOW)).toThrow(/NOPE.*BTCUSDT/);
  });
});

describe('decimal formatting', () => {
  it('formats scaled integers and re-expresses decimals exactly', () => {
    expect(formatUnits(123456, 2)).toBe('1234.56');
    expect(formatUnits(5n, 3)).toBe('0.005');
    expect(formatUnits(-5, 2)).toBe('-0.05');
    expect(formatUnits(42, 0)).toBe('42');
    expect(toFixedDecimals('0.3528', 8)).toBe('0.35280000');
    expect(toFixedDecimals('58', 8)).toBe('58.00000000');
    expect(toFixedDecimals('1.234567895', 8)).toBe('1.23456790');
    expect(toFixedDecimals('1.234567894', 8)).toBe('1.23456789');
    expect(['16980.50', '2.000', '42', '-0.00', '0.0100'].map(trimZeros)).toEqual(['16980.5', '2', '42', '0', '0.01']);
  });
});

describe('listing helpers', () => {
  const spec = (symbol: string, extra: Partial<{ base: string; quote: string }> = {}) => ({ ...sim().symbols()[0], symbol, ...extra });

  it('reads base and quote from joined or dashed spellings unless configured', () => {
    expect(pairAssets(spec('BTCUSDT'))).toEqual({ base: 'BTC', quote: 'USDT' });
    expect(pairAssets(spec('ETHFDUSD'))).toEqual({ base: 'ETH', quote: 'FDUSD' });
    expect(pairAssets(spec('BTC-USDT-SWAP'))).toEqual({ base: 'BTC', quote: 'USDT' });
    expect(pairAssets(spec('XYZ', { base: 'X', quote: 'YZ' }))).toEqual({ base: 'X', quote: 'YZ' });
  });

  it('prints steps and picks defaults by base asset', () => {
    expect([0, 1, 4].map(unitStep)).toEqual(['1', '0.1', '0.0001']);
    const defaults = defaultsByBase({ BTC: { priceDecimals: 1 } }, { priceDecimals: 4 });
    expect([defaults('BTC-USDT-SWAP'), defaults('ETHUSDT')]).toEqual([{ priceDecimals: 1 }, { priceDecimals: 4 }]);
  });

  it('reads integer query parameters, naming the first bad one', () => {
    expect(integerParams(new URLSearchParams('start=5&limit=&end=7'), ['start', 'end', 'limit'])).toEqual({ start: 5, end: 7 });
    expect(integerParams(new URLSearchParams('start=5&end=x'), ['start', 'end'])).toBe('end');
    expect(integerParams(new URLSearchParams('limit=123'), ['limit'], 2)).toBe('limit');
  });
});

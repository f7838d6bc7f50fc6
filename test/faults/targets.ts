/**
 * The exchange-markets the fault matrix runs against: every registered exchange-market that has a
 * fake, with the kline series each one is checked on. Per-exchange differences are capabilities
 * read from the adapter (does it stream 1s klines natively?), never special cases.
 */
import { exchanges } from '../../sidecar/exchanges/registry';
import { FAKE_PROTOCOLS } from '../../sidecar/fake';
import type { KlineSource, Market } from '../../sidecar/market/model';

export interface Target {
  exchange: string;
  market: Market;
  /** `binance spot` */
  name: string;
  /** The adapter's native kline intervals. */
  intervals: readonly string[];
}

/** One kline series subscribed on every target and compared with the fake's ground truth. */
export interface SeriesSpec {
  /** Column label: `1m`, `1m trades`, `1s`. */
  label: string;
  interval: string;
  klineSource: KlineSource;
  /** Index into the fake's simulated symbols (0 = main, 1 = second). */
  symbolIndex: number;
}

const MARKETS: Market[] = ['spot', 'perp'];

/** Every exchange-market with a fake, in registry order; `only` filters by exchange id or `id:market`. */
export function faultTargets(only?: readonly string[]): Target[] {
  const wanted = only?.map((s) => s.trim().toLowerCase()).filter(Boolean);
  const out: Target[] = [];
  for (const ex of exchanges) {
    const fake = FAKE_PROTOCOLS[ex.id];
    if (!fake) continue;
    for (const market of MARKETS) {
      const urls = ex.defaults[market];
      if (!urls || !fake.markets[market]) continue;
      if (wanted?.length && !wanted.includes(ex.id) && !wanted.includes(`${ex.id}:${market}`)) continue;
      out.push({ exchange: ex.id, market, name: `${ex.id} ${market}`, intervals: ex.market(market, urls).intervals });
    }
  }
  return out;
}

/** 1m exchange klines and 1m trade-built klines everywhere, plus 1s where the exchange streams it. */
export function baseSeries(t: Target): SeriesSpec[] {
  const series: SeriesSpec[] = [
    { label: '1m', interval: '1m', klineSource: 'exchange', symbolIndex: 0 },
    { label: '1m trades', interval: '1m', klineSource: 'trades', symbolIndex: 0 },
  ];
  if (t.intervals.includes('1s')) series.push({ label: '1s', interval: '1s', klineSource: 'exchange', symbolIndex: 0 });
  return series;
}

/** `exchange:market`, the key targets are indexed by. */
export function targetKey(t: { exchange: string; market: Market }): string {
  return `${t.exchange}:${t.market}`;
}

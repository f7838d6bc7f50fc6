/**
 * Real documents the fuzz targets mutate: every recorded exchange frame in test/fixtures, and REST
 * bodies (instrument lists, kline pages) fetched once from the fake exchanges, which serve each
 * exchange's real REST layout. Generic: every registered exchange that has a fake is covered.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { exchanges } from '../../sidecar/exchanges/registry';
import type { KlinePageQuery, MarketAdapter } from '../../sidecar/exchanges/types';
import { FAKE_PROTOCOLS, startFakeExchanges } from '../../sidecar/fake';
import { HttpError, httpGet } from '../../sidecar/feed/http';
import type { Instrument, Market } from '../../sidecar/market/model';

const FIXTURES = resolve(__dirname, '../fixtures');

/** The `raw` frame of every line of every fixture file (all exchanges: a parser must survive the others' frames too). */
export function fixtureFrameTexts(): string[] {
  const out: string[] = [];
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(resolve(FIXTURES, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const raw = (JSON.parse(line) as { raw?: unknown }).raw;
      if (typeof raw === 'string') out.push(raw);
    }
  }
  return out;
}

/** Exchange-markets of the registry, as `<exchange>:<market>` with their adapter on the production URLs. */
export function registryMarkets(): Array<{ name: string; exchange: string; market: Market; adapter: MarketAdapter }> {
  const out: Array<{ name: string; exchange: string; market: Market; adapter: MarketAdapter }> = [];
  for (const ex of exchanges) {
    for (const market of ['spot', 'perp'] as Market[]) {
      const urls = ex.defaults[market];
      if (urls) out.push({ name: `${ex.id}:${market}`, exchange: ex.id, market, adapter: ex.market(market, urls) });
    }
  }
  return out;
}

export interface RestSeeds {
  /** `<exchange>:<market>` → instrument list bodies. */
  instruments: Map<string, string[]>;
  /** `<exchange>:<market>` → kline page bodies with the query each answers. */
  klines: Map<string, Array<{ body: string; query: KlinePageQuery }>>;
  /** `<exchange>:<market>` → the parsed instruments (for adapters that need them to parse frames). */
  parsedInstruments: Map<string, Instrument[]>;
}

let cached: Promise<RestSeeds> | undefined;

/** Fetches REST bodies from fake exchanges once per process (a second or so); later calls share it. */
export function restSeeds(): Promise<RestSeeds> {
  cached ??= fetchRestSeeds();
  return cached;
}

async function fetchRestSeeds(): Promise<RestSeeds> {
  const seeds: RestSeeds = { instruments: new Map(), klines: new Map(), parsedInstruments: new Map() };
  const faked = exchanges.filter((e) => FAKE_PROTOCOLS[e.id]);
  const fakes = await startFakeExchanges({ exchanges: faked.map((e) => ({ protocol: e.id })), seed: 3 });
  try {
    for (const ex of faked) {
      for (const market of ['spot', 'perp'] as Market[]) {
        if (!ex.defaults[market] || !FAKE_PROTOCOLS[ex.id].markets[market]) continue;
        const name = `${ex.id}:${market}`;
        const adapter = ex.market(market, fakes.url(ex.id, market));
        const get = async (url: string): Promise<string | undefined> => {
          const r = await httpGet(url, { timeoutMs: 5000 });
          return r instanceof HttpError || r.status !== 200 ? undefined : r.body;
        };
        const list = await get(adapter.rest.instruments.request().url);
        if (list !== undefined) {
          seeds.instruments.set(name, [list]);
          try {
            seeds.parsedInstruments.set(name, adapter.rest.instruments.parse(list));
          } catch {
            // a seed the adapter cannot read is still a seed
          }
        }
        const symbol = fakes.server(ex.id, market).sim.symbols()[0].symbol;
        const now = Date.now();
        const pages: KlinePageQuery[] = [
          { symbol, interval: '1m', limit: 5 },
          { symbol, interval: '1h', limit: 3, endTime: now },
          { symbol, interval: '1m', limit: 4, startTime: now - 10 * 60_000, endTime: now },
        ];
        const bodies: Array<{ body: string; query: KlinePageQuery }> = [];
        for (const query of pages) {
          const body = await get(adapter.rest.klines.request(query).url);
          if (body !== undefined) bodies.push({ body, query });
        }
        seeds.klines.set(name, bodies);
      }
    }
  } finally {
    await fakes.close();
  }
  return seeds;
}

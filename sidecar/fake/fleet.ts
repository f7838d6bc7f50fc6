/**
 * Starts a set of fake exchanges — one server per exchange-market, so a fault can target one —
 * and tells the sidecar where they are (config overrides or a TOML snippet).
 */
import type { Kline, Market } from '../market/model';
import { createMarketSim, type SymbolSpec } from './market-sim';
import type { FakeProtocol, PushKind } from './protocol';
import { fakeProtocol } from './protocols';
import { type FakeExchangeServer, type FakeServerOptions, startFakeExchangeServer } from './server';

type SymbolList = ReadonlyArray<string | SymbolSpec>;

export interface FakeExchangeSpec {
  /** An exchange id from the fake registry (protocols.ts) or a FakeProtocol object. */
  protocol: string | FakeProtocol;
  /** Markets to serve (default: every market the protocol has). */
  markets?: Market[];
  /** Symbols in native spelling, for every market or per market (default: the protocol's). */
  symbols?: SymbolList | Partial<Record<Market, SymbolList>>;
}

export interface FakeExchangesOptions {
  exchanges: FakeExchangeSpec[];
  /** Same seed → same markets everywhere (default 1). */
  seed?: number | string;
  /** Mean trades per second per symbol (default 2). */
  tradeRate?: number;
  /** Kline push cadence for every kline stream (default: each protocol's own cadence). */
  klinePushMs?: number;
  /** Other push cadence overrides (ticker, bookTicker, markPrice, kline). */
  pushMs?: Partial<Record<PushKind, number>>;
  /** Injectable clock for market data (heartbeats always use real time). */
  clock?: () => number;
  /** How much history REST can serve (default 2 days). */
  historyMs?: number;
  heartbeat?: FakeServerOptions['heartbeat'];
  tickMs?: number;
  enforceRateLimit?: boolean;
  maxCatchUpMs?: number;
  /** Hard connection lifetime every server enforces (see FakeServerOptions.lifetimeMs). */
  lifetimeMs?: number;
}

export type FakeUrlOverrides = Record<
  string,
  { enabled: boolean; spot_ws_url: string; spot_rest_url: string; perpetual_ws_url: string; perpetual_rest_url: string }
>;

export interface FakeExchanges {
  /** Every started server. */
  readonly servers: FakeExchangeServer[];
  /** The server of one exchange-market; throws when it was not started. */
  server(exchange: string, market: Market): FakeExchangeServer;
  /** Base URLs of one exchange-market. */
  url(exchange: string, market: Market): { ws: string; rest: string };
  /** `{ exchanges: { <id>: { enabled, spot_ws_url, … } } }`; markets not started get "" (disabled). */
  configOverrides(): { exchanges: FakeUrlOverrides };
  /** The same as a TOML document for a config file. */
  configToml(): string;
  /** Closed ground-truth klines of one exchange-market (normalized model numbers). */
  groundTruth(exchange: string, market: Market, symbol: string, interval: string, fromOpen: number, toOpen: number): Kline[];
  /** Closes every server. */
  close(): Promise<void>;
}

/** Starts one fake server per (exchange, market) and resolves once all listen. */
export async function startFakeExchanges(options: FakeExchangesOptions): Promise<FakeExchanges> {
  const servers: FakeExchangeServer[] = [];
  try {
    for (const spec of options.exchanges) {
      const protocol = typeof spec.protocol === 'string' ? fakeProtocol(spec.protocol) : spec.protocol;
      if (protocol instanceof Error) throw protocol;
      const markets = spec.markets ?? (Object.keys(protocol.markets) as Market[]);
      for (const market of markets) {
        const mp = protocol.markets[market];
        if (!mp) throw new Error(`fake exchange "${protocol.id}" has no ${market} market; it has: ${Object.keys(protocol.markets).join(', ')}`);
        const list = symbolsFor(spec.symbols, market) ?? mp.defaultSymbols;
        const symbols = list.map((s) => {
          const given = typeof s === 'string' ? { symbol: s } : s;
          return { ...mp.symbolDefaults?.(given.symbol), ...given };
        });
        const sim = createMarketSim({
          symbols,
          seed: options.seed,
          salt: `${protocol.id}:${market}`,
          tradeRate: options.tradeRate,
          clock: options.clock,
          historyMs: options.historyMs,
        });
        servers.push(
          await startFakeExchangeServer({
            exchange: protocol.id,
            market,
            protocol: mp,
            sim,
            tickMs: options.tickMs,
            pushMs: { ...options.pushMs, ...(options.klinePushMs !== undefined ? { kline: options.klinePushMs } : {}) },
            heartbeat: options.heartbeat,
            enforceRateLimit: options.enforceRateLimit,
            maxCatchUpMs: options.maxCatchUpMs,
            lifetimeMs: options.lifetimeMs,
          }),
        );
      }
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }

  const server = (exchange: string, market: Market): FakeExchangeServer => {
    const found = servers.find((s) => s.exchange === exchange && s.market === market);
    if (!found) {
      const started = servers.map((s) => `${s.exchange}:${s.market}`).join(', ');
      throw new Error(`no fake server for ${exchange}:${market}; started: ${started}`);
    }
    return found;
  };

  const configOverrides = (): { exchanges: FakeUrlOverrides } => {
    const exchanges: FakeUrlOverrides = {};
    for (const s of servers) {
      const entry = (exchanges[s.exchange] ??= { enabled: true, spot_ws_url: '', spot_rest_url: '', perpetual_ws_url: '', perpetual_rest_url: '' });
      const prefix = s.market === 'spot' ? 'spot' : 'perpetual';
      entry[`${prefix}_ws_url`] = s.urls.ws;
      entry[`${prefix}_rest_url`] = s.urls.rest;
    }
    return { exchanges };
  };

  return {
    servers,
    server,
    url: (exchange, market) => server(exchange, market).urls,
    configOverrides,
    configToml: () => toToml(configOverrides().exchanges),
    groundTruth: (exchange, market, symbol, interval, fromOpen, toOpen) => server(exchange, market).groundTruth(symbol, interval, fromOpen, toOpen),
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

function symbolsFor(symbols: FakeExchangeSpec['symbols'], market: Market): SymbolList | undefined {
  if (symbols === undefined) return undefined;
  if (Array.isArray(symbols)) return symbols as SymbolList;
  return (symbols as Partial<Record<Market, SymbolList>>)[market];
}

function toToml(exchanges: FakeUrlOverrides): string {
  const lines: string[] = [];
  for (const [id, entry] of Object.entries(exchanges)) {
    lines.push(`[exchanges.${id}]`);
    for (const [key, value] of Object.entries(entry)) lines.push(`${key} = ${JSON.stringify(value)}`);
    lines.push('');
  }
  return lines.join('\n');
}

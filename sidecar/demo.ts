/**
 * `--demo`: the whole real pipeline offline. Starts the same fake exchanges the tests use on
 * 127.0.0.1 (deterministic random-walk trades, REST history) and points the sidecar at them.
 */
import type { WatchSpec } from './cli/args';
import type { ConfigLayer } from './config';
import { exchanges } from './exchanges/registry';
import { FAKE_PROTOCOLS, startFakeExchanges, type FakeExchanges } from './fake';
import type { Logger } from './log';

export interface Demo {
  overrides: ConfigLayer;
  /** What `watch --demo` shows when no spec is given: one symbol per exchange-market. */
  watchSpecs: WatchSpec[];
  fakes: FakeExchanges;
  describe(): string;
  close(): Promise<void>;
}

export async function startDemo(log: Logger): Promise<Demo> {
  const ids = Object.keys(FAKE_PROTOCOLS);
  const fakes = await startFakeExchanges({ exchanges: ids.map((protocol) => ({ protocol })), seed: 'candlewire-demo', tradeRate: 4 });
  const overrides = fakes.configOverrides();
  // Exchanges without a fake are switched off, so the demo never reaches the internet.
  const sections: Record<string, Record<string, unknown>> = { ...overrides.exchanges };
  for (const ex of exchanges) if (!sections[ex.id]) sections[ex.id] = { enabled: false };
  const watchSpecs: WatchSpec[] = [];
  for (const server of fakes.servers) {
    const list = server.sim.symbols();
    const symbol = list[server.market === 'spot' ? 0 : Math.min(1, list.length - 1)].symbol;
    watchSpecs.push({
      exchange: server.exchange,
      market: server.market,
      symbol,
      interval: '1m',
      klineSource: 'exchange',
      text: `${server.exchange}:${server.market}:${symbol}:1m`,
    });
  }
  log.debug(`demo fakes: ${fakes.servers.map((s) => `${s.exchange} ${s.market} ${s.urls.ws}`).join(', ')}`);
  return {
    overrides: { exchanges: sections } as ConfigLayer,
    watchSpecs,
    fakes,
    describe: () => fakes.servers.map((s) => `${s.exchange} ${s.market} :${s.port}`).join(', '),
    close: () => fakes.close(),
  };
}

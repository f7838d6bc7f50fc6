/** The common setup of the sharing tests (vitest hooks; import it from test files only). */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startFakeExchanges, type FakeExchanges } from '../../sidecar/fake';
import { SharedSidecars } from './rpc-socket-client';

/** Options of {@link SharedFixture}. */
export interface SharedFixtureOptions {
  symbols: string[];
  seed: number;
  tradeRate: number;
  klinePushMs: number;
  /** `[feed] stale_after_ms` of the sidecars (short, so a dead socket is found quickly). */
  staleAfterMs: number;
}

/**
 * The setup of the sharing tests: a fake Binance spot for the whole file (started in beforeAll,
 * closed in afterAll) and a {@link SharedSidecars} on it with short feed timeouts, cleaned up after
 * each test. `fakes` and `configToml()` are usable from beforeAll on.
 */
export class SharedFixture {
  readonly box = new SharedSidecars(() => this.configToml());
  private started: FakeExchanges | undefined;
  private readonly feed: string;

  constructor(o: SharedFixtureOptions) {
    this.feed = `
[feed]
stale_after_ms = ${o.staleAfterMs}
idle_probe_ms = 1000
ack_timeout_ms = 2000
backoff_base_ms = 50
backoff_cap_ms = 500
`;
    beforeAll(async () => {
      this.started = await startFakeExchanges({
        exchanges: [{ protocol: 'binance', markets: ['spot'], symbols: { spot: o.symbols } }],
        seed: o.seed,
        tradeRate: o.tradeRate,
        klinePushMs: o.klinePushMs,
        heartbeat: { intervalMs: 1000, timeoutMs: 5000 },
      });
    });
    afterEach(() => this.box.cleanup());
    afterAll(async () => {
      await this.started?.close();
    });
  }

  get fakes(): FakeExchanges {
    if (!this.started) throw new Error('the fake exchange starts in beforeAll');
    return this.started;
  }

  /** The sidecar config: the fake's endpoints and the short feed timeouts. */
  configToml(): string {
    return this.fakes.configToml() + this.feed;
  }
}

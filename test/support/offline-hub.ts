/** A Hub for tests that need no exchange: no feeds, no network, small limits, a silent log. */
import { Hub, type HubOptions } from '../../sidecar/hub/hub';

export const SILENT_LOG: HubOptions['log'] = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

export function offlineHub(overrides: Partial<HubOptions> = {}): Hub {
  return new Hub({
    markets: new Map(),
    catalog: [],
    feedFactory: () => {
      throw new Error('no exchange feeds in this test');
    },
    fetchText: async () => {
      throw new Error('no network in this test');
    },
    log: SILENT_LOG,
    cacheBars: 10,
    backfillBars: 10,
    closeGraceMs: 1000,
    lateTradeGraceMs: 1000,
    maxSubscriptionsPerClient: 5,
    channelStaleMs: 1000,
    ...overrides,
  });
}

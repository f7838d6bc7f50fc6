/**
 * One topic refused when a connection resubscribes must not take the other topics of the same
 * request down with it. Run against every fake exchange-market that refuses whole requests (no
 * per-topic acks): the healthy topic comes back, only the refused one is reported.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findExchange } from '../../sidecar/exchanges/registry';
import { createFeedPort } from '../../sidecar/feed/port';
import { FAKE_PROTOCOLS, startFakeExchanges, type FakeExchanges } from '../../sidecar/fake';
import type { MarketEvent } from '../../sidecar/exchanges/types';
import { faultTargets } from '../faults/targets';
import { until } from './feed-toy';

const wholeRequest = faultTargets().filter((t) => !FAKE_PROTOCOLS[t.exchange].markets[t.market]?.ws.ackPerTopic);

let fakes: FakeExchanges | undefined;
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
  await fakes?.close();
  fakes = undefined;
});

describe.each(wholeRequest)('$name', (t) => {
  it('a topic refused on resubscribe is retried alone: the healthy one is back, the refused one reported', async () => {
    fakes = await startFakeExchanges({ exchanges: [{ protocol: t.exchange, markets: [t.market] }], tradeRate: 20, klinePushMs: 100 });
    const server = fakes.server(t.exchange, t.market);
    const [good, bad] = server.sim.symbols().map((s) => s.symbol);
    const adapter = findExchange(t.exchange)!.market(t.market, server.urls);
    const topic = (symbol: string) => {
      const topics = adapter.topics({ market: t.market, symbol, channel: 'trades' });
      if (topics instanceof Error) throw topics;
      return topics[0];
    };
    const got = { events: [] as MarketEvent[], resubscribed: [] as string[][], topicError: [] as string[] };
    const port = createFeedPort(
      adapter,
      {
        events: (e) => got.events.push(...e),
        status: () => undefined,
        disconnected: () => undefined,
        resubscribed: (topics) => got.resubscribed.push(topics),
        topicError: (name) => got.topicError.push(name),
        malformed: () => undefined,
      },
      { ackTimeoutMs: 2000, staleAfterMs: 5000, idleProbeMs: 1000, backoff: { baseMs: 20, capMs: 50 } },
    );
    stops.push(() => port.stop());
    expect(await port.add([topic(good), topic(bad)])).toEqual(['active', 'active']);

    server.rejectSymbols([bad], 'error');
    server.dropAll();
    await until(() => got.topicError.length > 0 && got.resubscribed.flat().includes(topic(good).name), 'the retry of each topic alone', 10_000);
    expect(got.topicError).toEqual([topic(bad).name]);
    const mark = got.events.length;
    await until(() => got.events.slice(mark).some((e) => e.topic === topic(good).name), 'trades of the healthy topic again', 5000);
    expect(got.events.slice(mark).some((e) => e.topic === topic(bad).name)).toBe(false);
  }, 20_000);
});

import { afterEach, describe, expect, it } from 'vitest';
import type { MarketAdapter, MarketEvent, RestProtocol, Topic } from '../../sidecar/exchanges/types';
import { ExchangeFeed, type FeedEvents } from '../../sidecar/feed/feed';
import { createFeedPort } from '../../sidecar/feed/port';
import { ConnectionStatusSchema, type ConnectionStatus } from '../../sidecar/market/model';
import { seqs, ToyExchange, toyProtocol, until, type ToyOptions, type ToyProtocolOptions } from './feed-toy';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function toy(options?: ToyOptions) {
  const server = await ToyExchange.start(options);
  cleanups.push(() => server.close());
  return server;
}

const TIMINGS = {
  connectTimeoutMs: 500,
  idleProbeMs: 1000,
  staleAfterMs: 2000,
  // Counted from add(), so it also covers connecting: generous for a loaded CI machine.
  ackTimeoutMs: 1500,
  closeTimeoutMs: 200,
  backoff: { baseMs: 20, capMs: 50 },
};

function feedOn(server: ToyExchange, proto: ToyProtocolOptions = {}) {
  const feed = new ExchangeFeed({
    ...TIMINGS,
    exchange: 'toy',
    market: 'spot',
    protocol: toyProtocol({ base: server.url(), ...proto }),
  });
  cleanups.push(() => feed.stop());
  const log = {
    events: [] as FeedEvents['events'][],
    status: [] as ConnectionStatus[],
    disconnected: [] as FeedEvents['disconnected'][],
    resubscribed: [] as FeedEvents['resubscribed'][],
    topicError: [] as FeedEvents['topicError'][],
  };
  feed.on('events', (e) => log.events.push(e));
  feed.on('status', (s) => log.status.push(s));
  feed.on('disconnected', (e) => log.disconnected.push(e));
  feed.on('resubscribed', (e) => log.resubscribed.push(e));
  feed.on('topicError', (e) => log.topicError.push(e));
  return { feed, log };
}

const t = (endpoint: string, ...names: string[]): Topic[] => names.map((name) => ({ endpoint, name }));

describe('ExchangeFeed', () => {
  it('splits topics over connections of their endpoint by topicsPerConnection', async () => {
    const server = await toy();
    const { feed } = feedOn(server, { topicsPerConnection: 2 });
    const outcomes = await Promise.all(feed.add([...t('a', 'a1', 'a2', 'a3', 'a4', 'a5'), ...t('b', 'b1', 'b2')]));
    expect(outcomes.map((o) => o.status)).toEqual(Array(7).fill('acked'));
    expect(outcomes[4].topic).toEqual({ endpoint: 'a', name: 'a5' });

    const sockets = server.clients.map((c) => [c.path, [...c.topics].sort()]).sort();
    expect(sockets).toEqual([
      ['/a', ['a1', 'a2']],
      ['/a', ['a3', 'a4']],
      ['/a', ['a5']],
      ['/b', ['b1', 'b2']],
    ]);
    const status = feed.status();
    expect(status.map((s) => s.id).sort()).toEqual(['toy:spot:a#1', 'toy:spot:a#2', 'toy:spot:a#3', 'toy:spot:b#1']);
    for (const s of status) expect(ConnectionStatusSchema.parse(s)).toEqual(s);
    expect(status.find((s) => s.id === 'toy:spot:a#3')).toMatchObject({ endpoint: 'a', exchange: 'toy', market: 'spot', topics: 1, state: 'open' });

    // Free capacity is reused before a new connection is opened.
    await Promise.all(feed.add(t('a', 'a6')));
    expect(server.clients).toHaveLength(4);
    expect(feed.status().find((s) => s.id === 'toy:spot:a#3')?.topics).toBe(2);
  });

  it('does not subscribe a topic twice and tags events with the connection id', async () => {
    const server = await toy();
    const { feed, log } = feedOn(server);
    await Promise.all(feed.add(t('m', 'x')));
    const again = await Promise.all(feed.add(t('m', 'x')));
    expect(again).toEqual([{ topic: { endpoint: 'm', name: 'x' }, status: 'acked' }]);
    expect(server.clients[0].subs).toEqual([['x']]);
    server.publish('x');
    await until(() => log.events.length === 1, 'event');
    expect(log.events[0].connection).toBe('toy:spot:m#1');
    expect(seqs(log.events[0].events)).toEqual([1]);
  });

  it('closes a connection when its last topic is removed', async () => {
    const server = await toy();
    const { feed, log } = feedOn(server, { topicsPerConnection: 1 });
    await Promise.all(feed.add(t('m', 'x', 'y')));
    expect(server.open()).toHaveLength(2);
    feed.remove(t('m', 'x'));
    await until(() => server.open().length === 1, 'one socket left');
    expect([...server.open()[0].topics]).toEqual(['y']);
    expect(feed.status().map((s) => s.id)).toEqual(['toy:spot:m#2']);
    expect(log.status.filter((s) => s.state === 'closed').map((s) => s.id)).toEqual(['toy:spot:m#1']);
    expect(feed.topics()).toEqual(t('m', 'y'));
  });

  it('rejects a refused topic with the exchange message and frees its place', async () => {
    const server = await toy();
    const { feed, log } = feedOn(server, { topicsPerRequest: 1 });
    const [ok, bad] = feed.add(t('m', 'ok', 'bad-one'));
    await expect(ok).resolves.toMatchObject({ status: 'acked' });
    await expect(bad).rejects.toThrow('unknown topic bad-one');
    expect(log.topicError).toEqual([{ connection: 'toy:spot:m#1', topic: { endpoint: 'm', name: 'bad-one' }, message: 'unknown topic bad-one' }]);
    expect(feed.topics()).toEqual(t('m', 'ok'));
  });

  it('resolves as pending when the exchange does not ack in time', async () => {
    const server = await toy({ ack: false });
    const { feed } = feedOn(server);
    expect(await Promise.all(feed.add(t('m', 'q')))).toEqual([{ topic: { endpoint: 'm', name: 'q' }, status: 'pending' }]);
  });

  it('forwards disconnect markers and resubscriptions with full topics', async () => {
    const server = await toy();
    const { feed, log } = feedOn(server);
    await Promise.all(feed.add(t('m', 'x', 'y')));
    server.clients[0].ws.terminate();
    await until(() => log.resubscribed.length === 1, 'resubscribed');
    expect(log.disconnected).toEqual([{ connection: 'toy:spot:m#1', topics: t('m', 'x', 'y'), reason: expect.any(String) }]);
    expect(log.resubscribed).toEqual([{ connection: 'toy:spot:m#1', topics: t('m', 'x', 'y') }]);
    expect(feed.status()[0]).toMatchObject({ reconnects: 1, state: 'open' });
    expect(log.status.map((s) => s.state)).toContain('reconnecting');
  });

  it('stop closes every connection', async () => {
    const server = await toy();
    const { feed, log } = feedOn(server, { topicsPerConnection: 1 });
    await Promise.all(feed.add(t('m', 'x', 'y', 'z')));
    expect(server.open()).toHaveLength(3);
    await feed.stop();
    await until(() => server.open().length === 0, 'all closed');
    expect(log.status.filter((s) => s.state === 'closed')).toHaveLength(3);
    expect(feed.status()).toEqual([]);
    expect(await feed.add(t('m', 'w'))[0]).toMatchObject({ status: 'cancelled' });
  });
});

describe('createFeedPort (the hub-facing port)', () => {
  const rest = {} as RestProtocol;

  it("maps outcomes to 'active' | 'pending', rejects on refusal and forwards callbacks", async () => {
    const server = await toy();
    const adapter = {
      exchange: 'toy',
      market: 'perp',
      ws: toyProtocol({ base: server.url(), topicsPerRequest: 1 }),
      rest,
      intervals: [],
      topics: () => [],
      nativeSymbol: (s: string) => s,
    } satisfies MarketAdapter;
    const got = { events: [] as MarketEvent[], status: [] as ConnectionStatus[], disconnected: [] as string[][], resubscribed: [] as string[][], topicError: [] as string[] };
    const port = createFeedPort(
      adapter,
      {
        events: (e) => got.events.push(...e),
        status: (s) => got.status.push(s),
        disconnected: (topics) => got.disconnected.push(topics),
        resubscribed: (topics) => got.resubscribed.push(topics),
        topicError: (topic) => got.topicError.push(topic),
        malformed: () => undefined,
      },
      TIMINGS,
    );
    cleanups.push(() => port.stop());
    expect(await port.add(t('m', 'x', 'y'))).toEqual(['active', 'active']);
    await expect(port.add(t('m', 'bad-z'))).rejects.toThrow('unknown topic bad-z');
    // Reported through the rejection, so not a second time through topicError.
    expect(got.topicError).toEqual([]);
    server.clients[0].ws.terminate();
    await until(() => got.resubscribed.length === 1, 'resubscribed');
    expect(got.disconnected).toEqual([['x', 'y']]);
    server.publish('x');
    await until(() => got.events.length === 1, 'event');
    expect(port.status()[0]).toMatchObject({ id: 'toy:perp:m#1', market: 'perp' });
    expect(got.status.at(-1)?.state).toBe('open');
  });
});

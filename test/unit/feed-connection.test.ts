import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../sidecar/exchanges/types';
import { Connection, type ConnectionEvents, type ConnectionOptions } from '../../sidecar/feed/connection';
import { holdReads, seqs, sleep, stall, ToyExchange, toyProtocol, until, type ToyProtocolOptions } from './feed-toy';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function toy(options?: Parameters<typeof ToyExchange.start>[0]) {
  const server = await ToyExchange.start(options);
  cleanups.push(() => server.close());
  return server;
}

/** A connection with short timings, recording every event it emits. */
function connect(url: string, proto: ToyProtocolOptions = {}, options: Partial<ConnectionOptions> = {}) {
  const conn = new Connection({
    url,
    id: 'toy#1',
    protocol: toyProtocol(proto),
    connectTimeoutMs: 500,
    idleProbeMs: 1000,
    staleAfterMs: 2000,
    // Counted from add(), so it also covers connecting: generous for a loaded CI machine.
    ackTimeoutMs: 1500,
    closeTimeoutMs: 200,
    backoff: { baseMs: 20, capMs: 50 },
    ...options,
  });
  const log: { [K in keyof ConnectionEvents]: ConnectionEvents[K][] } = {
    events: [],
    status: [],
    disconnected: [],
    resubscribed: [],
    malformed: [],
    topicError: [],
    protocolError: [],
    recycled: [],
  };
  for (const name of Object.keys(log) as Array<keyof ConnectionEvents>) {
    conn.on(name, (payload) => (log[name] as unknown[]).push(payload));
  }
  const events = (): MarketEvent[] => log.events.flat();
  cleanups.push(() => conn.stop());
  return { conn, log, events, states: () => log.status.map((s) => s.state) };
}

describe('Connection against a real ws server', () => {
  it('subscribes its topics, resolves them on ack and forwards data', async () => {
    const server = await toy();
    const { conn, events } = connect(server.url('x'));
    const outcomes = conn.add(['a', 'b']);
    conn.start();
    expect(await Promise.all(outcomes)).toEqual([
      { topic: 'a', status: 'acked' },
      { topic: 'b', status: 'acked' },
    ]);
    expect(server.clients[0].subs).toEqual([['a', 'b']]);
    server.publish('a');
    server.publish('b');
    server.publish('a');
    await until(() => events().length === 3, 'three events');
    expect(seqs(events(), 'a')).toEqual([1, 2]);
    expect(conn.stats()).toMatchObject({ state: 'open', topics: 2, reconnects: 0, malformed: 0 });
    expect(conn.stats().messages).toBe(4); // one ack + three data frames
  });

  it('sends subscriptions in batches of topicsPerRequest through the paced queue', async () => {
    const server = await toy();
    const { conn } = connect(server.url(), { topicsPerRequest: 3, requestIntervalMs: 10 });
    const outcomes = conn.add(['t1', 't2', 't3', 't4', 't5', 't6', 't7']);
    conn.start();
    await Promise.all(outcomes);
    expect(server.clients[0].subs).toEqual([['t1', 't2', 't3'], ['t4', 't5', 't6'], ['t7']]);
    // A topic added later goes out in its own request on the open socket.
    await conn.add(['t8'])[0];
    expect(server.clients[0].subs.at(-1)).toEqual(['t8']);
  });

  it("resolves as 'sent' once the frame is written when told not to wait for acks", async () => {
    const server = await toy({ ack: false });
    const { conn } = connect(server.url(), {}, { awaitAck: false, ackTimeoutMs: 5000 });
    const [p] = conn.add(['a']);
    conn.start();
    expect(await p).toEqual({ topic: 'a', status: 'sent' });
  });

  it('opens its sockets through the given agent (how proxies plug in)', async () => {
    const server = await toy();
    let created = 0;
    const agent = new http.Agent();
    const original = agent.createConnection.bind(agent);
    agent.createConnection = ((...args: Parameters<typeof original>) => {
      created += 1;
      return original(...args);
    }) as typeof agent.createConnection;
    cleanups.push(() => agent.destroy());
    const { conn } = connect(server.url(), {}, { agent });
    const [p] = conn.add(['a']);
    conn.start();
    await p;
    expect(created).toBe(1);
    expect(server.clients).toHaveLength(1);
  });

  it('resolves a subscription as pending when no ack comes within ackTimeoutMs', async () => {
    const server = await toy({ ack: false });
    const { conn } = connect(server.url(), {}, { ackTimeoutMs: 80 });
    const [p] = conn.add(['quiet']);
    conn.start();
    expect(await p).toEqual({ topic: 'quiet', status: 'pending' });
  });

  it('treats the first data frame of a topic as its acknowledgement', async () => {
    const server = await toy({ ack: false });
    const { conn } = connect(server.url(), {}, { ackTimeoutMs: 5000 });
    const [p] = conn.add(['live']);
    conn.start();
    await until(() => server.open()[0]?.topics.has('live') ?? false, 'subscription');
    server.publish('live');
    expect(await p).toEqual({ topic: 'live', status: 'acked' });
  });

  it('reconnects after an abrupt close and resubscribes every topic, with disconnect markers', async () => {
    const server = await toy();
    const { conn, log, events, states } = connect(server.url());
    const added = conn.add(['a', 'b']);
    conn.start();
    expect((await Promise.all(added)).map((o) => o.status)).toEqual(['acked', 'acked']);
    await until(() => server.open().length === 1 && server.clients[0].topics.size === 2, 'first subscription');
    server.publish('a');
    await until(() => events().length === 1, 'first event');

    server.clients[0].ws.terminate();
    await until(() => log.resubscribed.length === 1, 'resubscribed');
    expect(log.disconnected).toEqual([{ topics: ['a', 'b'], reason: expect.stringContaining('closed') }]);
    expect(log.resubscribed).toEqual([{ topics: ['a', 'b'] }]);
    expect(server.clients).toHaveLength(2);
    expect(server.clients[1].subs).toEqual([['a', 'b']]);
    expect(states()).toEqual(expect.arrayContaining(['connecting', 'open', 'reconnecting']));
    expect(states().at(-1)).toBe('open');
    expect(conn.stats().reconnects).toBe(1);

    server.publish('b');
    await until(() => seqs(events(), 'b').length === 1, 'data after reconnect');
  });

  it('reconnects when the TCP socket is destroyed without a close frame', async () => {
    const server = await toy();
    const { conn, log } = connect(server.url());
    const added = conn.add(['a']);
    conn.start();
    expect((await Promise.all(added)).map((o) => o.status)).toEqual(['acked']);
    await until(() => server.open().length === 1, 'open');
    (server.clients[0].ws as unknown as { _socket: { destroy(): void } })._socket.destroy();
    await until(() => log.resubscribed.length === 1, 'resubscribed');
    expect(log.disconnected).toHaveLength(1);
    expect(server.clients[1].subs).toEqual([['a']]);
  });

  it('declares a stalled socket stale, terminates it and reconnects', async () => {
    const server = await toy();
    const { conn, log, states } = connect(server.url(), {}, { idleProbeMs: 40, staleAfterMs: 150 });
    conn.add(['a']);
    conn.start();
    await until(() => server.open().length === 1 && server.clients[0].topics.size === 1, 'subscribed');
    stall(server.clients[0]);
    await until(() => log.resubscribed.length === 1, 'resubscribed after stale', 4000);
    expect(states()).toContain('stale');
    const stale = log.status.find((s) => s.state === 'stale')!;
    expect(stale.message).toMatch(/no message, ping or pong/);
    expect(log.disconnected).toHaveLength(1);
    expect(server.clients).toHaveLength(2);
    expect(server.clients[1].subs).toEqual([['a']]);
  });

  it('keeps a quiet but live connection open by probing with ws pings (server-ping mode)', async () => {
    const server = await toy();
    const { conn, log } = connect(server.url(), { heartbeat: { mode: 'server-ping' } }, { idleProbeMs: 60, staleAfterMs: 400 });
    conn.add(['quiet']);
    conn.start();
    await until(() => server.open().length === 1, 'open');
    await sleep(1500); // several stale periods without a single data frame
    expect(server.clients).toHaveLength(1);
    expect(log.disconnected).toHaveLength(0);
    expect(conn.stats()).toMatchObject({ state: 'open', reconnects: 0 });
    expect(server.clients[0].wsPings).toBeGreaterThanOrEqual(3);
  });

  it('sends the client heartbeat frame at its interval and counts the pongs as life', async () => {
    const server = await toy();
    const heartbeat = { mode: 'client' as const, intervalMs: 50, frame: () => 'ping' };
    const { conn, log } = connect(server.url(), { heartbeat }, { staleAfterMs: 400 });
    conn.start();
    await until(() => server.open().length === 1, 'open');
    await sleep(1200);
    expect(server.clients[0].textPings).toBeGreaterThanOrEqual(5);
    expect(server.clients[0].wsPings).toBe(0);
    expect(server.clients).toHaveLength(1);
    expect(log.disconnected).toHaveLength(0);
  });

  it('rejects only the refused topic, drops it and does not resubscribe it', async () => {
    const server = await toy();
    const { conn, log } = connect(server.url(), { topicsPerRequest: 1 });
    const [good, bad] = conn.add(['good', 'bad-topic']);
    conn.start();
    await expect(good).resolves.toEqual({ topic: 'good', status: 'acked' });
    await expect(bad).rejects.toThrow('unknown topic bad-topic');
    expect(log.topicError).toEqual([{ topic: 'bad-topic', message: 'unknown topic bad-topic' }]);
    expect([...conn.topics]).toEqual(['good']);

    server.clients[0].ws.terminate();
    await until(() => log.resubscribed.length === 1, 'resubscribed');
    expect(server.clients[1].subs).toEqual([['good']]);
  });

  it('counts a garbage frame and a throwing parser as malformed and stays connected', async () => {
    const server = await toy();
    const { conn, log, events } = connect(server.url());
    const added = conn.add(['a']);
    conn.start();
    expect((await Promise.all(added)).map((o) => o.status)).toEqual(['acked']);
    await until(() => server.open()[0]?.topics.size === 1, 'subscribed');
    server.sendAll('this is {not json');
    server.sendAll('{"boom":1}');
    server.publish('a');
    await until(() => events().length === 1, 'data after garbage');
    expect(conn.stats().malformed).toBe(2);
    expect(log.malformed).toEqual([
      { reason: 'not JSON', snippet: 'this is {not json' },
      { reason: 'parser threw: parser exploded', snippet: '{"boom":1}' },
    ]);
    expect(server.clients).toHaveLength(1);
    expect(conn.stats().state).toBe('open');
  });

  it('recycles before the lifetime ends without losing a data frame', async () => {
    // Subscriptions take effect 20 ms late, so switching before the new socket delivers loses frames.
    // The 300 ms lead is for the handover alone: a loaded CI machine took longer than 100 ms.
    const server = await toy({ hardLifetimeMs: 600, subscribeDelayMs: 20 });
    const { conn, log, events } = connect(server.url(), { maxLifetimeMs: 600 }, { recycleLeadMs: 300 });
    conn.add(['x']);
    conn.start();
    await until(() => server.open()[0]?.topics.size === 1, 'subscribed');
    server.tick(3);
    await until(() => log.recycled.length >= 3, 'three recycles', 4000);
    server.stopTicking();
    const got = seqs(events(), 'x');
    const first = got[0];
    const last = got.at(-1)!;
    const seen = new Set(got);
    const missing: number[] = [];
    for (let s = first; s <= last; s++) if (!seen.has(s)) missing.push(s);
    expect(missing).toEqual([]);
    expect(got.length).toBeGreaterThan(50);
    expect(log.disconnected).toHaveLength(0);
    expect(server.clients.length).toBeGreaterThanOrEqual(4);
    expect(conn.stats()).toMatchObject({ reconnects: 0, state: 'open' });
    expect(conn.stats().recycles).toBeGreaterThanOrEqual(3);
  });

  it("recycles on the exchange's closing notice", async () => {
    const server = await toy();
    const { conn, log } = connect(server.url());
    const added = conn.add(['a']);
    conn.start();
    expect((await Promise.all(added)).map((o) => o.status)).toEqual(['acked']);
    await until(() => server.open()[0]?.topics.size === 1, 'subscribed');
    server.sendAll(JSON.stringify({ bye: 'maintenance in 10 minutes' }));
    await until(() => log.recycled.length === 1, 'recycled');
    expect(log.recycled[0].reason).toContain('maintenance in 10 minutes');
    await until(() => server.open().length === 1, 'old socket closed');
    expect(server.open()[0]).toBe(server.clients[1]);
    expect(log.disconnected).toHaveLength(0);
  });

  it('still delivers what the old socket sent before the switch, and only then lets it go', async () => {
    const server = await toy();
    // A generous close deadline: the old socket must still be open when the test writes to it.
    const { conn, log, events } = connect(server.url(), {}, { closeTimeoutMs: 5000 });
    const [p] = conn.add(['a']);
    conn.start();
    await p;
    const old = server.clients[0];
    // The exchange stops reading the old socket, so our close frame waits in its buffer while it
    // still sends a trade there: two sockets give no order, a late frame on the old one is normal.
    const resume = holdReads(old);
    server.sendAll(JSON.stringify({ bye: 'maintenance' }));
    await until(() => log.recycled.length === 1, 'switched to the replacement');
    old.ws.send(JSON.stringify({ t: 'a', seq: 41 }));
    old.ws.send(JSON.stringify({ ack: 999 })); // a late ack on the old socket must not count
    resume();
    await until(() => old.ws.readyState === old.ws.CLOSED, 'old socket closed');
    expect(seqs(events(), 'a')).toEqual([41]);
    server.publish('a');
    await until(() => seqs(events(), 'a').length === 2, 'data on the replacement');
    expect(log.disconnected).toHaveLength(0);
    expect(conn.stats()).toMatchObject({ state: 'open', reconnects: 0, recycles: 1 });
  });

  it('switches only when every topic is confirmed on the replacement', async () => {
    // Two subscribe requests on the replacement; the second takes effect 150 ms after the first.
    const server = await toy();
    const { conn, log, events } = connect(server.url(), { topicsPerRequest: 1, requestIntervalMs: 150 }, { ackTimeoutMs: 2000 });
    const added = conn.add(['a', 'b']);
    conn.start();
    await Promise.all(added);
    await until(() => server.open()[0]?.topics.size === 2, 'subscribed');
    server.sendAll(JSON.stringify({ bye: 'maintenance' }));
    await until(() => server.clients[1]?.topics.size === 1, 'replacement has its first topic');
    server.publish('a'); // data for a on both sockets proves nothing about b
    server.publish('b'); // only the old socket carries b yet
    await until(() => log.recycled.length === 1, 'switched');
    server.publish('b');
    await until(() => seqs(events(), 'b').length >= 2, 'b on the replacement');
    expect(seqs(events(), 'b').slice(0, 2)).toEqual([1, 2]);
  });

  it('promotes the replacement socket at once when the old one dies mid-recycle', async () => {
    const server = await toy({ subscribeDelayMs: 100 });
    const { conn, log, events } = connect(server.url());
    const [p] = conn.add(['a']);
    conn.start();
    await p;
    server.sendAll(JSON.stringify({ bye: 'maintenance' }));
    await until(() => server.open().length === 2, 'replacement socket connected');
    server.clients[0].ws.terminate(); // before the replacement delivered anything
    await until(() => log.resubscribed.length === 1, 'resubscribed');
    expect(log.disconnected).toHaveLength(1);
    expect(log.recycled).toHaveLength(0);
    expect(server.clients).toHaveLength(2); // no third socket: the replacement took over
    expect(conn.stats()).toMatchObject({ state: 'open', reconnects: 1 });
    server.publish('a');
    await until(() => events().length === 1, 'data on the promoted socket');
  });

  it('reports a refused connection as an error naming the URL and keeps retrying with backoff', async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}/x`;
    const { conn, log } = connect(url);
    conn.start();
    await until(() => log.status.filter((s) => s.state === 'reconnecting').length >= 3, 'three attempts');
    const error = log.status.find((s) => s.state === 'error')!;
    expect(error.message).toContain(url);
    expect(error.message).toContain('ECONNREFUSED');
    const attempts = log.status.filter((s) => s.state === 'reconnecting').map((s) => s.attempt);
    expect(attempts.slice(0, 3)).toEqual([1, 2, 3]);
    expect(log.disconnected).toHaveLength(0); // it was never open
  });

  it('reports an HTTP 4xx on upgrade as an error naming the URL and the status', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(403).end('forbidden');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { conn, log } = connect(url);
    conn.start();
    await until(() => log.status.some((s) => s.state === 'error'), 'error');
    const error = log.status.find((s) => s.state === 'error')!;
    expect(error.message).toContain(url);
    expect(error.message).toContain('403');
  });

  it('times out a connect that never completes the handshake', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    });
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { conn, log } = connect(url, {}, { connectTimeoutMs: 100 });
    conn.start();
    await until(() => log.status.some((s) => s.state === 'error'), 'error');
    const error = log.status.find((s) => s.state === 'error')!;
    expect(error.message).toContain(url);
    expect(error.message).toMatch(/timed out/);
  });

  it('unsubscribes removed topics and stops deliberately without reconnecting', async () => {
    const server = await toy();
    const { conn, log, states } = connect(server.url());
    const added = conn.add(['a', 'b']);
    conn.start();
    expect((await Promise.all(added)).map((o) => o.status)).toEqual(['acked', 'acked']);
    await until(() => server.open()[0]?.topics.size === 2, 'subscribed');
    conn.remove(['a']);
    await until(() => server.clients[0].topics.size === 1, 'unsubscribed');
    expect([...server.clients[0].topics]).toEqual(['b']);
    await conn.stop();
    expect(states().at(-1)).toBe('closed');
    await sleep(100);
    expect(server.clients).toHaveLength(1);
    expect(server.open()).toHaveLength(0);
    expect(log.disconnected).toHaveLength(0);
    expect(await conn.add(['c'])[0]).toEqual({ topic: 'c', status: 'cancelled' });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

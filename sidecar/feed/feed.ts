/**
 * All connections of one exchange-market: topics are spread over connections of their endpoint
 * by the exchange's per-connection limit; connections come and go with their topics.
 */
import type { MarketEvent, Topic, WsProtocol } from '../exchanges/types';
import type { ConnectionStatus, Market } from '../market/model';
import { Connection, type ConnectionOptions, type SubscribeOutcome } from './connection';
import { TypedEmitter } from './emitter';

/** Connection tuning shared by every connection of the feed (see ConnectionOptions). */
export type FeedConnectionOptions = Omit<ConnectionOptions, 'url' | 'protocol' | 'id'>;

export interface FeedOptions extends FeedConnectionOptions {
  exchange: string;
  market: Market;
  protocol: WsProtocol;
}

export interface FeedSubscribeOutcome {
  topic: Topic;
  status: SubscribeOutcome['status'];
}

/** Connection events, tagged with the connection id (`<exchange>:<market>:<endpoint>#<n>`). */
export interface FeedEvents {
  events: { connection: string; events: MarketEvent[] };
  /** The full status of the connection whose state changed. */
  status: ConnectionStatus;
  disconnected: { connection: string; topics: Topic[]; reason: string };
  resubscribed: { connection: string; topics: Topic[] };
  malformed: { connection: string; reason: string; snippet: string };
  topicError: { connection: string; topic: Topic; message: string };
  protocolError: { connection: string; message: string };
  recycled: { connection: string; reason: string };
}

interface Member {
  connection: Connection;
  endpoint: string;
  unlisten: Array<() => void>;
}

const keyOf = (endpoint: string, name: string): string => `${endpoint}\u0000${name}`;

/** The connections of one exchange-market. */
export class ExchangeFeed extends TypedEmitter<FeedEvents> {
  private readonly members = new Map<string, Member>();
  private readonly byTopic = new Map<string, Member>();
  private readonly counters = new Map<string, number>();
  private readonly closing = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: FeedOptions) {
    super();
  }

  /** Every topic currently carried. */
  topics(): Topic[] {
    const out: Topic[] = [];
    for (const m of this.members.values()) for (const name of m.connection.topics) out.push({ endpoint: m.endpoint, name });
    return out;
  }

  /**
   * Subscribes topics (already carried ones are not sent again). One promise per topic, in input
   * order: resolves 'acked' | 'sent' | 'pending' | 'cancelled', rejects with the exchange's message
   * when it refuses the topic. Rejections are pre-handled, so ignoring a promise is safe.
   */
  add(topics: readonly Topic[]): Promise<FeedSubscribeOutcome>[] {
    const results = new Array<Promise<FeedSubscribeOutcome>>(topics.length);
    const batches = new Map<Member, { names: string[]; slots: number[] }>();
    const { topicsPerConnection } = this.options.protocol.limits;
    topics.forEach((topic, slot) => {
      if (this.stopped) {
        results[slot] = Promise.resolve({ topic, status: 'cancelled' });
        return;
      }
      const key = keyOf(topic.endpoint, topic.name);
      let member = this.byTopic.get(key);
      if (!member) {
        member = this.memberWithRoom(topic.endpoint, topicsPerConnection, batches) ?? this.createMember(topic.endpoint);
        this.byTopic.set(key, member);
      }
      const batch = batches.get(member) ?? { names: [], slots: [] };
      batches.set(member, batch);
      batch.names.push(topic.name);
      batch.slots.push(slot);
    });
    for (const [member, batch] of batches) {
      // Topics are recorded by add() before start(), so a fast reply never races them.
      const outcomes = member.connection.add(batch.names);
      member.connection.start();
      outcomes.forEach((outcome, i) => {
        const topic = topics[batch.slots[i]];
        const mapped = outcome.then((o) => ({ topic, status: o.status }));
        mapped.catch(() => undefined);
        results[batch.slots[i]] = mapped;
      });
    }
    return results;
  }

  /** Unsubscribes topics; a connection left without topics is closed. */
  remove(topics: readonly Topic[]): void {
    const batches = new Map<Member, string[]>();
    for (const topic of topics) {
      const key = keyOf(topic.endpoint, topic.name);
      const member = this.byTopic.get(key);
      if (!member) continue;
      this.byTopic.delete(key);
      const names = batches.get(member) ?? [];
      batches.set(member, names);
      names.push(topic.name);
    }
    for (const [member, names] of batches) {
      member.connection.remove(names);
      this.retireIfEmpty(member);
    }
  }

  /** One status per live connection. */
  status(): ConnectionStatus[] {
    return [...this.members.values()].map((m) => this.statusOf(m));
  }

  /** Closes every connection; resolves when all are closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    const members = [...this.members.values()];
    this.members.clear();
    this.byTopic.clear();
    await Promise.all([
      ...members.map(async (m) => {
        await m.connection.stop();
        for (const off of m.unlisten) off();
      }),
      ...this.closing,
    ]);
  }

  private memberWithRoom(
    endpoint: string,
    capacity: number,
    batches: Map<Member, { names: string[] }>,
  ): Member | undefined {
    for (const m of this.members.values()) {
      if (m.endpoint !== endpoint) continue;
      const planned = batches.get(m)?.names.length ?? 0;
      if (m.connection.size + planned < capacity) return m;
    }
    return undefined;
  }

  private createMember(endpoint: string): Member {
    const n = (this.counters.get(endpoint) ?? 0) + 1;
    this.counters.set(endpoint, n);
    const { exchange, market, protocol, ...tuning } = this.options;
    const id = `${exchange}:${market}:${endpoint}#${n}`;
    const connection = new Connection({ ...tuning, id, url: protocol.url(endpoint), protocol });
    const member: Member = { connection, endpoint, unlisten: [] };
    const asTopics = (names: string[]): Topic[] => names.map((name) => ({ endpoint, name }));
    member.unlisten.push(
      connection.on('events', (events) => this.emit('events', { connection: id, events })),
      connection.on('status', () => this.emit('status', this.statusOf(member))),
      connection.on('disconnected', (e) => this.emit('disconnected', { connection: id, topics: asTopics(e.topics), reason: e.reason })),
      connection.on('resubscribed', (e) => this.emit('resubscribed', { connection: id, topics: asTopics(e.topics) })),
      connection.on('malformed', (e) => this.emit('malformed', { connection: id, ...e })),
      connection.on('protocolError', (e) => this.emit('protocolError', { connection: id, ...e })),
      connection.on('recycled', (e) => this.emit('recycled', { connection: id, ...e })),
      connection.on('topicError', (e) => {
        // The connection already dropped the topic; forget it here too so it frees capacity.
        if (this.byTopic.get(keyOf(endpoint, e.topic)) === member) this.byTopic.delete(keyOf(endpoint, e.topic));
        this.emit('topicError', { connection: id, topic: { endpoint, name: e.topic }, message: e.message });
        this.retireIfEmpty(member);
      }),
    );
    this.members.set(id, member);
    return member;
  }

  private retireIfEmpty(member: Member): void {
    if (member.connection.size > 0 || this.members.get(member.connection.id) !== member) return;
    this.members.delete(member.connection.id);
    const closed = member.connection.stop().then(() => {
      for (const off of member.unlisten) off();
      this.closing.delete(closed);
    });
    this.closing.add(closed);
  }

  private statusOf(member: Member): ConnectionStatus {
    const s = member.connection.stats();
    return {
      id: s.id,
      exchange: this.options.exchange,
      market: this.options.market,
      endpoint: member.endpoint,
      state: s.state,
      ...(s.attempt !== undefined ? { attempt: s.attempt } : {}),
      ...(s.delayMs !== undefined ? { delayMs: s.delayMs } : {}),
      ...(s.message !== undefined ? { message: s.message } : {}),
      topics: s.topics,
      messages: s.messages,
      bytes: s.bytes,
      reconnects: s.reconnects,
      malformed: s.malformed,
      ...(s.lastMessageTime !== undefined ? { lastMessageTime: s.lastMessageTime } : {}),
      since: s.since,
    };
  }
}

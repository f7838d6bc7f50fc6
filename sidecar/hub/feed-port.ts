/**
 * What the hub needs from a connection engine for one exchange-market. The real engine lives in
 * sidecar/feed/; tests may plug in anything with this shape.
 */
import type { MarketAdapter, MarketEvent, Topic } from '../exchanges/types';
import type { ConnectionStatus } from '../market/model';

export interface FeedCallbacks {
  events(events: MarketEvent[]): void;
  status(status: ConnectionStatus): void;
  /** Marker: a connection carrying these topics went away unexpectedly. */
  disconnected(topics: string[]): void;
  /** These topics are subscribed again on a fresh connection. */
  resubscribed(topics: string[]): void;
  /** The exchange refused a topic (after the subscribe call returned). */
  topicError(topic: string, message: string): void;
  malformed(reason: string): void;
}

export interface FeedPort {
  /** Resolves per topic: 'active' when acknowledged, 'pending' when no ack came in time; rejects when refused. */
  add(topics: Topic[]): Promise<Array<'active' | 'pending'>>;
  remove(topics: Topic[]): void;
  status(): ConnectionStatus[];
  stop(): Promise<void>;
}

export type FeedFactory = (adapter: MarketAdapter, callbacks: FeedCallbacks) => FeedPort;

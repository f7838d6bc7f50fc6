/**
 * Binds the feed engine to the hub's FeedPort: one ExchangeFeed per exchange-market, events
 * forwarded to the hub's callbacks, per-topic outcomes folded into the hub's 'active' | 'pending'.
 */
import type { MarketAdapter, Topic } from '../exchanges/types';
import type { FeedCallbacks, FeedFactory, FeedPort } from '../hub/feed-port';
import { ExchangeFeed, type FeedConnectionOptions } from './feed';

/** Where connection life events are logged (structurally the sidecar's Logger). */
export interface FeedLog {
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
}

export interface FeedPortOptions extends FeedConnectionOptions {
  log?: FeedLog;
  /** Flat, config-shaped aliases of `backoff.baseMs` / `backoff.capMs`. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

/** A FeedFactory whose feeds share `options` (timeouts, agent, backoff, log). */
export function feedFactory(options: FeedPortOptions = {}): FeedFactory {
  return (adapter, callbacks) => createFeedPort(adapter, callbacks, options);
}

/** The hub-facing port of one ExchangeFeed. */
export function createFeedPort(adapter: MarketAdapter, callbacks: FeedCallbacks, options: FeedPortOptions = {}): FeedPort {
  const { log, backoffBaseMs, backoffCapMs, ...tuning } = options;
  const backoff = {
    ...tuning.backoff,
    ...(backoffBaseMs !== undefined ? { baseMs: backoffBaseMs } : {}),
    ...(backoffCapMs !== undefined ? { capMs: backoffCapMs } : {}),
  };
  const feed = new ExchangeFeed({ ...tuning, backoff, exchange: adapter.exchange, market: adapter.market, protocol: adapter.ws });
  if (log) {
    feed.on('status', (s) => {
      const detail = s.state === 'reconnecting' ? ` (attempt ${s.attempt}, in ${s.delayMs} ms)` : '';
      const reason = s.message && s.state !== 'open' && s.state !== 'closed' ? `: ${s.message}` : '';
      const line = `${s.id}: ${s.state}${detail}${reason}`;
      if (s.state === 'error' || s.state === 'stale' || s.state === 'reconnecting') log.warn(line);
      else log.info(line);
    });
    feed.on('protocolError', (e) => log.warn(`${e.connection}: exchange error: ${e.message}`));
    feed.on('recycled', (e) => log.info(`${e.connection}: switched to a fresh socket (${e.reason})`));
  }
  const names = (topics: Topic[]): string[] => topics.map((t) => t.name);
  feed.on('events', (e) => callbacks.events(e.events));
  feed.on('status', (s) => callbacks.status(s));
  feed.on('disconnected', (e) => callbacks.disconnected(names(e.topics)));
  feed.on('resubscribed', (e) => callbacks.resubscribed(names(e.topics)));
  // A refusal of a topic whose add() is still unsettled is reported by that add's rejection.
  const adding = new Map<string, number>();
  const track = (topics: Topic[], settled: Array<Promise<unknown>>): void => {
    for (const t of topics) adding.set(t.name, (adding.get(t.name) ?? 0) + 1);
    settled.forEach((p, i) => {
      void p.then(
        () => release(topics[i].name),
        () => release(topics[i].name),
      );
    });
  };
  const release = (name: string): void => {
    const left = (adding.get(name) ?? 1) - 1;
    if (left > 0) adding.set(name, left);
    else adding.delete(name);
  };
  feed.on('topicError', (e) => {
    if (adding.has(e.topic.name)) return;
    // Refused while being resubscribed. Many exchanges refuse a whole request for one bad topic
    // (e.g. a symbol delisted meanwhile), taking every other topic of the batch down with it:
    // each topic is tried once more on its own, and only a topic refused alone is reported.
    const retry = feed.add([e.topic])[0];
    track([e.topic], [retry]);
    retry.then(
      () => callbacks.resubscribed([e.topic.name]),
      (err: unknown) => callbacks.topicError(e.topic.name, err instanceof Error ? err.message : String(err)),
    );
  });
  feed.on('malformed', (e) => callbacks.malformed(`${e.connection}: ${e.reason} in ${JSON.stringify(e.snippet)}`));
  return {
    add: async (topics) => {
      const settled = feed.add(topics);
      track(topics, settled);
      const outcomes = await Promise.all(settled);
      // 'sent' means the exchange does not ack: the subscription is as live as it will get.
      return outcomes.map((o) => (o.status === 'acked' || o.status === 'sent' ? 'active' : 'pending'));
    },
    remove: (topics) => feed.remove(topics),
    status: () => feed.status(),
    stop: () => feed.stop(),
  };
}

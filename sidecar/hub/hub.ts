/**
 * The hub: ref-counted subscriptions (many clients, one upstream topic), routing of normalized
 * events to kline series, trade and ticker streams and on to the clients that asked, REST
 * backfill and healing, and status publication. Data flows one way:
 * exchange frame → feed → hub → series/cache → clients.
 */
import { randomUUID } from 'node:crypto';
import type { MarketAdapter, MarketEvent, Topic } from '../exchanges/types';
import { parseInterval, type Interval } from '../market/intervals';
import type { ConnectionStatus, Instrument, Kline, Market, Ticker } from '../market/model';
import { ErrorCode, type KlinesGetParams, type SubscribeParams } from '../rpc/schema';
import { RpcError } from '../rpc/errors';
import type { FeedFactory, FeedPort } from './feed-port';
import { HistoryFetcher } from './history';
import { marketKey, streamKey, type StreamSpec } from './keys';
import { RecentTradeIds } from './replay';
import { KlineSeries } from './series';

export interface HubClient {
  readonly id: string;
  /** Deliver a notification; the transport owns queueing and overflow. */
  notify(method: string, params: unknown): void;
}

/** The envelope every streaming notification carries. */
export interface EventEnvelope {
  channel: string;
  key: string;
  time: number;
  seq: number;
  data: unknown;
}

/**
 * Watches the hub without being a client: metrics count what it publishes, the event router
 * forwards events to clients that asked by pattern. Called synchronously; must not throw.
 */
export interface HubObserver {
  /** One event was published; `sent` are the clients that already received it. */
  published?(channel: string, env: EventEnvelope, sent: ReadonlySet<HubClient>): void;
  /** A client went away (its subscriptions are released). */
  clientRemoved?(client: HubClient): void;
  /** A frame from an exchange could not be parsed. */
  malformed?(): void;
}

export interface HubMarket {
  adapter: MarketAdapter;
  exchangeName: string;
}

export interface HubOptions {
  /** Enabled exchange-markets, keyed by `exchange:market`. */
  markets: Map<string, HubMarket>;
  /** All known exchanges (enabled or not) for exchanges.list. */
  catalog: Array<{ id: string; displayName: string; markets: Array<{ market: Market; enabled: boolean; adapter?: MarketAdapter }> }>;
  feedFactory: FeedFactory;
  /** GET a URL and return its body, retrying per the REST policy; rejects with a readable Error. */
  fetchText: (url: string, describe?: (body: string) => string | undefined) => Promise<string>;
  now?: () => number;
  log: { error(m: string): void; warn(m: string): void; info(m: string): void; debug(m: string): void };
  cacheBars: number;
  backfillBars: number;
  closeGraceMs: number;
  lateTradeGraceMs: number;
  ackTimeoutMs?: number;
  maxSubscriptionsPerClient: number;
  /** A subscribed channel silent this long while its connection is open is reported stale. */
  channelStaleMs: number;
  tickMs?: number;
}

interface Subscription {
  id: string;
  client: HubClient;
  stream: Stream;
}

interface Stream {
  key: string;
  spec: StreamSpec;
  market: HubMarket;
  topics: Topic[];
  subscribers: Map<string, Subscription>;
  series?: KlineSeries;
  ticker?: Ticker;
  ready: Promise<'active' | 'pending'>;
  state: 'pending' | 'active' | 'error';
  message?: string;
  lastMessageTime?: number;
}

const INSTRUMENTS_TTL_MS = 60 * 60 * 1000;

export class Hub {
  private readonly now: () => number;
  private readonly streams = new Map<string, Stream>();
  private readonly subs = new Map<string, Subscription>();
  private readonly clients = new Set<HubClient>();
  private readonly observers = new Set<HubObserver>();
  /** `exchange:market|topicName` → streams fed by that topic. */
  private readonly topicStreams = new Map<string, Set<Stream>>();
  /** `exchange:market|topicName` → ids of its latest trades, to drop trades the exchange replays. */
  private readonly recentTrades = new Map<string, RecentTradeIds>();
  private readonly feeds = new Map<string, FeedPort>();
  private readonly instrumentCache = new Map<string, { at: number; list: Promise<Instrument[]> }>();
  private readonly seqs = new Map<string, number>();
  private readonly history: HistoryFetcher;
  private readonly timer: NodeJS.Timeout;
  private readonly started: number;
  private stopping = false;

  constructor(private readonly o: HubOptions) {
    this.now = o.now ?? Date.now;
    this.started = this.now();
    this.history = new HistoryFetcher(o.fetchText, this.now);
    this.timer = setInterval(() => this.tick(), o.tickMs ?? 250);
    this.timer.unref();
  }

  // ---- clients -------------------------------------------------------------------------------

  addClient(client: HubClient): void {
    this.clients.add(client);
  }

  /** A client went away: release everything it held. */
  removeClient(client: HubClient): void {
    this.clients.delete(client);
    for (const sub of [...this.subs.values()]) if (sub.client === client) this.release(sub);
    for (const o of this.observers) o.clientRemoved?.(client);
  }

  /** Registers an observer; returns the function that removes it. */
  observe(observer: HubObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Subscriptions held by all clients. */
  get subscriptionCount(): number {
    return this.subs.size;
  }

  /** Distinct streams open (each fed by upstream topics shared by its subscribers). */
  get streamCount(): number {
    return this.streams.size;
  }

  // ---- catalog ---------------------------------------------------------------------------------

  exchangesList() {
    return this.o.catalog.map((e) => ({
      id: e.id,
      displayName: e.displayName,
      markets: e.markets.map((m) => ({
        market: m.market,
        enabled: m.enabled,
        channels: ['kline', 'trades', 'ticker'] as Array<'kline' | 'trades' | 'ticker'>,
        intervals: m.adapter ? [...m.adapter.intervals] : [],
      })),
    }));
  }

  async instruments(exchange: string, market: Market, query?: string, limit?: number): Promise<Instrument[]> {
    const m = this.market(exchange, market);
    let list = await this.instrumentList(m);
    if (query) {
      const q = query.toLowerCase();
      list = list.filter((i) => i.symbol.toLowerCase().includes(q) || i.unified.toLowerCase().includes(q));
    }
    return limit ? list.slice(0, limit) : list;
  }

  // ---- subscriptions ---------------------------------------------------------------------------

  async subscribe(client: HubClient, p: SubscribeParams): Promise<{ subscriptionId: string; key: string; state: 'active' | 'pending' }> {
    if (this.stopping) throw new RpcError(ErrorCode.ShuttingDown, 'the sidecar is shutting down');
    const m = this.market(p.exchange, p.market);
    const symbol = m.adapter.nativeSymbol(p.symbol);
    await this.checkSymbol(m, symbol, p.symbol);
    // The client may have gone while the instrument list loaded: nothing may be held in its name.
    if (!this.clients.has(client)) throw new RpcError(ErrorCode.InvalidRequest, 'the client disconnected before the subscription was made');
    const spec: StreamSpec = { exchange: p.exchange, market: p.market, symbol, channel: p.channel };
    if (p.channel === 'kline') {
      spec.interval = this.checkInterval(m, p.interval, p.klineSource ?? 'exchange');
      spec.klineSource = p.klineSource ?? 'exchange';
    } else if (p.interval !== undefined || p.klineSource !== undefined) {
      throw new RpcError(ErrorCode.InvalidParams, `interval and klineSource apply to the kline channel only, not ${p.channel}`);
    }
    const held = [...this.subs.values()].filter((s) => s.client === client).length;
    if (held >= this.o.maxSubscriptionsPerClient) {
      throw new RpcError(ErrorCode.LimitExceeded, `this client already holds ${held} subscriptions (limit ${this.o.maxSubscriptionsPerClient})`, {
        limit: 'maxSubscriptionsPerClient',
        value: this.o.maxSubscriptionsPerClient,
      });
    }
    const key = streamKey(spec);
    const stream = this.streams.get(key) ?? this.openStream(m, spec, key);
    const sub: Subscription = { id: randomUUID(), client, stream };
    stream.subscribers.set(sub.id, sub);
    this.subs.set(sub.id, sub);
    try {
      const state = await stream.ready;
      return { subscriptionId: sub.id, key, state };
    } catch (err) {
      this.release(sub);
      throw err;
    }
  }

  unsubscribe(client: HubClient, subscriptionId: string): void {
    const sub = this.subs.get(subscriptionId);
    if (!sub || sub.client !== client) {
      throw new RpcError(ErrorCode.SubscriptionNotFound, `no subscription ${JSON.stringify(subscriptionId)} belongs to this client`);
    }
    this.release(sub);
  }

  subscriptions(client?: HubClient) {
    const now = this.now();
    return [...this.subs.values()]
      .filter((s) => !client || s.client === client)
      .map((s) => {
        const st = s.stream;
        const last = st.series?.lastMessageTime ?? st.lastMessageTime;
        const stale = st.state === 'active' && now - (last ?? this.started) > this.o.channelStaleMs;
        return {
          subscriptionId: s.id,
          key: st.key,
          exchange: st.spec.exchange,
          market: st.spec.market,
          symbol: st.spec.symbol,
          channel: st.spec.channel,
          interval: st.spec.interval,
          klineSource: st.spec.klineSource,
          state: stale ? ('stale' as const) : st.state,
          lastMessageTime: last,
          message: st.message,
        };
      });
  }

  // ---- queries -----------------------------------------------------------------------------------

  async klines(p: KlinesGetParams): Promise<{ key: string; source: 'cache' | 'rest'; klines: Kline[] }> {
    const m = this.market(p.exchange, p.market);
    const symbol = m.adapter.nativeSymbol(p.symbol);
    const source = p.klineSource ?? 'exchange';
    const spec: StreamSpec = { exchange: p.exchange, market: p.market, symbol, channel: 'kline', interval: p.interval, klineSource: source };
    const key = streamKey(spec);
    const limit = p.limit ?? 500;
    const series = this.streams.get(key)?.series;
    // The cache answers unless the window reaches back before its oldest bar (a chart scrolling
    // into older history): that part only the exchange has.
    const oldest = series?.ring.get({ limit: 1, startTime: 0 })[0];
    const beforeCache = oldest !== undefined && (p.endTime ?? Infinity) < oldest.openTime;
    if (series && !beforeCache) {
      return { key, source: 'cache', klines: series.ring.get({ limit, startTime: p.startTime, endTime: p.endTime }) };
    }
    await this.checkSymbol(m, symbol, p.symbol);
    const interval = parseInterval(this.checkInterval(m, p.interval, source)) as Interval;
    const hist = this.history.forSeries(m.adapter, symbol, interval);
    let bars: Kline[];
    try {
      if (p.startTime === undefined && p.endTime === undefined) {
        bars = await hist.latest(limit);
      } else {
        const end = p.endTime ?? this.now();
        // Only an end: the `limit` bars before it (calendar months counted long).
        const start = p.startTime ?? end - limit * (interval.ms ?? 31 * 86_400_000);
        bars = await hist.range(start, end);
      }
    } catch (err) {
      throw upstream(err);
    }
    if (p.startTime !== undefined) bars = bars.filter((b) => b.openTime >= p.startTime!);
    if (p.endTime !== undefined) bars = bars.filter((b) => b.openTime <= p.endTime!);
    // Like the cache: the newest `limit` bars of the window.
    return { key, source: 'rest', klines: bars.slice(-limit) };
  }

  ticker(exchange: string, market: Market, symbolInput: string): Ticker {
    const m = this.market(exchange, market);
    const symbol = m.adapter.nativeSymbol(symbolInput);
    const key = streamKey({ exchange, market, symbol, channel: 'ticker' });
    const stream = this.streams.get(key);
    if (!stream) throw new RpcError(ErrorCode.NotSubscribed, `${key} is not subscribed: subscribe to the ticker channel first`);
    if (!stream.ticker) throw new RpcError(ErrorCode.NotSubscribed, `${key}: no ticker received yet`);
    return stream.ticker;
  }

  status() {
    const connections: ConnectionStatus[] = [];
    for (const feed of this.feeds.values()) connections.push(...feed.status());
    return { uptimeMs: this.now() - this.started, connections, subscriptions: this.subscriptions() };
  }

  /** Resolves when every series has no REST heal in flight (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.streams.values()].map((s) => s.series?.settled()));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.all([...this.feeds.values()].map((f) => f.stop()));
    this.feeds.clear();
  }

  // ---- internals -----------------------------------------------------------------------------

  private market(exchange: string, market: Market): HubMarket {
    const m = this.o.markets.get(marketKey(exchange, market));
    if (m) return m;
    const known = this.o.catalog.find((e) => e.id === exchange);
    if (!known) {
      throw new RpcError(ErrorCode.ExchangeUnavailable, `unknown exchange ${JSON.stringify(exchange)}; known: ${this.o.catalog.map((e) => e.id).join(', ')}`);
    }
    throw new RpcError(ErrorCode.ExchangeUnavailable, `${exchange} ${market} is disabled (config: [exchanges.${exchange}] enabled / ${market === 'perp' ? 'perpetual' : 'spot'} URLs)`);
  }

  private instrumentList(m: HubMarket): Promise<Instrument[]> {
    const k = marketKey(m.adapter.exchange, m.adapter.market);
    const hit = this.instrumentCache.get(k);
    if (hit && this.now() - hit.at < INSTRUMENTS_TTL_MS) {
      return hit.list.catch((err) => {
        throw upstream(err);
      });
    }
    const rest = m.adapter.rest;
    const list = this.o
      .fetchText(rest.instruments.request().url, rest.errorMessage?.bind(rest))
      .then((body) => {
        const parsed = rest.instruments.parse(body);
        m.adapter.useInstruments?.(parsed);
        return parsed;
      });
    list.catch(() => this.instrumentCache.delete(k));
    this.instrumentCache.set(k, { at: this.now(), list });
    return list.catch((err) => {
      throw upstream(err);
    });
  }

  /** Unknown symbols fail fast (some exchanges ack a bad stream and then stay silent forever). */
  private async checkSymbol(m: HubMarket, symbol: string, input: string): Promise<void> {
    let list: Instrument[];
    try {
      list = await this.instrumentList(m);
    } catch (err) {
      // Without the list we cannot judge; the exchange will refuse a bad topic itself.
      this.o.log.warn(`instruments of ${m.adapter.exchange} ${m.adapter.market} unavailable (${(err as Error).message}); not validating ${symbol}`);
      return;
    }
    if (list.some((i) => i.symbol === symbol)) return;
    const stem = symbol.replace(/[^A-Z0-9]/gi, '').slice(0, 3).toUpperCase();
    const suggestions = list
      .filter((i) => i.symbol.toUpperCase().replace(/[^A-Z0-9]/g, '').startsWith(stem))
      .slice(0, 5)
      .map((i) => i.symbol);
    throw new RpcError(
      ErrorCode.UnknownSymbol,
      `unknown symbol ${JSON.stringify(input)} on ${m.adapter.exchange} ${m.adapter.market}` + (suggestions.length ? `; did you mean ${suggestions.join(', ')}?` : ''),
      { symbol: input, suggestions },
    );
  }

  private checkInterval(m: HubMarket, interval: string | undefined, source: 'exchange' | 'trades'): string {
    const native = m.adapter.intervals;
    if (!interval) throw new RpcError(ErrorCode.InvalidParams, 'the kline channel needs an interval, e.g. "1m"', { available: native });
    const parsed = parseInterval(interval);
    if (parsed instanceof Error) throw new RpcError(ErrorCode.InvalidParams, parsed.message, { available: native });
    if (source === 'exchange' && !native.includes(interval)) {
      throw new RpcError(
        ErrorCode.Unsupported,
        `${m.adapter.exchange} ${m.adapter.market} has no native ${interval} klines; native: ${native.join(' ')}. Use klineSource "trades" to build ${interval} bars from trades.`,
        { available: native },
      );
    }
    if (source === 'trades' && parsed.ms === undefined && !native.includes(interval)) {
      throw new RpcError(ErrorCode.Unsupported, `${interval} bars cannot be built from trades here`, { available: native });
    }
    return interval;
  }

  private feed(m: HubMarket): FeedPort {
    const k = marketKey(m.adapter.exchange, m.adapter.market);
    let feed = this.feeds.get(k);
    if (feed) return feed;
    const prefix = `${k}|`;
    feed = this.o.feedFactory(m.adapter, {
      events: (events) => this.onEvents(prefix, events),
      status: (s) => this.broadcast('status', s.id, this.now(), s),
      disconnected: (topics) => this.forTopics(prefix, topics, (st) => {
        st.state = 'pending';
        st.series?.onDisconnected();
      }),
      resubscribed: (topics) => this.forTopics(prefix, topics, (st) => {
        st.state = 'active';
        st.message = undefined;
        st.series?.onResubscribed();
      }),
      topicError: (topic, message) => this.forTopics(prefix, [topic], (st) => this.failStream(st, message)),
      malformed: (reason) => {
        this.o.log.debug(`${k}: malformed frame: ${reason}`);
        for (const o of this.observers) o.malformed?.();
      },
    });
    this.feeds.set(k, feed);
    return feed;
  }

  private openStream(m: HubMarket, spec: StreamSpec, key: string): Stream {
    const req = {
      market: spec.market,
      symbol: spec.symbol,
      channel: spec.channel === 'kline' && spec.klineSource === 'trades' ? ('trades' as const) : spec.channel,
      interval: spec.klineSource === 'trades' ? undefined : spec.interval,
    };
    const topics = m.adapter.topics(req);
    if (topics instanceof Error) throw new RpcError(ErrorCode.Unsupported, topics.message);
    const stream: Stream = { key, spec, market: m, topics, subscribers: new Map(), ready: Promise.resolve('pending'), state: 'pending' };
    if (spec.channel === 'kline') {
      const interval = parseInterval(spec.interval!) as Interval;
      stream.series = new KlineSeries({
        key,
        interval,
        source: spec.klineSource ?? 'exchange',
        capacity: this.o.cacheBars,
        history: this.history.forSeries(m.adapter, spec.symbol, interval),
        events: {
          kline: (k) => this.publish(stream, 'kline', this.now(), k),
          gap: (g) => this.publish(stream, 'gap', this.now(), g),
        },
        now: this.now,
        closeGraceMs: this.o.closeGraceMs,
        lateTradeGraceMs: this.o.lateTradeGraceMs,
        silentAfterMs: this.o.channelStaleMs,
        log: (msg) => this.o.log.warn(msg),
      });
    }
    this.streams.set(key, stream);
    const prefix = `${marketKey(m.adapter.exchange, m.adapter.market)}|`;
    const fresh: Topic[] = [];
    for (const t of topics) {
      const tk = prefix + t.name;
      let set = this.topicStreams.get(tk);
      if (!set) {
        set = new Set();
        this.topicStreams.set(tk, set);
        fresh.push(t);
      }
      set.add(stream);
    }
    const feed = this.feed(m);
    stream.ready = (async () => {
      const acks = fresh.length ? feed.add(fresh) : Promise.resolve([] as Array<'active' | 'pending'>);
      const backfill = stream.series?.backfill(this.o.backfillBars);
      const [states] = await Promise.all([
        acks.catch((err: unknown) => {
          throw new RpcError(ErrorCode.ExchangeRejected, `${m.adapter.exchange} refused ${key}: ${(err as Error).message ?? String(err)}`);
        }),
        backfill?.catch((err: unknown) => {
          throw upstream(err);
        }),
      ]);
      const state = states.includes('pending') ? 'pending' : 'active';
      stream.state = state;
      return state;
    })();
    stream.ready.catch((err: unknown) => {
      stream.state = 'error';
      stream.message = (err as Error).message;
      this.closeStream(stream);
    });
    return stream;
  }

  private release(sub: Subscription): void {
    this.subs.delete(sub.id);
    sub.stream.subscribers.delete(sub.id);
    if (sub.stream.subscribers.size === 0) this.closeStream(sub.stream);
  }

  private closeStream(stream: Stream): void {
    if (this.streams.get(stream.key) !== stream) return;
    this.streams.delete(stream.key);
    const prefix = `${marketKey(stream.market.adapter.exchange, stream.market.adapter.market)}|`;
    const unused: Topic[] = [];
    for (const t of stream.topics) {
      const tk = prefix + t.name;
      const set = this.topicStreams.get(tk);
      set?.delete(stream);
      if (set && set.size === 0) {
        this.topicStreams.delete(tk);
        this.recentTrades.delete(tk);
        unused.push(t);
      }
    }
    if (unused.length) this.feeds.get(marketKey(stream.market.adapter.exchange, stream.market.adapter.market))?.remove(unused);
  }

  private failStream(stream: Stream, message: string): void {
    for (const sub of [...stream.subscribers.values()]) {
      this.notifyClient(sub.client, 'subscription.error', stream.key, this.now(), { subscriptionId: sub.id, message });
      this.release(sub);
    }
    stream.state = 'error';
    stream.message = message;
    this.closeStream(stream);
  }

  private forTopics(prefix: string, topics: string[], fn: (s: Stream) => void): void {
    const seen = new Set<Stream>();
    for (const t of topics) for (const s of this.topicStreams.get(prefix + t) ?? []) if (!seen.has(s)) seen.add(s);
    seen.forEach(fn);
  }

  private onEvents(prefix: string, events: MarketEvent[]): void {
    for (const ev of events) {
      const tk = prefix + ev.topic;
      const streams = this.topicStreams.get(tk);
      if (!streams) continue;
      if (ev.kind === 'trade') {
        let recent = this.recentTrades.get(tk);
        if (!recent) this.recentTrades.set(tk, (recent = new RecentTradeIds()));
        if (recent.replayed(ev.trade.id)) continue;
      }
      for (const st of streams) {
        st.lastMessageTime = this.now();
        if (ev.kind === 'kline') {
          if (st.series?.source === 'exchange') st.series.onExchangeKline(ev.kline);
        } else if (ev.kind === 'trade') {
          if (st.spec.channel === 'trades') this.publish(st, 'trade', ev.trade.time, ev.trade);
          else if (st.series?.source === 'trades') st.series.onTrade(ev.trade, ev.count ?? 1);
        } else if (ev.kind === 'ticker' && st.spec.channel === 'ticker') {
          const merged: Ticker = { ...(st.ticker ?? { time: 0 }) };
          for (const [k, v] of Object.entries(ev.ticker)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
          // Some partial tickers carry no exchange time (e.g. a book ticker): stamp on arrival.
          merged.time = ev.ticker.time > 0 ? ev.ticker.time : this.now();
          st.ticker = merged;
          this.publish(st, 'ticker', merged.time, merged);
        }
      }
    }
  }

  private tick(): void {
    const now = this.now();
    for (const st of this.streams.values()) st.series?.tick(now);
  }

  private publish(stream: Stream, channel: string, time: number, data: unknown): void {
    const seq = this.nextSeq(channel, stream.key);
    const env: EventEnvelope = { channel, key: stream.key, time, seq, data };
    const sent = new Set<HubClient>();
    for (const sub of stream.subscribers.values()) {
      if (sent.has(sub.client)) continue; // one client, two subscriptions of one key: one copy
      sent.add(sub.client);
      sub.client.notify(channel, env);
    }
    this.observed(channel, env, sent);
  }

  private broadcast(channel: string, key: string, time: number, data: unknown): void {
    const env: EventEnvelope = { channel, key, time, seq: this.nextSeq(channel, key), data };
    for (const c of this.clients) c.notify(channel, env);
    this.observed(channel, env, this.clients);
  }

  private notifyClient(client: HubClient, channel: string, key: string, time: number, data: unknown): void {
    const env: EventEnvelope = { channel, key, time, seq: this.nextSeq(`${channel}@${client.id}`, key), data };
    client.notify(channel, env);
    this.observed(channel, env, new Set([client]));
  }

  private observed(channel: string, env: EventEnvelope, sent: ReadonlySet<HubClient>): void {
    for (const o of this.observers) o.published?.(channel, env, sent);
  }

  private nextSeq(channel: string, key: string): number {
    const k = `${channel}|${key}`;
    const n = (this.seqs.get(k) ?? 0) + 1;
    this.seqs.set(k, n);
    return n;
  }
}

function upstream(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  return new RpcError(ErrorCode.UpstreamFailed, err instanceof Error ? err.message : String(err));
}


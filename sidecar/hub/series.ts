/**
 * One kline series (one key): its ring buffer, where its bars come from (the exchange's kline
 * stream, or trades aggregated here), and the healing that keeps it free of missing and
 * duplicated closed bars: REST backfill at start, after every reconnect, and whenever the clock
 * says a bar should have closed but did not arrive.
 */
import { KlineAggregator } from '../market/aggregate';
import { KlineRing } from '../market/cache';
import { alignOpen, nextOpen, type Interval } from '../market/intervals';
import type { Kline, KlineSource, Trade } from '../market/model';

/** Where REST history comes from; a series never talks to the network itself. */
export interface HistorySource {
  /** Closed (and possibly one forming) bars of this series' interval covering [from, to] open times. */
  range(from: number, to: number): Promise<Kline[]>;
  /** The most recent `limit` bars. Errors with `permanent: true` are never retried. */
  latest(limit: number): Promise<Kline[]>;
}

export interface SeriesEvents {
  kline(k: Kline): void;
  gap(g: { state: 'detected' | 'filled' | 'failed'; from: number; to: number; bars: number; reason: string }): void;
}

export interface SeriesOptions {
  key: string;
  interval: Interval;
  source: KlineSource;
  capacity: number;
  history: HistorySource;
  events: SeriesEvents;
  now: () => number;
  /** How long after a bar's close its final version may still arrive before REST is asked. */
  closeGraceMs: number;
  /** Trade-built bars: how late a trade may arrive before its bar closes on the clock. */
  lateTradeGraceMs: number;
  /**
   * Trade-built series: no trade for this long while connected and the trade stream may be dead
   * while its connection lives on. From the last trade on, bars are taken from REST (a quiet
   * market loses nothing by it: REST has the same flat bars). Default: never.
   */
  silentAfterMs?: number;
  log: (msg: string) => void;
}

interface HealRange {
  from: number;
  to: number;
  reason: string;
}

export class KlineSeries {
  readonly ring: KlineRing;
  private readonly agg?: KlineAggregator;
  /**
   * Trade-built series: bars opening in [holeFrom, holeTo] lack trades (before our subscription,
   * or across a reconnect); they are taken from REST once closed, never published from trades.
   * holeTo is +Infinity while the connection is down.
   */
  private holeFrom?: number;
  private holeTo = Infinity;
  private readonly queue: HealRange[] = [];
  private healing?: Promise<void>;
  private healRetryAt = 0;
  private healFailures = 0;
  private connected = true;
  /**
   * Trade-built series: false until the initial backfill has said which bars REST settles. Trades
   * arriving earlier (an exchange's snapshot of recent trades, or live trades racing the REST
   * request) cover only part of their bar, so no bar they close may be stored or published.
   */
  private backfilled = false;
  private backfilledAt = 0;
  /** Trade-built series: no trade for silentAfterMs; cleared by the next trade. */
  private silent = false;
  /**
   * Exchange-built series: a closed bar has come from the exchange since we (re)subscribed. Until
   * then a missed close is healed after half a bar when that is shorter than closeGraceMs: a bar
   * closing while the subscription is being made reaches the stream neither forming nor closed,
   * and waiting the full grace would deliver it after newer 1s bars.
   */
  private closeSeen = false;
  lastMessageTime?: number;

  constructor(private readonly o: SeriesOptions) {
    this.ring = new KlineRing(o.capacity);
    if (o.source === 'trades') this.agg = new KlineAggregator(o.interval, { graceMs: o.lateTradeGraceMs });
  }

  get source(): KlineSource {
    return this.o.source;
  }

  /** Initial history. A trade-built series treats "now" like a reconnect: the bar in progress is healed later. */
  async backfill(limit: number): Promise<void> {
    const bars = await this.o.history.latest(limit);
    for (const b of bars) {
      if (b.closed) this.ring.upsert(b);
      else if (this.o.source === 'exchange' && !this.ring.forming()) this.ring.upsert(b);
    }
    if (this.agg) {
      const last = this.ring.lastClosed();
      if (last && !this.agg.forming()) this.agg.seed(last);
      this.holeFrom = this.nextExpectedOpen();
      this.holeTo = alignOpen(this.o.interval, this.o.now());
    }
    this.backfilled = true;
    this.backfilledAt = this.o.now();
  }

  /** A bar from the exchange's own kline stream. */
  onExchangeKline(k: Kline): void {
    this.lastMessageTime = this.o.now();
    if (k.closed) this.closeSeen = true;
    const last = this.ring.lastClosed();
    if (k.closed ? !this.storeClosed(k) : this.ring.upsert(k) === 'ignored') return;
    this.o.events.kline(k);
    if (k.closed && last && k.openTime > nextOpen(this.o.interval, last.openTime)) {
      this.enqueue(nextOpen(this.o.interval, last.openTime), k.openTime - 1, 'a closed bar arrived after a hole');
    }
  }

  /** A trade for a trade-built series; `count` = exchange trade ids the record covers. */
  onTrade(t: Trade, count = 1): void {
    if (!this.agg) return;
    this.lastMessageTime = this.o.now();
    if (this.silent) {
      // Trades again: the bar in progress lacks the silent stretch; REST supplies it once closed.
      this.silent = false;
      this.holeTo = alignOpen(this.o.interval, this.lastMessageTime);
    }
    this.apply(this.agg.add(t, count).updates);
  }

  /** Clock tick: trade-built bars close on time; missing closes are healed from REST. */
  tick(now: number): void {
    this.checkSilence(now);
    if (this.agg) this.apply(this.agg.tick(now));
    this.checkClock(now);
    this.pump();
  }

  /** The connection carrying this series went away: trade-built bars restart from the next trade. */
  onDisconnected(): void {
    if (!this.connected) return;
    this.connected = false;
    const from = this.nextExpectedOpen();
    if (this.agg) {
      this.agg.reset();
      this.holeFrom = Math.min(this.holeFrom ?? from, from);
      this.holeTo = Infinity;
    }
    this.o.events.gap({ state: 'detected', from, to: alignOpen(this.o.interval, this.o.now()), bars: 0, reason: 'connection lost' });
  }

  /** Subscribed again on a fresh connection: fetch what was missed. */
  onResubscribed(): void {
    this.connected = true;
    this.closeSeen = false;
    const now = this.o.now();
    if (this.agg) {
      // The bar in progress now lacks the trades sent while we were away; REST supplies it once closed.
      this.holeTo = alignOpen(this.o.interval, now);
      return;
    }
    const from = this.nextExpectedOpen();
    const to = alignOpen(this.o.interval, now) - 1;
    if (from > to) {
      // No bar closed while we were away; the exchange's next update carries the whole forming bar.
      this.o.events.gap({ state: 'filled', from, to: from, bars: 0, reason: 'reconnected; no closed bar was missed' });
      return;
    }
    this.enqueue(from, to, 'reconnected');
  }

  /** A trade stream silent for silentAfterMs while connected: bars from its last trade on come from REST. */
  private checkSilence(now: number): void {
    const after = this.o.silentAfterMs;
    if (!this.agg || after === undefined || this.silent || !this.connected || !this.backfilled) return;
    const last = this.lastMessageTime ?? this.backfilledAt;
    if (now - last <= after) return;
    this.silent = true;
    const from = alignOpen(this.o.interval, last);
    this.agg.reset();
    this.holeFrom = Math.min(this.holeFrom ?? from, from);
    this.holeTo = Infinity;
    this.o.events.gap({ state: 'detected', from, to: alignOpen(this.o.interval, now), bars: 0, reason: `no trade for ${Math.round((now - last) / 1000)} s; bars are taken from REST until trades flow again` });
  }

  private apply(updates: readonly Kline[]): void {
    for (const k of updates) {
      if (k.closed && (!this.backfilled || this.inHole(k.openTime))) continue;
      // A closed bar at or before the last settled one is final (often healed from REST): trades
      // an exchange replays after a reconnect (e.g. a snapshot of recent trades) must not rebuild it.
      const last = this.ring.lastClosed();
      if (k.closed && last && k.openTime <= last.openTime) continue;
      if (this.ring.upsert(k) !== 'ignored') this.o.events.kline(k);
    }
  }

  /**
   * Stores a closed bar; false when nothing changed: the ring already held exactly this closed bar
   * (a heal overlapping bars already received, an exchange repeating its final update), which
   * clients must not be sent twice.
   */
  private storeClosed(k: Kline): boolean {
    const held = this.ring.get({ startTime: k.openTime, endTime: k.openTime, includeForming: false })[0];
    if (held && sameBar(held, k)) return false;
    return this.ring.upsert(k) !== 'ignored';
  }

  private inHole(open: number): boolean {
    return this.holeFrom !== undefined && open >= this.holeFrom && open <= this.holeTo;
  }

  private nextExpectedOpen(): number {
    const last = this.ring.lastClosed();
    return last ? nextOpen(this.o.interval, last.openTime) : alignOpen(this.o.interval, this.o.now());
  }

  /** Closed bars that the clock says must exist by now (with grace) but the ring lacks. */
  private checkClock(now: number): void {
    if (this.healing || this.queue.length || now < this.healRetryAt) return;
    const lastDueOpen = alignOpen(this.o.interval, alignOpen(this.o.interval, now - this.closeGraceMs()) - 1);
    if (this.holeFrom !== undefined) {
      const to = Math.min(this.holeTo, lastDueOpen);
      if (to >= this.holeFrom) this.enqueue(this.holeFrom, to, 'trade-built bars span a reconnect');
      return;
    }
    const expected = this.nextExpectedOpen();
    if (expected <= lastDueOpen) this.enqueue(expected, lastDueOpen, 'bar close not received in time');
  }

  private closeGraceMs(): number {
    const half = this.o.interval.ms === undefined ? Infinity : this.o.interval.ms / 2;
    return this.o.source === 'exchange' && !this.closeSeen ? Math.min(this.o.closeGraceMs, half) : this.o.closeGraceMs;
  }

  private enqueue(from: number, to: number, reason: string): void {
    if (from > to) return;
    this.queue.push({ from, to, reason });
    this.pump();
  }

  private pump(): void {
    if (this.healing || !this.queue.length || this.o.now() < this.healRetryAt) return;
    const r = this.queue.shift()!;
    this.o.events.gap({ state: 'detected', from: r.from, to: r.to, bars: 0, reason: r.reason });
    this.healing = this.o.history
      .range(r.from, r.to)
      .then((bars) => {
        const closed = bars.filter((b) => b.closed && b.openTime >= r.from && b.openTime <= r.to);
        for (const b of closed) {
          if (this.storeClosed(b)) this.o.events.kline(b);
        }
        if (this.holeFrom !== undefined && r.from <= this.holeFrom && r.to >= this.holeFrom) {
          // Bars up to r.to are settled; the rest of the hole (if any) waits for its closes.
          if (r.to >= this.holeTo) this.holeFrom = undefined;
          else this.holeFrom = nextOpen(this.o.interval, r.to);
        }
        this.healFailures = 0;
        this.o.events.gap({ state: 'filled', from: r.from, to: r.to, bars: closed.length, reason: r.reason });
      })
      .catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        if ((err as { permanent?: boolean }).permanent) {
          // Nothing REST can ever return fills this hole (e.g. no native interval divides ours).
          if (this.holeFrom !== undefined && r.to >= this.holeTo) this.holeFrom = undefined;
          this.o.events.gap({ state: 'failed', from: r.from, to: r.to, bars: 0, reason: message });
          return;
        }
        this.healFailures++;
        this.healRetryAt = this.o.now() + Math.min(30_000, 1000 * 2 ** this.healFailures);
        this.queue.unshift(r);
        this.o.log(`${this.o.key}: REST heal of ${new Date(r.from).toISOString()}..${new Date(r.to).toISOString()} failed (${message}); will retry`);
        this.o.events.gap({ state: 'failed', from: r.from, to: r.to, bars: 0, reason: message });
      })
      .finally(() => {
        this.healing = undefined;
        this.pump();
      });
  }

  /** Resolves when no heal is queued or in flight (tests and shutdown). */
  async settled(): Promise<void> {
    while (this.healing) await this.healing;
  }
}

function sameBar(a: Kline, b: Kline): boolean {
  return (
    a.openTime === b.openTime &&
    a.closeTime === b.closeTime &&
    a.open === b.open &&
    a.high === b.high &&
    a.low === b.low &&
    a.close === b.close &&
    a.volume === b.volume &&
    a.quoteVolume === b.quoteVolume &&
    a.trades === b.trades &&
    a.closed === b.closed
  );
}

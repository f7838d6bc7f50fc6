/**
 * The live side of a fake exchange: given the topics someone is subscribed to and the time, which
 * payloads are due — new trades since the last call, kline updates at their cadence and the final
 * closed bar after each boundary, tickers, book tops and marks. Pure state, no sockets or timers.
 */
import { barClose, barOpen } from './interval';
import type { MarketSim } from './market-sim';
import type { FakeMarketProtocol, PayloadContext, PushKind, TopicSpec } from './protocol';
import { bookTop, markInfo, rollingStats } from './quotes';

export interface DuePayloads {
  topic: string;
  payloads: string[];
}

interface TopicState {
  lastPushAt: number;
  /** Kline topics: open time of the bar in flight. */
  barOpen?: number;
}

export class LiveFeed {
  private lastTradeTime: number;
  private readonly states = new Map<string, TopicState>();

  constructor(
    private readonly sim: MarketSim,
    private readonly protocol: FakeMarketProtocol,
    private readonly pushOverrides: Partial<Record<PushKind, number>>,
    /** Longest stretch of trades replayed after a pause or a clock jump. */
    private readonly maxCatchUpMs: number,
  ) {
    this.lastTradeTime = sim.now();
  }

  /**
   * Advances to `now` for the `active` topics and returns the payloads due (none when `emit` is
   * false: a stalled server loses that data, like a frozen connection would).
   */
  advance(now: number, active: ReadonlyMap<string, TopicSpec>, emit: boolean): DuePayloads[] {
    const out: DuePayloads[] = [];
    const from = Math.max(this.lastTradeTime + 1, now - this.maxCatchUpMs);
    const tradesBySymbol = new Map<string, ReturnType<MarketSim['trades']>>();
    for (const topic of this.states.keys()) if (!active.has(topic)) this.states.delete(topic);
    for (const [topic, spec] of active) {
      if (spec.kind === 'none' || !this.sim.symbol(spec.symbol)) continue;
      let state = this.states.get(topic);
      if (!state) {
        state = { lastPushAt: -Infinity };
        this.states.set(topic, state);
      }
      const ctx: PayloadContext = { sim: this.sim, now, topic, spec };
      const payloads = this.payloadsFor(ctx, state, from, tradesBySymbol, emit);
      if (payloads.length > 0) out.push({ topic, payloads });
    }
    if (now > this.lastTradeTime) this.lastTradeTime = now;
    return out;
  }

  private payloadsFor(
    ctx: PayloadContext,
    state: TopicState,
    from: number,
    tradesBySymbol: Map<string, ReturnType<MarketSim['trades']>>,
    emit: boolean,
  ): string[] {
    const { spec, now, sim } = ctx;
    const p = this.protocol.ws.payload;
    switch (spec.kind) {
      case 'trades': {
        if (!emit || from > now) return [];
        let trades = tradesBySymbol.get(spec.symbol);
        if (!trades) {
          trades = sim.trades(spec.symbol, from, now);
          tradesBySymbol.set(spec.symbol, trades);
        }
        return trades.length > 0 ? p.trades(ctx, trades) : [];
      }
      case 'kline': {
        const iv = spec.interval;
        state.barOpen ??= barOpen(iv, now);
        const close = barClose(iv, state.barOpen);
        if (now > close) {
          // The final update of the bar in flight, then move on to the bar at `now`; bars skipped
          // entirely (clock jump, stall) are never announced, as on a real stream.
          const closedOpen = state.barOpen;
          state.barOpen = barOpen(iv, now);
          state.lastPushAt = now;
          if (!emit || now - close > this.maxCatchUpMs) return [];
          const bar = sim.klineAt(spec.symbol, iv, closedOpen);
          return bar ? [p.kline(ctx, bar)] : [];
        }
        if (!this.due(state, now, 'kline', spec.pushMs)) return [];
        if (!emit) return [];
        const bar = sim.klineAt(spec.symbol, iv, state.barOpen);
        return bar ? [p.kline(ctx, bar)] : [];
      }
      case 'ticker':
        if (!this.due(state, now, 'ticker', spec.pushMs) || !emit) return [];
        return [p.ticker(ctx, rollingStats(sim, spec.symbol, now), bookTop(sim, spec.symbol, now))];
      case 'bookTicker':
        if (!this.due(state, now, 'bookTicker', spec.pushMs) || !emit) return [];
        return [p.bookTicker(ctx, bookTop(sim, spec.symbol, now))];
      case 'markPrice':
        if (!this.due(state, now, 'markPrice', spec.pushMs) || !emit) return [];
        return [p.markPrice(ctx, markInfo(sim, spec.symbol, now))];
      case 'none':
        return [];
    }
  }

  private due(state: TopicState, now: number, kind: PushKind, protocolMs: number): boolean {
    const every = this.pushOverrides[kind] ?? protocolMs;
    if (now - state.lastPushAt < every) return false;
    state.lastPushAt = now;
    return true;
  }
}

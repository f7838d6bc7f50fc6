/**
 * "Add Subscription" as a state machine: exchange → market → symbol → channel → interval. The
 * quick pick in commands.ts only renders `itemsFor` and feeds `choose`/`back`; every rule about
 * what may be picked lives here, tested without VS Code.
 */
import { english, type Translate } from './format';
import type { Channel, ExchangeInfo, Instrument, Market, SubscriptionSpec } from './protocol';

export type FlowStep = 'exchange' | 'market' | 'symbol' | 'channel' | 'interval';

export interface FlowState {
  step: FlowStep;
  exchange?: string;
  market?: Market;
  symbol?: string;
  channel?: Channel;
}

export interface FlowItem {
  label: string;
  description?: string;
  detail?: string;
  /** What `choose` receives; undefined for separators. */
  value?: string;
  separator?: boolean;
  /** The item to highlight first (the default interval). */
  active?: boolean;
}

export type FlowResult =
  | { kind: 'next'; state: FlowState }
  | { kind: 'done'; spec: SubscriptionSpec }
  | { kind: 'invalid'; message: string };

const ORDER: FlowStep[] = ['exchange', 'market', 'symbol', 'channel', 'interval'];

/** Intervals offered as trade-built bars (any <n>s|<n>m|<n>h works; these are the common ones). */
export const TRADE_INTERVALS = ['1s', '5s', '15s', '30s', '1m'];

const TRADES_PREFIX = 'trades:';

/** The first step. */
export function startFlow(): FlowState {
  return { step: 'exchange' };
}

/** 1-based step number and the total (4 when the channel needs no interval). */
export function stepNumber(state: FlowState): { step: number; total: number } {
  const total = state.channel !== undefined && state.channel !== 'kline' ? 4 : 5;
  return { step: ORDER.indexOf(state.step) + 1, total };
}

/** The quick pick's placeholder for a step. */
export function placeholder(state: FlowState, t: Translate = english): string {
  switch (state.step) {
    case 'exchange':
      return t('Pick an exchange');
    case 'market':
      return t('Pick a market');
    case 'symbol':
      return t('Type to search symbols (base or quote, e.g. BTC or USDT)');
    case 'channel':
      return t('Pick what to stream');
    case 'interval':
      return t('Pick a candle interval');
  }
}

function enabledMarkets(ex: ExchangeInfo) {
  return ex.markets.filter((m) => m.enabled);
}

function marketName(m: Market, t: Translate): string {
  return m === 'spot' ? t('Spot') : t('Perpetual');
}

function channelName(c: Channel, t: Translate): string {
  return c === 'kline' ? t('Candles (kline)') : c === 'trades' ? t('Trades') : t('Ticker');
}

export interface ItemsContext {
  catalog: readonly ExchangeInfo[];
  /** The symbol step's search results. */
  instruments?: readonly Instrument[];
  /** The text typed in the symbol step. */
  query?: string;
  defaultInterval: string;
  t?: Translate;
}

/** The items of the current step. */
export function itemsFor(state: FlowState, ctx: ItemsContext): FlowItem[] {
  const t = ctx.t ?? english;
  const ex = ctx.catalog.find((e) => e.id === state.exchange);
  const mk = ex?.markets.find((m) => m.market === state.market);
  switch (state.step) {
    case 'exchange':
      return ctx.catalog
        .filter((e) => enabledMarkets(e).length > 0)
        .map((e) => ({ label: e.displayName, description: enabledMarkets(e).map((m) => marketName(m.market, t)).join(', '), value: e.id }));
    case 'market':
      return (ex ? enabledMarkets(ex) : []).map((m) => ({ label: marketName(m.market, t), description: m.market, value: m.market }));
    case 'symbol': {
      const items: FlowItem[] = (ctx.instruments ?? []).map((i) => ({
        label: i.unified,
        description: i.symbol,
        detail: `${t('base {0} · quote {1}', i.base, i.quote)}${i.status === 'halted' ? ` · ${t('halted')}` : ''}`,
        value: i.symbol,
      }));
      const q = (ctx.query ?? '').trim();
      const exact = items.some((i) => i.value?.toLowerCase() === q.toLowerCase() || i.label.toLowerCase() === q.toLowerCase());
      // A symbol the list does not show (a new listing, REST unreachable) can still be typed in;
      // last, so Enter on a partial search picks the best listed match, not the raw text.
      if (q && !exact && /^[\w/:.-]{1,64}$/.test(q)) items.push({ label: t('Use "{0}"', q.toUpperCase()), description: t('as typed'), value: q.toUpperCase() });
      return items;
    }
    case 'channel':
      return (mk?.channels ?? []).map((c) => ({ label: channelName(c, t), description: c, value: c }));
    case 'interval': {
      const native = (mk?.intervals ?? []).map((iv) => ({
        label: iv,
        description: iv === ctx.defaultInterval ? t('default') : undefined,
        value: iv,
        active: iv === ctx.defaultInterval,
      }));
      const built = TRADE_INTERVALS.map((iv) => ({ label: iv, description: t('built from trades'), value: `${TRADES_PREFIX}${iv}` }));
      return [...native, { label: t('Built from trades'), separator: true }, ...built];
    }
  }
}

/** Applies a pick (an item's `value`) to the flow. */
export function choose(state: FlowState, value: string, catalog: readonly ExchangeInfo[]): FlowResult {
  const ex = catalog.find((e) => e.id === (state.step === 'exchange' ? value : state.exchange));
  switch (state.step) {
    case 'exchange':
      if (!ex) return { kind: 'invalid', message: `unknown exchange ${JSON.stringify(value)}; known: ${catalog.map((e) => e.id).join(', ')}` };
      if (!enabledMarkets(ex).length) return { kind: 'invalid', message: `${ex.displayName} is disabled (setting candlewire.exchanges.${ex.id}.enabled)` };
      return { kind: 'next', state: { step: 'market', exchange: ex.id } };
    case 'market': {
      const m = ex?.markets.find((x) => x.market === value && x.enabled);
      if (!m) return { kind: 'invalid', message: `market ${JSON.stringify(value)} is not available on ${state.exchange}` };
      return { kind: 'next', state: { step: 'symbol', exchange: state.exchange, market: m.market } };
    }
    case 'symbol':
      if (!value.trim()) return { kind: 'invalid', message: 'type a symbol, e.g. BTCUSDT' };
      return { kind: 'next', state: { ...state, step: 'channel', symbol: value.trim() } };
    case 'channel': {
      const mk = ex?.markets.find((x) => x.market === state.market);
      if (!mk?.channels.includes(value as Channel)) return { kind: 'invalid', message: `channel ${JSON.stringify(value)} is not offered there; available: ${mk?.channels.join(', ')}` };
      const channel = value as Channel;
      if (channel !== 'kline') return { kind: 'done', spec: { exchange: state.exchange!, market: state.market!, symbol: state.symbol!, channel } };
      return { kind: 'next', state: { ...state, step: 'interval', channel } };
    }
    case 'interval': {
      const trades = value.startsWith(TRADES_PREFIX);
      const interval = trades ? value.slice(TRADES_PREFIX.length) : value;
      const spec: SubscriptionSpec = { exchange: state.exchange!, market: state.market!, symbol: state.symbol!, channel: 'kline', interval };
      if (trades) spec.klineSource = 'trades';
      return { kind: 'done', spec };
    }
  }
}

/** The previous step with the later choices forgotten; undefined on the first step. */
export function back(state: FlowState): FlowState | undefined {
  switch (state.step) {
    case 'exchange':
      return undefined;
    case 'market':
      return { step: 'exchange' };
    case 'symbol':
      return { step: 'market', exchange: state.exchange };
    case 'channel':
      return { step: 'symbol', exchange: state.exchange, market: state.market };
    case 'interval':
      return { step: 'channel', exchange: state.exchange, market: state.market, symbol: state.symbol };
  }
}

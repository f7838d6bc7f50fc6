/**
 * The Subscriptions view as data: exchange → market → subscription nodes with labels,
 * descriptions and an effective state, computed from the subscription entries and the connection
 * board. Pure; tree.ts only maps nodes to TreeItems.
 */
import { english, formatAge, formatPrice, type Translate } from './format';
import { DOWN_AFTER_ATTEMPTS, stateLabel, type ConnectionBoard } from './status-model';
import { MARKETS, type Market } from './protocol';
import type { SubscriptionEntry } from './subscriptions';

/** What a subscription looks like to the user right now. */
export type ViewState = 'active' | 'pending' | 'stale' | 'reconnecting' | 'down' | 'error' | 'stopped';

export interface SubscriptionNode {
  kind: 'subscription';
  id: string;
  entry: SubscriptionEntry;
  label: string;
  description: string;
  state: ViewState;
  /** One-line explanation of the state (tooltip). */
  detail: string;
}

export interface MarketNode {
  kind: 'market';
  id: string;
  exchange: string;
  market: Market;
  label: string;
  description: string;
  state: ViewState;
  children: SubscriptionNode[];
}

export interface ExchangeNode {
  kind: 'exchange';
  id: string;
  exchange: string;
  label: string;
  description: string;
  state: ViewState;
  children: MarketNode[];
}

export type TreeNode = ExchangeNode | MarketNode | SubscriptionNode;

export interface TreeInput {
  entries: readonly SubscriptionEntry[];
  board: ConnectionBoard;
  running: boolean;
  now: number;
  t?: Translate;
}

const SEVERITY: Record<ViewState, number> = { active: 0, pending: 1, stale: 2, reconnecting: 2, down: 3, error: 3, stopped: 4 };

/** `BTCUSDT · kline · 1m` (plus `· trades` for trade-built bars). */
export function subscriptionLabel(e: SubscriptionEntry): string {
  const s = e.spec;
  const parts = [s.symbol, s.channel];
  if (s.channel === 'kline' && s.interval) parts.push(s.interval);
  if (s.channel === 'kline' && s.klineSource === 'trades') parts.push('trades');
  return parts.join(' · ');
}

function marketLabel(m: Market, t: Translate): string {
  return m === 'spot' ? t('Spot') : t('Perpetual');
}

/** The exchange-market's condition as the board sees it (undefined: no connection yet). */
function marketState(board: ConnectionBoard, exchange: string, market: Market): ViewState | undefined {
  const c = board.worstOf(exchange, market);
  if (!c) return undefined;
  switch (c.state) {
    case 'open':
    case 'connecting':
    case 'closed':
      return 'active';
    case 'stale':
      return 'stale';
    case 'error':
    case 'reconnecting':
      return (c.attempt ?? 1) >= DOWN_AFTER_ATTEMPTS ? 'down' : 'reconnecting';
  }
}

function subscriptionNode(e: SubscriptionEntry, input: TreeInput, t: Translate): SubscriptionNode {
  const { board, running, now } = input;
  let state: ViewState;
  let detail: string;
  if (!running) {
    state = 'stopped';
    detail = t('The sidecar is not running.');
  } else if (e.state === 'error') {
    state = 'error';
    detail = e.message ?? t('The subscription failed.');
  } else if (e.state === 'pending') {
    state = 'pending';
    detail = t('Waiting for the exchange…');
  } else {
    state = e.state === 'stale' ? 'stale' : (marketState(board, e.spec.exchange, e.spec.market) ?? 'active');
    detail =
      state === 'active'
        ? t('Streaming.')
        : state === 'stale'
          ? t('No data for a while; the sidecar is checking the connection.')
          : t('The connection was lost; the sidecar is reconnecting and will fill the gap.');
  }
  const age = e.lastTime === undefined ? undefined : formatAge(now - e.lastTime, t);
  const description =
    e.lastPrice !== undefined && state !== 'error' ? `${formatPrice(e.lastPrice)} · ${age}` : state === 'error' ? t('failed') : state === 'pending' ? t('subscribing…') : state === 'stopped' ? t('stopped') : t('waiting for data');
  return { kind: 'subscription', id: `sub:${e.id}`, entry: e, label: subscriptionLabel(e), description, state, detail };
}

function worstState(states: ViewState[]): ViewState {
  return states.reduce<ViewState>((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), 'active');
}

/** The whole tree, exchanges by display name, spot before perp, subscriptions by label. */
export function buildTree(input: TreeInput): ExchangeNode[] {
  const t = input.t ?? english;
  const byExchange = new Map<string, SubscriptionEntry[]>();
  for (const e of input.entries) {
    const list = byExchange.get(e.spec.exchange) ?? [];
    list.push(e);
    byExchange.set(e.spec.exchange, list);
  }
  const nodes: ExchangeNode[] = [];
  for (const [exchange, entries] of byExchange) {
    const markets: MarketNode[] = [];
    for (const market of MARKETS) {
      const subs = entries
        .filter((e) => e.spec.market === market)
        .map((e) => subscriptionNode(e, input, t))
        .sort((a, b) => a.label.localeCompare(b.label));
      if (!subs.length) continue;
      const c = input.board.worstOf(exchange, market);
      const connection = !input.running
        ? t('stopped')
        : !c
          ? t('no connection')
          : c.state === 'reconnecting' && c.attempt
            ? t('reconnecting (attempt {0})', c.attempt)
            : stateLabel(c.state, t);
      markets.push({
        kind: 'market',
        id: `mk:${exchange}:${market}`,
        exchange,
        market,
        label: marketLabel(market, t),
        description: connection,
        state: worstState(subs.map((s) => s.state)),
        children: subs,
      });
    }
    const count = entries.length;
    nodes.push({
      kind: 'exchange',
      id: `ex:${exchange}`,
      exchange,
      label: input.board.displayName(exchange),
      description: count === 1 ? t('1 subscription') : t('{0} subscriptions', count),
      state: worstState(markets.map((m) => m.state)),
      children: markets,
    });
  }
  return nodes.sort((a, b) => a.label.localeCompare(b.label));
}

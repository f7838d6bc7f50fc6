/**
 * The slice of the sidecar's JSON-RPC contract the extension speaks, as plain types. The zod
 * schemas in sidecar/rpc/schema.ts are the source of truth; importing them here would bundle zod
 * into the extension for no benefit, so only their inferred shapes are mirrored.
 */
export type Market = 'spot' | 'perp';
export type Channel = 'kline' | 'trades' | 'ticker';
export type KlineSource = 'exchange' | 'trades';

export const MARKETS: readonly Market[] = ['spot', 'perp'];
export const CHANNELS: readonly Channel[] = ['kline', 'trades', 'ticker'];

/** What the user subscribes to; the unit the extension persists and restores. */
export interface SubscriptionSpec {
  exchange: string;
  market: Market;
  symbol: string;
  channel: Channel;
  interval?: string;
  klineSource?: KlineSource;
}

/** What the chart panel is opened on. */
export interface ChartSpec {
  exchange: string;
  market: Market;
  symbol: string;
  interval: string;
  klineSource?: KlineSource;
}

export interface MarketInfo {
  market: Market;
  enabled: boolean;
  channels: Channel[];
  intervals: string[];
}

/** One entry of `exchanges.list`. */
export interface ExchangeInfo {
  id: string;
  displayName: string;
  markets: MarketInfo[];
}

export interface Instrument {
  exchange: string;
  market: Market;
  symbol: string;
  unified: string;
  base: string;
  quote: string;
  status: 'trading' | 'halted';
}

export type ConnectionState = 'connecting' | 'open' | 'stale' | 'reconnecting' | 'closed' | 'error';

/** A `status` notification's data / one entry of `status.get` connections. */
export interface ConnectionStatus {
  id: string;
  exchange: string;
  market: Market;
  endpoint: string;
  state: ConnectionState;
  attempt?: number;
  delayMs?: number;
  message?: string;
  topics: number;
  messages: number;
  bytes: number;
  reconnects: number;
  malformed: number;
  lastMessageTime?: number;
  since: number;
}

export interface SubscribeResult {
  subscriptionId: string;
  key: string;
  state: 'active' | 'pending';
}

export interface SubscriptionInfo extends SubscriptionSpec {
  subscriptionId: string;
  key: string;
  state: 'active' | 'pending' | 'stale' | 'error';
  lastMessageTime?: number;
  message?: string;
}

export interface StatusGetResult {
  version: string;
  uptimeMs: number;
  connections: ConnectionStatus[];
  subscriptions: SubscriptionInfo[];
}

export interface InitializeResult {
  name: 'candlewire';
  version: string;
  protocolVersion: number;
  pid: number;
  exchanges: string[];
}

/** The envelope every streaming notification carries. */
export interface Envelope<T = unknown> {
  channel: string;
  key: string;
  time: number;
  seq: number;
  data: T;
}

/** JSON-RPC error codes the extension reacts to (see README "Errors"). */
export const RpcCode = {
  ExchangeUnavailable: -32001,
  UnknownSymbol: -32002,
  Unsupported: -32003,
  SubscriptionNotFound: -32004,
  ShuttingDown: -32009,
} as const;

/** A kline, trade or ticker notification's price, if it carries one. */
export function priceOf(method: string, data: unknown): number | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const pick = (...names: string[]) => {
    for (const n of names) if (typeof d[n] === 'number' && Number.isFinite(d[n])) return d[n] as number;
    return undefined;
  };
  if (method === 'kline') return pick('close');
  if (method === 'trade') return pick('price');
  if (method === 'ticker') return pick('last', 'markPrice', 'bid');
  return undefined;
}

/** `exchange:market` of a notification key (`okx:perp:BTC-USDT-SWAP:kline:1m`). */
export function marketOfKey(key: string): string {
  const parts = key.split(':');
  return parts.length >= 2 ? `${parts[0]}:${parts[1]}` : key;
}

/**
 * The slice of the sidecar's JSON-RPC contract the extension speaks. The types come from the zod
 * schemas in sidecar/market/model.ts and sidecar/rpc/schema.ts (the source of truth) through
 * type-only imports, which the bundler erases: no zod reaches dist/extension.js.
 */
import type { z } from 'zod';
import type { StreamSpec } from '../sidecar/hub/keys';
import type { Channel, Market } from '../sidecar/market/model';
import type * as Schema from '../sidecar/rpc/schema';

export type { Channel, ConnectionState, ConnectionStatus, Envelope, Instrument, KlineSource, Market } from '../sidecar/market/model';

export const MARKETS: readonly Market[] = ['spot', 'perp'];
export const CHANNELS: readonly Channel[] = ['kline', 'trades', 'ticker'];

/** What the user subscribes to; the unit the extension persists and restores. */
export type SubscriptionSpec = StreamSpec;

/** What the chart panel is opened on. */
export type ChartSpec = Omit<StreamSpec, 'channel' | 'interval'> & { interval: string };

export type MarketInfo = z.infer<typeof Schema.MarketInfo>;
/** One entry of `exchanges.list`. */
export type ExchangeInfo = z.infer<typeof Schema.ExchangesListResult>[number];
export type SubscribeResult = z.infer<typeof Schema.SubscribeResult>;
export type SubscriptionInfo = z.infer<typeof Schema.SubscriptionInfo>;
export type StatusGetResult = z.infer<typeof Schema.StatusGetResult>;
export type InitializeResult = z.infer<typeof Schema.InitializeResult>;

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

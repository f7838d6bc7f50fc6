/**
 * The normalized market-data model. Defined once here with zod; the RPC schema, the OpenRPC
 * document and every TypeScript type derive from it. Times are epoch milliseconds (UTC);
 * prices and sizes are numbers carrying exactly the exchange's decimals.
 */
import { z } from 'zod';

export const MarketSchema = z.enum(['spot', 'perp']).describe('spot, or the USDT-margined perpetual');
export type Market = z.infer<typeof MarketSchema>;

export const ChannelSchema = z.enum(['kline', 'trades', 'ticker']);
export type Channel = z.infer<typeof ChannelSchema>;

/** `exchange`: the exchange's own kline stream; `trades`: candles built here from the trade stream. */
export const KlineSourceSchema = z.enum(['exchange', 'trades']);
export type KlineSource = z.infer<typeof KlineSourceSchema>;

const ms = z.number().int().describe('epoch milliseconds, UTC');

export const KlineSchema = z.object({
  openTime: ms,
  closeTime: ms.describe('last millisecond inside the bar (openTime + interval - 1)'),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number().describe('base-asset volume'),
  quoteVolume: z.number().describe('quote-asset volume'),
  trades: z.number().int().optional().describe('number of trades, when the exchange reports it'),
  closed: z.boolean().describe('false while the bar is still forming'),
});
export type Kline = z.infer<typeof KlineSchema>;

export const SideSchema = z.enum(['buy', 'sell']).describe('taker side');
export type Side = z.infer<typeof SideSchema>;

export const TradeSchema = z.object({
  id: z.string(),
  time: ms,
  price: z.number(),
  size: z.number(),
  side: SideSchema,
});
export type Trade = z.infer<typeof TradeSchema>;

export const TickerSchema = z.object({
  time: ms,
  last: z.number().optional(),
  bid: z.number().optional(),
  bidSize: z.number().optional(),
  ask: z.number().optional(),
  askSize: z.number().optional(),
  high24h: z.number().optional(),
  low24h: z.number().optional(),
  volume24h: z.number().optional(),
  quoteVolume24h: z.number().optional(),
  markPrice: z.number().optional(),
  indexPrice: z.number().optional(),
  fundingRate: z.number().optional(),
  nextFundingTime: ms.optional(),
});
export type Ticker = z.infer<typeof TickerSchema>;

export const InstrumentSchema = z.object({
  exchange: z.string(),
  market: MarketSchema,
  symbol: z.string().describe("the exchange's native spelling, e.g. BTCUSDT or BTC-USDT-SWAP"),
  unified: z.string().describe('ccxt-style unified symbol: BTC/USDT (spot), BTC/USDT:USDT (perp)'),
  base: z.string(),
  quote: z.string(),
  status: z.enum(['trading', 'halted']),
  tickSize: z.number().optional(),
  stepSize: z.number().optional(),
  contractSize: z.number().optional().describe('base units per contract, where the exchange counts sizes in contracts'),
});
export type Instrument = z.infer<typeof InstrumentSchema>;

/** Connection states reported by the feed engine. */
export const ConnectionStateSchema = z.enum(['connecting', 'open', 'stale', 'reconnecting', 'closed', 'error']);
export type ConnectionState = z.infer<typeof ConnectionStateSchema>;

export const ConnectionStatusSchema = z.object({
  id: z.string().describe('exchange:market:endpoint#n'),
  exchange: z.string(),
  market: MarketSchema,
  endpoint: z.string(),
  state: ConnectionStateSchema,
  attempt: z.number().int().optional().describe('reconnect attempt (state reconnecting)'),
  delayMs: z.number().int().optional().describe('delay before the next attempt (state reconnecting)'),
  message: z.string().optional().describe('last error, if any'),
  topics: z.number().int(),
  messages: z.number().int(),
  bytes: z.number().int(),
  reconnects: z.number().int(),
  malformed: z.number().int().describe('frames that could not be parsed (logged, never fatal)'),
  lastMessageTime: ms.optional(),
  since: ms.describe('when the connection entered its current state'),
});
export type ConnectionStatus = z.infer<typeof ConnectionStatusSchema>;

/** Envelope shared by every streaming notification: `seq` increases by one per key. */
export function envelopeSchema<T extends z.ZodTypeAny>(data: T) {
  return z.object({
    channel: z.string(),
    key: z.string(),
    time: ms.describe('exchange event time, or sidecar time for sidecar events'),
    seq: z.number().int(),
    data,
  });
}
export interface Envelope<T = unknown> {
  channel: string;
  key: string;
  time: number;
  seq: number;
  data: T;
}

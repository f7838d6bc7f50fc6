/**
 * The JSON-RPC contract: params and results of every method, notifications and error codes.
 * `openrpc.json` is generated from this file (`npm run openrpc`); a test fails when it is stale.
 */
import { z } from 'zod';
import {
  ChannelSchema,
  ConnectionStatusSchema,
  InstrumentSchema,
  KlineSchema,
  KlineSourceSchema,
  MarketSchema,
  TickerSchema,
  TradeSchema,
  envelopeSchema,
} from '../market/model';

export const PROTOCOL_VERSION = 1;

/** Application error codes (JSON-RPC reserves -32000..-32099 for implementations). */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ExchangeUnavailable: -32001,
  UnknownSymbol: -32002,
  Unsupported: -32003,
  SubscriptionNotFound: -32004,
  ExchangeRejected: -32005,
  UpstreamFailed: -32006,
  NotSubscribed: -32007,
  LimitExceeded: -32008,
  ShuttingDown: -32009,
} as const;

export const errorDocs: Record<number, string> = {
  [ErrorCode.ExchangeUnavailable]: 'The exchange is unknown, disabled in the config, or the market has no URL.',
  [ErrorCode.UnknownSymbol]: 'The symbol is not listed on that exchange-market; `data.suggestions` may list close matches.',
  [ErrorCode.Unsupported]: 'The channel or interval is not available there; `data.available` lists what is.',
  [ErrorCode.SubscriptionNotFound]: 'No subscription with that id belongs to this client.',
  [ErrorCode.ExchangeRejected]: "The exchange refused the subscription; `message` carries the exchange's reason.",
  [ErrorCode.UpstreamFailed]: 'A REST request to the exchange failed after retries; `message` names the URL and status.',
  [ErrorCode.NotSubscribed]: 'The data is only kept for subscribed keys: subscribe first.',
  [ErrorCode.LimitExceeded]:
    'A configured limit was reached; `data.limit` names it (maxSubscriptionsPerClient, maxClients) and `data.value` gives it. A client over maxClients gets this error with id null, then is disconnected.',
  [ErrorCode.ShuttingDown]: 'The sidecar is stopping.',
};

const exchange = z.string().min(1).describe('exchange id, see exchanges.list');
const symbol = z
  .string()
  .min(1)
  .max(64)
  .describe('native (BTCUSDT, BTC-USDT-SWAP) or unified (BTC/USDT, BTC/USDT:USDT) symbol');
const interval = z.string().min(2).max(8).describe('1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 1w 1M, or <n>s|<n>m|<n>h from trades');
const ms = z.number().int().nonnegative();

export const InitializeParams = z
  .object({ client: z.object({ name: z.string(), version: z.string().optional() }).optional() })
  .strict()
  .optional();
export const InitializeResult = z.object({
  name: z.literal('candlewire'),
  version: z.string(),
  protocolVersion: z.number().int(),
  pid: z.number().int(),
  exchanges: z.array(z.string()),
});

export const MarketInfo = z.object({
  market: MarketSchema,
  enabled: z.boolean(),
  channels: z.array(ChannelSchema),
  intervals: z.array(z.string()).describe('intervals streamed natively by the exchange'),
});
export const ExchangesListResult = z.array(
  z.object({ id: z.string(), displayName: z.string(), markets: z.array(MarketInfo) }),
);

export const InstrumentsListParams = z
  .object({
    exchange,
    market: MarketSchema,
    query: z.string().max(64).optional().describe('case-insensitive substring of symbol or unified symbol'),
    limit: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();
export const InstrumentsListResult = z.array(InstrumentSchema);

export const SubscribeParams = z
  .object({
    exchange,
    market: MarketSchema,
    symbol,
    channel: ChannelSchema,
    interval: interval.optional(),
    klineSource: KlineSourceSchema.optional().describe('default: exchange'),
  })
  .strict();
export type SubscribeParams = z.infer<typeof SubscribeParams>;
export const SubscribeResult = z.object({
  subscriptionId: z.string(),
  key: z.string().describe('the key carried by every notification of this stream'),
  state: z.enum(['active', 'pending']).describe('pending: the exchange has not acknowledged yet (e.g. reconnecting)'),
});

export const UnsubscribeParams = z.object({ subscriptionId: z.string() }).strict();
export const UnsubscribeResult = z.object({ ok: z.literal(true) });

export const SubscriptionInfo = z.object({
  subscriptionId: z.string(),
  key: z.string(),
  exchange: z.string(),
  market: MarketSchema,
  symbol: z.string(),
  channel: ChannelSchema,
  interval: z.string().optional(),
  klineSource: KlineSourceSchema.optional(),
  state: z.enum(['active', 'pending', 'stale', 'error']),
  lastMessageTime: ms.optional(),
  message: z.string().optional(),
});
export const SubscriptionsListResult = z.array(SubscriptionInfo);

export const KlinesGetParams = z
  .object({
    exchange,
    market: MarketSchema,
    symbol,
    interval,
    klineSource: KlineSourceSchema.optional(),
    limit: z.number().int().min(1).max(100_000).optional().describe('default 500'),
    startTime: ms.optional(),
    endTime: ms.optional(),
    format: z.enum(['rows', 'columns']).optional().describe('default rows'),
  })
  .strict();
export type KlinesGetParams = z.infer<typeof KlinesGetParams>;
export const KlineColumns = z.object({
  openTime: z.array(z.number()),
  closeTime: z.array(z.number()),
  open: z.array(z.number()),
  high: z.array(z.number()),
  low: z.array(z.number()),
  close: z.array(z.number()),
  volume: z.array(z.number()),
  quoteVolume: z.array(z.number()),
  trades: z.array(z.number().nullable()),
  closed: z.array(z.boolean()),
});
export const KlinesGetResult = z.object({
  key: z.string(),
  source: z.enum(['cache', 'rest']).describe('cache when subscribed, else fetched from the exchange'),
  klines: z.array(KlineSchema).optional(),
  columns: KlineColumns.optional(),
});

export const TickerGetParams = z.object({ exchange, market: MarketSchema, symbol }).strict();
export const TickerGetResult = TickerSchema;

export const StatusGetResult = z.object({
  version: z.string(),
  uptimeMs: z.number().int(),
  connections: z.array(ConnectionStatusSchema),
  subscriptions: SubscriptionsListResult,
});

export const ShutdownResult = z.object({ ok: z.literal(true) });
export const PingResult = z.object({ time: ms.describe('sidecar clock') });

export const GapSchema = z.object({
  state: z.enum(['detected', 'filled', 'failed']),
  from: ms.describe('open time of the first missing bar'),
  to: ms.describe('open time of the last missing bar'),
  bars: z.number().int().describe('bars fetched over REST (filled) or expected (detected)'),
  reason: z.string(),
});

const eventPattern = z
  .string()
  .min(1)
  .max(256)
  .describe('dot-separated pattern matched against channel + key parts, e.g. "status.*", "gap.*", "kline.binance.*", "kline.*.spot.BTCUSDT.kline.1m"');
export const EventsSubscribeParams = z
  .object({ channels: z.array(eventPattern).min(1).max(100).describe('channels: kline, trade, ticker, status, gap (or * for all)') })
  .strict();
export const EventsSubscribeResult = z.object({
  channels: z.array(z.string()).describe('the patterns of this request as subscribed (normalized: a bare channel becomes "channel.*")'),
});
export const EventsUnsubscribeParams = z
  .object({ channels: z.array(eventPattern).max(100).optional().describe('default: every pattern this client holds') })
  .strict()
  .optional();
export const EventsUnsubscribeResult = z.object({ channels: z.array(z.string()).describe('the patterns that were removed') });

export const MetricSampleSchema = z.object({
  name: z.string().describe('Prometheus metric name, e.g. candlewire_events_published_total'),
  labels: z.record(z.string(), z.string()).optional(),
  value: z.number(),
  type: z.enum(['counter', 'gauge']),
  help: z.string(),
});
export const MetricsGetResult = z.object({
  time: ms.describe('sidecar clock'),
  values: z
    .record(z.string(), z.number())
    .describe('series name as on the /metrics page (e.g. candlewire_events_published_total{channel="kline"}) → value'),
  samples: z.array(MetricSampleSchema),
});

export const NoParams = z.union([z.object({}).strict(), z.array(z.never()).max(0)]).optional();

/** Every method: params schema (undefined = no params), result schema and a summary. */
export const methods = {
  initialize: { params: InitializeParams, result: InitializeResult, summary: 'Handshake: versions and the exchanges this sidecar serves.' },
  'exchanges.list': { params: NoParams, result: ExchangesListResult, summary: 'Exchanges, their markets, channels and native intervals.' },
  'instruments.list': { params: InstrumentsListParams, result: InstrumentsListResult, summary: 'Tradable instruments of one exchange-market (native and unified symbols).' },
  subscribe: { params: SubscribeParams, result: SubscribeResult, summary: 'Start a stream; kline subscriptions backfill history over REST before answering.' },
  unsubscribe: { params: UnsubscribeParams, result: UnsubscribeResult, summary: 'Stop one of this client’s subscriptions.' },
  'subscriptions.list': { params: NoParams, result: SubscriptionsListResult, summary: 'This client’s subscriptions and their state.' },
  'klines.get': { params: KlinesGetParams, result: KlinesGetResult, summary: 'Klines from the cache (subscribed keys) or from the exchange REST API.' },
  'ticker.get': { params: TickerGetParams, result: TickerGetResult, summary: 'The latest merged ticker of a subscribed symbol.' },
  'status.get': { params: NoParams, result: StatusGetResult, summary: 'Connection health, counters and subscriptions.' },
  'events.subscribe': {
    params: EventsSubscribeParams,
    result: EventsSubscribeResult,
    summary: 'Receive status, gap and market events by pattern; market patterns follow streams others subscribed and never open new ones.',
  },
  'events.unsubscribe': { params: EventsUnsubscribeParams, result: EventsUnsubscribeResult, summary: 'Drop event patterns (all when none are given).' },
  'metrics.get': { params: NoParams, result: MetricsGetResult, summary: 'Counters and gauges, named as on the Prometheus /metrics page.' },
  ping: { params: NoParams, result: PingResult, summary: 'Liveness check; does no work (the round-trip baseline of `npm run bench`).' },
  shutdown: { params: NoParams, result: ShutdownResult, summary: 'Stop the sidecar cleanly.' },
} as const;
export type MethodName = keyof typeof methods;

export const notifications = {
  kline: { params: envelopeSchema(KlineSchema), summary: 'Forming (closed=false) and closed bars of a subscribed kline key.' },
  trade: { params: envelopeSchema(TradeSchema), summary: 'Trades of a subscribed trades key.' },
  ticker: { params: envelopeSchema(TickerSchema), summary: 'Merged ticker of a subscribed ticker key.' },
  status: { params: envelopeSchema(ConnectionStatusSchema), summary: 'A connection changed state (sent to every client).' },
  gap: { params: envelopeSchema(GapSchema), summary: 'A hole in a kline series was detected, then filled from REST (or failed).' },
  'subscription.error': {
    params: envelopeSchema(z.object({ subscriptionId: z.string(), message: z.string() })),
    summary: 'The exchange rejected a subscription after it was acknowledged as pending; it is removed.',
  },
} as const;

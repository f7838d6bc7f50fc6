/**
 * Messages between the chart webview and the extension host, as zod schemas. Both sides import
 * this one file: the host validates every message the webview sends (a webview is untrusted
 * content), the webview validates what the host sends (cheap, and a host bug becomes a logged
 * message instead of a broken chart).
 *
 * The webview never speaks to the sidecar: it asks the host for a fixed set of read-only methods
 * plus (un)subscribing its OWN chart stream, which the host owns and releases when the panel closes.
 */
import { z } from 'zod';
import { ConnectionStatusSchema, KlineSchema, KlineSourceSchema, MarketSchema } from '../sidecar/market/model';
import { GapSchema, InstrumentsListParams, KlinesGetParams, NoParams } from '../sidecar/rpc/schema';

export type { ConnectionStatus, Kline } from '../sidecar/market/model';

export const VIEW_TYPE = 'candlewire.chart';

/** Default candle colours: green up / red down (TradingView's palette). */
export const DEFAULT_UP_COLOR = '#26a69a';
export const DEFAULT_DOWN_COLOR = '#ef5350';

/**
 * Error code the host answers with when the sidecar is not running. JSON-RPC leaves
 * -32000..-32099 to implementations; the sidecar uses -32001..-32009, the host keeps -32090..-32099.
 */
export const HostErrorCode = { SidecarDown: -32090, NotAllowed: -32091 } as const;

/** What a chart shows: one kline stream. */
export const ChartSpecSchema = z
  .object({
    exchange: z.string().min(1).max(32),
    market: MarketSchema,
    symbol: z.string().min(1).max(64),
    interval: z.string().min(2).max(8),
    klineSource: KlineSourceSchema.default('exchange'),
  })
  .strict();
export type ChartSpec = z.infer<typeof ChartSpecSchema>;
export type ChartSpecInput = z.input<typeof ChartSpecSchema>;

/** Epoch milliseconds of the first and last visible bar. */
export const VisibleRangeSchema = z.object({ from: z.number(), to: z.number() }).strict();

/** What the webview persists with `setState` (and the serializer restores after a reload). */
export const ChartStateSchema = ChartSpecSchema.extend({
  visibleRange: VisibleRangeSchema.optional(),
  /** The right edge was on the newest bar: restore by following live data, not a frozen window. */
  followLatest: z.boolean().optional(),
}).strict();
export type ChartState = z.infer<typeof ChartStateSchema>;

export const ColorConfigSchema = z.object({ upColor: z.string().max(64), downColor: z.string().max(64) }).strict();
export type ColorConfig = z.infer<typeof ColorConfigSchema>;

// ---- webview → host ------------------------------------------------------------------------------

const id = z.number().int().nonnegative();
const request = <M extends string, P extends z.ZodTypeAny>(method: M, params: P) =>
  z.object({ type: z.literal('request'), id, method: z.literal(method), params }).strict();

/** Requests the webview may make; anything else is refused by the host. */
export const WebviewRequestSchema = z.discriminatedUnion('method', [
  request('exchanges.list', NoParams),
  request('instruments.list', InstrumentsListParams),
  request('klines.get', KlinesGetParams),
  /** Replaces this panel's stream with `params` (the host unsubscribes the previous one). */
  request('subscribe', ChartSpecSchema),
  /** Releases this panel's stream. */
  request('unsubscribe', z.object({}).strict().optional()),
]);
export type WebviewRequest = z.infer<typeof WebviewRequestSchema>;
export type RequestMethod = WebviewRequest['method'];

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }).strict(),
  WebviewRequestSchema,
  z.object({ type: z.literal('state'), state: ChartStateSchema }).strict(),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string().max(4000) }).strict(),
]);
export type WebviewMessage = z.infer<typeof WebviewMessageSchema>;

/** Result of the `subscribe` request. */
export const SubscribeAnswerSchema = z.object({ key: z.string(), state: z.enum(['active', 'pending']) });
export type SubscribeAnswer = z.infer<typeof SubscribeAnswerSchema>;

// ---- host → webview ------------------------------------------------------------------------------

export const RpcErrorSchema = z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() });
export type RpcErrorShape = z.infer<typeof RpcErrorSchema>;

export const HostMessageSchema = z.discriminatedUnion('type', [
  /** Answer to `ready`: what to show (null: let the user pick) and how. */
  z.object({
    type: z.literal('init'),
    state: ChartStateSchema.nullable(),
    colors: ColorConfigSchema,
    sidecarRunning: z.boolean(),
  }),
  z.object({ type: z.literal('response'), id, result: z.unknown().optional(), error: RpcErrorSchema.optional() }),
  /** A forming (closed=false) or closed bar of this panel's stream. */
  z.object({ type: z.literal('kline'), key: z.string(), bar: KlineSchema }),
  z.object({ type: z.literal('gap'), key: z.string(), gap: GapSchema }),
  /** A connection of this panel's exchange-market changed state. */
  z.object({ type: z.literal('status'), status: ConnectionStatusSchema }),
  /** The exchange rejected this panel's stream after accepting it as pending. */
  z.object({ type: z.literal('subscriptionError'), key: z.string(), message: z.string() }),
  z.object({ type: z.literal('colors'), colors: ColorConfigSchema }),
  z.object({ type: z.literal('sidecar'), running: z.boolean() }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

/** One line per zod issue, `path: message`, for logs a user can act on. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(message)'}: ${i.message}`).join('; ');
}

/** Same spec? (state fields such as the visible range are ignored) */
export function sameSpec(a: ChartSpec, b: ChartSpec): boolean {
  return a.exchange === b.exchange && a.market === b.market && a.symbol === b.symbol && a.interval === b.interval && a.klineSource === b.klineSource;
}

/** `BTCUSDT 1m` (+ ` trades` for trade-built bars): panel titles and messages. */
export function specLabel(s: ChartSpec): string {
  return `${s.symbol} ${s.interval}${s.klineSource === 'trades' ? ' (trades)' : ''}`;
}

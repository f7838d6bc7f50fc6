/**
 * The OKX v5 protocol for the fake exchange server (SPOT and USDT-margined SWAP), written from
 * PROTOCOLS.md §3 independently of the real adapter so that each checks the other.
 *
 * Fidelity notes (where the fake chooses a behaviour the docs leave open):
 * - Routes `/ws/v5/public` and `/ws/v5/business`. `candle*` channels live on business only; on
 *   public they are refused with 60018 "Wrong URL or channel:…", as the real server does since
 *   2023-06. Likewise public channels subscribed on business are refused.
 * - Each arg of a request is acked or refused on its own; errors echo the request id but not the
 *   arg (the refused channel and instId are named in `msg`, as in real 60018 errors).
 * - An instId in the wrong form for the market (`BTC-USDT` on SWAP, lower case, …) is refused
 *   with 60018. A well-formed instId the fake does not simulate is acked and stays silent (the
 *   fake cannot know what OKX lists); FakeExchangeServer.rejectSymbols(…, 'error') makes it a
 *   60018 refusal, which is what OKX answers for an instrument that does not exist.
 * - Heartbeat: a client that sends nothing (no `ping`, no request) for 30 s is dropped; the text
 *   `ping` is answered with the text `pong`.
 * - Contract sizes: ctVal 0.01 for BTC, 0.1 for ETH and 1 for other SWAPs, lot 0.01 contracts; the
 *   simulator's base sizes get the decimals that make every size a whole number of lots, so the
 *   contracts on the wire times ctVal equal the simulator's base sizes exactly.
 * - UTC+8 bars (`6H 12H 1D 1W`) are simulated with their UTC+8 alignment; other valid bars the
 *   simulator cannot align (`1M`, `3D`, `1Y`, …) are acked and silent, and REST returns no rows.
 * - `trades` rows carry one fill each (`count` "1"). Order books are not simulated: book
 *   channels are acked and silent. Rejecting a request for too many channels is fake-only.
 */
import { randomBytes } from 'node:crypto';
import { barOpen, opensBefore, simInterval, type SimInterval } from '../../fake/interval';
import { pairAssets, unitStep } from '../../fake/listing';
import { ohlc, type SimKline, type SimSymbol, type SymbolSpec } from '../../fake/market-sim';
import type { ClientRequest, FakeConnection, FakeMarketProtocol, FakeProtocol, PayloadContext, RejectReason, RestContext, RestRequest, RestResponse, SubscribeRequest, TopicSpec, WsRoute } from '../../fake/protocol';
import { integerParams } from '../../fake/query';
import { markInfo, windowPrices, type MarkInfo } from '../../fake/quotes';
import { formatUnits, trimZeros } from '../../market/decimal';
import type { Market } from '../../market/model';
import { isObject, parseJson } from '../decode';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The `6H 12H 1D 1W` bars (no `utc` suffix) open on the clock of UTC+8 (a day at 16:00 UTC of the day before). */
const UTC8 = 8 * HOUR;

/** OKX bars the simulator serves, by wire name. */
const SIM_BARS: ReadonlyMap<string, SimInterval> = new Map<string, SimInterval>([
  ...(['1s', '1m', '3m', '5m', '15m', '30m'] as const).map((b) => [b, simInterval(b)] as const),
  ['1H', simInterval('1h')],
  ['2H', simInterval('2h')],
  ['4H', simInterval('4h')],
  ['6Hutc', simInterval('6h')],
  ['12Hutc', simInterval('12h')],
  ['1Dutc', simInterval('1d')],
  ['1Wutc', simInterval('1w')],
  ['1Mutc', simInterval('1M')],
  ['6H', simInterval('6h', UTC8)],
  ['12H', simInterval('12h', UTC8)],
  ['1D', simInterval('1d', UTC8)],
  ['1W', simInterval('1w', UTC8)],
]);
/** Valid OKX bars the simulator cannot align: acked and silent, no REST rows. */
const SILENT_BARS = new Set(['2D', '3D', '5D', '1M', '3M', '6M', '1Y', '2Dutc', '3Dutc', '5Dutc', '3Mutc', '6Mutc', '1Yutc']);
/** Book and other public channels the fake acks but does not simulate. */
const SILENT_CHANNELS = new Set(['books', 'books5', 'bbo-tbt', 'books-l2-tbt', 'books50-l2-tbt', 'open-interest', 'price-limit']);

const CANDLE_PUSH_MS = 500;
const TICKER_PUSH_MS = 100;
const MARK_PUSH_MS = 200;
/** OKX pushes funding-rate every 30 to 90 s (and once on subscribe). */
const FUNDING_PUSH_MS = 30_000;
const IDLE_TIMEOUT_MS = 30_000;
const TOPICS_PER_CONNECTION = 1000;
const MAX_LIMIT = 300;
const DEFAULT_LIMIT = 100;
/** Rows `/market/candles` reaches; older ones only via history-candles. */
const RECENT_BARS = 1440;
/** Lot of every SWAP, in contracts. */
const LOT_DECIMALS = 2;
const MISSING_ARG = "doesn't exist. Please use the correct URL, channel and parameters referring to API document.";

function marketProtocol(market: Market): FakeMarketProtocol {
  const spot = market === 'spot';
  return {
    defaultSymbols: spot ? ['BTC-USDT', 'ETH-USDT'] : ['BTC-USDT-SWAP', 'ETH-USDT-SWAP'],
    symbolDefaults: spot ? undefined : swapDefaults,
    urls: (hostPort) => ({ ws: `ws://${hostPort}/ws/v5`, rest: `http://${hostPort}` }),
    ws: {
      route,
      heartbeat: { mode: 'client-ping', idleTimeoutMs: IDLE_TIMEOUT_MS },
      topicsPerConnection: TOPICS_PER_CONNECTION,
      parseRequest,
      parseTopic: (topic) => parseTopic(market, topic),
      serves: (endpoint, spec) => endpoint === (spec.kind === 'kline' ? 'business' : 'public'),
      ackPerTopic: true,
      ack,
      reject,
      // OKX answers a funding-rate subscription with the current rate at once (pushes are 30–90 s apart).
      onSubscribed: (ctx, conn) =>
        conn.endpoint === 'public' && ctx.spec.kind === 'markPrice' && ctx.spec.variant === 'funding-rate' && ctx.sim.symbol(ctx.spec.symbol)
          ? [fundingFrame(ctx, markInfo(ctx.sim, ctx.spec.symbol, ctx.now))]
          : [],
      // OKX has no request listing subscriptions; parseRequest never asks for one.
      list: () => errorFrame(undefined, '60012', 'Invalid request: unsupported operation', {}),
      frame: (_conn, _topic, payload) => payload,
      payload: market === 'spot' ? payloads(false) : payloads(true),
    },
    rest: { handle: rest, failureBody },
  };
}

// ---- routing and requests ------------------------------------------------------------------------

function route(path: string): WsRoute | undefined {
  const m = /^\/ws\/v5\/(public|business)$/.exec(path);
  if (!m) return undefined;
  return { endpoint: m[1], state: { connId: randomBytes(4).toString('hex') } };
}

/** Which endpoint serves a channel. */
function endpointOf(channel: string): 'public' | 'business' {
  return channel.startsWith('candle') ? 'business' : 'public';
}

function splitTopic(topic: string): { channel: string; instId: string } {
  const colon = topic.indexOf(':');
  return colon < 0 ? { channel: topic, instId: '' } : { channel: topic.slice(0, colon), instId: topic.slice(colon + 1) };
}

function parseRequest(text: string, conn: FakeConnection): ClientRequest {
  if (text === 'ping') return { type: 'ping', reply: 'pong' };
  const invalid = (id?: string): ClientRequest => ({ type: 'reply', text: errorFrame(id, '60012', `Invalid request: ${text}`, conn.state) });
  const m = parseJson(text);
  if (!isObject(m)) return invalid();
  if (m.id !== undefined && (typeof m.id !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(m.id))) return invalid();
  const id = m.id as string | undefined;
  if (m.op !== 'subscribe' && m.op !== 'unsubscribe') return invalid(id);
  const args = m.args;
  if (!Array.isArray(args) || args.length === 0) return invalid(id);
  const topics: string[] = [];
  for (const arg of args) {
    if (!isObject(arg) || typeof arg.channel !== 'string') return invalid(id);
    const { channel, instId } = arg;
    if (instId !== undefined && typeof instId !== 'string') return invalid(id);
    topics.push(`${channel}:${instId ?? ''}`);
  }
  return { type: m.op, topics, ...(id !== undefined ? { id } : {}) };
}

function parseTopic(market: Market, topic: string): TopicSpec | Error {
  const { channel, instId } = splitTopic(topic);
  const missing = new Error(`Wrong URL or channel:${channel},instId:${instId} ${MISSING_ARG}`);
  const form = market === 'spot' ? /^[A-Z0-9]+-[A-Z0-9]+$/ : /^[A-Z0-9]+-[A-Z0-9]+-SWAP$/;
  if (!form.test(instId)) return missing;
  const symbol = instId;
  if (channel.startsWith('candle')) {
    const bar = channel.slice('candle'.length);
    const interval = SIM_BARS.get(bar);
    if (interval) return { kind: 'kline', symbol, interval, pushMs: CANDLE_PUSH_MS, variant: channel };
    return SILENT_BARS.has(bar) ? { kind: 'none', symbol } : missing;
  }
  switch (channel) {
    case 'trades':
      return { kind: 'trades', symbol };
    case 'tickers':
      return { kind: 'ticker', symbol, pushMs: TICKER_PUSH_MS };
    case 'mark-price':
      // SPOT has mark prices only for margin trading: acked, not simulated.
      return market === 'spot' ? { kind: 'none', symbol } : { kind: 'markPrice', symbol, pushMs: MARK_PUSH_MS, variant: channel };
    case 'funding-rate':
      return market === 'spot' ? missing : { kind: 'markPrice', symbol, pushMs: FUNDING_PUSH_MS, variant: channel };
    default:
      return SILENT_CHANNELS.has(channel) ? { kind: 'none', symbol } : missing;
  }
}

function ack(req: SubscribeRequest, conn: FakeConnection): string[] {
  return req.topics.map((topic) => {
    const arg = splitTopic(topic);
    if (req.type === 'subscribe' && endpointOf(arg.channel) !== conn.endpoint) {
      // Acked by the generic server logic but never served here (serves() says so): what the
      // client sees is the real refusal.
      return errorFrame(req.id, '60018', `Wrong URL or channel:${arg.channel},instId:${arg.instId} ${MISSING_ARG}`, conn.state);
    }
    return JSON.stringify({ ...(typeof req.id === 'string' ? { id: req.id } : {}), event: req.type, arg, connId: conn.state.connId });
  });
}

function reject(req: SubscribeRequest, reason: RejectReason, conn: FakeConnection): string {
  switch (reason.kind) {
    case 'invalid-topic':
      return errorFrame(req.id, '60018', reason.message, conn.state);
    case 'rejected-symbol': {
      const { channel, instId } = splitTopic(reason.topic);
      return errorFrame(req.id, '60018', `Wrong URL or channel:${channel},instId:${instId} ${MISSING_ARG}`, conn.state);
    }
    case 'too-many-topics':
      return errorFrame(req.id, '60029', `Too many channels on this connection: at most ${reason.limit}`, conn.state);
  }
}

function errorFrame(id: unknown, code: string, msg: string, state: Record<string, unknown>): string {
  return JSON.stringify({ ...(typeof id === 'string' ? { id } : {}), event: 'error', code, msg, connId: state.connId });
}

// ---- numbers -----------------------------------------------------------------------------------

/** Decimals of a SWAP's contract value: BTC 0.01, ETH 0.1, others 1. */
function ctValDecimals(instId: string): number {
  if (instId.startsWith('BTC-')) return 2;
  if (instId.startsWith('ETH-')) return 1;
  return 0;
}

/** Base sizes in whole lots of 0.01 contracts; a SWAP follows its spot pair's price path. */
function swapDefaults(symbol: string): Partial<SymbolSpec> {
  return { sizeDecimals: ctValDecimals(symbol) + LOT_DECIMALS, priceKey: symbol.replace(/-SWAP$/, '') };
}

/** A base size as contracts of a SWAP (base / 10^-k, i.e. the decimal point moved k places right). */
function contracts(instId: string, base: string): string {
  const k = ctValDecimals(instId);
  const dot = base.indexOf('.');
  const decimals = dot < 0 ? 0 : base.length - dot - 1;
  const units = BigInt(base.replace('.', ''));
  return decimals >= k ? trimZeros(formatUnits(units, decimals - k)) : formatUnits(units * 10n ** BigInt(k - decimals), 0);
}

// ---- payloads ----------------------------------------------------------------------------------

function push(topic: string, data: unknown[]): string {
  return JSON.stringify({ arg: splitTopic(topic), data });
}

/** The open price of the current day starting at `dayStart` (UTC or UTC+8), else the last price. */
function dayOpen(ctx: PayloadContext, dayStart: number, fallback: string): string {
  const agg = ctx.sim.aggregate(ctx.spec.symbol, dayStart, ctx.now);
  return trimZeros(agg.open ?? fallback);
}

function candleRow(swap: boolean, symbol: string, k: SimKline): string[] {
  const vol = swap ? contracts(symbol, k.volume) : trimZeros(k.volume);
  const volCcy = swap ? trimZeros(k.volume) : trimZeros(k.quoteVolume);
  return [String(k.openTime), ...ohlc(k, trimZeros), vol, volCcy, trimZeros(k.quoteVolume), k.closed ? '1' : '0'];
}

function fundingFrame(ctx: PayloadContext, m: MarkInfo): string {
  return push(ctx.topic, [
    {
      fundingRate: trimZeros(m.fundingRate),
      fundingTime: String(m.nextFundingTime),
      instId: ctx.spec.symbol,
      instType: 'SWAP',
      method: 'current_period',
      nextFundingRate: '',
      nextFundingTime: String(m.nextFundingTime + 8 * HOUR),
      ts: String(ctx.now),
    },
  ]);
}

function payloads(swap: boolean): FakeMarketProtocol['ws']['payload'] {
  const size = (symbol: string, base: string) => (swap ? contracts(symbol, base) : trimZeros(base));
  return {
    trades: (ctx, trades) =>
      trades.map((t) =>
        push(ctx.topic, [
          { instId: ctx.spec.symbol, tradeId: String(t.id), px: trimZeros(t.price), sz: size(ctx.spec.symbol, t.size), side: t.side, ts: String(t.time), count: '1' },
        ]),
      ),
    kline: (ctx, k) => push(ctx.topic, [candleRow(swap, ctx.spec.symbol, k)]),
    ticker: (ctx, st, book) => {
      const symbol = ctx.spec.symbol;
      const { last, open, high, low } = windowPrices(st, book);
      const utcDay = Math.floor(ctx.now / DAY) * DAY;
      const utc8Day = Math.floor((ctx.now + UTC8) / DAY) * DAY - UTC8;
      return push(ctx.topic, [
        {
          instType: swap ? 'SWAP' : 'SPOT',
          instId: symbol,
          last: trimZeros(last),
          lastSz: size(symbol, st.lastSize ?? '0'),
          askPx: trimZeros(book.ask),
          askSz: size(symbol, book.askSize),
          bidPx: trimZeros(book.bid),
          bidSz: size(symbol, book.bidSize),
          open24h: trimZeros(open),
          high24h: trimZeros(high),
          low24h: trimZeros(low),
          sodUtc0: dayOpen(ctx, utcDay, last),
          sodUtc8: dayOpen(ctx, utc8Day, last),
          // SPOT: volCcy24h in quote, vol24h in base. SWAP: volCcy24h in base, vol24h in contracts.
          volCcy24h: swap ? trimZeros(st.volume) : trimZeros(st.quoteVolume),
          vol24h: swap ? contracts(symbol, st.volume) : trimZeros(st.volume),
          ts: String(ctx.now),
        },
      ]);
    },
    // No channel maps to a book ticker (bbo-tbt is not simulated).
    bookTicker: (ctx) => push(ctx.topic, []),
    markPrice: (ctx, m) =>
      ctx.spec.kind === 'markPrice' && ctx.spec.variant === 'funding-rate'
        ? fundingFrame(ctx, m)
        : push(ctx.topic, [{ instId: ctx.spec.symbol, instType: 'SWAP', markPx: trimZeros(m.markPrice), ts: String(ctx.now) }]),
  };
}

// ---- REST --------------------------------------------------------------------------------------

function rest(req: RestRequest, ctx: RestContext): RestResponse | undefined {
  if (req.method !== 'GET') return undefined;
  switch (req.path) {
    case '/api/v5/market/candles':
      return candles(req.query, ctx, false);
    case '/api/v5/market/history-candles':
      return candles(req.query, ctx, true);
    case '/api/v5/public/instruments':
      return instruments(req.query, ctx);
    case '/api/v5/public/time':
      return ok([{ ts: String(ctx.now) }]);
    default:
      return undefined;
  }
}

function candles(q: URLSearchParams, ctx: RestContext, history: boolean): RestResponse {
  const instId = q.get('instId');
  if (!instId) return error('50014', 'Parameter instId can not be empty');
  const bar = q.get('bar') || '1m';
  const nums = integerParams(q, ['after', 'before', 'limit']);
  if (typeof nums === 'string') return error('51000', `Parameter ${nums} error`);
  const limit = nums.limit ?? DEFAULT_LIMIT;
  if (limit < 1 || limit > MAX_LIMIT) return error('51000', 'Parameter limit error');
  if (!ctx.sim.symbol(instId)) return error('51001', "Instrument ID or Spread ID doesn't exist.");
  // `/market/candles` has no 1s bars.
  if (!history && bar === '1s') return error('51000', 'Parameter bar error');
  const iv = SIM_BARS.get(bar);
  if (!iv) return SILENT_BARS.has(bar) ? ok([]) : error('51000', 'Parameter bar error');
  // Exclusive bounds: after → open time < after, before → open time > before.
  let startTime = nums.before === undefined ? undefined : nums.before + 1;
  const endTime = nums.after === undefined ? undefined : nums.after - 1;
  if (!history) {
    const horizon = opensBefore(iv, barOpen(iv, ctx.now), RECENT_BARS - 1);
    startTime = Math.max(startTime ?? horizon, horizon);
  }
  if (endTime !== undefined && (endTime < 0 || (startTime !== undefined && startTime > endTime))) return ok([]);
  const rows = ctx.sim.page(instId, iv, { startTime, endTime, limit, pageFrom: 'newest' });
  const swap = ctx.market === 'perp';
  return ok(rows.reverse().map((k) => candleRow(swap, instId, k)));
}

function instruments(q: URLSearchParams, ctx: RestContext): RestResponse {
  const instType = q.get('instType');
  if (!instType) return error('50014', 'Parameter instType can not be empty');
  if (!['SPOT', 'MARGIN', 'SWAP', 'FUTURES', 'OPTION'].includes(instType)) return error('51000', 'Parameter instType error');
  const served = ctx.market === 'spot' ? 'SPOT' : 'SWAP';
  // One fake server serves one market; the other instrument types have nothing listed here.
  let symbols = instType === served ? ctx.sim.symbols() : [];
  const instId = q.get('instId');
  if (instId) {
    symbols = symbols.filter((s) => s.symbol === instId);
    if (symbols.length === 0) return error('51001', "Instrument ID or Spread ID doesn't exist.");
  }
  return ok(symbols.map((s) => (ctx.market === 'spot' ? spotInstrument(s) : swapInstrument(s))));
}

function spotInstrument(s: SimSymbol): Record<string, string> {
  const { base, quote } = pairAssets(s);
  return {
    alias: '',
    baseCcy: base,
    category: '1',
    ctMult: '',
    ctType: '',
    ctVal: '',
    ctValCcy: '',
    expTime: '',
    instFamily: '',
    instId: s.symbol,
    instType: 'SPOT',
    lever: '10',
    listTime: '1606468572000',
    lotSz: unitStep(s.sizeDecimals),
    maxLmtSz: '9999999999',
    maxMktSz: '1000000',
    minSz: unitStep(s.sizeDecimals),
    quoteCcy: quote,
    settleCcy: '',
    state: 'live',
    tickSz: unitStep(s.priceDecimals),
    uly: '',
  };
}

function swapInstrument(s: SimSymbol): Record<string, string> {
  const { base, quote } = pairAssets(s);
  const family = `${base}-${quote}`;
  return {
    alias: '',
    baseCcy: '',
    category: '1',
    ctMult: '1',
    ctType: 'linear',
    ctVal: unitStep(ctValDecimals(s.symbol)),
    ctValCcy: base,
    expTime: '',
    instFamily: family,
    instId: s.symbol,
    instType: 'SWAP',
    lever: '100',
    listTime: '1573557408000',
    lotSz: unitStep(LOT_DECIMALS),
    maxLmtSz: '100000000',
    maxMktSz: '12000',
    minSz: unitStep(LOT_DECIMALS),
    quoteCcy: '',
    settleCcy: 'USDT',
    state: 'live',
    tickSz: unitStep(s.priceDecimals),
    uly: family,
  };
}

function ok(data: unknown[]): RestResponse {
  return { status: 200, body: JSON.stringify({ code: '0', msg: '', data }) };
}

function error(code: string, msg: string, status = 400): RestResponse {
  return { status, body: JSON.stringify({ code, msg, data: [] }) };
}

function failureBody(status: number): string {
  if (status === 429) return JSON.stringify({ code: '50011', msg: 'Too Many Requests', data: [] });
  if (status >= 500) return JSON.stringify({ code: '50001', msg: 'Service temporarily unavailable. Please try again later.', data: [] });
  return JSON.stringify({ code: '50000', msg: `HTTP ${status}`, data: [] });
}

/** The fake OKX exchange: SPOT and USDT-margined perpetual swaps. */
export const okxFake: FakeProtocol = {
  id: 'okx',
  markets: { spot: marketProtocol('spot'), perp: marketProtocol('perp') },
};

/**
 * Fuzz targets for every exchange parser, built from the registry (no exchange is named here):
 *
 * - `ws.parse`: never throws, always returns a well-formed ParseResult whose records pass the
 *   normalized model's schemas, and calls garbage (text that is not JSON, or a bare JSON scalar)
 *   `malformed` — the result the connection engine counts and logs.
 * - REST `klines.parse` / `instruments.parse`: may refuse a body by throwing an Error (the REST
 *   client reports it), never anything else; what they return passes the model's schemas, and
 *   kline pages come sorted by open time with `closed` set only for bars that ended before `now`.
 */
import fc from 'fast-check';
import { z } from 'zod';
import type { KlinePageQuery, MarketEvent, ParseResult } from '../../sidecar/exchanges/types';
import { InstrumentSchema, KlineSchema, TickerSchema, TradeSchema } from '../../sidecar/market/model';
import { garbageText, mutatedText } from './mutate';
import { fixtureFrameTexts, registryMarkets, restSeeds } from './seeds';
import type { FuzzTarget } from './target';

const RESULT_TYPES = new Set(['events', 'ack', 'error', 'pong', 'closing', 'ignore', 'malformed']);
const PartialTicker = TickerSchema.partial().extend({ time: TickerSchema.shape.time });
const Id = z.union([z.string(), z.number()]).optional();
const Topics = z.array(z.string()).optional();

function fail(message: string): never {
  throw new Error(message);
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

function checkEvent(event: MarketEvent, at: number): void {
  if (typeof event !== 'object' || event === null) fail(`events[${at}] is not an object`);
  if (typeof event.topic !== 'string' || typeof event.symbol !== 'string') fail(`events[${at}] has no topic or symbol string`);
  let parsed: { success: boolean; error?: z.ZodError };
  switch (event.kind) {
    case 'kline':
      if (typeof event.interval !== 'string' || event.interval === '') fail(`events[${at}] kline without an interval`);
      parsed = KlineSchema.strict().safeParse(event.kline);
      break;
    case 'trade':
      parsed = TradeSchema.strict().safeParse(event.trade);
      if (event.count !== undefined && !(Number.isInteger(event.count) && event.count >= 1)) fail(`events[${at}] trade count ${event.count} is not a positive integer`);
      break;
    case 'ticker':
      parsed = PartialTicker.strict().safeParse(event.ticker);
      break;
    default:
      fail(`events[${at}] has unknown kind ${JSON.stringify((event as { kind?: unknown }).kind)}`);
  }
  if (!parsed.success) fail(`events[${at}] (${event.kind}) breaks the model: ${issues(parsed.error!)}`);
}

/** Throws unless `result` is a ParseResult the engine can act on. Exported for the unit tests. */
export function checkParseResult(result: ParseResult): void {
  if (typeof result !== 'object' || result === null || !RESULT_TYPES.has((result as { type?: string }).type ?? '')) {
    fail(`not a ParseResult: ${JSON.stringify(result)?.slice(0, 200)}`);
  }
  switch (result.type) {
    case 'events':
      if (!Array.isArray(result.events)) fail('events is not an array');
      result.events.forEach(checkEvent);
      break;
    case 'ack':
      if (!Id.safeParse(result.id).success || !Topics.safeParse(result.topics).success) fail(`bad ack ${JSON.stringify(result)}`);
      break;
    case 'error':
      if (typeof result.message !== 'string' || !Id.safeParse(result.id).success || !Topics.safeParse(result.topics).success) fail(`bad error ${JSON.stringify(result)}`);
      break;
    case 'closing':
      if (typeof result.message !== 'string') fail('closing without a message');
      break;
    case 'malformed':
      if (typeof result.reason !== 'string' || result.reason === '') fail('malformed without a reason');
      break;
    default:
      break;
  }
}

/** Text that is no exchange's frame: not JSON at all, or a bare JSON scalar. */
function isGarbage(text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return true;
  }
  return value === null || typeof value !== 'object';
}

function describeThrow(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `a non-Error value ${String(error)}`;
}

/** `ws.parse` of each exchange-market. */
export function wsParseTargets(): FuzzTarget<string>[] {
  const frames = fixtureFrameTexts();
  return registryMarkets().map(({ name, adapter }) => ({
    name: `ws.parse ${name}`,
    async prepare() {
      // Adapters that convert sizes with instrument data (contract sizes) get it, as the hub gives it.
      const list = (await restSeeds()).parsedInstruments.get(name);
      if (list) adapter.useInstruments?.(list);
      // Near-misses of this parser's own frames (those it reads as something) reach the deep code.
      const own = frames.filter((f) => adapter.ws.parse(f).type !== 'malformed');
      return fc.oneof(
        { arbitrary: mutatedText(own.length > 0 ? own : frames), weight: 5 },
        { arbitrary: mutatedText(frames), weight: 1 },
        { arbitrary: garbageText, weight: 2 },
        { arbitrary: fc.constantFrom(...frames), weight: 1 },
      );
    },
    check(text) {
      let result: ParseResult;
      try {
        result = adapter.ws.parse(text);
      } catch (error) {
        fail(`parse threw ${describeThrow(error)}`);
      }
      checkParseResult(result);
      if (isGarbage(text) && result.type !== 'malformed' && !(result.type === 'pong' && /pong/i.test(text))) {
        fail(`garbage classified as ${result.type}, not malformed`);
      }
    },
  }));
}

/** Epoch ms around the present (2020 … 2035), where real bars are. */
const now = fc.integer({ min: 1_577_836_800_000, max: 2_051_222_400_000 });

function expectErrorThrow(error: unknown): void {
  if (!(error instanceof Error)) fail(`threw ${describeThrow(error)} (must be an Error)`);
  if (error.message === '') fail('threw an Error without a message');
}

/** REST `klines.parse` of each exchange-market. */
export function klinesParseTargets(): FuzzTarget<{ body: string; now: number; seed: number }>[] {
  return registryMarkets().map(({ name, adapter }) => {
    let pages: Array<{ body: string; query: KlinePageQuery }> = [];
    return {
      name: `rest.klines.parse ${name}`,
      async prepare() {
        pages = (await restSeeds()).klines.get(name) ?? [];
        const body = fc.oneof({ arbitrary: mutatedText(pages.map((p) => p.body)), weight: 3 }, { arbitrary: garbageText, weight: 1 });
        return fc.record({ body, now, seed: fc.nat() });
      },
      check({ body, now: at, seed }) {
        const query = pages.length > 0 ? pages[seed % pages.length].query : { symbol: 'X', interval: '1m', limit: 10 };
        let bars: unknown;
        try {
          bars = adapter.rest.klines.parse(body, at, query);
        } catch (error) {
          expectErrorThrow(error);
          return;
        }
        if (!Array.isArray(bars)) fail('did not return an array');
        const parsed = z.array(KlineSchema.strict()).safeParse(bars);
        if (!parsed.success) fail(`a bar breaks the model: ${issues(parsed.error)}`);
        for (let i = 0; i < parsed.data.length; i++) {
          const bar = parsed.data[i];
          if (i > 0 && bar.openTime < parsed.data[i - 1].openTime) fail(`bars not sorted by open time at index ${i}`);
          if (bar.closed && bar.closeTime >= at) fail(`bar ${bar.openTime} marked closed but closes at ${bar.closeTime} >= now ${at}`);
        }
      },
    };
  });
}

/** REST `instruments.parse` of each exchange-market. */
export function instrumentsParseTargets(): FuzzTarget<string>[] {
  return registryMarkets().map(({ name, adapter, exchange, market }) => {
    return {
      name: `rest.instruments.parse ${name}`,
      async prepare() {
        const lists = (await restSeeds()).instruments.get(name) ?? [];
        return fc.oneof({ arbitrary: mutatedText(lists), weight: 3 }, { arbitrary: garbageText, weight: 1 });
      },
      check(body) {
        let list: unknown;
        try {
          list = adapter.rest.instruments.parse(body);
        } catch (error) {
          expectErrorThrow(error);
          return;
        }
        const parsed = z.array(InstrumentSchema.strict()).safeParse(list);
        if (!parsed.success) fail(`an instrument breaks the model: ${issues(parsed.error)}`);
        for (const i of parsed.data) {
          if (i.exchange !== exchange || i.market !== market) fail(`instrument ${i.symbol} says ${i.exchange} ${i.market}, parsed for ${exchange} ${market}`);
        }
      },
    };
  });
}

/** Assertions on what an exchange parser returns, shared by the per-exchange parser tests. */
import { expect } from 'vitest';
import type { MarketEvent, ParseResult } from '../../sidecar/exchanges/types';
import { KlineSchema, TickerSchema, TradeSchema } from '../../sidecar/market/model';

const RESULT_TYPES = ['events', 'ack', 'error', 'pong', 'closing', 'ignore', 'malformed'];
const PartialTickerSchema = TickerSchema.partial().required({ time: true }).strict();

/** Every event must satisfy the normalized model: no NaN, no fractional ms, no stray keys. */
export function assertValid(result: ParseResult): void {
  expect(RESULT_TYPES).toContain(result.type);
  if (result.type === 'malformed') expect(result.reason.length).toBeGreaterThan(0);
  if (result.type !== 'events') return;
  for (const event of result.events) {
    expect(event.topic.length).toBeGreaterThan(0);
    expect(event.symbol.length).toBeGreaterThan(0);
    if (event.kind === 'kline') KlineSchema.strict().parse(event.kline);
    if (event.kind === 'trade') TradeSchema.strict().parse(event.trade);
    if (event.kind === 'ticker') PartialTickerSchema.parse(event.ticker);
  }
}

/** The events of a result that must be events. */
export function eventsOf(result: ParseResult): MarketEvent[] {
  if (result.type !== 'events') throw new Error(`expected events, got ${JSON.stringify(result)}`);
  return result.events;
}

/** The one event of a result that must hold exactly one. */
export function onlyEvent(result: ParseResult): MarketEvent {
  const events = eventsOf(result);
  expect(events).toHaveLength(1);
  return events[0];
}

/**
 * What every WebSocket frame parser shares: the guard that keeps `parse` from ever throwing, the
 * JSON-object check, and the small builders of ParseResults. The protocol-specific part of a
 * parser is the function it hands to parseObjectFrame.
 */
import type { Ticker } from '../market/model';
import { describe, isObject, parseJson, type JsonObject } from './decode';
import type { MarketEvent, ParseResult } from './types';

/** A ticker carrying only some fields: the hub merges the partial tickers of a symbol's topics. */
export type PartialTicker = Partial<Ticker> & { time: number };

/**
 * Parses a frame that must be a JSON object with `map`. Never throws: text that is not a JSON
 * object is `malformed` with the reason, and so is an exception thrown by `map` (a parser bug is
 * counted and logged, never a crash).
 */
export function parseObjectFrame(frame: string, map: (json: JsonObject) => ParseResult): ParseResult {
  try {
    const json = parseJson(frame);
    if (json instanceof Error) return malformed(`not JSON (${json.message}): ${snippet(frame)}`);
    if (!isObject(json)) return malformed(`expected a JSON object, got ${describe(json)}`);
    return map(json);
  } catch (err) {
    return malformed(`parser error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A frame this protocol cannot produce, and why. */
export function malformed(reason: string): ParseResult {
  return { type: 'malformed', reason };
}

/** The records of one frame. */
export function events(list: MarketEvent[]): ParseResult {
  return { type: 'events', events: list };
}

/**
 * Maps every item of a push's `data` array with `map`, which is told where the item sits
 * (`<topic> data[<i>]`, for its messages). An item that is not an object, or that `map` answers
 * with a string (the problem), makes the whole frame malformed.
 */
export function eachItem(topic: string, data: unknown[], map: (item: JsonObject, what: string) => MarketEvent | string): ParseResult {
  const list: MarketEvent[] = [];
  for (const [index, item] of data.entries()) {
    const what = `${topic} data[${index}]`;
    if (!isObject(item)) return malformed(`${what}: expected an object, got ${describe(item)}`);
    const event = map(item, what);
    if (typeof event === 'string') return malformed(event);
    list.push(event);
  }
  return events(list);
}

/** Drops undefined fields: the hub merges partial tickers, and an explicit undefined would erase. */
export function partialTicker(fields: PartialTicker): PartialTicker {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out as PartialTicker;
}

/** The request id an answer echoes (a non-empty string or a number); undefined for anything else. */
export function requestId(value: unknown): string | number | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function snippet(text: string): string {
  return text.length > 80 ? `${JSON.stringify(text.slice(0, 77))}...` : JSON.stringify(text);
}

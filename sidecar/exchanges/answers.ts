/**
 * What exchanges answer besides market data: error texts with their codes (WebSocket refusals and
 * REST error bodies alike) and REST bodies read as JSON. REST parse functions throw an Error naming
 * the problem (RestProtocol's return types leave no other channel); the REST caller turns it into
 * a value.
 */
import { describe, isObject, nonEmpty, parseJson, type JsonObject } from './decode';

/**
 * An exchange's error text with its code: `Invalid symbol. (code -1121)`. `fallback` stands in for
 * a missing or empty message; without one, no message means no error text (undefined).
 */
export function codeMessage(code: unknown, msg: unknown, fallback: string): string;
export function codeMessage(code: unknown, msg: unknown): string | undefined;
export function codeMessage(code: unknown, msg: unknown, fallback?: string): string | undefined {
  const text = nonEmpty(msg) ?? fallback;
  if (text === undefined || code === undefined || code === null || code === '') return text;
  return `${text} (code ${typeof code === 'string' ? code : describe(code)})`;
}

/** How the REST answers of one exchange are read. */
export interface RestAnswers {
  /** RestProtocol.errorMessage: the text of an error body; undefined for anything else. */
  errorMessage(body: string): string | undefined;
  /** The JSON of a body; throws an Error starting with `what` when it is not JSON or is an error answer. */
  json(body: string, what: string): unknown;
}

/**
 * The answer reader of the exchange called `exchange` in messages. `errorOf` tells an error
 * answer by its protocol (an error code, a success flag…) and returns its text; undefined for a
 * success or anything else.
 */
export function restAnswers(exchange: string, errorOf: (json: JsonObject) => string | undefined): RestAnswers {
  const errorIn = (json: unknown): string | undefined => (isObject(json) ? errorOf(json) : undefined);
  return {
    errorMessage: (body) => errorIn(parseJson(body)),
    json(body, what) {
      const json = parseJson(body);
      if (json instanceof Error) throw new Error(`${what}: response is not JSON (${json.message}): ${describe(body)}`);
      const message = errorIn(json);
      if (message !== undefined) throw new Error(`${what}: ${exchange} answered ${message}`);
      return json;
    },
  };
}

/**
 * The array at `path` in an answer (`['result', 'list']`; no keys for the answer itself). Throws
 * an Error naming `what`, the path and what arrived there when it is not an array.
 */
export function arrayAt(json: unknown, path: readonly string[], what: string): unknown[] {
  let value = json;
  for (const key of path) value = isObject(value) ? value[key] : undefined;
  if (Array.isArray(value)) return value;
  const expected = path.length === 0 ? 'an array' : `"${path.join('.')}" to be an array`;
  throw new Error(`${what}: expected ${expected}, got ${describe(value)}`);
}

/**
 * Typed, non-throwing reads of untrusted JSON. A reader is bound to one raw message type, so a
 * misspelt field name is a compile error; a missing or mistyped value records the first problem
 * (naming the field, what was expected and what arrived) and yields a placeholder, so a mapper
 * reads every field straight through and checks `problem` once at the end.
 *
 * Nothing here is exchange-specific; it lives in this folder because it is only used here so far.
 */

export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `JSON.parse` as a value: the parsed JSON, or an Error saying why the text is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A decimal string (or JSON number) as a finite number; undefined when it is anything else.
 * `Number('0.35280000')` is 0.3528: the shortest representation drops trailing zeros, which is
 * what downstream decimal counting sees. That is fine — trailing zeros are padding to the
 * symbol's step, not extra precision, so sums rounded to the inputs' decimals stay exact.
 */
export function toDecimal(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !DECIMAL.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

const DIGITS = /^\d{1,16}$/;

/**
 * A non-negative integer sent as a JSON number or as a string of digits (`"1597026383085"`): times
 * in epoch milliseconds, counts. Undefined for anything else.
 */
export function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string' || !DIGITS.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `value` when it is a non-empty string, else undefined. */
export function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A short printable form of a bad value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Where a reader and the readers of its nested objects record their first problem. */
interface ProblemSink {
  problem?: string;
}

/** Reads the fields of one raw message of type `T`; see the module comment. */
export class FieldReader<T> {
  constructor(
    private readonly raw: JsonObject,
    private readonly what: string,
    private readonly sink: ProblemSink = {},
  ) {}

  /** The first problem met so far (here or in a nested reader); undefined while all reads succeeded. */
  get problem(): string | undefined {
    return this.sink.problem;
  }

  /** A required decimal string or number. */
  decimal(key: keyof T & string): number {
    return this.required(key, toDecimal, 'a decimal number', NaN);
  }

  /** An optional decimal; absent, null or empty string is undefined, anything else must parse. */
  optDecimal(key: keyof T & string): number | undefined {
    return this.optional(key, toDecimal, 'a decimal number');
  }

  /** A required integer (times in ms, ids, counts). */
  int(key: keyof T & string): number {
    const v = this.raw[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return this.fail(key, 'an integer', 0);
    return v;
  }

  /** An optional integer; absent or null is undefined. */
  optInt(key: keyof T & string): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return this.fail(key, 'an integer', undefined);
    return v;
  }

  /** Required epoch milliseconds, as a JSON integer or a string of digits. */
  ms(key: keyof T & string): number {
    return this.required(key, toInteger, 'epoch milliseconds', 0);
  }

  /** Optional epoch milliseconds; absent, null or empty string is undefined, anything else must parse. */
  optMs(key: keyof T & string): number | undefined {
    return this.optional(key, toInteger, 'epoch milliseconds');
  }

  /** A required non-empty string. */
  string(key: keyof T & string): string {
    const v = this.raw[key];
    if (typeof v !== 'string' || v === '') return this.fail(key, 'a non-empty string', '');
    return v;
  }

  /** A required boolean. */
  bool(key: keyof T & string): boolean {
    const v = this.raw[key];
    if (typeof v !== 'boolean') return this.fail(key, 'a boolean', false);
    return v;
  }

  /** A required nested object, read by a reader that reports its problems through this one. */
  object<U>(key: keyof T & string, what: string): FieldReader<U> {
    const v = this.raw[key];
    if (!isObject(v)) {
      this.fail(key, 'an object', undefined);
      return new FieldReader<U>({}, what, this.sink);
    }
    return new FieldReader<U>(v, what, this.sink);
  }

  private required<V>(key: string, read: (value: unknown) => V | undefined, expected: string, placeholder: V): V {
    const value = read(this.raw[key]);
    return value === undefined ? this.fail(key, expected, placeholder) : value;
  }

  private optional<V>(key: string, read: (value: unknown) => V | undefined, expected: string): V | undefined {
    const raw = this.raw[key];
    if (raw === undefined || raw === null || raw === '') return undefined;
    const value = read(raw);
    return value === undefined ? this.fail(key, expected, undefined) : value;
  }

  private fail<P>(key: string, expected: string, placeholder: P): P {
    this.sink.problem ??= `${this.what}: field "${key}" should be ${expected}, got ${describe(this.raw[key])}`;
    return placeholder;
  }
}

/**
 * Small readers for Bitget's wire values that the shared decode helpers do not cover: times in
 * milliseconds sent as decimal strings (`"1730332858796"`), and response envelopes.
 */
import { describe, isObject } from '../decode';

const DIGITS = /^\d{1,16}$/;

/** Milliseconds from a JSON integer or a string of digits; undefined for anything else. */
export function msOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string' || !DIGITS.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A Bitget error as `msg (code c)`, from an object carrying `code` and `msg`; undefined when it has no msg. */
export function codeMessage(json: unknown): string | undefined {
  if (!isObject(json)) return undefined;
  const { code, msg } = json as { code?: unknown; msg?: unknown };
  if (typeof msg !== 'string' || msg === '') return undefined;
  return code === undefined ? msg : `${msg} (code ${describe(code)})`;
}

/** Compares two trade ids: numerically when both are digit strings (Bitget's are 19 digits), else as text. */
export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    if (a.length !== b.length) return a.length - b.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

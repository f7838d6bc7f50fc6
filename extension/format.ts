/** Small text helpers shared by the status bar and the tree. Pure. */

/** Fills in `{0}`, `{1}`… the way `vscode.l10n.t` does; the fallback when no translation is wired. */
export type Translate = (message: string, ...args: Array<string | number>) => string;

export const english: Translate = (message, ...args) => message.replace(/\{(\d+)\}/g, (whole, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : whole));

/** U+2007 FIGURE SPACE: as wide as a digit, so padded numbers keep the status bar item's width. */
export const FIGURE_SPACE = '\u2007';

/** `n` left-padded with figure spaces to `width` digits. */
export function padNumber(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : FIGURE_SPACE.repeat(width - s.length) + s;
}

/** A short age: `4 s`, `12 min`, `3 h`, `2 d`. */
export function formatAge(ms: number, t: Translate = english): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('{0} s', s);
  if (s < 3600) return t('{0} min', Math.floor(s / 60));
  if (s < 86_400) return t('{0} h', Math.floor(s / 3600));
  return t('{0} d', Math.floor(s / 86_400));
}

/** Prices keep the exchange's own decimals; only float noise beyond 10 significant digits is cut. */
export function formatPrice(price: number): string {
  if (!Number.isFinite(price)) return '—';
  const s = String(price);
  return s.length > 14 ? String(Number(price.toPrecision(10))) : s;
}

/** Makes text safe inside a Markdown table cell. */
export function escapeCell(text: string): string {
  return text.replace(/[\\`*_{}[\]<>|#]/g, (c) => `\\${c}`).replace(/\s*\n\s*/g, ' ');
}

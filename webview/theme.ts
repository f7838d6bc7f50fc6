/**
 * Chart colours from VS Code's `--vscode-*` CSS variables. The chart draws on a canvas, which CSS
 * cannot reach, so the variables are read with getComputedStyle and re-applied whenever VS Code
 * switches theme (it changes the body class vscode-dark / vscode-light / vscode-high-contrast(-light)
 * and rewrites the variables on <html>).
 */
import { DEFAULT_DOWN_COLOR, DEFAULT_UP_COLOR, type ColorConfig } from './protocol';

export interface ChartTheme {
  kind: 'dark' | 'light' | 'high-contrast' | 'high-contrast-light';
  background: string;
  text: string;
  grid: string;
  border: string;
  crosshair: string;
  marker: string;
  fontFamily: string;
  fontSize: number;
}

let probe: CanvasRenderingContext2D | null | undefined;

/**
 * A CSS colour as the canvas spells it (`#rrggbb` or `rgba(r, g, b, a)`), which lightweight-charts
 * always understands; undefined when `css` is not a colour. VS Code uses forms such as `#rrggbbaa`.
 */
export function normalizeColor(css: string): string | undefined {
  const c = css.trim();
  if (!c) return undefined;
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return c;
  // Two different sentinels: an invalid colour leaves each unchanged, a valid one replaces both.
  probe.fillStyle = '#010203';
  probe.fillStyle = c;
  const a = probe.fillStyle;
  probe.fillStyle = '#040506';
  probe.fillStyle = c;
  return a === probe.fillStyle ? a : undefined;
}

/** `color` with its alpha multiplied by `alpha` (for volume bars and the grid). */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (hex) return `rgba(${parseInt(hex[1], 16)}, ${parseInt(hex[2], 16)}, ${parseInt(hex[3], 16)}, ${alpha})`;
  const rgba = /^rgba?\(([^,]+),([^,]+),([^,)]+)(?:,([^)]+))?\)$/.exec(color.replace(/\s/g, ''));
  if (rgba) return `rgba(${rgba[1]}, ${rgba[2]}, ${rgba[3]}, ${Number(rgba[4] ?? 1) * alpha})`;
  return color;
}

function themeKind(): ChartTheme['kind'] {
  const cl = document.body.classList;
  if (cl.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (cl.contains('vscode-high-contrast')) return 'high-contrast';
  if (cl.contains('vscode-light')) return 'light';
  return 'dark';
}

/** Reads the current theme; falls back to VS Code's default colours outside VS Code. */
export function readTheme(): ChartTheme {
  const kind = themeKind();
  const style = getComputedStyle(document.documentElement);
  const v = (name: string) => normalizeColor(style.getPropertyValue(name));
  const light = kind === 'light' || kind === 'high-contrast-light';
  const hc = kind.startsWith('high-contrast');
  const background = v('--vscode-editor-background') ?? (light ? '#ffffff' : '#1e1e1e');
  const text = v('--vscode-editor-foreground') ?? v('--vscode-foreground') ?? (light ? '#3b3b3b' : '#cccccc');
  const contrast = v('--vscode-contrastBorder');
  const border = (hc && contrast) || v('--vscode-panel-border') || v('--vscode-editorGroup-border') || withAlpha(text, 0.3);
  const fontSize = Number.parseFloat(style.getPropertyValue('--vscode-font-size')) || 12;
  return {
    kind,
    background,
    text,
    // High contrast themes want crisp lines; other themes a grid that stays in the background.
    grid: hc ? withAlpha(contrast ?? text, 0.35) : withAlpha(text, 0.07),
    border,
    crosshair: v('--vscode-editorCursor-foreground') ?? withAlpha(text, 0.6),
    marker: v('--vscode-editorInfo-foreground') ?? v('--vscode-focusBorder') ?? '#3794ff',
    fontFamily: style.getPropertyValue('--vscode-font-family').trim() || 'system-ui, sans-serif',
    fontSize: Math.max(10, Math.min(16, fontSize)),
  };
}

/** Calls `onChange` when VS Code changes theme; returns a function that stops watching. */
export function watchTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(() => onChange());
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  // Switching between two dark themes rewrites only the variables on <html>.
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  return () => observer.disconnect();
}

export interface CandleColors {
  up: string;
  down: string;
  /** Names of settings whose value is not a colour (reported to the host's log). */
  invalid: string[];
}

/** The configured up/down colours, each falling back to its default when it is not a CSS colour. */
export function candleColors(config: ColorConfig): CandleColors {
  const invalid: string[] = [];
  const pick = (value: string, name: string, fallback: string) => {
    const c = normalizeColor(value);
    if (c) return c;
    invalid.push(`${name}: expected a CSS colour such as #26a69a, got ${JSON.stringify(value)}`);
    return fallback;
  };
  return {
    up: pick(config.upColor, 'candlewire.chart.upColor', DEFAULT_UP_COLOR),
    down: pick(config.downColor, 'candlewire.chart.downColor', DEFAULT_DOWN_COLOR),
    invalid,
  };
}

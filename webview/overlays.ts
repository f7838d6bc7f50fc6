/**
 * The DOM around the canvas: the OHLCV legend, the feed banner, and the full-size message shown
 * instead of a blank chart (loading, empty, unknown symbol, sidecar down).
 */
import type { Kline } from '../sidecar/market/model';
import { el } from './dom';
import { legendFields } from './format';
import type { Banner } from './health';

/** OHLCV + change of the hovered bar (the newest bar when the pointer is elsewhere). */
export class Legend {
  readonly root = el('div', { class: 'legend', 'aria-live': 'off' });
  readonly #title = el('span', { class: 'legend-title' });
  readonly #values = el('span', { class: 'legend-values' });

  constructor() {
    this.root.append(this.#title, this.#values);
  }

  setTitle(text: string): void {
    this.#title.textContent = text;
  }

  show(bar: Kline | undefined, prev: Kline | undefined, seconds: boolean): void {
    if (!bar) {
      this.#values.replaceChildren();
      delete this.root.dataset.openTime;
      return;
    }
    const f = legendFields(bar, prev, seconds);
    this.root.dataset.openTime = String(bar.openTime);
    this.root.dataset.direction = f.direction;
    const item = (name: string, value: string, field: string) =>
      el('span', { class: 'legend-item' }, el('span', { class: 'legend-key', text: name }), el('span', { class: 'legend-value', 'data-field': field, text: value }));
    this.#values.replaceChildren(
      el('span', { class: 'legend-time', 'data-field': 'time', text: f.time }),
      item('O', f.open, 'open'),
      item('H', f.high, 'high'),
      item('L', f.low, 'low'),
      item('C', f.close, 'close'),
      item('V', f.volume, 'volume'),
      el('span', { class: `legend-change ${f.direction}`, 'data-field': 'change', text: f.change }),
      ...(bar.closed ? [] : [el('span', { class: 'legend-forming', text: 'forming', title: 'This bar is still forming' })]),
    );
  }
}

/** One line above the chart: feed trouble (warning) or data loss (error). */
export class BannerView {
  readonly root = el('div', { class: 'banner', role: 'status', hidden: '' });
  readonly #text = el('span', { class: 'banner-text' });
  readonly #close = el('button', { class: 'banner-close', title: 'Dismiss', 'aria-label': 'Dismiss', text: '×' });

  constructor(onDismiss: () => void) {
    this.root.append(this.#text, this.#close);
    this.#close.addEventListener('click', onDismiss);
  }

  show(banner: Banner | null): void {
    this.root.hidden = !banner;
    this.#text.textContent = banner?.text ?? '';
    this.root.dataset.level = banner?.level ?? '';
    // Only data-loss errors can be dismissed: a reconnect warning clears itself.
    this.#close.hidden = banner?.level !== 'error';
  }
}

export type OverlayKind = 'loading' | 'empty' | 'error' | 'down' | 'pick';

export interface OverlayAction {
  label: string;
  run: () => void;
}

/** Covers the canvas with a message; hidden while bars are shown. */
export class Overlay {
  readonly root = el('div', { class: 'overlay', hidden: '' });
  readonly #title = el('div', { class: 'overlay-title' });
  readonly #detail = el('div', { class: 'overlay-detail' });
  readonly #actions = el('div', { class: 'overlay-actions' });

  constructor() {
    this.root.append(this.#title, this.#detail, this.#actions);
  }

  show(kind: OverlayKind, title: string, detail = '', actions: OverlayAction[] = []): void {
    this.root.hidden = false;
    this.root.dataset.kind = kind;
    this.#title.textContent = title;
    this.#detail.textContent = detail;
    this.#actions.replaceChildren(
      ...actions.map((a) => {
        const b = el('button', { text: a.label });
        b.addEventListener('click', a.run);
        return b;
      }),
    );
  }

  hide(): void {
    this.root.hidden = true;
    delete this.root.dataset.kind;
  }

  get kind(): OverlayKind | undefined {
    return this.root.hidden ? undefined : (this.root.dataset.kind as OverlayKind);
  }
}

/**
 * TradingView's attribution, which the Lightweight Charts licence asks for: its NOTICE text and a
 * visible link to tradingview.com on the page (VS Code opens it in the browser).
 */
export function attribution(): HTMLElement {
  return el('a', {
    class: 'attribution',
    href: 'https://www.tradingview.com/',
    target: '_blank',
    rel: 'noopener',
    title: 'TradingView Lightweight Charts™ — Copyright (с) 2023 TradingView, Inc. (Apache-2.0)',
    text: 'Charts by TradingView',
  });
}

/**
 * The pickers above the chart: exchange, market, symbol (searchable, from instruments.list),
 * interval and kline source. Emits a complete spec when the user commits a choice; the app decides
 * what to load.
 */
import type { z } from 'zod';
import { parseInterval } from '../sidecar/market/intervals';
import type { Instrument, Market } from '../sidecar/market/model';
import type { ExchangesListResult } from '../sidecar/rpc/schema';
import { el } from './dom';
import type { ChartSpec } from './protocol';

export type ExchangeInfo = z.infer<typeof ExchangesListResult>[number];

/** Intervals offered for trade-built bars on top of the exchange's native ones. */
const TRADE_INTERVALS = ['1s', '5s', '10s', '15s', '30s', '1m', '3m', '5m', '15m', '30m', '1h'];
const SUGGESTIONS = 50;
const DEFAULT_INTERVAL = '1m';

export interface ToolbarEvents {
  /** The user picked another exchange or market: the app loads its instruments and maps the symbol. */
  onMarket(exchange: string, market: Market): void;
  /** The user committed a symbol, interval or source. */
  onSpec(spec: ChartSpec): void;
  /** A typed value is not usable (shown to the user). */
  onInvalid(message: string): void;
}

export class Toolbar {
  readonly root: HTMLElement;
  readonly #exchange = el('select', { title: 'Exchange', 'aria-label': 'Exchange' });
  readonly #market = el('select', { title: 'Market', 'aria-label': 'Market' });
  readonly #symbol = el('input', {
    type: 'search',
    list: 'cw-symbols',
    placeholder: 'Symbol',
    spellcheck: 'false',
    autocomplete: 'off',
    title: 'Symbol: type to search (native BTCUSDT or unified BTC/USDT)',
    'aria-label': 'Symbol',
  });
  readonly #symbols = el('datalist', { id: 'cw-symbols' });
  readonly #interval = el('input', { list: 'cw-intervals', title: 'Interval, e.g. 1m, 15m, 1h (trades: any <n>s/<n>m/<n>h)', 'aria-label': 'Interval', spellcheck: 'false', autocomplete: 'off' });
  readonly #intervals = el('datalist', { id: 'cw-intervals' });
  readonly #source = el('select', { title: 'Kline source', 'aria-label': 'Kline source' });
  #exchanges: ExchangeInfo[] = [];
  #instruments: Instrument[] = [];
  #spec: ChartSpec | null = null;

  constructor(private readonly events: ToolbarEvents) {
    this.#source.append(
      el('option', { value: 'exchange', text: 'exchange klines' }),
      el('option', { value: 'trades', text: 'built from trades' }),
    );
    this.#interval.value = DEFAULT_INTERVAL;
    this.#symbol.classList.add('symbol');
    this.#interval.classList.add('interval');
    this.root = el(
      'div',
      { class: 'toolbar', role: 'toolbar' },
      this.#exchange,
      this.#market,
      this.#symbol,
      this.#symbols,
      this.#interval,
      this.#intervals,
      this.#source,
    );
    this.#exchange.addEventListener('change', () => this.#marketChanged(true));
    this.#market.addEventListener('change', () => this.#marketChanged(false));
    this.#symbol.addEventListener('input', () => this.#suggest());
    this.#symbol.addEventListener('focus', () => this.#suggest());
    this.#symbol.addEventListener('change', () => this.#commitSymbol());
    this.#interval.addEventListener('change', () => this.#commitInterval());
    this.#source.addEventListener('change', () => {
      this.#fillIntervals();
      this.#commitInterval();
    });
  }

  /** The exchanges and markets the sidecar serves (only enabled markets are offered). */
  setExchanges(list: ExchangeInfo[]): void {
    this.#exchanges = list.filter((e) => e.markets.some((m) => m.enabled));
    this.#renderExchanges();
  }

  /** Instruments of the selected exchange-market, for the searchable symbol list. */
  setInstruments(list: Instrument[]): void {
    this.#instruments = list;
    this.#suggest();
  }

  /** Shows `spec` in the controls. */
  show(spec: ChartSpec): void {
    this.#spec = spec;
    this.#renderExchanges();
    this.#symbol.value = spec.symbol;
    this.#interval.value = spec.interval;
    this.#source.value = spec.klineSource;
    this.#fillIntervals();
  }

  /** Moves the keyboard focus to the symbol search. */
  focusSymbol(): void {
    this.#symbol.focus();
  }

  /**
   * The instrument `text` names in the loaded list: its native or unified spelling in any case, or
   * the only instrument whose spelling contains `text` (typing `eth` finds ETHUSDT when it is unique).
   */
  findInstrument(text: string): Instrument | undefined {
    const t = text.trim().toUpperCase();
    if (!t) return undefined;
    const exact = this.#instruments.find((i) => i.symbol.toUpperCase() === t || i.unified.toUpperCase() === t);
    if (exact) return exact;
    const partial = this.#instruments.filter((i) => i.symbol.toUpperCase().includes(t) || i.unified.toUpperCase().includes(t));
    return partial.length === 1 ? partial[0] : undefined;
  }

  #selected(): { exchange: string; market: Market } {
    return { exchange: this.#exchange.value, market: this.#market.value === 'perp' ? 'perp' : 'spot' };
  }

  #renderExchanges(): void {
    const exchange = this.#spec?.exchange ?? this.#exchange.value;
    const ids = this.#exchanges.map((e) => e.id);
    if (exchange && !ids.includes(exchange)) ids.unshift(exchange);
    this.#exchange.replaceChildren(
      ...ids.map((id) => el('option', { value: id, text: this.#exchanges.find((e) => e.id === id)?.displayName ?? id })),
    );
    if (exchange) this.#exchange.value = exchange;
    this.#renderMarkets(this.#spec?.market);
  }

  #renderMarkets(wanted?: Market): void {
    const info = this.#exchanges.find((e) => e.id === this.#exchange.value);
    const markets: Market[] = info ? info.markets.filter((m) => m.enabled).map((m) => m.market) : wanted ? [wanted] : ['spot', 'perp'];
    const label = (m: Market) => (m === 'perp' ? 'perpetual' : 'spot');
    this.#market.replaceChildren(...markets.map((m) => el('option', { value: m, text: label(m) })));
    this.#market.value = wanted && markets.includes(wanted) ? wanted : markets[0];
    this.#fillIntervals();
  }

  #marketChanged(exchangeChanged: boolean): void {
    if (exchangeChanged) this.#renderMarkets(this.#market.value === 'perp' ? 'perp' : 'spot');
    else this.#fillIntervals();
    this.#instruments = [];
    this.#symbols.replaceChildren();
    const { exchange, market } = this.#selected();
    this.events.onMarket(exchange, market);
  }

  #fillIntervals(): void {
    const info = this.#exchanges.find((e) => e.id === this.#exchange.value)?.markets.find((m) => m.market === this.#market.value);
    const native = info?.intervals ?? [];
    const list = this.#source.value === 'trades' ? [...new Set([...TRADE_INTERVALS, ...native])] : native;
    this.#intervals.replaceChildren(...list.map((i) => el('option', { value: i })));
  }

  #suggest(): void {
    const q = this.#symbol.value.trim().toUpperCase();
    const starts: Instrument[] = [];
    const contains: Instrument[] = [];
    for (const i of this.#instruments) {
      const s = i.symbol.toUpperCase();
      const u = i.unified.toUpperCase();
      if (!q || s.startsWith(q) || u.startsWith(q)) starts.push(i);
      else if (s.includes(q) || u.includes(q)) contains.push(i);
      if (starts.length >= SUGGESTIONS) break;
    }
    const shown = starts.concat(contains).slice(0, SUGGESTIONS);
    this.#symbols.replaceChildren(
      ...shown.map((i) => el('option', { value: i.symbol, label: `${i.unified}${i.status === 'halted' ? ' (halted)' : ''}` })),
    );
  }

  /** Builds a spec from the controls, or reports what is wrong. */
  current(symbolText = this.#symbol.value): ChartSpec | undefined {
    const { exchange, market } = this.#selected();
    const typed = symbolText.trim();
    if (!exchange || !typed) return undefined;
    const symbol = this.findInstrument(typed)?.symbol ?? typed.toUpperCase();
    const interval = this.#interval.value.trim() || DEFAULT_INTERVAL;
    const parsed = parseInterval(interval);
    if (parsed instanceof Error) {
      this.events.onInvalid(`Interval ${JSON.stringify(interval)}: ${parsed.message}`);
      return undefined;
    }
    return { exchange, market, symbol, interval: parsed.name, klineSource: this.#source.value === 'trades' ? 'trades' : 'exchange' };
  }

  #commitSymbol(): void {
    const spec = this.current();
    if (spec) {
      this.#symbol.value = spec.symbol;
      this.events.onSpec(spec);
    }
  }

  #commitInterval(): void {
    const spec = this.current();
    if (spec) this.events.onSpec(spec);
  }
}

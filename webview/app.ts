/**
 * The chart webview: shows one kline stream. Subscribes through the host, loads history with
 * klines.get, then applies live bars (coalesced per frame, ordered by BarStore), pages older
 * history in when the user scrolls left, and keeps its state with setState so a hidden or
 * reloaded panel comes back where it was.
 */
import type { LogicalRange } from 'lightweight-charts';
import { parseInterval } from '../sidecar/market/intervals';
import type { ConnectionStatus, Instrument, Kline, Market } from '../sidecar/market/model';
import { ErrorCode, ExchangesListResult, InstrumentsListResult, KlinesGetResult } from '../sidecar/rpc/schema';
import { BarStore } from './bars';
import { ChartView } from './chart';
import { FrameCoalescer } from './coalesce';
import { el } from './dom';
import { FeedHealth, type Gap } from './health';
import { HostLink, RequestError } from './host';
import { BannerView, Legend, Overlay, attribution, type OverlayAction } from './overlays';
import {
  ChartStateSchema,
  DEFAULT_DOWN_COLOR,
  DEFAULT_UP_COLOR,
  HostErrorCode,
  SubscribeAnswerSchema,
  sameSpec,
  specLabel,
  type ChartSpec,
  type ChartState,
  type ColorConfig,
  type HostMessage,
} from './protocol';
import { candleColors, readTheme, watchTheme } from './theme';
import { Toolbar } from './toolbar';

/** Bars asked for when a stream is shown (the sidecar caches 1000 closed bars by default). */
const HISTORY_BARS = 1000;
/** Bars per page of older history. */
const PAGE_BARS = 500;
/** Load the previous page when fewer than this many bars are left of the visible range. */
const PAGE_TRIGGER = 20;
const SAVE_DELAY_MS = 400;

export class App {
  readonly #link: HostLink;
  readonly #store = new BarStore();
  readonly #coalescer: FrameCoalescer;
  readonly #root: HTMLElement;
  readonly #toolbar: Toolbar;
  readonly #legend = new Legend();
  readonly #banner: BannerView;
  readonly #overlay = new Overlay();
  readonly #view: ChartView;
  #colors: ColorConfig = { upColor: DEFAULT_UP_COLOR, downColor: DEFAULT_DOWN_COLOR };
  #spec: ChartSpec | null = null;
  #key: string | undefined;
  /** Bumped whenever another stream is shown: answers for an older one are dropped. */
  #generation = 0;
  #loading = false;
  #buffered: Kline[] = [];
  #health = new FeedHealth('', false);
  #sidecarRunning = true;
  #seconds = false;
  #hover: number | undefined;
  #olderLoading = false;
  #olderExhausted = false;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  #savedFingerprint = '';
  #exchangesLoaded = false;
  #instruments = new Map<string, Promise<Instrument[]>>();

  constructor(container: HTMLElement, link: HostLink) {
    this.#link = link;
    this.#toolbar = new Toolbar({
      onMarket: (exchange, market) => void this.#marketPicked(exchange, market),
      onSpec: (spec) => this.#pick(spec),
      onInvalid: (message) => this.#showFailure(message, 'Fix it in the toolbar above.'),
    });
    this.#banner = new BannerView(() => {
      this.#health.dismissFailure();
      this.#renderBanner();
    });
    const chartEl = el('div', { class: 'chart' });
    const area = el('div', { class: 'chart-area' }, chartEl, this.#legend.root, attribution(), this.#overlay.root);
    this.#root = el('div', { class: 'app', 'data-state': 'starting' }, this.#toolbar.root, this.#banner.root, area);
    container.replaceChildren(this.#root);

    const theme = readTheme();
    const colors = candleColors(this.#colors);
    this.#view = new ChartView(chartEl, theme, colors);
    watchTheme(() => this.#view.setTheme(readTheme()));
    this.#view.onHover((t) => {
      this.#hover = t;
      this.#renderLegend();
    });
    this.#view.onRangeChange((r) => this.#rangeChanged(r));

    this.#coalescer = new FrameCoalescer((run) => requestAnimationFrame(run), (bars) => this.#flush(bars));
    link.onMessage((m) => this.#onHostMessage(m));
    link.post({ type: 'ready' });
  }

  // ---- host messages -------------------------------------------------------------------------

  #onHostMessage(m: Exclude<HostMessage, { type: 'response' }>): void {
    switch (m.type) {
      case 'init':
        return this.#init(m.state, m.colors, m.sidecarRunning);
      case 'kline':
        if (m.key !== this.#key) return;
        if (this.#loading) this.#buffered.push(m.bar);
        else this.#coalescer.push(m.bar);
        return;
      case 'gap':
        if (m.key === this.#key) this.#onGap(m.gap);
        return;
      case 'status':
        return this.#onStatus(m.status);
      case 'subscriptionError':
        if (m.key !== this.#key) return;
        this.#health.onRejected(m.message);
        this.#renderBanner();
        return;
      case 'colors':
        return this.#setColors(m.colors);
      case 'sidecar':
        return this.#onSidecar(m.running);
    }
  }

  #init(hostState: ChartState | null, colors: ColorConfig, running: boolean): void {
    this.#sidecarRunning = running;
    this.#setColors(colors);
    // The webview's own state is newer than the host's after a hide/show cycle.
    const saved = ChartStateSchema.safeParse(this.#link.savedState());
    const state = saved.success ? saved.data : hostState;
    void this.#loadExchanges();
    if (state) void this.#show(state, state);
    else this.#askForSymbol();
  }

  #onSidecar(running: boolean): void {
    if (running === this.#sidecarRunning) return;
    this.#sidecarRunning = running;
    if (!running) {
      this.#link.failPending({ code: HostErrorCode.SidecarDown, message: 'the Candlewire sidecar stopped' });
      this.#key = undefined;
      this.#coalescer.clear();
      this.#showDown();
      return;
    }
    if (!this.#exchangesLoaded) void this.#loadExchanges();
    // A restarted sidecar has none of our subscriptions: subscribe again and reload, keeping the view.
    if (this.#spec) void this.#show(this.#spec, this.#viewState());
  }

  #onStatus(s: ConnectionStatus): void {
    if (!this.#spec || s.exchange !== this.#spec.exchange || s.market !== this.#spec.market) return;
    if (this.#health.onStatus(s)) this.#renderBanner();
  }

  #onGap(g: Gap): void {
    const filled = this.#health.onGap(g);
    this.#renderBanner();
    if (!filled || !this.#spec) return;
    this.#view.addGapMark({ from: filled.from, bars: filled.bars });
    // The healed bars also come as kline notifications; fetching the range makes sure a hidden
    // or late panel gets them too. Bars are keyed by open time, so nothing doubles.
    const gen = this.#generation;
    const spec = this.#spec;
    this.#link
      .request('klines.get', { ...specParams(spec), startTime: filled.from, endTime: filled.to, limit: Math.min(100_000, filled.bars + 2) })
      .then((res) => {
        if (gen !== this.#generation) return;
        for (const b of parseKlines(res)) this.#coalescer.push(b);
      })
      .catch((e: unknown) => this.#link.log('warn', `chart: could not re-read the filled gap of ${specLabel(spec)}: ${errorText(e)}`));
  }

  // ---- showing a stream ----------------------------------------------------------------------

  /** The user changed a picker. */
  #pick(spec: ChartSpec): void {
    if (this.#spec && sameSpec(spec, this.#spec) && this.#overlay.kind !== 'error' && this.#overlay.kind !== 'pick') return;
    void this.#show(spec);
  }

  async #show(spec: ChartSpec, view?: Partial<ChartState>): Promise<void> {
    const gen = ++this.#generation;
    this.#spec = { exchange: spec.exchange, market: spec.market, symbol: spec.symbol, interval: spec.interval, klineSource: spec.klineSource };
    this.#key = undefined;
    this.#loading = true;
    this.#buffered = [];
    this.#olderLoading = false;
    this.#olderExhausted = false;
    this.#coalescer.clear();
    this.#store.clear();
    this.#view.clear();
    const interval = parseInterval(spec.interval);
    this.#seconds = !(interval instanceof Error) && interval.unit === 's';
    this.#view.setSeconds(this.#seconds);
    this.#health = new FeedHealth(`${spec.exchange} ${spec.market}`, this.#seconds);
    this.#renderBanner();
    this.#toolbar.show(this.#spec);
    this.#legend.setTitle(`${specLabel(this.#spec)} · ${spec.exchange} ${spec.market}`);
    this.#renderLegend();
    this.#save(view);
    this.#setState('loading');
    if (!this.#sidecarRunning) return this.#showDown();
    this.#overlay.show('loading', `Loading ${specLabel(spec)}…`, `${spec.exchange} ${spec.market}`);
    void this.#applyTickSize(spec, gen);

    try {
      const answer = SubscribeAnswerSchema.parse(await this.#link.request('subscribe', this.#spec));
      if (gen !== this.#generation) return;
      this.#key = answer.key;
      const res = await this.#link.request('klines.get', { ...specParams(spec), limit: HISTORY_BARS, format: 'columns' });
      if (gen !== this.#generation) return;
      this.#store.setHistory(parseKlines(res));
    } catch (e) {
      if (gen === this.#generation) this.#showError(spec, e);
      return;
    }
    this.#view.setBars(this.#store.all);
    this.#loading = false;
    for (const b of this.#buffered) this.#coalescer.push(b);
    this.#buffered = [];
    this.#restoreView(view);
    if (this.#store.length === 0) {
      this.#overlay.show('empty', `No bars yet for ${specLabel(spec)}`, `${spec.exchange} ${spec.market}: the chart fills in as soon as the first bar arrives.`);
      this.#setState('empty');
    } else {
      this.#overlay.hide();
      this.#setState('ready');
    }
    this.#renderLegend();
  }

  #askForSymbol(): void {
    this.#setState('pick');
    this.#overlay.show('pick', 'Pick a symbol', 'Choose an exchange, a market and a symbol in the toolbar above.');
    this.#toolbar.focusSymbol();
  }

  #showDown(): void {
    if (this.#store.length > 0) {
      this.#renderBanner();
      this.#setState('down');
      return;
    }
    this.#overlay.show('down', 'The Candlewire sidecar is not running', 'The chart loads again as soon as the sidecar is back.');
    this.#setState('down');
  }

  #showError(spec: ChartSpec, e: unknown): void {
    this.#loading = false;
    if (e instanceof RequestError && e.code === HostErrorCode.SidecarDown) return this.#showDown();
    const where = `${spec.exchange} ${spec.market}`;
    const data = e instanceof RequestError ? (e.error.data as Record<string, unknown> | undefined) : undefined;
    const list = (k: string): string[] => (Array.isArray(data?.[k]) ? (data[k] as unknown[]).filter((x): x is string => typeof x === 'string') : []);
    const code = e instanceof RequestError ? e.code : undefined;
    if (code === ErrorCode.UnknownSymbol) {
      const actions = list('suggestions').slice(0, 8).map((s) => ({ label: s, run: () => void this.#show({ ...spec, symbol: s }) }));
      return this.#showFailure(`Unknown symbol ${spec.symbol} on ${where}`, actions.length ? 'Did you mean:' : errorText(e), actions);
    }
    if (code === ErrorCode.Unsupported || (code === ErrorCode.InvalidParams && list('available').length)) {
      const actions = list('available').slice(0, 14).map((i) => ({ label: i, run: () => void this.#show({ ...spec, interval: i }) }));
      return this.#showFailure(`${spec.interval} is not available for ${spec.symbol} on ${where}`, errorText(e), actions);
    }
    if (code === ErrorCode.ExchangeUnavailable) return this.#showFailure(`${where} is not available`, errorText(e));
    this.#showFailure(`Could not load ${specLabel(spec)}`, errorText(e));
  }

  #showFailure(title: string, detail: string, actions: OverlayAction[] = []): void {
    this.#overlay.show('error', title, detail, actions);
    this.#setState('error');
  }

  // ---- live bars -----------------------------------------------------------------------------

  #flush(bars: Kline[]): void {
    let reset = false;
    const direct: [Kline, 'append' | 'last' | 'older'][] = [];
    for (const b of bars) {
      const how = this.#store.apply(b);
      if (how === 'insert') reset = true;
      else if (how !== 'ignored') direct.push([b, how]);
    }
    if (reset) this.#view.setBars(this.#store.all);
    else {
      try {
        for (const [b, how] of direct) this.#view.applyBar(b, how);
      } catch (e) {
        // BarStore keeps updates legal; if the library still refuses one, resync instead of breaking.
        this.#link.log('warn', `chart: update refused (${errorText(e)}); redrawing ${this.#store.length} bars`);
        this.#view.setBars(this.#store.all);
      }
    }
    if (this.#overlay.kind === 'empty' && this.#store.length > 0) {
      this.#overlay.hide();
      this.#setState('ready');
    }
    this.#renderLegend();
    this.#root.dataset.bars = String(this.#store.length);
    this.#root.dataset.lastOpenTime = String(this.#store.last?.openTime ?? '');
  }

  // ---- older history, saved view -------------------------------------------------------------

  #rangeChanged(r: LogicalRange | null): void {
    if (!r || this.#loading || !this.#spec || this.#store.length === 0) return;
    this.#scheduleSave();
    if (r.from < PAGE_TRIGGER && !this.#olderLoading && !this.#olderExhausted) void this.#loadOlder();
  }

  async #loadOlder(): Promise<void> {
    const spec = this.#spec;
    const first = this.#store.first;
    if (!spec || !first) return;
    const gen = this.#generation;
    this.#olderLoading = true;
    this.#root.dataset.paging = 'true';
    try {
      const res = await this.#link.request('klines.get', { ...specParams(spec), endTime: first.openTime - 1, limit: PAGE_BARS, format: 'columns' });
      if (gen !== this.#generation) return;
      const added = this.#store.prepend(parseKlines(res));
      if (added === 0) this.#olderExhausted = true;
      else this.#view.setBars(this.#store.all);
      this.#root.dataset.bars = String(this.#store.length);
    } catch (e) {
      if (gen === this.#generation) this.#link.log('warn', `chart: older history of ${specLabel(spec)} failed: ${errorText(e)}`);
      // Try again on a later scroll, not in a loop.
      this.#olderExhausted = true;
      setTimeout(() => {
        if (gen === this.#generation) this.#olderExhausted = false;
      }, 10_000);
    } finally {
      if (gen === this.#generation) {
        this.#olderLoading = false;
        delete this.#root.dataset.paging;
      }
    }
  }

  #viewState(): Partial<ChartState> {
    const r = this.#view.logicalRange;
    const n = this.#store.length;
    if (!r || n === 0) return {};
    const from = this.#store.at(Math.max(0, Math.min(n - 1, Math.ceil(r.from))));
    const to = this.#store.at(Math.max(0, Math.min(n - 1, Math.floor(r.to))));
    if (!from || !to) return {};
    return { visibleRange: { from: from.openTime, to: to.openTime }, followLatest: r.to >= n - 1.5 };
  }

  #restoreView(view: Partial<ChartState> | undefined): void {
    const range = view?.visibleRange;
    if (!range || this.#store.length === 0) return;
    if (view.followLatest) {
      const first = this.#store.indexAtOrBefore(range.from);
      const last = this.#store.indexAtOrBefore(range.to);
      const bars = first >= 0 && last >= first ? last - first + 1 : 0;
      if (bars > 0) this.#view.showLatest(bars, this.#store.length);
    } else {
      this.#view.showTimeRange(range.from, range.to);
    }
  }

  #scheduleSave(): void {
    clearTimeout(this.#saveTimer);
    this.#saveTimer = setTimeout(() => this.#save(this.#viewState()), SAVE_DELAY_MS);
  }

  #save(view?: Partial<ChartState>): void {
    if (!this.#spec) return;
    const state: ChartState = { ...this.#spec };
    if (view?.visibleRange) state.visibleRange = view.visibleRange;
    if (view?.followLatest !== undefined) state.followLatest = view.followLatest;
    // While following live data the window slides with every new bar; only its width matters.
    const r = state.visibleRange;
    const fingerprint = JSON.stringify(state.followLatest && r ? { ...this.#spec, span: r.to - r.from } : state);
    if (fingerprint === this.#savedFingerprint) return;
    this.#savedFingerprint = fingerprint;
    this.#link.saveState(state);
  }

  // ---- pickers --------------------------------------------------------------------------------

  async #loadExchanges(): Promise<void> {
    try {
      const list = ExchangesListResult.parse(await this.#link.request('exchanges.list', undefined));
      this.#exchangesLoaded = true;
      this.#toolbar.setExchanges(list);
      if (this.#spec) this.#toolbar.show(this.#spec);
      const spec = this.#spec;
      if (spec) void this.#instrumentsOf(spec.exchange, spec.market).then((l) => this.#toolbar.setInstruments(l));
      else if (list[0]) {
        const market = list[0].markets.find((m) => m.enabled)?.market;
        if (market) void this.#marketPicked(list[0].id, market);
      }
    } catch (e) {
      this.#link.log('warn', `chart: exchanges.list failed: ${errorText(e)}`);
    }
  }

  #instrumentsOf(exchange: string, market: Market): Promise<Instrument[]> {
    const k = `${exchange}:${market}`;
    let p = this.#instruments.get(k);
    if (!p) {
      p = this.#link
        .request('instruments.list', { exchange, market, limit: 10_000 })
        .then((r) => InstrumentsListResult.parse(r))
        .catch((e: unknown) => {
          this.#instruments.delete(k);
          this.#link.log('warn', `chart: instruments.list ${k} failed: ${errorText(e)}`);
          return [];
        });
      this.#instruments.set(k, p);
    }
    return p;
  }

  async #applyTickSize(spec: ChartSpec, gen: number): Promise<void> {
    const list = await this.#instrumentsOf(spec.exchange, spec.market);
    if (gen !== this.#generation) return;
    const inst = list.find((i) => i.symbol === spec.symbol || i.unified === spec.symbol);
    if (inst?.tickSize) this.#view.setTickSize(inst.tickSize);
  }

  /** Another exchange or market: keep the same base/quote pair there if it is listed. */
  async #marketPicked(exchange: string, market: Market): Promise<void> {
    const list = await this.#instrumentsOf(exchange, market);
    this.#toolbar.setInstruments(list);
    const prev = this.#spec;
    const before = prev ? (await this.#instrumentsOf(prev.exchange, prev.market)).find((i) => i.symbol === prev.symbol) : undefined;
    const match =
      (before && list.find((i) => i.base === before.base && i.quote === before.quote)) ?? (prev && list.find((i) => i.symbol === prev.symbol));
    if (prev && match) {
      void this.#show({ ...prev, exchange, market, symbol: match.symbol });
      return;
    }
    // Nothing to show there yet: drop the old stream (the host releases its subscription).
    this.#generation++;
    this.#spec = prev ? { ...prev, exchange, market } : null;
    if (this.#key) void this.#link.request('unsubscribe', undefined).catch(() => undefined);
    this.#key = undefined;
    this.#loading = false;
    this.#coalescer.clear();
    this.#store.clear();
    this.#view.clear();
    this.#health = new FeedHealth(`${exchange} ${market}`, this.#seconds);
    this.#renderBanner();
    this.#renderLegend();
    this.#askForSymbol();
  }

  // ---- rendering -----------------------------------------------------------------------------

  #setColors(colors: ColorConfig): void {
    this.#colors = colors;
    const c = candleColors(colors);
    for (const problem of c.invalid) this.#link.log('warn', problem);
    this.#view.setColors(c.up, c.down, this.#store.all);
    this.#root.style.setProperty('--cw-up', c.up);
    this.#root.style.setProperty('--cw-down', c.down);
  }

  #renderLegend(): void {
    const i = this.#hover !== undefined ? this.#store.indexAtOrBefore(this.#hover) : this.#store.length - 1;
    this.#legend.show(this.#store.at(i), i > 0 ? this.#store.at(i - 1) : undefined, this.#seconds);
  }

  #renderBanner(): void {
    if (!this.#sidecarRunning && this.#store.length > 0) {
      this.#banner.show({ level: 'error', text: 'The Candlewire sidecar stopped: the chart is frozen until it is back.' });
      return;
    }
    this.#banner.show(this.#health.banner());
  }

  #setState(state: string): void {
    this.#root.dataset.state = state;
    this.#root.dataset.key = this.#key ?? '';
    this.#root.dataset.bars = String(this.#store.length);
    this.#root.dataset.lastOpenTime = String(this.#store.last?.openTime ?? '');
  }
}

function specParams(s: ChartSpec) {
  return { exchange: s.exchange, market: s.market, symbol: s.symbol, interval: s.interval, klineSource: s.klineSource };
}

/** Bars of a klines.get answer. History is asked for as columns: a third of the JSON, and far cheaper to validate. */
function parseKlines(res: unknown): Kline[] {
  const r = KlinesGetResult.parse(res);
  if (r.klines) return r.klines;
  const c = r.columns;
  if (!c) return [];
  const n = c.openTime.length;
  for (const [name, col] of Object.entries(c)) {
    if (col.length !== n) throw new Error(`klines.get answered columns of unequal length (${name}: ${col.length}, openTime: ${n})`);
  }
  const bars: Kline[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const trades = c.trades[i];
    bars[i] = {
      openTime: c.openTime[i],
      closeTime: c.closeTime[i],
      open: c.open[i],
      high: c.high[i],
      low: c.low[i],
      close: c.close[i],
      volume: c.volume[i],
      quoteVolume: c.quoteVolume[i],
      ...(trades === null ? {} : { trades }),
      closed: c.closed[i],
    };
  }
  return bars;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

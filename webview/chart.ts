/**
 * The canvas: lightweight-charts with a candlestick series, a volume histogram on its own price
 * scale, the last-price line and gap markers. Knows nothing of the host; the app feeds it bars
 * already ordered by BarStore, so every call here is one the library accepts.
 */
import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  LineStyle,
  TickMarkType,
  createChart,
  createSeriesMarkers,
  type CandlestickData,
  type HistogramData,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type LogicalRange,
  type MouseEventParams,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { Kline } from '../sidecar/market/model';
import type { ApplyResult } from './bars';
import { decimals, formatDateTime } from './format';
import { withAlpha, type ChartTheme } from './theme';

const VOLUME_SCALE = 'volume';

/** lightweight-charts counts time in whole UTC seconds. */
export const toChartTime = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;
const fromChartTime = (t: Time) => (typeof t === 'number' ? t * 1000 : NaN);

export interface GapMark {
  /** Open time of the first bar filled from REST. */
  from: number;
  bars: number;
}

export class ChartView {
  readonly #chart: IChartApi;
  readonly #candles: ISeriesApi<'Candlestick'>;
  readonly #volume: ISeriesApi<'Histogram'>;
  readonly #markers: ISeriesMarkersPluginApi<Time>;
  #up: string;
  #down: string;
  /** Volume colours, derived once per colour change (not per bar). */
  #upVolume = '';
  #downVolume = '';
  #theme: ChartTheme;
  #gaps: GapMark[] = [];
  #seconds = false;
  #explicitPrecision = false;

  constructor(container: HTMLElement, theme: ChartTheme, colors: { up: string; down: string }) {
    this.#theme = theme;
    this.#up = colors.up;
    this.#down = colors.down;
    this.#chart = createChart(container, {
      autoSize: true,
      layout: {
        // The library's logo injects an inline <style>, which the webview's CSP refuses; the app
        // shows TradingView's attribution link itself (see Attribution in overlays.ts).
        attributionLogo: false,
      },
      crosshair: { mode: CrosshairMode.Normal },
      timeScale: {
        timeVisible: true,
        rightOffset: 3,
        barSpacing: 8,
        tickMarkFormatter: (t: Time, type: TickMarkType) => this.#tickMark(t, type),
      },
      localization: { timeFormatter: (t: Time) => formatDateTime(fromChartTime(t), this.#seconds) },
      rightPriceScale: { scaleMargins: { top: 0.1, bottom: 0.25 } },
    });
    this.#candles = this.#chart.addSeries(CandlestickSeries, {
      borderVisible: false,
      priceLineVisible: true,
      lastValueVisible: true,
      priceLineStyle: LineStyle.Dashed,
    });
    this.#volume = this.#chart.addSeries(HistogramSeries, {
      priceScaleId: VOLUME_SCALE,
      priceFormat: { type: 'volume' },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    this.#chart.priceScale(VOLUME_SCALE).applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    this.#markers = createSeriesMarkers(this.#candles, []);
    this.#applyStyle();
  }

  /** Bars shorter than a minute show seconds on the axis and in the legend. */
  setSeconds(seconds: boolean): void {
    this.#seconds = seconds;
    this.#chart.applyOptions({ timeScale: { secondsVisible: seconds } });
  }

  setTheme(theme: ChartTheme): void {
    this.#theme = theme;
    this.#applyStyle();
  }

  /** New up/down colours; volume bars carry their colour per bar, so they are re-sent. */
  setColors(up: string, down: string, bars: readonly Kline[]): void {
    this.#up = up;
    this.#down = down;
    this.#applyStyle();
    this.#volume.setData(bars.map((b) => this.#volumeBar(b)));
  }

  /** Price precision from the instrument's tick size (else guessed from the data). */
  setTickSize(tickSize: number): void {
    if (!(tickSize > 0)) return;
    this.#explicitPrecision = true;
    this.#candles.applyOptions({ priceFormat: { type: 'price', precision: Math.min(12, decimals(tickSize)), minMove: tickSize } });
  }

  /** Replaces every bar (history, a page of older history, or a gap insert). */
  setBars(bars: readonly Kline[]): void {
    this.#candles.setData(bars.map(candleBar));
    this.#volume.setData(bars.map((b) => this.#volumeBar(b)));
    if (!this.#explicitPrecision && bars.length) this.#guessPrecision(bars);
    this.#applyMarkers();
  }

  /** Follows one BarStore decision; `insert` is handled by the caller with one setBars. */
  applyBar(bar: Kline, how: Exclude<ApplyResult, 'insert' | 'ignored'>): void {
    const older = how === 'older';
    this.#candles.update(candleBar(bar), older);
    this.#volume.update(this.#volumeBar(bar), older);
  }

  /** Marks bars filled from REST after a gap. */
  addGapMark(mark: GapMark): void {
    this.#gaps = this.#gaps.filter((g) => g.from !== mark.from).concat(mark).sort((a, b) => a.from - b.from);
    this.#applyMarkers();
  }

  get gapMarks(): readonly GapMark[] {
    return this.#gaps;
  }

  /** Empties the chart (another stream is about to be shown). */
  clear(): void {
    this.#gaps = [];
    this.#explicitPrecision = false;
    this.#markers.setMarkers([]);
    this.#candles.setData([]);
    this.#volume.setData([]);
  }

  /** Calls `fn` with the hovered bar's open time, or undefined when the pointer leaves the bars. */
  onHover(fn: (openTime: number | undefined) => void): void {
    this.#chart.subscribeCrosshairMove((p: MouseEventParams<Time>) => {
      fn(p.point && p.time !== undefined ? fromChartTime(p.time) : undefined);
    });
  }

  /** Calls `fn` whenever the visible range changes (scroll, zoom, new data). */
  onRangeChange(fn: (range: LogicalRange | null) => void): void {
    this.#chart.timeScale().subscribeVisibleLogicalRangeChange(fn);
  }

  get logicalRange(): LogicalRange | null {
    return this.#chart.timeScale().getVisibleLogicalRange();
  }

  /** Shows bars between two open times (ms). */
  showTimeRange(from: number, to: number): void {
    try {
      this.#chart.timeScale().setVisibleRange({ from: toChartTime(from), to: toChartTime(to) });
    } catch {
      // Range outside the data (e.g. an old saved state): keep the default view.
    }
  }

  /** Shows the newest `bars` bars with the right edge on the newest bar. */
  showLatest(bars: number, total: number): void {
    if (total === 0) return;
    const span = Math.max(10, Math.min(bars, total));
    this.#chart.timeScale().setVisibleLogicalRange({ from: total - span, to: total - 1 + 3 });
  }

  dispose(): void {
    this.#chart.remove();
  }

  #volumeBar(b: Kline): HistogramData<Time> {
    return { time: toChartTime(b.openTime), value: b.volume, color: b.close >= b.open ? this.#upVolume : this.#downVolume };
  }

  #guessPrecision(bars: readonly Kline[]): void {
    let p = 0;
    for (let i = Math.max(0, bars.length - 50); i < bars.length; i++) {
      const b = bars[i];
      p = Math.max(p, decimals(b.open), decimals(b.high), decimals(b.low), decimals(b.close));
    }
    p = Math.min(10, p);
    this.#candles.applyOptions({ priceFormat: { type: 'price', precision: p, minMove: Number((10 ** -p).toFixed(p)) } });
  }

  #applyMarkers(): void {
    const markers: SeriesMarker<Time>[] = this.#gaps.map((g) => ({
      time: toChartTime(g.from),
      position: 'belowBar',
      shape: 'square',
      color: this.#theme.marker,
      text: `REST ${g.bars}`,
      size: 0.6,
    }));
    this.#markers.setMarkers(markers);
  }

  #applyStyle(): void {
    const t = this.#theme;
    this.#upVolume = withAlpha(this.#up, 0.45);
    this.#downVolume = withAlpha(this.#down, 0.45);
    this.#chart.applyOptions({
      layout: {
        background: { type: ColorType.Solid, color: t.background },
        textColor: t.text,
        fontFamily: t.fontFamily,
        fontSize: t.fontSize,
      },
      grid: { vertLines: { color: t.grid }, horzLines: { color: t.grid } },
      rightPriceScale: { borderColor: t.border },
      timeScale: { borderColor: t.border },
      crosshair: {
        vertLine: { color: t.crosshair, labelBackgroundColor: t.border },
        horzLine: { color: t.crosshair, labelBackgroundColor: t.border },
      },
    });
    this.#candles.applyOptions({
      upColor: this.#up,
      downColor: this.#down,
      wickUpColor: this.#up,
      wickDownColor: this.#down,
    });
  }

  #tickMark(t: Time, type: TickMarkType): string {
    const d = new Date(fromChartTime(t));
    const p = (n: number) => String(n).padStart(2, '0');
    switch (type) {
      case TickMarkType.Year:
        return String(d.getFullYear());
      case TickMarkType.Month:
        return d.toLocaleString(undefined, { month: 'short' });
      case TickMarkType.DayOfMonth:
        return String(d.getDate());
      case TickMarkType.TimeWithSeconds:
        return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
      default:
        return `${p(d.getHours())}:${p(d.getMinutes())}`;
    }
  }
}

function candleBar(b: Kline): CandlestickData<Time> {
  return { time: toChartTime(b.openTime), open: b.open, high: b.high, low: b.low, close: b.close };
}

/**
 * The built chart webview in real headless Chromium, inside the extension's own page (same CSP),
 * with a fake VS Code host playing JSON messages. Assertions read screenshot pixels, the DOM
 * legend/banner, and the app's data-* attributes; never timings.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Kline } from '../../sidecar/market/model';
import { makeBars, MINUTE } from './bars';
import { appData, frames, hideLegend, plotWidth, waitFor, openChartPage, post, run, shot, startHarness, type ChartPage, type Harness } from './harness';
import { columnsWith, countColor, differingColumns, hexRgb, near, pixel, runs, type Image, type Rgb } from './png';

const KEY = 'binance:spot:BTCUSDT:kline:1m';
const SPEC = { exchange: 'binance', market: 'spot', symbol: 'BTCUSDT', interval: '1m', klineSource: 'exchange' } as const;
const UP = hexRgb('#26a69a');
const DOWN = hexRgb('#ef5350');
const EXCHANGES = [
  { id: 'binance', displayName: 'Binance', markets: [{ market: 'spot', enabled: true, channels: ['kline', 'trades', 'ticker'], intervals: ['1s', '1m', '5m', '1h'] }] },
];
const INSTRUMENTS = [
  { exchange: 'binance', market: 'spot', symbol: 'BTCUSDT', unified: 'BTC/USDT', base: 'BTC', quote: 'USDT', status: 'trading', tickSize: 0.01, stepSize: 0.00001 },
  { exchange: 'binance', market: 'spot', symbol: 'ETHUSDT', unified: 'ETH/USDT', base: 'ETH', quote: 'USDT', status: 'trading', tickSize: 0.01, stepSize: 0.0001 },
];

let h: Harness;
let cp: ChartPage | undefined;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(async () => {
  // Every scenario must leave a clean page: no uncaught error, no CSP violation.
  if (cp) {
    const csp = await run<string[]>(cp.page, 'harness.csp');
    const errors = [...cp.errors, ...(await run<string[]>(cp.page, 'harness.errors'))];
    await cp.close();
    cp = undefined;
    expect(csp).toEqual([]);
    expect(errors).toEqual([]);
  }
});

interface Start {
  bars?: Kline[];
  state?: unknown;
  savedState?: unknown;
  running?: boolean;
  failures?: Record<string, unknown>;
  colors?: { upColor: string; downColor: string };
}

/** Opens a page and lets the fake host answer; waits until the webview reaches `until`. */
async function open(opts: Start = {}, until = 'ready'): Promise<ChartPage> {
  cp = await openChartPage(h);
  const config = { key: KEY, exchanges: EXCHANGES, instruments: INSTRUMENTS, state: SPEC, ...opts };
  await run(cp.page, `harness.start(${JSON.stringify(config)})`);
  await waitFor(cp.page, `document.querySelector('.app')?.dataset.state === ${JSON.stringify(until)}`);
  await frames(cp.page);
  plot = await plotWidth(cp.page);
  return cp;
}

const kline = (bar: Kline) => ({ type: 'kline', key: KEY, bar });
const legend = (page: ChartPage['page'], field: string) => page.locator(`.legend [data-field="${field}"]`).textContent();

/** The most frequent colour of an image: its background. */
function dominant(img: Image): Rgb {
  const counts = new Map<string, number>();
  for (let p = 0; p < img.width * img.height; p++) {
    const k = `${img.data[p * 4]},${img.data[p * 4 + 1]},${img.data[p * 4 + 2]}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  return best.split(',').map(Number) as unknown as Rgb;
}

/**
 * Rows holding the last-price line, which crosses the whole plot in the last bar's colour: found in
 * the empty strip left of the candles (these scenarios have too few bars to reach it).
 */
function priceLineRows(img: Image): Set<number> {
  const rows = new Set<number>();
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < EMPTY_LEFT; x++) {
      if (near(pixel(img, x, y), UP, 40) || near(pixel(img, x, y), DOWN, 40)) {
        rows.add(y);
        break;
      }
    }
  }
  return rows;
}
const EMPTY_LEFT = 100;

/** Plot width of the page under test (set by open()); the price axis right of it has coloured labels. */
let plot = Infinity;

/** Candle columns of a screenshot: runs of columns of the plot holding the exact up or down colour. */
function candleRuns(img: Image): [number, number][] {
  const skip = priceLineRows(img);
  const cols = [...new Set([...columnsWith(img, UP, 2, skip), ...columnsWith(img, DOWN, 2, skip)])].filter((x) => x < plot).sort((a, b) => a - b);
  const found = runs(cols);
  expect(found[0][0]).toBeGreaterThan(EMPTY_LEFT);
  return found;
}

/** Is the candle at column x drawn in the up colour? */
function isUpAt(img: Image, x: number): boolean {
  return columnsWith(img, UP, 2, priceLineRows(img)).includes(x);
}

describe('chart webview in Chromium', () => {
  it('renders the history: the canvas goes from blank to candles of both colours', async () => {
    cp = await openChartPage(h);
    const { page } = cp;
    await frames(page);
    const blank = await shot(page, 'blank');
    expect(countColor(blank, UP) + countColor(blank, DOWN)).toBe(0);

    await run(page, `harness.start(${JSON.stringify({ key: KEY, exchanges: EXCHANGES, instruments: INSTRUMENTS, state: SPEC, bars: makeBars(120) })})`);
    await waitFor(page, `document.querySelector('.app')?.dataset.state === 'ready'`);
    await frames(page);
    expect(await appData(page, 'bars')).toBe('120');
    const img = await shot(page, 'history');
    expect(countColor(img, UP)).toBeGreaterThan(200);
    expect(countColor(img, DOWN)).toBeGreaterThan(200);
    // Pixel samples across the plot are no longer all background, and the background stayed.
    let changed = 0;
    for (let x = 20; x < img.width - 100; x += 20) for (let y = 20; y < img.height - 40; y += 20) if (!near(pixel(img, x, y), pixel(blank, x, y), 0)) changed++;
    expect(changed).toBeGreaterThan(10);
    expect(dominant(img)).toEqual(dominant(blank));
    // It asked for history after subscribing to its own stream.
    const methods = await run<string[]>(page, 'harness.requests.map((r) => r.method)');
    expect(methods.indexOf('subscribe')).toBeLessThan(methods.indexOf('klines.get'));
    // Attribution stays visible (TradingView's licence).
    expect(await page.locator('a[href*="tradingview.com"]').count()).toBeGreaterThan(0);
    await shot(page, 'history-page', 'body');
  });

  it('a forming-bar update redraws the last candle only', async () => {
    const bars = makeBars(60);
    const { page } = await open({ bars });
    await hideLegend(page);
    const before = await shot(page, 'forming-before');
    const last = bars[bars.length - 1];
    const maxHigh = Math.max(...bars.map((b) => b.high));
    const minLow = Math.min(...bars.map((b) => b.low));
    const otherVolumes = Math.max(...bars.slice(0, -1).map((b) => b.volume));
    // Same close (the last-price line stays), longer wicks and more volume, all inside the visible
    // range so no scale moves: only the last candle may change.
    const updated = {
      ...last,
      high: Number(((last.high + maxHigh) / 2).toFixed(2)),
      low: Number(((last.low + minLow) / 2).toFixed(2)),
      volume: last.volume < otherVolumes ? Number(((last.volume + otherVolumes) / 2).toFixed(3)) : last.volume,
    };
    await post(page, kline(updated));
    await waitFor(page, `document.querySelector('.legend [data-field="high"]')?.textContent === ${JSON.stringify(String(updated.high))}`);
    await frames(page);
    const after = await shot(page, 'forming-after');
    expect(await appData(page, 'bars')).toBe('60');

    // The last-price line crosses the whole plot; its rows are the only ones allowed to change
    // outside the last bar (antialiasing of the line is redrawn).
    const diff = differingColumns(before, after, priceLineRows(before));
    expect(diff.length).toBeGreaterThan(0);
    const candles = candleRuns(before);
    expect(candles.length).toBeGreaterThan(50);
    const [prev, lastCandle] = candles.slice(-2);
    // Every changed column lies in the last bar's slot (its candle, and its volume bar which is a
    // little wider): the candle before it and everything left of it are untouched.
    const slack = lastCandle[0] - prev[1];
    expect(Math.min(...diff)).toBeGreaterThan(prev[1]);
    expect(Math.max(...diff)).toBeLessThan(lastCandle[1] + slack);
  });

  it('a closed bar then a new forming bar appends a candle', async () => {
    const bars = makeBars(60);
    const { page } = await open({ bars });
    const before = await shot(page, 'append-before');
    const last = bars[bars.length - 1];
    const next: Kline = { ...last, openTime: last.openTime + MINUTE, closeTime: last.closeTime + MINUTE, open: last.close, high: last.close + 5, low: last.close - 1, close: last.close + 4, volume: 3.5, closed: false };
    await post(page, kline({ ...last, closed: true }));
    await post(page, kline(next));
    await waitFor(page, `document.querySelector('.app')?.dataset.bars === '61'`);
    await frames(page);
    expect(await appData(page, 'lastOpenTime')).toBe(String(next.openTime));
    // Idle legend = the newest bar.
    expect(await legend(page, 'close')).toBe(String(next.close));
    expect(await legend(page, 'open')).toBe(String(next.open));
    const after = await shot(page, 'append-after');
    expect(differingColumns(before, after).length).toBeGreaterThan(0);
    // The new (up) candle is the rightmost one.
    const up = candleRuns(after).at(-1)!;
    expect(isUpAt(after, up[0])).toBe(true);
  });

  it('the legend shows the hovered bar’s exact OHLCV', async () => {
    const bars = makeBars(60, 7);
    const { page } = await open({ bars });
    const img = await shot(page, 'hover-before');
    const candles = candleRuns(img);
    const target = candles[candles.length - 12];
    const x = Math.round((target[0] + target[1]) / 2);
    const box = (await page.locator('.chart').boundingBox())!;
    await page.mouse.move(box.x + x, box.y + box.height / 2);
    await waitFor(page, `document.querySelector('.legend')?.dataset.openTime !== ${JSON.stringify(String(bars[bars.length - 1].openTime))}`);
    const openTime = Number(await run(page, `document.querySelector('.legend').dataset.openTime`));
    const bar = bars.find((b) => b.openTime === openTime)!;
    expect(bar).toBeDefined();
    // The candle under the pointer has the hovered bar's direction.
    const colour = isUpAt(img, x) ? 'up' : 'down';
    expect(colour).toBe(bar.close >= bar.open ? 'up' : 'down');
    expect(await legend(page, 'open')).toBe(String(bar.open));
    expect(await legend(page, 'high')).toBe(String(bar.high));
    expect(await legend(page, 'low')).toBe(String(bar.low));
    expect(await legend(page, 'close')).toBe(String(bar.close));
    expect(await legend(page, 'volume')).toBe(String(bar.volume));
    const prev = bars[bars.indexOf(bar) - 1];
    const pct = (((bar.close - prev.close) / prev.close) * 100).toFixed(2);
    expect(await legend(page, 'change')).toContain(`${Math.abs(Number(pct)).toFixed(2)}%`);
    await shot(page, 'hover', 'body');
    // Leaving the chart goes back to the newest bar.
    await page.mouse.move(2, 2);
    await waitFor(page, `document.querySelector('.legend')?.dataset.openTime === ${JSON.stringify(String(bars[bars.length - 1].openTime))}`);
  });

  it('the stale banner appears on reconnect and clears when the feed is open again', async () => {
    const { page } = await open({ bars: makeBars(30) });
    const banner = page.locator('.banner');
    expect(await banner.isHidden()).toBe(true);
    const lastMessageTime = Date.UTC(2025, 0, 6, 12, 3, 4);
    const status = {
      id: 'binance:spot:ws#1', exchange: 'binance', market: 'spot', endpoint: 'ws', topics: 1, messages: 10, bytes: 100, reconnects: 1, malformed: 0,
      since: lastMessageTime + 5000, lastMessageTime,
    };
    // Another exchange-market's trouble is not this chart's.
    await post(page, { type: 'status', status: { ...status, id: 'okx:spot:ws#1', exchange: 'okx', state: 'reconnecting' } });
    await post(page, { type: 'status', status: { ...status, state: 'reconnecting', attempt: 2, delayMs: 1000 } });
    await waitFor(page, `!document.querySelector('.banner').hidden`);
    const text = await banner.textContent();
    expect(text).toContain('Reconnecting to binance spot (attempt 2)');
    expect(text).toContain('data may be stale since 12:03:04');
    await shot(page, 'banner', 'body');
    await post(page, { type: 'status', status: { ...status, state: 'open' } });
    await waitFor(page, `document.querySelector('.banner').hidden`);
  });

  it('a gap is announced, then marked where REST filled it', async () => {
    const bars = makeBars(40);
    const { page } = await open({ bars });
    await hideLegend(page);
    const marker = hexRgb('#3794ff');
    expect(countColor(await shot(page, 'gap-before'), marker)).toBe(0);
    const from = bars[30].openTime;
    const to = bars[32].openTime;
    await post(page, { type: 'gap', key: KEY, gap: { state: 'detected', from, to, bars: 3, reason: 'reconnect' } });
    await waitFor(page, `!document.querySelector('.banner').hidden`);
    expect(await page.locator('.banner').textContent()).toContain('data may be stale since 00:30:00');
    await post(page, { type: 'gap', key: KEY, gap: { state: 'filled', from, to, bars: 3, reason: 'reconnect' } });
    await waitFor(page, `document.querySelector('.banner').hidden`);
    // The filled range is re-read from the sidecar's cache.
    await waitFor(page, `harness.requests.some((r) => r.method === 'klines.get' && r.params.startTime === ${from})`);
    await frames(page);
    expect(countColor(await shot(page, 'gap-marked'), marker)).toBeGreaterThan(10);
  });

  it('switching the VS Code theme re-colours the background', async () => {
    const { page } = await open({ bars: makeBars(30) });
    await hideLegend(page);
    expect(dominant(await shot(page, 'theme-dark'))).toEqual(hexRgb('#1e1e1e'));
    await run(page, `harness.setTheme('light')`);
    await frames(page);
    expect(dominant(await shot(page, 'theme-light'))).toEqual(hexRgb('#ffffff'));
    await run(page, `harness.setTheme('high-contrast')`);
    await frames(page);
    expect(dominant(await shot(page, 'theme-high-contrast'))).toEqual(hexRgb('#000000'));
  });

  it('out-of-order, duplicate and stale bars never throw and keep the series ordered', async () => {
    const bars = makeBars(50);
    const { page } = await open({ bars });
    const last = bars[bars.length - 1];
    const older = bars[40];
    const inBetween = { ...bars[20], openTime: bars[20].openTime + 30_000, closeTime: bars[20].openTime + 59_999 }; // not on the grid: an insert
    await post(page, kline({ ...older, close: older.close + 1, high: older.high + 1 })); // an older bar, corrected (historical update)
    await post(page, kline(inBetween)); // a bar the chart does not have, older than the newest (full redraw)
    await post(page, kline({ ...bars[0], openTime: bars[0].openTime - MINUTE })); // older than everything
    await post(page, kline({ ...bars[10], closed: false })); // a forming version of a closed bar: ignored
    await post(page, kline(last));
    await post(page, kline({ ...last, openTime: last.openTime - 5 * MINUTE }));
    await waitFor(page, `document.querySelector('.app')?.dataset.bars === '52'`);
    await frames(page);
    expect(await appData(page, 'lastOpenTime')).toBe(String(last.openTime));
    // The webview reported no refused update to the host's log.
    expect(await run<unknown[]>(page, `harness.logs.filter((l) => l.level !== 'info')`)).toEqual([]);
    // It still takes live bars afterwards.
    await post(page, kline({ ...last, close: last.close + 2, high: Math.max(last.high, last.close + 2) }));
    await waitFor(page, `document.querySelector('.legend [data-field="close"]')?.textContent === ${JSON.stringify(String(last.close + 2))}`);
  });

  it('loads older history when the user scrolls back', async () => {
    const bars = makeBars(1500, 3);
    const { page } = await open({ bars });
    expect(await appData(page, 'bars')).toBe('1000');
    const box = (await page.locator('.chart').boundingBox())!;
    const y = box.y + box.height / 2;
    // Drag the chart to the right, as a user scrolls back in time, until the first bars show.
    for (let i = 0; i < 25 && (await appData(page, 'bars')) === '1000'; i++) {
      await page.mouse.move(box.x + 20, y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width - 120, y, { steps: 8 });
      await page.mouse.up();
      await frames(page);
    }
    await waitFor(page, `document.querySelector('.app')?.dataset.bars === '1500'`);
    const pages = await run<{ endTime?: number; limit?: number }[]>(page, `harness.requests.filter((r) => r.method === 'klines.get' && r.params.endTime !== undefined).map((r) => r.params)`);
    expect(pages[0].endTime).toBe(bars[500].openTime - 1);
    await shot(page, 'older-history', 'body');
  });

  it('red-up colours from the host apply to candles and volume', async () => {
    const bars = makeBars(40, 11);
    const last = bars[bars.length - 1];
    bars[bars.length - 1] = { ...last, close: last.open + 10, high: Math.max(last.high, last.open + 10) }; // an up bar
    const { page } = await open({ bars });
    await hideLegend(page);
    const rightmost = (img: Awaited<ReturnType<typeof shot>>) => {
      const c = candleRuns(img).at(-1)!;
      return isUpAt(img, c[0]) ? 'green' : 'red';
    };
    expect(rightmost(await shot(page, 'colors-green-up'))).toBe('green');
    await post(page, { type: 'colors', colors: { upColor: '#ef5350', downColor: '#26a69a' } });
    await frames(page);
    expect(rightmost(await shot(page, 'colors-red-up'))).toBe('red');
    // A value that is not a colour falls back to the default and is reported.
    await post(page, { type: 'colors', colors: { upColor: 'not-a-colour', downColor: '#ef5350' } });
    await waitFor(page, `harness.logs.some((l) => l.message.includes('candlewire.chart.upColor'))`);
  });

  it('an unknown symbol shows an error with suggestions instead of a blank chart', async () => {
    const failures = { subscribe: { code: -32002, message: 'unknown symbol BTCUSD on binance spot', data: { suggestions: ['BTCUSDT', 'BTCUSDC'] } } };
    const { page } = await open({ bars: makeBars(30), state: { ...SPEC, symbol: 'BTCUSD' }, failures }, 'error');
    expect(await page.locator('.overlay-title').textContent()).toBe('Unknown symbol BTCUSD on binance spot');
    expect(await page.locator('.overlay-actions button').allTextContents()).toEqual(['BTCUSDT', 'BTCUSDC']);
    await shot(page, 'unknown-symbol', 'body');
    // Picking a suggestion subscribes to it.
    await run(page, `delete harness.config.failures`);
    await page.locator('.overlay-actions button', { hasText: 'BTCUSDT' }).first().click();
    await waitFor(page, `document.querySelector('.app')?.dataset.state === 'ready'`);
    const subs = await run<{ symbol: string }[]>(page, `harness.requests.filter((r) => r.method === 'subscribe').map((r) => r.params)`);
    expect(subs.map((s) => s.symbol)).toEqual(['BTCUSD', 'BTCUSDT']);
  });

  it('no bars yet: says so, and draws the first bar when it arrives', async () => {
    const { page } = await open({ bars: [] }, 'empty');
    expect(await page.locator('.overlay-title').textContent()).toBe('No bars yet for BTCUSDT 1m');
    await post(page, kline(makeBars(1)[0]));
    await waitFor(page, `document.querySelector('.app')?.dataset.state === 'ready'`);
    expect(await page.locator('.overlay').isHidden()).toBe(true);
    expect(await appData(page, 'bars')).toBe('1');
  });

  it('sidecar down: says so, then loads when the sidecar is back', async () => {
    const { page } = await open({ bars: makeBars(30), running: false }, 'down');
    expect(await page.locator('.overlay-title').textContent()).toBe('The Candlewire sidecar is not running');
    await shot(page, 'sidecar-down', 'body');
    await post(page, { type: 'sidecar', running: true });
    await waitFor(page, `document.querySelector('.app')?.dataset.state === 'ready'`);
    expect(await appData(page, 'bars')).toBe('30');
    // Going down again with bars on screen keeps them and shows a banner.
    await post(page, { type: 'sidecar', running: false });
    await waitFor(page, `document.querySelector('.app')?.dataset.state === 'down'`);
    expect(await page.locator('.banner').textContent()).toContain('sidecar stopped');
    expect(await page.locator('.overlay').isHidden()).toBe(true);
  });

  it('keeps its stream and visible range with setState and restores them', async () => {
    const bars = makeBars(300, 5);
    const range = { from: bars[100].openTime, to: bars[160].openTime };
    // As after a hide/show cycle: the webview's own saved state wins over the host's.
    const { page } = await open({ bars, state: { ...SPEC, symbol: 'ETHUSDT' }, savedState: { ...SPEC, visibleRange: range, followLatest: false } });
    const subs = await run<{ symbol: string }[]>(page, `harness.requests.filter((r) => r.method === 'subscribe').map((r) => r.params)`);
    expect(subs.map((s) => s.symbol)).toEqual(['BTCUSDT']);
    // The chart shows the saved window: the bars at its left and right edges are the saved ones.
    const box = (await page.locator('.chart').boundingBox())!;
    const hoverTime = async (x: number) => {
      await page.mouse.move(box.x + x, box.y + box.height / 2);
      await frames(page);
      return Number(await run(page, `document.querySelector('.legend').dataset.openTime`));
    };
    expect(Math.abs((await hoverTime(3)) - range.from)).toBeLessThanOrEqual(MINUTE);
    expect(Math.abs((await hoverTime(plot - 3)) - range.to)).toBeLessThanOrEqual(MINUTE);
    const saved = await run<{ followLatest: boolean; symbol: string; visibleRange: { from: number; to: number } }>(page, 'harness.state');
    expect(saved).toMatchObject({ symbol: 'BTCUSDT', followLatest: false, visibleRange: range });
    // The host hears about the state too (it titles the panel and restores it after a reload).
    expect(await run<number>(page, `harness.sent.filter((m) => m.type === 'state').length`)).toBeGreaterThan(0);
  });

  it('the toolbar offers searchable symbols and switches streams', async () => {
    const { page } = await open({ bars: makeBars(30) });
    await page.locator('input.symbol').fill('eth');
    const options = await run<string[]>(page, `Array.from(document.querySelectorAll('#cw-symbols option')).map((o) => o.value)`);
    expect(options).toEqual(['ETHUSDT']);
    await page.locator('input.symbol').press('Enter');
    await waitFor(page, `harness.requests.filter((r) => r.method === 'subscribe').length === 2`);
    const last = await run<{ symbol: string; interval: string }>(page, `harness.requests.filter((r) => r.method === 'subscribe').at(-1).params`);
    expect(last).toMatchObject({ symbol: 'ETHUSDT', interval: '1m' });
    await waitFor(page, `document.querySelector('.app')?.dataset.state === 'ready'`);
    // An impossible interval is refused in the webview, without a request.
    await page.locator('input.interval').fill('7x');
    await page.locator('input.interval').press('Enter');
    await waitFor(page, `document.querySelector('.overlay')?.dataset.kind === 'error'`);
    expect(await run<number>(page, `harness.requests.filter((r) => r.method === 'subscribe').length`)).toBe(2);
  });

  it('without a stream it asks for a symbol, then opens the one picked', async () => {
    const { page } = await open({ bars: makeBars(30), state: null }, 'pick');
    expect(await page.locator('.overlay-title').textContent()).toBe('Pick a symbol');
    expect(await run<string>(page, `document.querySelector('select[aria-label="Exchange"]').value`)).toBe('binance');
    await page.locator('input.symbol').fill('btc/usdt');
    await page.locator('input.symbol').press('Enter');
    await waitFor(page, `document.querySelector('.app')?.dataset.state === 'ready'`);
    const sub = await run<{ symbol: string }>(page, `harness.requests.find((r) => r.method === 'subscribe').params`);
    expect(sub.symbol).toBe('BTCUSDT'); // the unified spelling maps to the native one
  });

  it('switching market keeps the pair where it is listed, and releases the stream where it is not', async () => {
    const exchanges = [
      { ...EXCHANGES[0], markets: [...EXCHANGES[0].markets, { ...EXCHANGES[0].markets[0], market: 'perp' }] },
      { id: 'okx', displayName: 'OKX', markets: [{ market: 'spot', enabled: true, channels: ['kline'], intervals: ['1m'] }, { market: 'perp', enabled: false, channels: [], intervals: [] }] },
    ];
    const instruments = [
      ...INSTRUMENTS,
      { ...INSTRUMENTS[0], market: 'perp', unified: 'BTC/USDT:USDT' },
      { ...INSTRUMENTS[1], exchange: 'okx', symbol: 'ETH-USDT' },
    ];
    cp = await openChartPage(h);
    const { page } = cp;
    await run(page, `harness.start(${JSON.stringify({ key: KEY, exchanges, instruments, state: SPEC, bars: makeBars(30) })})`);
    await waitFor(page, `document.querySelector('.app')?.dataset.state === 'ready' && document.querySelectorAll('select[aria-label="Exchange"] option').length === 2`);
    await page.locator('select[aria-label="Market"]').selectOption('perp');
    await waitFor(page, `harness.requests.filter((r) => r.method === 'subscribe').length === 2`);
    expect(await run(page, `harness.requests.filter((r) => r.method === 'subscribe').at(-1).params`)).toMatchObject({ market: 'perp', symbol: 'BTCUSDT' });
    await waitFor(page, `document.querySelector('.app')?.dataset.state === 'ready'`);
    // OKX lists no BTC/USDT here, and its perp market is disabled: ask, and let the old stream go.
    await page.locator('select[aria-label="Exchange"]').selectOption('okx');
    await waitFor(page, `document.querySelector('.app')?.dataset.state === 'pick'`);
    expect(await page.locator('select[aria-label="Market"] option').allTextContents()).toEqual(['spot']);
    expect(await run<number>(page, `harness.requests.filter((r) => r.method === 'unsubscribe').length`)).toBe(1);
  });

  it('ignores malformed host messages and reports them', async () => {
    const { page } = await open({ bars: makeBars(30) });
    await post(page, { type: 'kline', key: KEY, bar: { openTime: 'soon' } });
    await waitFor(page, `harness.logs.some((l) => l.level === 'warn' && l.message.includes('malformed'))`);
    expect(await appData(page, 'bars')).toBe('30');
  });
});

/**
 * `npm run bench:webview`: the BUILT chart webview in headless Chromium (the same page and fake host
 * as test/browser), not part of the tests.
 *   1. time from the history message (5,000 bars) to the first frame drawn with them
 *   2. frame times while 200 kline updates/s arrive for 10 s (forming-bar ticks, a new bar every
 *      2 s), with frames dropped and the number of chart flushes (coalescing)
 * Prints a table and writes bench/results-webview.json.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { makeBars } from '../test/browser/bars';
import { openChartPage, run, startHarness, waitFor, type Harness } from '../test/browser/harness';

const BARS = Number(process.env.BENCH_WEBVIEW_BARS ?? 5000);
const PAINT_RUNS = Number(process.env.BENCH_WEBVIEW_RUNS ?? 5);
const RATE = Number(process.env.BENCH_WEBVIEW_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_WEBVIEW_SECONDS ?? 10);
const KEY = 'binance:spot:BTCUSDT:kline:1s';
const SPEC = { exchange: 'binance', market: 'spot', symbol: 'BTCUSDT', interval: '1s', klineSource: 'exchange' };
const SIZE = { width: 1280, height: 720 };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const round = (x: number, d = 1) => Number(x.toFixed(d));

/** 1. History message → first frame drawn with it, in page time (performance.now). */
async function firstPaint(h: Harness): Promise<number> {
  const cp = await openChartPage(h, SIZE);
  try {
    const bars = makeBars(BARS, 42, Date.UTC(2025, 0, 6), 1000);
    await run(cp.page, `harness.start(${JSON.stringify({ key: KEY, state: SPEC, bars, holdHistory: true, ignoreLimit: true })})`);
    await waitFor(cp.page, 'harness.heldHistory !== null');
    // The clock starts as the host posts the response; it stops in the first animation frame after the
    // chart has its bars (lightweight-charts draws in the frame following setData, and callbacks
    // run in registration order, so this one runs after that draw).
    const ms = await run<number>(
      cp.page,
      `new Promise((resolve) => {
        harness.releaseHistory();
        const check = () => {
          if (document.querySelector('.app').dataset.state === 'ready') requestAnimationFrame(() => resolve(performance.now() - harness.historyPostedAt));
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      })`,
    );
    const shown = await run<string>(cp.page, `document.querySelector('.app').dataset.bars`);
    if (Number(shown) !== BARS) throw new Error(`expected ${BARS} bars on the chart, found ${shown}`);
    return ms;
  } finally {
    await cp.close();
  }
}

interface UpdateStats {
  messages: number;
  flushes: number;
  frames: number[];
}

/** 2. Frame intervals while `RATE` updates/s arrive for `SECONDS` s. */
async function underUpdates(h: Harness): Promise<UpdateStats> {
  const cp = await openChartPage(h, SIZE);
  try {
    const bars = makeBars(1000, 43, Date.UTC(2025, 0, 6), 1000);
    await run(cp.page, `harness.start(${JSON.stringify({ key: KEY, state: SPEC, bars })})`);
    await waitFor(cp.page, `document.querySelector('.app')?.dataset.state === 'ready'`);
    const last = bars[bars.length - 1];
    return await run<UpdateStats>(
      cp.page,
      `new Promise((resolve) => {
        const rate = ${RATE}, durationMs = ${SECONDS * 1000}, key = ${JSON.stringify(KEY)};
        let bar = ${JSON.stringify(last)};
        let price = bar.close;
        let seed = 7;
        const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
        const frames = [];
        let flushes = 0;
        // Every flush re-renders the legend: counting those counts chart updates.
        new MutationObserver(() => flushes++).observe(document.querySelector('.legend-values'), { childList: true });
        let sent = 0;
        const t0 = performance.now();
        let prevFrame = t0;
        const frame = (t) => {
          frames.push(t - prevFrame);
          prevFrame = t;
          if (t - t0 < durationMs) requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
        const tick = () => {
          const elapsed = performance.now() - t0;
          const due = Math.min(Math.floor((elapsed * rate) / 1000), (durationMs * rate) / 1000);
          while (sent < due) {
            sent++;
            // A new bar every 2 s of updates (400 messages at 200/s), else a tick on the forming bar.
            if (sent % (rate * 2) === 0) {
              harness.post({ type: 'kline', key, bar: { ...bar, closed: true } });
              bar = { ...bar, openTime: bar.openTime + 1000, closeTime: bar.closeTime + 1000, open: price, high: price, low: price, close: price, volume: 0, quoteVolume: 0, closed: false };
              sent++;
            }
            price = Math.round((price + (rnd() - 0.5) * 4) * 100) / 100;
            bar = { ...bar, close: price, high: Math.max(bar.high, price), low: Math.min(bar.low, price), volume: Math.round((bar.volume + rnd()) * 1000) / 1000 };
            harness.post({ type: 'kline', key, bar });
          }
          if (elapsed < durationMs) setTimeout(tick, 2);
          else setTimeout(() => resolve({ messages: sent, flushes, frames: frames.slice(1) }), 100);
        };
        tick();
      })`,
    );
  } finally {
    await cp.close();
  }
}

async function main(): Promise<void> {
  const h = await startHarness();
  try {
    const version = h.browser.version();
    const paints: number[] = [];
    for (let i = 0; i < PAINT_RUNS; i++) paints.push(await firstPaint(h));
    const u = await underUpdates(h);
    const sorted = [...u.frames].sort((a, b) => a - b);
    const typical = percentile(sorted, 50);
    // A frame that took k intervals dropped k - 1.
    const dropped = u.frames.reduce((n, f) => n + Math.max(0, Math.round(f / typical) - 1), 0);
    const results = {
      date: new Date().toISOString(),
      chromium: version,
      viewport: SIZE,
      firstPaint: { bars: BARS, runsMs: paints.map((x) => round(x)), medianMs: round(median(paints)) },
      liveUpdates: {
        ratePerSecond: RATE,
        seconds: SECONDS,
        messages: u.messages,
        chartFlushes: u.flushes,
        frames: u.frames.length,
        frameMs: { p50: round(typical), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), max: round(sorted[sorted.length - 1]) },
        droppedFrames: dropped,
      },
    };
    console.log(`chart webview in ${version}, ${SIZE.width}×${SIZE.height}`);
    console.log('');
    console.log('| measure | value |');
    console.log('|---|---|');
    console.log(`| history message → first frame, ${BARS} bars (median of ${PAINT_RUNS}) | ${results.firstPaint.medianMs} ms (runs: ${results.firstPaint.runsMs.join(', ')}) |`);
    console.log(`| live updates | ${u.messages} messages in ${SECONDS} s (${RATE}/s) → ${u.flushes} chart flushes |`);
    console.log(`| frames | ${u.frames.length}, p50 ${results.liveUpdates.frameMs.p50} ms, p95 ${results.liveUpdates.frameMs.p95} ms, p99 ${results.liveUpdates.frameMs.p99} ms, max ${results.liveUpdates.frameMs.max} ms |`);
    console.log(`| dropped frames | ${dropped} |`);
    const out = resolve(__dirname, 'results-webview.json');
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwrote ${out}`);
  } finally {
    await h.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

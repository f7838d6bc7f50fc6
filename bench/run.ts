/**
 * `npm run bench`: reproducible figures for the sidecar's hot paths. Not part of the tests.
 *   1. recorded Binance frames → parse → normalize → aggregate → cache, frames/s, vs bare JSON.parse
 *   2. bytes per cached bar (heap delta over 100 keys × 1000 bars), vs the same bars as objects
 *   3. klines.get of 1000 bars over stdio, p50/p99, vs an empty method's round trip
 * Prints a table and writes bench/results.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { binanceMarket } from '../sidecar/exchanges/binance';
import { startFakeExchanges } from '../sidecar/fake';
import { KlineAggregator } from '../sidecar/market/aggregate';
import { KlineCache } from '../sidecar/market/cache';
import { requireInterval } from '../sidecar/market/intervals';
import type { Kline } from '../sidecar/market/model';
import { fixtureFrames } from '../test/support/fixtures';

const FRAMES = Number(process.env.BENCH_FRAMES ?? 300_000);
const RPC_CALLS = Number(process.env.BENCH_RPC_CALLS ?? 300);

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with node --expose-gc (npm run bench does)');
  g();
  g();
}

/** Heap plus ArrayBuffer backing stores (typed arrays live outside the JS heap). */
function usedBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---- 1. pipeline throughput -------------------------------------------------------------------
function pipeline() {
  const recorded = [...fixtureFrames('binance-usdm'), ...fixtureFrames('binance-spot')]
    .filter((f) => /aggTrade|kline|trade|ticker|markPrice|bookTicker/.test(f.channel))
    .map((f) => f.raw);
  const frames: string[] = [];
  while (frames.length < FRAMES) frames.push(...recorded);
  frames.length = FRAMES;
  const adapter = binanceMarket('perp', { ws: 'ws://127.0.0.1:1', rest: 'http://127.0.0.1:1' });
  const interval = requireInterval('1m');

  const run = () => {
    const cache = new KlineCache(1000);
    const aggs = new Map<string, KlineAggregator>();
    let events = 0;
    const t0 = performance.now();
    for (const f of frames) {
      const r = adapter.ws.parse(f);
      if (r.type !== 'events') continue;
      for (const e of r.events) {
        events++;
        if (e.kind === 'kline') cache.upsert(`${e.symbol}:kline:${e.interval}`, e.kline);
        else if (e.kind === 'trade') {
          let agg = aggs.get(e.symbol);
          if (!agg) aggs.set(e.symbol, (agg = new KlineAggregator(interval)));
          for (const k of agg.add(e.trade, e.count ?? 1).updates) cache.upsert(`${e.symbol}:kline:1m:trades`, k);
        }
      }
    }
    return { ms: performance.now() - t0, events };
  };
  const bare = () => {
    let n = 0;
    const t0 = performance.now();
    for (const f of frames) n += JSON.parse(f) ? 1 : 0;
    return { ms: performance.now() - t0, n };
  };
  run();
  bare(); // warm-up
  const best = (fn: () => { ms: number }) => Math.min(...[0, 1, 2].map(() => fn().ms));
  const fullMs = best(run);
  const bareMs = best(bare);
  return {
    frames: FRAMES,
    distinctRecordedFrames: recorded.length,
    pipelineFramesPerSec: Math.round(FRAMES / (fullMs / 1000)),
    jsonParseFramesPerSec: Math.round(FRAMES / (bareMs / 1000)),
    ratioToJsonParse: +(fullMs / bareMs).toFixed(2),
  };
}

// ---- 2. memory per cached bar ----------------------------------------------------------------
function memory() {
  const KEYS = 100;
  const BARS = 1000;
  const bar = (i: number): Kline => ({
    openTime: 1_700_000_000_000 + i * 60_000,
    closeTime: 1_700_000_000_000 + i * 60_000 + 59_999,
    open: 60000 + (i % 97) * 0.01,
    high: 60010 + (i % 89) * 0.01,
    low: 59990 + (i % 83) * 0.01,
    close: 60001 + (i % 79) * 0.01,
    volume: 12.345 + i * 0.001,
    quoteVolume: 740000.5 + i,
    trades: 100 + (i % 50),
    closed: true,
  });
  gc();
  const before = usedBytes();
  const cache = new KlineCache(BARS);
  for (let k = 0; k < KEYS; k++) for (let i = 0; i < BARS; i++) cache.upsert(`key${k}`, bar(i));
  gc();
  const ringBytes = (usedBytes() - before) / (KEYS * BARS);
  gc();
  const before2 = usedBytes();
  const objects: Kline[][] = [];
  for (let k = 0; k < KEYS; k++) {
    const list: Kline[] = [];
    for (let i = 0; i < BARS; i++) list.push(bar(i));
    objects.push(list);
  }
  gc();
  const objectBytes = (usedBytes() - before2) / (KEYS * BARS);
  if (cache.size !== KEYS || objects.length !== KEYS) throw new Error('unreachable: keeps both alive until measured');
  return { keys: KEYS, barsPerKey: BARS, bytesPerCachedBar: Math.round(ringBytes), bytesPerBarAsObjects: Math.round(objectBytes), ratioToObjects: +(ringBytes / objectBytes).toFixed(2) };
}

// ---- 3. klines.get over stdio ----------------------------------------------------------------
async function rpc() {
  const fakes = await startFakeExchanges({ exchanges: [{ protocol: 'binance', markets: ['spot'], symbols: ['BTCUSDT'] }], seed: 3, enforceRateLimit: false });
  const dir = mkdtempSync(resolve(os.tmpdir(), 'candlewire-bench-'));
  writeFileSync(resolve(dir, 'config.toml'), fakes.configToml());
  const sc = spawn(process.execPath, [resolve(__dirname, '../dist/sidecar.js'), '--log-level', 'warn', '--config', resolve(dir, 'config.toml')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const pending = new Map<number, (v: any) => void>();
  createInterface({ input: sc.stdout }).on('line', (line) => {
    const m = JSON.parse(line);
    if (m.id !== undefined) pending.get(m.id)?.(m);
  });
  let id = 0;
  const call = (method: string, params?: unknown) =>
    new Promise<any>((res) => {
      pending.set(++id, res);
      sc.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  try {
    const sub = await call('subscribe', { exchange: 'binance', market: 'spot', symbol: 'BTCUSDT', channel: 'kline', interval: '1m' });
    if (sub.error) throw new Error(sub.error.message);
    const time = async (method: string, params?: unknown) => {
      const samples: number[] = [];
      for (let i = 0; i < RPC_CALLS + 20; i++) {
        const t0 = performance.now();
        const r = await call(method, params);
        if (r.error) throw new Error(r.error.message);
        if (i >= 20) samples.push(performance.now() - t0); // the first 20 warm up
      }
      return samples.sort((a, b) => a - b);
    };
    const kparams = { exchange: 'binance', market: 'spot', symbol: 'BTCUSDT', interval: '1m', limit: 1000 };
    const bars = (await call('klines.get', kparams)).result.klines.length;
    const k = await time('klines.get', kparams);
    const e = await time('ping');
    return {
      calls: RPC_CALLS,
      barsPerResponse: bars,
      klinesGetP50Ms: +percentile(k, 50).toFixed(3),
      klinesGetP99Ms: +percentile(k, 99).toFixed(3),
      emptyRoundTripP50Ms: +percentile(e, 50).toFixed(3),
      emptyRoundTripP99Ms: +percentile(e, 99).toFixed(3),
      ratioP50: +(percentile(k, 50) / percentile(e, 50)).toFixed(1),
    };
  } finally {
    sc.stdin.end();
    await new Promise((r) => sc.on('exit', r));
    await fakes.close();
  }
}

async function main() {
  const results = {
    machine: { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, date: new Date().toISOString() },
    pipeline: pipeline(),
    memory: memory(),
    rpc: await rpc(),
  };
  const rows: Array<[string, string]> = [
    ['frames processed (recorded Binance frames, repeated)', `${results.pipeline.frames} (${results.pipeline.distinctRecordedFrames} distinct)`],
    ['parse → normalize → aggregate → cache', `${results.pipeline.pipelineFramesPerSec.toLocaleString('en')} frames/s`],
    ['bare JSON.parse of the same frames', `${results.pipeline.jsonParseFramesPerSec.toLocaleString('en')} frames/s`],
    ['pipeline time / JSON.parse time', `${results.pipeline.ratioToJsonParse}×`],
    ['bytes per cached bar (100 keys × 1000 bars)', `${results.memory.bytesPerCachedBar} B`],
    ['bytes per bar as plain objects', `${results.memory.bytesPerBarAsObjects} B (ring = ${results.memory.ratioToObjects}× of that)`],
    [`klines.get ${results.rpc.barsPerResponse} bars over stdio p50 / p99`, `${results.rpc.klinesGetP50Ms} / ${results.rpc.klinesGetP99Ms} ms`],
    ['empty method (ping) round trip p50 / p99', `${results.rpc.emptyRoundTripP50Ms} / ${results.rpc.emptyRoundTripP99Ms} ms`],
    ['klines.get p50 / ping p50', `${results.rpc.ratioP50}×`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`candlewire bench — node ${process.version}, ${results.machine.cpus} cpu (${results.machine.cpu})`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
  writeFileSync(resolve(__dirname, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('written to bench/results.json');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

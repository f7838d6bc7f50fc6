/**
 * `npm run soak -- --minutes N`: the built sidecar under sustained load and random faults.
 *
 * Every exchange-market's fake exchange with 50 symbols at a high message rate; the sidecar serves
 * three clients at once — stdio (subscribes everything: 1m exchange klines and 1m trade-built
 * klines of every symbol), a fast reader on the shared local socket, and a SLOW reader on the
 * socket that reads one second in every twenty (trades and klines). Faults from the fault matrix
 * hit a random exchange-market at random intervals. Prints RSS, messages/s, reconnects and queue
 * figures every 30 s; at the end compares every subscribed 1m series with the fakes' ground truth.
 *
 * Exits 1 when a bar is missing or wrong, the sidecar dies, or RSS keeps growing (least-squares
 * slope over the second half above --max-growth MB/min).
 *
 *   npm run soak -- --minutes 10 [--symbols 50] [--trade-rate 10] [--kline-push-ms 100]
 *                   [--fault-every 15-45] [--max-growth 2] [--seed 3]
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { FAKE_PROTOCOLS, startFakeExchanges, type FakeExchanges } from '../sidecar/fake';
import type { ConnectionStatus, Kline, Market } from '../sidecar/market/model';
import { FAULTS } from '../test/faults/catalog';
import { compareSeries, addStats, NO_BARS, type BarStats } from '../test/faults/measure';
import { feedConfig, type FaultEnv, type FaultParams, type FaultSpec } from '../test/faults/session';
import { faultTargets, targetKey, type Target } from '../test/faults/targets';
import { mulberry32 } from '../test/support/prng';
import type { Notification } from '../test/support/sidecar-process';

const SIDECAR = resolve(__dirname, '../dist/sidecar.js');

/** 50 base assets; symbols are the protocol's first default symbol with its base asset swapped. */
const BASES = (
  'BTC ETH SOL XRP ADA DOGE AVAX DOT LINK LTC TRX BCH UNI ATOM XLM ETC FIL APT ARB OP NEAR ICP SUI INJ AAVE ' +
  'MKR RNDR IMX GRT SAND MANA AXS FTM ALGO EGLD FLOW XTZ THETA CHZ CRV SNX COMP KAVA ZIL ENJ BAT ONE HBAR VET QNT'
).split(' ');

interface Args {
  minutes: number;
  symbols: number;
  tradeRate: number;
  klinePushMs: number;
  faultEvery: [number, number];
  maxGrowth: number;
  seed: number;
}

/** A bad command line: reported as its message alone, no stack. */
class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
  const a: Args = { minutes: 10, symbols: 50, tradeRate: 10, klinePushMs: 100, faultEvery: [15, 45], maxGrowth: 2, seed: 3 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    const n = Number(v);
    if (flag === '--minutes') a.minutes = n;
    else if (flag === '--symbols') a.symbols = Math.min(BASES.length, n);
    else if (flag === '--trade-rate') a.tradeRate = n;
    else if (flag === '--kline-push-ms') a.klinePushMs = n;
    else if (flag === '--max-growth') a.maxGrowth = n;
    else if (flag === '--seed') a.seed = n;
    else if (flag === '--fault-every') {
      const [lo, hi] = v.split('-').map(Number);
      a.faultEvery = [lo, hi ?? lo];
    } else throw new UsageError(`unknown option ${flag}; see the comment at the top of bench/soak.ts`);
    if (flag !== '--fault-every' && !Number.isFinite(n)) throw new UsageError(`${flag}: expected a number, got ${JSON.stringify(v)}`);
  }
  if (a.minutes < 2) throw new UsageError('--minutes: at least 2 (the last 90 s are fault-free so every fault minute closes)');
  return a;
}

// ---- a lean JSON-RPC client: keeps counters and closed bars, not every notification ------------

interface KeyState {
  lastSeq: number;
  lost: number;
  /** Closed bars received (kline keys): open time → bar. */
  closed: Map<number, Kline>;
  /** Closed bars received again for an open time already seen. */
  repeats: number;
}

class LeanClient {
  notifications = 0;
  readonly keys = new Map<string, KeyState>();
  /** Recent non-market notifications (status, gap, subscription.error) for the faults. */
  readonly events: Notification[] = [];
  closed = false;
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();

  constructor(
    readonly name: string,
    private readonly input: Readable,
    private readonly output: Writable,
  ) {
    input.on('data', (chunk: Buffer) => this.onData(chunk));
    input.on('close', () => this.onClose());
    input.on('error', () => this.onClose());
  }

  call<T = any>(method: string, params?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(new Error(`${this.name}: connection closed`));
      this.pending.set(id, { resolve, reject });
      this.output.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, ...(params !== undefined ? { params } : {}) })}\n`);
    });
  }

  pause(): void {
    this.input.pause();
  }

  resume(): void {
    this.input.resume();
  }

  /** Seq numbers skipped on kline keys: forming updates merged for a client that lagged (by design). */
  get merged(): number {
    let n = 0;
    for (const [key, k] of this.keys) if (key.includes(':kline:')) n += k.lost;
    return n;
  }

  /** Seq numbers skipped on other keys (trades): never merged, so each one is a notification lost. */
  get lost(): number {
    let n = 0;
    for (const [key, k] of this.keys) if (!key.includes(':kline:')) n += k.lost;
    return n;
  }

  private onData(chunk: Buffer): void {
    this.buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onLine(line);
    }
  }

  private onLine(line: string): void {
    let msg: any;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg && typeof msg.method === 'string' && !('id' in msg)) return this.onNotification(msg as Notification);
    const p = this.pending.get(msg?.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`${msg.error.code}: ${msg.error.message}`));
    else p.resolve(msg.result);
  }

  private onNotification(n: Notification): void {
    this.notifications++;
    const { method, params } = n;
    if (method === 'kline' || method === 'trade' || method === 'ticker') {
      let st = this.keys.get(params.key);
      if (!st) {
        st = { lastSeq: 0, lost: 0, closed: new Map(), repeats: 0 };
        this.keys.set(params.key, st);
      }
      if (params.seq > st.lastSeq + 1) st.lost += params.seq - st.lastSeq - 1;
      st.lastSeq = Math.max(st.lastSeq, params.seq);
      if (method === 'kline' && params.data.closed) {
        if (st.closed.has(params.data.openTime)) st.repeats++;
        st.closed.set(params.data.openTime, params.data as Kline);
      }
      return;
    }
    this.events.push(n);
    if (this.events.length > 20_000) this.events.splice(0, 10_000);
  }

  private onClose(): void {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error(`${this.name}: connection closed`));
    this.pending.clear();
  }
}

function connectSocket(path: string, name: string): Promise<{ client: LeanClient; socket: net.Socket }> {
  return new Promise((resolvePromise, reject) => {
    const socket = net.connect(path);
    socket.once('error', reject);
    socket.once('connect', () => resolvePromise({ client: new LeanClient(name, socket, socket), socket }));
  });
}

// ---- helpers ---------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
const fmtTime = (ms: number) => `${String(Math.floor(ms / 60_000)).padStart(2, '0')}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** [window middle in minutes since start, lowest RSS in the window] for each full window of samples. */
function windowFloors(samples: ReadonlyArray<{ at: number; rss: number }>, started: number, windowMs: number): Array<[number, number]> {
  const byWindow = new Map<number, number>();
  for (const s of samples) {
    if (!Number.isFinite(s.rss)) continue;
    const w = Math.floor((s.at - started) / windowMs);
    byWindow.set(w, Math.min(byWindow.get(w) ?? Infinity, s.rss));
  }
  return [...byWindow].sort((a, b) => a[0] - b[0]).map(([w, v]) => [((w + 0.5) * windowMs) / 60_000, v]);
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function symbolsFor(exchange: string, market: Market, count: number): string[] {
  const first = FAKE_PROTOCOLS[exchange].markets[market]!.defaultSymbols[0];
  const base = BASES[0];
  if (!first.startsWith(base)) throw new Error(`${exchange} ${market}: default symbol ${first} does not start with ${base}`);
  return BASES.slice(0, count).map((b) => b + first.slice(base.length));
}

// ---- main ------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const targets = faultTargets();
  const started = Date.now();
  const endAt = started + args.minutes * 60_000;
  const faultsUntil = endAt - 90_000;
  const log = (line: string) => process.stdout.write(`[${fmtTime(Date.now() - started)}] ${line}\n`);
  log(`soak: ${args.minutes} min, ${targets.length} exchange-markets × ${args.symbols} symbols, ${args.tradeRate} trades/s per symbol, kline pushes every ${args.klinePushMs} ms`);

  const symbols = new Map(targets.map((t) => [targetKey(t), symbolsFor(t.exchange, t.market, args.symbols)]));
  const fakes: FakeExchanges = await startFakeExchanges({
    exchanges: [...new Set(targets.map((t) => t.exchange))].map((protocol) => ({
      protocol,
      symbols: Object.fromEntries(targets.filter((t) => t.exchange === protocol).map((t) => [t.market, symbols.get(targetKey(t))!])),
    })),
    seed: args.seed,
    tradeRate: args.tradeRate,
    klinePushMs: args.klinePushMs,
    heartbeat: { intervalMs: 1000, timeoutMs: 4000, idleTimeoutMs: 4000 },
  });
  const dir = mkdtempSync(join(os.tmpdir(), 'candlewire-soak-'));
  const runtimeDir = join(dir, 'rt');
  const configFile = join(dir, 'config.toml');
  writeFileSync(
    configFile,
    `${fakes.configToml()}${feedConfig(undefined, 200)}
[rpc]
max_subscriptions_per_client = 5000
max_notifications_per_second = 100000
`,
  );
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [SIDECAR, '--socket', '--config', configFile, '--log-level', 'warn'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, CANDLEWIRE_RUNTIME_DIR: runtimeDir, HTTPS_PROXY: '', HTTP_PROXY: '', ALL_PROXY: '', NO_PROXY: '' },
  });
  const stderrTail: string[] = [];
  child.stderr.on('data', (d: Buffer) => {
    stderrTail.push(...d.toString().split('\n').filter(Boolean));
    if (stderrTail.length > 200) stderrTail.splice(0, stderrTail.length - 200);
  });
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const stdio = new LeanClient('stdio', child.stdout, child.stdin);
  const problems: string[] = [];
  let code = 1;
  try {
    await stdio.call('initialize', { client: { name: 'soak stdio' } });
    // Every symbol: 1m exchange klines and 1m trade-built klines, on stdio.
    const subs: Array<{ t: Target; symbol: string; klineSource: 'exchange' | 'trades'; key: string; at: number }> = [];
    for (const t of targets) {
      const list = symbols.get(targetKey(t))!;
      await Promise.all(
        list.flatMap((symbol) =>
          (['exchange', 'trades'] as const).map(async (klineSource) => {
            const r = await stdio.call('subscribe', { exchange: t.exchange, market: t.market, symbol, channel: 'kline', interval: '1m', klineSource });
            subs.push({ t, symbol, klineSource, key: r.key, at: Date.now() });
          }),
        ),
      );
    }
    log(`stdio: ${subs.length} kline subscriptions`);

    // The shared socket: a fast reader (half the symbols' 1m klines) and a slow one (trades + klines).
    const sockPath = await waitForSocket(runtimeDir, () => exited !== undefined);
    const fast = (await connectSocket(sockPath, 'fast')).client;
    const slow = await connectSocket(sockPath, 'slow');
    await fast.call('initialize', { client: { name: 'soak fast' } });
    await slow.client.call('initialize', { client: { name: 'soak slow' } });
    for (const t of targets) {
      const list = symbols.get(targetKey(t))!;
      await Promise.all(list.slice(0, Math.ceil(list.length / 2)).map((symbol) => fast.call('subscribe', { exchange: t.exchange, market: t.market, symbol, channel: 'kline', interval: '1m' })));
      await Promise.all(
        list.slice(0, 10).flatMap((symbol) => [
          slow.client.call('subscribe', { exchange: t.exchange, market: t.market, symbol, channel: 'trades' }),
          slow.client.call('subscribe', { exchange: t.exchange, market: t.market, symbol, channel: 'kline', interval: '1m', klineSource: 'trades' }),
        ]),
      );
    }
    log('socket clients: fast (klines), slow (trades + trade-built klines, reads 1 s in 20)');
    let slowRunning = true;
    const slowLoop = (async () => {
      while (slowRunning && !slow.client.closed) {
        slow.client.pause();
        await sleep(19_000);
        slow.client.resume();
        await sleep(1_000);
      }
      slow.client.resume();
    })();

    // Faults: a random one from the matrix on a random exchange-market, at random intervals.
    const params: FaultParams = { refuseMs: 10_000, stallMs: 6_000, quietMs: 8_000, proxyDownMs: 0, lifetimeRunMs: 0, fakeLifetimeMs: 0, sidecarLifetimeMs: 0, retryAfterSec: 2 };
    const pool: FaultSpec[] = FAULTS.filter((f) => !f.needs);
    const injected: string[] = [];
    const faultProblems: string[] = [];
    let faultsRunning = true;
    const random = mulberry32(args.seed);
    const faultLoop = (async () => {
      await sleep(20_000);
      while (faultsRunning && Date.now() < faultsUntil) {
        const f = pool[Math.floor(random() * pool.length)];
        const t = targets[Math.floor(random() * targets.length)];
        const env = faultEnv(f, t, fakes, stdio, params, faultProblems);
        log(`fault: ${f.id} on ${t.name}`);
        injected.push(`${f.id}@${t.name}`);
        try {
          await f.run(env);
        } catch (err) {
          faultProblems.push(`${f.id} on ${t.name}: ${(err as Error).message}`);
        }
        const [lo, hi] = args.faultEvery;
        await sleep((lo + random() * (hi - lo)) * 1000);
      }
    })();

    // RSS every 2 s; a line every 30 s.
    const samples: Array<{ at: number; rss: number }> = [];
    let lastMessages = 0;
    let lastAt = Date.now();
    let lastPrint = 0;
    const COLUMNS = ['time', 'RSS MB', 'CPU %', 'in msg/s', 'out notif/s', 'reconnects', 'malformed', 'queued', 'queue hw', 'coalesced', 'dropped', 'evicted'];
    process.stdout.write(`\n${COLUMNS.map((h) => h.padStart(12)).join('')}\n`);
    let lastNotifs = 0;
    let lastCpu = cpuMs(child.pid!);
    while (Date.now() < endAt && exited === undefined) {
      await sleep(2_000);
      if (exited !== undefined) break;
      const now = Date.now();
      const rss = rssMb(child.pid!);
      samples.push({ at: now, rss });
      if (now - lastPrint < 29_000) continue;
      const status = await stdio.call('status.get');
      const metrics = (await stdio.call('metrics.get')).values as Record<string, number>;
      const messages = (status.connections as ConnectionStatus[]).reduce((n, c) => n + c.messages, 0);
      const notifs = stdio.notifications + fast.notifications + slow.client.notifications;
      const dt = (now - lastAt) / 1000;
      const cpu = cpuMs(child.pid!);
      const row = [
        fmtTime(now - started),
        rss.toFixed(1),
        ((cpu - lastCpu) / 10 / dt).toFixed(0),
        ((messages - lastMessages) / dt).toFixed(0),
        ((notifs - lastNotifs) / dt).toFixed(0),
        String(metrics.candlewire_reconnects_total ?? 0),
        String(metrics.candlewire_malformed_frames_total ?? 0),
        String(metrics.candlewire_outbound_queued_messages ?? 0),
        String(metrics.candlewire_outbound_queue_high_water ?? 0),
        String(metrics.candlewire_notifications_coalesced_total ?? 0),
        String(metrics.candlewire_notifications_dropped_total ?? 0),
        String((metrics['candlewire_clients_evicted_total{reason="queue_overflow"}'] ?? 0) + (metrics['candlewire_clients_evicted_total{reason="rate_limit"}'] ?? 0)),
      ];
      process.stdout.write(`${row.map((v) => v.padStart(12)).join('')}\n`);
      lastCpu = cpu;
      lastMessages = messages;
      lastNotifs = notifs;
      lastAt = now;
      lastPrint = now;
    }
    faultsRunning = false;
    slowRunning = false;
    await faultLoop;
    await slowLoop;
    if (exited !== undefined) throw new Error(`the sidecar exited with code ${exited}:\n${stderrTail.slice(-20).join('\n')}`);

    // Ground truth: every subscribed 1m series, in the cache and as delivered to the stdio client.
    log('comparing every subscribed 1m series with the ground truth');
    const checkAt = Date.now();
    const lastDue = Math.floor((checkAt - 2500 - 3000) / 60_000) * 60_000 - 60_000;
    let bars: BarStats = NO_BARS;
    let fastBars: BarStats = NO_BARS;
    for (const s of subs) {
      const from = Math.floor(s.at / 60_000) * 60_000 - 60_000;
      const truth = fakes.groundTruth(s.t.exchange, s.t.market, s.symbol, '1m', from, lastDue);
      const cached = (await stdio.call('klines.get', { exchange: s.t.exchange, market: s.t.market, symbol: s.symbol, interval: '1m', klineSource: s.klineSource, startTime: from, endTime: lastDue, limit: 100_000 })).klines as Kline[];
      const notified = [...(stdio.keys.get(s.key)?.closed.values() ?? [])].filter((k) => k.openTime <= lastDue);
      const label = `${s.key}`;
      bars = addStats(bars, compareSeries({ label, truth, cached, notified, notifyFrom: Math.floor(s.at / 60_000) * 60_000 + 60_000 }));
      const fastKey = fast.keys.get(s.key);
      if (fastKey && s.klineSource === 'exchange') {
        const fastFrom = Math.floor(s.at / 60_000) * 60_000 + 120_000;
        fastBars = addStats(
          fastBars,
          compareSeries({ label: `fast ${label}`, truth: truth.filter((k) => k.openTime >= fastFrom), cached, notified: [...fastKey.closed.values()].filter((k) => k.openTime <= lastDue), notifyFrom: fastFrom }),
        );
      }
    }
    const metrics = (await stdio.call('metrics.get')).values as Record<string, number>;
    const subsList = (await stdio.call('subscriptions.list')) as Array<{ key: string; state: string }>;
    const notActive = subsList.filter((s) => s.state !== 'active');

    // RSS growth: garbage collection makes RSS a sawtooth, so the trend is that of its floor — the
    // lowest sample of each 30 s window — fitted by least squares over the second half, in MB/min.
    const floors = windowFloors(samples, started, 30_000);
    const half = floors.slice(Math.floor(floors.length / 2));
    // Fewer than 4 floors (a second half under 2 min) is one GC cycle's noise, not a trend: a
    // 2-minute run measured 6.6 MB/min from floors 153 154 159 where 10 minutes give 0.5.
    const growth = half.length >= 4 ? slope(half) : NaN;
    const rssValues = samples.map((s) => s.rss).filter(Number.isFinite);
    const elapsedMin = (Date.now() - started) / 60_000;

    process.stdout.write('\n');
    log(`faults injected: ${injected.length} (${summarize(injected)})`);
    log(
      `RSS: start ${rssValues[0]?.toFixed(1)} MB, peak ${Math.max(...rssValues).toFixed(1)} MB, end ${rssValues[rssValues.length - 1]?.toFixed(1)} MB; ` +
        `floor per 30 s ${floors.map(([, v]) => v.toFixed(0)).join(' ')}; second-half floor slope ` +
        (Number.isNaN(growth) ? `n/a (too short: run ≥ 4 min for a verdict)` : `${growth.toFixed(2)} MB/min (limit ${args.maxGrowth})`),
    );
    log(
      `reconnects ${metrics.candlewire_reconnects_total ?? 0}, malformed frames ${metrics.candlewire_malformed_frames_total ?? 0}, queue high water ${metrics.candlewire_outbound_queue_high_water ?? 0}, ` +
        `coalesced ${metrics.candlewire_notifications_coalesced_total ?? 0}, dropped ${metrics.candlewire_notifications_dropped_total ?? 0}, ` +
        `evicted ${(metrics['candlewire_clients_evicted_total{reason="queue_overflow"}'] ?? 0) + (metrics['candlewire_clients_evicted_total{reason="rate_limit"}'] ?? 0)}`,
    );
    const describe = (c: LeanClient) => `${c.name} ${c.notifications} (forming updates merged ${c.merged}, trades lost ${c.lost}${c.closed ? ', disconnected' : ''})`;
    log(`notifications over ${elapsedMin.toFixed(1)} min: ${[stdio, fast, slow.client].map(describe).join('; ')}`);
    for (const c of [stdio, fast, slow.client]) if (c.lost > 0 && !c.closed) problems.push(`${c.name}: ${c.lost} trade notifications lost (seq gaps on trade keys, which are never merged)`);
    log(`1m bars vs ground truth (${subs.length} series, ${bars.expected} bars): missing ${bars.missing}, duplicate ${bars.duplicate}, wrong ${bars.wrong}; fast socket client: missing ${fastBars.missing} of ${fastBars.expected}`);
    if (bars.missing || bars.wrong) problems.push(...bars.details.slice(0, 20));
    if (fastBars.missing || fastBars.wrong) problems.push(...fastBars.details.slice(0, 10));
    if (bars.duplicate) log(`closed bars delivered twice: ${bars.details.filter((d) => d.includes('again')).slice(0, 5).join('; ')}`);
    if (notActive.length) problems.push(`${notActive.length} subscriptions not active: ${notActive.slice(0, 5).map((s) => `${s.key} ${s.state}`).join(', ')}`);
    if (!Number.isNaN(growth) && growth > args.maxGrowth) problems.push(`RSS grows ${growth.toFixed(2)} MB/min over the second half (limit ${args.maxGrowth})`);
    if (faultProblems.length) log(`fault expectations not met (informational): ${faultProblems.slice(0, 10).join('; ')}`);
    code = problems.length === 0 ? 0 : 1;
    await fast.call('shutdown').catch(() => undefined);
  } catch (err) {
    problems.push((err as Error).message);
  } finally {
    if (exited === undefined) {
      child.stdin.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(killer);
    }
    await fakes.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (problems.length) {
    process.stdout.write(`\nSOAK FAILED\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  }
  process.stdout.write('\nSOAK PASSED\n');
  return code;
}

/** CPU time (user + system) of a process in ms, from /proc (Linux). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

function summarize(list: string[]): string {
  const counts = new Map<string, number>();
  for (const f of list) counts.set(f.split('@')[0], (counts.get(f.split('@')[0]) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ×${n}`).join(', ');
}

async function waitForSocket(runtimeDir: string, dead: () => boolean): Promise<string> {
  for (let i = 0; i < 200; i++) {
    if (dead()) throw new Error('the sidecar exited before serving its socket');
    try {
      const file = JSON.parse(readFileSync(join(runtimeDir, 'sidecar.json'), 'utf8')) as { path: string };
      return file.path;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`no connection file in ${runtimeDir}`);
}

/** A FaultEnv for one exchange-market, over the soak's stdio client. */
function faultEnv(f: FaultSpec, t: Target, fakes: FakeExchanges, rpc: LeanClient, params: FaultParams, problems: string[]): FaultEnv {
  const mark = rpc.events.length;
  const startedAt = Date.now();
  return {
    targets: [t],
    fakes,
    sc: rpc,
    proxy: undefined,
    params,
    startedAt,
    server: (x) => fakes.server(x.exchange, x.market),
    symbol: (x, i) => fakes.server(x.exchange, x.market).sim.symbols()[i].symbol,
    addSeries: async (x, spec) => {
      const symbol = fakes.server(x.exchange, x.market).sim.symbols()[spec.symbolIndex].symbol;
      await rpc.call('subscribe', { exchange: x.exchange, market: x.market, symbol, channel: 'kline', interval: spec.interval, klineSource: spec.klineSource });
    },
    problem: (x, message) => problems.push(`${f.id} on ${x.name}: ${message}`),
    note: () => undefined,
    since: () => rpc.events.slice(Math.min(mark, rpc.events.length)),
    connections: async (x) => ((await rpc.call('status.get')).connections as ConnectionStatus[]).filter((c) => c.exchange === x.exchange && c.market === x.market),
    sleep,
    scratch: new Map(),
  };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak: ${err instanceof UsageError ? err.message : ((err as Error).stack ?? err)}\n`);
    process.exit(2);
  },
);

/**
 * One fault session: fake exchanges for every target, ONE built sidecar over stdio with short
 * timeouts, kline series subscribed on every target, then one or more faults injected on all
 * targets at once (one after another), each followed by a wait for recovery; finally the minute
 * of the last fault is let close and every series is compared with the fake's ground truth.
 * Shared by `npm run faults` (one fault per session) and the in-suite matrix (a few per session).
 */
import { startFakeExchanges, type FakeExchanges, type FakeExchangeServer } from '../../sidecar/fake';
import { closeTime, parseInterval } from '../../sidecar/market/intervals';
import type { ConnectionState, ConnectionStatus, Kline } from '../../sidecar/market/model';
import { RpcCallError, SidecarProcess, type Notification } from '../support/sidecar-process';
import { addStats, compareSeries, NO_BARS, seqGaps, statePath, type BarStats } from './measure';
import { RestartableProxy, tinyproxyBinary } from './proxy';
import { baseSeries, targetKey, type SeriesSpec, type Target } from './targets';

/** Durations of the faults that last (all ms, except Retry-After). */
export interface FaultParams {
  /** Connections refused for this long, then accepted again. */
  refuseMs: number;
  /** A stall lasts this long before the server thaws. */
  stallMs: number;
  /** Pings go unanswered / data stays silent this long. */
  quietMs: number;
  /** The proxy stays dead this long. */
  proxyDownMs: number;
  /** The lifetime fault watches recycles for this long. */
  lifetimeRunMs: number;
  /** Hard lifetime the fakes enforce, and the sidecar's max_lifetime_ms (below it). */
  fakeLifetimeMs: number;
  sidecarLifetimeMs: number;
  /** Retry-After (seconds) of the injected REST failures that carry one. */
  retryAfterSec: number;
}

export const FULL_PARAMS: FaultParams = {
  refuseMs: 60_000,
  stallMs: 8_000,
  quietMs: 10_000,
  proxyDownMs: 10_000,
  lifetimeRunMs: 45_000,
  fakeLifetimeMs: 20_000,
  sidecarLifetimeMs: 12_000,
  retryAfterSec: 2,
};

/** The JSON-RPC side of the sidecar a fault talks to (the matrix's stdio client, or the soak's). */
export interface RpcCaller {
  call<T = any>(method: string, params?: unknown): Promise<T>;
}

/** What a fault has to work with. */
export interface FaultEnv {
  readonly targets: readonly Target[];
  readonly fakes: FakeExchanges;
  readonly sc: RpcCaller;
  readonly proxy: RestartableProxy | undefined;
  readonly params: FaultParams;
  /** When the fault began (ms since the epoch). */
  readonly startedAt: number;
  server(t: Target): FakeExchangeServer;
  /** The fake's `index`-th simulated symbol of a target (0 = the one every series uses). */
  symbol(t: Target, index: number): string;
  /** Subscribes one more series; it is compared with the ground truth like the base ones. */
  addSeries(t: Target, spec: SeriesSpec): Promise<void>;
  /** Records a failed expectation of this fault on a target. */
  problem(t: Target, message: string): void;
  /** Records an observation worth a line in the report (e.g. the delay a retry waited). */
  note(t: Target, message: string): void;
  /** Notifications received since the fault began. */
  since(): Notification[];
  /** status.get connections of one target. */
  connections(t: Target): Promise<ConnectionStatus[]>;
  sleep(ms: number): Promise<void>;
  /** Scratch space shared by run() and check() of one fault. */
  readonly scratch: Map<string, unknown>;
}

export interface FaultExpectation {
  /** Connection states that must be seen on the target's connections after the injection. */
  states: ConnectionState[];
  /** A fault the sidecar must ride out: no state but open, no reconnect, no gap. */
  quiet?: boolean;
  /** At least one status message of the target must match (it names the cause). */
  message?: (env: FaultEnv, t: Target) => RegExp;
}

export interface FaultSpec {
  id: string;
  title: string;
  /** Session-wide setup this fault needs (faults with different needs never share a session). */
  needs?: 'proxy' | 'lifetime';
  /** Injects the fault on every target at once; resolves when the fault itself is over. */
  run(env: FaultEnv): Promise<void>;
  expect: FaultExpectation;
  /** Checks after the session (server logs and counters); returns problems. */
  check?(env: FaultEnv, t: Target): string[] | Promise<string[]>;
}

/** One fault × one exchange-market. */
export interface CellResult {
  fault: string;
  faultTitle: string;
  target: string;
  /** Every expectation held. */
  ok: boolean;
  /** The fault took the target down (a non-open state or a gap) at all. */
  disrupted: boolean;
  /** From the injection to open again with every gap filled; undefined when not disrupted. */
  healMs: number | undefined;
  /** Connection states seen after the injection, e.g. `reconnecting→connecting→open`. */
  states: string;
  reconnects: number;
  bars: BarStats;
  /** Notifications lost on the target's kline keys (seq gaps). */
  lost: number;
  problems: string[];
  notes: string[];
}

export interface SessionOptions {
  faults: FaultSpec[];
  targets: Target[];
  params: FaultParams;
  /** UTC seconds of the minute in which the first fault may start. */
  window?: [number, number];
  /** Pause between faults of one session. */
  betweenMs?: number;
  seed?: number;
  log?: (line: string) => void;
}

const CLOSE_GRACE_MS = 2500;

/** The short feed timeouts the fault sessions and the soak run the sidecar with. */
export function feedConfig(lifetimeMs: number | undefined, backfillBars = 300): string {
  return `
[feed]
stale_after_ms = 3000
idle_probe_ms = 1000
ack_timeout_ms = 3000
backoff_base_ms = 100
backoff_cap_ms = 2000
close_grace_ms = ${CLOSE_GRACE_MS}
client_ping_ms = 1000
channel_stale_ms = 5000
${lifetimeMs ? `max_lifetime_ms = ${lifetimeMs}` : ''}

[rest]
timeout_ms = 5000
backfill_bars = ${backfillBars}
`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

interface SeriesEntry {
  spec: SeriesSpec;
  symbol: string;
  key: string;
  subscribedAt: number;
}

/** Runs the faults of one session and returns one cell per fault × target. */
export async function runSession(o: SessionOptions): Promise<CellResult[]> {
  const needs = new Set(o.faults.map((f) => f.needs).filter(Boolean));
  if (needs.size > 1) throw new Error(`faults ${o.faults.map((f) => f.id).join(', ')} need different sessions (${[...needs].join(', ')})`);
  const log = o.log ?? (() => undefined);
  const names = o.faults.map((f) => f.id).join('+');
  const lifetime = needs.has('lifetime');
  let proxy: RestartableProxy | undefined;
  if (needs.has('proxy')) {
    const bin = tinyproxyBinary();
    if (!bin) throw new Error('the proxy fault needs tinyproxy (Debian package tinyproxy: apt-get install tinyproxy)');
    proxy = await RestartableProxy.start(bin);
  }
  const exchanges = [...new Set(o.targets.map((t) => t.exchange))];
  const fakes = await startFakeExchanges({
    exchanges: exchanges.map((protocol) => ({ protocol, markets: o.targets.filter((t) => t.exchange === protocol).map((t) => t.market) })),
    seed: o.seed ?? 7,
    tradeRate: 5,
    klinePushMs: 250,
    heartbeat: { intervalMs: 1000, timeoutMs: 4000, idleTimeoutMs: 4000 },
    ...(lifetime ? { lifetimeMs: o.params.fakeLifetimeMs } : {}),
  });
  const proxyToml = proxy ? `\n[proxy]\nurl = "${proxy.url}"\nno_proxy = []\n` : '';
  const sc = SidecarProcess.start({
    configToml: fakes.configToml() + feedConfig(lifetime ? o.params.sidecarLifetimeMs : undefined) + proxyToml,
    env: { NO_PROXY: '', no_proxy: '', https_proxy: '', http_proxy: '', all_proxy: '' },
  });
  const series = new Map<string, SeriesEntry[]>();
  const cells: CellResult[] = [];
  try {
    await sc.call('initialize', { client: { name: `faults ${names}` } });
    const symbolOf = (t: Target, i: number) => fakes.server(t.exchange, t.market).sim.symbols()[i].symbol;
    const addSeries = async (t: Target, spec: SeriesSpec) => {
      const symbol = symbolOf(t, spec.symbolIndex);
      const r = await sc.call('subscribe', { exchange: t.exchange, market: t.market, symbol, channel: 'kline', interval: spec.interval, klineSource: spec.klineSource });
      const list = series.get(targetKey(t)) ?? [];
      series.set(targetKey(t), list);
      list.push({ spec, symbol, key: r.key, subscribedAt: Date.now() });
    };
    await Promise.all(o.targets.flatMap((t) => baseSeries(t).map((s) => addSeries(t, s))));
    log(`${names}: ${o.targets.length} exchange-markets subscribed`);

    const ctx: Ctx = { o, scratch: new Map(), fakes, sc, proxy, symbolOf, addSeries, log };
    // The first fault falls in a later minute than the subscriptions: the bar a trade-built series
    // was subscribed in comes from REST anyway, so only a later one shows what the fault did.
    await untilSecondIn(o.window ?? [0, 59], Math.floor(Date.now() / 60_000) * 60_000 + 60_000);
    let lastEnd = Date.now();
    for (const fault of o.faults) {
      const cellsOfFault = await runFault(fault, ctx);
      cells.push(...cellsOfFault.cells);
      lastEnd = cellsOfFault.endedAt;
      if (o.betweenMs) await sleep(o.betweenMs);
    }

    // Let the minute of the last fault close (and heal), then compare everything.
    const lastMinute = Math.floor(lastEnd / 60_000) * 60_000;
    await sleep(lastMinute + 60_000 + CLOSE_GRACE_MS + 1500 - Date.now());
    log(`${names}: comparing with the ground truth`);
    const checkAt = Date.now();
    const perTarget = new Map<string, { bars: BarStats; lost: number; problems: string[] }>();
    await Promise.all(
      o.targets.map(async (t) => {
        const entries = series.get(targetKey(t)) ?? [];
        const problems: string[] = [];
        let bars = NO_BARS;
        let lost = 0;
        for (const e of entries) {
          const ivMs = e.spec.interval === '1s' ? 1000 : 60_000;
          const mustHave = e.spec.interval === '1s' ? Math.floor((lastEnd + 2000) / 1000) * 1000 : lastMinute;
          const ready = await waitUntil(60_000, async () => {
            const r = await sc.call('klines.get', { exchange: t.exchange, market: t.market, symbol: e.symbol, interval: e.spec.interval, klineSource: e.spec.klineSource, startTime: mustHave, endTime: mustHave });
            return r.klines.some((k: Kline) => k.closed && k.openTime === mustHave);
          });
          if (!ready) problems.push(`${e.spec.label} ${e.symbol}: the bar at ${new Date(mustHave).toISOString()} never closed in the cache`);
          // Every bar closed (plus its grace) by now is due; at least the one just waited for.
          const now = Math.max(checkAt, Date.now());
          const lastDue = Math.max(ready ? mustHave : -Infinity, Math.floor((now - ivMs - CLOSE_GRACE_MS - 1000) / ivMs) * ivMs);
          const from = Math.floor(e.subscribedAt / ivMs) * ivMs - (ivMs === 1000 ? 60_000 : 5 * 60_000);
          const notifyFrom = Math.floor(e.subscribedAt / ivMs) * ivMs + ivMs;
          const truth = fakes.groundTruth(t.exchange, t.market, e.symbol, e.spec.interval, from, lastDue);
          const cached = (
            await sc.call('klines.get', { exchange: t.exchange, market: t.market, symbol: e.symbol, interval: e.spec.interval, klineSource: e.spec.klineSource, startTime: from, endTime: lastDue, limit: 100_000 })
          ).klines as Kline[];
          const notes = sc.of('kline', e.key);
          const notified = notes.map((n) => n.params.data as Kline).filter((k) => k.closed && k.openTime <= lastDue);
          const label = `${e.spec.label}${e.spec.symbolIndex ? ` ${e.symbol}` : ''}`;
          bars = addStats(bars, compareSeries({ label, truth, cached, notified, notifyFrom }));
          lost += seqGaps(notes.map((n) => n.params.seq));
        }
        const subs = (await sc.call('subscriptions.list')) as Array<{ key: string; state: string }>;
        for (const s of subs) {
          if (entries.some((e) => e.key === s.key) && s.state !== 'active') problems.push(`subscription ${s.key} is ${s.state}, not active`);
        }
        for (const e of entries) if (!subs.some((s) => s.key === e.key)) problems.push(`subscription ${e.key} is gone`);
        const conns = await connectionsOf(sc, t);
        for (const c of conns) if (c.state !== 'open') problems.push(`connection ${c.id} is ${c.state}${c.message ? ` (${c.message})` : ''}`);
        perTarget.set(targetKey(t), { bars, lost, problems });
      }),
    );
    for (const cell of cells) {
      const t = o.targets.find((x) => x.name === cell.target)!;
      const p = perTarget.get(targetKey(t))!;
      cell.bars = p.bars;
      cell.lost = p.lost;
      cell.problems.push(...p.problems);
      if (p.bars.missing || p.bars.duplicate || p.bars.wrong) cell.problems.push(...p.bars.details.slice(0, 8));
      if (p.lost) cell.problems.push(`${p.lost} kline notifications lost (seq gaps)`);
    }
    // Fault-specific checks (server logs and counters), each on its own cells.
    for (const f of o.faults) {
      if (!f.check) continue;
      const notes = new Map<string, string[]>();
      const env = envFor(f, ctx, 0, new Map(), notes);
      for (const t of o.targets) {
        const extra = await f.check(env, t);
        const cell = cells.find((c) => c.fault === f.id && c.target === t.name)!;
        cell.problems.push(...extra);
        cell.notes.push(...(notes.get(t.name) ?? []));
      }
    }
  } finally {
    const code = await sc.stop();
    if (code !== 0) for (const c of cells) c.problems.push(`the sidecar exited with code ${code}`);
    await fakes.close();
    await proxy?.close();
  }
  for (const c of cells) c.ok = c.problems.length === 0;
  if (cells.some((c) => !c.ok) && process.env.FAULTS_DEBUG) log(`${names}: sidecar stderr (last 40 lines):\n${sc.stderr.slice(-40).join('\n')}`);
  return cells;
}

// ---- one fault -----------------------------------------------------------------------------------

interface Ctx {
  o: SessionOptions;
  /** Per fault: scratch space shared by its run() and check(). */
  scratch: Map<FaultSpec, Map<string, unknown>>;
  fakes: FakeExchanges;
  sc: SidecarProcess;
  proxy: RestartableProxy | undefined;
  symbolOf: (t: Target, i: number) => string;
  addSeries: (t: Target, spec: SeriesSpec) => Promise<void>;
  log: (line: string) => void;
}


function envFor(f: FaultSpec, ctx: Ctx, startedAt: number, problems: Map<string, string[]>, notes: Map<string, string[]> = new Map()): FaultEnv {
  const mark = ctx.sc.notifications.length;
  let scratch = ctx.scratch.get(f);
  if (!scratch) {
    scratch = new Map();
    ctx.scratch.set(f, scratch);
  }
  return {
    targets: ctx.o.targets,
    fakes: ctx.fakes,
    sc: ctx.sc,
    proxy: ctx.proxy,
    params: ctx.o.params,
    startedAt,
    server: (t) => ctx.fakes.server(t.exchange, t.market),
    symbol: ctx.symbolOf,
    addSeries: ctx.addSeries,
    problem: (t, message) => {
      const list = problems.get(t.name) ?? [];
      problems.set(t.name, list);
      list.push(message);
    },
    note: (t, message) => {
      const list = notes.get(t.name) ?? [];
      notes.set(t.name, list);
      list.push(message);
    },
    since: () => ctx.sc.notifications.slice(mark),
    connections: (t) => connectionsOf(ctx.sc, t),
    sleep,
    scratch,
  };
}

async function runFault(f: FaultSpec, ctx: Ctx): Promise<{ cells: CellResult[]; endedAt: number }> {
  const { sc, o } = ctx;
  const before = new Map<string, ConnectionStatus[]>();
  for (const t of o.targets) before.set(t.name, await connectionsOf(sc, t));
  const problems = new Map<string, string[]>();
  const notes = new Map<string, string[]>();
  const startedAt = Date.now();
  const mark = sc.notifications.length;
  const env = envFor(f, ctx, startedAt, problems, notes);
  ctx.log(`${f.id}: injecting at :${String(new Date(startedAt).getUTCSeconds()).padStart(2, '0')}`);
  await f.run(env);
  const endedAt = Date.now();
  // The fault must show before recovery is judged (a socket closed by the server is noticed a
  // moment later); a fault to be ridden out gets the same moment to cause trouble.
  const seen = (t: Target) => {
    const states = new Set(sc.notifications.slice(mark).filter((n) => n.method === 'status' && n.params.data.exchange === t.exchange && n.params.data.market === t.market).map((n) => n.params.data.state));
    return f.expect.states.every((s) => states.has(s));
  };
  await waitUntil(f.expect.states.length ? 20_000 : 1500, async () => f.expect.states.length > 0 && o.targets.every(seen));
  // Recovery: every connection of every target open, no kline gap pending, data flowing again.
  const healTimeout = 45_000;
  const healthy = new Map<string, boolean>();
  await Promise.all(
    o.targets.map(async (t) => {
      const ok = await waitUntil(healTimeout, async () => {
        const conns = await connectionsOf(sc, t);
        if (conns.length === 0 || conns.some((c) => c.state !== 'open')) return false;
        const notes = sc.notifications.slice(mark);
        if (pendingGaps(notes, t).length > 0) return false;
        return notes.some((n) => n.method === 'kline' && n.params.key.startsWith(`${targetKey(t)}:`) && n.params.time > endedAt && !n.params.key.endsWith(':trades'));
      });
      healthy.set(t.name, ok);
    }),
  );
  const cells: CellResult[] = [];
  const after = sc.notifications.slice(mark);
  for (const t of o.targets) {
    const list = problems.get(t.name) ?? [];
    const statuses = after.filter((n) => n.method === 'status' && n.params.data.exchange === t.exchange && n.params.data.market === t.market).map((n) => n.params.data as ConnectionStatus & { time?: number });
    const statusTimes = after.filter((n) => n.method === 'status' && n.params.data.exchange === t.exchange && n.params.data.market === t.market).map((n) => n.params.time);
    const states = statuses.map((s) => s.state);
    // Gaps of bars that closed before the fault are routine healing (the bar a trade-built series
    // was subscribed in; exchanges whose pushes carry no "closed" flag), not the fault's doing.
    const gaps = after.filter((n) => n.method === 'gap' && n.params.key.startsWith(`${targetKey(t)}:`) && barClose(n.params.key, n.params.data.to) >= startedAt);
    const disrupted = states.some((s) => s !== 'open') || gaps.length > 0;
    const conns = await connectionsOf(sc, t);
    const reconnects = sum(conns.map((c) => c.reconnects)) - sum((before.get(t.name) ?? []).map((c) => c.reconnects));
    if (!healthy.get(t.name)) {
      const pend = pendingGaps(after, t);
      list.push(
        `not recovered within ${healTimeout / 1000} s after the fault: ${conns.map((c) => `${c.id} ${c.state}${c.message ? ` (${c.message})` : ''}`).join('; ')}` +
          (pend.length ? `; gaps pending on ${pend.join(', ')}` : ''),
      );
    }
    // Status honesty: what the fault must show, and nothing unexplained.
    for (const s of f.expect.states) if (!states.includes(s)) list.push(`expected a "${s}" status, saw ${statePath(states) || 'none'}`);
    if (f.expect.quiet) {
      if (states.some((s) => s !== 'open')) list.push(`expected no outage, saw ${statePath(states)}`);
      if (reconnects > 0) list.push(`expected no reconnect, saw ${reconnects}`);
      const detected = gaps.filter((g) => g.params.data.state === 'detected');
      if (detected.length) list.push(`expected no gap, saw ${detected.length} (${detected[0].params.data.reason})`);
    }
    for (const s of statuses) {
      if ((s.state === 'reconnecting' || s.state === 'stale' || s.state === 'error') && !s.message) list.push(`a "${s.state}" status without a message`);
    }
    const pattern = f.expect.message?.(env, t);
    if (pattern && !statuses.some((s) => s.message && pattern.test(s.message))) {
      list.push(`no status message matched ${pattern}; messages: ${[...new Set(statuses.map((s) => s.message).filter(Boolean))].slice(0, 3).join(' | ') || 'none'}`);
    }
    let healMs: number | undefined;
    if (disrupted) {
      const exchangeGapFills = gaps.filter((g) => g.params.data.state === 'filled' && !g.params.key.endsWith(':trades')).map((g) => g.params.time);
      const opens = statuses.map((s, i) => (s.state === 'open' ? statusTimes[i] : 0));
      healMs = Math.max(0, ...opens, ...exchangeGapFills) - startedAt;
      if (healMs < 0) healMs = undefined;
    }
    cells.push({
      fault: f.id,
      faultTitle: f.title,
      target: t.name,
      ok: false,
      disrupted,
      healMs,
      states: statePath(states) || '—',
      reconnects,
      bars: NO_BARS,
      lost: 0,
      problems: list,
      notes: notes.get(t.name) ?? [],
    });
  }
  ctx.log(`${f.id}: recovered on ${[...healthy.values()].filter(Boolean).length}/${o.targets.length}`);
  return { cells, endedAt };
}

/** Kline keys of a target whose last gap notification is still `detected` (exchange-source series only:
 * a trade-built bar spanning a reconnect is taken from REST only once it closes). */
function pendingGaps(notes: readonly Notification[], t: Target): string[] {
  const last = new Map<string, string>();
  for (const n of notes) {
    if (n.method !== 'gap' || !n.params.key.startsWith(`${targetKey(t)}:`) || n.params.key.endsWith(':trades')) continue;
    last.set(n.params.key, n.params.data.state);
  }
  return [...last].filter(([, s]) => s === 'detected').map(([k]) => k);
}

async function connectionsOf(sc: SidecarProcess, t: Target): Promise<ConnectionStatus[]> {
  const status = await sc.call('status.get');
  return (status.connections as ConnectionStatus[]).filter((c) => c.exchange === t.exchange && c.market === t.market);
}

async function waitUntil(timeoutMs: number, pred: () => Promise<boolean>): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await pred()) return true;
    } catch (err) {
      if (!(err instanceof RpcCallError)) throw err;
    }
    if (Date.now() > end) return false;
    await sleep(250);
  }
}

/** Waits until `notBefore` has passed and the UTC second of the minute is within [from, to]. */
async function untilSecondIn([from, to]: [number, number], notBefore = 0): Promise<void> {
  await sleep(notBefore - Date.now());
  const s = (Date.now() % 60_000) / 1000;
  if (s >= from && s <= to) return;
  const wait = s < from ? from - s : 60 - s + from;
  await sleep(wait * 1000 + 50);
}

/** Close time of the bar opening at `open` in the series named by a kline key (`…:kline:1m[:trades]`). */
function barClose(key: string, open: number): number {
  const iv = parseInterval(key.split(':')[4] ?? '');
  return iv instanceof Error ? open : closeTime(iv, open);
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/**
 * `candlewire` / `node dist/sidecar.js`: the sidecar CLI.
 *   (no command)  JSON-RPC server on stdio; exits when stdin closes or --parent-pid dies.
 *                 --socket / --ws: also shared with other programs (local socket, WebSocket).
 *   watch <spec>  live candles in the terminal.
 * stdout carries protocol messages only (serve mode); every log line goes to stderr.
 */
import { createHub, exchangeDefaults, VERSION } from './app';
import { parseArgs, usage, type CliPlan } from './cli/args';
import { WatchView } from './cli/watch';
import { describeConfig, loadConfig } from './config';
import type { ConfigLayer } from './config';
import { startDemo, type Demo } from './demo';
import type { Hub, HubClient } from './hub/hub';
import { createLogger, type Logger } from './log';
import type { Kline } from './market/model';
import { EventRouter } from './rpc/events';
import { Metrics } from './rpc/metrics';
import { createMethodTable, Session } from './rpc/server';
import { startSharing, type Sharing } from './rpc/transports/sharing';

async function main(argv: string[]): Promise<number> {
  const plan = parseArgs(argv);
  if (plan instanceof Error) {
    process.stderr.write(`candlewire: ${plan.message}\n`);
    return 2;
  }
  if (plan.command === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  if (plan.command === 'version') {
    process.stdout.write(`candlewire ${VERSION}\n`);
    return 0;
  }
  const log = createLogger(plan.logLevel ?? 'info');
  let demo: Demo | undefined;
  let overrides: ConfigLayer | undefined;
  if (plan.demo) {
    demo = await startDemo(log);
    overrides = demo.overrides;
    log.info(`demo: fake exchanges listening on 127.0.0.1 (${demo.describe()})`);
  }
  const loaded = loadConfig({ exchanges: exchangeDefaults(), file: plan.configFile, overrides, overridesSource: plan.demo ? '--demo' : undefined });
  if (!loaded.ok) {
    process.stderr.write(`candlewire: ${loaded.error}\n`);
    await demo?.close();
    return 2;
  }
  for (const w of loaded.warnings) log.warn(w);
  const config = loaded.config;
  if (!plan.logLevel) log.level = config.log.level;
  if (plan.command === 'print-config') {
    process.stdout.write(describeConfig(config) + '\n');
    await demo?.close();
    return 0;
  }
  const hub = createHub(config, log);
  let sharing: Sharing | undefined;
  const stop = onceAsync(async (reason: string, code: number) => {
    log.info(`stopping: ${reason}`);
    const force = setTimeout(() => process.exit(code), 3000);
    force.unref();
    await sharing?.close().catch(() => undefined);
    await hub.stop().catch(() => undefined);
    await demo?.close().catch(() => undefined);
    process.exit(code);
  });
  process.on('SIGINT', () => void stop('interrupted', 0));
  process.on('SIGTERM', () => void stop('terminated', 0));
  if (plan.parentPid) watchParent(plan.parentPid, () => void stop(`parent process ${plan.parentPid} is gone`, 0));

  if (plan.command === 'watch') return runWatch(plan, hub, log, demo, stop);

  const metrics = new Metrics(hub);
  const ctx = {
    hub,
    version: VERSION,
    log,
    shutdown: () => void stop('shutdown requested', 0),
    maxLineBytes: config.rpc.maxLineBytes,
    maxQueuedMessages: config.rpc.maxQueuedMessages,
    maxNotificationsPerSecond: config.rpc.maxNotificationsPerSecond,
    events: new EventRouter(hub, { maxPatternsPerClient: config.rpc.maxSubscriptionsPerClient }),
    metrics,
  };
  const table = createMethodTable(ctx);
  process.stdout.on('error', () => void stop('stdout closed', 0));
  new Session(process.stdin, process.stdout, table, ctx, (reason) => void stop(reason, 0));
  log.info(`candlewire ${VERSION} serving JSON-RPC on stdio (pid ${process.pid})`);
  if (plan.socket) {
    if (plan.ws?.explicitHost) log.warn(`--ws-host ${plan.ws.host}: WebSocket clients may connect from other machines (they still need the token)`);
    sharing = await startSharing({
      ws: plan.ws,
      version: VERSION,
      log,
      maxClients: config.rpc.maxClients,
      maxLineBytes: config.rpc.maxLineBytes,
      clientCount: () => metrics.clientCount,
      onRefused: () => metrics.refused(),
      onUnauthorized: () => metrics.unauthorized(),
      metricsText: () => metrics.prometheus(),
      openSession: (input, output, onClose) => new Session(input, output, table, ctx, onClose),
    });
  }
  return new Promise<number>(() => undefined); // runs until stop() exits the process
}

async function runWatch(plan: CliPlan, hub: Hub, log: Logger, demo: Demo | undefined, stop: (reason: string, code: number) => Promise<void>): Promise<number> {
  const specs = plan.watch.length ? plan.watch : (demo?.watchSpecs ?? []);
  const view = new WatchView({ write: (t) => process.stdout.write(t), isTTY: !!process.stdout.isTTY, columns: process.stdout.columns });
  const names = new Map<string, string>();
  const client: HubClient = {
    id: 'watch',
    notify: (method, params) => {
      const env = params as { key: string; data: unknown };
      if (method === 'kline') view.kline(env.key, env.data as Kline);
      else if (method === 'gap') {
        const g = env.data as { state: string; from: number; to: number; bars: number; reason: string };
        if (g.state !== 'detected') view.line(`   gap ${g.state} on ${names.get(env.key) ?? env.key}: ${new Date(g.from).toISOString()} … ${new Date(g.to).toISOString()} (${g.bars} bars; ${g.reason})`);
      } else if (method === 'status') {
        const s = env.data as { id: string; state: string; attempt?: number; delayMs?: number; message?: string };
        const extra = s.state === 'reconnecting' ? ` (attempt ${s.attempt}, next in ${((s.delayMs ?? 0) / 1000).toFixed(1)} s)` : s.message ? ` (${s.message})` : '';
        view.line(`   ${s.id} ${s.state}${extra}`);
      } else if (method === 'subscription.error') {
        view.line(`   ${env.key}: ${(env.data as { message: string }).message}`);
      }
    },
  };
  hub.addClient(client);
  process.stdout.write(`candlewire ${VERSION} watch${demo ? ' (demo: offline fake exchanges)' : ''} — Ctrl-C to quit\n`);
  view.start();
  let failures = 0;
  await Promise.all(
    specs.map(async (spec) => {
      try {
        const r = await hub.subscribe(client, { exchange: spec.exchange, market: spec.market, symbol: spec.symbol, channel: 'kline', interval: spec.interval, klineSource: spec.klineSource });
        names.set(r.key, spec.text);
        view.addRow(r.key, spec.text);
        const recent = (await hub.klines({ exchange: spec.exchange, market: spec.market, symbol: spec.symbol, interval: spec.interval, klineSource: spec.klineSource, limit: 3 })).klines;
        for (const k of recent) view.kline(r.key, k);
      } catch (err) {
        failures++;
        view.line(`${spec.text}: ${(err as Error).message}`);
      }
    }),
  );
  if (failures === specs.length) {
    log.error('nothing to watch');
    await stop('no spec could be subscribed', 1);
  }
  return new Promise<number>(() => undefined);
}

function watchParent(pid: number, onGone: () => void): void {
  const t = setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') {
        clearInterval(t);
        onGone();
      }
    }
  }, 2000);
  t.unref();
}

function onceAsync<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  let running: Promise<void> | undefined;
  return (...args) => (running ??= fn(...args));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`candlewire: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

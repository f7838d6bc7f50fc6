/**
 * Owns the sidecar process: spawns it, performs the `initialize` handshake, restarts it after a
 * crash within a budget, and stops it cleanly (shutdown request, stdin closed, then a kill after
 * a deadline). No `vscode` here: the extension turns states into UI, tests drive real processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SidecarClient } from './client';
import { CrashBudget, type CrashBudgetOptions } from './crash-budget';
import type { InitializeResult } from './protocol';

/** How to start the sidecar; computed afresh before every start because settings may have changed. */
export interface LaunchPlan {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface SupervisorLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface SupervisorOptions {
  /** The launch plan, or an Error the user must fix first (no restart is attempted). */
  plan(): Promise<LaunchPlan | Error>;
  log: SupervisorLog;
  /** Every stderr line of the sidecar, as written. */
  onStderrLine(line: string): void;
  /** Every notification of the current sidecar. */
  onNotification(method: string, params: unknown): void;
  clientInfo?: { name: string; version?: string };
  budget?: CrashBudgetOptions;
  /** Delay before the first restart; doubles per crash in the window, capped at 8×. Default 500 ms. */
  restartDelayMs?: number;
  /** A sidecar that has not answered `initialize` by then is killed (counted as a crash). Default 20 s. */
  initializeTimeoutMs?: number;
  /** Total time `stop()` waits for a clean exit before killing. Default 2 s. */
  stopTimeoutMs?: number;
  now?: () => number;
}

export type SupervisorState =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  | { kind: 'running'; pid: number; client: SidecarClient; info: InitializeResult }
  | { kind: 'restarting'; reason: string; crashes: number; delayMs: number }
  /** Not restarted: a config/usage error (`configError`), a launch plan error, or the crash budget is spent. */
  | { kind: 'failed'; reason: string; configError: boolean };

/** The exit code `candlewire` uses for bad arguments and bad configuration. */
const USAGE_EXIT_CODE = 2;

interface Running {
  generation: number;
  child: ChildProcess;
  client: SidecarClient;
  exited: Promise<void>;
  stderrTail: string[];
}

/** One supervised sidecar at a time. */
export class Supervisor {
  private current: SupervisorState = { kind: 'stopped' };
  private readonly listeners = new Set<(state: SupervisorState) => void>();
  private readonly budget: CrashBudget;
  private generation = 0;
  private proc: Running | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly o: SupervisorOptions) {
    this.budget = new CrashBudget(o.budget);
  }

  get state(): SupervisorState {
    return this.current;
  }

  /** Listens to state changes; returns the unsubscribe function. */
  onState(listener: (state: SupervisorState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the sidecar unless it is already starting or running; resolves once it runs or has failed. */
  async start(): Promise<SupervisorState> {
    await this.stopping;
    if (this.current.kind === 'running' || this.current.kind === 'starting') return this.settled();
    this.clearRestart();
    void this.launch();
    return this.settled();
  }

  /** Stops the sidecar: `shutdown`, then closes stdin, then kills it if it has not exited in time. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop().finally(() => (this.stopping = undefined));
    return this.stopping;
  }

  /** Stop then start with a fresh crash budget (what the user's Restart command does). */
  async restart(): Promise<SupervisorState> {
    await this.stop();
    this.budget.reset();
    return this.start();
  }

  /** Resolves with the next state that is `running` or `failed` (or `stopped`). */
  settled(): Promise<SupervisorState> {
    const done = (s: SupervisorState) => s.kind === 'running' || s.kind === 'failed' || s.kind === 'stopped';
    if (done(this.current)) return Promise.resolve(this.current);
    return new Promise((resolve) => {
      const off = this.onState((s) => {
        if (!done(s)) return;
        off();
        resolve(s);
      });
    });
  }

  private setState(state: SupervisorState): void {
    this.current = state;
    for (const l of [...this.listeners]) l(state);
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private clearRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private async launch(): Promise<void> {
    const generation = ++this.generation;
    this.setState({ kind: 'starting' });
    const plan = await this.o.plan();
    if (generation !== this.generation) return;
    if (plan instanceof Error) {
      this.o.log.error(`cannot start the sidecar: ${plan.message}`);
      this.setState({ kind: 'failed', reason: plan.message, configError: true });
      return;
    }
    this.o.log.info(`starting the sidecar: ${[plan.command, ...plan.args].map(quote).join(' ')}`);
    const child = spawn(plan.command, plan.args, { env: plan.env, cwd: plan.cwd, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const stderrTail: string[] = [];
    let spawnError: Error | undefined;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        resolve();
        this.onExit(generation, code, signal, stderrTail, spawnError);
      });
      child.once('error', (err) => {
        // Spawning failed (no such executable…): 'exit' may never come, so report it here.
        spawnError = err;
        if (child.pid === undefined) {
          resolve();
          this.onExit(generation, null, null, stderrTail, err);
        }
      });
    });
    // EPIPE when the process is already gone: the exit handler reports that.
    child.stdin!.on('error', () => undefined);
    createInterface({ input: child.stderr!, crlfDelay: Infinity }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      this.o.onStderrLine(line);
    });
    const client = new SidecarClient({
      input: child.stdout!,
      output: child.stdin!,
      onNotification: (method, params) => {
        if (generation === this.generation) this.o.onNotification(method, params);
      },
      onGarbage: (line) => this.o.log.warn(`sidecar wrote a non-protocol line to stdout (ignored): ${line.slice(0, 200)}`),
    });
    this.proc = { generation, child, client, exited, stderrTail };
    try {
      const info = await client.request<InitializeResult>('initialize', { client: this.o.clientInfo }, this.o.initializeTimeoutMs ?? 20_000);
      if (generation !== this.generation) return;
      this.o.log.info(`sidecar ${info.version} running (pid ${child.pid}); exchanges: ${info.exchanges.join(', ')}`);
      this.setState({ kind: 'running', pid: child.pid!, client, info });
    } catch (err) {
      if (generation !== this.generation || child.exitCode !== null || child.signalCode !== null || spawnError) return;
      // Alive but not answering: a hung sidecar is as useless as a crashed one.
      this.o.log.error(`the sidecar did not answer initialize: ${(err as Error).message}; killing it`);
      child.kill('SIGKILL');
    }
  }

  private onExit(generation: number, code: number | null, signal: NodeJS.Signals | null, stderrTail: string[], spawnError: Error | undefined): void {
    // Stale (a stopped generation) or already reported (spawn errors can be followed by 'exit').
    if (generation !== this.generation || this.proc?.generation !== generation) return;
    const proc = this.proc;
    this.proc = undefined;
    const how = spawnError ? `could not be started (${spawnError.message})` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
    proc?.client.close(`the sidecar ${how}`);
    const wasStarting = this.current.kind === 'starting';
    const lastError = [...stderrTail].reverse().find((l) => /\b(ERROR|error)\b|^candlewire:/.test(l)) ?? stderrTail.at(-1);
    const reason = `the sidecar ${how}${lastError ? `: ${stripLogPrefix(lastError)}` : ''}`;
    if (wasStarting && code === USAGE_EXIT_CODE) {
      this.o.log.error(reason);
      this.setState({ kind: 'failed', reason, configError: true });
      return;
    }
    const verdict = this.budget.record(this.now());
    if (!verdict.restart || spawnError) {
      const why = spawnError ? reason : `${reason} (${verdict.crashesInWindow} crashes in ${Math.round(this.budget.windowMs / 60_000)} minutes; not restarting)`;
      this.o.log.error(why);
      this.setState({ kind: 'failed', reason: why, configError: false });
      return;
    }
    const base = this.o.restartDelayMs ?? 500;
    const delayMs = base * Math.min(8, 2 ** (verdict.crashesInWindow - 1));
    this.o.log.warn(`${reason}; restarting in ${delayMs} ms (crash ${verdict.crashesInWindow} of ${this.budget.maxCrashes} allowed in ${Math.round(this.budget.windowMs / 60_000)} minutes)`);
    this.setState({ kind: 'restarting', reason, crashes: verdict.crashesInWindow, delayMs });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.launch();
    }, delayMs);
  }

  private async doStop(): Promise<void> {
    this.clearRestart();
    const proc = this.proc;
    // A new generation makes the exit of the old process "expected": no crash is recorded.
    this.generation++;
    this.proc = undefined;
    if (!proc) {
      if (this.current.kind !== 'stopped') this.setState({ kind: 'stopped' });
      return;
    }
    const deadline = this.now() + (this.o.stopTimeoutMs ?? 2000);
    const { child, client } = proc;
    const alive = () => child.exitCode === null && child.signalCode === null;
    if (alive() && !client.isClosed) {
      // The sidecar answers, then exits by itself once the answer is flushed.
      await client.request('shutdown', undefined, Math.max(1, deadline - this.now())).catch(() => undefined);
    }
    client.close('stopped');
    child.stdin?.end();
    if (alive()) {
      const remaining = Math.max(0, deadline - this.now());
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([proc.exited, new Promise<void>((r) => (timer = setTimeout(r, remaining)))]);
      clearTimeout(timer);
    }
    if (alive()) {
      this.o.log.warn(`the sidecar (pid ${child.pid}) did not exit within ${this.o.stopTimeoutMs ?? 2000} ms; killing it`);
      child.kill('SIGKILL');
      await proc.exited;
    }
    this.o.log.info(`sidecar stopped (pid ${child.pid})`);
    this.setState({ kind: 'stopped' });
  }
}

function quote(arg: string): string {
  return /^[\w./:=@-]+$/.test(arg) ? arg : JSON.stringify(arg);
}

/** `2025-01-01T00:00:00.000Z ERROR  message` → `message`. */
function stripLogPrefix(line: string): string {
  return line.replace(/^\S+Z\s+[A-Z]+\s+/, '');
}

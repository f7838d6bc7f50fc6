/**
 * `npm run fuzz`: every fuzz target of test/fuzz/targets.ts, 100,000 cases each by default, and
 * a table of target, runs, failures and time. Each target runs in its own child process, so a
 * crash (or an infinite loop, caught by a watchdog) is that target's failure, not the end of the run.
 *
 *   npx tsx scripts/fuzz.ts [--runs N] [--seed S] [--only TEXT] [--jobs J]
 *
 * Exit code 0 when no case failed. A failing target prints its seed, its first failing inputs and
 * a shrunk counterexample; replay one with `--only NAME --seed S`.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fuzzTargets, runTarget, type FuzzResult } from '../test/fuzz/targets';

interface Options {
  runs: number;
  seed: number;
  only: string | undefined;
  jobs: number;
  child: string | undefined;
}

/** No progress report (one every 1000 cases) for this long: the target hangs. */
const WATCHDOG_MS = 120_000;

function parseOptions(argv: string[]): Options | Error {
  const o: Options = { runs: 100_000, seed: Date.now() % 2 ** 31, only: undefined, jobs: Math.max(1, Math.min(4, os.availableParallelism())), child: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const int = (name: string, min: number): number | Error => {
      const n = Number(value);
      return value !== undefined && Number.isInteger(n) && n >= min ? n : new Error(`${name} expects an integer ≥ ${min}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
    };
    let parsed: number | Error | undefined;
    switch (flag) {
      case '--runs':
        parsed = int('--runs', 1);
        if (typeof parsed === 'number') o.runs = parsed;
        break;
      case '--seed':
        parsed = int('--seed', -(2 ** 31));
        if (typeof parsed === 'number') o.seed = parsed;
        break;
      case '--jobs':
        parsed = int('--jobs', 1);
        if (typeof parsed === 'number') o.jobs = parsed;
        break;
      case '--only':
        if (value === undefined) return new Error('--only expects part of a target name');
        o.only = value;
        break;
      case '--child':
        o.child = value;
        break;
      default:
        return new Error(`unknown option ${flag}; usage: tsx scripts/fuzz.ts [--runs N] [--seed S] [--only TEXT] [--jobs J]`);
    }
    if (parsed instanceof Error) return parsed;
    i++;
  }
  return o;
}

/** Child mode: runs one target, reporting progress and the result on stdout. */
async function runChild(name: string, o: Options): Promise<number> {
  const target = fuzzTargets().find((t) => t.name === name);
  if (!target) {
    process.stderr.write(`no fuzz target named ${JSON.stringify(name)}\n`);
    return 2;
  }
  // A rejection nobody handled is a bug of the code under test, not of the fuzzer: count it.
  let stray = 0;
  process.on('unhandledRejection', () => stray++);
  const result = await runTarget(target, { runs: o.runs, seed: o.seed, onProgress: (n) => process.stdout.write(`progress ${n}\n`) });
  if (stray > 0) {
    result.failures += stray;
    result.examples.push({ input: '(not attributable to one case)', error: `${stray} unhandled promise rejection(s)` });
  }
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
  return 0;
}

function runInChild(name: string, o: Options): Promise<FuzzResult> {
  return new Promise((resolve) => {
    const args = [...process.execArgv, __filename, '--child', name, '--runs', String(o.runs), '--seed', String(o.seed)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const started = Date.now();
    let result: FuzzResult | undefined;
    let stderr = '';
    let why: string | undefined;
    let watchdog = setTimeout(onSilence, WATCHDOG_MS);
    function onSilence(): void {
      why = `no progress for ${WATCHDOG_MS / 1000} s (hang)`;
      child.kill('SIGKILL');
    }
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('progress ')) {
        clearTimeout(watchdog);
        watchdog = setTimeout(onSilence, WATCHDOG_MS);
      } else if (line.startsWith('result ')) {
        result = JSON.parse(line.slice('result '.length)) as FuzzResult;
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      if (result) return resolve(result);
      const error = why ?? `the process died (exit code ${code}, signal ${signal}): ${stderr.trim().split('\n').slice(-8).join('\n') || 'no output'}`;
      resolve({ name, runs: 0, failures: 1, timeMs: Date.now() - started, seed: o.seed, examples: [{ input: '(the whole target)', error }] });
    });
  });
}

function table(results: FuzzResult[]): string {
  const rows = results.map((r) => [r.name, r.runs.toLocaleString('en-US'), String(r.failures), `${(r.timeMs / 1000).toFixed(1)} s`, r.timeMs > 0 ? Math.round((r.runs * 1000) / r.timeMs).toLocaleString('en-US') : '—']);
  const head = ['target', 'runs', 'failures', 'time', 'cases/s'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join(' | ')} |`;
  return [line(head), `|${width.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  if (o instanceof Error) {
    process.stderr.write(`fuzz: ${o.message}\n`);
    return 2;
  }
  if (o.child !== undefined) return runChild(o.child, o);
  const names = fuzzTargets()
    .map((t) => t.name)
    .filter((n) => o.only === undefined || n.includes(o.only));
  if (names.length === 0) {
    process.stderr.write(`fuzz: no target matches ${JSON.stringify(o.only)}\n`);
    return 2;
  }
  process.stdout.write(`fuzz: ${names.length} targets × ${o.runs.toLocaleString('en-US')} cases, seed ${o.seed}, ${o.jobs} at a time\n`);
  const started = Date.now();
  const results = new Map<string, FuzzResult>();
  const queue = [...names];
  await Promise.all(
    Array.from({ length: Math.min(o.jobs, names.length) }, async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const r = await runInChild(name, o);
        results.set(name, r);
        process.stdout.write(`  ${r.failures === 0 ? 'ok  ' : 'FAIL'} ${name}: ${r.runs.toLocaleString('en-US')} cases, ${r.failures} failures, ${(r.timeMs / 1000).toFixed(1)} s\n`);
      }
    }),
  );
  const ordered = names.map((n) => results.get(n)!);
  process.stdout.write(`\n${table(ordered)}\n`);
  const failed = ordered.filter((r) => r.failures > 0);
  for (const r of failed) {
    process.stdout.write(`\n${r.name}: ${r.failures} failing cases (replay: npx tsx scripts/fuzz.ts --only '${r.name}' --runs ${o.runs} --seed ${r.seed})\n`);
    for (const e of r.examples) process.stdout.write(`  - ${e.error}\n    input: ${e.input}\n`);
    if (r.counterexample) process.stdout.write(`  shrunk: ${r.counterexample.error}\n    input: ${r.counterexample.input}\n`);
  }
  const total = ordered.reduce((n, r) => n + r.runs, 0);
  process.stdout.write(
    `\n${total.toLocaleString('en-US')} cases in ${((Date.now() - started) / 1000).toFixed(0)} s: ${failed.length === 0 ? 'no failures' : `${failed.length} target(s) failed`}\n`,
  );
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fuzz: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

/**
 * `npm run faults`: every fault × every exchange-market against the built sidecar; prints the
 * table and writes docs/RELIABILITY.md. One session (fake exchanges + one sidecar) per fault, with
 * every exchange-market of that fault at once; a few sessions run side by side.
 *
 *   npm run faults -- [--only close-1011,stall] [--exchanges binance,okx:perp] [--parallel 4]
 *                     [--refuse-ms 60000] [--no-write] [--out docs/RELIABILITY.md]
 *
 * Exits 1 when any cell failed.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { FAULTS, faultById } from '../test/faults/catalog';
import { markdownReport, problemList, textTable, totals } from '../test/faults/report';
import { FULL_PARAMS, runSession, type CellResult, type FaultSpec } from '../test/faults/session';
import { faultTargets } from '../test/faults/targets';

interface Args {
  only?: string[];
  exchanges?: string[];
  parallel: number;
  refuseMs: number;
  write: boolean;
  out: string;
}

function parseArgs(argv: string[]): Args | Error {
  const a: Args = { parallel: 4, refuseMs: FULL_PARAMS.refuseMs, write: true, out: resolve(__dirname, '../docs/RELIABILITY.md') };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    try {
      if (flag === '--only') a.only = value().split(',');
      else if (flag === '--exchanges') a.exchanges = value().split(',');
      else if (flag === '--parallel') a.parallel = Math.max(1, Number(value()));
      else if (flag === '--refuse-ms') a.refuseMs = Number(value());
      else if (flag === '--no-write') a.write = false;
      else if (flag === '--out') a.out = resolve(value());
      else return new Error(`unknown option ${flag}; see the comment at the top of scripts/faults.ts`);
    } catch (err) {
      return err as Error;
    }
    if (!Number.isFinite(a.parallel) || !Number.isFinite(a.refuseMs)) return new Error(`${flag}: expected a number`);
  }
  return a;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args instanceof Error) {
    process.stderr.write(`faults: ${args.message}\n`);
    return 2;
  }
  let faults: FaultSpec[] = [...FAULTS];
  if (args.only) {
    const picked = args.only.map(faultById);
    const bad = picked.find((f): f is Error => f instanceof Error);
    if (bad) {
      process.stderr.write(`faults: ${bad.message}\n`);
      return 2;
    }
    faults = picked as FaultSpec[];
  }
  const targets = faultTargets(args.exchanges);
  if (targets.length === 0) {
    process.stderr.write(`faults: no exchange-market matches ${args.exchanges?.join(',')}\n`);
    return 2;
  }
  const params = { ...FULL_PARAMS, refuseMs: args.refuseMs };
  const started = Date.now();
  const log = (line: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  log(`${faults.length} faults × ${targets.length} exchange-markets (${targets.map((t) => t.name).join(', ')}), ${args.parallel} sessions at a time`);

  // The longest faults first, so the pool does not end on one long straggler.
  const order = [...faults].sort((a, b) => (b.id === 'refused' ? 1 : 0) - (a.id === 'refused' ? 1 : 0));
  const results = new Map<string, CellResult[]>();
  let next = 0;
  const worker = async () => {
    while (next < order.length) {
      const fault = order[next++];
      try {
        const cells = await runSession({ faults: [fault], targets, params, window: [10, 40], seed: 7, log });
        results.set(fault.id, cells);
        const bad = cells.filter((c) => !c.ok).length;
        log(`${fault.id}: ${bad === 0 ? 'all recovered' : `${bad} cells FAILED`}`);
      } catch (err) {
        log(`${fault.id}: session failed: ${(err as Error).stack ?? err}`);
        results.set(
          fault.id,
          targets.map((t) => ({
            fault: fault.id,
            faultTitle: fault.title,
            target: t.name,
            ok: false,
            disrupted: false,
            healMs: undefined,
            states: '—',
            reconnects: 0,
            bars: { expected: 0, missing: 0, duplicate: 0, wrong: 0, details: [] },
            lost: 0,
            problems: [`the session failed: ${(err as Error).message}`],
            notes: [],
          })),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.parallel, order.length) }, worker));

  const cells = faults.flatMap((f) => results.get(f.id) ?? []);
  process.stdout.write(`\n${textTable(cells)}\n`);
  const problems = problemList(cells);
  if (problems) process.stdout.write(`\nFAILED CELLS\n${problems}\n`);
  const t = totals(cells);
  process.stdout.write(
    `\n${t.cells - t.failed}/${t.cells} cells recovered; missing ${t.missing}, duplicate ${t.duplicate}, wrong ${t.wrong}, lost ${t.lost} over ${t.bars} bars; ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
  if (args.write) {
    const doc = markdownReport(cells, {
      date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
      node: process.version,
      cpus: os.cpus().length,
      durationMs: Date.now() - started,
      params,
      command: `npm run faults${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    });
    writeFileSync(args.out, doc);
    process.stdout.write(`wrote ${args.out}\n`);
  }
  return t.failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`faults: ${(err as Error).stack ?? err}\n`);
    process.exit(2);
  },
);

/**
 * The fuzz targets of `npm run fuzz` (test/fuzz/targets.ts), a few hundred cases each: exchange
 * parsers never throw and call garbage malformed, the JSON-RPC session answers every line as the
 * spec says and stays up, the config loader names the file and key it refuses. A failure prints
 * the seed, the first failing inputs and a shrunk counterexample.
 * The seed is fixed (FUZZ_SEED overrides it), so every run tries the same cases.
 *
 *   FUZZ_RUNS=5000 FUZZ_SEED=123 npx vitest run test/unit/fuzz.test.ts
 */
import { describe, expect, it } from 'vitest';
import { fuzzTargets, runTarget } from '../fuzz/targets';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
// A fixed seed keeps the suite repeatable; `npm run fuzz` explores with a new seed every run.
const SEED = Number(process.env.FUZZ_SEED ?? 20_251_121);

describe('fuzz targets', () => {
  for (const target of fuzzTargets()) {
    it(target.name, async () => {
      const r = await runTarget(target, { runs: RUNS, seed: SEED, shrinkTimeMs: 10_000 });
      const report = [
        `${r.failures} of ${r.runs} cases failed (seed ${r.seed}; replay with FUZZ_SEED=${r.seed})`,
        ...r.examples.map((e, i) => `example ${i + 1}: ${e.error}\n  input: ${e.input}`),
        ...(r.counterexample ? [`shrunk: ${r.counterexample.error}\n  input: ${r.counterexample.input}`] : []),
      ].join('\n');
      expect(r.failures, report).toBe(0);
      expect(r.runs).toBe(RUNS);
    }, 60_000);
  }
});

/**
 * A fuzz target and the runner shared by `npm run fuzz` (scripts/fuzz.ts, ≥ 100,000 cases per
 * target) and the test suite (test/unit/fuzz.test.ts, a few hundred). The runner counts every
 * failing case instead of stopping at the first, then replays the same seed to shrink the first
 * failure to a small counterexample.
 */
import fc from 'fast-check';

export interface FuzzTarget<T = unknown> {
  /** `<what> <where>`, e.g. `ws.parse acme:spot`, `rpc.json`. */
  name: string;
  /** Loads seeds (once per process) and returns the inputs to generate. */
  prepare(): fc.Arbitrary<T> | Promise<fc.Arbitrary<T>>;
  /** Throws an Error saying what is wrong when the property fails for `input`. */
  check(input: T): void | Promise<void>;
  /** A case taking longer fails as a hang. Default 2000 ms. */
  caseTimeoutMs?: number;
  /** How an input is shown in a failure report. Default: fast-check's `stringify`. */
  show?(input: T): string;
}

export interface FuzzFailure {
  input: string;
  error: string;
}

export interface FuzzResult {
  name: string;
  runs: number;
  failures: number;
  timeMs: number;
  seed: number;
  /** The first few failing inputs, as generated. */
  examples: FuzzFailure[];
  /** The first failure, shrunk. */
  counterexample?: FuzzFailure;
}

export interface RunOptions {
  runs: number;
  seed?: number;
  /** Called every 1000 cases with the count so far. */
  onProgress?: (done: number) => void;
  /** Time allowed for shrinking the first failure. Default 30 000 ms. */
  shrinkTimeMs?: number;
}

const DEFAULT_CASE_TIMEOUT_MS = 2000;
const MAX_EXAMPLES = 3;

function message(error: unknown): string {
  return error instanceof Error ? error.message : `non-Error thrown: ${String(error)}`;
}

function show<T>(target: FuzzTarget<T>, input: T): string {
  const text = target.show ? target.show(input) : fc.stringify(input);
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

/** Runs `check` with a deadline: a case that never settles (or blocks for longer) is a hang. */
async function checkInTime<T>(target: FuzzTarget<T>, input: T): Promise<void> {
  const limit = target.caseTimeoutMs ?? DEFAULT_CASE_TIMEOUT_MS;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(() => target.check(input)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no outcome within ${limit} ms (hang)`)), limit);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  // A synchronous check cannot be interrupted; one that blocked past the limit still fails.
  const took = performance.now() - started;
  if (took > limit) throw new Error(`took ${Math.round(took)} ms, over the ${limit} ms limit for one case`);
}

/** Runs `runs` cases of `target`, counting failures; shrinks the first one. */
export async function runTarget<T>(target: FuzzTarget<T>, options: RunOptions): Promise<FuzzResult> {
  const seed = options.seed ?? Date.now() ^ (Math.random() * 0x100000000);
  const started = performance.now();
  const arbitrary = await target.prepare();
  let done = 0;
  let failures = 0;
  const examples: FuzzFailure[] = [];
  const counting = fc.asyncProperty(arbitrary, async (input) => {
    try {
      await checkInTime(target, input);
    } catch (error) {
      failures++;
      if (examples.length < MAX_EXAMPLES) examples.push({ input: show(target, input), error: message(error) });
    }
    done++;
    if (done % 1000 === 0) options.onProgress?.(done);
    return true;
  });
  await fc.check(counting, { numRuns: options.runs, seed });
  const result: FuzzResult = { name: target.name, runs: done, failures, timeMs: Math.round(performance.now() - started), seed, examples };
  if (failures > 0) {
    const failing = fc.asyncProperty(arbitrary, async (input) => {
      await checkInTime(target, input);
    });
    const replay = await fc.check(failing, { numRuns: options.runs, seed, interruptAfterTimeLimit: options.shrinkTimeMs ?? 30_000 });
    if (replay.failed && replay.counterexample) {
      result.counterexample = { input: show(target, replay.counterexample[0]), error: message(replay.errorInstance) };
    }
  }
  return result;
}

/**
 * The fault matrix, smaller: a representative subset of `npm run faults` × every exchange-market
 * with a fake, against the BUILT sidecar. Four sessions run side by side (one sidecar and one set
 * of fakes each, every exchange-market at once); the faults of a session follow one another, then
 * the minute of the last one is let close and every series is compared with the ground truth.
 * The full matrix (every fault, a 60 s refusal, the proxy) is `npm run faults` → docs/RELIABILITY.md.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { faultById } from '../faults/catalog';
import type { CellResult, FaultParams, FaultSpec } from '../faults/session';
import { FULL_PARAMS, runSession } from '../faults/session';
import { faultTargets } from '../faults/targets';

const PARAMS: FaultParams = {
  ...FULL_PARAMS,
  refuseMs: 8_000,
  stallMs: 6_000,
  quietMs: 8_000,
  lifetimeRunMs: 25_000,
  fakeLifetimeMs: 12_000,
  sidecarLifetimeMs: 8_000,
};

const fault = (id: string): FaultSpec => {
  const f = faultById(id);
  if (f instanceof Error) throw f;
  return f;
};

/** Faults of one session share its sidecar; sessions with different needs are apart. */
const SESSIONS: string[][] = [
  ['close-1006', 'close-1011', 'stall', 'silence'],
  ['pongs-ignored', 'garbage', 'frame-5mb', 'rest-429-retry-after'],
  ['refused'],
  ['lifetime'],
];

const targets = faultTargets();
const results = new Map<string, CellResult[]>();

beforeAll(async () => {
  const sessions = await Promise.all(
    SESSIONS.map((ids) => runSession({ faults: ids.map(fault), targets, params: PARAMS, window: [10, 38], betweenMs: 1000, seed: 5 })),
  );
  for (const cells of sessions) for (const c of cells) results.set(c.fault, [...(results.get(c.fault) ?? []), c]);
}, 300_000);

describe.each(SESSIONS.flat())('%s', (id) => {
  it(`every exchange-market recovers: 0 missing, 0 duplicate, 0 wrong bars, 0 notifications lost, honest status`, () => {
    const cells = results.get(id) ?? [];
    expect(cells.map((c) => c.target).sort()).toEqual(targets.map((t) => t.name).sort());
    const failures = cells.filter((c) => !c.ok).map((c) => `${c.target}: ${c.problems.join('; ')}`);
    expect(failures, failures.join('\n')).toEqual([]);
    for (const c of cells) {
      expect(c.bars.expected, `${c.target}: bars compared`).toBeGreaterThan(0);
      expect({ target: c.target, missing: c.bars.missing, duplicate: c.bars.duplicate, wrong: c.bars.wrong, lost: c.lost }).toEqual({
        target: c.target,
        missing: 0,
        duplicate: 0,
        wrong: 0,
        lost: 0,
      });
    }
  });
});

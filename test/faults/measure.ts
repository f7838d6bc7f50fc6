/**
 * Pure measurements of one fault cell: closed bars against the fake's ground truth (in the cache
 * and as delivered to the client), notifications lost by `seq` gaps, and the connection states a
 * fault produced. No I/O, so the rules are unit-testable on their own.
 */
import type { Kline } from '../../sidecar/market/model';

export interface BarStats {
  /** Ground-truth bars the check covered. */
  expected: number;
  /** Truth bars absent from the cache, or never delivered to the client as closed. */
  missing: number;
  /** Closed bars delivered to the client more than once (the same open time again). */
  duplicate: number;
  /** Bars whose values differ from the truth (in the cache, or the client's last copy). */
  wrong: number;
  /** One line per problem, for the report. */
  details: string[];
}

export interface SeriesObservation {
  label: string;
  /** Closed ground-truth bars with open time in [cacheFrom, to]. */
  truth: readonly Kline[];
  /** Bars the sidecar's cache returned for the same window (closed and forming). */
  cached: readonly Kline[];
  /** Closed bars as the client received them, in arrival order. */
  notified: readonly Kline[];
  /** Every truth bar opening at or after this must have been delivered to the client. */
  notifyFrom: number;
}

const FIELDS = ['closeTime', 'open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades'] as const;

/** The fields in which `bar` differs from `truth` (a count the exchange does not report is not compared). */
export function barDifferences(bar: Kline, truth: Kline): string[] {
  const out: string[] = [];
  for (const f of FIELDS) {
    const a = bar[f];
    const b = truth[f];
    if (a === undefined || b === undefined) continue;
    if (a !== b) out.push(`${f} ${a} ≠ ${b}`);
  }
  return out;
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

/** Compares one series with its ground truth. */
export function compareSeries(o: SeriesObservation): BarStats {
  const details: string[] = [];
  const cachedClosed = o.cached.filter((k) => k.closed);
  const cacheByOpen = new Map<number, Kline>();
  let duplicate = 0;
  for (const k of cachedClosed) {
    if (cacheByOpen.has(k.openTime)) {
      duplicate++;
      details.push(`${o.label}: cache holds ${iso(k.openTime)} twice`);
    }
    cacheByOpen.set(k.openTime, k);
  }
  const lastNotified = new Map<number, Kline>();
  for (const k of o.notified) {
    if (lastNotified.has(k.openTime)) {
      duplicate++;
      const diff = barDifferences(k, lastNotified.get(k.openTime)!);
      details.push(`${o.label}: closed ${iso(k.openTime)} delivered again${diff.length ? ` with other values (${diff.join(', ')})` : ' (same values)'}`);
    }
    lastNotified.set(k.openTime, k);
  }
  let missing = 0;
  let wrong = 0;
  for (const t of o.truth) {
    const inCache = cacheByOpen.get(t.openTime);
    const delivered = lastNotified.get(t.openTime);
    const mustDeliver = t.openTime >= o.notifyFrom;
    if (!inCache || (mustDeliver && !delivered)) {
      missing++;
      details.push(`${o.label}: ${iso(t.openTime)} missing${inCache ? ' in the notifications' : delivered ? ' in the cache' : ''}`);
      continue;
    }
    const diff = barDifferences(inCache, t);
    const sentDiff = delivered ? barDifferences(delivered, t) : [];
    if (diff.length || sentDiff.length) {
      wrong++;
      details.push(`${o.label}: ${iso(t.openTime)} differs from the truth: ${(diff.length ? diff : sentDiff).join(', ')}`);
    }
  }
  return { expected: o.truth.length, missing, duplicate, wrong, details };
}

/** Sums bar statistics. */
export function addStats(a: BarStats, b: BarStats): BarStats {
  return {
    expected: a.expected + b.expected,
    missing: a.missing + b.missing,
    duplicate: a.duplicate + b.duplicate,
    wrong: a.wrong + b.wrong,
    details: [...a.details, ...b.details],
  };
}

export const NO_BARS: BarStats = { expected: 0, missing: 0, duplicate: 0, wrong: 0, details: [] };

/**
 * Notifications lost on one key, from the `seq` numbers received in arrival order: seq starts at
 * 1 per key and increases by one, so every skipped number is a notification that never arrived.
 */
export function seqGaps(seqs: readonly number[]): number {
  if (seqs.length === 0) return 0;
  let lost = seqs[0] - 1;
  for (let i = 1; i < seqs.length; i++) {
    const step = seqs[i] - seqs[i - 1];
    if (step > 1) lost += step - 1;
  }
  return lost;
}

/** `stale → reconnecting → open` from a list of states, repeats collapsed; a cycle repeated n times shows as `(…)×n`. */
export function statePath(states: readonly string[]): string {
  const collapsed: string[] = [];
  for (const s of states) if (collapsed[collapsed.length - 1] !== s) collapsed.push(s);
  // Fold repeated cycles (refused connections retry many times): find the shortest period.
  const out: string[] = [];
  let i = 0;
  while (i < collapsed.length) {
    let folded = false;
    for (let len = 1; len <= 4 && i + 2 * len <= collapsed.length; len++) {
      const unit = collapsed.slice(i, i + len);
      let n = 1;
      while (i + (n + 1) * len <= collapsed.length && collapsed.slice(i + n * len, i + (n + 1) * len).every((s, k) => s === unit[k])) n++;
      if (n >= 2) {
        out.push(`(${unit.join('→')})×${n}`);
        i += n * len;
        folded = true;
        break;
      }
    }
    if (!folded) out.push(collapsed[i++]);
  }
  return out.join('→');
}

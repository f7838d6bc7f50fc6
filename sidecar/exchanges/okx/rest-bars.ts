/**
 * Which bar length a REST candle page has. OKX rows carry only their open time and
 * RestProtocol.klines.parse receives the body alone, so the interval is recovered from the pages
 * this protocol was recently asked for: the newest remembered request whose window contains every
 * row and whose grid every row lies on, preferring one whose bar length equals the rows' spacing.
 * Concurrent pages of different intervals for windows that fit the same rows are the only
 * ambiguity left; a parse that is handed its query (see rest.ts) does not need any of this.
 */
import { alignOpen, parseInterval, type Interval } from '../../market/intervals';
import type { KlinePageQuery } from '../types';

/** Requests remembered; pages are parsed right after their request, so a few dozen is plenty. */
const REMEMBERED = 64;
const DAY_MS = 86_400_000;

interface Asked {
  interval: Interval;
  startTime?: number;
  endTime?: number;
}

export class KlineBars {
  /** Newest first. */
  private readonly asked: Asked[] = [];

  /** Notes a page request. */
  remember(q: KlinePageQuery): void {
    const interval = parseInterval(q.interval);
    if (interval instanceof Error) return;
    this.asked.unshift({ interval, startTime: q.startTime, endTime: q.endTime });
    if (this.asked.length > REMEMBERED) this.asked.length = REMEMBERED;
  }

  /** The canonical interval of a page whose rows open at `opens`; undefined when no request fits. */
  intervalOf(opens: number[]): string | undefined {
    const times = opens.filter(Number.isFinite).sort((a, b) => a - b);
    if (times.length === 0) return undefined;
    const onGrid = (a: Asked) => times.every((t) => alignOpen(a.interval, t) === t);
    const inWindow = (a: Asked) => times[0] >= (a.startTime ?? Number.NEGATIVE_INFINITY) && times[times.length - 1] <= (a.endTime ?? Number.POSITIVE_INFINITY);
    let fits = this.asked.filter((a) => onGrid(a) && inWindow(a));
    if (fits.length === 0) fits = this.asked.filter(onGrid);
    if (times.length > 1) {
      let step = Number.POSITIVE_INFINITY;
      for (let i = 1; i < times.length; i++) if (times[i] > times[i - 1]) step = Math.min(step, times[i] - times[i - 1]);
      const spaced = fits.filter((a) => (a.interval.ms === undefined ? step >= 28 * DAY_MS && step <= 31 * DAY_MS : a.interval.ms === step));
      if (spaced.length > 0) fits = spaced;
    }
    return fits[0]?.interval.name;
  }
}

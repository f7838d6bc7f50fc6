/**
 * Generic kline paging over a RestProtocol: turns "this window" or "the last N bars" into as many
 * page requests as the exchange's page size needs, in whichever direction its pages run.
 */
import type { RestProtocol } from '../exchanges/types';
import type { Kline } from '../market/model';

/** Times are inclusive bounds on open time (ms). */
export interface KlineQuery {
  symbol: string;
  interval: string;
  startTime?: number;
  endTime?: number;
  /** At most this many bars: the oldest ones when startTime is given, else the newest. */
  limit?: number;
}

export interface PagerOptions {
  /** Fixed interval length; lets backward paging bound each page on exchanges whose pages
   * start at the oldest row. Omit for calendar intervals (1M). */
  intervalMs?: number;
  /** Clock passed to RestProtocol.klines.parse (decides `closed`). */
  now?: () => number;
  /** Guard against a misbehaving server. Default 10 000 pages. */
  maxPages?: number;
}

/** Fetches one URL's body; throws on failure (its error reaches the caller unchanged). */
export type TextFetcher = (url: string) => Promise<string>;

const DEFAULT_MAX_PAGES = 10_000;

/**
 * Klines ascending and unique by openTime, covering [startTime, endTime]; with only `limit`
 * (or `endTime` + `limit`), the most recent `limit` bars up to endTime (default: one full page).
 * The 4th argument is the interval length in ms, a clock, or PagerOptions.
 */
export async function fetchKlines(
  rest: RestProtocol,
  fetcher: TextFetcher,
  query: KlineQuery,
  options: number | (() => number) | PagerOptions = {},
): Promise<Kline[]> {
  const opts: PagerOptions =
    typeof options === 'number' ? { intervalMs: options } : typeof options === 'function' ? { now: options } : options;
  const pager = new Pager(rest, fetcher, query, opts);
  return pager.run();
}

class Pager {
  private readonly bars = new Map<number, Kline>();
  private readonly maxLimit: number;
  private readonly now: () => number;
  private pagesLeft: number;

  constructor(
    private readonly rest: RestProtocol,
    private readonly fetcher: TextFetcher,
    private readonly q: KlineQuery,
    private readonly opts: PagerOptions,
  ) {
    this.maxLimit = Math.max(1, Math.floor(rest.klines.maxLimit));
    this.now = opts.now ?? Date.now;
    this.pagesLeft = opts.maxPages ?? DEFAULT_MAX_PAGES;
  }

  async run(): Promise<Kline[]> {
    const { startTime: start, endTime: end, limit } = this.q;
    if (limit !== undefined && limit <= 0) return [];
    if (start !== undefined && end !== undefined && end < start) return [];
    const intervalMs = this.opts.intervalMs;

    if (start !== undefined) {
      let hi = end;
      // With a known bar length, `limit` bars from start bound the window: no paging past them.
      if (limit !== undefined && intervalMs) hi = Math.min(hi ?? Number.POSITIVE_INFINITY, start + limit * intervalMs - 1);
      if (this.rest.klines.pageFrom === 'oldest') await this.forward(start, hi, limit);
      else await this.backward(hi, start, undefined);
      const sorted = this.sorted();
      return limit !== undefined ? sorted.slice(0, limit) : sorted;
    }
    const want = limit ?? this.maxLimit;
    await this.backward(end, undefined, want);
    return this.sorted().slice(-want);
  }

  private sorted(): Kline[] {
    return [...this.bars.values()].sort((a, b) => a.openTime - b.openTime);
  }

  private inWindow(k: Kline): boolean {
    const { startTime, endTime } = this.q;
    return (startTime === undefined || k.openTime >= startTime) && (endTime === undefined || k.openTime <= endTime);
  }

  private async page(startTime: number | undefined, endTime: number | undefined, limit: number): Promise<Kline[]> {
    this.pagesLeft -= 1;
    const query = {
      symbol: this.q.symbol,
      interval: this.q.interval,
      ...(startTime !== undefined ? { startTime } : {}),
      ...(endTime !== undefined ? { endTime } : {}),
      limit,
    };
    const request = this.rest.klines.request(query);
    // Closed means closed before we asked: a bar whose close time passes while the request is in
    // flight may have been answered still forming, and must not be stored as final.
    const asked = this.now();
    const rows = this.rest.klines.parse(await this.fetcher(request.url), asked, query);
    for (const k of rows) if (this.inWindow(k)) this.bars.set(k.openTime, k);
    return rows;
  }

  /** Oldest-first pages: each starts just after the newest row of the previous one. */
  private async forward(from: number, to: number | undefined, want: number | undefined): Promise<void> {
    let cursor = from;
    let newest = Number.NEGATIVE_INFINITY;
    while (this.pagesLeft > 0) {
      const pageLimit = Math.min(this.maxLimit, want === undefined ? this.maxLimit : want - this.bars.size);
      if (pageLimit <= 0) return;
      const rows = await this.page(cursor, to, pageLimit);
      if (rows.length === 0) return;
      const last = rows.reduce((a, b) => (b.openTime > a.openTime ? b : a));
      if (last.openTime <= newest) return; // no progress: the server ignores startTime
      newest = last.openTime;
      if (rows.length < pageLimit) return;
      if (to !== undefined && last.closeTime >= to) return;
      // openTime + 1 rather than + interval: right for calendar intervals too (bounds are inclusive).
      cursor = last.openTime + 1;
    }
  }

  /** Newest-first pages: each ends just before the oldest row of the previous one. */
  private async backward(to: number | undefined, from: number | undefined, want: number | undefined): Promise<void> {
    let cursor = to;
    let oldest = Number.POSITIVE_INFINITY;
    const intervalMs = this.opts.intervalMs;
    // Pages that start at their oldest row need a startTime so they end at the cursor.
    const boundStart = this.rest.klines.pageFrom === 'oldest' && from === undefined && !!intervalMs;
    while (this.pagesLeft > 0) {
      const pageLimit = Math.min(this.maxLimit, want === undefined ? this.maxLimit : want - this.bars.size);
      if (pageLimit <= 0) return;
      const startTime =
        from ?? (boundStart && cursor !== undefined ? Math.max(0, cursor - pageLimit * (intervalMs as number) + 1) : undefined);
      const rows = await this.page(startTime, cursor, pageLimit);
      if (rows.length === 0) return;
      const first = rows.reduce((a, b) => (b.openTime < a.openTime ? b : a));
      if (first.openTime >= oldest) return; // no progress: the server ignores endTime
      oldest = first.openTime;
      // A computed startTime can make a page short across a hole in the exchange's history,
      // so there only an empty page means the start of the listing.
      const bounded = startTime !== undefined && from === undefined;
      if (rows.length < pageLimit && !bounded) return;
      if (from !== undefined && first.openTime <= from) return;
      cursor = first.openTime - 1;
      if (cursor < 0) return;
    }
  }
}

/**
 * What the banner above the chart says, derived from the sidecar's `status` (connection state) and
 * `gap` notifications. Pure: the DOM side only renders the returned text.
 */
import type { ConnectionStatus } from '../sidecar/market/model';
import type { z } from 'zod';
import type { GapSchema } from '../sidecar/rpc/schema';
import { formatClock, formatDateTime } from './format';

export type Gap = z.infer<typeof GapSchema>;

export interface Banner {
  level: 'warning' | 'error';
  text: string;
}

interface Trouble {
  state: ConnectionStatus['state'];
  /** Start of the period whose data may be missing. */
  since: number;
  attempt?: number;
  message?: string;
}

export class FeedHealth {
  /** Connections of this chart's exchange-market that are not open, by connection id. */
  #troubles = new Map<string, Trouble>();
  /** Gaps detected and not yet filled, by their first missing bar. */
  #gaps = new Map<number, Gap>();
  #failed: Gap | undefined;
  #rejected: string | undefined;

  constructor(
    private readonly label: string,
    private readonly seconds: boolean,
  ) {}

  /** Applies a connection state change; returns true if the banner may have changed. */
  onStatus(s: ConnectionStatus): boolean {
    const had = this.#troubles.get(s.id);
    if (s.state === 'open') return this.#troubles.delete(s.id);
    // A first connect is normal start-up, not a reason to warn; a re-connect after data is.
    if (s.state === 'connecting' && s.lastMessageTime === undefined && !had) return false;
    this.#troubles.set(s.id, {
      state: s.state,
      // Keep the start of the outage across reconnect attempts: the data is stale since the first.
      since: had?.since ?? s.lastMessageTime ?? s.since,
      attempt: s.attempt,
      message: s.message,
    });
    return true;
  }

  /** Applies a gap notification; returns the gap when it was filled (the chart marks it). */
  onGap(g: Gap): Gap | undefined {
    if (g.state === 'detected') {
      this.#gaps.set(g.from, g);
      return undefined;
    }
    this.#gaps.delete(g.from);
    if (g.state === 'failed') {
      this.#failed = g;
      return undefined;
    }
    if (this.#failed && this.#failed.from >= g.from && this.#failed.to <= g.to) this.#failed = undefined;
    return g;
  }

  /** The exchange dropped the stream. */
  onRejected(message: string): void {
    this.#rejected = message;
  }

  dismissFailure(): void {
    this.#failed = undefined;
  }

  /** The banner to show, or null when all is well. Errors win over warnings. */
  banner(): Banner | null {
    if (this.#rejected) return { level: 'error', text: `The exchange stopped this stream: ${this.#rejected}` };
    if (this.#failed) {
      const f = this.#failed;
      return {
        level: 'error',
        text:
          `${f.bars} bar${f.bars === 1 ? '' : 's'} from ${formatDateTime(f.from, this.seconds)} to ` +
          `${formatDateTime(f.to, this.seconds)} are missing: the REST backfill failed (${f.reason})`,
      };
    }
    const troubles = [...this.#troubles.values()];
    if (troubles.length) {
      const since = Math.min(...troubles.map((t) => t.since));
      const t = troubles.find((x) => x.state === 'reconnecting') ?? troubles[0];
      const what =
        t.state === 'reconnecting'
          ? `Reconnecting to ${this.label}${t.attempt ? ` (attempt ${t.attempt})` : ''}`
          : t.state === 'stale'
            ? `The ${this.label} feed went silent`
            : t.state === 'connecting'
              ? `Connecting to ${this.label}`
              : `The ${this.label} connection is ${t.state}${t.message ? `: ${t.message}` : ''}`;
      return { level: 'warning', text: `${what} — data may be stale since ${formatClock(since)}` };
    }
    if (this.#gaps.size) {
      const from = Math.min(...this.#gaps.keys());
      const bars = [...this.#gaps.values()].reduce((n, g) => n + g.bars, 0);
      return {
        level: 'warning',
        text: `Fetching ${bars} missing bar${bars === 1 ? '' : 's'} from the exchange — data may be stale since ${formatClock(from)}`,
      };
    }
    return null;
  }
}

/**
 * Sidecar counters, one set of names for `metrics.get` and the Prometheus text page (`/metrics`
 * on the WebSocket port). Counters only ever grow; gauges are read when asked.
 */
import type { EventEnvelope, Hub } from '../hub/hub';
import { EVENT_CHANNELS } from './events';
import type { OutboundCounters } from './outbound';

export interface MetricSample {
  name: string;
  labels?: Record<string, string>;
  value: number;
  type: 'counter' | 'gauge';
  help: string;
}

const EVICTED_HELP = 'Clients disconnected by the sidecar: outbound queue over max_queued_messages, or notification rate over max_notifications_per_second.';
const PUBLISHED_HELP = 'Events published by the hub, per channel (once per event, whatever the number of recipients).';

/** What the metrics need of a connected client (a Session). */
export interface MeteredClient {
  /** Notifications waiting in its outbound queue. */
  readonly queued: number;
}

/** A gauge read on demand (e.g. event patterns held by the router). */
export type GaugeSource = () => number;

/** Collects counters from the hub (via an observer), the sessions and the transports. */
export class Metrics implements OutboundCounters {
  private readonly sessions = new Set<MeteredClient>();
  private readonly published = new Map<string, number>(EVENT_CHANNELS.map((c) => [c, 0]));
  /** Connection id → its reconnect counter as last seen, so the total never goes backwards. */
  private readonly reconnectsSeen = new Map<string, number>();
  private counts = { coalesced: 0, dropped: 0, refused: 0, evictedQueue: 0, evictedRate: 0, reconnects: 0, malformed: 0, unauthorized: 0 };
  private maxDepth = 0;
  private readonly unobserve: () => void;
  /** Event patterns held (set by whoever owns the event router). */
  patternCount: GaugeSource = () => 0;

  constructor(private readonly hub: Pick<Hub, 'observe' | 'subscriptionCount' | 'streamCount'>) {
    this.unobserve = hub.observe({
      published: (channel, env) => this.onPublished(channel, env),
      malformed: () => this.counts.malformed++,
    });
  }

  /** Clients connected now, over every transport. */
  get clientCount(): number {
    return this.sessions.size;
  }

  sessionOpened(s: MeteredClient): void {
    this.sessions.add(s);
  }

  sessionClosed(s: MeteredClient): void {
    this.sessions.delete(s);
  }

  /** A client was refused because a limit (max_clients) was reached. */
  refused(): void {
    this.counts.refused++;
  }

  /** A WebSocket or /metrics request came without the right token. */
  unauthorized(): void {
    this.counts.unauthorized++;
  }

  coalesced(n: number): void {
    this.counts.coalesced += n;
  }

  dropped(n: number): void {
    this.counts.dropped += n;
  }

  depth(n: number): void {
    if (n > this.maxDepth) this.maxDepth = n;
  }

  evicted(why: 'queue' | 'rate'): void {
    if (why === 'queue') this.counts.evictedQueue++;
    else this.counts.evictedRate++;
  }

  /** Every series, in a stable order. */
  samples(): MetricSample[] {
    let queued = 0;
    for (const s of this.sessions) queued += s.queued;
    const c = this.counts;
    const out: MetricSample[] = [
      { name: 'candlewire_clients', type: 'gauge', value: this.sessions.size, help: 'Clients connected now (stdio, local socket, WebSocket).' },
      { name: 'candlewire_clients_refused_total', type: 'counter', value: c.refused, help: 'Clients refused because max_clients was reached.' },
      { name: 'candlewire_clients_evicted_total', labels: { reason: 'queue_overflow' }, type: 'counter', value: c.evictedQueue, help: EVICTED_HELP },
      { name: 'candlewire_clients_evicted_total', labels: { reason: 'rate_limit' }, type: 'counter', value: c.evictedRate, help: EVICTED_HELP },
      { name: 'candlewire_subscriptions', type: 'gauge', value: this.hub.subscriptionCount, help: 'Subscriptions held by all clients.' },
      { name: 'candlewire_streams', type: 'gauge', value: this.hub.streamCount, help: 'Distinct streams (shared by their subscribers upstream).' },
      { name: 'candlewire_event_patterns', type: 'gauge', value: this.patternCount(), help: 'events.subscribe patterns held by all clients.' },
    ];
    for (const [channel, n] of this.published) {
      out.push({ name: 'candlewire_events_published_total', labels: { channel }, type: 'counter', value: n, help: PUBLISHED_HELP });
    }
    out.push(
      { name: 'candlewire_notifications_coalesced_total', type: 'counter', value: c.coalesced, help: 'Forming-kline updates merged into a newer one for a slow or rate-limited client.' },
      { name: 'candlewire_notifications_dropped_total', type: 'counter', value: c.dropped, help: 'Notifications discarded because their client was being disconnected.' },
      { name: 'candlewire_outbound_queued_messages', type: 'gauge', value: queued, help: 'Notifications waiting in client queues now.' },
      { name: 'candlewire_outbound_queue_high_water', type: 'gauge', value: this.maxDepth, help: 'Longest any one client queue has been (bounded by max_queued_messages + 1).' },
      { name: 'candlewire_reconnects_total', type: 'counter', value: c.reconnects, help: 'Exchange connection reconnects.' },
      { name: 'candlewire_malformed_frames_total', type: 'counter', value: c.malformed, help: 'Exchange frames that could not be parsed (logged, never fatal).' },
      { name: 'candlewire_ws_unauthorized_total', type: 'counter', value: c.unauthorized, help: 'WebSocket upgrades and /metrics requests refused for a missing or wrong token.' },
    );
    return out;
  }

  /** `{ "candlewire_clients": 3, "candlewire_events_published_total{channel=\"kline\"}": 120, … }` */
  values(): Record<string, number> {
    return Object.fromEntries(this.samples().map((s) => [seriesName(s), s.value]));
  }

  /** The Prometheus text exposition format (version 0.0.4). */
  prometheus(): string {
    return renderPrometheus(this.samples());
  }

  dispose(): void {
    this.unobserve();
  }

  private onPublished(channel: string, env: EventEnvelope): void {
    this.published.set(channel, (this.published.get(channel) ?? 0) + 1);
    if (channel !== 'status') return;
    const s = env.data as { id?: string; reconnects?: number; state?: string };
    if (typeof s.id !== 'string' || typeof s.reconnects !== 'number') return;
    const before = this.reconnectsSeen.get(s.id) ?? 0;
    if (s.reconnects > before) this.counts.reconnects += s.reconnects - before;
    if (s.state === 'closed') this.reconnectsSeen.delete(s.id);
    else this.reconnectsSeen.set(s.id, Math.max(before, s.reconnects));
  }
}

/** `name` or `name{label="value",…}` with Prometheus escaping. Pure. */
export function seriesName(s: Pick<MetricSample, 'name' | 'labels'>): string {
  const labels = Object.entries(s.labels ?? {});
  if (!labels.length) return s.name;
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `${s.name}{${labels.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
}

/** Renders samples as Prometheus text: HELP and TYPE once per metric name, then its series. Pure. */
export function renderPrometheus(samples: readonly MetricSample[]): string {
  const lines: string[] = [];
  const described = new Set<string>();
  for (const s of samples) {
    if (!described.has(s.name)) {
      described.add(s.name);
      const help = s.help || s.name;
      lines.push(`# HELP ${s.name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${s.name} ${s.type}`);
    }
    lines.push(`${seriesName(s)} ${Number.isFinite(s.value) ? s.value : 0}`);
  }
  return lines.join('\n') + '\n';
}

/** Parses Prometheus text back into `{ series: value }` (tests, tools). Pure. */
export function parsePrometheus(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return out;
}

/**
 * The subscriptions the user asked for in this workspace, and what is known about each: the
 * sidecar's subscription id while one exists, its state, the last price seen. The list outlives
 * sidecar processes — after a restart every entry is subscribed again. Pure.
 */
import { CHANNELS, MARKETS, priceOf, type Envelope, type SubscribeResult, type SubscriptionInfo, type SubscriptionSpec } from './protocol';

export type EntryState = 'pending' | 'active' | 'stale' | 'error';

export interface SubscriptionEntry {
  /** Stable identity of the spec (see `specId`). */
  id: string;
  spec: SubscriptionSpec;
  state: EntryState;
  subscriptionId?: string;
  /** The sidecar's stream key; notifications carry it. */
  key?: string;
  message?: string;
  lastPrice?: number;
  /** When this window last received data for it (local clock). */
  lastTime?: number;
}

/** `exchange:market:symbol:channel[:interval][:trades]` — the identity of a spec. */
export function specId(spec: SubscriptionSpec): string {
  const parts = [spec.exchange, spec.market, spec.symbol, spec.channel];
  if (spec.channel === 'kline' && spec.interval) parts.push(spec.interval);
  if (spec.channel === 'kline' && spec.klineSource === 'trades') parts.push('trades');
  return parts.join(':');
}

/**
 * Checks an untrusted spec (command arguments, stored workspace state) and fills defaults:
 * a kline subscription without an interval gets `defaultInterval`. Errors name the bad field.
 */
export function normalizeSpec(input: unknown, defaultInterval: string): SubscriptionSpec | Error {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return new Error(`expected an object {exchange, market, symbol, channel, interval?, klineSource?}, got ${JSON.stringify(input)}`);
  }
  const o = input as Record<string, unknown>;
  const str = (name: string): string | Error => {
    const v = o[name];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : new Error(`${name}: expected a non-empty string, got ${JSON.stringify(v)}`);
  };
  const exchange = str('exchange');
  if (exchange instanceof Error) return exchange;
  const market = o.market ?? 'spot';
  if (!MARKETS.includes(market as never)) return new Error(`market: expected ${MARKETS.join(' or ')}, got ${JSON.stringify(market)}`);
  const symbol = str('symbol');
  if (symbol instanceof Error) return symbol;
  const channel = o.channel ?? 'kline';
  if (!CHANNELS.includes(channel as never)) return new Error(`channel: expected ${CHANNELS.join(', ')}, got ${JSON.stringify(channel)}`);
  const spec: SubscriptionSpec = { exchange: exchange.toLowerCase(), market: market as SubscriptionSpec['market'], symbol, channel: channel as SubscriptionSpec['channel'] };
  if (spec.channel === 'kline') {
    const interval = o.interval ?? defaultInterval;
    if (typeof interval !== 'string' || !/^\d+[smhdwM]$/.test(interval.trim())) return new Error(`interval: expected e.g. 1m, 15s, 1h, got ${JSON.stringify(interval)}`);
    spec.interval = interval.trim();
    const source = o.klineSource ?? 'exchange';
    if (source !== 'exchange' && source !== 'trades') return new Error(`klineSource: expected exchange or trades, got ${JSON.stringify(source)}`);
    if (source === 'trades') spec.klineSource = 'trades';
  }
  return spec;
}

/** The native symbol inside a stream key (`okx:perp:BTC-USDT-SWAP:kline:1m` → `BTC-USDT-SWAP`). */
export function symbolOfKey(key: string): string | undefined {
  const parts = key.split(':');
  return parts.length >= 4 ? parts[2] : undefined;
}

/** The ordered list of entries with the transitions the extension needs. */
export class SubscriptionBook {
  private readonly map = new Map<string, SubscriptionEntry>();

  entries(): SubscriptionEntry[] {
    return [...this.map.values()];
  }

  get size(): number {
    return this.map.size;
  }

  get(id: string): SubscriptionEntry | undefined {
    return this.map.get(id);
  }

  find(pred: (e: SubscriptionEntry) => boolean): SubscriptionEntry | undefined {
    return this.entries().find(pred);
  }

  /** Adds a spec (pending); an existing identical spec is returned instead. */
  add(spec: SubscriptionSpec): { entry: SubscriptionEntry; added: boolean } {
    const id = specId(spec);
    const existing = this.map.get(id);
    if (existing) return { entry: existing, added: false };
    const entry: SubscriptionEntry = { id, spec: { ...spec }, state: 'pending' };
    this.map.set(id, entry);
    return { entry, added: true };
  }

  remove(id: string): SubscriptionEntry | undefined {
    const e = this.map.get(id);
    this.map.delete(id);
    return e;
  }

  /**
   * Records the sidecar's answer. The spec is rewritten with the native symbol from the key, so
   * `BTC/USDT` and `BTCUSDT` are one entry; returns the entry that already had this key, if any.
   */
  activate(id: string, result: SubscribeResult): { entry?: SubscriptionEntry; duplicateOf?: SubscriptionEntry } {
    const entry = this.map.get(id);
    if (!entry) return {};
    const duplicateOf = this.find((e) => e !== entry && e.key === result.key);
    if (duplicateOf) return { entry, duplicateOf };
    const native = symbolOfKey(result.key);
    if (native && native !== entry.spec.symbol) {
      const spec = { ...entry.spec, symbol: native };
      const newId = specId(spec);
      if (!this.map.has(newId)) {
        // Re-key in place so the order of entries is kept.
        const rebuilt = [...this.map.entries()].map(([k, v]) => (k === id ? ([newId, v] as const) : ([k, v] as const)));
        this.map.clear();
        for (const [k, v] of rebuilt) this.map.set(k, v);
        entry.id = newId;
        entry.spec = spec;
      }
    }
    entry.state = result.state === 'active' ? 'active' : 'pending';
    entry.subscriptionId = result.subscriptionId;
    entry.key = result.key;
    entry.message = undefined;
    return { entry };
  }

  fail(id: string, message: string): void {
    const e = this.map.get(id);
    if (!e) return;
    e.state = 'error';
    e.message = message;
    e.subscriptionId = undefined;
  }

  /** The sidecar is gone: every subscription id is void; entries wait to be subscribed again. */
  resetAll(): void {
    for (const e of this.map.values()) {
      e.state = 'pending';
      e.subscriptionId = undefined;
      e.message = undefined;
    }
  }

  /** A data notification: updates the entry with that key; returns it when one matched. */
  onData(method: string, env: Envelope, now: number): SubscriptionEntry | undefined {
    const e = this.find((x) => x.key === env.key);
    if (!e) return undefined;
    const price = priceOf(method, env.data);
    if (price !== undefined) e.lastPrice = price;
    e.lastTime = now;
    if (e.state === 'pending' || e.state === 'stale') e.state = 'active';
    return e;
  }

  /** `subscription.error`: the exchange refused a subscription after accepting it as pending. */
  onRejected(subscriptionId: string, message: string): SubscriptionEntry | undefined {
    const e = this.find((x) => x.subscriptionId === subscriptionId);
    if (e) this.fail(e.id, message);
    return e;
  }

  /** Applies a `subscriptions.list` snapshot to the entries it names. */
  applyList(list: readonly SubscriptionInfo[]): void {
    for (const info of list) {
      const e = this.find((x) => x.subscriptionId === info.subscriptionId);
      if (!e) continue;
      e.state = info.state;
      e.message = info.message;
    }
  }

  /** The specs to persist, in order. */
  specs(): SubscriptionSpec[] {
    return this.entries().map((e) => ({ ...e.spec }));
  }
}

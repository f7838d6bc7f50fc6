import { describe, expect, it } from 'vitest';
import { normalizeSpec, specId, SubscriptionBook, symbolOfKey } from '../../extension/subscriptions';

describe('normalizeSpec', () => {
  it('fills defaults: market spot, channel kline, the default interval', () => {
    expect(normalizeSpec({ exchange: ' ACME ', symbol: 'BTCUSDT' }, '5m')).toEqual({ exchange: 'acme', market: 'spot', symbol: 'BTCUSDT', channel: 'kline', interval: '5m' });
  });

  it('keeps trade-built bars and drops the interval of other channels', () => {
    expect(normalizeSpec({ exchange: 'acme', market: 'perp', symbol: 'X', channel: 'kline', interval: '15s', klineSource: 'trades' }, '1m')).toMatchObject({ interval: '15s', klineSource: 'trades' });
    expect(normalizeSpec({ exchange: 'acme', symbol: 'X', channel: 'ticker', interval: '1m' }, '1m')).toEqual({ exchange: 'acme', market: 'spot', symbol: 'X', channel: 'ticker' });
  });

  it('names the bad field and what was expected', () => {
    expect((normalizeSpec({ exchange: 'acme', market: 'futures', symbol: 'X' }, '1m') as Error).message).toBe('market: expected spot or perp, got "futures"');
    expect((normalizeSpec({ exchange: 'acme', symbol: '' }, '1m') as Error).message).toBe('symbol: expected a non-empty string, got ""');
    expect((normalizeSpec({ exchange: 'acme', symbol: 'X', interval: 'soon' }, '1m') as Error).message).toContain('interval: expected e.g. 1m');
    expect((normalizeSpec({ exchange: 'acme', symbol: 'X', klineSource: 'book' }, '1m') as Error).message).toContain('klineSource');
    expect(normalizeSpec('BTCUSDT', '1m')).toBeInstanceOf(Error);
  });
});

describe('SubscriptionBook', () => {
  const spec = { exchange: 'acme', market: 'spot' as const, symbol: 'BTC/USDT', channel: 'kline' as const, interval: '1m' };

  it('adds once per spec', () => {
    const b = new SubscriptionBook();
    expect(b.add(spec).added).toBe(true);
    expect(b.add({ ...spec }).added).toBe(false);
    expect(b.size).toBe(1);
  });

  it('adopts the native symbol from the key so both spellings are one entry', () => {
    const b = new SubscriptionBook();
    const { entry } = b.add(spec);
    b.activate(entry.id, { subscriptionId: 's1', key: 'acme:spot:BTCUSDT:kline:1m', state: 'active' });
    expect(entry).toMatchObject({ id: 'acme:spot:BTCUSDT:kline:1m', state: 'active', subscriptionId: 's1' });
    expect(entry.spec.symbol).toBe('BTCUSDT');
    const other = b.add({ ...spec, symbol: 'BTCUSDT' });
    expect(other.added).toBe(false);
  });

  it('reports a second spec that resolves to a key it already has', () => {
    const b = new SubscriptionBook();
    const first = b.add({ ...spec, symbol: 'BTCUSDT' }).entry;
    b.activate(first.id, { subscriptionId: 's1', key: 'acme:spot:BTCUSDT:kline:1m', state: 'active' });
    const second = b.add({ ...spec, symbol: 'btc-usdt' }).entry;
    const r = b.activate(second.id, { subscriptionId: 's2', key: 'acme:spot:BTCUSDT:kline:1m', state: 'active' });
    expect(r.duplicateOf).toBe(first);
  });

  it('tracks prices from kline, trade and ticker notifications by key', () => {
    const b = new SubscriptionBook();
    const { entry } = b.add(spec);
    b.activate(entry.id, { subscriptionId: 's1', key: 'acme:spot:BTCUSDT:kline:1m', state: 'pending' });
    expect(b.onData('kline', { channel: 'kline', key: 'acme:spot:BTCUSDT:kline:1m', time: 1, seq: 1, data: { close: 101.5 } }, 5000)).toBe(entry);
    expect(entry).toMatchObject({ lastPrice: 101.5, lastTime: 5000, state: 'active' });
    expect(b.onData('kline', { channel: 'kline', key: 'other', time: 1, seq: 1, data: { close: 1 } }, 6000)).toBeUndefined();
  });

  it('voids subscription ids after a sidecar restart and marks exchange rejections', () => {
    const b = new SubscriptionBook();
    const { entry } = b.add(spec);
    b.activate(entry.id, { subscriptionId: 's1', key: 'k', state: 'active' });
    b.onRejected('s1', 'invalid symbol');
    expect(entry).toMatchObject({ state: 'error', message: 'invalid symbol', subscriptionId: undefined });
    b.resetAll();
    expect(entry).toMatchObject({ state: 'pending', message: undefined });
    expect(b.specs()).toEqual([entry.spec]);
  });

  it('has stable ids', () => {
    expect(specId({ exchange: 'a', market: 'perp', symbol: 'X', channel: 'kline', interval: '15s', klineSource: 'trades' })).toBe('a:perp:X:kline:15s:trades');
    expect(specId({ exchange: 'a', market: 'spot', symbol: 'X', channel: 'trades' })).toBe('a:spot:X:trades');
    expect(symbolOfKey('okx:perp:BTC-USDT-SWAP:kline:1m')).toBe('BTC-USDT-SWAP');
  });
});

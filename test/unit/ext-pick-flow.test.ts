import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SidecarClient } from '../../extension/client';
import { back, choose, itemsFor, placeholder, startFlow, stepNumber, type FlowState } from '../../extension/pick-flow';
import type { ExchangeInfo, Instrument } from '../../extension/protocol';
import { SIDECAR } from '../support/sidecar-process';

const catalog: ExchangeInfo[] = [
  {
    id: 'acme',
    displayName: 'ACME',
    markets: [
      { market: 'spot', enabled: true, channels: ['kline', 'trades', 'ticker'], intervals: ['1m', '5m', '1h'] },
      { market: 'perp', enabled: false, channels: ['kline'], intervals: ['1m'] },
    ],
  },
  { id: 'off', displayName: 'Off', markets: [{ market: 'spot', enabled: false, channels: ['kline'], intervals: ['1m'] }] },
];

const instruments: Instrument[] = [
  { exchange: 'acme', market: 'spot', symbol: 'BTCUSDT', unified: 'BTC/USDT', base: 'BTC', quote: 'USDT', status: 'trading' },
  { exchange: 'acme', market: 'spot', symbol: 'ETHBTC', unified: 'ETH/BTC', base: 'ETH', quote: 'BTC', status: 'halted' },
];

function next(state: FlowState, value: string): FlowState {
  const r = choose(state, value, catalog);
  if (r.kind !== 'next') throw new Error(`expected next, got ${JSON.stringify(r)}`);
  return r.state;
}

describe('Add Subscription flow', () => {
  it('offers only enabled exchanges and markets', () => {
    const s = startFlow();
    expect(itemsFor(s, { catalog, defaultInterval: '1m' }).map((i) => [i.label, i.value, i.description])).toEqual([['ACME', 'acme', 'Spot']]);
    const m = next(s, 'acme');
    expect(itemsFor(m, { catalog, defaultInterval: '1m' }).map((i) => i.value)).toEqual(['spot']);
    expect(choose(m, 'perp', catalog)).toMatchObject({ kind: 'invalid' });
    expect(choose(s, 'off', catalog)).toEqual({ kind: 'invalid', message: 'Off is disabled (setting candlewire.exchanges.off.enabled)' });
  });

  it('lists symbols with base and quote and lets an unlisted one be typed', () => {
    const s = next(next(startFlow(), 'acme'), 'spot');
    expect(placeholder(s)).toContain('search symbols');
    const items = itemsFor(s, { catalog, instruments, query: '', defaultInterval: '1m' });
    expect(items.map((i) => [i.label, i.description, i.detail])).toEqual([
      ['BTC/USDT', 'BTCUSDT', 'base BTC · quote USDT'],
      ['ETH/BTC', 'ETHBTC', 'base ETH · quote BTC · halted'],
    ]);
    expect(itemsFor(s, { catalog, instruments, query: 'newcoin', defaultInterval: '1m' }).at(-1)).toMatchObject({ label: 'Use "NEWCOIN"', value: 'NEWCOIN' });
    // Typing an exact symbol that is listed adds no "Use" item.
    expect(itemsFor(s, { catalog, instruments, query: 'btcusdt', defaultInterval: '1m' })).toHaveLength(2);
  });

  it('ends after the channel unless it is kline', () => {
    const c = next(next(next(startFlow(), 'acme'), 'spot'), 'BTCUSDT');
    expect(itemsFor(c, { catalog, defaultInterval: '1m' }).map((i) => i.value)).toEqual(['kline', 'trades', 'ticker']);
    expect(choose(c, 'ticker', catalog)).toEqual({ kind: 'done', spec: { exchange: 'acme', market: 'spot', symbol: 'BTCUSDT', channel: 'ticker' } });
    expect(choose(c, 'book', catalog)).toMatchObject({ kind: 'invalid' });
    expect(stepNumber({ ...c, channel: 'ticker' })).toEqual({ step: 4, total: 4 });
  });

  it('offers native intervals (default highlighted) and trade-built ones', () => {
    const i = next(next(next(next(startFlow(), 'acme'), 'spot'), 'BTCUSDT'), 'kline');
    expect(stepNumber(i)).toEqual({ step: 5, total: 5 });
    const items = itemsFor(i, { catalog, defaultInterval: '5m' });
    expect(items.find((x) => x.active)?.value).toBe('5m');
    expect(items.some((x) => x.separator)).toBe(true);
    expect(choose(i, '1h', catalog)).toEqual({ kind: 'done', spec: { exchange: 'acme', market: 'spot', symbol: 'BTCUSDT', channel: 'kline', interval: '1h' } });
    expect(choose(i, 'trades:15s', catalog)).toEqual({ kind: 'done', spec: { exchange: 'acme', market: 'spot', symbol: 'BTCUSDT', channel: 'kline', interval: '15s', klineSource: 'trades' } });
  });

  it('goes back one step at a time, forgetting later choices', () => {
    const i = next(next(next(next(startFlow(), 'acme'), 'spot'), 'BTCUSDT'), 'kline');
    const c = back(i)!;
    expect(c).toEqual({ step: 'channel', exchange: 'acme', market: 'spot', symbol: 'BTCUSDT' });
    expect(back(back(back(c)!)!)).toEqual({ step: 'exchange' });
    expect(back(startFlow())).toBeUndefined();
  });
});

describe('Add Subscription flow against the real sidecar (--demo)', () => {
  let client: SidecarClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const child = spawn(process.execPath, [SIDECAR, '--demo', '--log-level', 'warn'], { stdio: ['pipe', 'pipe', 'pipe'] });
    client = new SidecarClient({ input: child.stdout, output: child.stdin, onNotification: () => undefined });
    const exited = new Promise((r) => child.on('exit', r));
    stop = async () => {
      child.stdin.end();
      await exited;
    };
    await client.request('initialize', { client: { name: 'test' } });
  });
  afterAll(() => stop());

  it('walks every step with the catalog and a symbol search, and the result subscribes', async () => {
    const real = await client.request<ExchangeInfo[]>('exchanges.list');
    let state = startFlow();
    const exchanges = itemsFor(state, { catalog: real, defaultInterval: '1m' });
    expect(exchanges.length).toBeGreaterThan(0);
    let r = choose(state, exchanges[0].value!, real);
    state = (r as { state: FlowState }).state;
    r = choose(state, itemsFor(state, { catalog: real, defaultInterval: '1m' })[0].value!, real);
    state = (r as { state: FlowState }).state;
    expect(state.step).toBe('symbol');
    const found = await client.request<Instrument[]>('instruments.list', { exchange: state.exchange, market: state.market, query: 'btc', limit: 50 });
    const items = itemsFor(state, { catalog: real, instruments: found, query: 'btc', defaultInterval: '1m' });
    const btc = items.find((i) => i.detail?.startsWith('base BTC'));
    expect(btc, JSON.stringify(items)).toBeDefined();
    state = (choose(state, btc!.value!, real) as { state: FlowState }).state;
    state = (choose(state, 'kline', real) as { state: FlowState }).state;
    const done = choose(state, '1m', real);
    expect(done.kind).toBe('done');
    const spec = (done as { spec: object }).spec;
    const sub = await client.request<{ key: string; state: string }>('subscribe', spec);
    expect(sub.state).toBe('active');
    expect(sub.key).toContain(btc!.value!);
  });
});

import { describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../extension/protocol';
import { ConnectionBoard } from '../../extension/status-model';
import { SubscriptionBook } from '../../extension/subscriptions';
import { buildTree, type SubscriptionNode } from '../../extension/tree-model';

function status(id: string, state: ConnectionStatus['state'], attempt?: number): ConnectionStatus {
  const [exchange, market, endpoint] = id.split(/[:#]/);
  return { id, exchange, market: market as 'spot' | 'perp', endpoint, state, attempt, topics: 1, messages: 0, bytes: 0, reconnects: 0, malformed: 0, since: 0 };
}

function setup() {
  const book = new SubscriptionBook();
  const board = new ConnectionBoard();
  board.names.set('acme', 'ACME').set('beta', 'Beta');
  const add = (exchange: string, market: 'spot' | 'perp', symbol: string, channel: 'kline' | 'trades' | 'ticker' = 'kline') => {
    const { entry } = book.add({ exchange, market, symbol, channel, ...(channel === 'kline' ? { interval: '1m' } : {}) });
    book.activate(entry.id, { subscriptionId: `id-${entry.id}`, key: entry.id, state: 'active' });
    return entry;
  };
  return { book, board, add };
}

describe('buildTree', () => {
  it('groups exchange → market → subscription in a stable order', () => {
    const { book, board, add } = setup();
    add('beta', 'perp', 'ETHUSDT');
    add('acme', 'perp', 'BTCUSDT');
    add('acme', 'spot', 'SOLUSDT', 'trades');
    add('acme', 'spot', 'BTCUSDT');
    const tree = buildTree({ entries: book.entries(), board, running: true, now: 0 });
    expect(tree.map((e) => e.label)).toEqual(['ACME', 'Beta']);
    expect(tree[0].children.map((m) => m.label)).toEqual(['Spot', 'Perpetual']);
    expect(tree[0].children[0].children.map((s) => s.label)).toEqual(['BTCUSDT · kline · 1m', 'SOLUSDT · trades']);
    expect(tree[0].description).toBe('3 subscriptions');
    expect(tree[1].description).toBe('1 subscription');
  });

  it('describes a subscription by its last price and age', () => {
    const { book, board, add } = setup();
    const e = add('acme', 'spot', 'BTCUSDT');
    book.onData('kline', { channel: 'kline', key: e.key!, time: 0, seq: 1, data: { close: 64000.5 } }, 10_000);
    const sub = buildTree({ entries: book.entries(), board, running: true, now: 22_000 })[0].children[0].children[0] as SubscriptionNode;
    expect(sub).toMatchObject({ state: 'active', description: '64000.5 · 12 s' });
  });

  it('derives the state from the connection of its exchange-market', () => {
    const { book, board, add } = setup();
    add('acme', 'spot', 'BTCUSDT');
    add('acme', 'perp', 'BTCUSDT');
    board.update(status('acme:spot:main#1', 'reconnecting', 2));
    board.update(status('acme:perp:main#1', 'reconnecting', 7));
    const [acme] = buildTree({ entries: book.entries(), board, running: true, now: 0 });
    expect(acme.children[0].children[0].state).toBe('reconnecting');
    expect(acme.children[0].description).toBe('reconnecting (attempt 2)');
    expect(acme.children[1].children[0].state).toBe('down');
    expect(acme.state).toBe('down');
  });

  it('shows failures, pending subscriptions and a stopped sidecar', () => {
    const { book, board } = setup();
    const bad = book.add({ exchange: 'acme', market: 'spot', symbol: 'NOPE', channel: 'ticker' }).entry;
    book.fail(bad.id, 'unknown symbol NOPE');
    book.add({ exchange: 'acme', market: 'spot', symbol: 'BTCUSDT', channel: 'ticker' });
    const subs = buildTree({ entries: book.entries(), board, running: true, now: 0 })[0].children[0].children;
    expect(subs.map((s) => [s.label, s.state, s.description])).toEqual([
      ['BTCUSDT · ticker', 'pending', 'subscribing…'],
      ['NOPE · ticker', 'error', 'failed'],
    ]);
    expect(subs[1].detail).toBe('unknown symbol NOPE');
    const stopped = buildTree({ entries: book.entries(), board, running: false, now: 0 })[0];
    expect(stopped.children[0].children.every((s) => s.state === 'stopped')).toBe(true);
    expect(stopped.state).toBe('stopped');
  });

  it('is empty without subscriptions (the view shows its welcome)', () => {
    const { book, board } = setup();
    expect(buildTree({ entries: book.entries(), board, running: true, now: 0 })).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { FIGURE_SPACE } from '../../extension/format';
import type { ConnectionStatus } from '../../extension/protocol';
import { ConnectionBoard, DOWN_AFTER_ATTEMPTS, connectionSeverity, summarize, tooltipMarkdown, worst } from '../../extension/status-model';

function conn(id: string, state: ConnectionStatus['state'], extra: Partial<ConnectionStatus> = {}): ConnectionStatus {
  const [exchange, market, endpoint] = id.split(/[:#]/);
  return { id, exchange, market: market as 'spot' | 'perp', endpoint, state, topics: 1, messages: 10, bytes: 100, reconnects: 0, malformed: 0, since: 0, ...extra };
}

function board(...list: ConnectionStatus[]): ConnectionBoard {
  const b = new ConnectionBoard();
  b.names.set('acme', 'ACME').set('zeta', 'Zeta');
  for (const c of list) b.update(c);
  return b;
}

describe('connection severity', () => {
  it('is ok when open, a warning while recovering, an error once down', () => {
    expect(connectionSeverity(conn('acme:spot:main#1', 'open'))).toBe('ok');
    expect(connectionSeverity(conn('acme:spot:main#1', 'connecting'))).toBe('ok');
    expect(connectionSeverity(conn('acme:spot:main#1', 'connecting', { reconnects: 1 }))).toBe('warning');
    expect(connectionSeverity(conn('acme:spot:main#1', 'stale'))).toBe('warning');
    expect(connectionSeverity(conn('acme:spot:main#1', 'reconnecting', { attempt: 1 }))).toBe('warning');
    expect(connectionSeverity(conn('acme:spot:main#1', 'reconnecting', { attempt: DOWN_AFTER_ATTEMPTS }))).toBe('error');
  });

  it('picks the worst connection, then the one with most attempts', () => {
    const a = conn('acme:spot:main#1', 'reconnecting', { attempt: 2 });
    const b = conn('zeta:perp:main#1', 'reconnecting', { attempt: 3 });
    expect(worst([conn('x:spot:e#1', 'open'), a, b])).toBe(b);
    expect(worst([a, conn('x:spot:e#1', 'reconnecting', { attempt: 9 })])!.id).toBe('x:spot:e#1');
  });
});

describe('summarize', () => {
  it('counts open connections when all are healthy', () => {
    const s = summarize({ phase: 'running', board: board(conn('acme:spot:main#1', 'open'), conn('acme:perp:main#1', 'open'), conn('zeta:spot:main#1', 'open'), conn('zeta:perp:main#1', 'open')) });
    expect(s).toMatchObject({ severity: 'ok', icon: 'pulse', text: '4/4' });
  });

  it('keeps its width as the healthy count changes (figure-space padding)', () => {
    const list = Array.from({ length: 12 }, (_, i) => conn(`acme:spot:e${i}#1`, i < 9 ? 'open' : 'connecting'));
    const s = summarize({ phase: 'running', board: board(...list) });
    expect(s.text).toBe(`${FIGURE_SPACE}9/12`);
    expect(s.text.length).toBe('12/12'.length);
  });

  it('names the worst connection on a warning, with the attempt number', () => {
    const s = summarize({ phase: 'running', board: board(conn('acme:spot:main#1', 'open'), conn('zeta:perp:main#1', 'reconnecting', { attempt: 3 })) });
    expect(s).toMatchObject({ severity: 'warning', icon: 'warning', text: `Zeta reconnecting (${FIGURE_SPACE}3)` });
    expect(s.accessibleText).toBe('Candlewire: Zeta perp reconnecting; 1 of 2 connections open');
  });

  it('reports an error once a connection is down, and how many others are in trouble', () => {
    const s = summarize({
      phase: 'running',
      board: board(conn('acme:spot:main#1', 'stale'), conn('zeta:perp:main#1', 'reconnecting', { attempt: 12 })),
    });
    expect(s).toMatchObject({ severity: 'error', icon: 'error', text: 'Zeta reconnecting (12) +1' });
  });

  it('forgets connections that were closed on purpose', () => {
    const b = board(conn('acme:spot:main#1', 'reconnecting', { attempt: 1 }));
    b.update(conn('acme:spot:main#1', 'closed'));
    expect(summarize({ phase: 'running', board: b })).toMatchObject({ severity: 'ok', text: 'Candlewire' });
  });

  it('shows the sidecar phase when it is not running', () => {
    expect(summarize({ phase: 'failed', board: board() })).toMatchObject({ severity: 'error', text: 'Candlewire stopped' });
    expect(summarize({ phase: 'restarting', board: board() })).toMatchObject({ severity: 'warning', icon: 'sync~spin' });
  });

  it('uses the translation it is given', () => {
    const t = (m: string, ...a: Array<string | number>) => `<${m}|${a.join(',')}>`;
    const s = summarize({ phase: 'running', board: board(conn('zeta:perp:main#1', 'stale')), t });
    expect(s.text).toBe('Zeta <stale|>');
  });
});

describe('tooltip', () => {
  it('has one table row per connection with age, rate, reconnects and the last error', () => {
    const b = board(conn('acme:spot:main#1', 'open', { lastMessageTime: 1_000, reconnects: 2 }), conn('zeta:perp:main#1', 'reconnecting', { attempt: 4, message: 'ECONNREFUSED | boom' }));
    // 20 data notifications in each of the 10 whole seconds before now → 20/s
    for (let s = 0; s < 10; s++) for (let i = 0; i < 20; i++) b.dataArrived('acme:spot:BTCUSDT:kline:1m', 10_000 + s * 1000 + i);
    const md = tooltipMarkdown({ phase: 'running', board: b, now: 20_500, version: '0.1.0', pid: 42 });
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.includes('Exchange'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toBe('| ACME | spot · main | open | 1 s | 20.0 | 2 | — |');
    expect(rows[1]).toContain('reconnecting (attempt 4)');
    expect(rows[1]).toContain('ECONNREFUSED \\| boom');
    expect(md).toContain('(command:candlewire.showLogs)');
    expect(md).toContain('(command:candlewire.restartSidecar)');
    expect(md).toContain('(command:candlewire.openSubscriptions)');
  });

  it('explains why the sidecar is not running', () => {
    const md = tooltipMarkdown({ phase: 'failed', board: board(), now: 0, reason: 'exited with code 1' });
    expect(md).toContain('not running');
    expect(md).toContain('exited with code 1');
  });
});

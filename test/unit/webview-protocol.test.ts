import { describe, expect, it } from 'vitest';
import { resolveColors } from '../../extension/chart/colors';
import { chartCsp, chartHtml, makeNonce } from '../../extension/chart/html';
import { DEFAULT_DOWN_COLOR, DEFAULT_UP_COLOR, HostMessageSchema, WebviewMessageSchema, describeIssues } from '../../webview/protocol';

const spec = { exchange: 'binance', market: 'spot', symbol: 'BTCUSDT', interval: '1m' };

describe('webview → host messages', () => {
  const ok = (m: unknown) => WebviewMessageSchema.safeParse(m).success;

  it('accepts the fixed set of requests', () => {
    expect(ok({ type: 'ready' })).toBe(true);
    expect(ok({ type: 'request', id: 1, method: 'exchanges.list' })).toBe(true);
    expect(ok({ type: 'request', id: 2, method: 'instruments.list', params: { exchange: 'binance', market: 'perp', limit: 10 } })).toBe(true);
    expect(ok({ type: 'request', id: 3, method: 'klines.get', params: { ...spec, endTime: 5, limit: 500, format: 'columns' } })).toBe(true);
    expect(ok({ type: 'request', id: 4, method: 'subscribe', params: { ...spec, klineSource: 'trades' } })).toBe(true);
    expect(ok({ type: 'request', id: 5, method: 'unsubscribe' })).toBe(true);
    expect(ok({ type: 'state', state: { ...spec, klineSource: 'exchange', visibleRange: { from: 1, to: 2 }, followLatest: true } })).toBe(true);
    expect(ok({ type: 'log', level: 'warn', message: 'x' })).toBe(true);
  });

  it('refuses anything else: other methods, other channels, other subscriptions, bad ids', () => {
    expect(ok({ type: 'request', id: 1, method: 'shutdown' })).toBe(false);
    expect(ok({ type: 'request', id: 1, method: 'unsubscribe', params: { subscriptionId: 'someone-elses' } })).toBe(false);
    expect(ok({ type: 'request', id: 1, method: 'subscribe', params: { ...spec, channel: 'trades' } })).toBe(false);
    expect(ok({ type: 'request', id: 1.5, method: 'exchanges.list' })).toBe(false);
    expect(ok({ type: 'request', id: 1, method: 'klines.get', params: { ...spec, limit: 1e9 } })).toBe(false);
    expect(ok({ type: 'state', state: { ...spec, market: 'futures' } })).toBe(false);
    expect(ok({ type: 'ready', extra: 1 })).toBe(false);
    expect(ok('ready')).toBe(false);
  });

  it('names the bad value in its message', () => {
    const r = WebviewMessageSchema.safeParse({ type: 'request', id: 1, method: 'subscribe', params: { ...spec, market: 'futures' } });
    expect(r.success).toBe(false);
    if (!r.success) expect(describeIssues(r.error)).toMatch(/market/);
  });

  it('validates host → webview messages too', () => {
    expect(HostMessageSchema.safeParse({ type: 'sidecar', running: true }).success).toBe(true);
    expect(HostMessageSchema.safeParse({ type: 'kline', key: 'k', bar: { openTime: 'x' } }).success).toBe(false);
  });
});

describe('chart page', () => {
  it('has a strict CSP with a fresh nonce on its only script', () => {
    const a = makeNonce();
    const b = makeNonce();
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64')).toHaveLength(16);
    const csp = chartCsp('https://x.vscode-cdn.net', a);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src 'nonce-${a}'`);
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    const html = chartHtml({ cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x/webview.js', styleUri: 'https://x/webview.css', nonce: a });
    expect(html.match(/<script /g)).toHaveLength(1);
    expect(html).toContain(`<script nonce="${a}" src="https://x/webview.js">`);
    expect(html).toContain('<link rel="stylesheet" href="https://x/webview.css">');
  });
});

describe('candle colours', () => {
  it('defaults to green up, swaps with redUp, and explicit colours win', () => {
    expect(resolveColors({})).toEqual({ upColor: DEFAULT_UP_COLOR, downColor: DEFAULT_DOWN_COLOR });
    expect(resolveColors({ redUp: true })).toEqual({ upColor: DEFAULT_DOWN_COLOR, downColor: DEFAULT_UP_COLOR });
    expect(resolveColors({ redUp: true, upColor: ' #ff0000 ', downColor: '' })).toEqual({ upColor: '#ff0000', downColor: DEFAULT_UP_COLOR });
  });
});

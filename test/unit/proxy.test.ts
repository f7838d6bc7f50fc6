import { describe, expect, it } from 'vitest';
import { bypassesProxy, describeProxy, proxyAgents } from '../../sidecar/net/proxy';

describe('proxy routing', () => {
  it('follows NO_PROXY rules: *, exact hosts, domain suffixes, ports', () => {
    const u = (s: string) => new URL(s);
    expect(bypassesProxy(u('wss://stream.binance.com:9443/stream'), ['*'])).toBe(true);
    expect(bypassesProxy(u('https://api.binance.com/x'), ['binance.com'])).toBe(true);
    expect(bypassesProxy(u('https://api.binance.com/x'), ['.binance.com'])).toBe(true);
    expect(bypassesProxy(u('https://notbinance.com/x'), ['binance.com'])).toBe(false);
    expect(bypassesProxy(u('http://127.0.0.1:8080/x'), ['127.0.0.1:9090'])).toBe(false);
    expect(bypassesProxy(u('http://127.0.0.1:8080/x'), ['127.0.0.1:8080'])).toBe(true);
    expect(bypassesProxy(u('wss://ws.okx.com:8443/ws'), [])).toBe(false);
  });

  it('gives one shared agent for proxied targets and none for bypassed ones or without a proxy', () => {
    const none = proxyAgents({ url: undefined, noProxy: [] });
    expect(none('https://api.binance.com')).toBeUndefined();
    const http = proxyAgents({ url: 'http://127.0.0.1:3128', noProxy: ['localhost'] });
    const a = http('https://api.binance.com');
    expect(a).toBeDefined();
    expect(http('wss://stream.binance.com:9443')).toBe(a);
    expect(http('http://localhost:1/x')).toBeUndefined();
    const socks = proxyAgents({ url: 'socks5h://u:p@127.0.0.1:1080', noProxy: [] });
    expect(socks('https://api.bybit.com')?.constructor.name).toBe('SocksProxyAgent');
    expect(a?.constructor.name).toBe('HttpsProxyAgent');
  });

  it('never shows a proxy password in messages', () => {
    expect(describeProxy('socks5h://alice:s3cret@10.0.0.1:1080')).toBe('socks5h://alice:***@10.0.0.1:1080');
  });
});

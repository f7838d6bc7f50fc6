/**
 * The proxy agents, HTTP CONNECT and SOCKS5, made to fail in words: every failure to open the
 * tunnel becomes a ProxyError naming the proxy and what it did. Otherwise they behave exactly
 * like the libraries' agents (https-proxy-agent, socks-proxy-agent).
 */
import type { Agent, ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import type { AgentConnectOpts } from 'agent-base';
import { HttpsProxyAgent as LibraryHttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent as LibrarySocksProxyAgent } from 'socks-proxy-agent';
import { explainConnectStatus, explainProxyError, proxyKind } from './proxy-errors';
import { describeProxy } from './proxy-url';

/** Agents made here, with the (password-masked) proxy they go through. */
const proxies = new WeakMap<object, string>();

/** The proxy an agent made by `createProxyAgent` goes through (password masked), else undefined. */
export function proxyOfAgent(agent: unknown): string | undefined {
  return typeof agent === 'object' && agent !== null ? proxies.get(agent) : undefined;
}

function targetOf(opts: AgentConnectOpts): string {
  const host = opts.host ?? 'localhost';
  return `${host.includes(':') ? `[${host}]` : host}:${opts.port}`;
}

// Same class names as the libraries' (logs and tests see an HttpsProxyAgent / SocksProxyAgent).
class HttpsProxyAgent extends LibraryHttpsProxyAgent<string> {
  constructor(private readonly url: string) {
    super(url);
  }

  override async connect(req: ClientRequest, opts: AgentConnectOpts): Promise<Socket> {
    const target = targetOf(opts);
    let answer: { statusCode: number; statusText?: string } | undefined;
    const onAnswer = (connect: { statusCode: number; statusText?: string }) => (answer = connect);
    req.once('proxyConnect', onAnswer);
    let socket: Socket;
    try {
      socket = await super.connect(req, opts);
    } catch (error) {
      throw explainProxyError(this.url, target, error);
    } finally {
      req.off('proxyConnect', onAnswer);
    }
    // The library hands a refused CONNECT back as a fake socket replaying the proxy's answer,
    // which the caller would take for the exchange's own 407 or 403: refuse it here instead.
    if (answer !== undefined && answer.statusCode !== 200) {
      socket.destroy();
      throw explainConnectStatus(this.url, target, answer.statusCode, answer.statusText);
    }
    return socket;
  }
}

class SocksProxyAgent extends LibrarySocksProxyAgent {
  constructor(private readonly url: string) {
    super(url);
  }

  override async connect(req: ClientRequest, opts: AgentConnectOpts): Promise<Socket> {
    try {
      return await super.connect(req, opts);
    } catch (error) {
      throw explainProxyError(this.url, targetOf(opts), error);
    }
  }
}

/** An agent that tunnels through `url`: SOCKS5 for socks5:// and socks5h://, HTTP CONNECT otherwise. */
export function createProxyAgent(url: string): Agent {
  const agent: Agent = proxyKind(url) === 'socks5' ? new SocksProxyAgent(url) : new HttpsProxyAgent(url);
  proxies.set(agent, describeProxy(url));
  return agent;
}

/**
 * The end-to-end setup of the proxy tests: a fake exchange-market whose WebSocket and REST live on
 * two different ports (two fakes with the same seed), so a proxy's log can show tunnels to both;
 * the built sidecar subscribed to one kline stream (REST backfill + live WebSocket); and the
 * check that every connection either fake saw came through the proxy.
 */
import { expect } from 'vitest';
import { exchanges } from '../../sidecar/exchanges/registry';
import { FAKE_PROTOCOLS, startFakeExchanges, type FakeExchangeServer, type FakeExchanges } from '../../sidecar/fake';
import { FAST_FEED_TOML, RpcCallError, type Notification, type SidecarProcess } from '../support/sidecar-process';
import type { ProxyServer } from './proxy-servers';

/** Short timings, as the other integration tests use; a small backfill keeps REST quick. */
export const FAST = `${FAST_FEED_TOML}
[rest]
backfill_bars = 100
`;

/**
 * Every proxy variable cleared, so the machine's own proxy settings cannot route (or bypass)
 * anything in these tests; a test sets the ones it is about.
 */
export const NO_PROXY_ENV: NodeJS.ProcessEnv = {
  HTTPS_PROXY: '',
  https_proxy: '',
  HTTP_PROXY: '',
  http_proxy: '',
  ALL_PROXY: '',
  all_proxy: '',
  NO_PROXY: '',
  no_proxy: '',
  CANDLEWIRE_PROXY: undefined,
  CANDLEWIRE_NO_PROXY: undefined,
  CANDLEWIRE_CONFIG: undefined,
};

export interface SplitFake {
  exchange: string;
  symbol: string;
  /** Serves the WebSocket the sidecar uses (its REST is never used). */
  ws: FakeExchangeServer;
  /** Serves the REST the sidecar uses (its WebSocket is never used). */
  rest: FakeExchangeServer;
  /** `[exchanges.<id>]` pointing spot at ws/rest (perp off). */
  toml: string;
  close(): Promise<void>;
}

/** The first registered exchange with a fake spot market: the tests are about proxies, not exchanges. */
function pickExchange(): string {
  const found = exchanges.find((e) => e.defaults.spot && FAKE_PROTOCOLS[e.id]?.markets.spot);
  if (!found) throw new Error('no registered exchange has a fake spot market');
  return found.id;
}

/** Starts the two fakes. */
export async function startSplitFake(): Promise<SplitFake> {
  const exchange = pickExchange();
  const options = { exchanges: [{ protocol: exchange, markets: ['spot' as const] }], seed: 5, tradeRate: 5, klinePushMs: 250, heartbeat: { intervalMs: 1000, timeoutMs: 5000, idleTimeoutMs: 5000 } };
  const fleets: FakeExchanges[] = [];
  try {
    fleets.push(await startFakeExchanges(options));
    fleets.push(await startFakeExchanges(options));
  } catch (err) {
    await Promise.all(fleets.map((f) => f.close()));
    throw err;
  }
  const [wsFleet, restFleet] = fleets;
  const ws = wsFleet.server(exchange, 'spot');
  const rest = restFleet.server(exchange, 'spot');
  const toml = [
    `[exchanges.${exchange}]`,
    'enabled = true',
    `spot_ws_url = ${JSON.stringify(ws.urls.ws)}`,
    `spot_rest_url = ${JSON.stringify(rest.urls.rest)}`,
    'perpetual_ws_url = ""',
    'perpetual_rest_url = ""',
    '',
  ].join('\n');
  return {
    exchange,
    symbol: ws.sim.symbols()[0].symbol,
    ws,
    rest,
    toml,
    close: async () => {
      await Promise.all(fleets.map((f) => f.close()));
    },
  };
}

/** Subscribes one 1m kline stream (REST backfill, then live over WebSocket) and waits for live data. */
export async function subscribeAndReceive(sc: SidecarProcess, fake: SplitFake): Promise<void> {
  await sc.call('initialize', { client: { name: 'proxy-test' } });
  const sub = await sc.call('subscribe', { exchange: fake.exchange, market: 'spot', symbol: fake.symbol, channel: 'kline', interval: '1m' });
  expect(sub.state).toBe('active');
  const history = await sc.call('klines.get', { exchange: fake.exchange, market: 'spot', symbol: fake.symbol, interval: '1m', limit: 50 });
  expect(history.klines.length).toBeGreaterThan(10); // the REST backfill arrived
  await sc.waitFor('live klines over the WebSocket', () => sc.of('kline', sub.key).length >= 3, 15_000);
  const status = await sc.call('status.get');
  const open = status.connections.filter((c: { state: string; messages: number }) => c.state === 'open' && c.messages > 0);
  expect(open.length).toBeGreaterThan(0);
}

/**
 * Every connection the fakes saw went through `proxy`: its log shows exactly as many tunnels to
 * the WebSocket port as that fake accepted WebSockets, and as many to the REST port as that fake
 * answered requests (one request per connection: the proxy agents do not keep connections alive),
 * and neither fake saw the other kind of traffic.
 */
export async function expectAllThroughProxy(proxy: ProxyServer, fake: SplitFake): Promise<void> {
  const counts = () => ({
    wsTunnels: proxy.tunnelsTo(fake.ws.port),
    wsConnections: fake.ws.totalConnections,
    restTunnels: proxy.tunnelsTo(fake.rest.port),
    restRequests: fake.rest.restRequests.length,
  });
  // The proxy writes its log line as the tunnel opens; give an in-flight one a moment to land.
  const deadline = Date.now() + 3000;
  let c = counts();
  while ((c.wsTunnels !== c.wsConnections || c.restTunnels !== c.restRequests) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    c = counts();
  }
  expect(c.wsConnections, 'WebSocket connections at the fake').toBeGreaterThan(0);
  expect(c.restRequests, 'REST requests at the fake').toBeGreaterThan(0);
  expect(c, `proxy log:\n${proxy.log().slice(-3000)}`).toEqual({
    wsTunnels: c.wsConnections,
    wsConnections: c.wsConnections,
    restTunnels: c.restRequests,
    restRequests: c.restRequests,
  });
  expect(fake.ws.restRequests.length, 'REST requests at the WebSocket fake').toBe(0);
  expect(fake.rest.totalConnections, 'WebSockets at the REST fake').toBe(0);
}

/** Status notifications of connection state `state` (e.g. error, reconnecting). */
export function statusMessages(sc: SidecarProcess, ...states: string[]): string[] {
  return sc
    .of('status')
    .map((n: Notification) => n.params.data as { state: string; message?: string })
    .filter((d) => states.includes(d.state))
    .map((d) => d.message ?? '');
}

/**
 * Asks for the instrument list and subscribes to trades of the fake's symbol on a sidecar whose
 * proxy is broken; resolves with the RPC error of the instrument list (the call that owns the
 * retrying instrument fetch) while the trade stream's WebSocket is tried meanwhile.
 */
export async function instrumentsErrorThroughBrokenProxy(sc: SidecarProcess, fake: SplitFake): Promise<RpcCallError['error']> {
  const spot = { exchange: fake.exchange, market: 'spot' };
  const listing = sc.call('instruments.list', spot).then(
    () => undefined,
    (err: unknown) => err,
  );
  // The trade stream needs no backfill: its WebSocket is tried while REST retries.
  void sc.call('subscribe', { ...spot, symbol: fake.symbol, channel: 'trades' }).catch(() => undefined);
  const failure = await listing;
  expect(failure).toBeInstanceOf(RpcCallError);
  return (failure as RpcCallError).error;
}

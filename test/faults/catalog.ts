/**
 * Every fault of the matrix, applied to all targets at once through the fake exchange's generic
 * fault controls. Each says what it does, which connection states it must produce (status
 * honesty), and what else must hold afterwards (server-side logs and counters).
 */
import { FAKE_PROTOCOLS } from '../../sidecar/fake';
import type { InjectedRestFailure } from '../../sidecar/fake';
import { RpcCallError } from '../support/sidecar-process';
import type { FaultEnv, FaultSpec } from './session';
import type { Target } from './targets';

const all = (env: FaultEnv, fn: (t: Target) => unknown) => Promise.all(env.targets.map(async (t) => fn(t)));

const closedWith = (code: number) => () => new RegExp(`code ${code}\\b`);

function closeFault(code: number, reason: string): FaultSpec {
  return {
    id: `close-${code}`,
    title: `WebSocket close ${code} (${reason})`,
    run: async (env) => {
      await all(env, (t) => env.server(t).closeAll(code, reason));
    },
    expect: { states: ['reconnecting', 'open'], message: closedWith(code) },
  };
}

/** Total malformed frames counted on a target's connections. */
async function malformed(env: FaultEnv, t: Target): Promise<number> {
  return (await env.connections(t)).reduce((n, c) => n + c.malformed, 0);
}

/** Total bytes received on a target's connections. */
async function bytes(env: FaultEnv, t: Target): Promise<number> {
  return (await env.connections(t)).reduce((n, c) => n + c.bytes, 0);
}

/**
 * Bad frames the sidecar must ride out. `malformed`: each round must be counted as malformed
 * frames; `bytes`: at least this many bytes must have been received (proof a huge frame arrived
 * whole, whatever the parser made of it).
 */
function frameFault(id: string, title: string, send: (env: FaultEnv, t: Target) => void, verify: { malformed: true } | { bytes: number }, rounds = 3): FaultSpec {
  return {
    id,
    title,
    run: async (env) => {
      await all(env, async (t) => {
        env.scratch.set(`malformed:${t.name}`, await malformed(env, t));
        env.scratch.set(`bytes:${t.name}`, await bytes(env, t));
      });
      for (let i = 0; i < rounds; i++) {
        await all(env, (t) => send(env, t));
        await env.sleep(300);
      }
      await env.sleep(500);
      await all(env, async (t) => {
        const added = (await malformed(env, t)) - (env.scratch.get(`malformed:${t.name}`) as number);
        const received = (await bytes(env, t)) - (env.scratch.get(`bytes:${t.name}`) as number);
        if ('malformed' in verify && added <= 0) env.problem(t, 'the bad frames were not counted as malformed (status.get connections[].malformed)');
        if ('bytes' in verify && received < verify.bytes) env.problem(t, `only ${received} bytes arrived, expected at least ${verify.bytes}`);
        env.note(t, `${added} malformed counted`);
      });
    },
    expect: { states: [], quiet: true },
  };
}

const GARBAGE: Array<string | Buffer> = [
  'not json at all',
  '{',
  '[1,2,',
  '\u0000\u0001\u0002 binary-ish text',
  Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x7f, 0x10]),
  '{"unexpected":"shape","data":[1,2,3]}',
  'null',
  '""',
  '{"arg":{"channel":"candle1m"},"data":"x"}',
  '{"stream":"x","data":{"e":"kline","k":{"t":"soon"}}}',
];

/** A syntactically valid 5 MB JSON frame that is nothing the protocol knows. */
const HUGE = `{"topic":"candle.garbage","data":[{"padding":"${'x'.repeat(5 * 1024 * 1024)}"}]}`;

function restFault(status: number, withRetryAfter: boolean): FaultSpec {
  const id = `rest-${status}${withRetryAfter ? '-retry-after' : ''}`;
  return {
    id,
    title: `REST ${status} ${withRetryAfter ? 'with' : 'without'} Retry-After`,
    run: async (env) => {
      const failure: InjectedRestFailure = { status, ...(withRetryAfter ? { retryAfter: env.params.retryAfterSec } : {}) };
      // A new kline subscription's backfill meets two failures in a row…
      await all(env, async (t) => {
        env.server(t).failRest([failure, failure]);
        try {
          await env.addSeries(t, { label: '1m', interval: '1m', klineSource: 'exchange', symbolIndex: 1 });
        } catch (err) {
          env.problem(t, `subscribing while REST answers ${status} failed: ${(err as Error).message}`);
        }
      });
      // …and the heal after a reconnect meets one more.
      await all(env, (t) => {
        env.server(t).failRest([failure]);
        env.server(t).dropAll();
      });
    },
    expect: { states: ['reconnecting', 'open'] },
    check: (env, t) => {
      const problems: string[] = [];
      const server = env.server(t);
      if (server.pendingRestFailures > 0) problems.push(`${server.pendingRestFailures} injected ${status} answers were never requested`);
      const log = server.restRequests;
      const waits: number[] = [];
      // Two series may ask for the very same URL at the same moment (e.g. 1m exchange klines and
      // 1m trade-built klines healing one bar): a request within TWIN_MS of the failed one is its
      // twin, not its retry.
      const TWIN_MS = 50;
      log.forEach((entry, i) => {
        if (entry.status !== status) return;
        const retry = log.slice(i + 1).find((e) => e.url === entry.url && (!withRetryAfter || e.time > entry.time + TWIN_MS));
        if (!retry) {
          problems.push(`${entry.url} was not retried after HTTP ${status}`);
          return;
        }
        const waited = retry.time - entry.time;
        waits.push(waited);
        if (withRetryAfter && waited < env.params.retryAfterSec * 1000) {
          problems.push(`${entry.url} was retried ${waited} ms after HTTP ${status}, before its Retry-After of ${env.params.retryAfterSec} s`);
        }
      });
      if (waits.length === 0) problems.push(`no HTTP ${status} answer was served`);
      else env.note(t, `${waits.length} × ${status}, retried after ${Math.min(...waits)}–${Math.max(...waits)} ms`);
      return problems;
    },
  };
}

/** Data stops while the connection stays healthy (pings, pongs, acks): found by the clock, not the socket. */
export const SILENCE: FaultSpec = {
  id: 'silence',
  title: 'data stops, heartbeats continue',
  run: async (env) => {
    await all(env, (t) => env.server(t).silence(true));
    await env.sleep(env.params.quietMs);
    const subs = (await env.sc.call('subscriptions.list')) as Array<{ key: string; state: string }>;
    await all(env, (t) => {
      const mine = subs.filter((s) => s.key.startsWith(`${t.exchange}:${t.market}:`));
      if (!mine.some((s) => s.state === 'stale')) env.problem(t, `no subscription reported stale during the silence: ${mine.map((s) => s.state).join(', ')}`);
      env.server(t).silence(false);
    });
  },
  expect: { states: [] },
};

export const FAULTS: FaultSpec[] = [
  {
    id: 'tcp-reset',
    title: 'abrupt TCP close mid-minute (RST)',
    run: async (env) => {
      await all(env, (t) => env.server(t).resetAll());
    },
    expect: { states: ['reconnecting', 'open'], message: () => /code 1006|ECONNRESET/ },
  },
  closeFault(1000, 'normal closure'),
  closeFault(1001, 'going away'),
  {
    id: 'close-1006',
    title: 'WebSocket 1006 (TCP FIN, no close frame)',
    run: async (env) => {
      await all(env, (t) => env.server(t).dropAll());
    },
    expect: { states: ['reconnecting', 'open'], message: closedWith(1006) },
  },
  closeFault(1008, 'policy violation'),
  closeFault(1011, 'internal error'),
  {
    id: 'stall',
    title: 'stall, no close (nothing sent, nothing read)',
    run: async (env) => {
      await all(env, (t) => env.server(t).stall());
      await env.sleep(env.params.stallMs);
      await all(env, (t) => env.server(t).unstall());
    },
    expect: { states: ['stale', 'reconnecting', 'open'], message: () => /no message, ping or pong/ },
  },
  SILENCE,
  {
    id: 'pongs-ignored',
    title: 'pings never answered, data flowing',
    run: async (env) => {
      await all(env, (t) => env.server(t).ignorePings(true));
      await env.sleep(env.params.quietMs);
      await all(env, (t) => env.server(t).ignorePings(false));
    },
    expect: { states: [], quiet: true },
    check: (env, t) => {
      const ignored = env.server(t).stats().pingsIgnored;
      const clientPings = FAKE_PROTOCOLS[t.exchange].markets[t.market]?.ws.heartbeat.mode === 'client-ping';
      env.note(t, `${ignored} pings unanswered`);
      // Server-ping protocols: the sidecar only probes a silent connection, and data kept flowing.
      return clientPings && ignored === 0 ? ['the sidecar sent no ping the fake could ignore'] : [];
    },
  },
  frameFault(
    'garbage',
    'garbage frames (text, binary, wrong JSON)',
    (env, t) => {
      for (const g of GARBAGE) env.server(t).sendRaw(g);
    },
    { malformed: true },
  ),
  frameFault(
    'truncated',
    'truncated frames (real frames cut short)',
    (env, t) => {
      for (const f of [0.1, 0.5, 0.9]) env.server(t).sendTruncated(f);
    },
    { malformed: true },
  ),
  frameFault('frame-5mb', 'a 5 MB frame', (env, t) => env.server(t).sendRaw(HUGE), { bytes: 5 * 1024 * 1024 }, 1),
  {
    id: 'reject-subscribe',
    title: 'subscription rejected by the exchange',
    run: async (env) => {
      await all(env, async (t) => {
        const server = env.server(t);
        const symbol = env.symbol(t, 1);
        server.rejectSymbols([symbol], 'error');
        try {
          const err = await env.sc.call('subscribe', { exchange: t.exchange, market: t.market, symbol, channel: 'trades' }).then(
            () => undefined,
            (e: unknown) => e,
          );
          if (!(err instanceof RpcCallError)) env.problem(t, 'a subscription the exchange refused was reported as a success');
          else if (err.error.code !== -32005) env.problem(t, `expected error -32005 for the refused subscription, got ${err.error.code}: ${err.error.message}`);
          else env.note(t, `refused: ${err.error.message.slice(0, 120)}`);
        } finally {
          server.rejectSymbols([]);
        }
        // Accepted again once the exchange accepts it.
        const ok = await env.sc.call('subscribe', { exchange: t.exchange, market: t.market, symbol, channel: 'trades' }).catch((e: Error) => e);
        if (ok instanceof Error) env.problem(t, `subscribing again after the refusal failed: ${ok.message}`);
        else await env.sc.call('unsubscribe', { subscriptionId: ok.subscriptionId });
      });
    },
    expect: { states: [], quiet: true },
  },
  {
    id: 'reject-resubscribe',
    title: 'one subscription refused on resubscribe',
    run: async (env) => {
      await all(env, async (t) => {
        const symbol = env.symbol(t, 1);
        const sub = await env.sc.call('subscribe', { exchange: t.exchange, market: t.market, symbol, channel: 'trades' });
        env.scratch.set(`key:${t.name}`, sub.key);
      });
      await all(env, (t) => {
        env.server(t).rejectSymbols([env.symbol(t, 1)], 'error');
        env.server(t).dropAll();
      });
      await all(env, async (t) => {
        const key = env.scratch.get(`key:${t.name}`) as string;
        const deadline = Date.now() + 15_000;
        while (Date.now() < deadline && !env.since().some((n) => n.method === 'subscription.error' && n.params.key === key)) await env.sleep(100);
        if (!env.since().some((n) => n.method === 'subscription.error' && n.params.key === key)) {
          env.problem(t, `no subscription.error for ${key} refused on resubscribe`);
        }
      });
      await all(env, (t) => env.server(t).rejectSymbols([]));
    },
    expect: { states: ['reconnecting', 'open'] },
  },
  restFault(429, true),
  restFault(429, false),
  restFault(418, true),
  restFault(418, false),
  restFault(503, true),
  restFault(503, false),
  {
    id: 'refused',
    title: 'connections refused, then back',
    run: async (env) => {
      await all(env, (t) => {
        env.server(t).refuseConnections(true, 'reset');
        env.server(t).dropAll();
      });
      await env.sleep(env.params.refuseMs);
      await all(env, (t) => env.server(t).refuseConnections(false));
    },
    expect: { states: ['reconnecting', 'error', 'open'], message: () => /cannot connect/ },
  },
  {
    id: 'lifetime',
    title: 'hard connection lifetime reached (recycled before it)',
    needs: 'lifetime',
    run: async (env) => {
      await all(env, (t) => env.scratch.set(`conns:${t.name}`, env.server(t).totalConnections));
      await env.sleep(env.params.lifetimeRunMs);
    },
    expect: { states: [], quiet: true },
    check: (env, t) => {
      const server = env.server(t);
      const fresh = server.totalConnections - (env.scratch.get(`conns:${t.name}`) as number);
      env.note(t, `${fresh} fresh sockets during the fault`);
      const problems: string[] = [];
      if (server.stats().lifetimeCloses > 0) problems.push(`${server.stats().lifetimeCloses} connections reached the exchange's lifetime`);
      if (fresh < 1) problems.push('no planned recycle happened');
      return problems;
    },
  },
  {
    id: 'proxy-restart',
    title: 'the proxy dies and comes back',
    needs: 'proxy',
    run: async (env) => {
      if (!env.proxy) throw new Error('the proxy fault runs without a proxy');
      await env.proxy.kill();
      await env.sleep(env.params.proxyDownMs);
      env.scratch.set('tunnels', env.proxy.tunnels().length);
      await env.proxy.restart();
    },
    expect: { states: ['reconnecting', 'error', 'open'], message: (env) => new RegExp(`proxy ${env.proxy!.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`) },
    check: (env, t) => {
      const port = env.server(t).port;
      const after = env.proxy!.tunnels().slice(env.scratch.get('tunnels') as number);
      const through = after.filter((d) => d === `127.0.0.1:${port}`).length;
      env.note(t, `${through} tunnels through the restarted proxy`);
      return through === 0 ? ['nothing went through the restarted proxy'] : [];
    },
  },
];

/** The fault with this id, or an Error listing the ids. */
export function faultById(id: string): FaultSpec | Error {
  const f = FAULTS.find((x) => x.id === id);
  return f ?? new Error(`unknown fault "${id}"; known: ${FAULTS.map((x) => x.id).join(', ')}`);
}

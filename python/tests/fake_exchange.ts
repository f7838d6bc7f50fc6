/**
 * Fake exchanges for the Python tests, run as `npx tsx python/tests/fake_exchange.ts [--seed N]`.
 * Prints one JSON line `{"ready":true,"toml":"…"}` (the sidecar config pointing at the fakes), then
 * answers one JSON command per stdin line with one JSON line:
 *   {"cmd":"topics","exchange":"binance","market":"spot"}   → {"topics":{"btcusdt@kline_1s":1,…}}
 *   {"cmd":"connections",…}                                 → {"connections":2,"total":3}
 *   {"cmd":"groundTruth",…,"symbol","interval","from","to"} → {"klines":[…]}
 *   {"cmd":"dropAll",…}                                      → {"ok":true}
 *   {"cmd":"reject",…,"symbols":["ETHUSDT"]}                 → {"ok":true}  (subscriptions answered with an error)
 *   {"cmd":"failRest",…,"status":400,"path":"/klines"}      → {"ok":true}  (the next matching REST request fails;
 *                                                              "count":N → the next N)
 *   {"cmd":"restOk",…}                                       → {"ok":true}  (forget the failures not served yet)
 *   {"cmd":"refuse",…,"on":true}                             → {"ok":true}  (new connections answered 503 until "on":false)
 * Exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { startFakeExchanges } from '../../sidecar/fake';
import type { Market } from '../../sidecar/market/model';

interface Command {
  cmd: string;
  exchange?: string;
  market?: Market;
  symbol?: string;
  interval?: string;
  from?: number;
  to?: number;
  symbols?: string[];
  status?: number;
  path?: string;
  count?: number;
  on?: boolean;
}

async function main(): Promise<void> {
  const seedArg = process.argv.indexOf('--seed');
  const fakes = await startFakeExchanges({
    exchanges: [{ protocol: 'binance', symbols: { spot: ['BTCUSDT', 'ETHUSDT'], perp: ['BTCUSDT', 'ETHUSDT'] } }],
    seed: seedArg > 0 ? Number(process.argv[seedArg + 1]) : 11,
    tradeRate: 8,
    klinePushMs: 250,
    heartbeat: { intervalMs: 1000, timeoutMs: 5000 },
  });
  const reply = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
  reply({ ready: true, toml: fakes.configToml() });
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    let c: Command;
    try {
      c = JSON.parse(line) as Command;
    } catch {
      reply({ error: `not JSON: ${line}` });
      return;
    }
    try {
      const server = fakes.server(c.exchange ?? 'binance', c.market ?? 'spot');
      switch (c.cmd) {
        case 'topics':
          reply({ topics: Object.fromEntries(server.activeTopics()) });
          break;
        case 'connections':
          reply({ connections: server.connections(), total: server.totalConnections });
          break;
        case 'groundTruth':
          reply({ klines: server.groundTruth(c.symbol ?? 'BTCUSDT', c.interval ?? '1m', c.from ?? 0, c.to ?? 0) });
          break;
        case 'dropAll':
          server.dropAll();
          reply({ ok: true });
          break;
        case 'reject':
          server.rejectSymbols(c.symbols ?? [], 'error');
          reply({ ok: true });
          break;
        case 'failRest':
          server.failRest(Array.from({ length: c.count ?? 1 }, () => ({ status: c.status ?? 400, path: c.path })));
          reply({ ok: true });
          break;
        case 'restOk':
          server.clearRestFailures();
          reply({ ok: true });
          break;
        case 'refuse':
          server.refuseConnections(c.on ?? true);
          reply({ ok: true });
          break;
        default:
          reply({ error: `unknown command ${c.cmd}` });
      }
    } catch (err) {
      reply({ error: (err as Error).message });
    }
  });
  lines.on('close', () => {
    void fakes.close().then(() => process.exit(0));
  });
}

void main();

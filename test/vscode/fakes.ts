/**
 * Fake exchanges for the extension-host tests: the same fakes `--demo` and the integration tests
 * use, one server per exchange-market on 127.0.0.1, plus a tiny HTTP control endpoint so a test
 * running inside VS Code can make an exchange drop or refuse connections. Bundled and started by
 * scripts/vscode-e2e.mjs (and test/vscode/run-desktop.mjs); prints one JSON line
 * `{ exchanges, control }` on stdout once listening, and stops when stdin closes.
 *
 * Control: POST /fault {"exchange"?, "market"?, "action": "drop" | "refuse" | "accept"}; GET /stats.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAKE_PROTOCOLS, startFakeExchanges } from '../../sidecar/fake';

interface Fault {
  exchange?: string;
  market?: string;
  action: 'drop' | 'refuse' | 'accept';
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

async function main(): Promise<void> {
  const fakes = await startFakeExchanges({
    exchanges: Object.keys(FAKE_PROTOCOLS).map((protocol) => ({ protocol })),
    seed: 'candlewire-vscode-e2e',
    tradeRate: 4,
  });
  const control = createServer((req, res) => {
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method === 'GET' && req.url === '/stats') {
      reply(200, fakes.servers.map((s) => ({ exchange: s.exchange, market: s.market, connections: s.connections(), total: s.totalConnections })));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/fault') {
      reply(404, { error: 'use POST /fault or GET /stats' });
      return;
    }
    body(req).then(
      (text) => {
        let fault: Fault;
        try {
          fault = JSON.parse(text) as Fault;
        } catch {
          reply(400, { error: `not JSON: ${text.slice(0, 100)}` });
          return;
        }
        const targets = fakes.servers.filter((s) => (!fault.exchange || s.exchange === fault.exchange) && (!fault.market || s.market === fault.market));
        for (const s of targets) {
          if (fault.action === 'drop') s.dropAll();
          else if (fault.action === 'refuse') s.refuseConnections(true);
          else if (fault.action === 'accept') s.refuseConnections(false);
        }
        reply(200, { applied: fault.action, servers: targets.length });
      },
      (err: Error) => reply(500, { error: err.message }),
    );
  });
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
  const port = (control.address() as AddressInfo).port;
  process.stdout.write(`${JSON.stringify({ exchanges: fakes.configOverrides().exchanges, control: `http://127.0.0.1:${port}` })}\n`);
  const stop = async () => {
    control.close();
    await fakes.close();
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`fakes: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

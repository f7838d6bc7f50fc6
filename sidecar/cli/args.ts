/** Command-line parsing for `candlewire` (dist/sidecar.js). Pure: argv in, a plan or an error out. */
import { isLoopbackHost } from '../rpc/transports/loopback';

export interface WatchSpec {
  exchange: string;
  market: 'spot' | 'perp';
  symbol: string;
  interval: string;
  klineSource: 'exchange' | 'trades';
  text: string;
}

export interface CliPlan {
  command: 'serve' | 'watch' | 'help' | 'version' | 'print-config';
  configFile?: string;
  parentPid?: number;
  demo: boolean;
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  watch: WatchSpec[];
  /** Serve the local socket and write the connection file (also implied by `ws`). */
  socket: boolean;
  /** The WebSocket transport; `host` is loopback unless --ws-host named another. */
  ws?: { host: string; port: number; explicitHost: boolean };
}

export const usage = `Usage: candlewire [options]                 JSON-RPC 2.0 server on stdio (NDJSON)
       candlewire watch <spec>... [options]  print live candles in the terminal

A spec is exchange:market:symbol:interval[:trades], e.g. binance:spot:BTCUSDT:1m,
binance:perp:BTC/USDT:USDT:5m or binance:spot:ETHUSDT:15s:trades (bars built from trades).

Options:
  --config <file.toml>   configuration file (default: $CANDLEWIRE_CONFIG if set)
  --demo                 run against a built-in fake exchange on 127.0.0.1 (offline)
  --parent-pid <pid>     exit when that process disappears
  --log-level <level>    error | warn | info | debug (logs go to stderr)
  --print-config         print the effective configuration and exit
  --socket               also serve the local socket and write the connection file, so other
                         programs share this sidecar (runtime dir: $CANDLEWIRE_RUNTIME_DIR,
                         else $XDG_RUNTIME_DIR/candlewire, else <tmp>/candlewire-<uid>)
  --ws [port|host:port]  also serve WebSocket clients (and /metrics) with the token from the
                         connection file; default 127.0.0.1, port 0 = any free port; implies --socket
  --ws-host <host>       listen on a non-loopback address (anyone who can reach it and has the token connects)
  --version, --help
`;

/** Parses argv (without node and script). */
export function parseArgs(argv: readonly string[]): CliPlan | Error {
  const plan: CliPlan = { command: 'serve', demo: false, watch: [], socket: false };
  const positional: string[] = [];
  let ws: { host?: string; port: number } | undefined;
  let wsHost: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (name: string): string | Error => {
      const v = argv[++i];
      return v === undefined || v.startsWith('--') ? new Error(`${name} needs a value`) : v;
    };
    switch (a) {
      case '--help':
      case '-h':
        plan.command = 'help';
        break;
      case '--version':
      case '-v':
        plan.command = 'version';
        break;
      case '--print-config':
        plan.command = 'print-config';
        break;
      case '--demo':
        plan.demo = true;
        break;
      case '--socket':
        plan.socket = true;
        break;
      case '--ws': {
        // The value is optional: the next argument is taken only when it looks like port or host:port.
        const next = argv[i + 1];
        if (next !== undefined && /^(\d+|\[[^\]]+\]:\d+|[^\s:[\]-][^\s:[\]]*:\d+)$/.test(next)) {
          const parsed = parseHostPort(next);
          if (parsed instanceof Error) return parsed;
          ws = parsed;
          i++;
        } else {
          ws = { port: 0 };
        }
        break;
      }
      case '--ws-host': {
        const v = value(a);
        if (v instanceof Error) return v;
        wsHost = v.replace(/^\[(.*)\]$/, '$1');
        break;
      }
      case '--config': {
        const v = value(a);
        if (v instanceof Error) return v;
        plan.configFile = v;
        break;
      }
      case '--parent-pid': {
        const v = value(a);
        if (v instanceof Error) return v;
        const pid = Number(v);
        if (!Number.isInteger(pid) || pid <= 0) return new Error(`--parent-pid expects a process id, got ${JSON.stringify(v)}`);
        plan.parentPid = pid;
        break;
      }
      case '--log-level': {
        const v = value(a);
        if (v instanceof Error) return v;
        if (!['error', 'warn', 'info', 'debug'].includes(v)) return new Error(`--log-level expects error, warn, info or debug, got ${JSON.stringify(v)}`);
        plan.logLevel = v as CliPlan['logLevel'];
        break;
      }
      default:
        if (a.startsWith('-')) return new Error(`unknown option ${a}\n\n${usage}`);
        positional.push(a);
    }
  }
  if (wsHost !== undefined && !ws) return new Error('--ws-host needs --ws [port]');
  if (ws) {
    if (wsHost !== undefined && ws.host !== undefined && ws.host !== wsHost) {
      return new Error(`--ws ${ws.host}:${ws.port} and --ws-host ${wsHost} name different hosts; give the host once`);
    }
    const host = wsHost ?? ws.host ?? '127.0.0.1';
    if (wsHost === undefined && !isLoopbackHost(host)) {
      return new Error(
        `refusing to listen for WebSocket clients on the non-loopback address ${host}: anyone who can reach it could try the token. ` +
          `Pass --ws-host ${host} to confirm, or use --ws ${ws.port} for 127.0.0.1`,
      );
    }
    plan.ws = { host, port: ws.port, explicitHost: wsHost !== undefined };
    plan.socket = true;
  }
  if (positional[0] === 'watch') {
    if (plan.command === 'serve') plan.command = 'watch';
    for (const text of positional.slice(1)) {
      const spec = parseWatchSpec(text);
      if (spec instanceof Error) return spec;
      plan.watch.push(spec);
    }
    if (!plan.watch.length && !plan.demo) return new Error('watch needs at least one spec, e.g. candlewire watch binance:spot:BTCUSDT:1m');
    if (plan.socket) return new Error('--socket and --ws apply to the JSON-RPC server, not to watch');
  } else if (positional.length) {
    return new Error(`unknown command ${JSON.stringify(positional[0])}\n\n${usage}`);
  }
  return plan;
}

/** `8080`, `127.0.0.1:8080`, `[::1]:8080` → host and port (0 to 65535). */
function parseHostPort(text: string): { host?: string; port: number } | Error {
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535) return new Error(`--ws expects a port (0 to 65535) or host:port, got ${JSON.stringify(text)}`);
  return { host: m[1]?.replace(/^\[(.*)\]$/, '$1'), port };
}

/** `exchange:market:symbol:interval[:trades]`; the symbol may itself contain ':' (BTC/USDT:USDT). */
export function parseWatchSpec(text: string): WatchSpec | Error {
  const parts = text.split(':');
  let klineSource: WatchSpec['klineSource'] = 'exchange';
  if (parts[parts.length - 1] === 'trades') {
    klineSource = 'trades';
    parts.pop();
  }
  if (parts.length < 4) {
    return new Error(`bad spec ${JSON.stringify(text)}: expected exchange:market:symbol:interval, e.g. binance:spot:BTCUSDT:1m`);
  }
  const [exchange, market] = parts;
  const interval = parts[parts.length - 1];
  const symbol = parts.slice(2, -1).join(':');
  if (market !== 'spot' && market !== 'perp') {
    return new Error(`bad spec ${JSON.stringify(text)}: market must be spot or perp, got ${JSON.stringify(market)}`);
  }
  if (!symbol) return new Error(`bad spec ${JSON.stringify(text)}: missing symbol`);
  return { exchange: exchange.toLowerCase(), market, symbol, interval, klineSource, text };
}

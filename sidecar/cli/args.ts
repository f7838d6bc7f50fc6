/** Command-line parsing for `candlewire` (dist/sidecar.js). Pure: argv in, a plan or an error out. */

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
  --version, --help
`;

/** Parses argv (without node and script). */
export function parseArgs(argv: readonly string[]): CliPlan | Error {
  const plan: CliPlan = { command: 'serve', demo: false, watch: [] };
  const positional: string[] = [];
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
  if (positional[0] === 'watch') {
    if (plan.command === 'serve') plan.command = 'watch';
    for (const text of positional.slice(1)) {
      const spec = parseWatchSpec(text);
      if (spec instanceof Error) return spec;
      plan.watch.push(spec);
    }
    if (!plan.watch.length && !plan.demo) return new Error('watch needs at least one spec, e.g. candlewire watch binance:spot:BTCUSDT:1m');
  } else if (positional.length) {
    return new Error(`unknown command ${JSON.stringify(positional[0])}\n\n${usage}`);
  }
  return plan;
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

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pythonSnippet } from '../../extension/snippet';

describe('pythonSnippet', () => {
  it('connects to the shared sidecar and reads and streams the subscription', () => {
    const s = pythonSnippet({ exchange: 'acme', market: 'perp', symbol: 'BTCUSDT', channel: 'kline', interval: '5m' });
    expect(s).toContain('from candlewire import Client');
    expect(s).toContain('Client.connect(or_spawn=True)');
    expect(s).toContain('client.get_price("BTCUSDT", count=100, frequency="5m", exchange="acme", market="perp")');
    expect(s).toContain('client.stream("BTCUSDT", "5m", exchange="acme", market="perp", closed_only=True)');
  });

  it('asks for trade-built bars and uses the default interval for other channels', () => {
    expect(pythonSnippet({ exchange: 'a', market: 'spot', symbol: 'X', channel: 'kline', interval: '15s', klineSource: 'trades' })).toContain('source="trades"');
    expect(pythonSnippet({ exchange: 'a', market: 'spot', symbol: 'X', channel: 'ticker' }, '1h')).toContain('frequency="1h"');
  });

  it('quotes symbols as Python strings', () => {
    expect(pythonSnippet({ exchange: 'a', market: 'spot', symbol: 'BTC/USDT"', channel: 'trades' })).toContain('"BTC/USDT\\""');
  });
});

const python = resolve(__dirname, '../../python');
const hasPython = spawnSync('python3', ['--version']).status === 0 && existsSync(resolve(python, 'candlewire'));

describe.skipIf(!hasPython)('pythonSnippet against the Python client', () => {
  it('is valid Python that calls the client with parameters it has', () => {
    const snippets = [
      pythonSnippet({ exchange: 'acme', market: 'perp', symbol: 'BTCUSDT', channel: 'kline', interval: '5m' }),
      pythonSnippet({ exchange: 'acme', market: 'spot', symbol: 'X', channel: 'kline', interval: '15s', klineSource: 'trades' }),
    ];
    // Parses each snippet and checks every call's keyword arguments against the real signatures.
    const check = `
import ast, inspect, json, sys
from candlewire import Client
methods = {"connect": Client.connect, "get_price": Client.get_price, "stream": Client.stream}
for src in json.load(sys.stdin):
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in methods:
            sig = inspect.signature(methods[node.func.attr])
            names = [k.arg for k in node.keywords]
            missing = [n for n in names if n not in sig.parameters]
            assert not missing, (node.func.attr, missing)
            positional = [p for p in sig.parameters.values() if p.kind == p.POSITIONAL_OR_KEYWORD and p.name not in ("self", "cls")]
            assert len(node.args) <= len(positional), (node.func.attr, len(node.args))
print("ok")
`;
    const r = spawnSync('python3', ['-c', check], { input: JSON.stringify(snippets), encoding: 'utf8', env: { ...process.env, PYTHONPATH: python } });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  });
});

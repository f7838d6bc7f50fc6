/**
 * "Copy Python Snippet": a ready-to-run strategy skeleton for one subscription, using the Python
 * client (docs/python.md). `Client.connect()` attaches to the sidecar this window runs, through its
 * shared local socket, so the script reuses the same connections and cache. Pure.
 */
import type { SubscriptionSpec } from './protocol';

function py(s: string): string {
  return JSON.stringify(s);
}

/** The snippet for a subscription: its candles (trade and ticker subscriptions use the default interval). */
export function pythonSnippet(spec: SubscriptionSpec, defaultInterval = '1m'): string {
  const interval = spec.channel === 'kline' ? (spec.interval ?? defaultInterval) : defaultInterval;
  const source = spec.channel === 'kline' && spec.klineSource === 'trades' ? ', source="trades"' : '';
  const where = `exchange=${py(spec.exchange)}, market=${py(spec.market)}`;
  return [
    'from candlewire import Client',
    '',
    '# Attaches to the sidecar VS Code runs (its shared local socket); or_spawn=True starts a',
    '# private one when none is running.',
    'with Client.connect(or_spawn=True) as client:',
    `    bars = client.get_price(${py(spec.symbol)}, count=100, frequency=${py(interval)}, ${where}${source})`,
    '    print(bars)',
    `    for bar in client.stream(${py(spec.symbol)}, ${py(interval)}, ${where}${source}, closed_only=True):`,
    '        print(bar.open_time, bar.close)',
    '',
  ].join('\n');
}

/**
 * Stream keys: the one string that names a stream everywhere (cache, notifications, clients).
 * `binance:spot:BTCUSDT:kline:1m`, `binance:perp:BTCUSDT:kline:15s:trades`, `okx:spot:BTC-USDT:ticker`.
 */
import type { Channel, KlineSource, Market } from '../market/model';

export interface StreamSpec {
  exchange: string;
  market: Market;
  /** Native spelling. */
  symbol: string;
  channel: Channel;
  interval?: string;
  klineSource?: KlineSource;
}

export function streamKey(s: StreamSpec): string {
  const base = `${s.exchange}:${s.market}:${s.symbol}:${s.channel}`;
  if (s.channel !== 'kline') return base;
  return `${base}:${s.interval}${s.klineSource === 'trades' ? ':trades' : ''}`;
}

export function marketKey(exchange: string, market: Market): string {
  return `${exchange}:${market}`;
}

/** The Binance adapter: spot and USDⓈ-M perpetuals, assembled from the protocol modules here. */
import type { Market } from '../../market/model';
import { joinedSymbol } from '../symbols';
import type { ExchangeAdapter, MarketAdapter, MarketUrls } from '../types';
import { restProtocol } from './rest';
import { INTERVALS, topicsFor } from './streams';
import { wsProtocol } from './ws';

export { continuousKlineTopic } from './streams';

/** The MarketAdapter of one Binance market bound to `urls`. */
export function binanceMarket(market: Market, urls: MarketUrls): MarketAdapter {
  return {
    exchange: 'binance',
    market,
    ws: wsProtocol(market, urls.ws),
    rest: restProtocol(market, urls.rest),
    intervals: INTERVALS[market],
    topics: (req) => topicsFor(market, req),
    nativeSymbol: joinedSymbol,
    // No unifiedSymbol: `BTCUSDT` cannot be split into base and quote without exchangeInfo.
  };
}

export const binance: ExchangeAdapter = {
  id: 'binance',
  displayName: 'Binance',
  defaults: {
    spot: { ws: 'wss://stream.binance.com:9443', rest: 'https://api.binance.com' },
    perp: { ws: 'wss://fstream.binance.com', rest: 'https://fapi.binance.com' },
  },
  market: binanceMarket,
};

/** The Bitget v2 adapter: spot and USDT-M perpetual futures, assembled from the protocol modules here. */
import type { Market } from '../../market/model';
import { joinedSymbol } from '../symbols';
import type { ExchangeAdapter, MarketAdapter, MarketUrls } from '../types';
import { restProtocol } from './rest';
import { INTERVALS, topicsFor } from './streams';
import { wsProtocol } from './ws';

/** The MarketAdapter of one Bitget market bound to `urls`. */
export function bitgetMarket(market: Market, urls: MarketUrls): MarketAdapter {
  return {
    exchange: 'bitget',
    market,
    ws: wsProtocol(urls.ws),
    rest: restProtocol(market, urls.rest),
    intervals: INTERVALS,
    topics: (req) => topicsFor(market, req),
    nativeSymbol: joinedSymbol,
    // No unifiedSymbol: `BTCUSDT` cannot be split into base and quote without the symbol list.
    // No useInstruments: sizes are base units on both markets, nothing to convert.
  };
}

export const bitget: ExchangeAdapter = {
  id: 'bitget',
  displayName: 'Bitget',
  // One public WebSocket URL for every market: `instType` in each subscription selects it.
  defaults: {
    spot: { ws: 'wss://ws.bitget.com/v2/ws/public', rest: 'https://api.bitget.com' },
    perp: { ws: 'wss://ws.bitget.com/v2/ws/public', rest: 'https://api.bitget.com' },
  },
  market: bitgetMarket,
};

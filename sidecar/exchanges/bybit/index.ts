/** The Bybit v5 adapter: spot and linear (USDT-margined) perpetuals, assembled from the protocol modules here. */
import type { Market } from '../../market/model';
import type { ExchangeAdapter, MarketAdapter, MarketUrls } from '../types';
import { restProtocol } from './rest';
import { INTERVALS, topicsFor } from './streams';
import { SymbolBook } from './symbols';
import { wsProtocol } from './ws';

/** The MarketAdapter of one Bybit market bound to `urls`. */
export function bybitMarket(market: Market, urls: MarketUrls): MarketAdapter {
  const book = new SymbolBook();
  return {
    exchange: 'bybit',
    market,
    ws: wsProtocol(market, urls.ws),
    rest: restProtocol(market, urls.rest),
    intervals: INTERVALS,
    topics: (req) => topicsFor(market, req),
    nativeSymbol: (input) => book.nativeSymbol(input),
    unifiedSymbol: (native) => book.unifiedSymbol(native),
    // Sizes are base coins on both markets; the list only teaches the symbol spellings.
    useInstruments: (instruments) => book.use(instruments),
  };
}

/** Bybit v5 public market data: spot (`category=spot`) and USDT perpetuals (`category=linear`). */
export const bybit: ExchangeAdapter = {
  id: 'bybit',
  displayName: 'Bybit',
  defaults: {
    spot: { ws: 'wss://stream.bybit.com/v5/public/spot', rest: 'https://api.bybit.com' },
    perp: { ws: 'wss://stream.bybit.com/v5/public/linear', rest: 'https://api.bybit.com' },
  },
  market: bybitMarket,
};

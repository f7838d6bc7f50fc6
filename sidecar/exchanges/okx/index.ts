/** The OKX v5 adapter: SPOT and USDT-margined SWAP (perp), assembled from the protocol modules here. */
import type { Market } from '../../market/model';
import type { ExchangeAdapter, MarketAdapter, MarketUrls } from '../types';
import { ContractSizes } from './contracts';
import { OkxParser } from './parse';
import { restProtocol } from './rest';
import { INTERVALS, topicsFor } from './streams';
import { nativeSymbol, unifiedSymbol } from './symbols';
import { wsProtocol } from './ws';

/** The MarketAdapter of one OKX market bound to `urls`; SWAP sizes convert once useInstruments ran. */
export function okxMarket(market: Market, urls: MarketUrls): MarketAdapter {
  const contracts = new ContractSizes();
  const parser = new OkxParser(market, contracts);
  return {
    exchange: 'okx',
    market,
    ws: wsProtocol(urls.ws, parser),
    rest: restProtocol(market, urls.rest),
    intervals: INTERVALS,
    topics: (req) => topicsFor(market, req),
    nativeSymbol: (input) => nativeSymbol(market, input),
    unifiedSymbol: (native) => unifiedSymbol(market, native),
    useInstruments: (instruments) => contracts.update(instruments),
  };
}

/** WS base URL: the adapter appends `/public` or `/business` per topic. */
const WS = 'wss://ws.okx.com:8443/ws/v5';
const REST = 'https://www.okx.com';

export const okx: ExchangeAdapter = {
  id: 'okx',
  displayName: 'OKX',
  defaults: {
    spot: { ws: WS, rest: REST },
    perp: { ws: WS, rest: REST },
  },
  market: okxMarket,
};

/** Instrument records from what an exchange's instrument list says, in normalized terms. */
import type { Instrument, Market } from '../market/model';
import { formatUnified } from './symbols';

/** One entry of an instrument list, already read from the exchange's own fields. */
export interface Listing {
  exchange: string;
  market: Market;
  symbol: string;
  base: string;
  quote: string;
  /** The settlement asset of a perpetual (its quote when absent); not used on spot. */
  settle?: string;
  trading: boolean;
  /** Kept only when positive: exchanges write 0 (or nothing) for "no constraint". */
  tickSize?: number;
  stepSize?: number;
  contractSize?: number;
}

/** The Instrument of a listing, unified as `BASE/QUOTE` on spot and `BASE/QUOTE:SETTLE` on perp. */
export function listedInstrument(listing: Listing): Instrument {
  const { exchange, market, symbol, base, quote } = listing;
  const unified = market === 'perp' ? formatUnified(base, quote, listing.settle ?? quote) : formatUnified(base, quote);
  const instrument: Instrument = { exchange, market, symbol, unified, base, quote, status: listing.trading ? 'trading' : 'halted' };
  for (const key of ['tickSize', 'stepSize', 'contractSize'] as const) {
    const value = listing[key];
    if (value !== undefined && Number.isFinite(value) && value > 0) instrument[key] = value;
  }
  return instrument;
}

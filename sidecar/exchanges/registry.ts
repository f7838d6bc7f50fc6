/**
 * Every exchange adapter, one line each. The only place outside an exchange's own folder that
 * names exchanges: adding an exchange is adding its folder and its line here.
 */
import { binance } from './binance';
import { bitget } from './bitget';
import { bybit } from './bybit';
import { okx } from './okx';
import type { ExchangeAdapter } from './types';

export const exchanges: ExchangeAdapter[] = [
  binance,
  bitget,
  bybit,
  okx,
];

/** The adapter with this id (case and surrounding blanks ignored), or undefined. */
export function findExchange(id: string): ExchangeAdapter | undefined {
  const wanted = id.trim().toLowerCase();
  return exchanges.find((exchange) => exchange.id === wanted);
}

/** The ids of all registered exchanges, in registry order. */
export function exchangeIds(): string[] {
  return exchanges.map((exchange) => exchange.id);
}

import { describe, expect, it } from 'vitest';
import { binance } from '../../sidecar/exchanges/binance';
import { joinedSymbol as nativeSymbol } from '../../sidecar/exchanges/symbols';
import { formatUnified, parseUnified } from '../../sidecar/exchanges/symbols';

describe('Binance native symbols', () => {
  it.each([
    ['BTC/USDT', 'BTCUSDT'],
    ['BTC/USDT:USDT', 'BTCUSDT'],
    ['btcusdt', 'BTCUSDT'],
    [' eth/usdc:usdc ', 'ETHUSDC'],
    ['BTCUSDT_250926', 'BTCUSDT_250926'],
  ])('%s → %s', (input, native) => {
    expect(nativeSymbol(input)).toBe(native);
  });

  it('is what the market adapters use', () => {
    expect(binance.market('perp', binance.defaults.perp!).nativeSymbol('BTC/USDT:USDT')).toBe('BTCUSDT');
    expect(binance.market('spot', binance.defaults.spot!).unifiedSymbol).toBeUndefined();
  });
});

describe('unified symbol parts (generic)', () => {
  it('splits spot and perpetual forms', () => {
    expect(parseUnified('BTC/USDT')).toEqual({ base: 'BTC', quote: 'USDT' });
    expect(parseUnified('btc/usdt:usdt')).toEqual({ base: 'BTC', quote: 'USDT', settle: 'USDT' });
  });

  it('returns undefined for native or broken input', () => {
    for (const input of ['BTCUSDT', 'BTC-USDT-SWAP', 'BTC/', '/USDT', 'BTC/USDT:', 'A/B/C', 'BTC /USDT']) {
      expect(parseUnified(input), input).toBeUndefined();
    }
  });

  it('formats both forms', () => {
    expect(formatUnified('BTC', 'USDT')).toBe('BTC/USDT');
    expect(formatUnified('BTC', 'USDT', 'USDT')).toBe('BTC/USDT:USDT');
  });
});

/** The registry of fake exchange protocols: exchange id → FakeProtocol. One line per exchange. */
import { binanceFake } from '../exchanges/binance/fake';
import { bitgetFake } from '../exchanges/bitget/fake';
import { bybitFake } from '../exchanges/bybit/fake';
import { okxFake } from '../exchanges/okx/fake';
import type { FakeProtocol } from './protocol';

export const FAKE_PROTOCOLS: Readonly<Record<string, FakeProtocol>> = {
  [binanceFake.id]: binanceFake,
  [bitgetFake.id]: bitgetFake,
  [bybitFake.id]: bybitFake,
  [okxFake.id]: okxFake,
};

/** The fake protocol of `exchange`, or an Error listing the ones that exist. */
export function fakeProtocol(exchange: string): FakeProtocol | Error {
  const p = FAKE_PROTOCOLS[exchange];
  return p ?? new Error(`no fake exchange "${exchange}"; available: ${Object.keys(FAKE_PROTOCOLS).join(', ')}`);
}

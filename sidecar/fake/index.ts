/** The fake exchange framework: simulator, generic server, protocol registry, fleet launcher. */
export { startFakeExchanges, type FakeExchanges, type FakeExchangesOptions, type FakeExchangeSpec, type FakeUrlOverrides } from './fleet';
export {
  FakeExchangeServer,
  startFakeExchangeServer,
  toModelKline,
  type FakeServerOptions,
  type FakeServerStats,
  type InjectedRestFailure,
  type RejectMode,
  type RestLogEntry,
} from './server';
export { MarketSim, createMarketSim, type MarketSimOptions, type SimKline, type SimTrade, type SimSymbol, type SymbolSpec, type SimAggregate, type KlinePage } from './market-sim';
export { parseInterval, simInterval, barOpen, barClose, nextOpen, type SimInterval } from './interval';
export { FAKE_PROTOCOLS, fakeProtocol } from './protocols';
export type { FakeProtocol, FakeMarketProtocol, TopicSpec, PushKind } from './protocol';

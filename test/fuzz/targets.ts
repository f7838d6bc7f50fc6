/**
 * Every fuzz target, shared by `npm run fuzz` (scripts/fuzz.ts: ≥ 100,000 cases each) and the test
 * suite (test/unit/fuzz.test.ts: a few hundred each). Targets for exchange parsers come from the
 * registry, so a new exchange is fuzzed without touching this file.
 */
import { configTargets } from './config';
import { instrumentsParseTargets, klinesParseTargets, wsParseTargets } from './parsers';
import { rpcTargets } from './rpc';
import type { FuzzTarget } from './target';

export { runTarget, type FuzzResult, type FuzzTarget } from './target';

/** All targets, in a stable order: parsers (WebSocket, REST klines, REST instruments), RPC, config. */
export function fuzzTargets(): FuzzTarget<unknown>[] {
  return [
    ...wsParseTargets(),
    ...klinesParseTargets(),
    ...instrumentsParseTargets(),
    ...rpcTargets(),
    ...configTargets(),
  ] as FuzzTarget<unknown>[];
}

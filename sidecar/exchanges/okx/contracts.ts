/**
 * SWAP sizes come in contracts (`sz`, `bidSz`, candle `vol`); the normalized model wants base
 * units. The contract value (`ctVal`, e.g. 0.01 BTC for BTC-USDT-SWAP) comes from the instrument
 * list the hub hands over (useInstruments); until then a size cannot be converted.
 */
import { DecimalSum } from '../../market/decimal';
import type { Instrument } from '../../market/model';

/** Base units per contract of each instrument seen in the last instrument list. */
export class ContractSizes {
  private readonly sizes = new Map<string, number>();

  /** Replaces the known contract sizes with those of `instruments` (entries without one are skipped). */
  update(instruments: readonly Instrument[]): void {
    this.sizes.clear();
    for (const i of instruments) {
      if (i.contractSize !== undefined && i.contractSize > 0) this.sizes.set(i.symbol, i.contractSize);
    }
  }

  /** The contract size of `instId`, if known. */
  get(instId: string): number | undefined {
    return this.sizes.get(instId);
  }

  /** `contracts` of `instId` in base units, exactly; undefined while its contract size is unknown. */
  toBase(instId: string, contracts: number): number | undefined {
    const size = this.sizes.get(instId);
    return size === undefined ? undefined : contractsToBase(contracts, size);
  }
}

/** `contracts × contractSize` with exact decimal arithmetic (5 × 0.01 is 0.05, not 0.05000000000000000277). */
export function contractsToBase(contracts: number, contractSize: number): number {
  return new DecimalSum().addProduct(contracts, contractSize).toNumber();
}

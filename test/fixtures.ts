import { compileConfig } from '../engine/config.ts';
import type { EngineConfig, EngineSpec } from '../engine/config.ts';

/**
 * A small market with round numbers: tick 0.01, lot 1, notional unit 0.01, so one tick × one lot
 * is one notional unit and notional = priceTicks × qty. Reference 100.00, band ±10 %.
 */
export function testConfig(over: Partial<EngineConfig> = {}): EngineConfig {
  return {
    shards: 2,
    notionalDecimals: 2,
    orderCapacityPerShard: 4096,
    riskOrderCapacity: 4096,
    ringCapacity: 1024,
    symbols: [
      { symbol: 'AAA', tickSize: '0.01', lotSize: '1', referencePrice: '100', priceBandPct: 10, maxOrderQty: '1000', maxOrderNotional: '50000' },
      { symbol: 'BBB', tickSize: '0.01', lotSize: '1', referencePrice: '100', priceBandPct: 10, maxOrderQty: '1000', maxOrderNotional: '50000' },
    ],
    accounts: [
      { id: 'a0', apiKey: 'k0', creditLimit: '5000', maxOpenOrders: 5, maxPosition: '100' },
      { id: 'a1', apiKey: 'k1', creditLimit: '1000000', maxOpenOrders: 1000, maxPosition: '100000' },
      { id: 'a2', apiKey: 'k2', creditLimit: '1000000', maxOpenOrders: 1000, maxPosition: '100000' },
    ],
    ...over,
  };
}

export function testSpec(over: Partial<EngineConfig> = {}): EngineSpec {
  return compileConfig(testConfig(over));
}

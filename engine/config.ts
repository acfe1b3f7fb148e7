/**
 * Engine configuration: the JSON a user writes (decimal strings) compiled into an EngineSpec of
 * integer units that every thread shares. Cold path. Every refusal names the field and the fix.
 */
import { DecimalError, parseExact, parseStep, stepRatio, toUnits, toUnitsBig } from './decimal.ts';
import type { ExactDecimal } from './decimal.ts';
import { MAX_UNITS } from './int64.ts';
import type { IdleKind } from '../ring/idle.ts';
import { availableParallelism } from 'node:os';

export interface SymbolConfig {
  symbol: string;
  tickSize: string;
  lotSize: string;
  referencePrice: string;
  priceBandPct: number | string;
  maxOrderQty: string;
  maxOrderNotional: string;
  /** Which matching shard owns the symbol (default: round-robin by position). */
  shard?: number;
}

export interface AccountConfig {
  id: string;
  apiKey?: string;
  creditLimit: string;
  maxOpenOrders: number;
  /** Per-symbol max position, in that symbol's quantity units (decimal string). */
  maxPosition: string;
  cancelOnDisconnect?: boolean;
}

export interface EngineConfig {
  /** Matching shards (worker threads). Default 1, sized for a 2-core box. */
  shards?: number;
  /** Decimal places of the notional unit that credit limits and order notionals use. Default 8. */
  notionalDecimals?: number;
  /** Resting orders each shard can hold. Default 1,048,576. */
  orderCapacityPerShard?: number;
  /** Live orders the risk stage tracks across all shards. Default 1,048,576. */
  riskOrderCapacity?: number;
  /**
   * Slots per ring (power of two). Default 16,384: a 256-byte event ring of 4 MiB stays in a
   * typical L3; a 64K ring (16 MiB) made every event write a cache miss in profiles.
   */
  ringCapacity?: number;
  /** Wait strategy of the worker threads. Default 'park' on ≤ 2 cores, else 'backoff'. */
  idle?: IdleKind;
  /**
   * How often the gateway sends a CLOCK command (engine time for GTD expiry when no orders flow),
   * ms. Default 100; 0 = never (GTD orders then expire only at a later command of their shard).
   */
  clockIntervalMs?: number;
  symbols: SymbolConfig[];
  accounts: AccountConfig[];
}

export interface SymbolSpec {
  id: number;
  name: string;
  shard: number;
  tickSize: string;
  lotSize: string;
  tick: ExactDecimal;
  lot: ExactDecimal;
  referencePrice: number;
  bandBps: number;
  maxOrderQty: number;
  /** Notional units (int64 range: a BigInt; the risk stage holds it as two doubles, engine/wide.ts). */
  maxOrderNotional: bigint;
  /** Notional units per (1 tick × 1 lot): notional = priceTicks × qtyLots × notionalPerTickLot. */
  notionalPerTickLot: number;
}

export interface AccountSpec {
  id: number;
  name: string;
  apiKey: string;
  /** Notional units (int64 range: a BigInt; see maxOrderNotional). */
  creditLimit: bigint;
  maxOpenOrders: number;
  /** Max position per symbol id, in lots. */
  maxPosition: number[];
  cancelOnDisconnect: boolean;
}

export interface EngineSpec {
  shards: number;
  notionalDecimals: number;
  notionalUnit: ExactDecimal;
  orderCapacityPerShard: number;
  riskOrderCapacity: number;
  ringCapacity: number;
  idle: IdleKind;
  clockIntervalMs: number;
  symbols: SymbolSpec[];
  accounts: AccountSpec[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly field: string,
    problem: string,
    readonly fix: string,
  ) {
    super(`config ${field}: ${problem} — ${fix}`);
  }
}

function intField(v: unknown, field: string, min: number, max: number, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(field, `expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`, `set ${field} to a whole number between ${min} and ${max}`);
  }
  return v;
}

function strField(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) {
    throw new ConfigError(field, `expected a non-empty string, got ${JSON.stringify(v)}`, `set ${field} to a decimal string such as "0.01"`);
  }
  return v;
}

/** Largest notional a credit limit or max order notional may be: int64. */
const MAX_NOTIONAL = 9223372036854775807n;

function notional(text: unknown, step: ExactDecimal, field: string): bigint {
  try {
    return toUnitsBig(strField(text, field), step, 'notional unit', MAX_NOTIONAL);
  } catch (e) {
    if (e instanceof DecimalError) throw new ConfigError(field, e.message, `write ${field} as a positive decimal string on the notional grid (notionalDecimals)`);
    throw e;
  }
}

function units(text: unknown, step: ExactDecimal, field: string, what: string, max = MAX_UNITS): number {
  try {
    return toUnits(strField(text, field), step, what, max);
  } catch (e) {
    if (e instanceof DecimalError) throw new ConfigError(field, e.message, `write ${field} as a positive decimal string on the ${what} grid`);
    throw e;
  }
}

export function compileConfig(cfg: EngineConfig): EngineSpec {
  if (typeof cfg !== 'object' || cfg === null) throw new ConfigError('(root)', 'not an object', 'pass a JSON object');
  const shards = intField(cfg.shards, 'shards', 1, 64, 1);
  const notionalDecimals = intField(cfg.notionalDecimals, 'notionalDecimals', 0, 18, 8);
  const notionalUnit = parseExact(notionalDecimals === 0 ? '1' : `0.${'0'.repeat(notionalDecimals - 1)}1`);
  const orderCapacityPerShard = intField(cfg.orderCapacityPerShard, 'orderCapacityPerShard', 16, 1 << 26, 1 << 20);
  const riskOrderCapacity = intField(cfg.riskOrderCapacity, 'riskOrderCapacity', 16, 1 << 26, 1 << 20);
  const ringCapacity = intField(cfg.ringCapacity, 'ringCapacity', 16, 1 << 24, 1 << 14);
  if ((ringCapacity & (ringCapacity - 1)) !== 0) throw new ConfigError('ringCapacity', `${ringCapacity} is not a power of two`, 'use e.g. 16384');
  if ((cfg as { releaseLagUs?: unknown }).releaseLagUs !== undefined) {
    throw new ConfigError('releaseLagUs', 'no longer exists: the risk stage applies fills and cancels as they arrive', 'delete the field (docs/engine.md, "Determinism")');
  }
  // Small boxes: park right away (spinning steals the CPU that wakes the other threads).
  const idle = cfg.idle ?? (availableParallelism() <= 2 ? 'park' : 'backoff');
  if (idle !== 'backoff' && idle !== 'busy-spin' && idle !== 'park') throw new ConfigError('idle', `unknown wait strategy ${JSON.stringify(idle)}`, 'use "park", "backoff" or "busy-spin"');
  if (!Array.isArray(cfg.symbols) || cfg.symbols.length === 0) throw new ConfigError('symbols', 'missing or empty', 'list at least one symbol');
  if (!Array.isArray(cfg.accounts)) throw new ConfigError('accounts', 'missing', 'list the trading accounts (may be empty)');

  const seen = new Set<string>();
  const symbols = cfg.symbols.map((s, id): SymbolSpec => {
    const f = `symbols[${id}]`;
    if (typeof s?.symbol !== 'string' || !/^[A-Za-z0-9._\-/]{1,32}$/.test(s.symbol)) {
      throw new ConfigError(`${f}.symbol`, `invalid name ${JSON.stringify(s?.symbol)}`, 'use 1-32 letters, digits, ".", "_", "-" or "/"');
    }
    if (seen.has(s.symbol)) throw new ConfigError(`${f}.symbol`, `duplicate symbol ${s.symbol}`, 'give each symbol a unique name');
    seen.add(s.symbol);
    let tick: ExactDecimal;
    let lot: ExactDecimal;
    try {
      tick = parseStep(strField(s.tickSize, `${f}.tickSize`), 'tickSize');
      lot = parseStep(strField(s.lotSize, `${f}.lotSize`), 'lotSize');
    } catch (e) {
      if (e instanceof DecimalError) throw new ConfigError(`${f}.tickSize/lotSize`, e.message, 'use a positive decimal string such as "0.01"');
      throw e;
    }
    const ratio = stepRatio(tick, lot, notionalUnit);
    if (ratio === null || ratio === 0n) {
      throw new ConfigError(`${f}`, `tickSize × lotSize is not a whole number of notional units (10^-${notionalDecimals})`, 'raise notionalDecimals so one tick × one lot is representable');
    }
    const notionalPerTickLot = Number(ratio);
    const maxOrderQty = units(s.maxOrderQty, lot, `${f}.maxOrderQty`, 'lot');
    if (maxOrderQty * notionalPerTickLot > MAX_UNITS) {
      throw new ConfigError(`${f}.maxOrderQty`, 'too large for exact notional arithmetic', 'lower maxOrderQty or notionalDecimals');
    }
    const pctText = typeof s.priceBandPct === 'number' ? String(s.priceBandPct) : s.priceBandPct;
    const bandBps = units(pctText, parseExact('0.01'), `${f}.priceBandPct`, 'percent (0.01 % steps)', 10_000);
    const shard = s.shard === undefined ? id % shards : intField(s.shard, `${f}.shard`, 0, shards - 1);
    return {
      id, name: s.symbol, shard, tickSize: s.tickSize, lotSize: s.lotSize, tick, lot,
      referencePrice: units(s.referencePrice, tick, `${f}.referencePrice`, 'tick'),
      bandBps, maxOrderQty,
      maxOrderNotional: notional(s.maxOrderNotional, notionalUnit, `${f}.maxOrderNotional`),
      notionalPerTickLot,
    };
  });

  const ids = new Set<string>();
  const keys = new Set<string>();
  const accounts = cfg.accounts.map((a, id): AccountSpec => {
    const f = `accounts[${id}]`;
    if (typeof a?.id !== 'string' || !/^[A-Za-z0-9._\-]{1,64}$/.test(a.id)) {
      throw new ConfigError(`${f}.id`, `invalid id ${JSON.stringify(a?.id)}`, 'use 1-64 letters, digits, ".", "_" or "-"');
    }
    if (ids.has(a.id)) throw new ConfigError(`${f}.id`, `duplicate account ${a.id}`, 'give each account a unique id');
    ids.add(a.id);
    const apiKey = a.apiKey ?? '';
    if (apiKey && keys.has(apiKey)) throw new ConfigError(`${f}.apiKey`, 'the same API key is used by two accounts', 'give each account its own key');
    if (apiKey) keys.add(apiKey);
    return {
      id, name: a.id, apiKey,
      creditLimit: notional(a.creditLimit, notionalUnit, `${f}.creditLimit`),
      maxOpenOrders: intField(a.maxOpenOrders, `${f}.maxOpenOrders`, 1, 1 << 26),
      maxPosition: symbols.map((s) => units(a.maxPosition, s.lot, `${f}.maxPosition`, `${s.name} lot`)),
      cancelOnDisconnect: a.cancelOnDisconnect ?? false,
    };
  });
  const clockIntervalMs = intField(cfg.clockIntervalMs, 'clockIntervalMs', 0, 60_000, 100);
  return { shards, notionalDecimals, notionalUnit, orderCapacityPerShard, riskOrderCapacity, ringCapacity, idle, clockIntervalMs, symbols, accounts };
}

/** The embedded defaults: a few demo symbols and dev accounts (keys printed at start). */
export function demoConfig(): EngineConfig {
  return {
    shards: 1,
    symbols: [
      { symbol: 'BTC-USD', tickSize: '0.01', lotSize: '0.0001', referencePrice: '50000', priceBandPct: 10, maxOrderQty: '100', maxOrderNotional: '5000000' },
      { symbol: 'ETH-USD', tickSize: '0.01', lotSize: '0.001', referencePrice: '3000', priceBandPct: 10, maxOrderQty: '1000', maxOrderNotional: '5000000' },
      { symbol: 'SOL-USD', tickSize: '0.001', lotSize: '0.01', referencePrice: '150', priceBandPct: 15, maxOrderQty: '100000', maxOrderNotional: '5000000' },
    ],
    accounts: [
      { id: 'alice', apiKey: 'dev-alice-key', creditLimit: '10000000', maxOpenOrders: 1000, maxPosition: '1000' },
      { id: 'bob', apiKey: 'dev-bob-key', creditLimit: '10000000', maxOpenOrders: 1000, maxPosition: '1000' },
      { id: 'mm', apiKey: 'dev-mm-key', creditLimit: '40000000', maxOpenOrders: 100000, maxPosition: '100000' },
    ],
  };
}

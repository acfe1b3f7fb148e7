/**
 * The price band: the prices admitted around a reference price (the last trade), ± bps basis
 * points, in ticks, with exact integer arithmetic. One formula for the risk stage (limit orders,
 * market and stop-market protection prices), the matching shard (a stop-limit at its trigger) and
 * the reject texts the gateway writes.
 */
import { MAX_UNITS } from './int64.ts';

/**
 * The price band around a reference price (ticks), ± `bps` basis points, with exact integer
 * arithmetic: the highest price admitted.
 */
export function bandHigh(ref: number, bps: number): number {
  const q = Math.floor(ref / 10_000);
  const r = ref - q * 10_000;
  return Math.min(MAX_UNITS, q * (10_000 + bps) + Math.floor((r * (10_000 + bps)) / 10_000));
}

/** The lowest price admitted (see bandHigh). */
export function bandLow(ref: number, bps: number): number {
  const q = Math.floor(ref / 10_000);
  const r = ref - q * 10_000;
  return Math.max(1, q * (10_000 - bps) + Math.ceil((r * (10_000 - bps)) / 10_000));
}

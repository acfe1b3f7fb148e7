/** Messages and data shared by ring/stress.ts and ring/stress.worker.ts (test/bench only). */
import type { IdleKind } from './idle.ts';

export interface StressWorkerData {
  role: 'producer' | 'consumer';
  ring: SharedArrayBuffer;
  gate: SharedArrayBuffer;
  count: number;
  batch: number;
  idle: IdleKind;
  consumer?: number;
  doorbell?: SharedArrayBuffer;
  consumerDoorbells?: SharedArrayBuffer[];
  /** Test hook: throw during start-up, before reporting ready. */
  failOnStart?: boolean;
}

export interface StressResult {
  type: 'done';
  role: 'producer' | 'consumer';
  count: number;
  checksum: number;
  errors: number;
  firstError: string | null;
  fullEvents: number;
  elapsedMs: number;
}

/** Order-sensitive 32-bit mix of a message index (both sides compute it). */
export function mix(i: number): number {
  let x = Math.imul(i ^ 0x5bd1e995, 0x9e3779b1);
  x ^= x >>> 15;
  return Math.imul(x, 0x85ebca6b) | 0;
}


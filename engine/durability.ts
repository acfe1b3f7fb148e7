/**
 * What the engine needs of durability, defined here and implemented by persistence/ (which the
 * engine never imports): the journal thread's shared state words, and how a thread that must be
 * rebuilt gets the newest snapshot and the journal after it.
 *
 * Journal state (Int32 words, one 64-byte line each), written by the journal thread J:
 *
 * ```
 *   line k (k < shards)   word 0  durable sequence of shard k (low 32 bits; compare with seqDiff)
 *   line `shards`         word 0  state: 1 running, 2 stopped, 3 failed, 4 blocked (cannot write, retrying)
 *                         word 1  commits · word 2 records (wrap) · word 3 write failures (wrap)
 * ```
 */
import type { EngineSpec } from './config.ts';
import type { ShardState } from './matching-shard.ts';
import type { RiskState } from './risk.ts';

export function durableWord(shard: number): number {
  return shard * 16;
}

export function journalStateBytes(shards: number): number {
  return (shards + 1) * 64;
}

export function journalStatusWord(shards: number): number {
  return shards * 16;
}

export const JournalState = { RUNNING: 1, STOPPED: 2, FAILED: 3, BLOCKED: 4 } as const;

/** The status word as a name: 'running', 'blocked' (cannot write; retrying), 'stopped', 'failed' or 'starting'. */
export function journalStatusName(v: number): string {
  return v === JournalState.RUNNING ? 'running' : v === JournalState.BLOCKED ? 'blocked' : v === JournalState.STOPPED ? 'stopped' : v === JournalState.FAILED ? 'failed' : 'starting';
}

/** Where events are journaled and what implements it (persistence/durability.ts builds one). */
export interface DurabilityOptions {
  /** The journal directory. */
  dir: string;
  segmentBytes?: number;
  /** Entry module of the journal thread (J). */
  journalWorker: URL;
  /** Module exporting `openRecovery` (a RecoveryOpener), loaded by threads that rebuild state. */
  recoveryModule: URL;
}

/** A snapshot as the engine uses it: per-shard journal sequences and the state at them. */
export interface RecoveredState {
  seqs: number[];
  shards: ShardState[];
  risk: RiskState;
}

/** The newest valid snapshot and the journal after it (persistence/recovery.ts). */
export interface RecoverySource {
  readonly snapshot: RecoveredState | null;
  /**
   * Replay shard k's journal records after `from` (default: the snapshot's sequence) into
   * `apply` (the slot is reused: copy what you keep); progress every 100,000 records.
   */
  replay(shard: number, apply: (slot: Int32Array, seq: number) => void, opts?: { from?: number; to?: number; onProgress?: (records: number) => void }): { records: number; lastSeq: number };
}

export type RecoveryOpener = (journalDir: string, spec: EngineSpec, snapshotDir?: string) => RecoverySource;

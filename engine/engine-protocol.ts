/** What the main thread hands each engine worker, and the control-query messages (cold). */
import type { MessagePort } from 'node:worker_threads';
import type { IdleKind } from '../ring/idle.ts';
import type { ThreadRuntime } from '../ring/threads.ts';
import type { EngineSpec } from './config.ts';

export interface EngineWorkerData {
  role: 'risk' | 'shard';
  shard: number;
  spec: EngineSpec;
  control: SharedArrayBuffer;
  /** G→R command rings, one per gateway thread (engine/link.ts). */
  inputs: SharedArrayBuffer[];
  /** R→M[k] command rings. */
  shardInputs: SharedArrayBuffer[];
  /** E[k] event rings. */
  eventRings: SharedArrayBuffer[];
  /** This worker's own doorbell. */
  doorbell: SharedArrayBuffer;
  /** Doorbells of the shards (rung by R when it forwards). */
  shardDoorbells: SharedArrayBuffer[];
  /** Doorbells of event-ring consumers, by consumer index (rung by M<k> when it commits). */
  eventDoorbells: SharedArrayBuffer[];
  idle: IdleKind;
  port: MessagePort;
  /** Rebuild state from this journal directory before reporting ready (recovery). */
  recoverFrom?: string;
  /** Start recovery from the newest snapshot here, replaying only the journal after it. */
  snapshotDir?: string;
  /** URL (href) of the module exporting `openRecovery` (engine/durability.ts; persistence implements it). */
  recoveryModule?: string;
  /**
   * A supervisor restart while the rest of the engine keeps running: continue from the rings as
   * the dead thread left them (see engine/shard-resume.ts and RiskAgent.skipForwarded).
   */
  restart?: boolean;
}

/** The "ready" message of a restarted worker: what it found. */
export interface RestartReport {
  type: 'ready';
  /** What code the thread runs (compiled JS or TS source) and whether a TS loader is registered. */
  runtime: ThreadRuntime;
  replayed?: number;
  skipped?: number;
  interrupted?: { commandSeq: number; published: number; reemitted: number } | null;
  fullReplay?: boolean;
}

/** Posted by a recovering worker every 100,000 records, and once at the end. */
export interface RecoveryProgress {
  type: 'recovery';
  agent: string;
  shard: number;
  records: number;
  done: boolean;
}

export interface WorkerQuery {
  id: number;
  what: 'stateHash' | 'validate' | 'depth' | 'openOrders' | 'account' | 'riskStats' | 'stageLatency' | 'stageHistogram' | 'state';
  /** stageLatency: clear the histogram after reading it. */
  reset?: boolean;
  symbol?: number;
  side?: number;
  levels?: number;
  account?: number;
}

export interface WorkerReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

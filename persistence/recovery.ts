/**
 * Recovery, in one place: the newest valid snapshot, then the journal after it, replayed into
 * whatever must be rebuilt — matching shards and the risk stage (engine workers load this module
 * through engine/durability.ts, never by import), market-data books (every gateway thread),
 * snapshots, benchmarks and tests. Cold path.
 */
import { EVT_SLOT_BYTES, EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { replayOnlyShard } from '../engine/matching-shard.ts';
import type { MatchingShard } from '../engine/matching-shard.ts';
import { RiskEngine } from '../engine/risk.ts';
import type { EngineSpec } from '../engine/config.ts';
import type { RecoveryOpener, RecoverySource } from '../engine/durability.ts';
import { listSegments, readJournal, segmentFirstSeq } from './journal.ts';
import { SNAPSHOT_VERSION, loadLatestSnapshot } from './snapshot.ts';
import type { Snapshot } from './snapshot.ts';

const PROGRESS_EVERY = 100_000;

export class Recovery implements RecoverySource {
  private constructor(
    readonly journalDir: string,
    /** The snapshot recovery starts from (null: the journal alone). */
    readonly snapshot: Snapshot | null,
  ) {}

  /**
   * The newest snapshot in `snapshotDir` that passes its checks (and, with `upTo`, does not go
   * past it); one that fails is reported to `onBadSnapshot` and skipped.
   */
  static open(journalDir: string, spec: EngineSpec, snapshotDir?: string, opts: { upTo?: number[]; onBadSnapshot?: (file: string, why: string) => void } = {}): Recovery {
    const upTo = opts.upTo;
    // With upTo: the newest snapshot at or before it (older ones too, not only the newest).
    const atOrBefore = upTo ? (seqs: number[]): boolean => seqs.every((s, k) => s <= upTo[k]) : undefined;
    const snap = snapshotDir ? loadLatestSnapshot(snapshotDir, spec, opts.onBadSnapshot, atOrBefore) : null;
    const usable = snap && (!atOrBefore || atOrBefore(snap.seqs)) ? snap : null;
    return new Recovery(journalDir, usable);
  }

  /** Journal sequence of shard k the snapshot covers (0 without one): replay starts after it. */
  baseSeq(k: number): number {
    return this.snapshot?.seqs[k] ?? 0;
  }

  /**
   * The sequence before shard k's first retained journal record (0: the journal starts at 1 or is
   * empty). Retention (persistence/retention.ts) moves old segments away once a kept snapshot
   * covers them; read models that keep history (account views, candles) replay from here.
   */
  journalStart(k: number): number {
    const first = listSegments(this.journalDir, k)[0];
    return first === undefined ? 0 : Math.max(0, segmentFirstSeq(first) - 1);
  }

  /**
   * Replay shard k's records with seq in (from, to] — from defaults to the snapshot's — into
   * `apply`. The slot is reused for every record: copy what you keep.
   */
  replay(shard: number, apply: (slot: Int32Array, seq: number) => void, opts: { from?: number; to?: number; onProgress?: (records: number) => void } = {}): { records: number; lastSeq: number } {
    const from = opts.from ?? this.baseSeq(shard);
    const to = opts.to;
    const slot = new Int32Array(EVT_SLOT_WORDS);
    const bytes = new Uint8Array(slot.buffer);
    let records = 0;
    let lastSeq = from;
    const onProgress = opts.onProgress;
    readJournal(this.journalDir, shard, {
      fromSeq: from + 1,
      onRecord: (seq, buf, at) => {
        if (to !== undefined && seq > to) return;
        bytes.set(buf.subarray(at, at + EVT_SLOT_BYTES));
        apply(slot, seq);
        lastSeq = seq;
        if (++records % PROGRESS_EVERY === 0) onProgress?.(records);
      },
    });
    return { records, lastSeq };
  }

  /** Books and risk as of the snapshot plus the journal after it (up to `upTo` per shard). */
  restore(spec: EngineSpec, upTo?: number[]): { shards: MatchingShard[]; risk: RiskEngine; seqs: number[] } {
    const shards = Array.from({ length: spec.shards }, (_, k) => replayOnlyShard(spec, k));
    const risk = new RiskEngine(spec);
    if (this.snapshot) {
      this.snapshot.shards.forEach((st, k) => shards[k].importState(st));
      risk.importState(this.snapshot.risk);
    }
    const seqs = shards.map((shard, k) => this.replay(k, (slot) => {
      shard.replayEvent(slot, 0);
      risk.replayEvent(slot, 0);
    }, { to: upTo?.[k] }).lastSeq);
    return { shards, risk, seqs };
  }
}

/** The engine's recovery entry (engine/durability.ts RecoveryOpener), loaded by its workers. */
export const openRecovery: RecoveryOpener = (journalDir, spec, snapshotDir) => Recovery.open(journalDir, spec, snapshotDir);

/** Books and risk from the newest snapshot in `snapshotDir` (if any) plus the journal after it. */
export function restore(journalDir: string, spec: EngineSpec, snapshotDir?: string, upTo?: number[], onBad?: (file: string, why: string) => void): { shards: MatchingShard[]; risk: RiskEngine; seqs: number[]; fromSnapshot: number[] | null } {
  const r = Recovery.open(journalDir, spec, snapshotDir, { upTo, onBadSnapshot: onBad });
  return { ...r.restore(spec, upTo), fromSnapshot: r.snapshot ? r.snapshot.seqs : null };
}

/** Build a snapshot up to `upTo` (default: everything journaled), incrementally from the newest one. */
export function buildSnapshot(journalDir: string, spec: EngineSpec, upTo?: number[], snapshotDir?: string): Snapshot {
  const { shards, risk, seqs } = restore(journalDir, spec, snapshotDir, upTo);
  return { version: SNAPSHOT_VERSION, seqs, shards: shards.map((s) => s.exportState()), risk: risk.exportState(), createdAt: new Date().toISOString() };
}

/**
 * piscina task: build a snapshot from the journal (off the hot threads and the gateway) and write
 * it; then, when asked, apply the retention policy (persistence/retention.ts) — it reads and checks
 * the kept snapshots, which must not pause the gateway's loop either.
 */
import type { EngineSpec } from '../engine/config.ts';
import { writeSnapshot } from './snapshot.ts';
import { buildSnapshot } from './recovery.ts';
import { applyRetention } from './retention.ts';
import type { RetentionOptions } from './retention.ts';

export interface SnapshotTask {
  journalDir: string;
  snapshotDir: string;
  spec: EngineSpec;
  upTo: number[];
  retention?: { options: RetentionOptions; archiveDir: string; shipping: boolean };
}

export interface SnapshotResult {
  path: string;
  seqs: number[];
  orders: number;
  ms: number;
  retention?: { snapshotsRemoved: number; segments: number; action: RetentionOptions['journal']; journalStartsAt: number[]; damaged: Array<{ file: string; why: string }> };
}

export default function run(task: SnapshotTask): SnapshotResult {
  const t0 = Date.now();
  const snap = buildSnapshot(task.journalDir, task.spec, task.upTo, task.snapshotDir);
  const path = writeSnapshot(task.snapshotDir, snap);
  const out: SnapshotResult = { path, seqs: snap.seqs, orders: snap.shards.reduce((n, s) => n + s.orders.length, 0), ms: Date.now() - t0 };
  if (task.retention) {
    const damaged: Array<{ file: string; why: string }> = [];
    const r = applyRetention({ journalDir: task.journalDir, snapshotDir: task.snapshotDir, archiveDir: task.retention.archiveDir }, task.spec.shards, task.retention.options, task.retention.shipping, (file, why) => damaged.push({ file, why }));
    out.retention = {
      snapshotsRemoved: r.snapshotsRemoved.length, segments: r.segments.reduce((n, s) => n + s.removed.length, 0), action: r.action,
      journalStartsAt: r.segments.map((s) => s.journalStartsAt), damaged,
    };
  }
  return out;
}

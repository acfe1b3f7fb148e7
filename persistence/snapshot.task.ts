/** piscina task: build a snapshot from the journal (off the hot threads and the gateway) and write it. */
import type { EngineSpec } from '../engine/config.ts';
import { writeSnapshot } from './snapshot.ts';
import { buildSnapshot } from './recovery.ts';

export interface SnapshotTask {
  journalDir: string;
  snapshotDir: string;
  spec: EngineSpec;
  upTo: number[];
}

export default function run(task: SnapshotTask): { path: string; seqs: number[]; orders: number; ms: number } {
  const t0 = Date.now();
  const snap = buildSnapshot(task.journalDir, task.spec, task.upTo, task.snapshotDir);
  const path = writeSnapshot(task.snapshotDir, snap);
  return { path, seqs: snap.seqs, orders: snap.shards.reduce((n, s) => n + s.orders.length, 0), ms: Date.now() - t0 };
}

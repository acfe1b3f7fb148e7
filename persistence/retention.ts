/**
 * Bounded disk: after each snapshot, keep the newest `keepSnapshots` valid snapshots and take the
 * journal segments no kept snapshot needs out of the live data folder — moved to an archive
 * folder (default) or deleted. Cold path (the main thread, after a snapshot is written).
 *
 * A segment goes only when all of these hold:
 * - it is not the shard's newest segment (the one the journal appends to);
 * - its last record is covered by the *oldest* kept valid snapshot — so recovery from any kept
 *   snapshot (the newest may turn out damaged: recovery falls back to an older one) still finds
 *   every record after it;
 * - with Kafka shipping on, its last record was shipped (kafka-shipped.json).
 *
 * A journal that no longer starts at sequence 1 is read from a snapshot only: a full replay
 * refuses to start mid-journal (persistence/journal.ts readJournal), naming the missing start.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { listSegments, segmentFirstSeq, shardDir } from './journal.ts';
import { fsyncDir, parseSnapshotSeqs } from './snapshot.ts';
import { ShippedOffsets } from './shipped-offsets.ts';

export interface RetentionOptions {
  /** Valid snapshots kept, newest first (≥ 1). */
  keepSnapshots: number;
  /** What happens to journal segments no kept snapshot needs. */
  journal: 'archive' | 'delete' | 'keep';
}

export const DEFAULT_RETENTION: RetentionOptions = { keepSnapshots: 3, journal: 'archive' };

export interface RetentionResult {
  /** Snapshot files removed (older than the oldest kept valid one). */
  snapshotsRemoved: string[];
  /** Per shard: segments archived or deleted, and the first sequence the live journal now starts at. */
  segments: Array<{ shard: number; removed: string[]; journalStartsAt: number }>;
  /** The sequences recovery can still start from: the oldest kept snapshot's (null: no valid snapshot, nothing removed). */
  oldestKept: number[] | null;
  action: RetentionOptions['journal'];
}

/** Snapshot files, newest first (by total sequence, as recovery orders them). */
function snapshotFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const total = (f: string): number => f.slice(9, -5).split('-').reduce((s, x) => s + Number(x), 0);
  return readdirSync(dir).filter((f) => /^snapshot-[\d-]+\.json$/.test(f)).sort((a, b) => total(b) - total(a));
}

/**
 * Apply the policy to a data folder's journal and snapshots. `shipping`: Kafka shipping is on
 * (segments must also be shipped). `onSkip` hears about damaged snapshots (kept in place).
 */
export function applyRetention(
  dirs: { journalDir: string; snapshotDir: string; archiveDir: string },
  shards: number,
  opts: RetentionOptions,
  shipping: boolean,
  onSkip?: (file: string, why: string) => void,
): RetentionResult {
  if (!Number.isInteger(opts.keepSnapshots) || opts.keepSnapshots < 1) throw new RangeError('keepSnapshots must be at least 1');
  // The newest `keepSnapshots` valid snapshots; damaged ones stay (recovery skips them, reporting why).
  const kept: Array<{ file: string; seqs: number[] }> = [];
  const older: string[] = [];
  for (const f of snapshotFiles(dirs.snapshotDir)) {
    const path = join(dirs.snapshotDir, f);
    if (kept.length === opts.keepSnapshots) {
      older.push(path);
      continue;
    }
    try {
      const seqs = parseSnapshotSeqs(readFileSync(path));
      if (seqs.length !== shards) throw new Error(`${seqs.length} shards, the engine has ${shards}`);
      kept.push({ file: path, seqs });
    } catch (e) {
      onSkip?.(path, (e as Error).message);
    }
  }
  for (const f of older) rmSync(f, { force: true });
  if (older.length > 0) fsyncDir(dirs.snapshotDir);
  const oldest = kept.length > 0 ? kept[kept.length - 1].seqs : null;
  const shipped = shipping ? new ShippedOffsets(dirs.journalDir, shards) : null;
  const segments: RetentionResult['segments'] = [];
  for (let k = 0; k < shards; k++) {
    const files = listSegments(dirs.journalDir, k);
    const removed: string[] = [];
    if (oldest && opts.journal !== 'keep') {
      for (let i = 0; i + 1 < files.length; i++) {
        const last = segmentFirstSeq(files[i + 1]) - 1;
        if (last > oldest[k] || (shipped && last > shipped.get(k))) break;
        if (opts.journal === 'archive') {
          const into = shardDir(dirs.archiveDir, k);
          mkdirSync(into, { recursive: true, mode: 0o700 });
          renameSync(files[i], join(into, basename(files[i])));
        } else {
          rmSync(files[i]);
        }
        removed.push(files[i]);
      }
      if (removed.length > 0) {
        fsyncDir(shardDir(dirs.journalDir, k));
        if (opts.journal === 'archive') fsyncDir(shardDir(dirs.archiveDir, k));
      }
    }
    const rest = listSegments(dirs.journalDir, k);
    segments.push({ shard: k, removed, journalStartsAt: rest.length > 0 ? segmentFirstSeq(rest[0]) : 0 });
  }
  return { snapshotsRemoved: older, segments, oldestKept: oldest, action: opts.journal };
}

/** Sizes and counts for /metrics (cold: a directory listing and a stat per file). */
export interface DiskUsage {
  journal: Array<{ shard: number; segments: number; bytes: number; startsAt: number }>;
  snapshots: { files: number; bytes: number };
  archive: { segments: number; bytes: number };
}

export function diskUsage(dirs: { journalDir: string; snapshotDir: string; archiveDir: string }, shards: number): DiskUsage {
  const size = (f: string): number => {
    try {
      return statSync(f).size;
    } catch {
      return 0; // removed meanwhile
    }
  };
  const journal = Array.from({ length: shards }, (_, k) => {
    const files = listSegments(dirs.journalDir, k);
    return { shard: k, segments: files.length, bytes: files.reduce((n, f) => n + size(f), 0), startsAt: files.length > 0 ? segmentFirstSeq(files[0]) : 0 };
  });
  const snaps = snapshotFiles(dirs.snapshotDir).map((f) => join(dirs.snapshotDir, f));
  let archived = 0;
  let archiveBytes = 0;
  for (let k = 0; k < shards; k++) {
    for (const f of listSegments(dirs.archiveDir, k)) {
      archived++;
      archiveBytes += size(f);
    }
  }
  return { journal, snapshots: { files: snaps.length, bytes: snaps.reduce((n, f) => n + size(f), 0) }, archive: { segments: archived, bytes: archiveBytes } };
}

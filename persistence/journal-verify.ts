/**
 * Verify journals — every shard at once, one piscina task per shard (cold; off the engine's threads).
 *
 * Each task reads its shard's segments end to end: record framing, CRC32C, shard id, gapless
 * sequence. With the engine's config it also replays the shard's events into an empty book and
 * returns the shard's stateHash(), comparable with a running engine's and the audit consumer's.
 * Nothing is modified: a torn tail is reported (the engine truncates it on its next start), a
 * corrupt record mid-journal is reported with file and byte offset.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { moduleUrl } from '../ring/threads.ts';
import { TaskPool } from './task-pool.ts';
import type { EngineSpec } from '../engine/config.ts';
import { EVT_SLOT_BYTES, EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { JournalCorruptError, listSegments, readJournal, segmentFirstSeq } from './journal.ts';
import type { TornTail } from './journal.ts';
import { replayOnlyShard } from '../engine/matching-shard.ts';

export interface ShardVerifyTask {
  dir: string;
  shard: number;
  spec?: EngineSpec;
  /** Progress messages ({ shard, records, done: false }) every `progressEvery` records. */
  port?: MessagePort;
  progressEvery?: number;
}

export interface ShardVerifyResult {
  shard: number;
  segments: number;
  bytes: number;
  /** Valid records read (up to the damage, if any). */
  records: number;
  lastSeq: number;
  torn: TornTail | null;
  corrupt: { file: string; offset: number; reason: string } | null;
  /** The first sequence on disk: above 1 when retention archived older segments (the journal is checked from there). */
  startsAt: number;
  /**
   * The rebuilt shard's stateHash() (with a spec, and only for a journal without mid-file damage
   * that starts at sequence 1: a trimmed one is rebuilt from a snapshot — `npm run pitr`).
   */
  stateHash: string | null;
  ms: number;
}

export interface VerifyProgress {
  shard: number;
  records: number;
  done: boolean;
}

/** The piscina task body: verify one shard (also callable directly). */
export function verifyShard(task: ShardVerifyTask): ShardVerifyResult {
  const t0 = performance.now();
  const files = listSegments(task.dir, task.shard);
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const startsAt = files.length > 0 ? segmentFirstSeq(files[0]) : 0;
  const book = task.spec && startsAt <= 1 ? replayOnlyShard(task.spec, task.shard) : null;
  const slot = new Int32Array(EVT_SLOT_WORDS);
  const slotBytes = new Uint8Array(slot.buffer);
  const every = task.progressEvery ?? 100_000;
  let records = 0;
  let lastSeq = 0;
  let torn: TornTail | null = null;
  let corrupt: ShardVerifyResult['corrupt'] = null;
  try {
    const r = readJournal(task.dir, task.shard, {
      onRecord: (seq, b, at) => {
        records++;
        lastSeq = seq;
        if (book) {
          slotBytes.set(b.subarray(at, at + EVT_SLOT_BYTES));
          book.replayEvent(slot, 0);
        }
        if (task.port && records % every === 0) task.port.postMessage({ shard: task.shard, records, done: false } satisfies VerifyProgress);
      },
    });
    torn = r.torn;
  } catch (e) {
    if (!(e instanceof JournalCorruptError)) throw e;
    corrupt = { file: e.file, offset: e.offset, reason: e.reason };
  }
  let stateHash: string | null = null;
  if (book && !corrupt) {
    book.validateInternalState();
    stateHash = book.stateHash();
  }
  task.port?.postMessage({ shard: task.shard, records, done: true } satisfies VerifyProgress);
  task.port?.close();
  return { shard: task.shard, segments: files.length, bytes, records, lastSeq, torn, corrupt, startsAt, stateHash, ms: performance.now() - t0 };
}

/** Shards that have a journal directory under `dir` (shard-0, shard-1, …). */
export function journalShards(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((f) => /^shard-(\d+)$/.exec(f)).filter((m) => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b);
}

/**
 * Verify every shard's journal in parallel on a piscina pool (`threads`, default: one per shard
 * up to the machine's cores). `onProgress` sees each shard's record count as it goes.
 */
export async function verifyJournals(
  dir: string,
  opts: { spec?: EngineSpec; shards?: number[]; threads?: number; onProgress?: (p: VerifyProgress) => void; progressEvery?: number } = {},
): Promise<ShardVerifyResult[]> {
  const shards = opts.shards ?? journalShards(dir);
  if (shards.length === 0) return [];
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), shards.length));
  const pool = new TaskPool<ShardVerifyTask, ShardVerifyResult>(moduleUrl('./journal-verify.task.ts', import.meta.url), { minThreads: threads, maxThreads: threads });
  try {
    return await Promise.all(shards.map((shard) => {
      const ch = new MessageChannel();
      ch.port1.on('message', (p: VerifyProgress) => opts.onProgress?.(p));
      // The task closes its end after its last progress message: 'close' means all were delivered.
      const drained = new Promise<void>((r) => ch.port1.once('close', () => r()));
      const task: ShardVerifyTask = { dir, shard, spec: opts.spec, port: ch.port2, progressEvery: opts.progressEvery };
      const run = pool.run(task, { transferList: [ch.port2] });
      return run.then(
        async (result) => { await Promise.race([drained, new Promise((r) => setTimeout(r, 1_000))]); ch.port1.close(); return result; },
        (e: unknown) => { ch.port1.close(); throw e; },
      );
    }));
  } finally {
    await pool.destroy();
  }
}

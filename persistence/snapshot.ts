/**
 * Snapshots: the books and the risk stage as of given journal sequences, built offline from the
 * journal itself (no coordination with the hot threads: a snapshot at (S0, S1, …) is exactly the
 * state after replaying shard k's events up to S_k). Written atomically — temp file, fsync,
 * rename, fsync of the directory — so a crash leaves the old snapshot or the new one, never half.
 * Recovery (persistence/recovery.ts) loads the newest snapshot and replays only the journal tail
 * after it; it also builds snapshots (buildSnapshot). This file is the format and the files. Cold path.
 *
 * File layout (version 2): one header line, then the snapshot as JSON —
 *
 * ```
 *   ringmatch-snapshot 2 crc32c=<8 hex digits> bytes=<n>\n      header (ASCII)
 *   {"version":2,"seqs":[…],"shards":[…],"risk":{…},…}          n bytes, CRC32C over exactly these
 * ```
 *
 * A snapshot whose header, length or checksum does not match (an edited digit, a truncated file,
 * a version-1 file without a checksum) is skipped with the reason reported, and recovery falls
 * back to the previous snapshot or the journal alone — never to unchecked state.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ShardState } from '../engine/matching-shard.ts';
import type { RiskState } from '../engine/risk.ts';
import type { EngineSpec } from '../engine/config.ts';
import { crc32c } from './crc32c.ts';

export const SNAPSHOT_VERSION = 2;
const HEADER = /^ringmatch-snapshot (\d+) crc32c=([0-9a-f]{8}) bytes=(\d+)\n/;

export interface Snapshot {
  version: number;
  /** Journal sequence per shard the snapshot includes. */
  seqs: number[];
  shards: ShardState[];
  risk: RiskState;
  createdAt: string;
}

/** Make a directory's entries durable (after a create, rename or delete in it). */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Write atomically as `<dir>/snapshot-<seq0>-<seq1>….json`; returns the path. */
export function writeSnapshot(dir: string, snap: Snapshot): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = `snapshot-${snap.seqs.map((s) => String(s).padStart(20, '0')).join('-')}.json`;
  const path = join(dir, name);
  const tmp = `${path}.tmp`;
  const body = Buffer.from(JSON.stringify(snap), 'utf8');
  const header = `ringmatch-snapshot ${SNAPSHOT_VERSION} crc32c=${crc32c(body).toString(16).padStart(8, '0')} bytes=${body.length}\n`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, header);
    writeSync(fd, body);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dir);
  return path;
}

/** A snapshot file's body after checking its header, length and CRC32C (throws with the reason). */
function checkedBody(file: Buffer): Buffer {
  const nl = file.indexOf(10);
  const head = HEADER.exec(file.subarray(0, nl < 0 || nl > 200 ? 0 : nl + 1).toString('latin1'));
  if (!head) throw new Error('no ringmatch-snapshot header with a checksum (a version-1 snapshot, or not a snapshot): ignored');
  const body = file.subarray(nl + 1);
  if (Number(head[1]) !== SNAPSHOT_VERSION) throw new Error(`snapshot format version ${head[1]}; this server reads ${SNAPSHOT_VERSION}`);
  if (body.length !== Number(head[3])) throw new Error(`truncated or extended: ${body.length} bytes after the header, ${head[3]} expected`);
  const crc = crc32c(body).toString(16).padStart(8, '0');
  if (crc !== head[2]) throw new Error(`CRC32C mismatch (file says ${head[2]}, content is ${crc}): the file was changed or damaged`);
  return body;
}

/** Check a snapshot file's header, length and CRC32C, then parse it (throws with the reason). */
export function parseSnapshot(file: Buffer): Snapshot {
  return JSON.parse(checkedBody(file).toString('utf8')) as Snapshot;
}

/**
 * A snapshot file's sequences after checking its header, length and CRC32C — without parsing the
 * whole body (retention checks every kept snapshot; JSON of a big book is slow). The body starts
 * `{"version":2,"seqs":[…]` (writeSnapshot's JSON.stringify keeps that order).
 */
export function parseSnapshotSeqs(file: Buffer): number[] {
  const body = checkedBody(file);
  const m = /^\{"version":\d+,"seqs":\[([\d,]*)\]/.exec(body.subarray(0, 4096).toString('latin1'));
  if (!m) throw new Error('no "seqs" at the start of the snapshot');
  return m[1] === '' ? [] : m[1].split(',').map(Number);
}

/** The newest readable snapshot in `dir` (by total sequence), or null. Unreadable ones are reported, then skipped for an older one. */
export function loadLatestSnapshot(dir: string, spec: EngineSpec, onBad?: (file: string, why: string) => void, accept?: (seqs: number[]) => boolean): Snapshot | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((f) => /^snapshot-[\d-]+\.json$/.test(f));
  const total = (f: string): number => f.slice(9, -5).split('-').reduce((s, x) => s + Number(x), 0);
  files.sort((a, b) => total(b) - total(a));
  for (const f of files) {
    // Point-in-time recovery wants the newest snapshot at or before a sequence: skip later ones unread.
    if (accept && !accept(f.slice(9, -5).split('-').map(Number))) continue;
    try {
      const snap = parseSnapshot(readFileSync(join(dir, f)));
      if (snap.version !== SNAPSHOT_VERSION || snap.seqs.length !== spec.shards) throw new Error(`version ${snap.version} / ${snap.seqs.length} shards does not match this engine`);
      return snap;
    } catch (e) {
      onBad?.(join(dir, f), (e as Error).message);
    }
  }
  return null;
}

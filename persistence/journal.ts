/**
 * J — the journal: per shard, append-only segment files of checksummed records, one record per
 * engine event, written with group commit (many records, one write + one fdatasync).
 *
 * ```
 *  record (little-endian), 8-byte aligned
 *  byte  type  field
 *   0    u32   payloadLength   = EVT_SLOT_BYTES (format version 1)
 *   4    u32   crc32c          of bytes [8, 24 + payloadLength)
 *   8    u16   shard
 *  10    u16   eventType
 *  12    u32   formatVersion   1
 *  16    i64   sequence        the shard's event sequence (1, 2, 3 … no gaps)
 *  24    …     payload         the event slot, byte for byte (engine/event-slot.ts)
 * ```
 *
 * Files: `<dir>/shard-<k>/<first sequence, 20 digits>.seg`; a segment is closed (and a new one
 * started) once it reaches `segmentBytes`, so records never span files.
 *
 * Reading verifies every record (length, CRC, sequence continuity). A bad record at the very end
 * of the last segment is a torn write: it is reported, and truncated when `repair` is set. A bad
 * record anywhere else stops the read with JournalCorruptError — never skipped.
 *
 * This module is synchronous by design: it runs on the persistence thread, never on the order path.
 */
import { closeSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { EVT_SEQ, EVT_SLOT_BYTES, EVT_TYPE, EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { getI64 } from '../engine/int64.ts';
import { crc32c } from './crc32c.ts';

export const RECORD_HEADER_BYTES = 24;
export const RECORD_BYTES = RECORD_HEADER_BYTES + EVT_SLOT_BYTES;
export const FORMAT_VERSION = 1;
const PAYLOAD_WORDS = EVT_SLOT_WORDS;

/** The journal could not be written (disk full, I/O error); `code` is the errno name. Retryable. */
export class JournalWriteError extends Error {
  override name = 'JournalWriteError';
  constructor(message: string, readonly code: string, opts?: { cause?: unknown }) {
    super(message, opts);
  }
}

export class JournalCorruptError extends Error {
  override name = 'JournalCorruptError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`journal corrupt at ${file}, byte ${offset}: ${reason}. Recovery stops here rather than skip data: restore the file or the whole journal from a replica/backup.`);
  }
}

export class JournalSequenceError extends Error {
  override name = 'JournalSequenceError';
}

export function shardDir(dir: string, shard: number): string {
  return join(dir, `shard-${shard}`);
}

function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}.seg`;
}

/** Segment files of a shard, oldest first. */
export function listSegments(dir: string, shard: number): string[] {
  const d = shardDir(dir, shard);
  if (!existsSync(d)) return [];
  return readdirSync(d).filter((f) => /^\d{20}\.seg$/.test(f)).sort().map((f) => join(d, f));
}

export interface TornTail {
  file: string;
  offset: number;
  bytes: number;
  reason: string;
}

export interface ReadResult {
  records: number;
  /** Last valid sequence (0 when empty). */
  lastSeq: number;
  /** The torn tail found at the end, if any (truncated when `repair` was set). */
  torn: TornTail | null;
}

/** True when every byte from `off` to the end is zero. */
function zeroFrom(bytes: Uint8Array, off: number): boolean {
  for (let i = off; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** First sequence of a segment file, from its name. */
export function segmentFirstSeq(file: string): number {
  return Number(/(\d{20})\.seg$/.exec(file)?.[1] ?? 0);
}

/** The bytes of `file` from `offset` on (the whole file when 0). */
function readFrom(file: string, offset: number): Buffer {
  if (offset === 0) return readFileSync(file);
  const size = statSync(file).size;
  const buf = Buffer.alloc(Math.max(0, size - offset));
  const fd = openSync(file, 'r');
  try {
    let at = 0;
    while (at < buf.length) {
      const n = readSync(fd, buf, at, buf.length - at, offset + at);
      if (n === 0) break;
      at += n;
    }
    return at === buf.length ? buf : buf.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/**
 * Read a shard's journal in order, verifying every record it reads. `onRecord` gets the record's
 * sequence, the file's bytes and the payload's offset in them (valid only during the call).
 *
 * With `fromSeq` (recovery from a snapshot) it starts there: records are fixed-size and a segment is
 * named by its first sequence, so it skips whole segments and seeks inside the one holding
 * `fromSeq` — the first record read must carry exactly `fromSeq` (else JournalCorruptError). What
 * lies before is not read (nor checked: `journal:verify` checks everything); `records` counts the
 * records read. A 950k-event journal took ~1 s to skip through record by record before this.
 */
export function readJournal(
  dir: string,
  shard: number,
  opts: { repair?: boolean; fromSeq?: number; onRecord?: (seq: number, bytes: Uint8Array, payloadOffset: number) => void } = {},
): ReadResult {
  const files = listSegments(dir, shard);
  const fromSeq = opts.fromSeq ?? 0;
  let lastSeq = 0;
  let records = 0;
  let torn: TornTail | null = null;
  let first = 0;
  let skipRecords = 0;
  // From a given sequence (recovery: 1 without a snapshot) the journal must reach back to it: one
  // trimmed by retention (persistence/retention.ts) is read from a snapshot, never silently from
  // its middle.
  if (fromSeq >= 1 && files.length > 0) {
    while (first + 1 < files.length && segmentFirstSeq(files[first + 1]) <= fromSeq) first++;
    const segFirst = segmentFirstSeq(files[first] ?? '');
    if (segFirst > 0 && segFirst <= fromSeq) {
      skipRecords = fromSeq - segFirst;
      lastSeq = fromSeq - 1;
    } else if (segFirst > fromSeq) {
      throw new JournalCorruptError(files[first], 0, `the journal starts at sequence ${segFirst}, after ${fromSeq}: earlier segments are missing (retention archives segments only behind a kept snapshot — recover from a snapshot at or after ${segFirst - 1}, or put the archived segments back)`);
    }
  }
  for (let f = first; f < files.length; f++) {
    const file = files[f];
    const isLast = f === files.length - 1;
    let base = 0;
    if (f === first && skipRecords > 0) {
      // Seek only when the segment holds every record before fromSeq; a journal that ends earlier
      // (shorter than a snapshot says) is read whole, so lastSeq tells the truth.
      if (Math.floor(statSync(file).size / RECORD_BYTES) >= skipRecords) base = skipRecords * RECORD_BYTES;
      else lastSeq = 0;
    }
    const bytes = readFrom(file, base);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let off = 0;
    while (off < bytes.length) {
      const bad = checkRecord(bytes, view, off, shard);
      if (bad !== null) {
        // Torn write: an *incomplete* record at the end of the newest segment (a crash mid-write).
        // A complete record with a bad checksum is corruption, even the last one: it may be an
        // acknowledged order, so it is never truncated — refuse, with file and offset.
        // A zero-filled tail is the other face of a crash before fdatasync (some file systems
        // extend the file before the data lands): never acknowledged, so a torn write too.
        if (isLast && (bytes.length - off < RECORD_BYTES || zeroFrom(bytes, off))) {
          torn = { file, offset: base + off, bytes: bytes.length - off, reason: bad };
          if (opts.repair) truncateFile(file, base + off);
          break;
        }
        throw new JournalCorruptError(file, base + off, bad);
      }
      const seq = view.getUint32(off + 16, true) + view.getUint32(off + 20, true) * 4294967296;
      if (lastSeq !== 0 && seq !== lastSeq + 1) {
        throw new JournalCorruptError(file, base + off, `sequence ${seq} follows ${lastSeq} (a gap or a duplicate)`);
      }
      lastSeq = seq;
      records++;
      if (opts.onRecord && seq >= fromSeq) opts.onRecord(seq, bytes, off + RECORD_HEADER_BYTES);
      off += RECORD_BYTES;
    }
  }
  return { records, lastSeq, torn };
}

/** null when the record at `off` is sound, else what is wrong with it. */
export function checkRecord(bytes: Uint8Array, view: DataView, off: number, shard: number): string | null {
  if (bytes.length - off < RECORD_BYTES) return `incomplete record (${bytes.length - off} of ${RECORD_BYTES} bytes)`;
  const len = view.getUint32(off, true);
  if (len !== EVT_SLOT_BYTES) return `record length ${len}, expected ${EVT_SLOT_BYTES}`;
  const crc = view.getUint32(off + 4, true);
  if (crc32c(bytes, off + 8, off + RECORD_BYTES) !== crc) return 'CRC32C mismatch';
  if (view.getUint16(off + 8, true) !== shard) return `record of shard ${view.getUint16(off + 8, true)} in shard ${shard}'s journal`;
  if (view.getUint32(off + 12, true) !== FORMAT_VERSION) return `unknown format version ${view.getUint32(off + 12, true)}`;
  return null;
}

function truncateFile(file: string, size: number): void {
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, size);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface JournalWriterOptions {
  /** Start a new segment once the current one reaches this size. Default 256 MiB. */
  segmentBytes?: number;
  /** Records buffered between commits (a full buffer commits early). Default 4,096. */
  bufferRecords?: number;
  /**
   * The durable sequence (its low 32 bits, as the engine's state word holds it) a previous writer
   * of this shard reached in this process — a restarted journal thread: the records up to it were
   * fsynced and checked when written, so only what follows is read at start. 0: read the newest
   * segment whole (a process start).
   */
  durableHint?: number;
}

/**
 * Appends one shard's events. `append` copies an event slot into the group-commit buffer (no
 * allocation); `commit` writes the buffer and fdatasyncs it, and returns the durable sequence.
 * Opening repairs a torn tail left by a crash (reported in `repaired`).
 */
export class JournalWriter {
  private fd = -1;
  private segmentSize = 0;
  private readonly buf: Buffer;
  private readonly words: Int32Array;
  private readonly view: DataView;
  private used = 0;
  private lastSeq: number;
  private durable: number;
  private readonly segmentBytes: number;
  private readonly capacityBytes: number;
  readonly repaired: TornTail | null;
  /** Bytes and fsyncs so far (metrics). */
  bytesWritten = 0;
  syncs = 0;

  constructor(
    private readonly dir: string,
    private readonly shard: number,
    opts: JournalWriterOptions = {},
  ) {
    this.segmentBytes = opts.segmentBytes ?? 256 * 1024 * 1024;
    this.capacityBytes = (opts.bufferRecords ?? 4096) * RECORD_BYTES;
    this.buf = Buffer.alloc(this.capacityBytes);
    this.words = new Int32Array(this.buf.buffer, this.buf.byteOffset, this.capacityBytes / 4);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.capacityBytes);
    mkdirSync(shardDir(dir, shard), { recursive: true, mode: 0o700 });
    // Only the newest segment can hold a torn tail or be appended to: read (and verify) just that.
    // Earlier segments are closed; recovery and journal:verify check them. Reading the whole
    // journal here made every journal-thread start cost ~1 s per million events.
    const existing = listSegments(dir, shard);
    const newest = existing.length > 0 ? segmentFirstSeq(existing[existing.length - 1]) : 0;
    let from = newest;
    const hint = (opts.durableHint ?? 0) >>> 0;
    if (hint > 0 && newest > 0) {
      // The full sequence whose low 32 bits are the hint, at or after the newest segment's start − 1.
      const base = newest - 1;
      const durable = base + ((((hint - base) % 4294967296) + 4294967296) % 4294967296);
      if (durable >= newest) from = durable + 1;
    }
    const r = readJournal(dir, shard, { repair: true, ...(from > 1 ? { fromSeq: from } : {}) });
    this.repaired = r.torn;
    this.lastSeq = r.lastSeq;
    this.durable = r.lastSeq;
    const files = listSegments(dir, shard);
    if (files.length > 0) {
      const last = files[files.length - 1];
      this.fd = openSync(last, 'a');
      this.segmentSize = statSync(last).size;
    }
  }

  /** Sequence of the last appended (not necessarily durable) event. */
  lastSequence(): number {
    return this.lastSeq;
  }

  durableSequence(): number {
    return this.durable;
  }

  pendingRecords(): number {
    return this.used / RECORD_BYTES;
  }

  /** Copy one event slot (Int32 words at `base`) into the buffer. Commits first if it is full. */
  append(words: Int32Array, base: number): void {
    const seq = getI64(words, base + EVT_SEQ);
    if (seq !== this.lastSeq + 1) {
      throw new JournalSequenceError(`shard ${this.shard}: event ${seq} appended after ${this.lastSeq}; the journal takes every event once, in order`);
    }
    if (this.used + RECORD_BYTES > this.capacityBytes) this.commit();
    const off = this.used;
    const v = this.view;
    v.setUint32(off, EVT_SLOT_BYTES, true);
    v.setUint16(off + 8, this.shard, true);
    v.setUint16(off + 10, words[base + EVT_TYPE], true);
    v.setUint32(off + 12, FORMAT_VERSION, true);
    v.setUint32(off + 16, seq % 4294967296, true);
    v.setUint32(off + 20, Math.floor(seq / 4294967296), true);
    const w = (off + RECORD_HEADER_BYTES) >> 2;
    for (let i = 0; i < PAYLOAD_WORDS; i++) this.words[w + i] = words[base + i];
    v.setUint32(off + 4, crc32c(this.buf, off + 8, off + RECORD_BYTES), true);
    this.used += RECORD_BYTES;
    this.lastSeq = seq;
  }

  /**
   * Write and fdatasync everything appended; returns the durable sequence. On an I/O error (disk
   * full, EIO) the segment is cut back to its last durable size — no half-written record stays on
   * disk — and the records stay buffered: the same commit can be tried again (JournalWriteError).
   */
  commit(): number {
    if (this.used === 0) return this.durable;
    try {
      // A failed commit left bytes past the durable size that could not be cut back yet: nothing
      // is appended after them until they are (appending would bury them mid-file).
      if (this.needsTruncate && this.fd >= 0) {
        ftruncateSync(this.fd, this.segmentSize);
        this.needsTruncate = false;
      }
      if (this.fd < 0 || this.segmentSize >= this.segmentBytes) this.rotate(this.firstPendingSeq());
      // A new segment's directory entry must be durable before anything in it counts as durable.
      if (!this.dirSynced) this.syncDir();
      let written = 0;
      while (written < this.used) written += writeSync(this.fd, this.buf, written, this.used - written);
      fdatasyncSync(this.fd);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (this.fd >= 0) {
        try {
          ftruncateSync(this.fd, this.segmentSize);
        } catch {
          this.needsTruncate = true; // tried again before the next write
        }
      }
      throw new JournalWriteError(`shard ${this.shard}: cannot write the journal: ${err.code ?? ''} ${err.message}`, err.code ?? 'EIO', { cause: e });
    }
    this.syncs++;
    this.segmentSize += this.used;
    this.bytesWritten += this.used;
    this.used = 0;
    this.durable = this.lastSeq;
    return this.durable;
  }

  private firstPendingSeq(): number {
    return this.view.getUint32(16, true) + this.view.getUint32(20, true) * 4294967296;
  }

  private rotate(firstSeq: number): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    const d = shardDir(this.dir, this.shard);
    this.dirSynced = false;
    this.fd = openSync(join(d, segmentName(firstSeq)), 'a', 0o600);
    this.segmentSize = 0;
    this.syncDir();
  }

  /** Make the new segment's directory entry durable too. */
  private syncDir(): void {
    const dfd = openSync(shardDir(this.dir, this.shard), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
    this.dirSynced = true;
  }

  private needsTruncate = false;
  private dirSynced = true;

  close(): void {
    this.commit();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

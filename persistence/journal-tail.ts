/**
 * Follows a shard's journal as it grows: returns the complete, verified records after a given
 * sequence, reading only new bytes (pread from a remembered offset) and moving on to the next
 * segment when one is finished. Used by the Kafka shipper. Cold path (its own thread).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { EVT_SLOT_BYTES } from '../engine/event-slot.ts';
import { JournalCorruptError, RECORD_BYTES, RECORD_HEADER_BYTES, checkRecord, listSegments } from './journal.ts';

export interface TailRecord {
  seq: number;
  /** The event slot bytes: a view into a copy of the chunk read (4-byte aligned; not the reader's buffer). */
  payload: Uint8Array;
}

export class JournalTail {
  private file: string | null = null;
  private fd = -1;
  private offset = 0;
  private readonly buf = Buffer.alloc(RECORD_BYTES * 1024);

  constructor(
    private readonly dir: string,
    private readonly shard: number,
    /** Records with a sequence ≤ this are skipped. */
    private afterSeq: number,
  ) {}

  /** Up to `max` new records after the last one returned (fewer, or none, if not written yet). */
  next(max: number): TailRecord[] {
    const out: TailRecord[] = [];
    for (;;) {
      if (!this.file && !this.openFirst()) return out;
      const n = readSync(this.fd, this.buf, 0, Math.min(this.buf.length, max * RECORD_BYTES), this.offset);
      const whole = n - (n % RECORD_BYTES);
      const view = new DataView(this.buf.buffer, this.buf.byteOffset, whole);
      // One copy per chunk (a memcpy), records are views into it: no per-record allocation of bytes.
      let chunk: Uint8Array | null = null;
      for (let off = 0; off < whole && out.length < max; off += RECORD_BYTES) {
        const bad = checkRecord(this.buf, view, off, this.shard);
        if (bad !== null) throw new JournalCorruptError(this.file as string, this.offset + off, bad);
        const seq = view.getUint32(off + 16, true) + view.getUint32(off + 20, true) * 4294967296;
        this.offsetAdvance();
        if (seq <= this.afterSeq) continue;
        if (seq !== this.afterSeq + 1) throw new JournalCorruptError(this.file as string, this.offset - RECORD_BYTES, `sequence ${seq} after ${this.afterSeq}`);
        this.afterSeq = seq;
        chunk ??= new Uint8Array(this.buf.subarray(0, whole));
        out.push({ seq, payload: chunk.subarray(off + RECORD_HEADER_BYTES, off + RECORD_HEADER_BYTES + EVT_SLOT_BYTES) });
      }
      if (out.length >= max) return out;
      if (whole > 0 && n === this.buf.length) continue; // more to read in this file
      // At the end of this file: move on only if a newer segment exists (this one is finished).
      if (!this.advanceSegment()) return out;
    }
  }

  private offsetAdvance(): void {
    this.offset += RECORD_BYTES;
  }

  private openFirst(): boolean {
    const files = listSegments(this.dir, this.shard);
    if (files.length === 0) return false;
    // The newest segment whose first sequence is ≤ afterSeq + 1 (names are first sequences).
    let pick = files[0];
    for (const f of files) if (Number(/(\d{20})\.seg$/.exec(f)?.[1]) <= this.afterSeq + 1) pick = f;
    const first = Number(/(\d{20})\.seg$/.exec(pick)?.[1]);
    if (first > this.afterSeq + 1) {
      throw new JournalCorruptError(pick, 0, `the journal on disk starts at sequence ${first}, but the next one to read is ${this.afterSeq + 1}: the segments before were archived (dataDir/archive) — put them back into the journal folder to ship them`);
    }
    this.open(pick);
    return true;
  }

  private advanceSegment(): boolean {
    const files = listSegments(this.dir, this.shard);
    const i = files.indexOf(this.file as string);
    if (i === files.length - 1) return false;
    if (fstatSync(this.fd).size > this.offset) return false; // not finished reading yet
    if (i < 0) {
      // Retention moved the segment being read (the open descriptor still reads it to its end):
      // go on with the next segment by sequence.
      const first = (f: string): number => Number(/(\d{20})\.seg$/.exec(f)?.[1]);
      const current = first(this.file as string);
      const next = files.find((f) => first(f) > current);
      if (next === undefined) return false;
      this.open(next);
      return true;
    }
    this.open(files[i + 1]);
    return true;
  }

  private open(file: string): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = openSync(file, 'r');
    this.file = file;
    this.offset = 0;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

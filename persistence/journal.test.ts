import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVT_SLOT_BYTES, decodeEvent, EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { crc32c } from './crc32c.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { testSpec } from '../test/fixtures.ts';
import { CommandType, OrderType, Side, TimeInForce } from '../engine/codes.ts';
import { JournalCorruptError, JournalSequenceError, JournalWriter, RECORD_BYTES, listSegments, readJournal } from './journal.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ringmatch-journal-'));
  dirs.push(d);
  return d;
}

/** Real events of shard 0: a stream of crossing orders through risk + matching. */
function shardEvents(n: number): Int32Array[] {
  const eng = new InlineEngine(testSpec({ shards: 1 }));
  const out: Int32Array[] = [];
  eng.onEvent((w, b) => out.push(w.slice(b, b + EVT_SLOT_WORDS)));
  for (let i = 0; out.length < n; i++) {
    eng.submit({ type: CommandType.NEW, symbolId: 0, accountId: 1 + (i % 2), side: i % 2 ? Side.SELL : Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 10000 + (i % 7) - 3, qty: 1 + (i % 5), clientOrderId: `j${i}` });
  }
  return out.slice(0, n);
}

function writeAll(dir: string, events: Int32Array[], opts?: ConstructorParameters<typeof JournalWriter>[2]): JournalWriter {
  const w = new JournalWriter(dir, 0, opts);
  events.forEach((e, i) => {
    w.append(e, 0);
    if (i % 100 === 99) w.commit();
  });
  w.commit();
  return w;
}

describe('journal', () => {
  it('round-trips every event byte for byte, with group commit', () => {
    const dir = tmp();
    const events = shardEvents(2_000);
    const w = writeAll(dir, events);
    expect(w.durableSequence()).toBe(2_000);
    expect(w.syncs).toBe(20);
    w.close();
    const seen: number[] = [];
    const r = readJournal(dir, 0, {
      onRecord: (seq, bytes, at) => {
        seen.push(seq);
        const words = new Int32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + EVT_SLOT_BYTES));
        expect(decodeEvent(words, 0)).toEqual(decodeEvent(events[seq - 1], 0));
      },
    });
    expect(r).toMatchObject({ records: 2_000, lastSeq: 2_000, torn: null });
    expect(seen).toEqual(events.map((_, i) => i + 1));
  });

  it('rotates segments at the configured size and reads across them', () => {
    const dir = tmp();
    writeAll(dir, shardEvents(1_000), { segmentBytes: 100 * RECORD_BYTES }).close();
    const files = listSegments(dir, 0);
    expect(files.length).toBe(10);
    expect(files[1]).toMatch(/0{17}101\.seg$/);
    expect(readJournal(dir, 0)).toMatchObject({ records: 1_000, lastSeq: 1_000 });
  });

  it('detects a torn tail, truncates it when repairing, and a writer resumes after it', () => {
    const dir = tmp();
    const events = shardEvents(500);
    writeAll(dir, events.slice(0, 300)).close();
    const [file] = listSegments(dir, 0);
    truncateSync(file, statSync(file).size - 100); // a crash mid-write of the last record
    expect(readJournal(dir, 0)).toMatchObject({ lastSeq: 299, torn: { offset: 299 * RECORD_BYTES, reason: expect.stringMatching(/incomplete/) } });
    const w = new JournalWriter(dir, 0);
    expect(w.repaired).toMatchObject({ bytes: RECORD_BYTES - 100 });
    expect(w.lastSequence()).toBe(299);
    for (const e of events.slice(299)) w.append(e, 0);
    w.close();
    expect(readJournal(dir, 0)).toMatchObject({ records: 500, lastSeq: 500, torn: null });
  });

  it('a restarted journal thread (durableHint) reads only past its predecessor\'s durable point: later records kept, a torn tail repaired, a damaged record past it refused', () => {
    const dir = tmp();
    const events = shardEvents(400);
    writeAll(dir, events.slice(0, 300)).close();
    // Records 1–250 were durable for the previous writer; 251–300 complete after that; then a torn one.
    const [file] = listSegments(dir, 0);
    writeFileSync(file, Buffer.alloc(40, 7), { flag: 'a' });
    const w = new JournalWriter(dir, 0, { durableHint: 250 });
    expect(w.lastSequence()).toBe(300);
    expect(w.repaired).toMatchObject({ bytes: 40 });
    for (const e of events.slice(300)) w.append(e, 0);
    w.close();
    expect(readJournal(dir, 0)).toMatchObject({ records: 400, lastSeq: 400, torn: null });
    // A damaged record after the durable point is still found (the tail is checked).
    const bytes = readFileSync(file);
    bytes[350 * RECORD_BYTES + 40] ^= 0xff;
    writeFileSync(file, bytes);
    expect(() => new JournalWriter(dir, 0, { durableHint: 300 })).toThrow(JournalCorruptError);
    // Below the durable point it is not read again (that is the point: it was checked when written).
    const ok = readFileSync(file);
    ok[350 * RECORD_BYTES + 40] ^= 0xff; // repaired
    ok[10 * RECORD_BYTES + 40] ^= 0xff; // damage far below the hint
    writeFileSync(file, ok);
    const again = new JournalWriter(dir, 0, { durableHint: 390 });
    expect(again.lastSequence()).toBe(400);
    again.close();
  });

  it('a damaged complete record is corruption wherever it is — even the last one is refused, never truncated', () => {
    const dir = tmp();
    writeAll(dir, shardEvents(300)).close();
    const [file] = listSegments(dir, 0);
    const good = readFileSync(file);
    const lastFlipped = Buffer.from(good);
    lastFlipped[299 * RECORD_BYTES + 100] ^= 0x01;
    writeFileSync(file, lastFlipped);
    // The last record is complete: a bad checksum there may be an acknowledged order, not a torn write.
    expect(() => readJournal(dir, 0, { repair: true })).toThrow(new RegExp(`byte ${299 * RECORD_BYTES}: CRC32C mismatch`));
    expect(() => new JournalWriter(dir, 0)).toThrow(JournalCorruptError);
    expect(statSync(file).size).toBe(good.length);
    const midFlipped = Buffer.from(good);
    midFlipped[150 * RECORD_BYTES + 40] ^= 0x80;
    writeFileSync(file, midFlipped);
    expect(() => readJournal(dir, 0, { repair: true })).toThrow(JournalCorruptError);
    expect(() => readJournal(dir, 0)).toThrow(new RegExp(`byte ${150 * RECORD_BYTES}: CRC32C mismatch`));
    expect(statSync(file).size).toBe(good.length); // nothing was truncated
  });

  it('refuses sequence gaps on append, and finds them on read', () => {
    const dir = tmp();
    const events = shardEvents(20);
    const w = new JournalWriter(dir, 0);
    w.append(events[0], 0);
    expect(() => w.append(events[2], 0)).toThrow(JournalSequenceError);
    w.close();
    // A journal with a gap (written by something else) is corrupt, not silently accepted.
    const dir2 = tmp();
    const w2 = new JournalWriter(dir2, 0);
    for (const e of events.slice(0, 10)) w2.append(e, 0);
    w2.close();
    const [file] = listSegments(dir2, 0);
    const b = readFileSync(file);
    // Rewrite record 6's sequence to 7 and fix its CRC, so only continuity is wrong.
    const forged = Buffer.from(b);
    forged.writeUInt32LE(7, 5 * RECORD_BYTES + 16);
    forged.writeUInt32LE(crc32c(forged, 5 * RECORD_BYTES + 8, 6 * RECORD_BYTES), 5 * RECORD_BYTES + 4);
    writeFileSync(file, forged);
    expect(() => readJournal(dir2, 0)).toThrow(/sequence 7 follows 5/);
  });

  it('fromSeq seeks to the record (whole segments skipped, the first read must be fromSeq) and reads the same tail as a full read', () => {
    const dir = tmp();
    const events = shardEvents(1_000);
    writeAll(dir, events, { segmentBytes: 100 * RECORD_BYTES }).close();
    expect(listSegments(dir, 0).length).toBe(10);
    const tail = (fromSeq: number): number[] => {
      const seqs: number[] = [];
      readJournal(dir, 0, { fromSeq, onRecord: (seq) => seqs.push(seq) });
      return seqs;
    };
    for (const from of [1, 2, 100, 101, 102, 555, 1_000]) expect(tail(from)).toEqual(Array.from({ length: 1_001 - from }, (_, i) => from + i));
    expect(tail(1_001)).toEqual([]);
    expect(readJournal(dir, 0, { fromSeq: 1_001 }).lastSeq).toBe(1_000);
    // A flipped byte before fromSeq is not read (journal:verify reads everything); after it, it is.
    const seg = listSegments(dir, 0)[5]; // seqs 501..600
    const bytes = readFileSync(seg);
    bytes[10 * RECORD_BYTES + 40] ^= 0xff; // seq 511
    writeFileSync(seg, bytes);
    expect(tail(512).length).toBe(489);
    expect(() => tail(505)).toThrow(JournalCorruptError);
    // Missing earlier segments are a gap, not a journal that starts later.
    const gap = tmp();
    writeAll(gap, events.slice(0, 300), { segmentBytes: 100 * RECORD_BYTES }).close();
    rmSync(listSegments(gap, 0)[0]);
    expect(() => readJournal(gap, 0, { fromSeq: 50, onRecord: () => undefined })).toThrow(/earlier segments are missing/);
    // A zero-filled tail (a crash before fdatasync on some file systems) is torn, not corruption.
    const zeros = tmp();
    writeAll(zeros, events.slice(0, 10)).close();
    const [zf] = listSegments(zeros, 0);
    writeFileSync(zf, Buffer.concat([readFileSync(zf), Buffer.alloc(3 * RECORD_BYTES)]));
    expect(readJournal(zeros, 0)).toMatchObject({ lastSeq: 10, torn: { offset: 10 * RECORD_BYTES } });
    // A journal shorter than fromSeq says is read to its real end (lastSeq does not lie).
    const short = tmp();
    writeAll(short, events.slice(0, 50)).close();
    expect(readJournal(short, 0, { fromSeq: 80 })).toMatchObject({ lastSeq: 50, records: 50 });
  });
});

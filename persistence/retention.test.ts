import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineEngine } from '../engine/inline-engine.ts';
import { testSpec } from '../test/fixtures.ts';
import { richStream } from '../test/streams.ts';
import { JournalCorruptError, JournalWriter, RECORD_BYTES, listSegments, readJournal, segmentFirstSeq } from './journal.ts';
import { writeSnapshot } from './snapshot.ts';
import { Recovery, buildSnapshot } from './recovery.ts';
import { ShippedOffsets } from './shipped-offsets.ts';
import { applyRetention, diskUsage } from './retention.ts';
import { verifyShard } from './journal-verify.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * A journal of a rich stream in small segments (20 records each), with a snapshot after every
 * quarter; returns the live engine to compare with.
 */
function journaledWithSnapshots(n: number, seed: number): { root: string; dirs: { journalDir: string; snapshotDir: string; archiveDir: string }; spec: ReturnType<typeof testSpec>; live: InlineEngine; snaps: number[][]; last: number[] } {
  const root = mkdtempSync(join(tmpdir(), 'rm-retention-'));
  dirs.push(root);
  const d = { journalDir: join(root, 'journal'), snapshotDir: join(root, 'snapshots'), archiveDir: join(root, 'archive') };
  const spec = testSpec();
  const live = new InlineEngine(spec);
  const writers = Array.from({ length: spec.shards }, (_, k) => new JournalWriter(d.journalDir, k, { segmentBytes: 20 * RECORD_BYTES }));
  live.onEvent((w, b, k) => writers[k].append(w, b));
  const cmds = richStream(n, seed);
  const snaps: number[][] = [];
  for (let q = 0; q < 4; q++) {
    cmds.slice((q * n) / 4, ((q + 1) * n) / 4).forEach((c, i) => {
      live.submit(c);
      // Group commits as the journal thread makes them: a segment is closed at a commit.
      if (i % 25 === 24) writers.forEach((w) => w.commit());
    });
    writers.forEach((w) => w.commit());
    const seqs = writers.map((w) => w.lastSequence());
    writeSnapshot(d.snapshotDir, buildSnapshot(d.journalDir, spec, seqs));
    snaps.push(seqs);
  }
  const tail = richStream(400, seed + 1);
  tail.forEach((c) => live.submit(c));
  writers.forEach((w) => w.close());
  return { root, dirs: d, spec, live, snaps, last: writers.map((w) => w.lastSequence()) };
}

function expectLiveState(r: Recovery, spec: ReturnType<typeof testSpec>, live: InlineEngine): void {
  const { shards, risk } = r.restore(spec);
  shards.forEach((s, k) => expect(s.stateHash()).toBe(live.shards[k].stateHash()));
  expect(risk.stateHash()).toBe(live.risk.stateHash());
}

describe('retention (persistence/retention.ts)', () => {
  it('keeps the newest N snapshots and archives only segments behind the oldest kept one; recovery after it equals before', () => {
    const t = journaledWithSnapshots(4_000, 31);
    const before = t.dirs.journalDir;
    const segmentsBefore = [0, 1].map((k) => listSegments(before, k).length);
    expect(Math.min(...segmentsBefore)).toBeGreaterThan(10);
    const r = applyRetention(t.dirs, t.spec.shards, { keepSnapshots: 2, journal: 'archive' }, false);
    // Snapshots: the two newest stay, the two older ones go.
    expect(r.snapshotsRemoved).toHaveLength(2);
    expect(readdirSync(t.dirs.snapshotDir)).toHaveLength(2);
    expect(r.oldestKept).toEqual(t.snaps[2]);
    for (const s of r.segments) {
      expect(s.removed.length).toBeGreaterThan(0);
      // Whatever stays starts at or before the oldest kept snapshot's next record.
      expect(s.journalStartsAt).toBeLessThanOrEqual(t.snaps[2][s.shard] + 1);
      // Every removed segment ends at or before it; the first kept one does not.
      const archived = listSegments(t.dirs.archiveDir, s.shard);
      expect(archived).toHaveLength(s.removed.length);
      expect(s.journalStartsAt - 1).toBeLessThanOrEqual(t.snaps[2][s.shard]);
      expect(segmentFirstSeq(archived[archived.length - 1])).toBeLessThan(s.journalStartsAt);
    }
    // Recovery from the newest snapshot, and from the oldest kept one (the newest damaged), = live.
    expectLiveState(Recovery.open(t.dirs.journalDir, t.spec, t.dirs.snapshotDir), t.spec, t.live);
    const newest = readdirSync(t.dirs.snapshotDir).sort().pop()!;
    const f = join(t.dirs.snapshotDir, newest);
    writeFileSync(f, readFileSync(f, 'utf8').replace('"version":2', '"version":3'));
    const fallback = Recovery.open(t.dirs.journalDir, t.spec, t.dirs.snapshotDir, { onBadSnapshot: () => undefined });
    expect(fallback.snapshot?.seqs).toEqual(t.snaps[2]);
    expectLiveState(fallback, t.spec, t.live);
    // The usage for /metrics.
    const u = diskUsage(t.dirs, t.spec.shards);
    expect(u.snapshots.files).toBe(2);
    expect(u.archive.segments).toBe(r.segments.reduce((n, s) => n + s.removed.length, 0));
    expect(u.journal.map((j) => j.startsAt)).toEqual(r.segments.map((s) => s.journalStartsAt));
  });

  it('a journal trimmed by retention is never replayed from its middle: without a snapshot recovery refuses, naming why', () => {
    const t = journaledWithSnapshots(2_000, 32);
    applyRetention(t.dirs, t.spec.shards, { keepSnapshots: 1, journal: 'delete' }, false);
    expect(existsSync(t.dirs.archiveDir)).toBe(false);
    rmSync(t.dirs.snapshotDir, { recursive: true });
    const r = Recovery.open(t.dirs.journalDir, t.spec, t.dirs.snapshotDir);
    expect(() => r.restore(t.spec)).toThrow(JournalCorruptError);
    expect(() => r.restore(t.spec)).toThrow(/starts at sequence \d+, after 1: earlier segments are missing/);
    // journal:verify checks what is there and says where it starts, without a state hash.
    const v = verifyShard({ dir: t.dirs.journalDir, shard: 0, spec: t.spec });
    expect(v.corrupt).toBeNull();
    expect(v.startsAt).toBeGreaterThan(1);
    expect(v.stateHash).toBeNull();
    expect(v.lastSeq).toBe(t.last[0]);
  });

  it('with Kafka shipping on, a segment also has to be shipped before it goes', () => {
    const t = journaledWithSnapshots(2_000, 33);
    // Shipped up to the first snapshot only: retention stops there, whatever the snapshots allow.
    new ShippedOffsets(t.dirs.journalDir, t.spec.shards).set(0, t.snaps[0][0]);
    const r = applyRetention(t.dirs, t.spec.shards, { keepSnapshots: 1, journal: 'archive' }, true);
    for (const s of r.segments) {
      const archived = listSegments(t.dirs.archiveDir, s.shard);
      const lastArchived = archived.length === 0 ? 0 : s.journalStartsAt - 1;
      // Shard 1 shipped nothing: nothing of it goes; shard 0 not past what was shipped.
      if (s.shard === 1) expect(s.removed).toEqual([]);
      else expect(lastArchived).toBeLessThanOrEqual(t.snaps[0][0]);
    }
    // Everything after the shipped offset is still readable for the shipper.
    expect(readJournal(t.dirs.journalDir, 0, { fromSeq: t.snaps[0][0] + 1 }).lastSeq).toBe(t.last[0]);
  });

  it('"keep" leaves the journal whole; damaged snapshots are left in place and reported', () => {
    const t = journaledWithSnapshots(1_000, 34);
    writeFileSync(join(t.dirs.snapshotDir, 'snapshot-99999999999999999999-99999999999999999999.json'), '{"torn');
    const bad: string[] = [];
    const r = applyRetention(t.dirs, t.spec.shards, { keepSnapshots: 1, journal: 'keep' }, false, (f) => bad.push(f));
    expect(bad).toHaveLength(1);
    expect(existsSync(bad[0])).toBe(true);
    expect(r.segments.every((s) => s.removed.length === 0 && s.journalStartsAt === 1)).toBe(true);
    expect(r.snapshotsRemoved).toHaveLength(3);
  });
});

describe('the Kafka reader and retention', () => {
  it('a journal tail positioned on a segment that retention moves away goes on with the next one', async () => {
    const { JournalTail } = await import('./journal-tail.ts');
    const root = mkdtempSync(join(tmpdir(), 'rm-tail-'));
    dirs.push(root);
    const spec = testSpec();
    const live = new InlineEngine(spec);
    const w = new JournalWriter(join(root, 'journal'), 0, { segmentBytes: 10 * RECORD_BYTES });
    live.onEvent((words, b, k) => { if (k === 0) w.append(words, b); });
    const cmds = richStream(400, 35);
    let i = 0;
    const feed = (n: number): void => {
      for (const end = i + n; i < end; i++) {
        live.submit(cmds[i]);
        w.commit();
      }
    };
    feed(20);
    // Fill the newest segment up to its limit (the writer starts the next one at the next commit).
    const newest = (): string => listSegments(join(root, 'journal'), 0).at(-1)!;
    while (statSync(newest()).size < 10 * RECORD_BYTES) feed(1);
    const tail = new JournalTail(join(root, 'journal'), 0, 0);
    let seen = 0;
    const drain = (): void => {
      for (let r = tail.next(1_000); r.length > 0; r = tail.next(1_000)) {
        for (const rec of r) expect(rec.seq).toBe(++seen);
      }
    };
    drain(); // the tail now sits at the end of that full segment
    const full = newest();
    feed(50); // the next segments
    expect(newest()).not.toBe(full);
    // Retention moves what was shipped, the segment the tail sits on included.
    const archive = join(root, 'archive', 'shard-0');
    mkdirSync(archive, { recursive: true });
    for (const f of listSegments(join(root, 'journal'), 0)) {
      if (f === full) break;
      renameSync(f, join(archive, f.split('/').pop()!));
    }
    renameSync(full, join(archive, full.split('/').pop()!));
    drain();
    expect(seen).toBe(w.lastSequence());
    w.close();
  });
});

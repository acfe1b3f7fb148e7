import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineEngine } from '../engine/inline-engine.ts';
import { EVT_TS } from '../engine/event-slot.ts';
import { testConfig, testSpec } from '../test/fixtures.ts';
import { richStream } from '../test/streams.ts';
import { JournalWriter, RECORD_BYTES } from './journal.ts';
import { writeSnapshot } from './snapshot.ts';
import { buildSnapshot } from './recovery.ts';
import { checkJournalLayout } from './journal-layout.ts';
import { applyRetention } from './retention.ts';
import { rebuildAt, sequencesAt } from './pitr.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A data folder (journal in small segments, a snapshot at each third) and the live state hashes at three points between snapshots. */
function incident(): { dataDir: string; spec: ReturnType<typeof testSpec>; points: Array<{ seqs: number[]; hashes: string[]; riskHash: string; lastTs: number[] }>; snaps: number[][] } {
  const dataDir = mkdtempSync(join(tmpdir(), 'rm-pitr-'));
  dirs.push(dataDir);
  const journalDir = join(dataDir, 'journal');
  const spec = testSpec();
  mkdirSync(journalDir, { recursive: true });
  checkJournalLayout(journalDir, spec);
  const live = new InlineEngine(spec);
  const writers = Array.from({ length: spec.shards }, (_, k) => new JournalWriter(journalDir, k, { segmentBytes: 30 * RECORD_BYTES }));
  const lastTs = [0, 0];
  // Event times as the shards would stamp them: 1 ms apart, in the order they happen (the inline
  // engine has no clock of its own). The journal is what `--time` reads.
  let clock = Date.parse('2026-11-30T07:00:00Z') * 1000;
  live.onEvent((w, b, k) => {
    clock += 1000;
    w[b + EVT_TS] = clock % 2 ** 32;
    w[b + EVT_TS + 1] = Math.floor(clock / 2 ** 32);
    writers[k].append(w, b);
    lastTs[k] = clock;
  });
  const cmds = richStream(3_000, 41);
  const points: Array<{ seqs: number[]; hashes: string[]; riskHash: string; lastTs: number[] }> = [];
  const snaps: number[][] = [];
  cmds.forEach((c, i) => {
    live.submit(c);
    if (i % 20 === 19) writers.forEach((w) => w.commit());
    if (i % 1_000 === 499) {
      writers.forEach((w) => w.commit());
      points.push({ seqs: writers.map((w) => w.lastSequence()), hashes: live.shards.map((s) => s.stateHash()), riskHash: live.risk.stateHash(), lastTs: [...lastTs] });
    }
    if (i % 1_000 === 999) {
      writers.forEach((w) => w.commit());
      const seqs = writers.map((w) => w.lastSequence());
      writeSnapshot(join(dataDir, 'snapshots'), buildSnapshot(journalDir, spec, seqs));
      snaps.push(seqs);
    }
  });
  writers.forEach((w) => w.close());
  return { dataDir, spec, points, snaps };
}

describe('point-in-time recovery (persistence/pitr.ts)', () => {
  it('rebuilds the exact live state at sequences between snapshots, from the snapshot before them', () => {
    const t = incident();
    const journalDir = join(t.dataDir, 'journal');
    t.points.forEach((p, i) => {
      const s = rebuildAt(journalDir, join(t.dataDir, 'snapshots'), t.spec, p.seqs);
      expect(s.seqs).toEqual(p.seqs);
      expect(s.shards.map((x) => x.stateHash)).toEqual(p.hashes);
      expect(s.riskHash).toBe(p.riskHash);
      // The point between snapshot i−1 and i starts from snapshot i−1 (the newest at or before it).
      expect(s.fromSnapshot).toEqual(i === 0 ? null : t.snaps[i - 1]);
      expect(s.books.map((b) => b.symbol)).toEqual(['AAA', 'BBB']);
    });
  });

  it('by time: each shard at its last event at or before it — exactly the live state at that moment', () => {
    const t = incident();
    const journalDir = join(t.dataDir, 'journal');
    for (const p of t.points) {
      // The moment of the point: the later of the two shards' last events (ms); every event after it is later.
      const at = Math.max(...p.lastTs) / 1000;
      const { seqs } = sequencesAt(journalDir, t.spec.shards, at);
      expect(seqs).toEqual(p.seqs);
      const s = rebuildAt(journalDir, join(t.dataDir, 'snapshots'), t.spec, seqs);
      expect(s.shards.map((x) => x.stateHash)).toEqual(p.hashes);
      expect(s.riskHash).toBe(p.riskHash);
      // One millisecond earlier: the last event before the point is excluded.
      expect(sequencesAt(journalDir, t.spec.shards, at - 1).seqs.reduce((a, b) => a + b, 0)).toBe(p.seqs.reduce((a, b) => a + b, 0) - 1);
    }
  });

  it('after retention: points behind the oldest kept snapshot are refused with the reason; later ones still rebuild', () => {
    const t = incident();
    const dirsOf = { journalDir: join(t.dataDir, 'journal'), snapshotDir: join(t.dataDir, 'snapshots'), archiveDir: join(t.dataDir, 'archive') };
    applyRetention(dirsOf, t.spec.shards, { keepSnapshots: 2, journal: 'archive' }, false);
    expect(() => rebuildAt(dirsOf.journalDir, dirsOf.snapshotDir, t.spec, t.points[0].seqs)).toThrow(/earlier segments are missing/);
    const last = t.points[t.points.length - 1];
    expect(rebuildAt(dirsOf.journalDir, dirsOf.snapshotDir, t.spec, last.seqs).shards.map((x) => x.stateHash)).toEqual(last.hashes);
  });

  it('the CLI: JSON on stdout, read-only, clear usage errors', () => {
    const t = incident();
    const cfg = join(t.dataDir, 'config.json');
    writeFileSync(cfg, JSON.stringify(testConfig()));
    const cli = new URL('./pitr-cli.ts', import.meta.url).pathname;
    const p = t.points[2];
    const out = execFileSync(process.execPath, ['--import', 'tsx', cli, '--data-dir', t.dataDir, '--config', cfg, '--seq', `0:${p.seqs[0]},1:${p.seqs[1]}`, '--depth', '3'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const s = JSON.parse(out) as { seqs: number[]; shards: Array<{ stateHash: string }>; books: Array<{ bids: string[][] }> };
    expect(s.seqs).toEqual(p.seqs);
    expect(s.shards.map((x) => x.stateHash)).toEqual(p.hashes);
    expect(s.books.every((b) => b.bids.length <= 3)).toBe(true);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', cli, '--data-dir', t.dataDir, '--config', cfg, '--seq', '5'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/2 shards: give a sequence per shard, e\.g\. --seq 0:1000,1:1000/);
    const beyond = spawnSync(process.execPath, ['--import', 'tsx', cli, '--data-dir', t.dataDir, '--config', cfg, '--seq', '0:99999999,1:1'], { encoding: 'utf8' });
    expect(beyond.status).toBe(1);
    expect(beyond.stderr).toMatch(/the journal ends before the asked point \(shard 0/);
  });
});

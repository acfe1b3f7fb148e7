import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineEngine } from '../engine/inline-engine.ts';
import { testSpec } from '../test/fixtures.ts';
import { richStream } from '../test/streams.ts';
import { JournalWriter } from './journal.ts';
import { loadLatestSnapshot, parseSnapshot, writeSnapshot } from './snapshot.ts';
import { Recovery, buildSnapshot } from './recovery.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * A journal of `n` commands of a rich stream (risk + matching inline, one journal per shard) in a
 * fresh directory; `mid` is each shard's last sequence after the first half.
 */
function journaled(n: number, seed: number, prefix: string): { dir: string; spec: ReturnType<typeof testSpec>; live: InlineEngine; writers: JournalWriter[]; mid: number[] } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  const spec = testSpec();
  const live = new InlineEngine(spec);
  const writers = spec.symbols.map((_, k) => new JournalWriter(join(dir, 'journal'), k));
  live.onEvent((w, b, k) => writers[k].append(w, b));
  const cmds = richStream(n, seed);
  cmds.slice(0, n / 2).forEach((c) => live.submit(c));
  writers.forEach((w) => w.commit());
  const mid = writers.map((w) => w.lastSequence());
  cmds.slice(n / 2).forEach((c) => live.submit(c));
  writers.forEach((w) => w.close());
  return { dir, spec, live, writers, mid };
}

describe('snapshots', () => {
  it('snapshot at mid-journal + replay of the tail = the live engine, and the write is atomic', () => {
    const { dir, spec, live, writers, mid } = journaled(4_000, 12, 'ringmatch-snap-');

    const path = writeSnapshot(join(dir, 'snapshots'), buildSnapshot(join(dir, 'journal'), spec, mid));
    expect(readdirSync(join(dir, 'snapshots'))).toEqual([path.split('/').pop()]); // no temp file left
    writeFileSync(join(dir, 'snapshots', 'snapshot-99999999999999999999-99999999999999999999.json'), '{"torn'); // a newer, broken one
    const bad: string[] = [];
    const snap = loadLatestSnapshot(join(dir, 'snapshots'), spec, (f) => bad.push(f));
    expect(bad).toHaveLength(1);
    expect(snap?.seqs).toEqual(mid);

    const recovery = Recovery.open(join(dir, 'journal'), spec, join(dir, 'snapshots'));
    expect(recovery.snapshot?.seqs).toEqual(mid);
    const { shards, risk, seqs: last } = recovery.restore(spec);
    expect(last).toEqual(writers.map((w) => w.lastSequence()));
    shards.forEach((s, k) => {
      s.validateInternalState();
      expect(s.stateHash()).toBe(live.shards[k].stateHash());
    });
    risk.validateInternalState();
    expect(risk.stateHash()).toBe(live.risk.stateHash());
    expect(risk.clientIds()).toEqual(live.risk.clientIds());
  });

  it('is checksummed: an edited digit, a truncated file or a version-1 file is skipped with its reason, for an older snapshot', () => {
    const { dir, spec, writers, mid: older } = journaled(2_000, 5, 'ringmatch-snapsum-');
    const snaps = join(dir, 'snapshots');
    writeSnapshot(snaps, buildSnapshot(join(dir, 'journal'), spec, older));
    const newest = writeSnapshot(snaps, buildSnapshot(join(dir, 'journal'), spec));
    const good = readFileSync(newest);
    expect(parseSnapshot(good).seqs).toEqual(writers.map((w) => w.lastSequence()));

    const reasons: string[] = [];
    const load = (): number[] | undefined => loadLatestSnapshot(snaps, spec, (_f, why) => reasons.push(why))?.seqs;
    // One digit changed inside the body (a price or quantity): the checksum catches it.
    const text = good.toString('latin1');
    const at = text.indexOf('"orders":[[') + 12;
    const edited = Buffer.from(text.slice(0, at) + (text[at] === '9' ? '8' : '9') + text.slice(at + 1), 'latin1');
    writeFileSync(newest, edited);
    expect(load()).toEqual(older);
    expect(reasons.pop()).toMatch(/CRC32C mismatch/);
    writeFileSync(newest, good.subarray(0, good.length - 10));
    expect(load()).toEqual(older);
    expect(reasons.pop()).toMatch(/truncated/);
    writeFileSync(newest, good.subarray(good.indexOf(10) + 1)); // the body alone, as version 1 wrote it
    expect(load()).toEqual(older);
    expect(reasons.pop()).toMatch(/no ringmatch-snapshot header/);
    writeFileSync(newest, good);
    expect(load()).toEqual(writers.map((w) => w.lastSequence()));
  });
});

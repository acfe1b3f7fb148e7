import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineEngine } from '../engine/inline-engine.ts';
import { testSpec } from '../test/fixtures.ts';
import { richStream } from '../test/streams.ts';
import { JournalWriter } from './journal.ts';
import { buildSnapshot, emptyState, loadLatestSnapshot, replayInto, writeSnapshot } from './snapshot.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('snapshots', () => {
  it('snapshot at mid-journal + replay of the tail = the live engine, and the write is atomic', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringmatch-snap-'));
    dirs.push(dir);
    const spec = testSpec();
    const live = new InlineEngine(spec);
    const writers = spec.symbols.map((_, k) => new JournalWriter(join(dir, 'journal'), k));
    live.onEvent((w, b, k) => writers[k].append(w, b));
    const cmds = richStream(4_000, 12);
    cmds.slice(0, 2_000).forEach((c) => live.submit(c));
    writers.forEach((w) => w.commit());
    const mid = writers.map((w) => w.lastSequence());
    cmds.slice(2_000).forEach((c) => live.submit(c));
    writers.forEach((w) => w.close());

    const path = writeSnapshot(join(dir, 'snapshots'), buildSnapshot(join(dir, 'journal'), spec, mid));
    expect(readdirSync(join(dir, 'snapshots'))).toEqual([path.split('/').pop()]); // no temp file left
    writeFileSync(join(dir, 'snapshots', 'snapshot-99999999999999999999-99999999999999999999.json'), '{"torn'); // a newer, broken one
    const bad: string[] = [];
    const snap = loadLatestSnapshot(join(dir, 'snapshots'), spec, (f) => bad.push(f));
    expect(bad).toHaveLength(1);
    expect(snap?.seqs).toEqual(mid);

    const { shards, risk } = emptyState(spec);
    snap!.shards.forEach((st, k) => shards[k].importState(st));
    risk.importState(snap!.risk);
    const last = replayInto(join(dir, 'journal'), shards, risk, snap!.seqs);
    expect(last).toEqual(writers.map((w) => w.lastSequence()));
    shards.forEach((s, k) => {
      s.validateInternalState();
      expect(s.stateHash()).toBe(live.shards[k].stateHash());
    });
    risk.validateInternalState();
    expect(risk.stateHash()).toBe(live.risk.stateHash());
    expect(risk.clientIds()).toEqual(live.risk.clientIds());
  });
});

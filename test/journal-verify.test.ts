/**
 * Parallel journal verification (piscina, one task per shard) and its CLI: intact journals give
 * the running engine's shard state hashes; a flipped byte mid-journal is reported with file and
 * offset for that shard only; a torn tail is reported as repairable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, shardAgent } from '../engine/engine.ts';
import { listSegments } from '../persistence/journal.ts';
import { verifyJournals } from '../persistence/journal-verify.ts';
import type { VerifyProgress } from '../persistence/journal-verify.ts';
import { EventCollector, submitAndSettle } from './engine-events.ts';
import { testConfig, testSpec } from './fixtures.ts';
import { richStream } from './streams.ts';
import { journalAt } from '../persistence/durability.ts';

const CLI = new URL('../persistence/journal-cli.ts', import.meta.url).pathname;
let root: string;
let dir: string;
let hashes: string[];
let counts: number[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ringmatch-verify-'));
  dir = join(root, 'journal');
  const spec = testSpec();
  const engine = await Engine.start(spec, { journal: journalAt(dir, 64 * 1024) });
  const events = new EventCollector(engine);
  await submitAndSettle(engine, events, richStream(4_000, 5), 1_700_000_000_000_000);
  hashes = await Promise.all([0, 1].map((k) => engine.query<string>(shardAgent(k), { what: 'stateHash' })));
  counts = events.perShard.map((e) => e.length);
  await engine.stop();
  writeFileSync(join(root, 'config.json'), JSON.stringify(testConfig()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('journal verification on piscina', () => {
  it('verifies every shard in parallel, with progress, and rebuilds the engine\'s state hashes', async () => {
    const progress: VerifyProgress[] = [];
    const results = await verifyJournals(dir, { spec: testSpec(), onProgress: (p) => progress.push(p), progressEvery: 500 });
    expect(results.map((r) => [r.shard, r.records, r.lastSeq, r.corrupt, r.torn, r.stateHash])).toEqual([
      [0, counts[0], counts[0], null, null, hashes[0]],
      [1, counts[1], counts[1], null, null, hashes[1]],
    ]);
    expect(results.every((r) => r.segments > 1)).toBe(true); // rotation happened: several segment files
    for (const k of [0, 1]) {
      const mine = progress.filter((p) => p.shard === k);
      expect(mine.filter((p) => !p.done).length).toBe(Math.floor(counts[k] / 500));
      expect(mine.at(-1)).toEqual({ shard: k, records: counts[k], done: true });
    }
    const r = cli('--journal', dir, '--config', join(root, 'config.json'));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^OK: 2 shard\(s\)/m);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { stateHash: string }).stateHash)).toEqual(hashes);
  });

  it('reports a flipped byte mid-journal for that shard only, and a torn tail as repairable', async () => {
    const seg = listSegments(dir, 1)[0];
    const bytes = readFileSync(seg);
    bytes[1_000] ^= 0x40;
    writeFileSync(seg, bytes);
    appendFileSync(listSegments(dir, 0).at(-1)!, Buffer.from('half a record'));
    const results = await verifyJournals(dir, { spec: testSpec(), threads: 2 });
    expect(results[0]).toMatchObject({ shard: 0, records: counts[0], corrupt: null, stateHash: hashes[0] });
    expect(results[0].torn).toMatchObject({ bytes: 13 });
    expect(results[1]).toMatchObject({ shard: 1, stateHash: null, corrupt: { file: seg } });
    expect(results[1].corrupt!.offset).toBeLessThanOrEqual(1_000);
    expect(results[1].records).toBeLessThan(counts[1]);
    const r = cli('--journal', dir, '--config', join(root, 'config.json'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/CORRUPT/);
    expect(r.stderr).toContain(seg);
    expect(r.stderr).toMatch(/torn tail/);
    expect(cli('--journal', join(root, 'nothing-here')).status).toBe(2);
  });
});

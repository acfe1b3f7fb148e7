/** Threaded engines and journal directories that clean up after each test, and state-hash helpers (cold). */
import { afterEach, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, RISK_AGENT, shardAgent } from '../engine/engine.ts';
import type { EngineSpec } from '../engine/config.ts';
import { readJournal } from '../persistence/journal.ts';
import { journalAt } from '../persistence/durability.ts';

/** Call at module top level: engines tracked here are stopped, directories removed, after each test. */
export function engineScope(): { engines: Engine[]; tempDir(prefix: string): string } {
  const engines: Engine[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.stop()));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    engines,
    tempDir(prefix) {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
  };
}

/** The risk stage's and every shard's stateHash(), in that order. */
export async function stateHashes(engine: Engine, shards: number): Promise<string[]> {
  const out = [await engine.query<string>(RISK_AGENT, { what: 'stateHash' })];
  for (let k = 0; k < shards; k++) out.push(await engine.query<string>(shardAgent(k), { what: 'stateHash' }));
  return out;
}

/**
 * Stop `engine`, check that each shard's journal holds exactly `counts[k]` events (readJournal
 * verifies CRCs and refuses any gap or duplicate), start a fresh engine recovered from it and return
 * its state hashes. The new engine is tracked in `engines`.
 */
export async function stopAndRebuild(engines: Engine[], engine: Engine, dir: string, spec: EngineSpec, counts: number[]): Promise<string[]> {
  const i = engines.indexOf(engine);
  if (i >= 0) engines.splice(i, 1);
  await engine.stop();
  counts.forEach((n, k) => expect(readJournal(dir, k).lastSeq).toBe(n));
  const rebuilt = await Engine.start(spec, { journal: journalAt(dir), recover: true });
  engines.push(rebuilt);
  return stateHashes(rebuilt, spec.shards);
}

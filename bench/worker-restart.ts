/**
 * Supervisor restart time: a journal of ~1M real events (exchange-core mix), a threaded engine
 * recovered from it, then the matching worker is killed and the supervisor rebuilds it — first
 * from the whole journal, then from a snapshot (built on piscina) + an empty tail. Also the risk
 * stage. Death → running again, as the supervisor measures it (what /metrics reports). Twice in one
 * run: workers from the TypeScript source (a TS loader in every thread, as before the build) and
 * compiled JavaScript from dist/ (what npm start runs; `npm run bench:restart` builds it first).
 * Usage: node --import tsx bench/worker-restart.ts [commands]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RISK_AGENT, shardAgent } from '../engine/engine.ts';
import type { Engine } from '../engine/engine.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { JournalWriter } from '../persistence/journal.ts';
import { allocationSpec } from './allocation.ts';
import { CMD_WORDS, exchangeCoreMix } from './workloads.ts';
import { fmt, machine, writeResult } from './common.ts';
import { journalAt } from '../persistence/durability.ts';

const COMMANDS = Number(process.argv[2] ?? 900_000);
const root = mkdtempSync(join(tmpdir(), 'ringmatch-restartbench-'));
const journal = join(root, 'journal');
const snapshots = join(root, 'snapshots');
const spec = allocationSpec();

async function restart(engine: Engine, agent: number): Promise<number> {
  await engine.killAgent(agent);
  const t0 = Date.now();
  while (engine.supervisor.up[agent] === 1 && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 1));
  while (engine.supervisor.up[agent] === 0) await new Promise((r) => setTimeout(r, 2));
  return engine.supervisor.snapshot()[agent].lastRecoveryMs ?? NaN;
}

type EngineModule = typeof import('../engine/engine.ts');
type PoolModule = typeof import('../persistence/snapshot-pool.ts');
/** The engine and snapshot pool from source or from dist/ (their worker entries follow). */
async function load(compiled: boolean): Promise<{ Engine: EngineModule['Engine']; SnapshotPool: PoolModule['SnapshotPool'] }> {
  const at = (rel: string): string => new URL(compiled ? `../dist/${rel}.js` : `../${rel}.ts`, import.meta.url).href;
  const { Engine } = (await import(at('engine/engine'))) as EngineModule;
  const { SnapshotPool } = (await import(at('persistence/snapshot-pool'))) as PoolModule;
  return { Engine, SnapshotPool };
}

try {
  const live = new InlineEngine(spec);
  const writer = new JournalWriter(journal, 0, { bufferRecords: 4096 });
  live.onEvent((w, b) => writer.append(w, b));
  const w = exchangeCoreMix(COMMANDS, 11);
  const slots = w.slots.slice();
  for (let i = 0; i < w.total; i++) live.processSlot(slots, i * CMD_WORDS);
  writer.close();
  const events = writer.lastSequence();
  const results: Record<string, unknown> = { events };
  console.log('supervisor restart: death → running again', machine());
  for (const compiled of [false, true]) {
    const label = compiled ? 'compiled JS (dist/)' : 'TS source + loader';
    const { Engine, SnapshotPool } = await load(compiled);
    rmSync(snapshots, { recursive: true, force: true });
    const engine = await Engine.start(spec, { journal: journalAt(journal), recover: true, snapshotDir: snapshots });
    try {
      const fromJournal = { M0: await restart(engine, shardAgent(0)), R: await restart(engine, RISK_AGENT) };
      const pool = new SnapshotPool(1);
      const snap = await pool.snapshot(journal, snapshots, spec, [events]);
      await pool.close();
      const fromSnapshot = { M0: await restart(engine, shardAgent(0)), R: await restart(engine, RISK_AGENT) };
      const hashOk = (await engine.query<string>(shardAgent(0), { what: 'stateHash' })) === live.shards[0].stateHash()
        && (await engine.query<string>(RISK_AGENT, { what: 'stateHash' })) === live.risk.stateHash();
      if (!hashOk) throw new Error('restarted state differs from the live state');
      results[compiled ? 'compiled' : 'source'] = { restartMsFromJournal: fromJournal, snapshotBuildMs: snap.ms, restartMsFromSnapshot: fromSnapshot, statesEqual: hashOk };
      console.log(`  ${label}: journal of ${fmt(events)} events: M0 ${fromJournal.M0} ms, R ${fromJournal.R} ms (replays the whole journal)`);
      console.log(`  ${label}: after a snapshot (built in ${snap.ms} ms on piscina): M0 ${fromSnapshot.M0} ms, R ${fromSnapshot.R} ms; restarted state hashes equal the live ones`);
    } finally {
      await engine.stop();
    }
  }
  console.log(`written to ${writeResult('worker-restart', results)}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}

/**
 * Recovery cost: journal ~1M real events (exchange-core mix through risk + matching), then time
 * rebuilding a fresh matching shard and risk stage from the journal (read + CRC verify + replay),
 * on one thread, and check the rebuilt state hashes equal the live ones.
 * Usage: node --import tsx bench/recovery-replay.ts [commands]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVT_SLOT_BYTES, EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { replayOnlyShard } from '../engine/matching-shard.ts';
import { RiskEngine } from '../engine/risk.ts';
import { JournalWriter, readJournal } from '../persistence/journal.ts';
import { verifyJournals } from '../persistence/journal-verify.ts';
import { allocationSpec } from './allocation.ts';
import { CMD_WORDS, exchangeCoreMix } from './workloads.ts';
import { fmt, machine, parallelCapacity, writeResult } from './common.ts';

const COMMANDS = Number(process.argv[2] ?? 900_000);
const dir = mkdtempSync(join(tmpdir(), 'ringmatch-recbench-'));
try {
  const spec = allocationSpec();
  const live = new InlineEngine(spec);
  const writer = new JournalWriter(dir, 0, { bufferRecords: 4096 });
  // The same events again as a second shard's journal, for the parallel-verification run below.
  const writer2 = new JournalWriter(dir, 1, { bufferRecords: 4096 });
  live.onEvent((w, b) => { writer.append(w, b); writer2.append(w, b); });
  const w = exchangeCoreMix(COMMANDS, 11);
  const slots = w.slots.slice();
  for (let i = 0; i < w.total; i++) live.processSlot(slots, i * CMD_WORDS);
  writer.close();
  writer2.close();
  const events = writer.lastSequence();

  const runs: number[] = [];
  let ok = true;
  for (let r = 0; r < 3; r++) {
    const shard = replayOnlyShard(spec, 0);
    const risk = new RiskEngine(spec);
    const slot = new Int32Array(EVT_SLOT_WORDS);
    const bytes = new Uint8Array(slot.buffer);
    const t0 = performance.now();
    readJournal(dir, 0, {
      onRecord: (_s, buf, at) => {
        bytes.set(buf.subarray(at, at + EVT_SLOT_BYTES));
        shard.replayEvent(slot, 0);
        risk.replayEvent(slot, 0);
      },
    });
    runs.push((performance.now() - t0) / 1000);
    ok &&= shard.stateHash() === live.shards[0].stateHash() && risk.stateHash() === live.risk.stateHash();
  }
  if (!ok) throw new Error('rebuilt state differs from the live state');
  const best = Math.min(...runs);
  const median = [...runs].sort((a, b) => a - b)[1];
  const result = { events, secondsMedian: median, secondsBest: best, eventsPerSec: Math.round(events / median), secondsPerMillion: Math.round((median / events) * 1e6 * 100) / 100, statesEqual: ok };
  console.log('recovery by journal replay (one thread: read + verify + shard + risk)', machine());
  console.log(`  ${fmt(events)} events: median ${median.toFixed(2)} s (${fmt(result.eventsPerSec)} events/s, ${result.secondsPerMillion} s per million); rebuilt state hashes equal the live ones`);
  // Verification of two shards' journals (records + CRC + sequence) on piscina: 1 thread vs 2.
  // Wall time includes starting the pool (threads + TS loader, ~1 s here); work = the tasks' own time.
  const wall: Record<number, number> = {};
  const work: Record<number, number> = {};
  for (const threads of [1, 2, 1, 2]) {
    const t0 = performance.now();
    const r = await verifyJournals(dir, { threads });
    const secs = (performance.now() - t0) / 1000;
    if (r.some((x) => x.corrupt || x.records !== events)) throw new Error('verification disagrees with the journal');
    // One thread runs the tasks one after the other; two run them side by side.
    const busy = (threads === 1 ? r.reduce((n, x) => n + x.ms, 0) : Math.max(...r.map((x) => x.ms))) / 1000;
    wall[threads] = Math.min(wall[threads] ?? Infinity, secs);
    work[threads] = Math.min(work[threads] ?? Infinity, busy);
  }
  const parallel = {
    shards: 2, eventsPerShard: events, wallOneThread: wall[1], wallTwoThreads: wall[2], workOneThread: work[1], workTwoThreads: work[2],
    workSpeedup: Math.round((work[1] / work[2]) * 100) / 100, verifyEventsPerSecTwoThreads: Math.round((2 * events) / work[2]),
    hostParallelCapacity: await parallelCapacity(),
  };
  console.log(`  verify 2 shards × ${fmt(events)} events on piscina (best of 2): work 1 thread ${work[1].toFixed(2)} s, 2 threads ${work[2].toFixed(2)} s → ${parallel.workSpeedup}× (${fmt(parallel.verifyEventsPerSecTwoThreads)} events/s); wall incl. pool start ${wall[1].toFixed(2)} s / ${wall[2].toFixed(2)} s; a bare CPU loop on 2 threads got ${parallel.hostParallelCapacity}× of 1 thread in this run`);
  console.log(`written to ${writeResult('recovery-replay', { ...result, parallelVerify: parallel })}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

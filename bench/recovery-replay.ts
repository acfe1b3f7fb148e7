/**
 * Recovery cost: journal ~1M real events (exchange-core mix through risk + matching), then time
 * rebuilding a fresh matching shard and risk stage from the journal (read + CRC verify + replay),
 * on one thread, and check the rebuilt state hashes equal the live ones.
 * Usage: node --import tsx bench/recovery-replay.ts [commands]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVT_SLOT_BYTES } from '../engine/event-slot.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { MatchingShard, shardOptions } from '../engine/matching-shard.ts';
import type { EventOut } from '../engine/matching-shard.ts';
import { RiskEngine } from '../engine/risk.ts';
import { JournalWriter, readJournal } from '../persistence/journal.ts';
import { allocationSpec } from './allocation.ts';
import { CMD_WORDS, exchangeCoreMix } from './workloads.ts';
import { fmt, machine, writeResult } from './common.ts';

const COMMANDS = Number(process.argv[2] ?? 900_000);
const dir = mkdtempSync(join(tmpdir(), 'ringmatch-recbench-'));
try {
  const spec = allocationSpec();
  const live = new InlineEngine(spec);
  const writer = new JournalWriter(dir, 0, { bufferRecords: 4096 });
  live.onEvent((w, b) => writer.append(w, b));
  const w = exchangeCoreMix(COMMANDS, 11);
  const slots = w.slots.slice();
  for (let i = 0; i < w.total; i++) live.processSlot(slots, i * CMD_WORDS);
  writer.close();
  const events = writer.lastSequence();

  class Sink implements EventOut {
    readonly words = new Int32Array(EVT_SLOT_BYTES / 4);
    readonly doubles = new Float64Array(this.words.buffer);
    claim(): number { return 0; }
    publish(): void { throw new Error('replay must not emit'); }
  }
  const runs: number[] = [];
  let ok = true;
  for (let r = 0; r < 3; r++) {
    const shard = new MatchingShard(shardOptions(spec, 0), new Sink());
    const risk = new RiskEngine(spec);
    const slot = new Int32Array(EVT_SLOT_BYTES / 4);
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
  console.log(`written to ${writeResult('recovery-replay', result)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * J: journal append throughput and commit (write + fdatasync) latency for several group-commit
 * sizes, on this machine's disk, with real event slots. Usage:
 * node --import tsx bench/journal-group-commit.ts [events] [dir]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { putI64 } from '../engine/int64.ts';
import { MatchingShard } from '../engine/matching-shard.ts';
import type { EventOut } from '../engine/matching-shard.ts';
import { JournalWriter, readJournal } from '../persistence/journal.ts';
import { CMD_WORDS, exchangeCoreMix } from './workloads.ts';
import { fmt, histogram, machine, percentilesUs, writeResult } from './common.ts';
import { EVT_SEQ } from '../engine/event-slot.ts';

const EVENTS = Number(process.argv[2] ?? 200_000);
const base = process.argv[3] ?? tmpdir();

// Real events: replay a workload and keep a pool of distinct event slots to journal.
const pool: Int32Array[] = [];
class Keep implements EventOut {
  readonly words = new Int32Array(EVT_SLOT_WORDS);
  readonly doubles = new Float64Array(this.words.buffer);
  claim(): number { return 0; }
  publish(): void { if (pool.length < 50_000) pool.push(this.words.slice()); }
}
const w = exchangeCoreMix(60_000, 3);
const shard = new MatchingShard({ shardId: 0, symbolIds: [0], symbolCount: 1, accountCount: 64, orderCapacity: 1 << 16 }, new Keep());
for (let i = 0; i < w.total; i++) shard.process(w.slots, i * CMD_WORDS);

console.log(`journal group commit — ${EVENTS.toLocaleString()} events per run, dir ${base}`, machine());
const out: Record<string, unknown> = {};
for (const group of [1, 16, 256, 4096]) {
  const dir = mkdtempSync(join(base, 'ringmatch-jbench-'));
  try {
    const jw = new JournalWriter(dir, 0, { bufferRecords: Math.max(group, 16) });
    const h = histogram();
    const n = group === 1 ? Math.min(EVENTS, 5_000) : EVENTS;
    const slot = new Int32Array(EVT_SLOT_WORDS);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      slot.set(pool[i % pool.length]);
      putI64(slot, EVT_SEQ, i + 1);
      jw.append(slot, 0);
      if ((i + 1) % group === 0) {
        const c0 = performance.now();
        jw.commit();
        h.recordValue(Math.max(1, Math.round((performance.now() - c0) * 1e6)));
      }
    }
    jw.close();
    const seconds = (performance.now() - t0) / 1000;
    const verify0 = performance.now();
    const r = readJournal(dir, 0);
    const verifySec = (performance.now() - verify0) / 1000;
    if (r.lastSeq !== n) throw new Error('journal lost events');
    const row = { events: n, eventsPerSec: Math.round(n / seconds), commitLatencyUs: percentilesUs(h), readVerifyEventsPerSec: Math.round(n / verifySec), mbPerSec: Math.round((jw.bytesWritten / seconds / 1e6) * 10) / 10 };
    out[`group ${group}`] = row;
    console.log(`  group ${String(group).padStart(4)}: ${fmt(row.eventsPerSec)} events/s (${row.mbPerSec} MB/s); commit µs p50 ${row.commitLatencyUs.p50} p99 ${row.commitLatencyUs.p99} max ${row.commitLatencyUs.max}; read+verify ${fmt(row.readVerifyEventsPerSec)} events/s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`written to ${writeResult('journal-group-commit', out)}`);

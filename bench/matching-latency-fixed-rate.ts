/**
 * Per-operation latency at a fixed injected rate, in process, one thread: open loop. Command i is
 * due at t0 + i / rate; its latency is (completion − due time), so when the engine falls behind,
 * the queueing delay is counted (no coordinated omission). Service time (completion − start) is
 * reported beside it. The harness reads the clock once per operation (68 ns on this VM) and
 * stores raw nanoseconds in a preallocated array; histograms are built after the run, so the
 * measurement costs ~75 ns per operation instead of ~380 ns. Service time is completion −
 * max(due, previous completion): on one thread, that is exactly when the operation started.
 * Usage: node --import tsx bench/matching-latency-fixed-rate.ts [ratePerSec] [ops] [runs]
 */
import { RingBuffer, RingConsumer, RingProducer } from '../ring/ring.ts';
import { EVT_SLOT_BYTES } from '../engine/event-slot.ts';
import { MatchingShard } from '../engine/matching-shard.ts';
import { RingEventOut } from '../engine/shard-agent.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { allocationSpec } from './allocation.ts';
import { CMD_WORDS, exchangeCoreMix } from './workloads.ts';
import { histogram, machine, median, percentilesUs, platformStalls, writeResult } from './common.ts';

const RATE = Number(process.argv[2] ?? 1_000_000);
const OPS = Number(process.argv[3] ?? 1_000_000);
const RUNS = Number(process.argv[4] ?? 3);

type Step = (i: number) => void;

function makeM(slots: Int32Array): { step: Step; flush: () => void } {
  const ring = RingBuffer.create(1 << 14, EVT_SLOT_BYTES, 1);
  const producer = new RingProducer(ring);
  const consumer = new RingConsumer(ring, 0);
  const shard = new MatchingShard({ shardId: 0, symbolIds: [0], symbolCount: 1, accountCount: 64, orderCapacity: 1 << 16 }, new RingEventOut(producer));
  return {
    step: (i) => shard.process(slots, i * CMD_WORDS),
    flush: () => {
      producer.commit();
      consumer.release(ring.producerCursor());
    },
  };
}

function makeRM(slots: Int32Array): { step: Step; flush: () => void } {
  const eng = new InlineEngine(allocationSpec());
  return { step: (i) => eng.processSlot(slots, i * CMD_WORDS), flush: () => undefined };
}

function run(make: (slots: Int32Array) => { step: Step; flush: () => void }): { latency: Record<string, number>; service: Record<string, number>; achievedPerSec: number } {
  const w = exchangeCoreMix(OPS + 300_000, 9);
  const slots = w.slots.slice();
  const { step, flush } = make(slots);
  const warmEnd = w.prefill + 300_000;
  for (let i = 0; i < warmEnd; i++) {
    step(i);
    if ((i & 255) === 0) flush();
  }
  const n = w.total - warmEnd;
  const latNs = new Float64Array(n);
  const svcNs = new Float64Array(n);
  const intervalMs = 1000 / RATE;
  const t0 = performance.now() + 1;
  let prevDone = t0;
  for (let k = 0; k < n; k++) {
    const due = t0 + k * intervalMs;
    if (prevDone < due) while (performance.now() < due);
    const i = warmEnd + k;
    step(i);
    if ((i & 255) === 0) flush();
    const done = performance.now();
    latNs[k] = (done - due) * 1e6;
    svcNs[k] = (done - (prevDone > due ? prevDone : due)) * 1e6;
    prevDone = done;
  }
  const elapsed = prevDone - t0;
  const lat = histogram();
  const svc = histogram();
  for (let k = 0; k < n; k++) {
    lat.recordValue(Math.max(1, Math.round(latNs[k])));
    svc.recordValue(Math.max(1, Math.round(svcNs[k])));
  }
  return { latency: percentilesUs(lat), service: percentilesUs(svc), achievedPerSec: Math.round(((w.total - warmEnd) / elapsed) * 1000) };
}

console.log(`latency at a fixed rate of ${RATE.toLocaleString()} ops/s, open loop, exchange-core mix, ${OPS.toLocaleString()} ops × ${RUNS} runs`, machine());
const stalls = platformStalls(2000);
console.log(`  platform floor — a bare clock loop on this machine: ${stalls.gapsPerSec} stalls > 50 µs per second, ${stalls.stalledPct} % of time stalled, longest ${stalls.maxGapUs} µs`);
const out: Record<string, unknown> = { platformStalls: stalls };
for (const [name, make] of [['M: matching shard', makeM], ['R+M: risk + matching, inline', makeRM]] as const) {
  const runs = Array.from({ length: RUNS }, () => run(make));
  const med = (k: 'p50' | 'p90' | 'p99' | 'p99_9' | 'p99_99' | 'max', which: 'latency' | 'service'): number => median(runs.map((r) => r[which][k]));
  const row = {
    latencyUs: { p50: med('p50', 'latency'), p90: med('p90', 'latency'), p99: med('p99', 'latency'), p99_9: med('p99_9', 'latency'), p99_99: med('p99_99', 'latency'), max: med('max', 'latency') },
    serviceUs: { p50: med('p50', 'service'), p99: med('p99', 'service'), p99_9: med('p99_9', 'service') },
    achievedPerSec: median(runs.map((r) => r.achievedPerSec)),
    runs,
  };
  out[name] = row;
  console.log(`  ${name}: latency µs ${JSON.stringify(row.latencyUs)}; service µs ${JSON.stringify(row.serviceUs)}; achieved ${row.achievedPerSec.toLocaleString()} ops/s`);
}
console.log(`written to ${writeResult('matching-latency-fixed-rate', out)}`);

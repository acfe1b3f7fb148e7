/**
 * Heap and GC counts over a million hot-path operations after warm-up, for the matching shard
 * (through a real event ring), the risk stage + shard pipeline, and a ring on its own. Shared by
 * bench/gc-heap-1m-orders.ts (report) and test/no-allocation.test.ts (assertion).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { RingBuffer, RingConsumer, RingProducer } from '../ring/ring.ts';
import type { SlotHandler } from '../ring/ring.ts';
import { EVT_SLOT_BYTES } from '../engine/event-slot.ts';
import { MatchingShard, shardOptions } from '../engine/matching-shard.ts';
import { RingEventOut } from '../engine/shard-agent.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { compileConfig } from '../engine/config.ts';
import { CMD_WORDS, orderTypesMix } from './workloads.ts';
import type { Workload } from './workloads.ts';
import { countGcs } from './common.ts';

v8.setFlagsFromString('--expose-gc');
const forceGc = vm.runInNewContext('gc') as () => void;

function spaces(): Record<string, number> {
  const out: Record<string, number> = { total: 0 };
  for (const sp of v8.getHeapSpaceStatistics()) {
    out[sp.space_name] = sp.space_used_size;
    out.total += sp.space_used_size;
  }
  return out;
}

export interface AllocationResult {
  name: string;
  /** Operations per measured window. */
  operations: number;
  gcs: number;
  byKind: Record<string, number>;
  /** Heap growth of the best of the consecutive windows (see `windows`). */
  heapGrowthBytes: number;
  /** The steadiest window: fewer GCs, then less heap growth. */
  steady: { gcs: number; heapGrowthBytes: number };
  /**
   * Both windows. A deopt and re-optimization inside a window (more likely when the background
   * compiler is starved of CPU, e.g. in a parallel test run) runs lower-tier code that boxes
   * numbers for a while; steady state is the window after that settled.
   */
  windows: Array<{ gcs: number; heapGrowthBytes: number }>;
  /**
   * Only when no window was clean: where one more window allocated (V8's sampling heap profiler,
   * top sites by bytes, innermost frames first) — the evidence for finding the cause.
   */
  allocationSites?: Array<{ bytes: number; stack: string }>;
}

/** Run `run` under the sampling heap profiler; the top allocation sites (cold, diagnostics). */
export async function allocationSites(run: () => void): Promise<Array<{ bytes: number; stack: string }>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    run();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    interface Node { callFrame: { functionName: string; url: string }; selfSize: number; children: Node[] }
    const sites = new Map<string, number>();
    const walk = (n: Node, stack: string[]): void => {
      const here = `${n.callFrame.functionName || '(anonymous)'}@${n.callFrame.url.split('/').slice(-2).join('/')}`;
      const st = [here, ...stack].slice(0, 5);
      if (n.selfSize > 0) sites.set(st.join(' < '), (sites.get(st.join(' < ')) ?? 0) + n.selfSize);
      for (const c of n.children) walk(c, [here, ...stack]);
    };
    walk(profile.head as unknown as Node, []);
    return [...sites].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([stack, bytes]) => ({ bytes, stack }));
  } finally {
    session.disconnect();
  }
}

async function measure(name: string, operations: number, warm: () => void, rewarm: () => void, runs: Array<() => void>): Promise<AllocationResult> {
  warm();
  forceGc();
  forceGc();
  // A full GC discards some compiled state; re-warm outside the measured window.
  rewarm();
  const measured = [];
  for (const run of runs) {
    // Let the optimizing compiler, which works on a background thread, finish what the warm-up
    // queued: on a busy 2-core box it can be starved while this thread runs flat out, and the
    // window would then measure lower-tier code that boxes numbers, not the steady state.
    await new Promise((r) => setTimeout(r, 200));
    const w = await window(name, run);
    measured.push(w);
    // Steady state reached: no need for more windows.
    if (w.gcs === 0 && w.heapGrowthBytes < 256 * 1024) break;
  }
  const windows = measured.map((w) => ({ gcs: w.gcs, heapGrowthBytes: w.heapGrowthBytes }));
  const steady = [...windows].sort((a, b) => a.gcs - b.gcs || a.heapGrowthBytes - b.heapGrowthBytes)[0];
  const clean = steady.gcs === 0 && steady.heapGrowthBytes < 256 * 1024;
  return {
    name, operations, gcs: measured.reduce((n, w) => n + w.gcs, 0), byKind: Object.assign({}, ...measured.map((w) => w.byKind)),
    heapGrowthBytes: Math.min(...windows.map((w) => w.heapGrowthBytes)), steady, windows,
    ...(clean ? {} : { allocationSites: await allocationSites(runs[runs.length - 1]) }),
  };
}

async function window(name: string, run: () => void): Promise<{ gcs: number; byKind: Record<string, number>; heapGrowthBytes: number }> {
  // Heap read inside the synchronous run, so the observer's own async work is not counted.
  const { result: growth, gcs, byKind } = await countGcs(() => {
    const before = spaces();
    run();
    const after = spaces();
    if (process.env.RINGMATCH_SPACES) console.log(name, Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]).filter(([, v]) => v !== 0)));
    return after.total - before.total;
  });
  return { gcs, byKind, heapGrowthBytes: growth };
}

export function allocationSpec(): ReturnType<typeof compileConfig> {
  return compileConfig({
    shards: 1, notionalDecimals: 2, orderCapacityPerShard: 1 << 16, riskOrderCapacity: 1 << 16,
    symbols: [{ symbol: 'BENCH', tickSize: '0.01', lotSize: '1', referencePrice: '10000', priceBandPct: 50, maxOrderQty: '1000', maxOrderNotional: '100000000' }],
    accounts: Array.from({ length: 64 }, (_, i) => ({ id: `a${i}`, creditLimit: '1000000000000', maxOpenOrders: 1_000_000, maxPosition: '1000000000' })),
  });
}

/**
 * Up to `windows` consecutive windows of `ops` operations per hot path, stopping at the first clean
 * one (no GC, no heap growth). Under CPU contention the optimizing compiler can lag and lower-tier
 * code boxes numbers for a while: the windows before steady state show it.
 */
export async function measureAll(ops = 1_000_000, windows = 2): Promise<AllocationResult[]> {
  // The exchange-core mix with every order type (stops, stop-limits, icebergs, GTD expiry): bench/workloads.ts.
  const w: Workload = orderTypesMix(windows * ops + 300_000, 5);
  const warmEnd = w.prefill + 200_000;
  const rewarmEnd = warmEnd + 100_000;
  const starts = Array.from({ length: windows }, (_, i) => rewarmEnd + i * ops);
  const results: AllocationResult[] = [];

  {
    const ring = RingBuffer.create(1 << 14, EVT_SLOT_BYTES, 1);
    const producer = new RingProducer(ring);
    const consumer = new RingConsumer(ring, 0);
    // The spec's symbol rules (reference price, ±50 % band) as R+M below: stops, their triggers and band refusals behave as in production.
    const shard = new MatchingShard({ ...shardOptions(allocationSpec(), 0), accountCount: 64, orderCapacity: 1 << 16 }, new RingEventOut(producer));
    const step = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        shard.process(w.slots, i * CMD_WORDS);
        if ((i & 255) === 0) {
          producer.commit();
          consumer.release(ring.producerCursor());
        }
      }
    };
    results.push(await measure('M: matching shard → event ring', ops, () => step(0, warmEnd), () => step(warmEnd, rewarmEnd), starts.map((a) => () => step(a, a + ops))));
  }
  {
    const eng = new InlineEngine(allocationSpec());
    const slots = w.slots.slice();
    const step = (from: number, to: number): void => {
      for (let i = from; i < to; i++) eng.processSlot(slots, i * CMD_WORDS);
    };
    results.push(await measure('R+M: risk stage + matching shard', ops, () => step(0, warmEnd), () => step(warmEnd, rewarmEnd), starts.map((a) => () => step(a, a + ops))));
  }
  {
    const ring = RingBuffer.create(1 << 12, 128, 1);
    const p = new RingProducer(ring);
    const c = new RingConsumer(ring, 0);
    const sink: SlotHandler & { sum: number } = { sum: 0, onSlot(words, word) { this.sum = (this.sum + words[word]) | 0; } };
    const step = (n: number): void => {
      for (let i = 0; i < n; i += 64) {
        p.tryClaim(64);
        for (let k = 0; k < 64; k++) ring.words[ring.slotWord((p.lastClaimed + k) | 0)] = i + k;
        p.commit();
        c.poll(sink, 64);
      }
    };
    results.push(await measure('ring: claim/commit/poll, 64-slot batches', ops, () => step(200_000), () => step(100_000), starts.map(() => () => step(ops))));
  }
  return results;
}

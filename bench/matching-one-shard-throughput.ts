/**
 * M, one shard, in process: matching throughput on pre-encoded command streams, events written
 * into a real event ring (drained every batch as a consumer would), against nodejs-order-book
 * on the same commands in the same run. Usage: node --import tsx bench/matching-one-shard-throughput.ts [ops] [runs]
 */
import { OrderBook, Side as NobSide } from 'nodejs-order-book';
import type { LimitOrderOptions } from 'nodejs-order-book';
import { RingBuffer, RingConsumer, RingProducer } from '../ring/ring.ts';
import { CommandType, Side, TimeInForce } from '../engine/codes.ts';
import { EVT_SLOT_BYTES } from '../engine/event-slot.ts';
import { MatchingShard } from '../engine/matching-shard.ts';
import { RingEventOut } from '../engine/shard-agent.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { compileConfig } from '../engine/config.ts';
import type { Command } from '../engine/command-slot.ts';
import { CMD_WORDS, exchangeCoreMix, newCancelAggressiveMix, orderTypesMix } from './workloads.ts';
import type { Workload } from './workloads.ts';
import { fmt, machine, median, writeResult } from './common.ts';

const OPS = Number(process.argv[2] ?? 2_000_000);
const RUNS = Number(process.argv[3] ?? 5);
const BATCH = 256;

function runFast(w: Workload): { opsPerSec: number; hash: string } {
  const ring = RingBuffer.create(1 << 14, EVT_SLOT_BYTES, 1);
  const producer = new RingProducer(ring);
  const consumer = new RingConsumer(ring, 0);
  const out = new RingEventOut(producer);
  const shard = new MatchingShard({ shardId: 0, symbolIds: [0], symbolCount: 1, accountCount: 64, orderCapacity: 1 << 20 }, out);
  const slots = w.slots;
  const drain = (): void => {
    producer.commit();
    consumer.release(ring.producerCursor());
  };
  for (let i = 0; i < w.prefill; i++) shard.process(slots, i * CMD_WORDS);
  drain();
  // The workload's generation left garbage: collect it now, not inside the timed loop (node --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = performance.now();
  for (let i = w.prefill; i < w.total; i++) {
    shard.process(slots, i * CMD_WORDS);
    if ((i & (BATCH - 1)) === 0) drain();
  }
  drain();
  const dt = performance.now() - t0;
  return { opsPerSec: ((w.total - w.prefill) / dt) * 1000, hash: shard.stateHash() };
}

function benchSpec(): ReturnType<typeof compileConfig> {
  return compileConfig({
    shards: 1, notionalDecimals: 2, orderCapacityPerShard: 1 << 20, riskOrderCapacity: 1 << 20,
    symbols: [{ symbol: 'BENCH', tickSize: '0.01', lotSize: '1', referencePrice: '10000', priceBandPct: 50, maxOrderQty: '1000', maxOrderNotional: '100000000' }],
    accounts: Array.from({ length: 64 }, (_, i) => ({ id: `a${i}`, creditLimit: '1000000000000', maxOpenOrders: 1_000_000, maxPosition: '1000000000' })),
  });
}

function runRiskAndMatch(w: Workload): { opsPerSec: number } {
  const eng = new InlineEngine(benchSpec());
  const slots = w.slots.slice(); // risk writes into slots (order ids, sequence)
  for (let i = 0; i < w.prefill; i++) eng.processSlot(slots, i * CMD_WORDS);
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = performance.now();
  for (let i = w.prefill; i < w.total; i++) eng.processSlot(slots, i * CMD_WORDS);
  const dt = performance.now() - t0;
  return { opsPerSec: ((w.total - w.prefill) / dt) * 1000 };
}

type NobOp = { k: 0; o: LimitOrderOptions } | { k: 1; id: string } | { k: 2; id: string; price: number };

function toNob(cmds: Command[]): NobOp[] {
  return cmds.map((c): NobOp => {
    if (c.type === CommandType.NEW) {
      return { k: 0, o: { id: String(c.orderId), side: c.side === Side.BUY ? NobSide.BUY : NobSide.SELL, size: c.qty ?? 0, price: c.price ?? 0, timeInForce: (c.tif === TimeInForce.IOC ? 'IOC' : 'GTC') as LimitOrderOptions['timeInForce'] } };
    }
    if (c.type === CommandType.CANCEL) return { k: 1, id: String(c.orderId) };
    return { k: 2, id: String(c.orderId), price: c.price ?? 0 };
  });
}

function runNob(w: Workload, ops: NobOp[]): { opsPerSec: number } {
  const ob = new OrderBook();
  const apply = (op: NobOp): void => {
    if (op.k === 0) ob.limit(op.o);
    else if (op.k === 1) ob.cancel(op.id);
    else ob.modify(op.id, { price: op.price });
  };
  for (let i = 0; i < w.prefill; i++) apply(ops[i]);
  const t0 = performance.now();
  for (let i = w.prefill; i < w.total; i++) apply(ops[i]);
  const dt = performance.now() - t0;
  return { opsPerSec: ((w.total - w.prefill) / dt) * 1000 };
}

/**
 * Each engine runs in its own child process (same machine, same run, one after the other) so
 * one engine's garbage, GC pauses and JIT state never land in another's timing.
 */
type EngineName = 'fast' | 'riskPlusMatch' | 'nob';
const WORKLOADS = { exchangeCore: exchangeCoreMix, simple: newCancelAggressiveMix, orderTypes: orderTypesMix } as const;

function child(engine: EngineName, workload: keyof typeof WORKLOADS): void {
  const w = WORKLOADS[workload](OPS);
  const rates: number[] = [];
  let hash = '';
  if (engine === 'nob') {
    const ops = toNob(w.commands);
    runNob(w, ops);
    for (let r = 0; r < RUNS; r++) rates.push(runNob(w, ops).opsPerSec);
  } else if (engine === 'fast') {
    runFast(w);
    for (let r = 0; r < RUNS; r++) {
      const f = runFast(w);
      rates.push(f.opsPerSec);
      if (hash && f.hash !== hash) throw new Error('fast book ended in different states across runs');
      hash = f.hash;
    }
  } else {
    runRiskAndMatch(w);
    for (let r = 0; r < RUNS; r++) rates.push(runRiskAndMatch(w).opsPerSec);
  }
  process.stdout.write(JSON.stringify({ rates, mix: w.mix, prefill: w.prefill, name: w.name }));
}

async function parent(): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  const results: Record<string, unknown> = {};
  console.log(`matching throughput, one shard in process — ${OPS.toLocaleString()} ops × ${RUNS} runs, each engine in its own process`, machine());
  for (const workload of Object.keys(WORKLOADS) as Array<keyof typeof WORKLOADS>) {
    const get = (engine: EngineName): { rates: number[]; mix: Record<string, number>; prefill: number; name: string } =>
      JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', new URL(import.meta.url).pathname, String(OPS), String(RUNS), engine, workload], { encoding: 'utf8', maxBuffer: 1 << 24 }));
    const fast = get('fast');
    const rm = get('riskPlusMatch');
    // nodejs-order-book has stops but no icebergs or GTD: it runs the mixes it can run as written.
    const nob = workload === 'orderTypes' ? null : get('nob');
    console.log(`\n${fast.name}: mix ${JSON.stringify(fast.mix)}; pre-filled with ${fast.prefill} resting orders`);
    const row = {
      ringmatchOpsPerSec: Math.round(median(fast.rates)),
      ringmatchRiskPlusMatchOpsPerSec: Math.round(median(rm.rates)),
      nodejsOrderBookOpsPerSec: nob ? Math.round(median(nob.rates)) : null,
      ratio: nob ? Math.round((median(fast.rates) / median(nob.rates)) * 10) / 10 : null,
      runs: { fast: fast.rates.map(Math.round), riskPlusMatch: rm.rates.map(Math.round), nob: nob ? nob.rates.map(Math.round) : [] },
    };
    results[fast.name] = row;
    console.log(`  ringmatch M (book + event ring):    median ${fmt(row.ringmatchOpsPerSec)} ops/s  runs ${row.runs.fast.map((x) => fmt(x)).join(' ')}`);
    console.log(`  ringmatch R+M inline (risk + book): median ${fmt(row.ringmatchRiskPlusMatchOpsPerSec)} ops/s`);
    if (nob && row.nodejsOrderBookOpsPerSec !== null) {
      console.log(`  nodejs-order-book 10.1.1:           median ${fmt(row.nodejsOrderBookOpsPerSec)} ops/s`);
      console.log(`  ratio ringmatch M / nodejs-order-book: ${row.ratio}×`);
    } else {
      console.log('  nodejs-order-book: not run (no icebergs or GTD orders)');
    }
  }
  console.log(`\nwritten to ${writeResult('matching-one-shard-throughput', results)}`);
}

if (process.argv[4]) child(process.argv[4] as EngineName, process.argv[5] as keyof typeof WORKLOADS);
else await parent();

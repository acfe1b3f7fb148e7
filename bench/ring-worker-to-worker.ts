/**
 * Ring between two real worker threads: throughput (20M slots, batched claim/commit) and hop
 * latency (ping-pong; one hop = round trip / 2), for each wait strategy.
 * Usage: node --import tsx bench/ring-worker-to-worker.ts [messages] [roundTrips]
 */
import { runRingStress } from '../ring/stress.ts';
import { RingBuffer } from '../ring/ring.ts';
import { Doorbell } from '../ring/doorbell.ts';
import { startWorker, nextMessage } from '../ring/threads.ts';
import type { IdleKind } from '../ring/idle.ts';
import { fmt, histogram, machine, median, percentilesUs, writeResult } from './common.ts';

const MESSAGES = Number(process.argv[2] ?? 20_000_000);
const ROUND_TRIPS = Number(process.argv[3] ?? 200_000);
const PINGPONG = new URL('./ring-pingpong.worker.ts', import.meta.url);

async function pingPong(idle: IdleKind, count: number): Promise<Record<string, number>> {
  const a = RingBuffer.create(1024, 64, 1);
  const b = RingBuffer.create(1024, 64, 1);
  const pingBell = new Doorbell();
  const pongBell = new Doorbell();
  const gate = new SharedArrayBuffer(4);
  const base = { gate, count, warmup: Math.min(20_000, count), idle };
  const pong = await startWorker(PINGPONG, { ...base, role: 'pong', inRing: a.buffer, outRing: b.buffer, myBell: pongBell.buffer, peerBell: pingBell.buffer }, { name: 'pong' });
  const ping = await startWorker(PINGPONG, { ...base, role: 'ping', inRing: b.buffer, outRing: a.buffer, myBell: pingBell.buffer, peerBell: pongBell.buffer }, { name: 'ping' });
  const done = nextMessage<{ rtt: Float64Array }>(ping.worker, 'done', 300_000);
  const g = new Int32Array(gate);
  Atomics.store(g, 0, 1);
  Atomics.notify(g, 0);
  const { rtt } = await done;
  await Promise.all([ping.worker.terminate(), pong.worker.terminate()]);
  const h = histogram();
  for (const v of rtt) h.recordValue(Math.max(1, Math.round(v / 2)));
  return percentilesUs(h);
}

console.log('ring between two worker threads', machine());
const out: Record<string, unknown> = {};
for (const idle of ['busy-spin', 'backoff'] as const) {
  const rates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const run = await runRingStress({ count: MESSAGES, consumers: 1, capacity: 1 << 14, batch: 64, idle });
    if (run.consumers[0].errors !== 0) throw new Error('ring stress saw errors');
    rates.push((MESSAGES / run.wallMs) * 1000);
  }
  const hop = await pingPong(idle, idle === 'busy-spin' ? ROUND_TRIPS : Math.min(ROUND_TRIPS, 50_000));
  out[idle] = { throughputSlotsPerSec: Math.round(median(rates)), runs: rates.map(Math.round), hopLatencyUs: hop };
  console.log(`  ${idle.padEnd(10)} throughput median ${fmt(median(rates))} slots/s (batches of 64); hop latency µs ${JSON.stringify(hop)}`);
}
console.log(`written to ${writeResult('ring-worker-to-worker', out)}`);

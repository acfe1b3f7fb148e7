/**
 * What each wait strategy (ring/idle.ts) costs when traffic is sporadic — the case the end-to-end
 * path lives in: one message every `gapMs`, so the receiving thread has gone idle before it comes.
 * Per strategy: hop latency (ping-pong between two worker threads, round trip / 2) and the CPU the
 * process burns meanwhile (both threads; cores = CPU seconds / wall seconds).
 * Usage: node --import tsx bench/wait-strategies.ts [messages = 2000] [gapMs = 1]
 */
import { RingBuffer } from '../ring/ring.ts';
import { Doorbell } from '../ring/doorbell.ts';
import { startWorker, nextMessage } from '../ring/threads.ts';
import type { IdleKind } from '../ring/idle.ts';
import { fmt, histogram, machine, percentilesUs, writeResult } from './common.ts';

const COUNT = Number(process.argv[2] ?? 2_000);
const GAP_MS = Number(process.argv[3] ?? 1);
const PINGPONG = new URL('./ring-pingpong.worker.ts', import.meta.url);

async function sporadic(idle: IdleKind): Promise<Record<string, number>> {
  const a = RingBuffer.create(1024, 64, 1);
  const b = RingBuffer.create(1024, 64, 1);
  const pingBell = new Doorbell();
  const pongBell = new Doorbell();
  const gate = new SharedArrayBuffer(4);
  const base = { gate, count: COUNT, warmup: 200, idle, gapMs: GAP_MS };
  const pong = await startWorker(PINGPONG, { ...base, role: 'pong', inRing: a.buffer, outRing: b.buffer, myBell: pongBell.buffer, peerBell: pingBell.buffer }, { name: 'pong' });
  const ping = await startWorker(PINGPONG, { ...base, role: 'ping', inRing: b.buffer, outRing: a.buffer, myBell: pingBell.buffer, peerBell: pongBell.buffer }, { name: 'ping' });
  const done = nextMessage<{ rtt: Float64Array }>(ping.worker, 'done', 300_000);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const g = new Int32Array(gate);
  Atomics.store(g, 0, 1);
  Atomics.notify(g, 0);
  const { rtt } = await done;
  const wallSec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all([ping.worker.terminate(), pong.worker.terminate()]);
  const h = histogram();
  for (const v of rtt) h.recordValue(Math.max(1, Math.round(v / 2)));
  return { ...percentilesUs(h), cpuCores: Math.round(((cpu.user + cpu.system) / 1e6 / wallSec) * 100) / 100 };
}

console.log(`wait strategies, sporadic traffic: one message every ${GAP_MS} ms, ${fmt(COUNT)} round trips`, machine());
const out: Record<string, unknown> = { gapMs: GAP_MS, count: COUNT };
for (const idle of ['busy-spin', 'backoff', 'park'] as const) {
  const r = await sporadic(idle);
  out[idle] = r;
  console.log(`  ${idle.padEnd(10)} hop p50 ${fmt(r.p50)} µs  p99 ${fmt(r.p99)} µs  max ${fmt(r.max)} µs   CPU ${r.cpuCores} cores (2 threads, mostly waiting)`);
}
console.log(`written to ${writeResult('wait-strategies', out)}`);

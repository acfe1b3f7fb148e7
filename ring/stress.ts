/** Test and benchmark driver for ring/stress.worker.ts (slow path; allocates freely). */
import { RingBuffer } from './ring.ts';
import { Doorbell } from './doorbell.ts';
import { startWorker, nextMessage } from './threads.ts';
import type { IdleKind } from './idle.ts';
import type { StressResult, StressWorkerData } from './stress-protocol.ts';

const ENTRY = new URL('./stress.worker.ts', import.meta.url);

export interface StressRun {
  producer: StressResult;
  consumers: StressResult[];
  wallMs: number;
}

export async function runRingStress(opts: {
  count: number;
  consumers: number;
  capacity: number;
  batch: number;
  idle: IdleKind;
  startSeq?: number;
  timeoutMs?: number;
}): Promise<StressRun> {
  const ring = RingBuffer.create(opts.capacity, 16, opts.consumers, opts.startSeq ?? 0);
  const gate = new SharedArrayBuffer(4);
  const doorbells = Array.from({ length: opts.consumers }, () => new Doorbell());
  const base = { ring: ring.buffer, gate, count: opts.count, batch: opts.batch, idle: opts.idle };
  const started = [];
  try {
    for (let c = 0; c < opts.consumers; c++) {
      const d: StressWorkerData = { ...base, role: 'consumer', consumer: c, doorbell: doorbells[c].buffer };
      started.push(await startWorker(ENTRY, { ...d }, { name: `ring-consumer-${c}` }));
    }
    const pd: StressWorkerData = { ...base, role: 'producer', consumerDoorbells: doorbells.map((d) => d.buffer) };
    started.push(await startWorker(ENTRY, { ...pd }, { name: 'ring-producer' }));
    const timeout = opts.timeoutMs ?? 120_000;
    const done = started.map((s) => nextMessage<StressResult>(s.worker, 'done', timeout));
    const t0 = performance.now();
    const g = new Int32Array(gate);
    Atomics.store(g, 0, 1);
    Atomics.notify(g, 0);
    const results = await Promise.all(done);
    const wallMs = performance.now() - t0;
    return { producer: results[results.length - 1], consumers: results.slice(0, -1), wallMs };
  } finally {
    await Promise.all(started.map((s) => s.worker.terminate()));
  }
}

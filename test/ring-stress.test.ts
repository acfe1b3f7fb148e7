import { describe, expect, it } from 'vitest';
import { runRingStress } from '../ring/stress.ts';
import { mix } from '../ring/stress-protocol.ts';
import { WorkerStartError, startWorker } from '../ring/threads.ts';
import { RingBuffer } from '../ring/ring.ts';

function expectedChecksum(count: number): number {
  let c = 0;
  for (let i = 0; i < count; i++) c = (Math.imul(c, 31) + mix(i)) | 0;
  return c;
}

const TEN_MILLION = 10_000_000;
const checksum10M = expectedChecksum(TEN_MILLION);

describe('ring between real worker threads', () => {
  it('moves 10M messages SPSC with no loss, duplicate or reorder', async () => {
    const r = await runRingStress({ count: TEN_MILLION, consumers: 1, capacity: 1 << 14, batch: 64, idle: 'backoff' });
    expect(r.producer.count).toBe(TEN_MILLION);
    expect(r.consumers[0].firstError).toBeNull();
    expect(r.consumers[0].count).toBe(TEN_MILLION);
    expect(r.consumers[0].checksum).toBe(checksum10M);
  });

  it('moves 10M messages to 3 independent consumers, each sees all of them in order', async () => {
    const r = await runRingStress({ count: TEN_MILLION, consumers: 3, capacity: 1 << 14, batch: 64, idle: 'backoff' });
    expect(r.consumers).toHaveLength(3);
    for (const c of r.consumers) {
      expect(c.firstError).toBeNull();
      expect(c.errors).toBe(0);
      expect(c.checksum).toBe(checksum10M);
    }
  });

  it('stays correct when sequences start just below the Int32 wrap point', async () => {
    for (const startSeq of [0x7fffffff - 5_000, -5_000]) {
      const n = 1_000_000;
      const r = await runRingStress({ count: n, consumers: 2, capacity: 1 << 10, batch: 32, idle: 'backoff', startSeq });
      for (const c of r.consumers) {
        expect(c.firstError).toBeNull();
        expect(c.checksum).toBe(expectedChecksum(n));
      }
    }
  });

  it('survives a tiny ring that is full most of the time', async () => {
    const n = 200_000;
    const r = await runRingStress({ count: n, consumers: 1, capacity: 4, batch: 8, idle: 'backoff' });
    expect(r.consumers[0].errors).toBe(0);
    expect(r.consumers[0].checksum).toBe(expectedChecksum(n));
    expect(r.producer.fullEvents).toBeGreaterThan(0);
  });

  it('a worker that fails to start rejects instead of hanging', async () => {
    const ring = RingBuffer.create(8, 16, 1);
    const entry = new URL('../ring/stress.worker.ts', import.meta.url);
    const data = { role: 'consumer', ring: ring.buffer, gate: new SharedArrayBuffer(4), count: 1, batch: 1, idle: 'backoff', failOnStart: true };
    await expect(startWorker(entry, data, { name: 'bad', readyTimeoutMs: 10_000 })).rejects.toThrow(WorkerStartError);
    const missing = new URL('../ring/does-not-exist.worker.ts', import.meta.url);
    await expect(startWorker(missing, {}, { name: 'missing', readyTimeoutMs: 10_000 })).rejects.toThrow(WorkerStartError);
  });
});

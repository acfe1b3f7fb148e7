/**
 * Test and benchmark agent (not used in production): one producer or one consumer of a ring,
 * moving `count` messages of (i, mix(i)) so the other side can detect loss, duplicates and
 * reordering. Both sides wait on a start gate so the timing excludes worker start-up.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RingBuffer, RingConsumer, RingProducer, RING_FULL } from './ring.ts';
import type { SlotHandler } from './ring.ts';
import { Doorbell } from './doorbell.ts';
import { makeIdle, sleepMs } from './idle.ts';
import { mix } from './stress-protocol.ts';
import type { StressResult, StressWorkerData } from './stress-protocol.ts';

const data = workerData as StressWorkerData;
if (data.failOnStart) throw new Error('stress worker asked to fail on start');

const ring = new RingBuffer(data.ring);
const gate = new Int32Array(data.gate);
parentPort!.postMessage({ type: 'ready' });
Atomics.wait(gate, 0, 0);

const t0 = performance.now();
if (data.role === 'producer') {
  const doorbells = (data.consumerDoorbells ?? []).map((b) => new Doorbell(b));
  const p = new RingProducer(ring, doorbells);
  const words = ring.words;
  let i = 0;
  let fullEvents = 0;
  let fullSpins = 0;
  while (i < data.count) {
    const want = Math.min(data.batch, data.count - i);
    let got = p.tryClaim(want);
    if (got === RING_FULL && want > 1) got = p.tryClaim(1);
    if (got === RING_FULL) {
      fullEvents++;
      // Full ring: back off (never overwrite). Spin briefly, then give the core away.
      if (data.idle === 'backoff' && ++fullSpins > 100) sleepMs(0.02);
      continue;
    }
    fullSpins = 0;
    const first = p.lastClaimed;
    for (let k = 0; k < got; k++) {
      const w = ring.slotWord((first + k) | 0);
      words[w] = i;
      words[w + 1] = mix(i);
      i++;
    }
    p.commit();
  }
  const res: StressResult = {
    type: 'done', role: 'producer', count: i, checksum: 0, errors: 0, firstError: null, fullEvents,
    elapsedMs: performance.now() - t0,
  };
  parentPort!.postMessage(res);
} else {
  const doorbell = new Doorbell(data.doorbell);
  const c = new RingConsumer(ring, data.consumer ?? 0);
  class Checker implements SlotHandler {
    expected = 0;
    checksum = 0;
    errors = 0;
    firstError: string | null = null;
    onSlot(words: Int32Array, w: number): void {
      const v = words[w];
      if (v !== this.expected || words[w + 1] !== mix(v)) {
        this.errors++;
        if (this.firstError === null) this.firstError = `expected ${this.expected}, got ${v} (mix ok: ${words[w + 1] === mix(v)})`;
        this.expected = v;
      }
      this.checksum = (Math.imul(this.checksum, 31) + words[w + 1]) | 0;
      this.expected++;
    }
  }
  const checker = new Checker();
  const work = { hasWork: () => c.available() > 0 };
  const idle = makeIdle(data.idle, doorbell, work);
  while (checker.expected < data.count) {
    idle.idle(c.poll(checker, data.batch * 4));
  }
  const res: StressResult = {
    type: 'done', role: 'consumer', count: checker.expected, checksum: checker.checksum, errors: checker.errors,
    firstError: checker.firstError, fullEvents: 0, elapsedMs: performance.now() - t0,
  };
  parentPort!.postMessage(res);
}

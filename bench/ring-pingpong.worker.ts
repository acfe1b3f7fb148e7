/** Benchmark agent: one end of a ring ping-pong (hop latency). Not production code. */
import { parentPort, workerData } from 'node:worker_threads';
import { Doorbell } from '../ring/doorbell.ts';
import { RingBuffer, RingConsumer, RingProducer, RING_FULL } from '../ring/ring.ts';
import { makeIdle } from '../ring/idle.ts';
import type { IdleKind } from '../ring/idle.ts';

interface Data { role: 'ping' | 'pong'; inRing: SharedArrayBuffer; outRing: SharedArrayBuffer; myBell: SharedArrayBuffer; peerBell: SharedArrayBuffer; gate: SharedArrayBuffer; count: number; warmup: number; idle: IdleKind; gapMs?: number }
const d = workerData as Data;
const inRing = new RingBuffer(d.inRing);
const consumer = new RingConsumer(inRing, 0);
const producer = new RingProducer(new RingBuffer(d.outRing), [new Doorbell(d.peerBell)]);
const idle = makeIdle(d.idle, new Doorbell(d.myBell), { hasWork: () => consumer.available() > 0 });
const gate = new Int32Array(d.gate);
parentPort!.postMessage({ type: 'ready' });
Atomics.wait(gate, 0, 0);

function send(v: number): void {
  while (producer.tryClaim(1) === RING_FULL);
  producer.ring.words[producer.ring.slotWord(producer.lastClaimed)] = v;
  producer.commit();
}
function receive(): number {
  for (;;) {
    if (consumer.available() > 0) {
      const seq = consumer.position();
      const v = inRing.words[inRing.slotWord(seq)];
      consumer.release((seq + 1) | 0);
      idle.idle(1);
      return v;
    }
    idle.idle(0);
  }
}

const total = d.count + d.warmup;
if (d.role === 'pong') {
  for (let i = 0; i < total; i++) send(receive());
  parentPort!.postMessage({ type: 'done' });
} else {
  const rtt = new Float64Array(d.count);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < total; i++) {
    // Sporadic traffic: a pause before each ping lets the other side go idle (park) first.
    if (d.gapMs) Atomics.wait(nap, 0, 0, d.gapMs);
    const t = performance.now();
    send(i);
    receive();
    if (i >= d.warmup) rtt[i - d.warmup] = (performance.now() - t) * 1e6;
  }
  parentPort!.postMessage({ type: 'done', rtt }, [rtt.buffer]);
}

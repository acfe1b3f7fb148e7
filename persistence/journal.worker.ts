/** Entry of the persistence thread (J): runs the JournalAgent until the engine's stop word is set. */
import { parentPort, workerData } from 'node:worker_threads';
import { Doorbell } from '../ring/doorbell.ts';
import { RingBuffer, RingConsumer } from '../ring/ring.ts';
import { makeIdle } from '../ring/idle.ts';
import { threadRuntime } from '../ring/threads.ts';
import type { IdleKind } from '../ring/idle.ts';
import { JournalAgent } from './journal-agent.ts';
import { journalStatusWord } from '../engine/durability.ts';

interface Data {
  dir: string;
  eventRings: SharedArrayBuffer[];
  consumerIndex: number;
  doorbell: SharedArrayBuffer;
  /** Doorbells of the readers waiting for durability (one per gateway thread). */
  wake: SharedArrayBuffer[];
  state: SharedArrayBuffer;
  control: SharedArrayBuffer;
  idle: IdleKind;
  segmentBytes?: number;
}
const d = workerData as Data;
const state = new Int32Array(d.state);
const control = new Int32Array(d.control);
const status = journalStatusWord(d.eventRings.length);
const rings = d.eventRings.map((b) => new RingConsumer(new RingBuffer(b), d.consumerIndex));
const agent = new JournalAgent(d.dir, rings, state, d.wake.map((b) => new Doorbell(b)), { segmentBytes: d.segmentBytes });
agent.onBlocked = (error) => parentPort!.postMessage({ type: 'journal-blocked', error });
const idle = makeIdle(d.idle, new Doorbell(d.doorbell), { hasWork: () => agent.hasWork() || Atomics.load(control, 0) !== 0 });
Atomics.store(state, status, 1);
parentPort!.postMessage({ type: 'ready', runtime: threadRuntime(), repaired: agent.writers.map((w) => w.repaired), durable: agent.writers.map((w) => w.durableSequence()) });
try {
  while (Atomics.load(control, 0) === 0) idle.idle(agent.doWork());
  while (agent.doWork() > 0);
  agent.close();
  Atomics.store(state, status, 2);
} catch (e) {
  Atomics.store(state, status, 3);
  throw e;
}

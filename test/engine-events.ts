/** Helpers to read the threaded engine's events in tests and tools (cold; allocates). */
import { EVT_SLOT_BYTES, decodeEvent, EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { EventType } from '../engine/codes.ts';
import { readJournal } from '../persistence/journal.ts';
import type { DecodedEvent } from '../engine/event-slot.ts';
import type { Engine } from '../engine/engine.ts';
import { Consumer } from '../engine/topology.ts';
import type { Command } from '../engine/command-slot.ts';
import type { RingConsumer, SlotHandler } from '../ring/ring.ts';

export class EventCollector implements SlotHandler {
  readonly perShard: DecodedEvent[][];
  private readonly consumers: RingConsumer[];
  private current: DecodedEvent[] = [];
  constructor(engine: Engine, consumer: string = Consumer.GATEWAY) {
    this.consumers = engine.eventRings.map((_, k) => engine.consumer(k, consumer));
    this.perShard = engine.eventRings.map(() => []);
  }
  onSlot(w: Int32Array, b: number): void {
    this.current.push(decodeEvent(w, b));
  }
  poll(): number {
    let n = 0;
    this.consumers.forEach((c, k) => {
      this.current = this.perShard[k];
      n += c.poll(this, 4096);
    });
    return n;
  }
  count(): number {
    return this.perShard.reduce((s, e) => s + e.length, 0);
  }
  /** Poll until `done()` holds, or throw after timeoutMs. */
  async until(done: () => boolean, timeoutMs = 30_000): Promise<void> {
    const t0 = Date.now();
    for (;;) {
      this.poll();
      if (done()) return;
      if (Date.now() - t0 > timeoutMs) throw new Error(`events: condition not met within ${timeoutMs} ms (have ${this.count()})`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}

export { rng as prng } from '../bench/workloads.ts';

/**
 * Submit commands in order, waiting while the input ring is full (`ingressFromUs`: stamp ingress
 * times 10 µs apart from there), then wait until the engine has settled — every command matched,
 * every event applied by the risk stage — and `events` has read everything.
 */
export async function submitAndSettle(engine: Engine, events: EventCollector, commands: Iterable<Command>, ingressFromUs?: number): Promise<void> {
  let ts = ingressFromUs ?? 0;
  for (const c of commands) {
    const cmd = ingressFromUs === undefined ? c : { ...c, ingressTs: (ts += 10) };
    while (!engine.submit(cmd)) {
      events.poll();
      await new Promise((r) => setImmediate(r));
    }
  }
  await events.until(() => engine.isSettled());
}


/** Cold: how often each client order id was ACCEPTED in shard k's journal (readJournal checks every record). */
export function acceptedInJournal(journalDir: string, shard = 0): Map<string, number> {
  const accepted = new Map<string, number>();
  const slot = new Int32Array(EVT_SLOT_WORDS);
  readJournal(journalDir, shard, {
    onRecord: (_s, bytes, at) => {
      new Uint8Array(slot.buffer).set(bytes.subarray(at, at + EVT_SLOT_BYTES));
      const e = decodeEvent(slot, 0);
      if (e.type === EventType.ACCEPTED) accepted.set(e.clientOrderId, (accepted.get(e.clientOrderId) ?? 0) + 1);
    },
  });
  return accepted;
}

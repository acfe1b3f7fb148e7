/**
 * G side of the event rings: one external consumer cursor per shard, drained in batches on the
 * main thread, parking on the engine's event doorbell with Atomics.waitAsync when there is
 * nothing to read (never blocking the event loop). The gateway and feeds read events through it.
 */
import { AsyncBackoffIdle, mainThreadSpins } from '../ring/idle.ts';
import { seqDiff } from '../ring/layout.ts';
import type { RingConsumer, SlotHandler } from '../ring/ring.ts';
import type { Engine } from '../engine/engine.ts';
import { Consumer } from '../engine/topology.ts';
import { EVT_SEQ } from '../engine/event-slot.ts';
import { durableWord } from '../persistence/journal-agent.ts';

export class EventPump {
  private readonly consumers: RingConsumer[];
  private readonly idle: AsyncBackoffIdle;
  private running = false;
  private stopped: Promise<void> | null = null;

  /** Called after every pass that handled at least one event (flush market data, uncork…). */
  afterBatch: (() => void) | null = null;

  /**
   * `durable`: the journal's durable sequence per shard (Engine.journalState). When given, events
   * are handed on only once the journal has fsynced them — the `durable` ack mode.
   */
  constructor(
    engine: Engine,
    private readonly handler: SlotHandler,
    consumer: string = Consumer.GATEWAY,
    private readonly batch = 1024,
    private readonly durable: Int32Array | null = null,
  ) {
    this.consumers = engine.eventRings.map((_, k) => engine.consumer(k, consumer));
    this.idle = new AsyncBackoffIdle(engine.eventDoorbell, { hasWork: () => this.readable() }, mainThreadSpins(engine.spec.idle));
  }

  private readable(): boolean {
    for (let k = 0; k < this.consumers.length; k++) if (this.readableCount(k) > 0) return true;
    return false;
  }

  /** Events shard k may hand on now (all available, or up to the durable sequence). */
  private readableCount(k: number): number {
    const c = this.consumers[k];
    const avail = c.available();
    if (avail === 0 || this.durable === null) return avail;
    const durable = Atomics.load(this.durable, durableWord(k));
    const ring = c.ring;
    let n = 0;
    let seq = c.position();
    while (n < avail && seqDiff(ring.words[ring.slotWord(seq) + EVT_SEQ], durable) <= 0) {
      n++;
      seq = (seq + 1) | 0;
    }
    return n;
  }

  /** Drain what is there now; returns how many events were handled. */
  pollOnce(): number {
    let n = 0;
    for (let k = 0; k < this.consumers.length; k++) {
      const c = this.consumers[k];
      if (this.durable === null) {
        n += c.poll(this.handler, this.batch);
        continue;
      }
      const count = Math.min(this.readableCount(k), this.batch);
      if (count === 0) continue;
      const ring = c.ring;
      let seq = c.position();
      try {
        for (let i = 0; i < count; i++) {
          this.handler.onSlot(ring.words, ring.slotWord(seq), seq);
          seq = (seq + 1) | 0;
        }
      } finally {
        c.release(seq);
      }
      n += count;
    }
    if (n > 0 && this.afterBatch) this.afterBatch();
    return n;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.stopped;
    this.pollOnce();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const n = this.pollOnce();
      const park = this.idle.idle(n);
      // Yield to the event loop every pass: sockets and timers must keep running.
      if (park) await park;
      else await new Promise<void>((r) => setImmediate(r));
    }
  }
}

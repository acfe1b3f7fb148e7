/**
 * G side of the event rings: one consumer cursor per shard, drained in batches on an event-loop
 * thread (the main thread or a gateway worker), parking on its own doorbell with
 * Atomics.waitAsync when there is nothing to read (never blocking the event loop). The gateway and
 * feeds read events through it.
 */
import { AsyncBackoffIdle, mainThreadSpins } from '../ring/idle.ts';
import type { IdleKind } from '../ring/idle.ts';
import type { Doorbell } from '../ring/doorbell.ts';
import { seqDiff } from '../ring/layout.ts';
import type { RingConsumer, SlotHandler } from '../ring/ring.ts';
import type { Engine } from '../engine/engine.ts';
import type { EngineLink } from '../engine/link.ts';
import { EVT_SEQ } from '../engine/event-slot.ts';
import { durableWord } from '../engine/durability.ts';

/** The cursors one reader holds (one per shard's event ring) and the doorbell it parks on. */
export interface EventSource {
  consumers: RingConsumer[];
  doorbell: Doorbell;
  idle: IdleKind;
}

/** A named main-thread consumer of the engine (e.g. the demo load's). */
export function engineSource(engine: Engine, name: string): EventSource {
  return { consumers: engine.eventRings.map((_, k) => engine.consumer(k, name)), doorbell: engine.doorbellOf(name), idle: engine.spec.idle };
}

/** A gateway thread's own cursors (engine/link.ts). */
export function linkSource(link: EngineLink): EventSource {
  return { consumers: link.eventRings.map((_, k) => link.consumer(k)), doorbell: link.doorbell, idle: link.spec.idle };
}

export class EventPump {
  private readonly consumers: RingConsumer[];
  private readonly idle: AsyncBackoffIdle;
  private running = false;
  private stopped: Promise<void> | null = null;

  /** The shard whose event ring is being read (valid inside the handler). */
  shard = 0;

  /** Called after every pass that handled at least one event (send the queued reports…). */
  afterBatch: (() => void) | null = null;

  /**
   * `durable`: the journal's durable sequence per shard (Engine.journalState). When given, events
   * are handed on only once the journal has fsynced them — the `durable` ack mode.
   */
  constructor(
    source: EventSource,
    private readonly handler: SlotHandler,
    private readonly batch = 1024,
    private readonly durable: Int32Array | null = null,
  ) {
    this.consumers = source.consumers;
    this.idle = new AsyncBackoffIdle(source.doorbell, { hasWork: () => this.readable() }, mainThreadSpins(source.idle));
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
      this.shard = k;
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

/**
 * G side of the event rings: one external consumer cursor per shard, drained in batches on the
 * main thread, parking on the engine's event doorbell with Atomics.waitAsync when there is
 * nothing to read (never blocking the event loop). The gateway and feeds read events through it.
 */
import { AsyncBackoffIdle } from '../ring/idle.ts';
import type { RingConsumer, SlotHandler } from '../ring/ring.ts';
import type { Engine } from '../engine/engine.ts';

export class EventPump {
  private readonly consumers: RingConsumer[];
  private readonly idle: AsyncBackoffIdle;
  private running = false;
  private stopped: Promise<void> | null = null;

  /** Called after every pass that handled at least one event (flush market data, uncork…). */
  afterBatch: (() => void) | null = null;

  constructor(engine: Engine, private readonly handler: SlotHandler, consumerIndex = 1, private readonly batch = 1024) {
    this.consumers = engine.eventRings.map((_, k) => engine.consumer(k, consumerIndex));
    this.idle = new AsyncBackoffIdle(engine.eventDoorbell, { hasWork: () => this.consumers.some((c) => c.available() > 0) });
  }

  /** Drain what is there now; returns how many events were handled. */
  pollOnce(): number {
    let n = 0;
    for (const c of this.consumers) n += c.poll(this.handler, this.batch);
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

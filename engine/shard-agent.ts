/**
 * M agent: the duty cycle of one matching-shard thread. Drains its command ring in batches,
 * processes each command, commits the batch's events with one cursor store, then publishes how
 * many commands it has fully processed (the risk stage's watermark).
 */
import { RING_FULL } from '../ring/ring.ts';
import type { RingConsumer, RingProducer, SlotHandler } from '../ring/ring.ts';
import { sleepMs } from '../ring/idle.ts';
import type { WorkSource } from '../ring/idle.ts';
import { STAT_COMMANDS, STAT_EVENTS, STAT_HEARTBEAT, STAT_PROCESSED, STAT_WAITS } from './control.ts';
import { MatchingShard } from './matching-shard.ts';
import type { EventOut } from './matching-shard.ts';

/** EventOut over a ring: a full ring makes the shard wait (never drop), committing what it has. */
export class RingEventOut implements EventOut {
  readonly words: Int32Array;
  readonly doubles: Float64Array;
  published = 0;
  waits = 0;
  constructor(private readonly producer: RingProducer) {
    this.words = producer.ring.words;
    this.doubles = producer.ring.doubles;
  }
  claim(): number {
    const p = this.producer;
    if (p.tryClaim(1) === RING_FULL) {
      p.commit(); // let consumers see (and free) what this batch wrote so far
      let spins = 0;
      while (p.tryClaim(1) === RING_FULL) {
        this.waits++;
        if (++spins > 200) sleepMs(0.02);
      }
    }
    return p.ring.slotWord(p.lastClaimed);
  }
  publish(): void {
    this.published++;
  }
}

export class ShardAgent implements SlotHandler, WorkSource {
  private processed = 0;
  private heartbeat = 0;

  constructor(
    readonly shard: MatchingShard,
    private readonly commands: RingConsumer,
    private readonly events: RingProducer,
    private readonly out: RingEventOut,
    private readonly stats: Int32Array,
    private readonly statLine: number,
    private readonly batch = 256,
  ) {}

  doWork(nowUs: number): number {
    this.shard.setClock(nowUs);
    const n = this.commands.poll(this, this.batch);
    if (n === 0) return 0;
    this.events.commit();
    this.processed = (this.processed + n) | 0;
    const s = this.stats;
    const l = this.statLine;
    // Release order: events are committed before the watermark that promises them.
    Atomics.store(s, l + STAT_PROCESSED, this.processed);
    s[l + STAT_COMMANDS] = this.processed;
    s[l + STAT_EVENTS] = this.out.published | 0;
    s[l + STAT_WAITS] = this.out.waits | 0;
    s[l + STAT_HEARTBEAT] = ++this.heartbeat | 0;
    return n;
  }

  onSlot(words: Int32Array, word: number): void {
    this.shard.process(words, word);
  }

  hasWork(): boolean {
    return this.commands.available() > 0;
  }
}

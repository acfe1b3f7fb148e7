/**
 * M agent: the duty cycle of one matching-shard thread. Reads a batch from its command ring,
 * processes each command, commits the batch's events with one cursor store, and only then hands
 * the commands back (input cursor) and publishes how many it has fully processed (the risk
 * stage's watermark). In that order, a thread that dies mid-batch never leaves a command consumed
 * without its events published: a restarted shard re-reads it.
 */
import { RING_FULL } from '../ring/ring.ts';
import type { RingConsumer, RingProducer } from '../ring/ring.ts';
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

export class ShardAgent implements WorkSource {
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
    const c = this.commands;
    let n = c.available();
    if (n === 0) return 0;
    if (n > this.batch) n = this.batch;
    const ring = c.ring;
    let seq = c.position();
    for (let i = 0; i < n; i++) {
      this.shard.process(ring.words, ring.slotWord(seq));
      seq = (seq + 1) | 0;
    }
    // Events first (release store of the event cursor), then the input cursor.
    this.events.commit();
    c.release(seq);
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

  hasWork(): boolean {
    return this.commands.available() > 0;
  }
}

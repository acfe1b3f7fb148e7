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
import { EVT_BATCH_END, EVT_SEQ, EVT_TS, EVT_SLOT_WORDS } from './event-slot.ts';
import { getI64 } from './int64.ts';
import type { EventOut } from './matching-shard.ts';

/** EventOut over a ring: a full ring makes the shard wait (never drop), committing what it has. */
export class RingEventOut implements EventOut {
  /** Where the shard writes the event it just claimed: the ring, or a scratch slot while suppressing. */
  words: Int32Array;
  doubles: Float64Array;
  published = 0;
  waits = 0;
  /** Non-zero while re-emitting events that are already published (see suppress()). */
  private special = 0;
  private expected: Int32Array[] = [];
  private checked = 0;
  private readonly scratch = new Int32Array(EVT_SLOT_WORDS);
  private readonly scratchDoubles = new Float64Array(this.scratch.buffer);
  constructor(private readonly producer: RingProducer) {
    this.words = producer.ring.words;
    this.doubles = producer.ring.doubles;
  }
  claim(): number {
    if (this.special !== 0) {
      const r = this.claimSuppressed();
      if (r >= 0) return r;
    }
    const p = this.producer;
    if (p.tryClaim(1) === RING_FULL) {
      this.commit(); // let consumers see (and free) what this batch wrote so far
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

  /** Publish what has been claimed, its last event marked as a batch end (EVT_BATCH_END). */
  commit(): void {
    const p = this.producer;
    if (p.uncommitted() === 0) return;
    p.ring.words[p.ring.slotWord(p.lastClaimed) + EVT_BATCH_END] = 1;
    p.commit();
  }

  /**
   * Restart of a shard that died in the middle of a command (cold): the next `expected.length`
   * events the shard emits were already published by the dead thread (they are in the journal).
   * They are written to a scratch slot instead of the ring and checked against the journal's
   * copies — a divergence throws, it is never published twice or silently papered over.
   */
  suppress(expected: Int32Array[]): void {
    this.expected = expected;
    this.checked = 0;
    this.special = expected.length > 0 ? 1 : 0;
  }

  /** After the re-processed command: verify the last suppressed event; true if all were re-emitted. */
  endSuppression(): boolean {
    if (this.special !== 0 && this.checked > 0) this.verifyScratch(this.checked - 1);
    const all = this.checked === this.expected.length;
    this.special = 0;
    this.expected = [];
    this.words = this.producer.ring.words;
    this.doubles = this.producer.ring.doubles;
    return all;
  }

  private claimSuppressed(): number {
    if (this.checked > 0) this.verifyScratch(this.checked - 1);
    if (this.checked === this.expected.length) {
      this.special = 0;
      this.words = this.producer.ring.words;
      this.doubles = this.producer.ring.doubles;
      return -1;
    }
    // Start from the journal's copy: fields an event type does not write keep the same bytes.
    this.scratch.set(this.expected[this.checked++]);
    this.words = this.scratch;
    this.doubles = this.scratchDoubles;
    return 0;
  }

  private verifyScratch(i: number): void {
    const want = this.expected[i];
    const got = this.scratch;
    for (let w = 0; w < want.length; w++) {
      // The wall clock and the batching of the re-run differ.
      if (w === EVT_TS || w === EVT_TS + 1 || w === EVT_BATCH_END) continue;
      if (got[w] !== want[w]) {
        throw new Error(`shard restart: re-processing the interrupted command diverged from the journal at event seq ${getI64(want, EVT_SEQ)} (word ${w}: ${got[w]} != ${want[w]})`);
      }
    }
  }
}

export class ShardAgent implements WorkSource {
  /** Commands fully processed = the input cursor (a restarted shard continues the count). */
  private processed: number;
  private heartbeat = 0;

  constructor(
    readonly shard: MatchingShard,
    private readonly commands: RingConsumer,
    /** The event ring's producer (committed through `out`, which marks batch ends). */
    readonly events: RingProducer,
    private readonly out: RingEventOut,
    private readonly stats: Int32Array,
    private readonly statLine: number,
    private readonly batch = 256,
  ) {
    this.processed = commands.position();
  }

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
    this.out.commit();
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

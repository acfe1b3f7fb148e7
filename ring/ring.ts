import {
  CAPACITY_WORD,
  CONSUMER_COUNT_WORD,
  DATA_BYTES_OFFSET,
  MAGIC_WORD,
  MAX_CAPACITY,
  MAX_CONSUMERS,
  PRODUCER_CURSOR_WORD,
  PRODUCER_PARKED_WORD,
  RING_MAGIC,
  SLOT_BYTES_WORD,
  consumerCursorWord,
  ringBytes,
  seqDiff,
} from './layout.ts';
import type { Doorbell } from './doorbell.ts';

/**
 * A single-producer ring over a SharedArrayBuffer with 1..MAX_CONSUMERS independent consumers.
 * With one consumer it is the SPSC ring; with several, every consumer sees every slot and the
 * producer is gated by the slowest consumer (SPMC, "multicast").
 *
 * Publish protocol, written once:
 *   producer: 1. tryClaim(n) — space is checked against the cached slowest-consumer cursor,
 *                 refreshed from the consumer lines only when the cache says "full".
 *             2. fill the n slots (plain typed-array stores).
 *             3. commit() — one Atomics.store of producerCursor releases all n slots, then rings
 *                 the doorbells of consumers that are parked.
 *   consumer: 1. Atomics.load(producerCursor) — acquires every slot before it.
 *             2. read the whole batch (plain loads).
 *             3. one Atomics.store of its own cursor (in a finally) hands the slots back.
 */
export class RingBuffer {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
  /** 8-byte view of the same memory, for clearing slot fields two words per store. */
  readonly doubles: Float64Array;
  readonly capacity: number;
  readonly mask: number;
  readonly slotBytes: number;
  readonly slotWords: number;
  readonly consumerCount: number;
  /** Int32 index of slot 0's first word. */
  readonly dataWord: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    this.bytes = new Uint8Array(buffer);
    this.doubles = new Float64Array(buffer, 0, buffer.byteLength >> 3);
    if (this.words[MAGIC_WORD] !== RING_MAGIC) throw new RingError('buffer is not an initialised ring');
    this.capacity = this.words[CAPACITY_WORD];
    this.mask = this.capacity - 1;
    this.slotBytes = this.words[SLOT_BYTES_WORD];
    this.slotWords = this.slotBytes >> 2;
    this.consumerCount = this.words[CONSUMER_COUNT_WORD];
    this.dataWord = DATA_BYTES_OFFSET >> 2;
  }

  /** Cold: allocate and initialise a ring. Start sequences other than 0 exist for wrap tests. */
  static create(capacity: number, slotBytes: number, consumerCount: number, startSeq = 0): RingBuffer {
    if (!Number.isInteger(capacity) || capacity < 2 || capacity > MAX_CAPACITY || (capacity & (capacity - 1)) !== 0) {
      throw new RingError(`capacity must be a power of two in [2, ${MAX_CAPACITY}], got ${capacity}`);
    }
    if (!Number.isInteger(slotBytes) || slotBytes < 8 || slotBytes % 8 !== 0) {
      throw new RingError(`slotBytes must be a positive multiple of 8, got ${slotBytes}`);
    }
    if (!Number.isInteger(consumerCount) || consumerCount < 1 || consumerCount > MAX_CONSUMERS) {
      throw new RingError(`consumerCount must be in [1, ${MAX_CONSUMERS}], got ${consumerCount}`);
    }
    const buffer = new SharedArrayBuffer(ringBytes(capacity, slotBytes));
    const w = new Int32Array(buffer);
    w[CAPACITY_WORD] = capacity;
    w[SLOT_BYTES_WORD] = slotBytes;
    w[CONSUMER_COUNT_WORD] = consumerCount;
    w[PRODUCER_CURSOR_WORD] = startSeq | 0;
    for (let c = 0; c < consumerCount; c++) w[consumerCursorWord(c)] = startSeq | 0;
    Atomics.store(w, MAGIC_WORD, RING_MAGIC);
    return new RingBuffer(buffer);
  }

  /** Int32 index of the first word of the slot holding sequence `seq`. */
  slotWord(seq: number): number {
    return this.dataWord + (seq & this.mask) * this.slotWords;
  }

  /** Byte offset of the slot holding sequence `seq` (for byte fields such as client order ids). */
  slotByte(seq: number): number {
    return DATA_BYTES_OFFSET + (seq & this.mask) * this.slotBytes;
  }

  producerCursor(): number {
    return Atomics.load(this.words, PRODUCER_CURSOR_WORD);
  }

  consumerCursor(consumer: number): number {
    return Atomics.load(this.words, consumerCursorWord(consumer));
  }

  /** Slots published and not yet consumed by `consumer` (its lag). */
  lag(consumer: number): number {
    return seqDiff(this.producerCursor(), this.consumerCursor(consumer));
  }
}

export class RingError extends Error {
  override name = 'RingError';
}

/** Result of tryClaim when every slot is still held by some consumer. */
export const RING_FULL = 0;

export class RingProducer {
  private readonly words: Int32Array;
  private readonly capacity: number;
  private readonly consumerWords: Int32Array;
  /** Next sequence to publish; only this thread writes producerCursor. */
  private nextSeq: number;
  /** Sequence of the first slot claimed and not yet committed. */
  private claimedFrom: number;
  /** Slowest consumer cursor seen last time we looked; refreshed only when it says "full". */
  private cachedGate: number;

  constructor(readonly ring: RingBuffer, private readonly doorbells: readonly Doorbell[] = []) {
    this.words = ring.words;
    this.capacity = ring.capacity;
    const cw = new Int32Array(ring.consumerCount);
    for (let c = 0; c < ring.consumerCount; c++) cw[c] = consumerCursorWord(c);
    this.consumerWords = cw;
    this.nextSeq = Atomics.load(this.words, PRODUCER_CURSOR_WORD);
    this.claimedFrom = this.nextSeq;
    this.cachedGate = this.readGate();
  }

  private readGate(): number {
    const cw = this.consumerWords;
    let min = Atomics.load(this.words, cw[0]);
    for (let c = 1; c < cw.length; c++) {
      const v = Atomics.load(this.words, cw[c]);
      if (seqDiff(v, min) < 0) min = v;
    }
    return min;
  }

  /**
   * Claim `count` more slots after those already claimed. Returns the sequence of the first new
   * slot via `lastClaimed`, and `count` on success or RING_FULL (0) when there is not enough space.
   * Nothing is overwritten: the caller decides whether to wait, retry or reject upstream.
   */
  tryClaim(count: number): number {
    const end = (this.nextSeq + count) | 0;
    if (seqDiff(end, this.cachedGate) > this.capacity) {
      this.cachedGate = this.readGate();
      if (seqDiff(end, this.cachedGate) > this.capacity) return RING_FULL;
    }
    this.lastClaimed = this.nextSeq;
    this.nextSeq = end;
    return count;
  }

  /** Sequence of the first slot of the most recent successful tryClaim. */
  lastClaimed = 0;

  /** Free slots right now (refreshes the gate). */
  remaining(): number {
    this.cachedGate = this.readGate();
    return this.capacity - seqDiff(this.nextSeq, this.cachedGate);
  }

  /** Slots claimed and not yet committed. */
  uncommitted(): number {
    return seqDiff(this.nextSeq, this.claimedFrom);
  }

  /** Publish every slot claimed since the last commit. */
  commit(): void {
    if (this.nextSeq === this.claimedFrom) return;
    this.publish();
    this.ringDoorbells();
  }

  /**
   * commit() without ringing the doorbells: the caller rings them soon with ringDoorbells(), once
   * for many commits (a parked consumer's wake-up is a futex syscall, ~5 µs on a VM). Safe for the
   * lost-wakeup argument (ring/doorbell.ts): a consumer that parks after this store sees the new
   * cursor on its re-check; one parked before it is woken by the later ring.
   */
  publish(): void {
    if (this.nextSeq === this.claimedFrom) return;
    this.claimedFrom = this.nextSeq;
    // Release store: every plain store into the claimed slots happens-before a consumer's
    // Atomics.load that observes this cursor value.
    Atomics.store(this.words, PRODUCER_CURSOR_WORD, this.nextSeq);
  }

  /** Wake the consumers that are parked (after publish()). */
  ringDoorbells(): void {
    const d = this.doorbells;
    for (let i = 0; i < d.length; i++) d[i].ring();
  }

  /** Announce (for diagnostics) that the producer is waiting for space. */
  setParked(parked: boolean): void {
    Atomics.store(this.words, PRODUCER_PARKED_WORD, parked ? 1 : 0);
  }
}

/** Called once per slot by RingConsumer.poll; `word` is the Int32 index of the slot's first word. */
export interface SlotHandler {
  onSlot(words: Int32Array, word: number, seq: number): void;
}

export class RingConsumer {
  private readonly words: Int32Array;
  private readonly cursorWord: number;
  /** Next sequence to read; only this thread writes its consumerCursor. */
  private nextSeq: number;

  constructor(readonly ring: RingBuffer, readonly consumer: number) {
    if (consumer < 0 || consumer >= ring.consumerCount) {
      throw new RingError(`consumer ${consumer} out of range [0, ${ring.consumerCount})`);
    }
    this.words = ring.words;
    this.cursorWord = consumerCursorWord(consumer);
    this.nextSeq = Atomics.load(this.words, this.cursorWord);
  }

  /** Slots ready to read (acquire-loads the producer cursor). */
  available(): number {
    return seqDiff(Atomics.load(this.words, PRODUCER_CURSOR_WORD), this.nextSeq);
  }

  /** Sequence of the next slot this consumer will read. */
  position(): number {
    return this.nextSeq;
  }

  /**
   * Drain up to `limit` slots through `handler`, then publish the cursor once. If the handler
   * throws, the slots it finished are still handed back and the rest stay for the next poll.
   */
  poll(handler: SlotHandler, limit: number): number {
    // One acquire-load per batch, not per slot.
    let n = this.available();
    if (n === 0) return 0;
    if (n > limit) n = limit;
    const ring = this.ring;
    const words = this.words;
    let seq = this.nextSeq;
    const end = (seq + n) | 0;
    try {
      while (seq !== end) {
        handler.onSlot(words, ring.slotWord(seq), seq);
        seq = (seq + 1) | 0;
      }
    } finally {
      this.release(seq);
    }
    return n;
  }

  /** Low-level batch read: call `release(seq)` after reading slots up to (excluding) seq. */
  release(toSeq: number): void {
    this.nextSeq = toSeq;
    // Release store: our reads of those slots happen-before the producer reuses them.
    Atomics.store(this.words, this.cursorWord, toSeq);
  }
}

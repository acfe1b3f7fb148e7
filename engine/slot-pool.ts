/**
 * A fixed pool of table slots (the live-order tables of the matching shard and of the risk stage):
 * a free list threaded through `next`, which the owner may use for its own links while a slot is
 * in use (the shard's price-level FIFO does). Hot, allocation-free.
 */
export const NIL = -1;

export class SlotPool {
  /** First free slot, or NIL when the pool is exhausted. */
  private head: number;
  /** Slots in use. */
  inUse = 0;

  constructor(readonly next: Int32Array) {
    const cap = next.length;
    for (let i = 0; i < cap; i++) next[i] = i + 1 < cap ? i + 1 : NIL;
    this.head = cap > 0 ? 0 : NIL;
  }

  /** True when no slot is free. */
  exhausted(): boolean {
    return this.head === NIL;
  }

  /** Free slots. */
  free(): number {
    return this.next.length - this.inUse;
  }

  /** A free slot (check `exhausted()` first). */
  take(): number {
    const i = this.head;
    this.head = this.next[i];
    this.inUse++;
    return i;
  }

  /** Return a slot to the pool (its `next` entry is overwritten). */
  give(i: number): void {
    this.next[i] = this.head;
    this.head = i;
    this.inUse--;
  }
}

/**
 * A doorbell is how a parked consumer thread is woken. One per consuming agent (a thread may read
 * several rings and parks on one doorbell for all of them).
 *
 * ```
 *  word 0  ringCount   bumped by a producer that found the agent parked, then Atomics.notify
 *  word 1  parked      1 while the agent is (about to be) inside Atomics.wait; written by the agent
 *  words 2..15         padding to a full cache line
 * ```
 *
 * Lost-wakeup argument (all accesses are sequentially consistent Atomics):
 *   agent:    store parked=1; s = load ringCount; re-check its rings; wait(ringCount, s)
 *   producer: store producerCursor; if load parked == 1 { add ringCount 1; notify }
 * Either the producer sees parked=1 and changes ringCount (the wait returns at once or is
 * notified), or the agent's re-check sees the new producer cursor and never waits.
 */

const RING_COUNT_WORD = 0;
const PARKED_WORD = 1;
export const DOORBELL_BYTES = 64;

export class Doorbell {
  readonly words: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(DOORBELL_BYTES)) {
    if (buffer.byteLength < DOORBELL_BYTES) throw new RangeError('doorbell buffer too small');
    this.words = new Int32Array(buffer, 0, DOORBELL_BYTES / 4);
  }

  /** Producer side: wake the agent only when it says it is parked (no syscall otherwise). */
  ring(): void {
    if (Atomics.load(this.words, PARKED_WORD) !== 0) {
      Atomics.add(this.words, RING_COUNT_WORD, 1);
      Atomics.notify(this.words, RING_COUNT_WORD);
    }
  }

  /** Cold: wake the agent whether or not it is parked (control messages, stop). */
  wake(): void {
    Atomics.add(this.words, RING_COUNT_WORD, 1);
    Atomics.notify(this.words, RING_COUNT_WORD);
  }

  /** Agent side, step 1: announce the park and return the ring count to wait on. */
  prepareToPark(): number {
    Atomics.store(this.words, PARKED_WORD, 1);
    return Atomics.load(this.words, RING_COUNT_WORD);
  }

  /** Agent side, step 2 (after re-checking for work): block until rung or timed out. Workers only. */
  park(ringCount: number, timeoutMs: number): void {
    Atomics.wait(this.words, RING_COUNT_WORD, ringCount, timeoutMs);
    Atomics.store(this.words, PARKED_WORD, 0);
  }

  /** Agent side, step 2 on the main thread: resolves when rung or timed out, never blocks the loop. */
  parkAsync(ringCount: number, timeoutMs: number): Promise<unknown> | null {
    const r = Atomics.waitAsync(this.words, RING_COUNT_WORD, ringCount, timeoutMs);
    if (!r.async) {
      Atomics.store(this.words, PARKED_WORD, 0);
      return null;
    }
    return r.value.then(() => Atomics.store(this.words, PARKED_WORD, 0));
  }

  /** Agent found work after prepareToPark: cancel the announcement. */
  unpark(): void {
    Atomics.store(this.words, PARKED_WORD, 0);
  }

  isParked(): boolean {
    return Atomics.load(this.words, PARKED_WORD) !== 0;
  }
}

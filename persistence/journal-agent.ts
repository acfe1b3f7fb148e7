/**
 * J agent: the persistence thread's duty cycle. Reads every shard's event ring with its own cursor,
 * appends each event to that shard's journal, and commits (write + fdatasync) whenever its rings
 * are momentarily empty or a buffer is full — natural group commit: the busier the engine, the
 * bigger the batches. After each commit it publishes the shard's durable sequence (low 32 bits,
 * compare with seqDiff) and rings the gateway's doorbell, which `durable` ack mode waits on.
 *
 * Its ring cursor moves only after a commit: an event leaves the ring's care only once it is on
 * disk. A restarted J (supervisor) therefore finds every event it had not made durable still in
 * the ring, and skips the ones the journal already holds (written, but the cursor not yet moved).
 */
import { Doorbell } from '../ring/doorbell.ts';
import type { RingConsumer } from '../ring/ring.ts';
import { JournalWriter } from './journal.ts';
import { seqDiff } from '../ring/layout.ts';
import { EVT_SEQ } from '../engine/event-slot.ts';
import { getI64 } from '../engine/int64.ts';
import type { JournalWriterOptions } from './journal.ts';
import { JournalWriteError } from './journal.ts';

// The shared state words (durable sequence per shard, status line) are the engine's contract,
// drawn in engine/durability.ts.
import { JournalState, durableWord, journalStatusWord } from '../engine/durability.ts';

export class JournalAgent {
  readonly writers: JournalWriter[];
  private commits = 0;
  private records = 0;
  /** Per shard: ring position up to which events are appended (released after the next commit). */
  private readonly consumed: Int32Array;
  /** Events found in the ring that the journal already held (after a restart). */
  skipped = 0;
  /** While the journal cannot write: when to try again (ms, monotonic), and the growing delay. */
  private retryAtMs = 0;
  private retryDelayMs = 0;
  private writeFailures = 0;
  /** Called when writing starts failing (with why) and when it works again (null). Cold. */
  onBlocked: ((error: string | null) => void) | null = null;

  constructor(
    dir: string,
    private readonly rings: RingConsumer[],
    private readonly state: Int32Array,
    /** The doorbells of the event readers that wait for durability (every gateway thread). */
    private readonly wake: readonly Doorbell[],
    opts: JournalWriterOptions = {},
    private readonly batch = 1024,
  ) {
    // A restarted J: the durable sequences its predecessor reached are in the state words (0 at a
    // process start) — what is below them needs no second reading.
    this.writers = rings.map((_, k) => new JournalWriter(dir, k, { ...opts, durableHint: Atomics.load(state, durableWord(k)) >>> 0 }));
    rings.forEach((_, k) => Atomics.store(state, durableWord(k), this.writers[k].durableSequence() | 0));
    this.consumed = Int32Array.from(rings, (c) => c.position());
  }

  /**
   * One duty cycle. A write that fails (disk full, I/O error) does not end the thread — a restart
   * would fail the same way: the records stay buffered and in the rings, the state says BLOCKED
   * (durable mode refuses new orders meanwhile), and the commit is retried with a growing delay
   * (50 ms → 2 s) until it works; then the state is RUNNING again and everything waiting is written.
   */
  doWork(): number {
    if (this.retryAtMs !== 0) {
      if (performance.now() < this.retryAtMs) return 0;
      this.retryAtMs = 0;
    }
    try {
      const durableBefore = this.retryDelayMs !== 0 ? this.durableTotal() : 0;
      const n = this.work();
      // Writing again only once a commit went through (appending alone proves nothing).
      if (this.retryDelayMs !== 0 && this.durableTotal() > durableBefore) {
        this.retryDelayMs = 0;
        Atomics.store(this.state, journalStatusWord(this.writers.length), JournalState.RUNNING);
        this.onBlocked?.(null);
      }
      return n;
    } catch (e) {
      if (!(e instanceof JournalWriteError)) throw e;
      const s = journalStatusWord(this.writers.length);
      this.state[s + 3] = ++this.writeFailures | 0;
      if (this.retryDelayMs === 0) {
        Atomics.store(this.state, s, JournalState.BLOCKED);
        this.onBlocked?.(e.message);
      }
      this.retryDelayMs = Math.min(2_000, this.retryDelayMs === 0 ? 50 : this.retryDelayMs * 2);
      this.retryAtMs = performance.now() + this.retryDelayMs;
      for (const d of this.wake) d.wake(); // the gateways see BLOCKED now
      return 0;
    }
  }

  private durableTotal(): number {
    let t = 0;
    for (let k = 0; k < this.writers.length; k++) t += this.writers[k].durableSequence();
    return t;
  }

  private work(): number {
    let n = 0;
    for (let k = 0; k < this.rings.length; k++) {
      const c = this.rings[k];
      const avail = c.available();
      if (avail === 0) continue;
      // `available` counts from the released cursor; what is appended but not yet durable sits before `consumed`.
      const pending = seqDiff(this.consumed[k], c.position());
      const fresh = avail - pending;
      if (fresh === 0) continue;
      const take = fresh < this.batch ? fresh : this.batch;
      const ring = c.ring;
      const w = this.writers[k];
      let pos = this.consumed[k];
      const last = w.lastSequence();
      for (let i = 0; i < take; i++) {
        const b = ring.slotWord(pos);
        if (getI64(ring.words, b + EVT_SEQ) <= last) this.skipped++;
        else w.append(ring.words, b);
        pos = (pos + 1) | 0;
      }
      this.consumed[k] = pos;
      n += take;
      // A full buffer made the writer commit inside append: hand back (and announce) what is durable.
      const durablePos = (pos - (w.lastSequence() - w.durableSequence())) | 0;
      if (seqDiff(durablePos, c.position()) > 0) {
        c.release(durablePos);
        Atomics.store(this.state, durableWord(k), w.durableSequence() | 0);
        this.ringReaders();
      }
    }
    if (n === 0) {
      // Nothing new: make what we have durable now (natural group commit), then hand the slots back.
      let committed = false;
      for (let k = 0; k < this.writers.length; k++) {
        const w = this.writers[k];
        if (w.pendingRecords() > 0) {
          Atomics.store(this.state, durableWord(k), w.commit() | 0);
          committed = true;
        }
        if (this.rings[k].position() !== this.consumed[k]) this.rings[k].release(this.consumed[k]);
      }
      if (committed) {
        this.commits++;
        const s = journalStatusWord(this.writers.length);
        this.state[s + 1] = this.commits | 0;
        this.state[s + 2] = this.records | 0;
        this.ringReaders();
      }
      return committed ? 1 : 0;
    }
    this.records += n;
    return n;
  }

  hasWork(): boolean {
    if (this.retryAtMs !== 0) return performance.now() >= this.retryAtMs;
    return this.rings.some((c, k) => c.available() > seqDiff(this.consumed[k], c.position()) || c.position() !== this.consumed[k]) || this.writers.some((w) => w.pendingRecords() > 0);
  }

  close(): void {
    for (let k = 0; k < this.writers.length; k++) {
      Atomics.store(this.state, durableWord(k), this.writers[k].commit() | 0);
      this.writers[k].close();
      if (this.rings[k].position() !== this.consumed[k]) this.rings[k].release(this.consumed[k]);
    }
    for (const d of this.wake) d.wake();
  }

  /**
   * A durable sequence moved: ring the readers that are parked (no syscall for one that is awake —
   * its re-check before parking reads the durable words, see ring/doorbell.ts).
   */
  private ringReaders(): void {
    for (let i = 0; i < this.wake.length; i++) this.wake[i].ring();
  }
}

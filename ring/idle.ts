import type { Doorbell } from './doorbell.ts';

/**
 * One contract for every wait strategy: an agent's duty cycle calls `idle(workDone)` after each
 * pass; zero work means "nothing to do, back off", non-zero resets the backoff.
 */
export interface IdleStrategy {
  readonly name: string;
  idle(workDone: number): void;
}

/** What a parking strategy re-checks after announcing the park, to close the lost-wakeup window. */
export interface WorkSource {
  hasWork(): boolean;
}

/**
 * The lost-wakeup-safe first half of parking (ring/doorbell.ts): announce the park, then re-check
 * for work. Returns the ring count to wait on, or null (park cancelled) when work arrived meanwhile.
 */
function announcePark(doorbell: Doorbell, work: WorkSource): number | null {
  const ringCount = doorbell.prepareToPark();
  if (work.hasWork()) {
    doorbell.unpark();
    return null;
  }
  return ringCount;
}

/**
 * busy-spin: lowest hop latency (the consumer notices a publish within nanoseconds), at the cost of
 * one whole core at 100 % forever. On this 2-core box only for benchmarks with one spinning thread.
 */
export class BusySpinIdle implements IdleStrategy {
  readonly name = 'busy-spin';
  idle(_workDone: number): void {
    // Deliberately empty: the caller's loop is the spin.
  }
}

// A wait array nobody ever notifies: a timed wait on it is a sub-millisecond sleep that gives the
// core back to the OS (the closest thing to sched_yield a JS worker has).
const sleepWord = new Int32Array(new SharedArrayBuffer(4));

/**
 * backoff (spin, then yield, then park): spins `maxSpins` empty passes (latency of a busy-spin for
 * bursts), then `maxYields` short timed sleeps of `yieldMs` (the core goes to other threads, wake-up
 * costs a futex timeout), then parks on the doorbell until a producer rings it or `parkMs` passes.
 * CPU when idle ≈ 0; latency of the first message after a park ≈ one futex wake (tens of µs).
 */
export class BackoffIdle implements IdleStrategy {
  readonly name = 'backoff';
  private idlePasses = 0;

  constructor(
    private readonly doorbell: Doorbell,
    private readonly work: WorkSource,
    private readonly maxSpins = 2_000,
    private readonly maxYields = 50,
    private readonly yieldMs = 0.02,
    private readonly parkMs = 50,
  ) {}

  idle(workDone: number): void {
    if (workDone > 0) {
      this.idlePasses = 0;
      return;
    }
    const n = ++this.idlePasses;
    if (n <= this.maxSpins) return;
    if (n <= this.maxSpins + this.maxYields) {
      Atomics.wait(sleepWord, 0, 0, this.yieldMs);
      return;
    }
    const ringCount = announcePark(this.doorbell, this.work);
    if (ringCount === null) {
      this.idlePasses = 0;
      return;
    }
    this.doorbell.park(ringCount, this.parkMs);
  }
}

/** A timed sleep for producers that found a ring full (no notification path needed). */
export function sleepMs(ms: number): void {
  Atomics.wait(sleepWord, 0, 0, ms);
}

/**
 * The main thread's variant: never blocks the event loop. Returns null while it is still in its
 * spin phase (call again on the next turn, e.g. via setImmediate) and a promise once it parks,
 * which resolves when a producer rings the doorbell or after `parkMs`.
 */
export class AsyncBackoffIdle {
  readonly name = 'async-backoff';
  private idlePasses = 0;

  constructor(
    private readonly doorbell: Doorbell,
    private readonly work: WorkSource,
    private readonly maxSpins = 64,
    private readonly parkMs = 50,
  ) {}

  idle(workDone: number): Promise<unknown> | null {
    if (workDone > 0) {
      this.idlePasses = 0;
      return null;
    }
    if (++this.idlePasses <= this.maxSpins) return null;
    const ringCount = announcePark(this.doorbell, this.work);
    if (ringCount === null) {
      this.idlePasses = 0;
      return null;
    }
    return this.doorbell.parkAsync(ringCount, this.parkMs);
  }
}

/**
 * busy-spin: never sleeps (one core per thread). backoff: spin 2,000 passes, then park — for boxes
 * with cores to spare (a burst's next message is caught while spinning). park: spin 50 passes, then
 * park at once — for small boxes, where spinning takes the CPU the other threads need.
 *
 * Measured (bench/wait-strategies.ts, one message every 1 ms, this 2-vCPU box): hop p50 / p99 and
 * CPU of two threads — busy-spin 2 / 9 µs, 1.05 cores; park 16 / 60 µs, 0.12 cores; backoff with the
 * old 50 × 20 µs timed sleeps between spin and park 82 / 140 µs, 0.40 cores: a message that arrives
 * during a timed sleep waits for the kernel's timer (~60–80 µs here), so those sleeps were removed.
 */
export type IdleKind = 'busy-spin' | 'backoff' | 'park';

/** Spin passes of the main thread's event pump before it parks, per strategy. */
export function mainThreadSpins(kind: IdleKind): number {
  return kind === 'park' ? 0 : 64;
}

export function makeIdle(kind: IdleKind, doorbell: Doorbell, work: WorkSource): IdleStrategy {
  if (kind === 'busy-spin') return new BusySpinIdle();
  return kind === 'park' ? new BackoffIdle(doorbell, work, 50, 0) : new BackoffIdle(doorbell, work, 2_000, 0);
}

/**
 * Open-loop send schedule and the clock the harness measures with.
 *
 * No coordinated omission: order i has an *intended* send time fixed in advance,
 * start + i / rate. A sender that falls behind (the client stalled, a socket was busy) sends late
 * orders as soon as it can, and every latency is recorded from the intended time — so a stall
 * anywhere shows up in the results as the queueing a real client at that rate would have seen,
 * instead of silently lowering the rate.
 */

/** µs since the Unix epoch, fractional (comparable across threads of one process). */
export function clockUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

export class OpenLoopSchedule {
  readonly intervalUs: number;

  constructor(
    readonly ratePerSec: number,
    readonly startUs: number,
    /** Orders in total (the run's length). */
    readonly total: number,
  ) {
    if (!(ratePerSec > 0)) throw new RangeError(`rate must be > 0, got ${ratePerSec}`);
    this.intervalUs = 1e6 / ratePerSec;
  }

  intendedUs(i: number): number {
    return this.startUs + i * this.intervalUs;
  }

  /** How many orders are due at `nowUs` (0 before the start; at most `total`). */
  dueBy(nowUs: number): number {
    if (nowUs < this.startUs) return 0;
    return Math.min(this.total, Math.floor((nowUs - this.startUs) / this.intervalUs) + 1);
  }

  /** µs from `nowUs` until order `i` is due (≤ 0: due now). */
  untilDue(i: number, nowUs: number): number {
    return this.intendedUs(i) - nowUs;
  }
}

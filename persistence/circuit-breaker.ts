/**
 * A circuit breaker for a remote dependency (the Kafka sink): closed → open after
 * `failureThreshold` consecutive failures; open for `openMs` (no attempts at all); then half-open,
 * where `halfOpenTrials` consecutive successful attempts close it again and any failure opens it
 * again. Defaults from the project's failsafe seed: 5 failures, 30 s open, 3 half-open trials.
 * Time is passed in (ms), so the policy is tested without timers.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitOptions {
  failureThreshold: number;
  openMs: number;
  halfOpenTrials: number;
}

export const DEFAULT_CIRCUIT: CircuitOptions = { failureThreshold: 5, openMs: 30_000, halfOpenTrials: 3 };

export interface CircuitTransition {
  from: CircuitState;
  to: CircuitState;
  at: number;
  /** Why: the failure that opened it, or the trial count that closed it. */
  reason: string;
}

export class CircuitBreaker {
  state: CircuitState = 'closed';
  /** Consecutive failures while closed. */
  failures = 0;
  /** Consecutive successes while half-open. */
  trials = 0;
  private openedAt = 0;
  /** Times it opened, half-opened and closed again (counters for /metrics). */
  readonly counts = { open: 0, 'half-open': 0, closed: 0 };
  onTransition: ((t: CircuitTransition) => void) | null = null;

  constructor(readonly opts: CircuitOptions = DEFAULT_CIRCUIT) {}

  /** May an attempt be made now? (Moves an open circuit to half-open once `openMs` has passed.) */
  allow(now: number): boolean {
    if (this.state !== 'open') return true;
    if (now - this.openedAt < this.opts.openMs) return false;
    this.move('half-open', now, `open for ${this.opts.openMs} ms`);
    this.trials = 0;
    return true;
  }

  /** Milliseconds until an open circuit lets an attempt through (0 when not open). */
  msUntilRetry(now: number): number {
    return this.state === 'open' ? Math.max(0, this.openedAt + this.opts.openMs - now) : 0;
  }

  success(now: number): void {
    if (this.state === 'closed') {
      this.failures = 0;
      return;
    }
    if (this.state === 'half-open' && ++this.trials >= this.opts.halfOpenTrials) {
      this.failures = 0;
      this.move('closed', now, `${this.trials} half-open trials succeeded`);
    }
  }

  failure(now: number, error: string): void {
    if (this.state === 'half-open') {
      this.open(now, `half-open trial failed: ${error}`);
      return;
    }
    if (this.state === 'closed' && ++this.failures >= this.opts.failureThreshold) this.open(now, `${this.failures} consecutive failures, the last: ${error}`);
  }

  private open(now: number, reason: string): void {
    this.openedAt = now;
    this.move('open', now, reason);
  }

  private move(to: CircuitState, at: number, reason: string): void {
    const from = this.state;
    this.state = to;
    this.counts[to]++;
    this.onTransition?.({ from, to, at, reason });
  }
}

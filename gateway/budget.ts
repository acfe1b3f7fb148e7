/** Small cold-path helpers of the gateway: token-bucket budgets and values shared for a while. */

/** A token bucket (cold paths and budgets; the per-connection order-entry buckets are inline). */
export class Budget {
  private tokens: number;
  private at = Date.now();
  constructor(private readonly rate: { perSecond: number; burst: number }) {
    this.tokens = rate.burst;
  }
  take(): boolean {
    const now = Date.now();
    if (now > this.at) {
      this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.at) * this.rate.perSecond) / 1000);
      this.at = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A server-wide budget split evenly between `threads` gateway threads (each keeps its share). */
export function shareOf(rate: { perSecond: number; burst: number }, threads: number): { perSecond: number; burst: number } {
  return { perSecond: Math.max(1, rate.perSecond / threads), burst: Math.max(1, Math.floor(rate.burst / threads)) };
}

/** A value computed at most once per `ttlMs` and shared by every caller meanwhile (cold paths). */
export class Shared<T> {
  private at = -Infinity;
  private value: T | undefined;
  constructor(private readonly ttlMs: number, private readonly compute: () => T) {}
  get(): T {
    const now = performance.now();
    if (this.value === undefined || now - this.at >= this.ttlMs) {
      this.value = this.compute();
      this.at = now;
    }
    return this.value;
  }
  /** Forget the value (the next get computes afresh). */
  clear(): void {
    this.value = undefined;
  }
}

import { describe, expect, it } from 'vitest';
import { CircuitBreaker, DEFAULT_CIRCUIT } from './circuit-breaker.ts';
import type { CircuitTransition } from './circuit-breaker.ts';

describe('CircuitBreaker (closed / open / half-open)', () => {
  it('defaults to the seed\'s policy: 5 failures, 30 s open, 3 half-open trials', () => {
    expect(DEFAULT_CIRCUIT).toEqual({ failureThreshold: 5, openMs: 30_000, halfOpenTrials: 3 });
  });

  it('opens after N consecutive failures, lets nothing through while open, half-opens after openMs, closes after the trials', () => {
    const log: CircuitTransition[] = [];
    const b = new CircuitBreaker({ failureThreshold: 3, openMs: 1_000, halfOpenTrials: 2 });
    b.onTransition = (t) => log.push(t);
    b.failure(0, 'e1');
    b.failure(1, 'e2');
    b.success(2); // a success in between resets the count
    b.failure(3, 'e3');
    b.failure(4, 'e4');
    expect(b.state).toBe('closed');
    b.failure(5, 'e5');
    expect(b.state).toBe('open');
    expect(log[0]).toMatchObject({ from: 'closed', to: 'open', at: 5, reason: expect.stringMatching(/3 consecutive failures, the last: e5/) });
    expect(b.allow(500)).toBe(false);
    expect(b.msUntilRetry(500)).toBe(505);
    expect(b.allow(1_005)).toBe(true);
    expect(b.state).toBe('half-open');
    b.success(1_010);
    expect(b.state).toBe('half-open');
    b.success(1_020);
    expect(b.state).toBe('closed');
    expect(log.map((t) => t.to)).toEqual(['open', 'half-open', 'closed']);
    expect(b.counts).toEqual({ open: 1, 'half-open': 1, closed: 1 });
  });

  it('a failed half-open trial opens it again for a full openMs', () => {
    const b = new CircuitBreaker({ failureThreshold: 1, openMs: 100, halfOpenTrials: 3 });
    b.failure(0, 'down');
    expect(b.allow(100)).toBe(true);
    b.success(101);
    b.failure(102, 'still down');
    expect(b.state).toBe('open');
    expect(b.allow(150)).toBe(false);
    expect(b.allow(202)).toBe(true);
    expect(b.counts).toEqual({ open: 2, 'half-open': 2, closed: 0 });
  });
});

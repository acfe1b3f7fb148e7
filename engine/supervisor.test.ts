import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Supervisor } from './supervisor.ts';
import type { AgentPhase } from './supervisor.ts';

/** Fake time: advance it a millisecond at a time until `cond` holds (at most `ms`). */
const until = async (cond: () => boolean, ms = 5_000): Promise<void> => {
  for (let t = 0; !cond(); t++) {
    if (t > ms) throw new Error('condition not met');
    await vi.advanceTimersByTimeAsync(1);
  }
};

describe('Supervisor policy (no threads, fake timers)', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('waits for its preconditions, backs off exponentially on failed restarts, then runs', async () => {
    const log: Array<[string, AgentPhase, number]> = [];
    let blocked = true;
    let attempts = 0;
    const sup = new Supervisor({
      names: ['R', 'M0'],
      cannotRestart: () => null,
      whileDown: () => {},
      blockedOn: () => (blocked ? 'journal catching up' : null),
      spawn: async () => {
        attempts++;
        if (attempts <= 3) throw new Error(`attempt ${attempts} failed`);
        return { type: 'ready' };
      },
      onPhase: (a, p) => log.push([sup.snapshot()[a].agent, p, Date.now()]),
    }, { pollMs: 1, minBackoffMs: 20, maxBackoffMs: 50, stableMs: 60_000, quickDeathMs: 0 });
    sup.onDeath(1, new Error('boom'));
    sup.onDeath(1, new Error('again')); // already down: ignored
    expect(sup.up[1]).toBe(0);
    expect(sup.recovering()).toBe(true);
    await vi.advanceTimersByTimeAsync(30);
    expect(attempts).toBe(0); // still blocked
    expect(sup.snapshot()[1]).toMatchObject({ phase: 'waiting', waitingFor: 'journal catching up' });
    blocked = false;
    await until(() => sup.up[1] === 1);
    const phases = log.map(([, p]) => p);
    expect(phases).toEqual(['waiting', 'recovering', 'backoff', 'waiting', 'recovering', 'backoff', 'waiting', 'recovering', 'backoff', 'waiting', 'recovering', 'running']);
    // Backoff 20, 40, then capped at 50 ms (fake time: exact).
    const backoffs = log.map(([, p, t], i) => (p === 'backoff' ? log[i + 1][2] - t : -1)).filter((d) => d >= 0);
    expect(backoffs).toEqual([20, 40, 50]);
    expect(sup.snapshot()[1]).toMatchObject({ phase: 'running', restarts: 1, failedAttempts: 3, lastError: 'attempt 3 failed', downSince: null, waitingFor: null });
    expect(sup.snapshot()[1].lastRecoveryMs).toBeGreaterThan(0);
    expect(sup.allUp()).toBe(true);
    await sup.stop();
  });

  it('says failed, and does not retry, when nothing can be rebuilt', async () => {
    let spawned = 0;
    const sup = new Supervisor({
      names: ['R'], cannotRestart: () => 'no journal', whileDown: () => {}, blockedOn: () => null,
      spawn: async () => { spawned++; },
    });
    sup.onDeath(0, new Error('exited'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(spawned).toBe(0);
    expect(sup.snapshot()[0]).toMatchObject({ phase: 'failed', lastError: 'exited' });
    expect(sup.recovering()).toBe(false);
    await sup.stop();
  });

  it('stop() cancels pending restarts', async () => {
    let spawned = 0;
    const sup = new Supervisor({
      names: ['R'], cannotRestart: () => null, whileDown: () => {}, blockedOn: () => 'never',
      spawn: async () => { spawned++; },
    }, { pollMs: 1, minBackoffMs: 1, maxBackoffMs: 1, stableMs: 1, quickDeathMs: 0 });
    sup.onDeath(0, new Error('x'));
    await sup.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(spawned).toBe(0);
  });

  it('a restarted agent that dies within quickDeathMs counts as a failed restart: backoff grows instead of a restart loop', async () => {
    const spawnedAt: number[] = [];
    const sup = new Supervisor({
      names: ['J'], cannotRestart: () => null, whileDown: () => {}, blockedOn: () => null,
      spawn: async () => { spawnedAt.push(Date.now()); return { type: 'ready' }; },
    }, { pollMs: 1, minBackoffMs: 20, maxBackoffMs: 1_000, stableMs: 60_000, quickDeathMs: 5_000 });
    sup.onDeath(0, new Error('ENOSPC')); // the first death is an incident: restarted at once
    await until(() => sup.up[0] === 1);
    const diedAt: number[] = [];
    for (let i = 0; i < 3; i++) {
      diedAt.push(Date.now());
      sup.onDeath(0, new Error('ENOSPC')); // up again, then dead at once: a failed restart
      expect(sup.snapshot()[0]).toMatchObject({ phase: 'backoff', failedAttempts: i + 1 });
      await until(() => sup.up[0] === 1);
    }
    const delays = diedAt.map((t, i) => spawnedAt[i + 1] - t);
    expect(delays).toEqual([20, 40, 80]); // fake time: exact
    await sup.stop();
  });
});

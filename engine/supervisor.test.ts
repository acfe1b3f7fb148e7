import { describe, expect, it } from 'vitest';
import { Supervisor } from './supervisor.ts';
import type { AgentPhase } from './supervisor.ts';

const until = async (cond: () => boolean, ms = 5_000): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 1));
  }
};

describe('Supervisor policy (no threads)', () => {
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
    await new Promise((r) => setTimeout(r, 30));
    expect(attempts).toBe(0); // still blocked
    expect(sup.snapshot()[1]).toMatchObject({ phase: 'waiting', waitingFor: 'journal catching up' });
    blocked = false;
    await until(() => sup.up[1] === 1);
    const phases = log.map(([, p]) => p);
    expect(phases).toEqual(['waiting', 'recovering', 'backoff', 'waiting', 'recovering', 'backoff', 'waiting', 'recovering', 'backoff', 'waiting', 'recovering', 'running']);
    // Backoff 20, 40, then capped at 50 ms.
    const backoffs = log.map(([, p, t], i) => (p === 'backoff' ? log[i + 1][2] - t : -1)).filter((d) => d >= 0);
    expect(backoffs[0]).toBeGreaterThanOrEqual(19);
    expect(backoffs[1]).toBeGreaterThanOrEqual(39);
    expect(backoffs[2]).toBeGreaterThanOrEqual(49);
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
    await new Promise((r) => setTimeout(r, 20));
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
    await new Promise((r) => setTimeout(r, 20));
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
    for (let i = 0; i < 3; i++) {
      sup.onDeath(0, new Error('ENOSPC')); // up again, then dead at once: a failed restart
      expect(sup.snapshot()[0]).toMatchObject({ phase: 'backoff', failedAttempts: i + 1 });
      await until(() => sup.up[0] === 1);
    }
    const gaps = spawnedAt.slice(1).map((t, i) => t - spawnedAt[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(19); // 20 ms, then 40, then 80
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    await sup.stop();
  });
});

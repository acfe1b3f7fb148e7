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
    }, { pollMs: 1, minBackoffMs: 20, maxBackoffMs: 50, stableMs: 60_000 });
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
    }, { pollMs: 1, minBackoffMs: 1, maxBackoffMs: 1, stableMs: 1 });
    sup.onDeath(0, new Error('x'));
    await sup.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(spawned).toBe(0);
  });
});

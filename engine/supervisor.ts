/**
 * Supervisor (main thread, cold): restarts a matching shard or the risk stage that died, on the
 * same rings, once what it needs to rebuild from is in place; backs off when restarts keep failing.
 *
 * The policy is here; the mechanics (what "ready to rebuild" means, spawning) are the engine's,
 * passed in as hooks so this logic is testable without threads.
 *
 * Life of an agent: running → (dies) → waiting (for its preconditions, e.g. the journal thread has
 * made every event it committed durable) → recovering (the new thread replays snapshot + journal)
 * → running. A failed restart goes to backoff (100 ms, 200 ms, … up to 30 s), then waiting again.
 * Without a journal nothing can be rebuilt: the agent stays `failed` and says why.
 */

export type AgentPhase = 'running' | 'waiting' | 'recovering' | 'backoff' | 'failed';

export interface AgentHealth {
  agent: string;
  phase: AgentPhase;
  /** Successful restarts since start. */
  restarts: number;
  /** Failed restart attempts in a row (reset by a restart that stays up for `stableMs`). */
  failedAttempts: number;
  lastError: string | null;
  /** Wall time of the last successful recovery (death → running), ms. */
  lastRecoveryMs: number | null;
  /** While down: since when (epoch ms). */
  downSince: number | null;
  /** While waiting: what the restart is waiting for (e.g. the journal catching up). */
  waitingFor: string | null;
}

export interface SupervisorHooks {
  names: readonly string[];
  /** Null when restarts are possible; otherwise why not (e.g. no journal). */
  cannotRestart(): string | null;
  /** Called every poll while agent is down and waiting (e.g. keep its ring cursors moving). */
  whileDown(agent: number): void;
  /** Null when the agent can be rebuilt now; otherwise what it is waiting for. */
  blockedOn(agent: number): string | null;
  /** Start the replacement; resolves when it reports ready. */
  spawn(agent: number): Promise<unknown>;
  /** Notifications (logging, metrics). */
  onPhase?(agent: number, phase: AgentPhase, detail: unknown): void;
}

export interface SupervisorOptions {
  pollMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** A restart that stays up this long clears the failure count. */
  stableMs: number;
  /**
   * A restarted agent that dies within this long counts as a failed restart (backoff grows): it
   * "reached running" but cannot stay up (e.g. the journal thread on a full disk restarted 154 times).
   */
  quickDeathMs: number;
}

export const DEFAULT_SUPERVISOR: SupervisorOptions = { pollMs: 2, minBackoffMs: 100, maxBackoffMs: 30_000, stableMs: 60_000, quickDeathMs: 5_000 };

export class Supervisor {
  private readonly health: AgentHealth[];
  private readonly startedAt: number[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;
  /** 1 = up, per agent: read on the order path by every gateway thread (shared memory). */
  readonly up: Uint8Array;
  /** 1 = failed for good (cannot be rebuilt), per agent: shared like `up`. */
  readonly failed: Uint8Array;

  constructor(private readonly hooks: SupervisorHooks, private readonly opts: SupervisorOptions = DEFAULT_SUPERVISOR) {
    this.health = hooks.names.map((agent) => ({ agent, phase: 'running', restarts: 0, failedAttempts: 0, lastError: null, lastRecoveryMs: null, downSince: null, waitingFor: null }));
    this.startedAt = hooks.names.map(() => Date.now());
    this.up = new Uint8Array(new SharedArrayBuffer(hooks.names.length)).fill(1);
    this.failed = new Uint8Array(new SharedArrayBuffer(hooks.names.length));
  }

  /** The agent's thread died (error or exit). Idempotent while it is already down. */
  onDeath(agent: number, error: Error): void {
    const h = this.health[agent];
    if (this.up[agent] === 0) return;
    this.up[agent] = 0;
    if (Date.now() - this.startedAt[agent] >= this.opts.stableMs) h.failedAttempts = 0;
    h.lastError = error.message;
    h.downSince ??= Date.now();
    if (this.stopped) return;
    const why = this.hooks.cannotRestart();
    if (why !== null) {
      this.setPhase(agent, 'failed', why);
      return;
    }
    if (h.restarts > 0 && Date.now() - this.startedAt[agent] < this.opts.quickDeathMs) {
      // Up again, then dead within seconds: a failed restart, not a fresh incident — back off.
      h.failedAttempts++;
      const delay = this.backoffMs(h);
      this.setPhase(agent, 'backoff', { error: h.lastError, retryInMs: delay, diedAfterMs: Date.now() - this.startedAt[agent] });
      this.later(delay, () => this.wait(agent));
      return;
    }
    this.wait(agent);
  }

  private backoffMs(h: AgentHealth): number {
    return Math.min(this.opts.maxBackoffMs, this.opts.minBackoffMs * 2 ** (h.failedAttempts - 1));
  }

  snapshot(): AgentHealth[] {
    return this.health.map((h) => ({ ...h }));
  }

  allUp(): boolean {
    return this.up.every((u) => u === 1);
  }

  /** True while some agent is down and may still come back. */
  recovering(): boolean {
    return this.health.some((h) => h.phase === 'waiting' || h.phase === 'recovering' || h.phase === 'backoff');
  }

  /** Stop restarting; resolves when no replacement is starting any more. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private setPhase(agent: number, phase: AgentPhase, detail: unknown = null): void {
    this.health[agent].phase = phase;
    this.failed[agent] = phase === 'failed' ? 1 : 0;
    this.hooks.onPhase?.(agent, phase, detail);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  private wait(agent: number): void {
    this.setPhase(agent, 'waiting');
    const poll = (): void => {
      this.hooks.whileDown(agent);
      const blocked = this.hooks.blockedOn(agent);
      this.health[agent].waitingFor = blocked;
      if (blocked !== null) {
        this.later(this.opts.pollMs, poll);
        return;
      }
      this.restart(agent);
    };
    poll();
  }

  private restart(agent: number): void {
    const h = this.health[agent];
    this.setPhase(agent, 'recovering');
    const p = this.hooks.spawn(agent).then(
      (ready) => {
        if (h.downSince !== null) h.lastRecoveryMs = Date.now() - h.downSince;
        h.downSince = null;
        h.restarts++;
        this.startedAt[agent] = Date.now();
        this.up[agent] = 1;
        this.setPhase(agent, 'running', ready);
      },
      (e: unknown) => {
        h.failedAttempts++;
        h.lastError = e instanceof Error ? e.message : String(e);
        const delay = this.backoffMs(h);
        this.setPhase(agent, 'backoff', { error: h.lastError, retryInMs: delay });
        this.later(delay, () => this.wait(agent));
      },
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }
}

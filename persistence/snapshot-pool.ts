/**
 * Builds snapshots on a piscina thread pool, never on the engine's threads or the gateway's loop.
 * One thread is plenty on a 2-core box (`maxThreads` scales it on bigger ones).
 */
import { Piscina } from 'piscina';
import type { EngineSpec } from '../engine/config.ts';
import type { SnapshotTask } from './snapshot.task.ts';

export class SnapshotPool {
  private readonly pool: Piscina;
  private running: Promise<unknown> | null = null;

  constructor(maxThreads = 1) {
    this.pool = new Piscina({ filename: new URL('./ts-task.mjs', import.meta.url).href, minThreads: 0, maxThreads, idleTimeout: 5_000 });
  }

  /** Build and write a snapshot up to `upTo`; one at a time (a second call waits for the first). */
  async snapshot(journalDir: string, snapshotDir: string, spec: EngineSpec, upTo: number[]): Promise<{ path: string; seqs: number[]; orders: number; ms: number }> {
    while (this.running) await this.running.catch(() => undefined);
    const task: SnapshotTask = { journalDir, snapshotDir, spec, upTo };
    const p = this.pool.run({ module: new URL('./snapshot.task.ts', import.meta.url).href, task }) as Promise<{ path: string; seqs: number[]; orders: number; ms: number }>;
    this.running = p;
    try {
      return await p;
    } finally {
      this.running = null;
    }
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

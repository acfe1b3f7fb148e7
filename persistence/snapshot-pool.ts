/**
 * Builds snapshots on a piscina thread pool, never on the engine's threads or the gateway's loop.
 * One thread is plenty on a 2-core box (`maxThreads` scales it on bigger ones).
 */
import { moduleUrl } from '../ring/threads.ts';
import type { EngineSpec } from '../engine/config.ts';
import type { SnapshotResult, SnapshotTask } from './snapshot.task.ts';
import { TaskPool } from './task-pool.ts';

export class SnapshotPool {
  private readonly pool: TaskPool<SnapshotTask, SnapshotResult>;
  private running: Promise<unknown> | null = null;

  constructor(maxThreads = 1) {
    this.pool = new TaskPool(moduleUrl('./snapshot.task.ts', import.meta.url), { minThreads: 0, maxThreads, idleTimeout: 5_000 });
  }

  /** Build and write a snapshot up to `upTo` (then retention, if given); one at a time (a second call waits for the first). */
  async snapshot(journalDir: string, snapshotDir: string, spec: EngineSpec, upTo: number[], retention?: SnapshotTask['retention']): Promise<SnapshotResult> {
    while (this.running) await this.running.catch(() => undefined);
    const task: SnapshotTask = { journalDir, snapshotDir, spec, upTo, ...(retention ? { retention } : {}) };
    const p = this.pool.run(task);
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

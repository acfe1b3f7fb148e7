/**
 * A piscina pool for one task module (cold work off the hot threads: snapshots, verification).
 * Compiled (production), piscina loads the task's .js file directly; from source (tests), a small
 * .mjs trampoline registers the TS loader in the pool thread first — piscina hides a TS module's
 * load error behind "Unknown file extension" otherwise.
 */
import { Piscina } from 'piscina';
import type { TransferListItem } from 'node:worker_threads';

const TS_TRAMPOLINE = new URL('./ts-task.mjs', import.meta.url);

export class TaskPool<T, R> {
  private readonly pool: Piscina;
  private readonly viaTrampoline: boolean;

  /** `task`: the module's URL (see moduleUrl in ring/threads.ts); its default export runs each task. */
  constructor(private readonly task: URL, opts: { minThreads: number; maxThreads: number; idleTimeout?: number }) {
    this.viaTrampoline = task.pathname.endsWith('.ts');
    this.pool = new Piscina({ filename: (this.viaTrampoline ? TS_TRAMPOLINE : task).href, ...opts });
  }

  run(task: T, opts: { transferList?: TransferListItem[] } = {}): Promise<R> {
    const arg = this.viaTrampoline ? { module: this.task.href, task } : task;
    return this.pool.run(arg, opts.transferList ? { transferList: opts.transferList } : {}) as Promise<R>;
  }

  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}

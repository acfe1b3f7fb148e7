/**
 * The journal as the engine's durability provider (engine/durability.ts defines the contract):
 * where the journal thread's code and the recovery code live, for Engine.start's `journal` option.
 */
import { moduleUrl } from '../ring/threads.ts';
import type { DurabilityOptions } from '../engine/durability.ts';

/** Journal under `dir` (segments of `segmentBytes`), recovery from it and its snapshots. */
export function journalAt(dir: string, segmentBytes?: number): DurabilityOptions {
  return {
    dir, segmentBytes,
    journalWorker: moduleUrl('./journal.worker.ts', import.meta.url),
    recoveryModule: moduleUrl('./recovery.ts', import.meta.url),
  };
}

/**
 * The persistence thread J as the engine runs it: its shared state words (durable sequence per
 * shard, status — drawn in engine/durability.ts), its stop word and doorbell, its worker — start
 * and restart, status, stop. The code it runs is the durability provider's (persistence/), named
 * by URL in DurabilityOptions; the engine supervises it like its own threads.
 */
import type { Worker } from 'node:worker_threads';
import type { Doorbell } from '../ring/doorbell.ts';
import type { IdleKind } from '../ring/idle.ts';
import { startWorker } from '../ring/threads.ts';
import type { ThreadRuntime } from '../ring/threads.ts';
import { JournalState, durableWord, journalStateBytes, journalStatusName, journalStatusWord } from './durability.ts';
import type { DurabilityOptions } from './durability.ts';
import { Stage } from './pipeline.ts';

/** What J found when it opened the journal (its first start). */
export interface JournalOpened {
  repaired: unknown[];
  durable: number[];
}

export class JournalThread {
  /** Durable sequence per shard (low 32 bits as Int32) and the status line. */
  readonly state: Int32Array;
  /** Word 0: 1 = stop (after draining the rings). */
  private readonly control = new Int32Array(new SharedArrayBuffer(64));
  private readonly statusAt: number;
  worker: Worker | null = null;
  /** What the journal found on the first open (torn tails it repaired, durable sequences). */
  opened: JournalOpened | null = null;
  /** Why the journal cannot write right now (null while it can). */
  error: string | null = null;
  /** Called when the journal starts failing to write (with why) and when it recovers (null). */
  onBlocked: ((error: string | null) => void) | null = null;

  constructor(
    private readonly opts: DurabilityOptions,
    private readonly shards: number,
    /** J's own doorbell (rung by the shards when they commit). */
    readonly doorbell: Doorbell,
  ) {
    this.state = new Int32Array(new SharedArrayBuffer(journalStateBytes(shards)));
    this.statusAt = journalStatusWord(shards);
  }

  /** Start (or restart) J on the event rings with its consumer slot; resolves when it is ready. */
  async start(rings: { eventRings: SharedArrayBuffer[]; consumerIndex: number; wake: SharedArrayBuffer[]; idle: IdleKind }): Promise<{ worker: Worker; ready: JournalOpened & { runtime?: ThreadRuntime } }> {
    const { worker, ready } = await startWorker<JournalOpened & { runtime?: ThreadRuntime }>(this.opts.journalWorker, {
      dir: this.opts.dir, segmentBytes: this.opts.segmentBytes, eventRings: rings.eventRings, consumerIndex: rings.consumerIndex,
      doorbell: this.doorbell.buffer, wake: rings.wake, state: this.state.buffer, control: this.control.buffer, idle: rings.idle,
    }, { name: Stage.JOURNAL });
    this.worker = worker;
    worker.on('message', (m: { type?: string; error?: string | null }) => {
      if (m.type === 'journal-blocked') {
        this.error = m.error ?? null;
        this.onBlocked?.(this.error);
      }
    });
    this.opened ??= { repaired: ready.repaired, durable: ready.durable };
    return { worker, ready };
  }

  /** 'running', 'blocked' (cannot write; retrying), 'stopped', 'failed' or 'starting'. */
  status(): string {
    return journalStatusName(Atomics.load(this.state, this.statusAt));
  }

  /** The thread died: say so in the shared status (the gateway refuses durable orders). */
  markFailed(): void {
    Atomics.store(this.state, this.statusAt, JournalState.FAILED);
  }

  /** Shard k's durable sequence (low 32 bits). */
  durable(k: number): number {
    return Atomics.load(this.state, durableWord(k));
  }

  /** Stop after it has drained the rings (the matching threads have exited); at most 10 s. */
  async stop(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    const exit = new Promise<void>((res) => { w.once('exit', () => res()); });
    Atomics.store(this.control, 0, 1);
    this.doorbell.wake();
    const t = setTimeout(() => { void w.terminate(); }, 10_000);
    await exit;
    clearTimeout(t);
  }

  get shardCount(): number {
    return this.shards;
  }
}

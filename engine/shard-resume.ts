/**
 * Rebuilding a matching shard that died while the engine kept running (cold; supervisor restart).
 *
 * What the dead thread left behind, and why this is enough to continue exactly:
 * - its event ring holds every event it committed, and the journal thread has made them durable
 *   (the supervisor waits for that before starting the replacement);
 * - its input ring still holds every command it had not handed back — the shard releases a
 *   batch's commands only after committing the batch's events (see ShardAgent).
 *
 * So the journal is the truth and the input ring is the to-do list. Commands in the ring whose
 * command sequence is older than the journal's last command were fully processed: they are
 * skipped. The journal's last command may have been cut off mid-way (a shard commits early when its
 * event ring is full, e.g. during a large mass cancel): if that command is still in the ring, the
 * state is rebuilt *without* its events and the command is processed again with its first N
 * events suppressed and checked against the journal — matching is deterministic, so the re-run
 * emits the same events and continues where the dead thread stopped.
 */
import { seqDiff } from '../ring/layout.ts';
import type { RingConsumer } from '../ring/ring.ts';
import { CMD_SEQ } from './command-slot.ts';
import { EVT_COMMAND_SEQ, EVT_SEQ, EVT_SLOT_WORDS } from './event-slot.ts';
import { getI64 } from './int64.ts';
import type { MatchingShard, ShardState } from './matching-shard.ts';
import type { RingEventOut } from './shard-agent.ts';

export interface ShardResumeSource {
  /** A fresh shard writing into `out`. */
  make(): MatchingShard;
  /** The newest snapshot's state of this shard and the journal sequence it includes, if any. */
  snapshot: { state: ShardState; seq: number } | null;
  /** Feed every journaled event after `afterSeq` (one reused slot) to `apply`, in order. */
  replay(afterSeq: number, apply: (slot: Int32Array) => void): void;
}

export interface ShardResumeResult {
  shard: MatchingShard;
  /** Journal records applied. */
  replayed: number;
  /** Commands in the input ring that had already been processed (handed back now). */
  skipped: number;
  /** The command cut off mid-way, if there was one: events it had published, and how many more the re-run published. */
  interrupted: { commandSeq: number; published: number; reemitted: number } | null;
  /** True when the snapshot could not be used (the interrupted command straddled it). */
  fullReplay: boolean;
}

export function resumeShard(src: ShardResumeSource, input: RingConsumer, out: RingEventOut, nowUs: number): ShardResumeResult {
  let fullReplay = false;
  for (;;) {
    const shard = src.make();
    const snap = fullReplay ? null : src.snapshot;
    if (snap) shard.importState(snap.state);
    // Hold back the events of the newest command until the next command's first event shows up.
    const held: Int32Array[] = [];
    let heldCount = 0;
    let heldCmd = 0;
    let replayed = 0;
    src.replay(snap ? snap.seq : 0, (slot) => {
      const cs = slot[EVT_COMMAND_SEQ];
      if (heldCount > 0 && cs !== heldCmd) {
        for (let i = 0; i < heldCount; i++) shard.replayEvent(held[i], 0);
        heldCount = 0;
      }
      heldCmd = cs;
      if (heldCount === held.length) held.push(new Int32Array(EVT_SLOT_WORDS));
      held[heldCount++].set(slot);
      replayed++;
    });

    // Commands older than the journal's newest command were processed completely: hand them back.
    const ring = input.ring;
    let pos = input.position();
    const end = (pos + input.available()) | 0;
    let skipped = 0;
    if (heldCount > 0) {
      while (pos !== end && seqDiff(ring.words[ring.slotWord(pos) + CMD_SEQ], heldCmd) < 0) {
        pos = (pos + 1) | 0;
        skipped++;
      }
    }
    const interrupted = heldCount > 0 && pos !== end && ring.words[ring.slotWord(pos) + CMD_SEQ] === heldCmd;
    if (!interrupted) {
      for (let i = 0; i < heldCount; i++) shard.replayEvent(held[i], 0);
      input.release(pos);
      shard.validateInternalState();
      return { shard, replayed, skipped, interrupted: null, fullReplay };
    }
    if (snap && getI64(held[0], EVT_SEQ) === snap.seq + 1) {
      // The snapshot may already contain the first part of this command: rebuild from the start.
      fullReplay = true;
      continue;
    }
    shard.validateInternalState();
    out.suppress(held.slice(0, heldCount));
    const published0 = out.published;
    shard.setClock(nowUs);
    shard.process(ring.words, ring.slotWord(pos));
    if (!out.endSuppression()) {
      throw new Error(`shard restart: re-processing command ${heldCmd} emitted fewer events than the journal holds (${heldCount})`);
    }
    // Events first, then the command is handed back (the ShardAgent order).
    out.commit();
    input.release((pos + 1) | 0);
    shard.validateInternalState();
    return {
      shard, replayed, skipped, fullReplay,
      interrupted: { commandSeq: heldCmd, published: heldCount, reemitted: out.published - published0 - heldCount },
    };
  }
}

/**
 * Point-in-time recovery: the engine's state as of given journal sequences (or a wall-clock time)
 * rebuilt from the newest snapshot at or before them plus the journal up to them — read-only: the
 * live data folder is never written, locked or repaired (a server may be running on it). For
 * inspecting the books and accounts at an incident. CLI: persistence/pitr-cli.ts (`npm run pitr`).
 */
import { EVT_SLOT_BYTES, EVT_TS } from '../engine/event-slot.ts';
import { Side } from '../engine/codes.ts';
import { formatUnits } from '../engine/decimal.ts';
import type { EngineSpec } from '../engine/config.ts';
import { listSegments, readJournal, segmentFirstSeq } from './journal.ts';
import { Recovery } from './recovery.ts';

export interface PointInTime {
  /** The sequences the state is as of, per shard (the last event at or before the time, with --time). */
  seqs: number[];
  /** The snapshot it started from (null: the whole journal). */
  fromSnapshot: number[] | null;
  /** Journal records replayed after the snapshot. */
  replayed: number;
  /** Per shard: the state hash (compare with /v1/admin/… or another rebuild) and the time of its last event. */
  shards: Array<{ shard: number; seq: number; stateHash: string; lastEventAt: string | null }>;
  riskHash: string;
  /** Per symbol: resting orders per side and the best `depth` levels a side (decimals). */
  books: Array<{ symbol: string; orders: { bids: number; asks: number }; bids: string[][]; asks: string[][] }>;
}

/**
 * Per shard, the last journal sequence whose event time is at or before `atMs` (0: none). Scans
 * each shard's journal from its first segment on disk (cold; ~1 s per million records).
 */
export function sequencesAt(journalDir: string, shards: number, atMs: number): { seqs: number[]; times: Array<number | null> } {
  const atUs = atMs * 1000;
  const seqs: number[] = [];
  const times: Array<number | null> = [];
  for (let k = 0; k < shards; k++) {
    let seq = 0;
    let time: number | null = null;
    const files = listSegments(journalDir, k);
    const first = files.length > 0 ? segmentFirstSeq(files[0]) : 1;
    readJournal(journalDir, k, {
      onRecord: (s, bytes, at) => {
        const v = new DataView(bytes.buffer, bytes.byteOffset + at, EVT_SLOT_BYTES);
        const ts = v.getUint32(EVT_TS * 4, true) + v.getUint32(EVT_TS * 4 + 4, true) * 4294967296;
        if (ts <= atUs) {
          seq = s;
          time = ts;
        }
      },
    });
    // Before the journal's first record on disk (trimmed by retention): the state at that time is
    // not on disk any more — say so rather than answer with a later one.
    if (seq === 0 && first > 1) {
      throw new RangeError(`shard ${k}: the journal on disk starts at sequence ${first}, after the asked time (older segments were archived by retention: put them back, or ask for a later time)`);
    }
    seqs.push(seq);
    times.push(time);
  }
  return { seqs, times };
}

export function rebuildAt(journalDir: string, snapshotDir: string, spec: EngineSpec, upTo: number[], depth = 10, onBadSnapshot?: (file: string, why: string) => void): PointInTime {
  if (upTo.length !== spec.shards) throw new RangeError(`${upTo.length} sequences for ${spec.shards} shards`);
  const recovery = Recovery.open(journalDir, spec, snapshotDir, { upTo, onBadSnapshot });
  const lastTs = new Array<number | null>(spec.shards).fill(null);
  const { shards, risk, seqs } = recovery.restore(spec, upTo);
  let replayed = 0;
  for (let k = 0; k < spec.shards; k++) {
    replayed += Math.max(0, seqs[k] - recovery.baseSeq(k));
    // The time of the state: its last event's (when that record is still on disk).
    if (seqs[k] > 0) {
      try {
        recovery.replay(k, (slot) => { lastTs[k] = slot[EVT_TS + 1] * 4294967296 + (slot[EVT_TS] >>> 0); }, { from: seqs[k] - 1, to: seqs[k] });
      } catch {
        lastTs[k] = null; // archived by retention: the snapshot alone holds that point
      }
    }
  }
  if (seqs.some((s, k) => s < upTo[k])) {
    const short = seqs.map((s, k) => (s < upTo[k] ? `shard ${k}: ${s} < ${upTo[k]}` : null)).filter(Boolean);
    throw new RangeError(`the journal ends before the asked point (${short.join(', ')})`);
  }
  return {
    seqs,
    fromSnapshot: recovery.snapshot?.seqs ?? null,
    replayed,
    shards: shards.map((s, k) => ({ shard: k, seq: seqs[k], stateHash: s.stateHash(), lastEventAt: lastTs[k] === null ? null : new Date(Math.floor((lastTs[k] as number) / 1000)).toISOString() })),
    riskHash: risk.stateHash(),
    books: spec.symbols.map((sym) => {
      const shard = shards[sym.shard];
      const fmt = (side: number): string[][] => shard.depth(sym.id, side, depth).map(([p, q]) => [formatUnits(p, sym.tick), formatUnits(q, sym.lot)]);
      return { symbol: sym.name, orders: { bids: shard.orders(sym.id, Side.BUY).length, asks: shard.orders(sym.id, Side.SELL).length }, bids: fmt(Side.BUY), asks: fmt(Side.SELL) };
    }),
  };
}


/**
 * The audit consumer (library): reads the Kafka event stream, de-duplicates by (shard, seq),
 * reports gaps and duplicates, rebuilds every shard's books from the events alone and produces a
 * state hash per shard comparable to the engine's `stateHash()`. Records it cannot decode are
 * handed back with the reason, for a dead-letter topic. Cold path.
 */
import { EVT_SEQ } from '../engine/event-slot.ts';
import { getI64 } from '../engine/int64.ts';
import { replayOnlyShard } from '../engine/matching-shard.ts';
import type { MatchingShard } from '../engine/matching-shard.ts';
import type { EngineSpec } from '../engine/config.ts';
import { decodeEngineEvent, decodeEngineEventBatch } from './event-codec.ts';
import type { DecodedEngineEvent } from './event-codec.ts';

export type AuditOutcome = { kind: 'applied' | 'duplicate' } | { kind: 'gap'; shard: number; expected: number; got: number } | { kind: 'undecodable'; reason: string };

export class Audit {
  private readonly books: MatchingShard[];
  /** Next sequence expected per shard. */
  readonly next: number[];
  /** Events that arrived ahead of a gap, waiting for it to be filled (by seq). */
  private readonly ahead: Array<Map<number, Int32Array>>;
  readonly counts = { applied: 0, duplicates: 0, undecodable: 0 };
  readonly gaps: Array<{ shard: number; expected: number; got: number }> = [];

  constructor(private readonly spec: EngineSpec) {
    this.books = Array.from({ length: spec.shards }, (_, k) => replayOnlyShard(spec, k));
    this.next = this.books.map(() => 1);
    this.ahead = this.books.map(() => new Map());
  }

  /** Feed one record value. Out-of-order events wait for the missing ones; repeats are dropped. */
  /**
   * One Kafka record: an EngineEvent, or (`batchCount` from the record's `count` header) an
   * EngineEventBatch, whose events are taken one by one. A batch's outcome is its worst event's.
   */
  onRecord(value: Uint8Array, batchCount = 0): AuditOutcome {
    if (batchCount > 0) {
      let events;
      try {
        events = decodeEngineEventBatch(value);
        if (events.length !== batchCount) throw new Error(`the count header says ${batchCount} events, the batch holds ${events.length}`);
      } catch (e) {
        this.counts.undecodable++;
        return { kind: 'undecodable', reason: (e as Error).message };
      }
      let worst: AuditOutcome = { kind: 'duplicate' };
      for (const d of events) {
        const o = this.onEvent(d);
        if (o.kind === 'undecodable' || o.kind === 'gap' || (o.kind === 'applied' && worst.kind === 'duplicate')) worst = o;
      }
      return worst;
    }
    let d;
    try {
      d = decodeEngineEvent(value);
    } catch (e) {
      this.counts.undecodable++;
      return { kind: 'undecodable', reason: (e as Error).message };
    }
    return this.onEvent(d);
  }

  private onEvent(d: DecodedEngineEvent): AuditOutcome {
    if (d.shard >= this.books.length) {
      this.counts.undecodable++;
      return { kind: 'undecodable', reason: `shard ${d.shard} does not exist in this configuration (${this.books.length} shards)` };
    }
    const seq = getI64(d.slot, EVT_SEQ);
    const k = d.shard;
    if (seq < this.next[k] || this.ahead[k].has(seq)) {
      this.counts.duplicates++;
      return { kind: 'duplicate' };
    }
    if (seq > this.next[k]) {
      this.ahead[k].set(seq, d.slot);
      const gap = { shard: k, expected: this.next[k], got: seq };
      if (this.ahead[k].size === 1) this.gaps.push(gap);
      return { kind: 'gap', ...gap };
    }
    this.apply(k, d.slot);
    for (let s = this.ahead[k].get(this.next[k]); s; s = this.ahead[k].get(this.next[k])) {
      this.ahead[k].delete(this.next[k]);
      this.apply(k, s);
    }
    return { kind: 'applied' };
  }

  private apply(k: number, slot: Int32Array): void {
    this.books[k].replayEvent(slot, 0);
    this.next[k]++;
    this.counts.applied++;
  }

  /** Gaps still open: events after them arrived, the missing ones did not (yet). */
  openGaps(): Array<{ shard: number; missingFrom: number; waiting: number }> {
    return this.ahead.flatMap((m, k) => (m.size ? [{ shard: k, missingFrom: this.next[k], waiting: m.size }] : []));
  }

  stateHashes(): string[] {
    return this.books.map((b) => b.stateHash());
  }

  lastSequences(): number[] {
    return this.next.map((n) => n - 1);
  }
}

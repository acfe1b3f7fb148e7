/**
 * Ships the journal to an EventSink (Kafka), in order, per shard, from the last shipped sequence.
 * Never on the order path: it follows the journal files, not the rings. When the sink fails, it
 * keeps the batch, opens its circuit and retries with exponential backoff (the journal keeps
 * growing meanwhile); when the sink is back, it resumes exactly where it stopped.
 */
import { EVT_SYMBOL } from '../engine/event-slot.ts';
import type { EngineSpec } from '../engine/config.ts';
import { EngineEventBatchWriter, encodeEngineEvent } from './event-codec.ts';
import type { EventSink, SinkRecord } from './event-sink.ts';
import { JournalTail } from './journal-tail.ts';
import { ShippedOffsets } from './shipped-offsets.ts';

export interface ShipperStats {
  state: 'stopped' | 'running' | 'backing-off';
  shipped: number[];
  sent: number;
  failures: number;
  lastError: string | null;
  backoffMs: number;
}

export class KafkaShipper {
  private readonly tails: JournalTail[];
  private readonly offsets: ShippedOffsets;
  private readonly pending: Array<SinkRecord[] | null>;
  private running = false;
  private loopDone: Promise<void> | null = null;
  private backoffMs = 0;
  readonly stats: ShipperStats;

  constructor(
    private readonly journalDir: string,
    private readonly spec: EngineSpec,
    private readonly sink: EventSink,
    private readonly opts: {
      batch?: number; minBackoffMs?: number; maxBackoffMs?: number; idleMs?: number;
      /** Up to this many consecutive events of one symbol per Kafka record (an EngineEventBatch); 1 = one event per record. */
      eventsPerRecord?: number;
    } = {},
  ) {
    this.offsets = new ShippedOffsets(journalDir, spec.shards);
    this.tails = Array.from({ length: spec.shards }, (_, k) => new JournalTail(journalDir, k, this.offsets.get(k)));
    this.pending = new Array(spec.shards).fill(null);
    this.stats = { state: 'stopped', shipped: this.tails.map((_, k) => this.offsets.get(k)), sent: 0, failures: 0, lastError: null, backoffMs: 0 };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stats.state = 'running';
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loopDone;
    for (const t of this.tails) t.close();
    await this.sink.disconnect().catch(() => undefined);
    this.stats.state = 'stopped';
  }

  /** One pass over every shard; returns how many events it shipped (throws what the sink threw). */
  async shipOnce(): Promise<number> {
    let n = 0;
    for (let k = 0; k < this.tails.length; k++) {
      let batch = this.pending[k];
      if (!batch) {
        const recs = this.tails[k].next(this.opts.batch ?? 2_000);
        if (recs.length === 0) continue;
        batch = this.records(k, recs);
        this.pending[k] = batch;
      }
      await this.sink.send(batch);
      const lastRec = batch[batch.length - 1];
      const last = lastRec.seq + lastRec.count - 1;
      this.offsets.set(k, last);
      this.stats.shipped[k] = last;
      this.pending[k] = null;
      const events = batch.reduce((c, r) => c + r.count, 0);
      this.stats.sent += events;
      n += events;
    }
    return n;
  }

  /** Journal records → Kafka records: one event each, or runs of one symbol as an EngineEventBatch. */
  private records(k: number, recs: Array<{ seq: number; payload: Uint8Array }>): SinkRecord[] {
    const per = Math.max(1, this.opts.eventsPerRecord ?? 1);
    const out: SinkRecord[] = [];
    let run: { key: string; seq: number; words: Int32Array } | null = null;
    const flush = (): void => {
      if (!run) return;
      const count = this.batchWriter.count;
      const value = this.batchWriter.finish();
      // A run of one stays a plain EngineEvent: a `count` header always means a batch of ≥ 2.
      out.push({ key: run.key, value: count === 1 ? encodeEngineEvent(k, run.words, 0, run.key) : value, shard: k, seq: run.seq, count });
      run = null;
    };
    for (const r of recs) {
      const words = new Int32Array(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength / 4);
      const sym = this.spec.symbols[words[EVT_SYMBOL]]?.name ?? '';
      if (per === 1) {
        out.push({ key: sym, value: encodeEngineEvent(k, words, 0, sym, r.payload), shard: k, seq: r.seq, count: 1 });
        continue;
      }
      if (run && (run.key !== sym || this.batchWriter.count >= per)) flush();
      run ??= { key: sym, seq: r.seq, words };
      this.batchWriter.add(k, words, 0, sym, r.payload);
    }
    flush();
    return out;
  }

  private readonly batchWriter = new EngineEventBatchWriter();

  private async loop(): Promise<void> {
    const min = this.opts.minBackoffMs ?? 100;
    const max = this.opts.maxBackoffMs ?? 5_000;
    while (this.running) {
      try {
        const n = await this.shipOnce();
        if (this.backoffMs > 0) {
          this.backoffMs = 0;
          this.stats.backoffMs = 0;
          this.stats.state = 'running';
        }
        if (n === 0) await sleep(this.opts.idleMs ?? 20);
      } catch (e) {
        // Circuit open: keep the batch, back off exponentially, try again.
        this.stats.failures++;
        this.stats.lastError = (e as Error).message;
        this.backoffMs = this.backoffMs === 0 ? min : Math.min(max, this.backoffMs * 2);
        this.stats.backoffMs = this.backoffMs;
        this.stats.state = 'backing-off';
        await sleep(this.backoffMs);
      }
    }
  }

  /** Events journaled but not yet shipped, per shard (given the journal's durable sequences). */
  lag(durable: number[]): number[] {
    return durable.map((d, k) => Math.max(0, d - this.stats.shipped[k]));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

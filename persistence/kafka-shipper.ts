/**
 * Ships the journal to an EventSink (Kafka), in order, per shard, from the last shipped sequence.
 * Never on the order path: it follows the journal files, not the rings. When the sink fails, it
 * keeps the batch and retries with exponential backoff; after `circuit.failureThreshold` failures
 * in a row its circuit breaker opens (persistence/circuit-breaker.ts: no attempt for `openMs`),
 * then half-opens and closes after `halfOpenTrials` good sends (the journal keeps everything
 * meanwhile); it always resumes exactly where it stopped.
 */
import { EVT_SYMBOL } from '../engine/event-slot.ts';
import type { EngineSpec } from '../engine/config.ts';
import { EngineEventBatchWriter, encodeEngineEvent } from './event-codec.ts';
import type { EventSink, SinkRecord } from './event-sink.ts';
import { JournalTail } from './journal-tail.ts';
import { ShippedOffsets } from './shipped-offsets.ts';
import { CircuitBreaker, DEFAULT_CIRCUIT } from './circuit-breaker.ts';
import type { CircuitOptions, CircuitState, CircuitTransition } from './circuit-breaker.ts';

export interface ShipperStats {
  /** running; backing-off (a send failed, retrying, circuit still closed); open; half-open; stopped. */
  state: 'stopped' | 'running' | 'backing-off' | 'open' | 'half-open';
  shipped: number[];
  sent: number;
  failures: number;
  lastError: string | null;
  backoffMs: number;
  /** The circuit breaker: state, consecutive failures, transitions so far, the last transition. */
  circuit: { state: CircuitState; failures: number; opened: number; halfOpened: number; closed: number; last: CircuitTransition | null };
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
      /** Circuit breaker policy (default: 5 failures, 30 s open, 3 half-open trials). */
      circuit?: Partial<CircuitOptions>;
      /** Up to this many consecutive events of one symbol per Kafka record (an EngineEventBatch); 1 = one event per record. */
      eventsPerRecord?: number;
    } = {},
  ) {
    this.offsets = new ShippedOffsets(journalDir, spec.shards);
    this.tails = Array.from({ length: spec.shards }, (_, k) => new JournalTail(journalDir, k, this.offsets.get(k)));
    this.pending = new Array(spec.shards).fill(null);
    this.breaker = new CircuitBreaker({ ...DEFAULT_CIRCUIT, ...opts.circuit });
    this.stats = {
      state: 'stopped', shipped: this.tails.map((_, k) => this.offsets.get(k)), sent: 0, failures: 0, lastError: null, backoffMs: 0,
      circuit: { state: 'closed', failures: 0, opened: 0, halfOpened: 0, closed: 0, last: null },
    };
    this.breaker.onTransition = (t) => {
      this.stats.circuit.last = t;
      this.onCircuit?.(t);
    };
  }

  readonly breaker: CircuitBreaker;
  /** Called on every circuit transition (the Kafka thread logs them through the main thread). */
  onCircuit: ((t: CircuitTransition) => void) | null = null;

  private syncCircuit(): void {
    const b = this.breaker;
    const c = this.stats.circuit;
    c.state = b.state;
    c.failures = b.failures;
    c.opened = b.counts.open;
    c.halfOpened = b.counts['half-open'];
    c.closed = b.counts.closed;
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
    const b = this.breaker;
    while (this.running) {
      if (!b.allow(Date.now())) {
        // Open: no attempt at all until openMs has passed (checked at most every 200 ms, so stop() stays prompt).
        this.stats.state = 'open';
        this.syncCircuit();
        await sleep(Math.min(200, b.msUntilRetry(Date.now())));
        continue;
      }
      try {
        const n = await this.shipOnce();
        // A pass that sent something is a success (a trial, when half-open); an idle one proves nothing.
        if (n > 0 || b.state === 'closed') b.success(Date.now());
        this.backoffMs = 0;
        this.stats.backoffMs = 0;
        this.stats.state = b.state === 'half-open' ? 'half-open' : 'running';
        this.syncCircuit();
        if (n === 0) await sleep(this.opts.idleMs ?? 20);
      } catch (e) {
        // Keep the batch; count the failure (it may open the circuit); back off and try again.
        this.stats.failures++;
        this.stats.lastError = (e as Error).message;
        b.failure(Date.now(), this.stats.lastError);
        this.syncCircuit();
        if (b.state === 'open') continue;
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

/**
 * What one gateway thread needs of the engine, made of shared memory only — so the same object
 * works on the main thread and on a gateway worker thread (gateway/gateway.worker.ts):
 *
 * ```
 *   gateway thread g ──► command ring C[g] ──► R            (one single-producer ring per thread)
 *   shard k ──► event ring E[k] ──► consumer slot "G" (g = 0) or "G<g>" (g ≥ 1), doorbell per thread
 *   supervisor up/failed flags, journal state words, per-account connection counts: read-only here
 * ```
 *
 * Hot methods (claim, commit, routeUp, journalWriting) are array reads and atomics only.
 */
import { Doorbell } from '../ring/doorbell.ts';
import { RING_FULL, RingBuffer, RingConsumer, RingProducer } from '../ring/ring.ts';
import type { IdleKind } from '../ring/idle.ts';
import { nowUs } from './clock.ts';
import { CMD_INGRESS_TS, CMD_SLOT_WORDS, encodeCommand } from './command-slot.ts';
import type { Command } from './command-slot.ts';
import { STAT_PROCESSED, agentLine, shardAgent } from './control.ts';
import { getI64, putI64 } from './int64.ts';
import type { EngineSpec } from './config.ts';
import { JournalState, journalStatusName, journalStatusWord } from './durability.ts';
import { Stage, shardThreadName } from './pipeline.ts';

/** Everything a gateway thread is handed (structured-clone safe: numbers, specs and SABs). */
export interface LinkDescriptor {
  /** Gateway thread index: 0 is the main thread. */
  index: number;
  /** Gateway threads in all. */
  threads: number;
  spec: EngineSpec;
  /** This thread's command ring into the risk stage, and the risk stage's doorbell. */
  input: SharedArrayBuffer;
  riskDoorbell: SharedArrayBuffer;
  /** R→M[k] rings (read-only here: whether a shard finished its input, on close). */
  shardInputs: SharedArrayBuffer[];
  eventRings: SharedArrayBuffer[];
  /** This thread's consumer slot name and index on every event ring, and its doorbell. */
  consumer: string;
  consumerIndex: number;
  doorbell: SharedArrayBuffer;
  /** Engine control words (agent stats). */
  control: SharedArrayBuffer;
  /** Supervisor flags per agent (R, M0…, J): 1 = up / 1 = failed for good. */
  up: SharedArrayBuffer;
  failed: SharedArrayBuffer;
  /** Journal durable sequences and status (null without a journal). */
  journalState: SharedArrayBuffer | null;
  /** Open authenticated connections per account, over every gateway thread (cancel-on-disconnect). */
  accountConns: SharedArrayBuffer;
  idle: IdleKind;
}

/** Name of gateway thread g's event-ring consumer slot (engine/topology.ts). */
export function gatewayConsumer(g: number): string {
  return g === 0 ? Stage.GATEWAY : `${Stage.GATEWAY}${g}`;
}

export class EngineLink {
  readonly spec: EngineSpec;
  readonly index: number;
  readonly threads: number;
  readonly input: RingProducer;
  readonly eventRings: RingBuffer[];
  readonly consumerName: string;
  readonly doorbell: Doorbell;
  readonly journalState: Int32Array | null;
  /** Connections per account over every gateway thread (Atomics). */
  readonly accountConns: Int32Array;
  private readonly consumerIndex: number;
  private readonly up: Uint8Array;
  private readonly failed: Uint8Array;
  private readonly shardOf: Int32Array;
  private readonly shardInputs: RingBuffer[];
  private readonly control: Int32Array;
  private readonly scratch = new Int32Array(CMD_SLOT_WORDS);
  private readonly journalStatusAt: number;

  /** `input`: the main thread passes the engine's own producer (one producer object per ring). */
  constructor(readonly descriptor: LinkDescriptor, input?: RingProducer) {
    const d = descriptor;
    this.spec = d.spec;
    this.index = d.index;
    this.threads = d.threads;
    this.input = input ?? new RingProducer(new RingBuffer(d.input), [new Doorbell(d.riskDoorbell)]);
    this.eventRings = d.eventRings.map((b) => new RingBuffer(b));
    this.shardInputs = d.shardInputs.map((b) => new RingBuffer(b));
    this.consumerName = d.consumer;
    this.consumerIndex = d.consumerIndex;
    this.doorbell = new Doorbell(d.doorbell);
    this.journalState = d.journalState ? new Int32Array(d.journalState) : null;
    this.accountConns = new Int32Array(d.accountConns);
    this.up = new Uint8Array(d.up);
    this.failed = new Uint8Array(d.failed);
    this.control = new Int32Array(d.control);
    this.shardOf = Int32Array.from(d.spec.symbols, (x) => x.shard);
    this.journalStatusAt = journalStatusWord(d.eventRings.length);
  }

  /** This thread's cursor on shard k's event ring. */
  consumer(k: number): RingConsumer {
    return new RingConsumer(this.eventRings[k], this.consumerIndex);
  }

  /** Unread events of shard k for this thread. */
  lag(k: number): number {
    return this.eventRings[k].lag(this.consumerIndex);
  }

  /**
   * Hot: claim the next command slot of this thread's ring. Returns its word index in
   * `input.ring.words`, or -1 when the ring is full (ENGINE_BUSY). Fill it, then `commitCommands()`.
   * The slot is zeroed and its ingress time set here: `ingressUs` (the gateway passes the time its
   * frame arrived) or now.
   */
  tryClaimCommand(ingressUs = 0): number {
    if (this.input.tryClaim(1) === RING_FULL) return -1;
    const b = this.input.ring.slotWord(this.input.lastClaimed);
    this.input.ring.words.fill(0, b, b + CMD_SLOT_WORDS);
    putI64(this.input.ring.words, b + CMD_INGRESS_TS, ingressUs > 0 ? ingressUs : nowUs());
    return b;
  }

  commitCommands(): void {
    this.input.commit();
  }

  /** Hot: commit without waking the risk stage; call ringRisk() soon (once for many commits). */
  publishCommands(): void {
    this.input.publish();
  }

  /** Wake the risk stage if it is parked (after publishCommands). */
  ringRisk(): void {
    this.input.ringDoorbells();
  }

  /** Cold: fill a claimed slot from a Command object (keeping its ingress time) and commit it. */
  submitInto(b: number, cmd: Command): void {
    const w = this.input.ring.words;
    const ts = getI64(w, b + CMD_INGRESS_TS);
    encodeCommand({ ...cmd, ingressTs: cmd.ingressTs ?? ts }, this.scratch, 0);
    for (let i = 0; i < this.scratch.length; i++) w[b + i] = this.scratch[i];
    this.commitCommands();
  }

  /** Cold: submit a Command object; false when the ring is full. */
  submit(cmd: Command): boolean {
    const b = this.tryClaimCommand();
    if (b < 0) return false;
    this.submitInto(b, cmd);
    return true;
  }

  /** Hot: whether orders for this symbol can be taken now (risk and its shard up; < 0: every shard). */
  routeUp(symbol: number): boolean {
    const up = this.up;
    if (up[0] === 0) return false;
    if (symbol >= 0) return symbol >= this.shardOf.length || up[1 + this.shardOf[symbol]] === 1;
    for (let k = 1; k <= this.shardInputs.length; k++) if (up[k] === 0) return false;
    return true;
  }

  /** Cold: the agents an order for `symbol` needs that are down now, and whether one failed for good. */
  down(symbol: number): { agents: string[]; failed: string | null } {
    const agents: string[] = [];
    let failed: string | null = null;
    for (let i = 0; i <= this.shardInputs.length; i++) {
      if (this.up[i] !== 0) continue;
      if (i > 0 && symbol >= 0 && this.spec.symbols[symbol]?.shard !== i - 1) continue;
      const name = i === 0 ? Stage.RISK : shardThreadName(i - 1);
      agents.push(name);
      if (this.failed[i] === 1) failed ??= name;
    }
    return { agents, failed };
  }

  /** Journal thread state: 'off', 'starting', 'running', 'blocked', 'stopped' or 'failed'. */
  journalStatus(): string {
    if (!this.journalState) return 'off';
    return journalStatusName(Atomics.load(this.journalState, this.journalStatusAt));
  }

  /** Hot: whether the journal is up and writing (one atomic load). */
  journalWriting(): boolean {
    return this.journalState === null || Atomics.load(this.journalState, this.journalStatusAt) === JournalState.RUNNING;
  }

  /**
   * Cold (close): this thread's commands were all taken by the risk stage, every shard finished
   * its input, and this thread read every event.
   */
  settled(): boolean {
    const own = this.input.ring;
    if (own.lag(0) !== 0) return false;
    for (let k = 0; k < this.shardInputs.length; k++) {
      if (Atomics.load(this.control, agentLine(shardAgent(k)) + STAT_PROCESSED) !== this.shardInputs[k].producerCursor()) return false;
      if (this.eventRings[k].lag(this.consumerIndex) !== 0) return false;
    }
    return true;
  }
}

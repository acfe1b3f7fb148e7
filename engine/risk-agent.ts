/**
 * R agent: the duty cycle of the risk-stage thread.
 *
 * For each command from the gateway ring: apply the shard events that are due, admit the command
 * (RiskEngine), and copy it into the ring of the shard that owns its symbol (or every shard).
 *
 * When events are applied decides what risk sees, so it is fixed by the input, not by thread
 * timing: before admitting a command with ingress time t, the agent applies exactly the events
 * caused by earlier commands whose ingress time is ≤ t − releaseLagUs (and, so the history stays
 * bounded, at least those of commands more than `historyCommands` back). If a shard has not yet
 * processed those commands, the agent waits for it — draining the events that are due meanwhile,
 * so a shard blocked on a full event ring always gets unblocked. The result: the same commands with
 * the same ingress timestamps produce the same events, however the threads are scheduled.
 * Quiet periods are bridged by TICK commands, which carry a timestamp and nothing else.
 */
import { seqDiff } from '../ring/layout.ts';
import { RING_FULL } from '../ring/ring.ts';
import type { RingConsumer, RingProducer } from '../ring/ring.ts';
import { sleepMs } from '../ring/idle.ts';
import type { WorkSource } from '../ring/idle.ts';
import { CMD_INGRESS_TS, CMD_SEQ, CMD_SLOT_BYTES, CMD_TYPE } from './command-slot.ts';
import { CommandType } from './codes.ts';
import { EVT_COMMAND_SEQ } from './event-slot.ts';
import { getI64, putI64 } from './int64.ts';
import { nowUs } from './clock.ts';
import { STAT_COMMANDS, STAT_EVENTS, STAT_HEARTBEAT, STAT_PROCESSED, STAT_WAITS } from './control.ts';
import { ALL_SHARDS, NO_SHARD } from './risk.ts';
import type { RiskEngine } from './risk.ts';

const CMD_WORDS = CMD_SLOT_BYTES / 4;

export interface RiskAgentOptions {
  releaseLagUs: number;
  /** Commands remembered for the release watermark (power of two). */
  historyCommands: number;
  batch?: number;
  /** Records (batch start − ingress time), µs, per command: the "risk" stage timing. */
  latency?: { recordValue(v: number): void } | null;
}

export class RiskAgent implements WorkSource {
  private readonly histTs: Float64Array;
  private readonly histMask: number;
  /** Per shard: the commandSeq of each command routed to it, in order (ring of historyCommands). */
  private readonly routed: Int32Array[];
  /** Per shard: commands routed so far (Int32 count, wraps). */
  private readonly routedCount: Int32Array;
  /** Per shard: how many of the routed commands are at or before the applied watermark. */
  private readonly dueCount: Int32Array;
  private lastSeq = 0;
  private appliedSeq = 0;
  private lastTs = 0;
  private readonly nShards: number;
  private heartbeat = 0;
  /** Commands handed back = the input cursor (a restarted stage continues the count). */
  private commands: number;
  private eventsApplied = 0;
  private waits = 0;
  private readonly batch: number;

  constructor(
    readonly risk: RiskEngine,
    private readonly input: RingConsumer,
    private readonly toShards: RingProducer[],
    private readonly fromShards: RingConsumer[],
    private readonly stats: Int32Array,
    private readonly statLine: number,
    private readonly shardProcessedWord: readonly number[],
    private readonly opts: RiskAgentOptions,
  ) {
    const h = opts.historyCommands;
    if (h < 2 || (h & (h - 1)) !== 0) throw new RangeError('historyCommands must be a power of two');
    this.histTs = new Float64Array(h);
    this.histMask = h - 1;
    this.nShards = toShards.length;
    this.routed = toShards.map(() => new Int32Array(h));
    this.routedCount = new Int32Array(this.nShards);
    this.dueCount = new Int32Array(this.nShards);
    this.batch = opts.batch ?? 256;
    this.commands = input.position();
    this.pos = input.position();
  }

  /**
   * After recovery: continue the command sequence where the journal left it. The shards have
   * processed everything routed to them so far (their counters are where routing continues).
   */
  resumeAt(commandSeq: number): void {
    this.lastSeq = commandSeq;
    this.appliedSeq = commandSeq;
    for (let k = 0; k < this.nShards; k++) {
      const done = Atomics.load(this.stats, this.shardProcessedWord[k]);
      this.routedCount[k] = done;
      this.dueCount[k] = done;
    }
  }

  /** Wall clock read once per batch: the ceiling for believable ingress times. */
  private nowUs = 0;
  /** Commands whose ingress time was in the future (clamped); diagnostics. */
  futureClamps = 0;

  doWork(): number {
    this.nowUs = nowUs();
    const c = this.input;
    let n = c.available();
    if (n === 0) return 0;
    if (n > this.batch) n = this.batch;
    const ring = c.ring;
    const words = ring.words;
    let seq = c.position();
    const end = (seq + n) | 0;
    while (seq !== end) {
      this.pos = seq;
      this.onSlot(words, ring.slotWord(seq));
      seq = (seq + 1) | 0;
    }
    this.pos = seq;
    // Forwarded commands first, then the input cursor: a command is handed back to the gateway's
    // ring only once every shard it went to can see it (what a restarted risk stage relies on).
    this.flush();
    this.commands = (this.commands + n) | 0;
    const s = this.stats;
    const l = this.statLine;
    s[l + STAT_COMMANDS] = this.commands;
    s[l + STAT_EVENTS] = this.eventsApplied | 0;
    s[l + STAT_WAITS] = this.waits | 0;
    s[l + STAT_PROCESSED] = this.appliedSeq;
    s[l + STAT_HEARTBEAT] = ++this.heartbeat | 0;
    return n;
  }

  /** Ring position of the command being admitted (commands before it are forwarded). */
  private pos = 0;

  /**
   * Publish everything forwarded so far to every shard, then hand back the input before the
   * current command. Committing all shards together keeps "forwarded" a prefix of the admitted
   * commands — a restarted risk stage tells what was forwarded by command sequence alone.
   */
  private flush(): void {
    for (let k = 0; k < this.nShards; k++) this.toShards[k].commit();
    if (this.input.position() !== this.pos) this.input.release(this.pos);
  }

  /**
   * Restart of the risk stage (cold), after rebuilding from the journal. The dead stage may have
   * committed some of its last batch's commands to some shards and not to others (it commits the
   * shard rings one after the other). `seenBy[k]` is the newest command sequence in shard k's
   * journal; every shard has processed all its input before this runs, so a command (its sequence
   * stamped in the slot by the dead stage) reached shard k iff its sequence ≤ seenBy[k].
   * Each command at the head of the input is then: unseen by its shards → left to be admitted
   * normally; seen by all of them → turned into a TICK (done; never admitted twice); an
   * account-wide command seen by some shards only → forwarded as it was to the others, then a
   * TICK. Stops at the first slot no stage had stamped. Returns how many it took over.
   */
  skipForwarded(seenBy: readonly number[]): number {
    const c = this.input;
    const ring = c.ring;
    const words = ring.words;
    let seq = c.position();
    const end = (seq + c.available()) | 0;
    let n = 0;
    while (seq !== end) {
      const b = ring.slotWord(seq);
      const cs = words[b + CMD_SEQ];
      if (cs === 0) break;
      const route = this.risk.routeOf(words, b);
      if (route === NO_SHARD) {
        seq = (seq + 1) | 0;
        continue;
      }
      const targets = route === ALL_SHARDS ? Array.from({ length: this.nShards }, (_, k) => k) : [route];
      const seen = targets.filter((k) => seqDiff(cs, seenBy[k]) <= 0);
      if (seen.length > 0) {
        for (const k of targets) if (!seen.includes(k)) this.forward(k, words, b, cs);
        for (let k = 0; k < this.nShards; k++) this.toShards[k].commit();
        words[b + CMD_TYPE] = CommandType.TICK; // done: admitting it again would repeat it
        n++;
      } else {
        // Not delivered anywhere: it is admitted afresh below. Clear the dead stage's stamp, so
        // that if this stage dies too before reaching it, the next one sees it as never admitted.
        words[b + CMD_SEQ] = 0;
      }
      seq = (seq + 1) | 0;
    }
    return n;
  }

  hasWork(): boolean {
    return this.input.available() > 0;
  }

  onSlot(w: Int32Array, b: number): void {
    let ts = getI64(w, b + CMD_INGRESS_TS);
    if (ts > this.nowUs + 1_000_000) {
      // More than 1 s in the future: not a real ingress time (the gateway stamps from a monotonic
      // clock). Believing it would hold every later command's releases back until that time —
      // the event rings would fill with events that are never due and the engine would stall.
      ts = this.nowUs;
      this.futureClamps++;
      putI64(w, b + CMD_INGRESS_TS, ts);
    }
    if (ts < this.lastTs) {
      // Ingress times must not go backwards (a clock step): clamp, and say so in the slot.
      ts = this.lastTs;
      putI64(w, b + CMD_INGRESS_TS, ts);
    }
    this.lastTs = ts;
    const lat = this.opts.latency;
    if (lat) lat.recordValue(this.nowUs > ts ? this.nowUs - ts : 1);
    this.applyDue(ts - this.opts.releaseLagUs);
    const route = this.risk.admit(w, b);
    const seq = w[b + CMD_SEQ];
    this.lastSeq = seq;
    this.histTs[seq & this.histMask] = ts;
    if (route === NO_SHARD) return;
    if (route === ALL_SHARDS) {
      // Room on every shard first, so the command is never published to some shards only.
      for (let k = 0; k < this.nShards; k++) this.waitForRoom(k);
      for (let k = 0; k < this.nShards; k++) this.forward(k, w, b, seq);
    } else {
      this.forward(route, w, b, seq);
    }
  }

  /** Wait until shard k's ring has a free slot (cold: the shard is behind). */
  private waitForRoom(k: number): void {
    const p = this.toShards[k];
    if (p.remaining() > 0) return;
    this.flush();
    let spins = 0;
    let seen = Atomics.load(this.stats, this.shardProcessedWord[k]);
    while (p.remaining() === 0) {
      this.waits++;
      // Keep draining due events: the shard may be waiting for room in its event ring.
      this.drainDue();
      if (++spins > 200) sleepMs(0.02);
      if (spins % 5_000 === 0) {
        const now = Atomics.load(this.stats, this.shardProcessedWord[k]);
        if (now === seen) this.forceOne();
        seen = now;
      }
    }
  }

  private forward(k: number, w: Int32Array, b: number, seq: number): void {
    const p = this.toShards[k];
    if (p.tryClaim(1) === RING_FULL) {
      this.waitForRoom(k);
      p.tryClaim(1);
    }
    const dst = p.ring.words;
    const d = p.ring.slotWord(p.lastClaimed);
    for (let i = 0; i < CMD_WORDS; i++) dst[d + i] = w[b + i];
    const c = this.routedCount[k];
    this.routed[k][c & this.histMask] = seq;
    this.routedCount[k] = (c + 1) | 0;
  }

  /** Advance the watermark to the last command with ingress ≤ limitTs, then apply its events. */
  private applyDue(limitTs: number): void {
    let target = this.appliedSeq;
    const mask = this.histMask;
    // Bounded history: commands older than historyCommands − 1 are always due.
    const oldest = (this.lastSeq - mask + 1) | 0;
    if (seqDiff(target, oldest) < 0) target = oldest;
    while (seqDiff(target, this.lastSeq) < 0 && this.histTs[(target + 1) & mask] <= limitTs) target = (target + 1) | 0;
    if (target === this.appliedSeq) return;
    this.setTarget(target);
    this.drainDue();
    for (let k = 0; k < this.nShards; k++) {
      if (seqDiff(Atomics.load(this.stats, this.shardProcessedWord[k]), this.dueCount[k]) >= 0) continue;
      // Shard k is behind the watermark: make sure it has our commands, then wait for it.
      this.flush();
      let spins = 0;
      while (seqDiff(Atomics.load(this.stats, this.shardProcessedWord[k]), this.dueCount[k]) < 0) {
        this.waits++;
        this.drainDue();
        if (++spins > 200) sleepMs(0.02);
      }
    }
    this.drainDue();
  }

  private setTarget(target: number): void {
    this.appliedSeq = target;
    const mask = this.histMask;
    for (let k = 0; k < this.nShards; k++) {
      // How many of the commands routed to shard k are due.
      let due = this.dueCount[k];
      const routed = this.routed[k];
      while (due !== this.routedCount[k] && seqDiff(routed[due & mask], target) <= 0) due = (due + 1) | 0;
      this.dueCount[k] = due;
    }
  }

  /**
   * Liveness over determinism, in one corner: a shard whose event ring is full of events that
   * are not due yet (e.g. a mass cancel larger than the ring) cannot take the command we must
   * forward. Apply one more command's events; counted in `forcedReleases`.
   */
  forcedReleases = 0;
  private forceOne(): void {
    if (seqDiff(this.appliedSeq, this.lastSeq) >= 0) return;
    this.forcedReleases++;
    this.setTarget((this.appliedSeq + 1) | 0);
    this.drainDue();
  }

  /** Apply every available event whose command is at or before the watermark. */
  private drainDue(): void {
    const target = this.appliedSeq;
    for (let k = 0; k < this.fromShards.length; k++) {
      const c = this.fromShards[k];
      const n = c.available();
      if (n === 0) continue;
      const ring = c.ring;
      const w = ring.words;
      let seq = c.position();
      const end = (seq + n) | 0;
      while (seq !== end) {
        const b = ring.slotWord(seq);
        if (seqDiff(w[b + EVT_COMMAND_SEQ], target) > 0) break;
        this.risk.onEvent(w, b);
        this.eventsApplied++;
        seq = (seq + 1) | 0;
      }
      c.release(seq);
    }
  }
}

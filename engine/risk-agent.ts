/**
 * R agent: the duty cycle of the risk-stage thread.
 *
 * Each pass: apply every shard event already published (fills, cancels, replaces free or adjust
 * reservations and move the price band), then admit a batch of commands from the gateway ring
 * (RiskEngine) and copy each into the ring of the shard that owns its symbol (or every shard).
 *
 * Events are applied as they arrive, never waited for: the risk stage does not wait on matching
 * in steady state (exchange-core's R2 stage does the same). What risk decided for a command is
 * stamped into its slot (order id, command sequence, reject code) and every decision becomes an
 * event in the shard's journal (ACCEPTED, or REJECTED with the risk code) — so replay and restarts
 * follow the journal, not a re-run of the timing. See docs/engine.md, "Determinism".
 */
import { seqDiff } from '../ring/layout.ts';
import { RING_FULL } from '../ring/ring.ts';
import type { RingConsumer, RingProducer } from '../ring/ring.ts';
import { sleepMs } from '../ring/idle.ts';
import type { WorkSource } from '../ring/idle.ts';
import { CMD_INGRESS_TS, CMD_SEQ, CMD_TYPE, CMD_SLOT_WORDS } from './command-slot.ts';
import { CommandType } from './codes.ts';
import { getI64, putI64 } from './int64.ts';
import { nowUs } from './clock.ts';
import { STAT_COMMANDS, STAT_EVENTS, STAT_HEARTBEAT, STAT_PROCESSED, STAT_WAITS } from './control.ts';
import { ALL_SHARDS, NO_SHARD } from './risk.ts';
import type { RiskEngine } from './risk.ts';

const CMD_WORDS = CMD_SLOT_WORDS;

export interface RiskAgentOptions {
  /** Commands admitted per pass at most (events are applied before each pass). */
  batch?: number;
  /** Records (batch start − ingress time), µs, per command: the "risk" stage timing. */
  latency?: { recordValue(v: number): void } | null;
}

export class RiskAgent implements WorkSource {
  private readonly nShards: number;
  private heartbeat = 0;
  /** Commands handed back = the input cursor (a restarted stage continues the count). */
  private commands: number;
  private eventsApplied = 0;
  /** Times this stage waited for a shard's input ring to have room (backpressure, not steady state). */
  private waits = 0;
  private readonly batch: number;
  private lastTs = 0;

  /**
   * The command rings, one per gateway thread. Their commands are admitted in ingress-time order
   * (a merge of the rings' heads), so a command queued earlier on one thread is never overtaken by
   * a later one from another — e.g. a cancel-on-disconnect by the reconnected client's new order.
   */
  private readonly inputs: RingConsumer[];
  /** Per ring: the next command to admit (commands before it are forwarded, not yet handed back). */
  private readonly next: Int32Array;
  /** Per ring: commands available at the start of the pass, not yet admitted. */
  private readonly left: Int32Array;

  constructor(
    readonly risk: RiskEngine,
    input: RingConsumer | RingConsumer[],
    private readonly toShards: RingProducer[],
    private readonly fromShards: RingConsumer[],
    private readonly stats: Int32Array,
    private readonly statLine: number,
    private readonly opts: RiskAgentOptions = {},
  ) {
    this.nShards = toShards.length;
    this.batch = opts.batch ?? 256;
    this.inputs = Array.isArray(input) ? input : [input];
    if (this.inputs.length === 0) throw new Error('the risk stage needs at least one command ring');
    this.next = Int32Array.from(this.inputs, (c) => c.position());
    this.left = new Int32Array(this.inputs.length);
    let commands = 0;
    for (const c of this.inputs) commands = (commands + c.position()) | 0;
    this.commands = commands;
  }

  /** Wall clock read once per pass: the ceiling for believable ingress times. */
  private nowUs = 0;
  /** Commands whose ingress time was in the future (clamped); diagnostics. */
  futureClamps = 0;

  doWork(): number {
    this.nowUs = nowUs();
    // Releases first: every fill and cancel published so far frees its capacity before the
    // next admission decision.
    let work = this.drainEvents();
    const inputs = this.inputs;
    const nr = inputs.length;
    const next = this.next;
    const left = this.left;
    let total = 0;
    for (let r = 0; r < nr; r++) {
      left[r] = inputs[r].available();
      total += left[r];
    }
    if (total > 0) {
      let n = total > this.batch ? this.batch : total;
      total = n;
      while (n > 0) {
        // The ring whose head came in first (one ring: always it).
        let r = 0;
        if (nr > 1) {
          let best = -1;
          let bestTs = 0;
          for (let q = 0; q < nr; q++) {
            if (left[q] === 0) continue;
            const ring = inputs[q].ring;
            const ts = getI64(ring.words, ring.slotWord(next[q]) + CMD_INGRESS_TS);
            if (best < 0 || ts < bestTs) {
              best = q;
              bestTs = ts;
            }
          }
          r = best;
        }
        const ring = inputs[r].ring;
        this.onSlot(ring.words, ring.slotWord(next[r]));
        next[r] = (next[r] + 1) | 0;
        left[r]--;
        n--;
      }
      // Forwarded commands first, then the input cursors: a command is handed back to its gateway
      // thread's ring only once every shard it went to can see it (what a restarted risk stage
      // relies on).
      this.flush();
      this.commands = (this.commands + total) | 0;
      work += total;
    }
    if (work === 0) return 0;
    const s = this.stats;
    const l = this.statLine;
    s[l + STAT_COMMANDS] = this.commands;
    s[l + STAT_EVENTS] = this.eventsApplied | 0;
    s[l + STAT_WAITS] = this.waits | 0;
    s[l + STAT_PROCESSED] = this.risk.commandSeq;
    s[l + STAT_HEARTBEAT] = ++this.heartbeat | 0;
    return work;
  }

  /**
   * Publish everything forwarded so far to every shard, then hand back every ring's commands
   * before the one being admitted. Committing all shards together keeps "forwarded" a prefix of
   * the admitted commands — a restarted risk stage tells what was forwarded by command sequence.
   */
  private flush(): void {
    for (let k = 0; k < this.nShards; k++) this.toShards[k].commit();
    for (let r = 0; r < this.inputs.length; r++) {
      const c = this.inputs[r];
      if (c.position() !== this.next[r]) c.release(this.next[r]);
    }
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
    let n = 0;
    for (const c of this.inputs) n += this.skipForwardedIn(c, seenBy);
    return n;
  }

  /** skipForwarded for one command ring (each ring's commands were admitted in ring order). */
  private skipForwardedIn(c: RingConsumer, seenBy: readonly number[]): number {
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
        for (const k of targets) if (!seen.includes(k)) this.forward(k, words, b);
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

  /** Commands to admit, or shard events to apply (re-checked before parking). */
  hasWork(): boolean {
    for (let r = 0; r < this.inputs.length; r++) if (this.inputs[r].available() > 0) return true;
    for (let k = 0; k < this.fromShards.length; k++) if (this.fromShards[k].available() > 0) return true;
    return false;
  }

  onSlot(w: Int32Array, b: number): void {
    let ts = getI64(w, b + CMD_INGRESS_TS);
    if (ts > this.nowUs + 1_000_000) {
      // More than 1 s in the future: not a real ingress time (the gateway stamps from a monotonic
      // clock). Clamped so the stage timing and the events' times stay believable.
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
    const route = this.risk.admit(w, b);
    if (route === NO_SHARD) return;
    if (route === ALL_SHARDS) {
      // Room on every shard first, so the command is never published to some shards only.
      for (let k = 0; k < this.nShards; k++) this.waitForRoom(k);
      for (let k = 0; k < this.nShards; k++) this.forward(k, w, b);
    } else {
      this.forward(route, w, b);
    }
  }

  /**
   * Wait until shard k's ring has a free slot: the shard is behind (backpressure, counted in
   * `waits`). Events keep being applied meanwhile — the shard may itself be waiting for room in
   * its event ring, which this stage also reads.
   */
  private waitForRoom(k: number): void {
    const p = this.toShards[k];
    if (p.remaining() > 0) return;
    this.flush();
    let spins = 0;
    while (p.remaining() === 0) {
      this.waits++;
      this.drainEvents();
      if (++spins > 200) sleepMs(0.02);
    }
  }

  private forward(k: number, w: Int32Array, b: number): void {
    const p = this.toShards[k];
    if (p.tryClaim(1) === RING_FULL) {
      this.waitForRoom(k);
      p.tryClaim(1);
    }
    const dst = p.ring.words;
    const d = p.ring.slotWord(p.lastClaimed);
    for (let i = 0; i < CMD_WORDS; i++) dst[d + i] = w[b + i];
  }

  /** Apply every event the shards have published (each shard's in order); returns how many. */
  private drainEvents(): number {
    let total = 0;
    for (let k = 0; k < this.fromShards.length; k++) {
      const c = this.fromShards[k];
      const n = c.available();
      if (n === 0) continue;
      const ring = c.ring;
      const w = ring.words;
      let seq = c.position();
      const end = (seq + n) | 0;
      while (seq !== end) {
        this.risk.onEvent(w, ring.slotWord(seq));
        seq = (seq + 1) | 0;
      }
      c.release(seq);
      total += n;
    }
    this.eventsApplied += total;
    return total;
  }
}

/**
 * The whole engine on one thread, synchronously: risk → matching shards → events back to risk.
 * Same code as the threaded engine, minus the rings. For tests, in-process benchmarks and tools;
 * the server uses the threaded Engine (engine/engine.ts).
 */
import { encodeCommand, CMD_SLOT_WORDS } from './command-slot.ts';
import type { Command } from './command-slot.ts';
import { decodeEvent, EVT_SLOT_WORDS } from './event-slot.ts';
import type { DecodedEvent } from './event-slot.ts';
import { MatchingShard, shardOptions } from './matching-shard.ts';
import type { EventOut } from './matching-shard.ts';
import { ALL_SHARDS, NO_SHARD, RiskEngine } from './risk.ts';
import type { EngineSpec } from './config.ts';

/** Hands each event to the risk engine and to an optional listener, then forgets it. */
class ForwardingOut implements EventOut {
  readonly words = new Int32Array(EVT_SLOT_WORDS);
  readonly doubles = new Float64Array(this.words.buffer);
  listener: ((w: Int32Array, b: number, shard: number) => void) | null = null;
  constructor(
    private readonly risk: RiskEngine,
    private readonly shard: number,
  ) {}
  claim(): number {
    return 0;
  }
  publish(): void {
    this.risk.onEvent(this.words, 0);
    if (this.listener) this.listener(this.words, 0, this.shard);
  }
}

export class InlineEngine {
  readonly risk: RiskEngine;
  readonly shards: MatchingShard[];
  private readonly outs: ForwardingOut[];
  private readonly slot = new Int32Array(CMD_SLOT_WORDS);
  private readonly routed = new Int32Array(CMD_SLOT_WORDS);

  constructor(readonly spec: EngineSpec) {
    this.risk = new RiskEngine(spec);
    this.outs = [];
    this.shards = [];
    for (let k = 0; k < spec.shards; k++) {
      const out = new ForwardingOut(this.risk, k);
      this.outs.push(out);
      this.shards.push(new MatchingShard(shardOptions(spec, k), out));
    }
  }

  /** Called with every event (the slot is reused afterwards: decode or copy inside). */
  onEvent(listener: ((w: Int32Array, b: number, shard: number) => void) | null): void {
    for (const o of this.outs) o.listener = listener;
  }

  /** Hot-ish: process a command already encoded in `w` at `b` (the slot is modified by risk). */
  processSlot(w: Int32Array, b: number): void {
    const route = this.risk.admit(w, b);
    if (route === ALL_SHARDS) {
      // Each shard gets its own copy: processing must not see another shard's edits.
      for (let k = 0; k < this.shards.length; k++) {
        this.routed.set(w.subarray(b, b + CMD_SLOT_WORDS));
        this.shards[k].process(this.routed, 0);
      }
    } else if (route !== NO_SHARD) {
      this.shards[route].process(w, b);
    }
  }

  /** Cold: submit a Command object and collect the events it caused (any listener is kept). */
  submit(cmd: Command): DecodedEvent[] {
    const events: DecodedEvent[] = [];
    const outer = this.outs[0]?.listener ?? null;
    this.onEvent((w, b, k) => {
      events.push(decodeEvent(w, b));
      if (outer) outer(w, b, k);
    });
    encodeCommand(cmd, this.slot, 0);
    this.processSlot(this.slot, 0);
    this.onEvent(outer);
    return events;
  }
}

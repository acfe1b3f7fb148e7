import { describe, expect, it } from 'vitest';
import { RingBuffer, RingConsumer, RingProducer } from '../ring/ring.ts';
import { CommandType, OrderType, Side, TimeInForce } from './codes.ts';
import { CMD_SLOT_BYTES, encodeCommand, CMD_SLOT_WORDS } from './command-slot.ts';
import type { Command } from './command-slot.ts';
import { EVT_BATCH_END, EVT_CODE, EVT_COMMAND_SEQ, EVT_SEQ, EVT_SLOT_BYTES, EVT_TS, EVT_SLOT_WORDS } from './event-slot.ts';
import { getI64 } from './int64.ts';
import { MatchingShard, shardOptions } from './matching-shard.ts';
import type { EventOut } from './matching-shard.ts';
import { resumeShard } from './shard-resume.ts';
import type { ShardResumeSource } from './shard-resume.ts';
import { RingEventOut, ShardAgent } from './shard-agent.ts';
import { testSpec } from '../test/fixtures.ts';

const EW = EVT_SLOT_WORDS;
const CW = CMD_SLOT_WORDS;
const spec = testSpec();
const SYMBOL = spec.symbols.find((s) => s.shard === 0)!.id;

/** Collects every event in one growing array (the uninterrupted reference run). */
class ArrayOut implements EventOut {
  words = new Int32Array(EW * 4096);
  doubles = new Float64Array(this.words.buffer);
  n = 0;
  claim(): number {
    return this.n++ * EW;
  }
  publish(): void {}
  events(): Int32Array[] {
    return Array.from({ length: this.n }, (_, i) => this.words.slice(i * EW, (i + 1) * EW));
  }
}

/** 30 resting orders of account 1, a mass cancel of all of them (31 events), then a few more orders. */
function commands(): Int32Array[] {
  const cmds: Command[] = [];
  for (let i = 0; i < 30; i++) cmds.push({ type: CommandType.NEW, symbolId: SYMBOL, accountId: 1, side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 9_990 - i, qty: 1 + i, clientOrderId: `o${i}` });
  cmds.push({ type: CommandType.MASS_CANCEL, symbolId: SYMBOL, accountId: 1 });
  for (let i = 0; i < 6; i++) cmds.push({ type: CommandType.NEW, symbolId: SYMBOL, accountId: 2, side: i % 2 ? Side.SELL : Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 10_000, qty: 3, clientOrderId: `p${i}` });
  return cmds.map((c, i) => {
    const w = new Int32Array(CW);
    encodeCommand({ ...c, commandSeq: i + 1, orderId: c.type === CommandType.NEW ? i + 1 : undefined, correlationId: i + 1, ingressTs: 1_000 + i }, w, 0);
    return w;
  });
}

function reference(cmds: Int32Array[]): Int32Array[] {
  const out = new ArrayOut();
  const shard = new MatchingShard(shardOptions(spec, 0), out);
  shard.setClock(5);
  for (const c of cmds) shard.process(c, 0);
  return out.events();
}

/** Everything but the timestamp (a re-run stamps its own clock). */
// The wall clock and the batch-end marks (where the live ring was committed) differ between runs.
const comparable = (e: Int32Array): number[] => Array.from(e).filter((_, w) => w !== EVT_TS && w !== EVT_TS + 1 && w !== EVT_BATCH_END);

/**
 * The dead thread published events [0, cut) and had handed back the commands before `firstUnreleased`;
 * the replacement resumes. Returns the published + re-run events and what resume reported.
 */
function crashAndResume(cut: number, firstUnreleased: number, snapshotAt: number | null) {
  const cmds = commands();
  const ref = reference(cmds);
  const journal = ref.slice(0, cut);
  const inputRing = RingBuffer.create(64, CMD_SLOT_BYTES, 1);
  const feeder = new RingProducer(inputRing);
  for (const c of cmds.slice(firstUnreleased)) {
    feeder.tryClaim(1);
    inputRing.words.set(c, inputRing.slotWord(feeder.lastClaimed));
  }
  feeder.commit();
  const eventRing = RingBuffer.create(128, EVT_SLOT_BYTES, 1);
  const producer = new RingProducer(eventRing);
  const out = new RingEventOut(producer);
  let snapshot: ShardResumeSource['snapshot'] = null;
  if (snapshotAt !== null) {
    const s = new MatchingShard(shardOptions(spec, 0), new ArrayOut());
    for (const e of journal.slice(0, snapshotAt)) s.replayEvent(e, 0);
    snapshot = { state: s.exportState(), seq: snapshotAt };
  }
  const input = new RingConsumer(inputRing, 0);
  const r = resumeShard({
    make: () => new MatchingShard(shardOptions(spec, 0), out),
    snapshot,
    replay: (after, apply) => { for (const e of journal.slice(after)) apply(e); },
  }, input, out, 7);
  const agent = new ShardAgent(r.shard, input, producer, out, new Int32Array(64), 16);
  while (agent.doWork(9) > 0);
  const reader = new RingConsumer(eventRing, 0);
  const rerun: Int32Array[] = [];
  reader.poll({ onSlot: (w, b) => { rerun.push(w.slice(b, b + EW)); } }, 1_000);
  return { ref, all: [...journal, ...rerun], r };
}

describe('resumeShard: a shard restarted on the rings a dead thread left behind', () => {
  const cmds = commands();
  const ref = reference(cmds);
  const massCancelSeq = 31;
  const firstOfMass = ref.findIndex((e) => e[EVT_COMMAND_SEQ] === massCancelSeq);

  it('the reference run has a mass cancel with many events to cut into', () => {
    expect(ref.filter((e) => e[EVT_COMMAND_SEQ] === massCancelSeq).length).toBe(31);
  });

  it('cut at a command boundary after the hand-back: nothing to skip, nothing re-run', () => {
    const { all, r } = crashAndResume(firstOfMass, 30, null);
    expect(r).toMatchObject({ interrupted: null, skipped: 0, replayed: firstOfMass });
    expect(all.map(comparable)).toEqual(ref.map(comparable));
  });

  it('cut at a command boundary before the hand-back: done commands are skipped, the last one re-run silently', () => {
    const { all, r } = crashAndResume(firstOfMass, 25, null);
    expect(r.skipped).toBe(4); // commands 26..29 were done but not yet handed back
    // Command 30's one event is in the journal; whether it had more cannot be known: re-run, suppressed.
    expect(r.interrupted).toEqual({ commandSeq: 30, published: 1, reemitted: 0 });
    expect(all.map(comparable)).toEqual(ref.map(comparable));
  });

  it('cut in the middle of a command: the command is re-run, its published events suppressed and checked', () => {
    for (const k of [1, 7, 30]) {
      const { all, r } = crashAndResume(firstOfMass + k, 28, null);
      expect(r.interrupted).toEqual({ commandSeq: massCancelSeq, published: k, reemitted: 31 - k });
      expect(r.skipped).toBe(2);
      expect(all.map(comparable)).toEqual(ref.map(comparable));
      all.forEach((e, i) => expect(getI64(e, EVT_SEQ)).toBe(i + 1));
    }
  });

  it('every event of the last command published, command not yet handed back: re-run emits nothing new', () => {
    const end = ref.findIndex((e) => e[EVT_COMMAND_SEQ] === massCancelSeq + 1);
    const { all, r } = crashAndResume(end, 30, null);
    expect(r.interrupted).toEqual({ commandSeq: massCancelSeq, published: 31, reemitted: 0 });
    expect(all.map(comparable)).toEqual(ref.map(comparable));
  });

  it('a snapshot that may hold part of the interrupted command forces a replay from the start', () => {
    const { all, r } = crashAndResume(firstOfMass + 4, 30, firstOfMass);
    expect(r.fullReplay).toBe(true);
    expect(all.map(comparable)).toEqual(ref.map(comparable));
    const clean = crashAndResume(firstOfMass + 4, 30, firstOfMass - 3);
    expect(clean.r.fullReplay).toBe(false);
    expect(clean.all.map(comparable)).toEqual(ref.map(comparable));
  });

  it('a re-run that disagrees with the journal fails loudly instead of publishing', () => {
    const cmds2 = commands();
    const journal = reference(cmds2).slice(0, firstOfMass + 3);
    journal[firstOfMass + 2][EVT_CODE] ^= 1; // a field the re-run writes: it will not match
    const inputRing = RingBuffer.create(64, CMD_SLOT_BYTES, 1);
    const feeder = new RingProducer(inputRing);
    for (const c of cmds2.slice(30)) {
      feeder.tryClaim(1);
      inputRing.words.set(c, inputRing.slotWord(feeder.lastClaimed));
    }
    feeder.commit();
    const out = new RingEventOut(new RingProducer(RingBuffer.create(128, EVT_SLOT_BYTES, 1)));
    expect(() => resumeShard({
      make: () => new MatchingShard(shardOptions(spec, 0), out),
      snapshot: null,
      replay: (after, apply) => { for (const e of journal.slice(after)) apply(e); },
    }, new RingConsumer(inputRing, 0), out, 7)).toThrow(/diverged from the journal/);
  });
});

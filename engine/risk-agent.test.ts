import { describe, expect, it } from 'vitest';
import { RingBuffer, RingConsumer, RingProducer } from '../ring/ring.ts';
import { CommandType, OrderType, Side, TimeInForce } from './codes.ts';
import { CMD_CORRELATION, CMD_SEQ, CMD_SLOT_BYTES, CMD_TYPE, encodeCommand } from './command-slot.ts';
import { getI64 } from './int64.ts';
import type { Command } from './command-slot.ts';
import { EVT_SLOT_BYTES } from './event-slot.ts';
import { RiskAgent } from './risk-agent.ts';
import { RiskEngine } from './risk.ts';
import { testSpec } from '../test/fixtures.ts';

describe('RiskAgent.skipForwarded (restart of the risk stage)', () => {
  it('takes over exactly what each shard already has, even when the dead stage committed some shards and not others', () => {
    const spec = testSpec();
    const on = (k: number): number => spec.symbols.find((s) => s.shard === k)!.id;
    const input = RingBuffer.create(16, CMD_SLOT_BYTES, 1);
    const shardRings = [0, 1].map(() => RingBuffer.create(16, CMD_SLOT_BYTES, 1));
    const events = [0, 1].map(() => RingBuffer.create(16, EVT_SLOT_BYTES, 1));
    const gw = new RingProducer(input);
    const nw = (symbolId: number, seq: number): Command => ({ type: CommandType.NEW, symbolId, accountId: 1, side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 9_990, qty: 1, commandSeq: seq, clientOrderId: `c${seq}` });
    // What the dead stage left at the head of the gateway ring, stamped with its command sequences:
    const cmds: Command[] = [
      nw(on(1), 11), // reached no shard (shard 1's ring was not committed)
      nw(on(0), 12), // reached shard 0
      { type: CommandType.MASS_CANCEL, symbolId: -1, accountId: 1, commandSeq: 13 }, // reached shard 0 only
      nw(on(0), 14), // reached nothing
      { ...nw(on(1), 0) }, // never admitted (no stamp)
    ];
    for (const c of cmds) {
      gw.tryClaim(1);
      encodeCommand(c, input.words, input.slotWord(gw.lastClaimed));
    }
    gw.commit();
    const stats = new Int32Array(64);
    const agent = new RiskAgent(new RiskEngine(spec), new RingConsumer(input, 0), shardRings.map((r) => new RingProducer(r)), events.map((r) => new RingConsumer(r, 0)), stats, 0);
    expect(agent.skipForwarded([13, 10])).toBe(2);
    const slot = (i: number): number => input.slotWord(i);
    expect([0, 1, 2, 3, 4].map((i) => input.words[slot(i) + CMD_TYPE])).toEqual([CommandType.NEW, CommandType.TICK, CommandType.TICK, CommandType.NEW, CommandType.NEW]);
    // Unseen commands lose the dead stage's stamp (admitted afresh); nothing was released yet.
    expect([0, 3].map((i) => input.words[slot(i) + CMD_SEQ])).toEqual([0, 0]);
    expect(new RingConsumer(input, 0).position()).toBe(0);
    // The account-wide cancel went on to shard 1, with its original sequence; shard 0 got nothing new.
    const s1 = new RingConsumer(shardRings[1], 0);
    expect(s1.available()).toBe(1);
    expect(shardRings[1].words[shardRings[1].slotWord(0) + CMD_TYPE]).toBe(CommandType.MASS_CANCEL);
    expect(shardRings[1].words[shardRings[1].slotWord(0) + CMD_SEQ]).toBe(13);
    expect(new RingConsumer(shardRings[0], 0).available()).toBe(0);
  });

  it('admits the commands of several gateway threads\' rings in ingress-time order, handing each ring back', () => {
    const spec = testSpec();
    const sym = spec.symbols.find((x) => x.shard === 0)!.id;
    const inputs = [0, 1, 2].map(() => RingBuffer.create(16, CMD_SLOT_BYTES, 1));
    const shardRings = [0, 1].map(() => RingBuffer.create(64, CMD_SLOT_BYTES, 1));
    const events = [0, 1].map(() => RingBuffer.create(16, EVT_SLOT_BYTES, 1));
    // Ingress times (µs) per ring, each ring in its own order; correlation id = the time.
    const times = [[100, 400, 700], [200, 300, 900], [50, 800]];
    inputs.forEach((ring, r) => {
      const p = new RingProducer(ring);
      for (const t of times[r]) {
        p.tryClaim(1);
        encodeCommand({ type: CommandType.MASS_CANCEL, symbolId: sym, accountId: 1, correlationId: t, ingressTs: t }, ring.words, ring.slotWord(p.lastClaimed));
      }
      p.commit();
    });
    const consumers = inputs.map((r) => new RingConsumer(r, 0));
    const agent = new RiskAgent(new RiskEngine(spec), consumers, shardRings.map((r) => new RingProducer(r)), events.map((r) => new RingConsumer(r, 0)), new Int32Array(64), 0);
    expect(agent.doWork()).toBe(8);
    const out = new RingConsumer(shardRings[0], 0);
    const seen: number[] = [];
    for (let i = 0; i < out.available(); i++) seen.push(getI64(shardRings[0].words, shardRings[0].slotWord(i) + CMD_CORRELATION));
    expect(seen).toEqual([50, 100, 200, 300, 400, 700, 800, 900]);
    expect(consumers.map((c) => c.available())).toEqual([0, 0, 0]); // every ring handed back
  });
});

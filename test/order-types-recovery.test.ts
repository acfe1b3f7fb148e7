import { describe, expect, it } from 'vitest';
import { decodeEvent, EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { EventType, OrderStatus, Reason, ResultCode } from '../engine/codes.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { replayOnlyShard } from '../engine/matching-shard.ts';
import { RiskEngine } from '../engine/risk.ts';
import { orderTypesStream } from './streams.ts';
import { testSpec } from './fixtures.ts';
import { Engine, RISK_AGENT, shardAgent } from '../engine/engine.ts';
import { EventCollector } from './engine-events.ts';
import { engineScope, stateHashes, stopAndRebuild } from './engine-scope.ts';
import { journalAt } from '../persistence/durability.ts';
import { decodeEngineEvent, encodeEngineEvent } from '../persistence/event-codec.ts';

/**
 * Stops, OCO groups, icebergs and GTD orders through the whole inline engine (risk → shards → risk),
 * then rebuilt from the journaled events alone, and from a snapshot taken mid-way plus the tail:
 * identical books, stop tables, iceberg parts, expiry heaps and risk state.
 */
describe('order types survive replay and snapshots', () => {
  for (const seed of [1, 2, 3]) {
    it(`stream ${seed}: 5,000 commands with every order type rebuild identically`, () => {
      const spec = testSpec();
      const live = new InlineEngine(spec);
      const journal: Int32Array[][] = spec.shards === 1 ? [[]] : Array.from({ length: spec.shards }, () => []);
      live.onEvent((w, b, k) => journal[k].push(w.slice(b, b + EVT_SLOT_WORDS)));
      const cmds = orderTypesStream(5_000, seed);
      const half = cmds.length >> 1;
      let snapshot: { shards: ReturnType<typeof live.shards[0]['exportState']>[]; risk: ReturnType<RiskEngine['exportState']>; at: number[] } | null = null;
      cmds.forEach((c, i) => {
        live.submit(c);
        if (i % 500 === 0) for (const s of live.shards) s.validateInternalState();
        if (i === half) snapshot = { shards: live.shards.map((s) => s.exportState()), risk: live.risk.exportState(), at: journal.map((j) => j.length) };
      });
      const ev = journal.flat().map((e) => decodeEvent(e, 0));
      // The stream reaches what matters (not a mostly-refused run).
      const count = (f: (e: (typeof ev)[number]) => boolean): number => ev.filter(f).length;
      expect(count((e) => e.type === EventType.TRIGGERED)).toBeGreaterThan(50);
      expect(count((e) => e.type === EventType.ACCEPTED && e.status === OrderStatus.PENDING_TRIGGER)).toBeGreaterThan(200);
      expect(count((e) => e.type === EventType.EXPIRED && e.code === Reason.GTD_EXPIRED)).toBeGreaterThan(15);
      expect(count((e) => e.type === EventType.CANCELED && e.code === Reason.OCO)).toBeGreaterThan(20);
      expect(count((e) => e.type === EventType.REJECTED && e.code === ResultCode.MATCH_STOP_PRICE_BAND)).toBeGreaterThan(0);
      expect(count((e) => e.type === EventType.TRADE && e.makerOrderId > 0)).toBeGreaterThan(300);
      expect(count((e) => e.type === EventType.REPLACED && e.status === OrderStatus.PENDING_TRIGGER)).toBeGreaterThan(10);

      const check = (shards: ReturnType<typeof replayOnlyShard>[], risk: RiskEngine): void => {
        shards.forEach((s, k) => {
          s.validateInternalState();
          expect(s.exportState()).toEqual(live.shards[k].exportState());
          expect(s.stateHash()).toBe(live.shards[k].stateHash());
        });
        risk.validateInternalState();
        expect(risk.stateHash()).toBe(live.risk.stateHash());
        expect(risk.clientIds()).toEqual(live.risk.clientIds());
        for (let a = 0; a < spec.accounts.length; a++) expect(risk.account(a)).toEqual(live.risk.account(a));
      };
      for (const s of live.shards) s.validateInternalState();
      live.risk.validateInternalState();

      // 1. The whole journal.
      const shards = live.shards.map((_, k) => replayOnlyShard(spec, k));
      const risk = new RiskEngine(spec);
      journal.forEach((events, k) => {
        for (const e of events) {
          shards[k].replayEvent(e, 0);
          risk.replayEvent(e, 0);
        }
      });
      check(shards, risk);

      // 2. The snapshot mid-way plus the journal after it.
      const snap = snapshot!;
      const shards2 = live.shards.map((_, k) => replayOnlyShard(spec, k));
      shards2.forEach((s, k) => s.importState(snap.shards[k]));
      const risk2 = new RiskEngine(spec);
      risk2.importState(snap.risk);
      journal.forEach((events, k) => {
        for (const e of events.slice(snap.at[k])) {
          shards2[k].replayEvent(e, 0);
          risk2.replayEvent(e, 0);
        }
      });
      check(shards2, risk2);

      // 3. What an audit consumer rebuilds: every event through the Kafka codec (protobuf EngineEvent and back).
      const shards3 = live.shards.map((_, k) => replayOnlyShard(spec, k));
      const risk3 = new RiskEngine(spec);
      journal.forEach((events, k) => {
        for (const e of events) {
          const { slot } = decodeEngineEvent(encodeEngineEvent(k, e, 0));
          shards3[k].replayEvent(slot, 0);
          risk3.replayEvent(slot, 0);
        }
      });
      check(shards3, risk3);
    });
  }
});

const { engines, tempDir } = engineScope();

describe('order types on the threaded engine: killed threads come back exactly', () => {
  it('kills matching shards and the risk stage under a stream of stops, OCO groups, icebergs and GTD orders', async () => {
    const dir = tempDir('ringmatch-ordertypes-crash-');
    const spec = testSpec();
    const engine = await Engine.start(spec, { journal: journalAt(dir) });
    engines.push(engine);
    const events = new EventCollector(engine);
    const stream = orderTypesStream(9_000, 17);
    const kills = new Map<number, number>([[2_000, shardAgent(0)], [4_000, RISK_AGENT], [6_000, shardAgent(1)], [7_500, shardAgent(0)]]);
    for (let i = 0; i < stream.length; i++) {
      const victim = kills.get(i);
      if (victim !== undefined) {
        await events.until(() => engine.supervisor.allUp(), 60_000);
        await engine.killAgent(victim);
      }
      while (!engine.submit({ ...stream[i], correlationId: i + 1 })) {
        events.poll();
        await new Promise((r) => setTimeout(r, 1));
      }
      if ((i & 255) === 0) {
        events.poll();
        await new Promise((r) => setImmediate(r));
      }
    }
    await events.until(() => engine.supervisor.allUp(), 60_000);
    await events.until(() => engine.isSettled(), 60_000);
    expect(engine.supervisor.snapshot().map((h) => h.restarts)).toEqual([1, 2, 1, 0]);
    events.perShard.forEach((evs) => evs.forEach((e, i) => expect(e.seq).toBe(i + 1)));
    const all = events.perShard.flat();
    expect(all.filter((e) => e.type === EventType.TRIGGERED).length).toBeGreaterThan(20);
    const accepted = all.filter((e) => e.type === EventType.ACCEPTED).map((e) => e.orderId);
    expect(new Set(accepted).size).toBe(accepted.length);
    for (let a = 0; a <= spec.shards; a++) await engine.query(a, { what: 'validate' });
    const live = await stateHashes(engine, spec.shards);
    const liveRisk = await engine.query(RISK_AGENT, { what: 'state' });
    const rebuilt = await stopAndRebuild(engines, engine, dir, spec, events.perShard.map((e) => e.length));
    if (rebuilt[0] !== live[0]) expect(await engines[engines.length - 1].query(RISK_AGENT, { what: 'state' })).toEqual(liveRisk);
    expect(rebuilt).toEqual(live);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeEvent, EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { EventType } from '../engine/codes.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { replayOnlyShard } from '../engine/matching-shard.ts';
import { RiskEngine } from '../engine/risk.ts';
import { richStream as stream } from './streams.ts';
import { testSpec } from './fixtures.ts';

describe('recovery by replaying the journaled events', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`rebuilds identical books and risk state (stream ${seed}, 4,000 commands)`, () => {
      const spec = testSpec();
      const live = new InlineEngine(spec);
      const journal: Int32Array[][] = spec.symbols.map(() => []);
      live.onEvent((w, b, k) => journal[k].push(w.slice(b, b + EVT_SLOT_WORDS)));
      for (const c of stream(4_000, seed)) live.submit(c);
      expect(journal[0].length + journal[1].length).toBeGreaterThan(4_000);
      const ev = journal.flat().map((e) => decodeEvent(e, 0));
      // The stream exercises what recovery must get right (not a trivial, mostly-rejected run).
      expect(ev.filter((e) => e.type === EventType.REPLACED).length).toBeGreaterThan(200);
      expect(ev.filter((e) => e.type === EventType.TRADE).length).toBeGreaterThan(300);

      const shards = live.shards.map((_, k) => replayOnlyShard(spec, k));
      const risk = new RiskEngine(spec);
      journal.forEach((events, k) => {
        for (const e of events) {
          shards[k].replayEvent(e, 0);
          risk.replayEvent(e, 0);
        }
      });
      shards.forEach((s, k) => {
        s.validateInternalState();
        expect(s.stateHash()).toBe(live.shards[k].stateHash());
        expect(s.openOrderCount()).toBe(live.shards[k].openOrderCount());
      });
      risk.validateInternalState();
      expect(risk.stateHash()).toBe(live.risk.stateHash());
      expect(risk.clientIds()).toEqual(live.risk.clientIds());
      for (let a = 0; a < spec.accounts.length; a++) expect(risk.account(a)).toEqual(live.risk.account(a));
    });
  }
});

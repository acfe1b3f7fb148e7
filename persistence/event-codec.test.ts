import { describe, expect, it } from 'vitest';
import { EVT_SLOT_BYTES, decodeEvent } from '../engine/event-slot.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { testSpec } from '../test/fixtures.ts';
import { richStream } from '../test/streams.ts';
import { decodeEngineEvent, encodeEngineEvent } from './event-codec.ts';

describe('EngineEvent (protobuf) codec', () => {
  it('round-trips every field of real events exactly', () => {
    const eng = new InlineEngine(testSpec());
    const events: Array<[number, Int32Array]> = [];
    eng.onEvent((w, b, k) => events.push([k, w.slice(b, b + EVT_SLOT_BYTES / 4)]));
    for (const c of richStream(1_500, 4)) eng.submit({ ...c, ingressTs: 1_763_000_000_123_456, correlationId: 2 ** 40 + 17 });
    expect(events.length).toBeGreaterThan(1_500);
    for (const [k, slot] of events) {
      const d = decodeEngineEvent(encodeEngineEvent(k, slot, 0, 'AAA'));
      expect(d.shard).toBe(k);
      expect(d.symbol).toBe('AAA');
      expect(decodeEvent(d.slot, 0)).toEqual(decodeEvent(slot, 0));
    }
  });

  it('refuses bytes that are not an engine event', () => {
    expect(() => decodeEngineEvent(new Uint8Array([0xff, 0xff, 0xff]))).toThrow();
    expect(() => decodeEngineEvent(new Uint8Array(0))).toThrow(/not an engine event/);
  });
});

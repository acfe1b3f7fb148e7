import { describe, expect, it } from 'vitest';
import {
  EVT_CODE, EVT_ORDER_ID, EVT_PRICE, EVT_TYPE, decodeEvent, EVT_SLOT_WORDS, EVT_STOP_PRICE, EVT_DISPLAY_QTY, EVT_EXPIRE_TIME, EVT_OCO_GROUP,
  EVT_OCO_ORDER_ID,
} from '../engine/event-slot.ts';
import { EventType } from '../engine/codes.ts';
import { putI64 } from '../engine/int64.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { testSpec } from '../test/fixtures.ts';
import { richStream } from '../test/streams.ts';
import { EngineEvent, EngineEventBatchWriter, decodeEngineEvent, decodeEngineEventBatch, encodeEngineEvent, encodeEngineEventReflect } from './event-codec.ts';

describe('EngineEvent (protobuf) codec', () => {
  it('round-trips every field of real events exactly', () => {
    const eng = new InlineEngine(testSpec());
    const events: Array<[number, Int32Array]> = [];
    eng.onEvent((w, b, k) => events.push([k, w.slice(b, b + EVT_SLOT_WORDS)]));
    for (const c of richStream(1_500, 4)) eng.submit({ ...c, ingressTs: 1_763_000_000_123_456, correlationId: 2 ** 40 + 17 });
    expect(events.length).toBeGreaterThan(1_500);
    for (const [k, slot] of events) {
      const d = decodeEngineEvent(encodeEngineEvent(k, slot, 0, 'AAA'));
      expect(d.shard).toBe(k);
      expect(d.symbol).toBe('AAA');
      expect(decodeEvent(d.slot, 0)).toEqual(decodeEvent(slot, 0));
    }
  });

  it('the direct writer and protobufjs reflection encode the same message (every event type, negative and > 2^32 values)', () => {
    const eng = new InlineEngine(testSpec());
    const events: Array<[number, Int32Array]> = [];
    eng.onEvent((w, b, k) => events.push([k, w.slice(b, b + EVT_SLOT_WORDS)]));
    for (const c of richStream(1_500, 9)) eng.submit({ ...c, ingressTs: 1_763_000_000_123_456, correlationId: 2 ** 40 + 17 });
    const odd = events[0][1].slice();
    putI64(odd, EVT_PRICE, -5);
    putI64(odd, EVT_ORDER_ID, 2 ** 52 - 1);
    odd[EVT_CODE] = -2001;
    events.push([3, odd]);
    const types = new Set<number>();
    for (const [k, slot] of events) {
      types.add(slot[EVT_TYPE]);
      const fast = EngineEvent.toObject(EngineEvent.decode(encodeEngineEvent(k, slot, 0, 'SYM')), { longs: String, defaults: true });
      const slow = EngineEvent.toObject(EngineEvent.decode(encodeEngineEventReflect(k, slot, 0, 'SYM')), { longs: String, defaults: true });
      expect(fast).toEqual(slow);
      const viaBytes = EngineEvent.toObject(EngineEvent.decode(encodeEngineEvent(k, slot, 0, 'SYM', new Uint8Array(slot.buffer, slot.byteOffset, slot.byteLength))), { longs: String, defaults: true });
      expect(viaBytes).toEqual(slow);
    }
    expect(types.size).toBeGreaterThanOrEqual(7);
  });

  it('carries the order extension (stopPrice, displayQty, expireTime, ocoGroupId, ocoOrderId) exactly, both encoders alike', () => {
    const eng = new InlineEngine(testSpec());
    const events: Array<[number, Int32Array]> = [];
    eng.onEvent((w, b, k) => events.push([k, w.slice(b, b + EVT_SLOT_WORDS)]));
    for (const c of richStream(400, 5)) eng.submit(c);
    let n = 0;
    for (const [k, slot] of events) {
      if (slot[EVT_TYPE] === EventType.TRADE) continue;
      // Values of every size: small, above 2^32, up to 2^53 − 1, and 0 (left out, decoded as 0).
      const values = [n % 5 === 0 ? 0 : 10_123 + n, 3 + (n % 7), 1_763_000_000_000 + n, n % 3 === 0 ? 0 : 2 ** 40 + n, 2 ** 53 - 1 - n];
      [EVT_STOP_PRICE, EVT_DISPLAY_QTY, EVT_EXPIRE_TIME, EVT_OCO_GROUP, EVT_OCO_ORDER_ID].forEach((at, i) => putI64(slot, at, values[i]));
      const d = decodeEngineEvent(encodeEngineEvent(k, slot, 0, 'AAA'));
      const back = decodeEvent(d.slot, 0);
      expect(back).toEqual(decodeEvent(slot, 0));
      expect([back.stopPrice, back.displayQty, back.expireTime, back.ocoGroupId, back.ocoOrderId]).toEqual(values);
      const fast = EngineEvent.toObject(EngineEvent.decode(encodeEngineEvent(k, slot, 0, 'AAA')), { longs: String, defaults: true });
      const slow = EngineEvent.toObject(EngineEvent.decode(encodeEngineEventReflect(k, slot, 0, 'AAA')), { longs: String, defaults: true });
      expect(fast).toEqual(slow);
      expect([fast.stopPrice, fast.displayQty, fast.expireTime, fast.ocoGroupId, fast.ocoOrderId]).toEqual(values.map(String));
      n++;
    }
    expect(n).toBeGreaterThan(300);
    // And in a batch record.
    const bw = new EngineEventBatchWriter();
    for (const [k, slot] of events.slice(0, 50)) bw.add(k, slot, 0, 'S');
    expect(decodeEngineEventBatch(bw.finish()).map((d) => decodeEvent(d.slot, 0))).toEqual(events.slice(0, 50).map(([, s]) => decodeEvent(s, 0)));
  });

  it('batches: several events in one record, decoded in order', () => {
    const eng = new InlineEngine(testSpec());
    const events: Array<[number, Int32Array]> = [];
    eng.onEvent((w, b, k) => events.push([k, w.slice(b, b + EVT_SLOT_WORDS)]));
    for (const c of richStream(300, 2)) eng.submit(c);
    const bw = new EngineEventBatchWriter();
    for (const [k, slot] of events.slice(0, 100)) bw.add(k, slot, 0, 'S');
    expect(bw.count).toBe(100);
    const decoded = decodeEngineEventBatch(bw.finish());
    expect(bw.count).toBe(0);
    expect(decoded.map((d) => decodeEvent(d.slot, 0))).toEqual(events.slice(0, 100).map(([, s]) => decodeEvent(s, 0)));
    expect(decoded.map((d) => d.shard)).toEqual(events.slice(0, 100).map(([k]) => k));
    expect(() => decodeEngineEventBatch(new Uint8Array(0))).toThrow(/empty event batch/);
  });

  it('refuses bytes that are not an engine event', () => {
    expect(() => decodeEngineEvent(new Uint8Array([0xff, 0xff, 0xff]))).toThrow();
    expect(() => decodeEngineEvent(new Uint8Array(0))).toThrow(/not an engine event/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  CACHE_LINE_BYTES, CAPACITY_WORD, CONSUMER_COUNT_WORD, DATA_BYTES_OFFSET, HEADER_BYTES, MAGIC_WORD,
  MAX_CONSUMERS, PRODUCER_CURSOR_WORD, PRODUCER_PARKED_WORD, SLOT_BYTES_WORD, consumerCursorWord, seqDiff,
} from './layout.ts';
import { RING_FULL, RingBuffer, RingConsumer, RingError, RingProducer } from './ring.ts';
import type { SlotHandler } from './ring.ts';
import { Doorbell } from './doorbell.ts';

class Collect implements SlotHandler {
  seen: number[] = [];
  onSlot(words: Int32Array, w: number): void {
    this.seen.push(words[w]);
  }
}

function publish(p: RingProducer, ring: RingBuffer, values: number[]): number {
  if (p.tryClaim(values.length) === RING_FULL) return RING_FULL;
  values.forEach((v, k) => { ring.words[ring.slotWord((p.lastClaimed + k) | 0)] = v; });
  p.commit();
  return values.length;
}

describe('ring layout', () => {
  it('puts every writer on its own cache line and the data after the header', () => {
    const line = (word: number): number => Math.floor((word * 4) / CACHE_LINE_BYTES);
    const lines = [line(PRODUCER_CURSOR_WORD), line(MAGIC_WORD)];
    for (let c = 0; c < MAX_CONSUMERS; c++) lines.push(line(consumerCursorWord(c)));
    expect(new Set(lines).size).toBe(lines.length);
    expect(line(PRODUCER_PARKED_WORD)).toBe(line(PRODUCER_CURSOR_WORD));
    for (const w of [CAPACITY_WORD, SLOT_BYTES_WORD, CONSUMER_COUNT_WORD]) expect(line(w)).toBe(line(MAGIC_WORD));
    for (let c = 0; c < MAX_CONSUMERS; c++) expect((consumerCursorWord(c) * 4) % CACHE_LINE_BYTES).toBe(0);
    expect(DATA_BYTES_OFFSET % CACHE_LINE_BYTES).toBe(0);
    expect(DATA_BYTES_OFFSET).toBeGreaterThanOrEqual(HEADER_BYTES);
    expect((consumerCursorWord(MAX_CONSUMERS - 1) + 1) * 4).toBeLessThanOrEqual(DATA_BYTES_OFFSET);
  });

  it('compares sequences across the Int32 wrap', () => {
    expect(seqDiff(-2147483648, 2147483647)).toBe(1);
    expect(seqDiff(5, -5)).toBe(10);
    expect(seqDiff(2147483647, -2147483648)).toBe(-1);
  });
});

describe('RingBuffer.create', () => {
  it('rejects bad shapes with a reason', () => {
    expect(() => RingBuffer.create(3, 16, 1)).toThrow(/power of two/);
    expect(() => RingBuffer.create(8, 12, 1)).toThrow(/multiple of 8/);
    expect(() => RingBuffer.create(8, 16, 0)).toThrow(RingError);
    expect(() => RingBuffer.create(8, 16, MAX_CONSUMERS + 1)).toThrow(/consumerCount/);
    expect(() => new RingBuffer(new SharedArrayBuffer(1024))).toThrow(/not an initialised ring/);
  });
});

describe('SPSC ring', () => {
  it('delivers claimed-and-committed slots in order, and nothing before commit', () => {
    const ring = RingBuffer.create(8, 16, 1);
    const p = new RingProducer(ring);
    const c = new RingConsumer(ring, 0);
    expect(p.tryClaim(2)).toBe(2);
    ring.words[ring.slotWord(p.lastClaimed)] = 10;
    ring.words[ring.slotWord(p.lastClaimed + 1)] = 11;
    const h = new Collect();
    expect(c.poll(h, 100)).toBe(0);
    p.commit();
    expect(c.poll(h, 100)).toBe(2);
    expect(h.seen).toEqual([10, 11]);
  });

  it('reports FULL instead of overwriting, and recovers when the consumer moves', () => {
    const ring = RingBuffer.create(4, 16, 1);
    const p = new RingProducer(ring);
    const c = new RingConsumer(ring, 0);
    expect(publish(p, ring, [1, 2, 3])).toBe(3);
    expect(publish(p, ring, [4, 5])).toBe(RING_FULL);
    expect(publish(p, ring, [4])).toBe(1);
    expect(p.tryClaim(1)).toBe(RING_FULL);
    expect(p.remaining()).toBe(0);
    const h = new Collect();
    expect(c.poll(h, 1)).toBe(1);
    expect(publish(p, ring, [5])).toBe(1);
    c.poll(h, 100);
    expect(h.seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps order across the Int32 sequence wrap', () => {
    for (const start of [0x7ffffff0, -8]) {
      const ring = RingBuffer.create(8, 16, 1, start);
      const p = new RingProducer(ring);
      const c = new RingConsumer(ring, 0);
      const h = new Collect();
      for (let i = 0; i < 100; i += 3) {
        expect(publish(p, ring, [i, i + 1, i + 2])).toBe(3);
        c.poll(h, 2);
        c.poll(h, 2);
      }
      while (c.poll(h, 100) > 0);
      expect(h.seen).toEqual(Array.from({ length: 102 }, (_, i) => i));
      expect(ring.lag(0)).toBe(0);
    }
  });

  it('hands back only the slots a throwing handler finished', () => {
    const ring = RingBuffer.create(8, 16, 1);
    const p = new RingProducer(ring);
    const c = new RingConsumer(ring, 0);
    publish(p, ring, [1, 2, 3]);
    let calls = 0;
    const bad: SlotHandler = { onSlot: () => { if (++calls === 2) throw new Error('boom'); } };
    expect(() => c.poll(bad, 10)).toThrow('boom');
    expect(ring.consumerCursor(0)).toBe(1);
    const h = new Collect();
    expect(c.poll(h, 10)).toBe(2);
    expect(h.seen).toEqual([2, 3]);
  });
});

describe('SPMC ring', () => {
  it('every consumer sees every slot and the slowest consumer gates the producer', () => {
    const ring = RingBuffer.create(4, 16, 3);
    const p = new RingProducer(ring);
    const cs = [0, 1, 2].map((i) => new RingConsumer(ring, i));
    const hs = cs.map(() => new Collect());
    expect(publish(p, ring, [1, 2, 3, 4])).toBe(4);
    cs[0].poll(hs[0], 10);
    cs[1].poll(hs[1], 10);
    expect(p.tryClaim(1)).toBe(RING_FULL); // consumer 2 still holds all four
    cs[2].poll(hs[2], 1);
    expect(publish(p, ring, [5])).toBe(1);
    expect(p.tryClaim(1)).toBe(RING_FULL);
    cs.forEach((c, i) => c.poll(hs[i], 10));
    for (const h of hs) expect(h.seen).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('Doorbell', () => {
  it('producers ring only a parked consumer', () => {
    const d = new Doorbell();
    const before = Atomics.load(d.words, 0);
    d.ring();
    expect(Atomics.load(d.words, 0)).toBe(before);
    const count = d.prepareToPark();
    d.ring();
    expect(Atomics.load(d.words, 0)).toBe(count + 1);
    d.park(count, 1000); // returns at once: the count already moved
    expect(d.isParked()).toBe(false);
  });

  it('parkAsync resolves when rung, without blocking the event loop', async () => {
    const d = new Doorbell();
    const count = d.prepareToPark();
    const pending = d.parkAsync(count, 5_000);
    expect(pending).not.toBeNull();
    setTimeout(() => d.ring(), 5);
    const t0 = Date.now();
    await pending;
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(d.isParked()).toBe(false);
  });
});

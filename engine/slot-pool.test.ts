import { describe, expect, it } from 'vitest';
import { SlotPool } from './slot-pool.ts';

describe('SlotPool (the live-order tables\' free list)', () => {
  it('hands out every slot once, says when it is exhausted, and reuses given-back slots first', () => {
    const pool = new SlotPool(new Int32Array(4));
    const taken = [pool.take(), pool.take(), pool.take(), pool.take()];
    expect(new Set(taken).size).toBe(4);
    expect(pool.exhausted()).toBe(true);
    expect(pool.inUse).toBe(4);
    pool.give(taken[2]);
    pool.give(taken[0]);
    expect(pool.exhausted()).toBe(false);
    expect(pool.take()).toBe(taken[0]);
    expect(pool.take()).toBe(taken[2]);
    expect(pool.inUse).toBe(4);
    expect(new SlotPool(new Int32Array(0)).exhausted()).toBe(true);
  });
});

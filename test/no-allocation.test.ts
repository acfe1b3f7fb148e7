import { describe, expect, it } from 'vitest';
import { measureAll } from '../bench/allocation.ts';

// Not a timing test: a hot path that allocates nothing triggers no collection at all, however
// slow or noisy the machine is. One scavenge would mean ~1 MB+ of garbage per million operations.
// Two consecutive 1M windows: no GC in either, and the steady one (see AllocationResult.windows)
// must not grow the heap.
describe('hot paths allocate nothing in steady state', () => {
  it('zero GCs and no heap growth over 2 × 1M operations each (matching, risk + matching, ring)', async () => {
    const results = await measureAll(1_000_000);
    for (const r of results) {
      expect(r.gcs, `${r.name}: ${JSON.stringify(r.byKind)}`).toBe(0);
      expect(r.heapGrowthBytes, r.name).toBeLessThan(256 * 1024);
    }
  }, 120_000);
});

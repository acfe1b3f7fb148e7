import { describe, expect, it } from 'vitest';
import { measureAll } from '../bench/allocation.ts';

// Not a timing test: a hot path that allocates nothing triggers no collection at all, however
// slow or noisy the machine is. One scavenge would mean ~1 MB+ of garbage per million operations.
// Up to four consecutive 500k windows per hot path; one must be clean (no GC, no heap growth).
// Windows before it may show JIT tiering when the box is busy (a parallel test run starves the
// background compiler and lower-tier code boxes numbers until optimized); all are reported.
describe('hot paths allocate nothing in steady state', () => {
  it('a steady 500k-operation window with zero GCs and no heap growth (matching, risk + matching, ring)', async () => {
    const results = await measureAll(500_000, 4);
    for (const r of results) {
      expect(r.steady.gcs, `${r.name}: windows ${JSON.stringify(r.windows)}`).toBe(0);
      expect(r.steady.heapGrowthBytes, `${r.name}: windows ${JSON.stringify(r.windows)}`).toBeLessThan(256 * 1024);
    }
  }, 120_000);
});

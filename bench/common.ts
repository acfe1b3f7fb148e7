/** Benchmark plumbing: machine facts, medians, HDR summaries, result files. Not production code. */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as hdr from 'hdr-histogram-js';

export function machine(): Record<string, string | number> {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    date: new Date().toISOString().slice(0, 10),
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function histogram(): hdr.Histogram {
  return hdr.build({ bitBucketSize: 64, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3 });
}

/** Percentiles of a histogram recorded in nanoseconds, reported in µs. */
export function percentilesUs(h: hdr.Histogram): Record<string, number> {
  const p = (q: number): number => Math.round(h.getValueAtPercentile(q) / 10) / 100;
  return { p50: p(50), p90: p(90), p99: p(99), p99_9: p(99.9), p99_99: p(99.99), max: Math.round(h.maxValue / 10) / 100, count: h.totalCount };
}

export function writeResult(name: string, result: unknown): string {
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${name}.json`, dir);
  writeFileSync(file, JSON.stringify({ machine: machine(), result }, null, 2));
  return file.pathname;
}

/** Count GCs (by kind) while `fn` runs; uses the perf_hooks 'gc' entries. */
export async function countGcs<T>(fn: () => T): Promise<{ result: T; gcs: number; byKind: Record<string, number> }> {
  const { PerformanceObserver, constants } = await import('node:perf_hooks');
  const byKind: Record<string, number> = {};
  let gcs = 0;
  const names: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = names[((e as unknown as { detail?: { kind?: number } }).detail)?.kind ?? -1] ?? "other";
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      gcs++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const result = fn();
  // GC entries are delivered asynchronously: give the observer a turn.
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  return { result, gcs, byKind };
}

/**
 * The platform's own stalls: a loop that only reads the clock for `ms`, reporting gaps > 50 µs.
 * On a shared VM these (host preemption) bound every open-loop tail measured in the same run.
 */
export function platformStalls(ms = 1000): { gapsPerSec: number; stalledPct: number; maxGapUs: number } {
  const t0 = performance.now();
  let prev = t0;
  let gaps = 0;
  let stalled = 0;
  let max = 0;
  while (prev - t0 < ms) {
    const now = performance.now();
    const g = now - prev;
    if (g > 0.05) {
      gaps++;
      stalled += g;
      if (g > max) max = g;
    }
    prev = now;
  }
  const total = prev - t0;
  return { gapsPerSec: Math.round((gaps / total) * 1000), stalledPct: Math.round((stalled / total) * 1000) / 10, maxGapUs: Math.round(max * 1000) };
}

/**
 * How much a second thread really adds on this machine right now: the same CPU loop on 1 and on
 * 2 threads at once; returns the throughput ratio (2.0 = two full cores). Printed next to any
 * parallel speedup so it can be read against what the host actually gave.
 */
export async function parallelCapacity(loops = 2e8): Promise<number> {
  const { Worker } = await import('node:worker_threads');
  const code = `let x = 0; const t0 = performance.now(); for (let i = 0; i < ${loops}; i++) x = (x + i * 7) | 0; require('node:worker_threads').parentPort.postMessage(performance.now() - t0 + (x & 0));`;
  const run = (n: number): Promise<number[]> => Promise.all(Array.from({ length: n }, () => new Promise<number>((resolve) => {
    const w = new Worker(code, { eval: true });
    w.once('message', (ms: number) => { resolve(ms); void w.terminate(); });
  })));
  const one = (await run(1))[0];
  const two = await run(2);
  return Math.round(((2 * one) / Math.max(...two)) * 100) / 100;
}

/**
 * HDR histograms for the harness: recorded in the load workers, shipped to the coordinator as
 * compressed base64, merged there. Also the percentile table and the `.hgrm` text format (the
 * one HdrHistogram's plotter and most tools read).
 */
import * as hdr from 'hdr-histogram-js';
import { latencyHistogram, summarize } from '../../engine/latency.ts';
import type { LatencySummary } from '../../engine/latency.ts';

export { latencyHistogram, summarize };
export type { LatencySummary };

export function encodeHistogram(h: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Merge encoded histograms (one per worker) into one. */
export function mergeEncoded(encoded: readonly string[]): hdr.Histogram {
  const total = latencyHistogram();
  for (const e of encoded) {
    const h = hdr.decodeFromCompressedBase64(e);
    total.add(h);
    h.destroy();
  }
  return total;
}

/** The percentile distribution in HdrHistogram's `.hgrm` text format (values in µs). */
export function hgrm(h: hdr.Histogram): string {
  return h.outputPercentileDistribution(5, 1, false);
}

/**
 * Points for a latency-by-percentile plot: percentiles spaced evenly on the log scale of
 * 1 / (1 − p), up to the largest percentile the sample count supports.
 */
export function percentileCurve(h: hdr.Histogram, pointsPerDecade = 20): Array<{ percentile: number; us: number }> {
  const out: Array<{ percentile: number; us: number }> = [];
  if (h.totalCount === 0) return out;
  const maxNines = Math.log10(h.totalCount);
  for (let k = 0; k <= Math.ceil(maxNines * pointsPerDecade); k++) {
    const nines = Math.min(maxNines, k / pointsPerDecade);
    const p = 100 * (1 - 10 ** -nines);
    out.push({ percentile: p, us: h.getValueAtPercentile(p) });
  }
  out.push({ percentile: 100, us: h.maxValue });
  return out;
}

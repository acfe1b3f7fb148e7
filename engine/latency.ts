/** HDR latency histograms (µs) and their percentile summary, shared by the engine threads, the gateway and the benchmarks. */
import * as hdr from 'hdr-histogram-js';

export function latencyHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
  mean: number;
}

export function summarize(h: hdr.Histogram): LatencySummary {
  const q = (p: number): number => (h.totalCount === 0 ? 0 : h.getValueAtPercentile(p));
  return { count: h.totalCount, p50: q(50), p90: q(90), p99: q(99), p999: q(99.9), p9999: q(99.99), max: h.totalCount === 0 ? 0 : h.maxValue, mean: h.totalCount === 0 ? 0 : Math.round(h.mean * 10) / 10 };
}


/**
 * Server-side stage timings, µs, in HDR histograms (hdr-histogram-js): where an order's time goes
 * inside the server. Served by GET /v1/stats/latency and reset by POST /v1/admin/stats/reset (the
 * benchmark harness resets after its warm-up). Each stage is measured by the thread that sees its
 * end, on one clock (µs since the epoch, engine/clock.ts).
 */
import type { LatencySummary } from '../engine/latency.ts';

export { latencyHistogram, summarize } from '../engine/latency.ts';
export type { LatencySummary } from '../engine/latency.ts';

export interface StageRow extends LatencySummary {
  stage: string;
  from: string;
  to: string;
}

/** Stage definitions, in order along the path of an order. */
export const STAGES = [
  { stage: 'decode', from: 'frame received by the gateway', to: 'command committed to the gateway→risk ring', thread: 'gateway' },
  { stage: 'risk', from: 'command committed', to: 'risk stage starts the batch holding it', thread: 'R' },
  { stage: 'match', from: 'command committed', to: 'matching shard starts the batch holding it (both hops + risk)', thread: 'M' },
  { stage: 'event_out', from: 'matching shard batch start', to: 'gateway reads the event', thread: 'gateway' },
  { stage: 'report', from: 'command committed', to: 'execution report handed to uWS (every report)', thread: 'gateway' },
] as const;

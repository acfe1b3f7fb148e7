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
  // The command's ingress time is when its frame arrived (one clock read per frame: each read
  // allocates a number, gateway/server.ts); the decode stage, which needs a second read, is sampled.
  { stage: 'decode', from: 'frame received by the gateway', to: 'command slot claimed in the gateway→risk ring (1 frame in 64)', thread: 'gateway' },
  { stage: 'risk', from: 'frame received (the command\'s ingress time)', to: 'risk stage starts the batch holding it', thread: 'R' },
  { stage: 'match', from: 'frame received', to: 'matching shard starts the batch holding it (both hops + risk)', thread: 'M' },
  { stage: 'event_out', from: 'matching shard batch start', to: 'gateway reads the event (its event-pump pass)', thread: 'gateway' },
  { stage: 'report', from: 'frame received', to: 'execution report queued for uWS (every report; the clock of the pump pass)', thread: 'gateway' },
] as const;

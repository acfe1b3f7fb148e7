/**
 * The pipeline, drawn once. Stage letters are reused in thread names, metrics and bench names.
 *
 * ```
 *   G gateway (main thread) ──cmd ring G→R (SPSC, 128 B slots)──▶ R risk stage (worker "R")
 *                                                                   │ admit: assign orderId + commandSeq,
 *                                                                   │ check limits, reserve; or mark reject
 *                             ┌──────── cmd ring R→M[k] (SPSC) ◀────┘ (symbol → shard k is pinned)
 *                             ▼
 *                     M matching shard k (worker "M<k>") ──event ring E[k] (SPMC, 256 B slots)──┐
 *                                                                                                │
 *        consumer R: risk stage (releases reservations as events arrive, moves the price band)  ◀───────────────────────────┤
 *        consumer G: gateway (execution reports, market data)      ◀───────────────────────────┤
 *        consumer J: journal (persistence thread)   — slots named in engine/topology.ts ◀────────────────────────────┘
 *        (market data E is projected on the main thread from G's cursor; Kafka K follows the journal files)
 * ```
 *
 * R applies shard events as they arrive (never waits on M); every risk decision is an event in the
 * journal, so replay and restarts follow the journal (docs/engine.md, "Determinism").
 */
export const Stage = { GATEWAY: 'G', RISK: 'R', MATCH: 'M', JOURNAL: 'J', FEEDS: 'E' } as const;

// Which consumer cursor of an event ring belongs to whom: engine/topology.ts.

export function shardThreadName(k: number): string {
  return `${Stage.MATCH}${k}`;
}

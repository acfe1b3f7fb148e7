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
 *        consumer 0: R (releases reservations as events arrive, moves the price band)  ◀───────────────────────────┤
 *        consumer 1: G (execution reports, market data; issue #3)      ◀───────────────────────────┤
 *        consumer 1+x: J journal (persistence thread; the last consumer) ◀────────────────────────────┘
 *        (market data E is projected on the main thread from G's cursor; Kafka K follows the journal files)
 * ```
 *
 * R applies shard events as they arrive (never waits on M); every risk decision is an event in the
 * journal, so replay and restarts follow the journal (docs/engine.md, "Determinism").
 */
export const Stage = { GATEWAY: 'G', RISK: 'R', MATCH: 'M', JOURNAL: 'J', FEEDS: 'E' } as const;

/** Event ring consumer index of the risk stage; external consumers start at 1. */
export const RISK_EVENT_CONSUMER = 0;
export const FIRST_EXTERNAL_CONSUMER = 1;

export function shardThreadName(k: number): string {
  return `${Stage.MATCH}${k}`;
}

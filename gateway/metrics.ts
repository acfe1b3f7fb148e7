/**
 * GET /metrics: the Prometheus text format of one snapshot of the gateway's counters and the
 * engine's state — a pure function, so what is exported is decided here alone and tested without a
 * server. The gateway builds the snapshot (Gateway.metrics) at most every 250 ms.
 */
import { EventType, codeName } from '../engine/codes.ts';
import type { AgentStats } from '../engine/engine.ts';
import type { AgentHealth } from '../engine/supervisor.ts';
import type { LatencySummary } from '../engine/latency.ts';
import type { SyntheticReport } from './probe.ts';
import type { DiskUsage } from '../persistence/retention.ts';

export interface MetricsSnapshot {
  connections: number;
  counters: {
    messages: number;
    commands: ReadonlyMap<string, number>;
    events: ReadonlyMap<number, number>;
    rejects: ReadonlyMap<number, number>;
    errors: ReadonlyMap<number, number>;
    slowConsumerCloses: number;
    publicHttpRefused: number;
    handlerErrors: number;
    conflations?: number;
    conflationResumes?: number;
    restRequests?: number;
    restReplays?: number;
    restTimeouts?: number;
  };
  /** What gateway thread 0's account views hold. */
  views?: { openOrders: number; closedOrders: number; fills: number };
  agents: readonly AgentStats[];
  supervisor: readonly AgentHealth[];
  lags: ReadonlyArray<{ ring: string; consumer: string; lag: number }>;
  kafka: { state: string; lag?: number[]; failures?: number; restarts?: number; circuit?: { state: string; opened: number; halfOpened: number; closed: number } };
  /** The data folder (null without a journal). */
  disk?: DiskUsage | null;
  /** Synthetic probes (null when off): the report, and the successful probes' latency. */
  probe?: { report: SyntheticReport; latency: LatencySummary } | null;
  /** Gateway receive → execution report sent, µs. */
  latency: { p50: number; p99: number; p999: number; max: number; count: number };
}

const EVENT_NAMES = ['', 'accepted', 'trade', 'canceled', 'replaced', 'rejected', 'expired', 'admin', 'mass_cancel_done'];

export function prometheusText(s: MetricsSnapshot): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, rows: Array<[string, number]>): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of rows) lines.push(`${name}${labels} ${v}`);
  };
  const c = s.counters;
  metric('ringmatch_ws_connections', 'gauge', 'Open WebSocket connections.', [['', s.connections]]);
  metric('ringmatch_ws_messages_total', 'counter', 'Client messages received.', [['', c.messages]]);
  metric('ringmatch_orders_total', 'counter', 'Order-entry requests accepted into the engine, by type.', [...c.commands].map(([k, v]) => [`{type="${k}"}`, v]));
  metric('ringmatch_events_total', 'counter', 'Engine events seen by the gateway, by type.', [...c.events].map(([k, v]) => [`{type="${EVENT_NAMES[k] ?? k}"}`, v]));
  metric('ringmatch_trades_total', 'counter', 'Trades.', [['', c.events.get(EventType.TRADE) ?? 0]]);
  metric('ringmatch_rejects_total', 'counter', 'Rejected commands, by reason.', [...c.rejects].map(([k, v]) => [`{reason="${codeName(k)}"}`, v]));
  metric('ringmatch_gateway_errors_total', 'counter', 'Errors sent to clients, by code.', [...c.errors].map(([k, v]) => [`{code="${k}"}`, v]));
  metric('ringmatch_slow_consumer_closes_total', 'counter', 'Connections closed for not reading.', [['', c.slowConsumerCloses]]);
  metric('ringmatch_public_http_refused_total', 'counter', 'Public HTTP requests refused (429) for the server-wide budget.', [['', c.publicHttpRefused]]);
  metric('ringmatch_md_conflations_total', 'counter', 'Connections whose market data was conflated (they fell behind; updates paused until they drained).', [['', c.conflations ?? 0]]);
  metric('ringmatch_md_conflation_resumes_total', 'counter', 'Conflated connections that drained and got fresh snapshots.', [['', c.conflationResumes ?? 0]]);
  metric('ringmatch_rest_requests_total', 'counter', 'Authenticated HTTP requests (account views and REST order entry).', [['', c.restRequests ?? 0]]);
  metric('ringmatch_rest_idempotent_replays_total', 'counter', 'REST order retries answered with the original outcome (nothing placed).', [['', c.restReplays ?? 0]]);
  metric('ringmatch_rest_timeouts_total', 'counter', 'REST requests the engine did not answer within the timeout (answered 504).', [['', c.restTimeouts ?? 0]]);
  if (s.views) {
    metric('ringmatch_view_orders', 'gauge', 'Orders held by the account views, open and recently closed.', [['{state="open"}', s.views.openOrders], ['{state="closed"}', s.views.closedOrders]]);
    metric('ringmatch_view_fills', 'gauge', 'Fills held by the account views.', [['', s.views.fills]]);
  }
  metric('ringmatch_handler_errors_total', 'counter', 'Exceptions caught in a message or HTTP handler (answered INTERNAL_ERROR / 500, logged; the server carries on).', [['', c.handlerErrors]]);
  metric('ringmatch_agent_commands_total', 'counter', 'Commands processed per engine thread.', s.agents.map((a) => [`{agent="${a.name}"}`, a.commands >>> 0]));
  metric('ringmatch_agent_waits_total', 'counter', 'Times an engine thread waited for room in a full ring (backpressure).', s.agents.map((a) => [`{agent="${a.name}"}`, a.waits >>> 0]));
  metric('ringmatch_agent_up', 'gauge', '1 while the engine thread runs.', s.agents.map((a) => [`{agent="${a.name}"}`, a.state === 'running' ? 1 : 0]));
  metric('ringmatch_agent_restarts_total', 'counter', 'Successful supervisor restarts per engine thread.', s.supervisor.map((h) => [`{agent="${h.agent}"}`, h.restarts]));
  metric('ringmatch_agent_restart_failures', 'gauge', 'Failed restart attempts in a row per engine thread (backoff grows with it).', s.supervisor.map((h) => [`{agent="${h.agent}"}`, h.failedAttempts]));
  metric('ringmatch_agent_recovering', 'gauge', '1 while the engine thread is down and being restarted.', s.supervisor.map((h) => [`{agent="${h.agent}"}`, h.phase === 'running' || h.phase === 'failed' ? 0 : 1]));
  metric('ringmatch_agent_last_recovery_seconds', 'gauge', 'Death to running again, last restart.', s.supervisor.filter((h) => h.lastRecoveryMs !== null).map((h) => [`{agent="${h.agent}"}`, (h.lastRecoveryMs ?? 0) / 1000]));
  metric('ringmatch_ring_lag', 'gauge', 'Unread slots per event ring and consumer.', s.lags.map((l) => [`{ring="${l.ring}",consumer="${l.consumer}"}`, l.lag]));
  const k = s.kafka;
  metric('ringmatch_kafka_up', 'gauge', '1 while Kafka shipping is running (0 when backing off or off).', [['', k.state === 'running' ? 1 : 0]]);
  metric('ringmatch_kafka_lag_events', 'gauge', 'Events journaled but not yet shipped to Kafka, per shard.', (k.lag ?? []).map((v, i) => [`{shard="${i}"}`, v]));
  metric('ringmatch_kafka_failures_total', 'counter', 'Failed Kafka sends (each followed by a backoff).', [['', k.failures ?? 0]]);
  metric('ringmatch_kafka_thread_restarts_total', 'counter', 'Restarts of the Kafka shipping thread after it died.', [['', k.restarts ?? 0]]);
  if (k.circuit) {
    const c = k.circuit;
    metric('ringmatch_kafka_circuit_state', 'gauge', 'Kafka circuit breaker: 1 for its current state (closed, open, half-open).', (['closed', 'open', 'half-open'] as const).map((st) => [`{state="${st}"}`, c.state === st ? 1 : 0]));
    metric('ringmatch_kafka_circuit_transitions_total', 'counter', 'Kafka circuit breaker transitions, by the state entered.', [['{to="open"}', c.opened], ['{to="half-open"}', c.halfOpened], ['{to="closed"}', c.closed]]);
  }
  if (s.disk) {
    const d = s.disk;
    metric('ringmatch_journal_bytes', 'gauge', 'Journal segment bytes in the live data folder, per shard.', d.journal.map((j) => [`{shard="${j.shard}"}`, j.bytes]));
    metric('ringmatch_journal_segments', 'gauge', 'Journal segment files in the live data folder, per shard.', d.journal.map((j) => [`{shard="${j.shard}"}`, j.segments]));
    metric('ringmatch_journal_first_seq', 'gauge', 'First sequence still in the live journal, per shard (above 1 after retention).', d.journal.map((j) => [`{shard="${j.shard}"}`, j.startsAt]));
    metric('ringmatch_snapshot_files', 'gauge', 'Snapshot files kept.', [['', d.snapshots.files]]);
    metric('ringmatch_snapshot_bytes', 'gauge', 'Bytes of the snapshot files kept.', [['', d.snapshots.bytes]]);
    metric('ringmatch_archive_segments', 'gauge', 'Journal segments moved to dataDir/archive by retention.', [['', d.archive.segments]]);
    metric('ringmatch_archive_bytes', 'gauge', 'Bytes of the archived journal segments.', [['', d.archive.bytes]]);
  }
  if (s.probe) {
    const { report, latency } = s.probe;
    metric('ringmatch_probe_ok', 'gauge', 'Synthetic probe per shard: 1 when its last probe went through the whole pipeline.', report.shards.map((p) => [`{shard="${p.shard}"}`, p.state === 'ok' ? 1 : 0]));
    metric('ringmatch_probe_age_seconds', 'gauge', 'Since the last successful synthetic probe per shard.', report.shards.filter((p) => p.ageMs !== null).map((p) => [`{shard="${p.shard}"}`, (p.ageMs ?? 0) / 1000]));
    metric('ringmatch_probes_total', 'counter', 'Synthetic probes finished per shard.', report.shards.map((p) => [`{shard="${p.shard}"}`, p.probes]));
    metric('ringmatch_probe_failures_total', 'counter', 'Synthetic probes that failed per shard.', report.shards.map((p) => [`{shard="${p.shard}"}`, p.failures]));
    metric('ringmatch_probe_latency_microseconds', 'summary', 'Successful synthetic probes: order sent → both reports back at the gateway, µs (HDR).', [
      ['{quantile="0.5"}', latency.p50], ['{quantile="0.99"}', latency.p99], ['{quantile="1"}', latency.max], ['_count', latency.count],
    ]);
  }
  const q = s.latency;
  // Rows are appended to the metric name: quantile labels, then the summary's _count series.
  metric('ringmatch_order_to_report_microseconds', 'summary', 'Gateway receive → execution report sent, µs (HDR).', [
    ['{quantile="0.5"}', q.p50], ['{quantile="0.99"}', q.p99], ['{quantile="0.999"}', q.p999], ['{quantile="1"}', q.max], ['_count', q.count],
  ]);
  return `${lines.join('\n')}\n`;
}

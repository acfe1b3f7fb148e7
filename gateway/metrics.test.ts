import { describe, expect, it } from 'vitest';
import { EventType, ResultCode } from '../engine/codes.ts';
import { prometheusText } from './metrics.ts';
import type { MetricsSnapshot } from './metrics.ts';

const snapshot = (): MetricsSnapshot => ({
  connections: 3,
  counters: {
    messages: 10, commands: new Map([['new_order', 7]]), events: new Map([[EventType.ACCEPTED, 7], [EventType.TRADE, 2]]),
    rejects: new Map([[ResultCode.RISK_CREDIT_LIMIT, 1]]), errors: new Map([[-10007, 4]]), slowConsumerCloses: 0, publicHttpRefused: 5, handlerErrors: 1,
  },
  agents: [{ name: 'R', state: 'running', heartbeat: 1, commands: 2 ** 32 + 7, events: 0, processed: 0, waits: -1 }],
  supervisor: [{ agent: 'R', phase: 'recovering', restarts: 2, failedAttempts: 1, lastError: null, lastRecoveryMs: 1500, downSince: 1, waitingFor: null }],
  lags: [{ ring: 'E0', consumer: 'G', lag: 12 }],
  kafka: { state: 'half-open', lag: [4, 0], failures: 3, restarts: 1, circuit: { state: 'half-open', opened: 2, halfOpened: 2, closed: 1 } },
  latency: { p50: 100, p99: 900, p999: 2_000, max: 5_000, count: 42 },
});

describe('prometheusText (GET /metrics) — a pure function of one snapshot', () => {
  it('renders every series with HELP/TYPE, labels, unsigned wrapped counters and the latency summary', () => {
    const text = prometheusText(snapshot());
    expect(text.endsWith('\n')).toBe(true);
    for (const line of [
      'ringmatch_ws_connections 3', 'ringmatch_orders_total{type="new_order"} 7', 'ringmatch_events_total{type="accepted"} 7', 'ringmatch_trades_total 2',
      'ringmatch_rejects_total{reason="RISK_CREDIT_LIMIT"} 1', 'ringmatch_gateway_errors_total{code="-10007"} 4', 'ringmatch_public_http_refused_total 5',
      'ringmatch_handler_errors_total 1', 'ringmatch_agent_commands_total{agent="R"} 7', 'ringmatch_agent_waits_total{agent="R"} 4294967295',
      'ringmatch_agent_recovering{agent="R"} 1', 'ringmatch_agent_last_recovery_seconds{agent="R"} 1.5', 'ringmatch_ring_lag{ring="E0",consumer="G"} 12',
      'ringmatch_kafka_up 0', 'ringmatch_kafka_circuit_state{state="half-open"} 1', 'ringmatch_kafka_circuit_state{state="open"} 0', 'ringmatch_kafka_circuit_transitions_total{to="open"} 2', 'ringmatch_kafka_lag_events{shard="0"} 4', 'ringmatch_order_to_report_microseconds{quantile="0.99"} 900', 'ringmatch_order_to_report_microseconds_count 42',
    ]) expect(text.split('\n'), line).toContain(line);
    // Every series is introduced by its HELP and TYPE lines.
    const names = new Set(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.replace(/[{ ].*$/, '').replace(/_count$/, '')));
    for (const n of names) expect(text).toContain(`# TYPE ${n} `);
  });
});

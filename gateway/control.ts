/**
 * The gateway's cold control plane: deep health, metrics, stage timings, snapshots and fault
 * injection — the questions only the main thread can answer, because it holds the Engine object
 * (supervisor, worker ports, Kafka and snapshot hooks). Every gateway thread serves these routes:
 * the main thread through LocalControl, the others by forwarding the question over their port
 * (gateway/gateway.worker.ts) and relaying the answer. Nothing here is on the order path.
 *
 * Counters and latency histograms live on each gateway thread; LocalControl merges them
 * (`ThreadStats`, histograms as HDR compressed base64). Events and rejects are counted by thread 0
 * only: every gateway thread reads every event.
 */
import { EventType } from '../engine/codes.ts';
import * as hdr from 'hdr-histogram-js';
import { RISK_AGENT } from '../engine/engine.ts';
import type { Engine } from '../engine/engine.ts';
import { Consumer } from '../engine/topology.ts';
import { gatewayConsumer } from '../engine/link.ts';
import { durableWord } from '../engine/durability.ts';
import { STAGES, latencyHistogram, summarize } from './stage-stats.ts';
import type { LatencySummary, StageRow } from './stage-stats.ts';
import { prometheusText } from './metrics.ts';
import { Shared } from './budget.ts';
import type { GatewayOptions } from './options.ts';
import type { SyntheticProbe } from './probe.ts';
import type { DiskUsage } from '../persistence/retention.ts';

export type ControlRequest =
  | { what: 'health' }
  | { what: 'metrics' }
  | { what: 'stats' }
  | { what: 'live' }
  | { what: 'stats-reset' }
  | { what: 'snapshot' }
  | { what: 'synthetic' }
  | { what: 'kill'; thread: string };

/** An HTTP answer: status line, body text, content type (default JSON). */
export interface ControlAnswer {
  status: string;
  body: string;
  contentType?: string;
}

export interface GatewayControl {
  ask(req: ControlRequest): Promise<ControlAnswer>;
  /** Why the journal cannot write, when this thread knows (the main thread does); else null. */
  journalError(): string | null;
}

/** One gateway thread's counters and histograms (structured-clone safe). */
export interface ThreadStats {
  thread: number;
  connections: number;
  messages: number;
  slowConsumerCloses: number;
  handlerErrors: number;
  publicHttpRefused: number;
  /** Conflation (gateway/session.ts) and the REST API (gateway/rest.ts). */
  conflations: number;
  conflationResumes: number;
  restRequests: number;
  restReplays: number;
  restTimeouts: number;
  /** What this thread's account views hold (feeds/accounts.ts). */
  views: { openOrders: number; closedOrders: number; fills: number };
  commands: Array<[string, number]>;
  events: Array<[number, number]>;
  rejects: Array<[number, number]>;
  errors: Array<[number, number]>;
  /** HDR histograms, compressed base64: report, decode, match, event_out. */
  latency: string;
  decode: string;
  match: string;
  eventOut: string;
}

/** A gateway thread as the control plane sees it (the main one in-process, workers over a port). */
export interface StatsSource {
  threadStats(): Promise<ThreadStats>;
  resetStats(): Promise<void>;
}

export type KafkaStatus = {
  state: string; shipped?: number[]; lag?: number[]; failures?: number; lastError?: string | null; restarts?: number;
  circuit?: { state: string; failures: number; opened: number; halfOpened: number; closed: number; last: unknown };
};

function answer(status: string, body: unknown): ControlAnswer {
  return { status, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

function sumInto<K>(into: Map<K, number>, rows: ReadonlyArray<[K, number]>): void {
  for (const [k, v] of rows) into.set(k, (into.get(k) ?? 0) + v);
}

/** The stages of GET /v1/stats/live (the gateway threads' histograms; docs/protocol.md). */
const LIVE_STAGES = [
  { stage: 'decode', key: 'decode' }, { stage: 'risk', key: 'risk' }, { stage: 'match', key: 'match' }, { stage: 'event_out', key: 'eventOut' }, { stage: 'report', key: 'latency' },
] as const;
type LiveKey = 'latency' | 'decode' | 'match' | 'eventOut' | 'risk';

/** GET /v1/stats/live. Percentiles are null in an interval without samples. */
export interface LiveStats {
  ts: number;
  intervalMs: number;
  unit: 'µs';
  stages: Array<{ stage: string; count: number; p50: number | null; p99: number | null; p999: number | null }>;
  counters: Record<string, number>;
  rates: { messages: number; orders: number; trades: number; rejects: number };
  faultInjection: boolean;
}

export class LocalControl implements GatewayControl {
  /** Set by the process when snapshots are available: build one now (POST /v1/admin/snapshot). */
  requestSnapshot: (() => Promise<unknown>) | null = null;
  /** Set by the process when a Kafka thread runs: kills it (fault injection). */
  killKafka: (() => Promise<void>) | null = null;
  /** Set by gateway/cluster.ts when gateway workers run: crashes worker g (fault injection; fatal). */
  crashGateway: ((g: number) => Promise<void>) | null = null;
  /** Set by the process when Kafka shipping runs: its state and lag, for health and metrics. */
  kafkaStatus: () => KafkaStatus = () => ({ state: 'off' });
  /** The data folder's sizes and counts for /metrics (set by main.ts when journaling). */
  diskUsage: (() => DiskUsage) | null = null;
  /** Synthetic transactions (set by gateway thread 0 when probes are on). */
  probe: SyntheticProbe | null = null;
  /** Every gateway thread, thread 0 first. */
  readonly gateways: StatsSource[] = [];
  private stagesSince = new Date();

  constructor(private readonly engine: Engine, private readonly opts: GatewayOptions) {}

  journalError(): string | null {
    return this.engine.journalError;
  }

  async ask(req: ControlRequest): Promise<ControlAnswer> {
    try {
      switch (req.what) {
        case 'health': {
          const r = this.healthDeep.get();
          return answer(r.ok ? '200 OK' : '503 Service Unavailable', r.body);
        }
        case 'metrics':
          return { status: '200 OK', body: await this.metricsShared.get(), contentType: 'text/plain; version=0.0.4' };
        case 'stats':
          return answer('200 OK', await this.stageStatsShared.get());
        case 'live':
          return answer('200 OK', await this.liveShared.get());
        case 'synthetic': {
          if (!this.probe) return answer('200 OK', { enabled: false, ok: true, problems: [], shards: [] });
          const r = this.probe.report();
          return answer(r.ok ? '200 OK' : '503 Service Unavailable', r);
        }
        case 'stats-reset':
          await this.resetStageStats();
          this.stageStatsShared.clear();
          return answer('200 OK', { reset: true, since: this.stagesSince.toISOString() });
        case 'snapshot':
          if (!this.requestSnapshot) return answer('409 Conflict', { message: 'snapshots need the journal (journal: true)' });
          try {
            return answer('200 OK', await this.requestSnapshot());
          } catch (e) {
            return answer('500 Internal Server Error', { message: `snapshot failed: ${(e as Error).message}` });
          }
        case 'kill':
          return await this.kill(req.thread);
        default:
          return answer('404 Not Found', { message: 'unknown control request' });
      }
    } catch (e) {
      // Shared promises are not kept when they fail: the next request tries afresh.
      this.metricsShared.clear();
      this.stageStatsShared.clear();
      return answer('500 Internal Server Error', { message: (e as Error).message });
    }
  }

  private async kill(thread: string): Promise<ControlAnswer> {
    const e = this.engine;
    const shard = /^M(\d+)$/.exec(thread);
    const gw = /^G([1-9]\d*)$/.exec(thread);
    let kill: (() => Promise<void>) | null = null;
    if (thread === 'R') kill = () => e.killAgent(RISK_AGENT);
    else if (shard && Number(shard[1]) < e.spec.shards) kill = () => e.killAgent(1 + Number(shard[1]));
    else if (thread === 'J' && e.journalAgent >= 0) kill = () => e.killAgent(e.journalAgent);
    else if (thread === 'K' && this.killKafka) kill = this.killKafka;
    else if (gw && this.crashGateway && Number(gw[1]) < e.gatewayThreads) kill = () => this.crashGateway!(Number(gw[1]));
    if (!kill) return answer('404 Not Found', { message: `no thread ${JSON.stringify(thread.slice(0, 20))}: R, M0…M${e.spec.shards - 1}${e.journalAgent >= 0 ? ', J' : ''}${this.killKafka ? ', K' : ''}${e.gatewayThreads > 1 ? `, G1…G${e.gatewayThreads - 1} (fatal: the process exits 70)` : ''}` });
    try {
      await kill();
      return answer('202 Accepted', { killed: thread });
    } catch (err) {
      return answer('409 Conflict', { message: (err as Error).message });
    }
  }

  /** Deep health, computed at most every 250 ms however often it is asked for (shared). */
  private readonly healthDeep = new Shared(250, () => {
    const e = this.engine;
    const agents = e.stats();
    const failed = agents.filter((a) => a.state !== 'running');
    const supervisor = e.supervisor.snapshot();
    const gateways = Array.from({ length: e.gatewayThreads }, (_, g) => gatewayConsumer(g));
    const js = e.journalState;
    const lag = e.eventRings.map((_, k) => ({
      shard: k, eventLag: Math.max(...gateways.map((g) => e.lag(k, g))), riskLag: e.lag(k, Consumer.RISK),
      // The shard's last event the journal has fsynced (its durable sequence; absent without the journal).
      ...(js ? { durableSeq: Atomics.load(js, durableWord(k)) } : {}),
      ...(gateways.length > 1 ? { gatewayLags: Object.fromEntries(gateways.map((g) => [g, e.lag(k, g)])) } : {}),
    }));
    const journal = e.journalStatus();
    const journalError = e.journalError;
    const kafka = this.kafkaStatus().state;
    // Kafka backing off is degraded (events pile up in the journal, nothing is lost).
    // Past failures that the supervisor recovered from are history (listed), not degradation.
    // A failing or stale synthetic probe: an order could not go through (the reason is in problems).
    const synthetic = this.probe?.report() ?? null;
    const ok = failed.length === 0 && e.supervisor.allUp() && (journal === 'off' || journal === 'running') && (kafka === 'off' || kafka === 'running' || kafka === 'starting')
      && (synthetic === null || synthetic.ok);
    const body = JSON.stringify({
      status: ok ? 'ok' : 'degraded', ...(synthetic && !synthetic.ok ? { problems: synthetic.problems } : {}), agents, supervisor, rings: lag, gatewayThreads: e.gatewayThreads,
      synthetic: synthetic ?? { enabled: false },
      failures: e.failures.slice(-20).map((f) => ({ agent: f.agent, error: f.error.message, at: new Date(f.at).toISOString() })),
      journal, ...(journalError ? { journalError } : {}), ackMode: this.opts.ackMode, kafka: this.kafkaStatus(), runtime: e.runtime(),
    });
    return { ok, body };
  });

  /** Stage timings, asked of the risk stage at most once a second (shared by concurrent requests). */
  private readonly stageStatsShared = new Shared(1_000, () => this.stageStats());
  /** GET /v1/stats/live: one sample per second at most, shared by every caller (the console polls it). */
  private readonly liveShared = new Shared(1_000, () => this.live());
  /** The previous live sample's cumulative histograms and counters (the next one reports the difference). */
  private livePrev: { at: number; hist: Record<LiveKey, hdr.Histogram>; counters: Record<string, number>; resets: number } | null = null;
  /** Stats resets so far (a live sample spanning one reports no interval). */
  private resets = 0;

  /**
   * What happened since the previous sample (at most once a second, whoever asks): the gateway
   * threads' stage percentiles over that interval (their cumulative histograms minus the previous
   * ones), counters and rates, connections. For live plots (the web console's operations page).
   */
  async live(): Promise<LiveStats> {
    const [{ stats, hist }, riskHist] = await Promise.all([this.merged(), this.engine.query<string>(RISK_AGENT, { what: 'stageHistogram' })]);
    const hists: Record<LiveKey, hdr.Histogram> = { ...hist, risk: hdr.decodeFromCompressedBase64(riskHist) };
    const at = Date.now();
    const counters: Record<string, number> = { messages: 0, orders: 0, trades: 0, rejects: 0, events: 0, connections: 0 };
    for (const s of stats) {
      counters.messages += s.messages;
      counters.connections += s.connections;
      // New orders (new_order, new_oco): cancels and replaces are not orders.
      for (const [type, v] of s.commands) if (type === 'new_order' || type === 'new_oco') counters.orders += v;
    }
    // Every thread sees every event: the first thread's event counts are the server's (probes' not counted).
    for (const [type, v] of stats[0]?.events ?? []) {
      counters.events += v;
      if (type === EventType.TRADE) counters.trades += v;
    }
    for (const [, v] of stats[0]?.rejects ?? []) counters.rejects += v;
    // The first sample, or one after a stats reset, has no interval to report: only the counters.
    const prev = this.livePrev !== null && this.livePrev.resets === this.resets ? this.livePrev : null;
    const intervalMs = prev ? at - prev.at : 0;
    const perSecond = (k: string): number => (prev && intervalMs > 0 ? Math.max(0, ((counters[k] - prev.counters[k]) * 1000) / intervalMs) : 0);
    const stages = LIVE_STAGES.map(({ stage, key }) => {
      const h = hists[key];
      if (prev === null) return { stage, count: 0, p50: null, p99: null, p999: null };
      // The interval's samples: now minus then; back to cumulative after, kept for the next sample.
      h.subtract(prev.hist[key]);
      const n = h.totalCount;
      const out = { stage, count: n, p50: n ? h.getValueAtPercentile(50) : null, p99: n ? h.getValueAtPercentile(99) : null, p999: n ? h.getValueAtPercentile(99.9) : null };
      h.add(prev.hist[key]);
      return out;
    });
    if (this.livePrev) for (const h of Object.values(this.livePrev.hist)) h.destroy();
    this.livePrev = { at, hist: hists, counters, resets: this.resets };
    return {
      ts: at, intervalMs, unit: 'µs', stages, counters,
      rates: { messages: perSecond('messages'), orders: perSecond('orders'), trades: perSecond('trades'), rejects: perSecond('rejects') },
      faultInjection: this.opts.faultInjection,
    };
  }

  /** Prometheus text, built at most every 250 ms. */
  private readonly metricsShared = new Shared(250, () => this.metrics());

  /** Every gateway thread's stats, merged (counters summed; events and rejects from thread 0). */
  private async merged(): Promise<{ stats: ThreadStats[]; hist: Record<'latency' | 'decode' | 'match' | 'eventOut', hdr.Histogram> }> {
    const stats = await Promise.all(this.gateways.map((g) => g.threadStats()));
    const hist = { latency: latencyHistogram(), decode: latencyHistogram(), match: latencyHistogram(), eventOut: latencyHistogram() };
    for (const s of stats) {
      for (const key of ['latency', 'decode', 'match', 'eventOut'] as const) {
        const h = hdr.decodeFromCompressedBase64(s[key]);
        hist[key].add(h);
        h.destroy();
      }
    }
    return { stats, hist };
  }

  /** Stage timings since the last reset, in path order (cold). */
  async stageStats(): Promise<{ since: string; unit: 'µs'; stages: StageRow[] }> {
    const risk = await this.engine.query<LatencySummary>(RISK_AGENT, { what: 'stageLatency' });
    const { hist } = await this.merged();
    const by: Record<string, LatencySummary> = {
      decode: summarize(hist.decode), risk, match: summarize(hist.match), event_out: summarize(hist.eventOut), report: summarize(hist.latency),
    };
    return { since: this.stagesSince.toISOString(), unit: 'µs', stages: STAGES.map((d) => ({ stage: d.stage, from: d.from, to: d.to, ...by[d.stage] })) };
  }

  async resetStageStats(): Promise<void> {
    await this.engine.query(RISK_AGENT, { what: 'stageLatency', reset: true });
    await Promise.all(this.gateways.map((g) => g.resetStats()));
    this.stagesSince = new Date();
    this.resets++;
  }

  /** Prometheus text of every gateway thread's counters and the engine's state now (gateway/metrics.ts). */
  async metrics(): Promise<string> {
    const e = this.engine;
    const { stats, hist } = await this.merged();
    const commands = new Map<string, number>();
    const errors = new Map<number, number>();
    let connections = 0;
    let messages = 0;
    let slowConsumerCloses = 0;
    let handlerErrors = 0;
    let publicHttpRefused = 0;
    const more = { conflations: 0, conflationResumes: 0, restRequests: 0, restReplays: 0, restTimeouts: 0 };
    for (const s of stats) {
      for (const k of Object.keys(more) as Array<keyof typeof more>) more[k] += s[k];
      connections += s.connections;
      messages += s.messages;
      slowConsumerCloses += s.slowConsumerCloses;
      handlerErrors += s.handlerErrors;
      publicHttpRefused += s.publicHttpRefused;
      sumInto(commands, s.commands);
      sumInto(errors, s.errors);
    }
    const first = stats[0];
    const l = hist.latency;
    return prometheusText({
      connections,
      counters: {
        messages, commands, events: new Map(first?.events ?? []), rejects: new Map(first?.rejects ?? []), errors, slowConsumerCloses, handlerErrors, publicHttpRefused, ...more,
      },
      views: first?.views,
      agents: e.stats(),
      supervisor: e.supervisor.snapshot(),
      lags: e.eventRings.flatMap((_, k) => e.topology.names.map((consumer) => ({ ring: `E${k}`, consumer, lag: e.lag(k, consumer) }))),
      kafka: this.kafkaStatus(),
      probe: this.probe ? { report: this.probe.report(), latency: summarize(this.probe.latency) } : null,
      disk: this.diskUsage?.() ?? null,
      latency: { p50: l.getValueAtPercentile(50), p99: l.getValueAtPercentile(99), p999: l.getValueAtPercentile(99.9), max: l.maxValue, count: l.totalCount },
    });
  }
}

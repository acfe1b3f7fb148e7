/**
 * Synthetic transactions: proof, every few seconds and per shard, that an order goes through the
 * whole pipeline — gateway → risk stage → matching shard → event ring → journal (durable) → report
 * back at the gateway, and Kafka when shipping is on — with its latency.
 *
 * Each probe is an order and its cancel from the probe account, on the shard's first symbol. The
 * probe account is outside every account table (PROBE_ACCOUNT), so the risk stage refuses both by
 * design (RISK_UNKNOWN_ACCOUNT) — and a refusal is still sequenced by the shard, journaled, shipped
 * and reported like any event. Hence, structurally: a probe never rests, never trades, never moves
 * a book, market data or a risk limit, and no connection ever gets its reports (no connection can
 * be the probe account); the gateway hands its events to the probe and counts them nowhere else.
 * What it does not prove: that the book would accept an order (capacity, a risk-stage bug that
 * refuses everything) — the reject counters and the order flow itself show that.
 *
 * Runs on the main thread (gateway thread 0), from its own command ring; every gateway thread
 * skips probe events. A failed probe is retried every 100 ms until one succeeds (so "probe ok
 * again" marks recovery within a tenth of a second), then every `intervalMs`.
 */
import type { Logger } from 'pino';
import type * as hdr from 'hdr-histogram-js';
import { CommandType, OrderType, Side, TimeInForce } from '../engine/codes.ts';
import { EVT_CORRELATION, EVT_SEQ } from '../engine/event-slot.ts';
import type { EngineLink } from '../engine/link.ts';
import type { EngineSpec } from '../engine/config.ts';
import { durableWord } from '../engine/durability.ts';
import { getI64 } from '../engine/int64.ts';
import { nowUs } from '../engine/clock.ts';
import { latencyHistogram } from './stage-stats.ts';

/** The probe's account id: outside every account table, so risk refuses its orders by design. */
export const PROBE_ACCOUNT = 0x7ffffff0;
/** Probe correlation ids start here: far above any gateway thread's (those count up from 1). */
const PROBE_CORRELATION_BASE = 2 ** 50;
/** After a failure: retry this often until a probe succeeds. */
const RETRY_MS = 100;
/** While a probe is in flight: how often its deadline and durability are checked (otherwise the timer sleeps until the next send). */
const CHECK_MS = 5;

export interface ProbeOptions {
  /** Between probes (per shard, all shards together); 0 = off. */
  intervalMs: number;
  /** A probe not fully confirmed within this is failed. */
  timeoutMs: number;
}

export interface ShardProbeReport {
  shard: number;
  symbol: string;
  /** pending: none finished yet; ok: the last one succeeded; failing: the last one failed. */
  state: 'pending' | 'ok' | 'failing';
  /** The last successful probe: order sent → both reports back at the gateway, µs. */
  latencyUs: number | null;
  /** Since the last successful probe finished, ms (null: none yet). */
  ageMs: number | null;
  lastOkAt: string | null;
  /** When that successful probe was sent (a drill asks for one sent after its fault). */
  lastOkSentAt: string | null;
  lastError: string | null;
  /** Probes finished, and how many of them failed. */
  probes: number;
  failures: number;
}

export interface SyntheticReport {
  enabled: boolean;
  intervalMs: number;
  timeoutMs: number;
  /** False when a shard's probe is failing, or none succeeded for too long (stale). */
  ok: boolean;
  /** Why not ok, one line per shard. */
  problems: string[];
  shards: ShardProbeReport[];
}

interface InFlight {
  startUs: number;
  sentMs: number;
  deadline: number;
  /** Correlation ids of the order and of its cancel; their events still missing. */
  newCorr: number;
  cancelCorr: number;
  missing: number;
  /** The later event's sequence (low 32 bits compare with the journal's durable word). */
  seq: number;
  reportUs: number;
}

interface ShardState {
  shard: number;
  symbolId: number;
  symbol: string;
  refPrice: number;
  lot: number;
  state: 'pending' | 'ok' | 'failing';
  latencyUs: number | null;
  lastOkMs: number | null;
  lastOkSentMs: number | null;
  lastError: string | null;
  failingSinceMs: number | null;
  probes: number;
  failures: number;
  flight: InFlight | null;
  nextAtMs: number;
}

export class SyntheticProbe {
  /** Successful probes' latency (order sent → reports back), µs. */
  readonly latency: hdr.Histogram = latencyHistogram();
  private readonly shards: ShardState[];
  private readonly byCorrelation = new Map<number, ShardState>();
  private nextCorrelation = PROBE_CORRELATION_BASE;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private startedMs = 0;

  constructor(
    private readonly link: EngineLink,
    spec: EngineSpec,
    readonly opts: ProbeOptions,
    /** Kafka's shipped sequence per shard while shipping runs; null when Kafka is off. */
    private readonly shipped: () => number[] | null,
    private readonly log: Logger,
  ) {
    // One probe per shard that holds a symbol (a shard without one takes no orders to prove).
    this.shards = [];
    for (let k = 0; k < spec.shards; k++) {
      const sym = spec.symbols.find((s) => s.shard === k);
      if (!sym) continue;
      this.shards.push({
        shard: k, symbolId: sym.id, symbol: sym.name, refPrice: sym.referencePrice, lot: 1, state: 'pending', latencyUs: null, lastOkMs: null, lastOkSentMs: null,
        lastError: null, failingSinceMs: null, probes: 0, failures: 0, flight: null, nextAtMs: 0,
      });
    }
  }

  get enabled(): boolean {
    return this.opts.intervalMs > 0;
  }

  start(): void {
    if (!this.enabled || this.running) return;
    this.running = true;
    this.startedMs = Date.now();
    for (const s of this.shards) s.nextAtMs = this.startedMs;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private running = false;

  /**
   * One timer on the gateway's main thread: every CHECK_MS while a probe is in flight, else asleep
   * until the next probe is due (not woken 200 times a second between probes).
   */
  private schedule(delayMs: number): void {
    this.timer = setTimeout(this.onTimer, delayMs);
    this.timer.unref();
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.tick();
    if (!this.running) return;
    const now = Date.now();
    let next = Infinity;
    for (const s of this.shards) next = Math.min(next, s.flight ? now + CHECK_MS : s.nextAtMs);
    this.schedule(Math.max(0, next - now));
  };

  /** An event of the probe account (every gateway thread skips these; thread 0 hands them here). */
  onEvent(w: Int32Array, b: number): void {
    const corr = getI64(w, b + EVT_CORRELATION);
    const s = this.byCorrelation.get(corr);
    const f = s?.flight;
    if (!s || !f) return;
    this.byCorrelation.delete(corr);
    f.seq = getI64(w, b + EVT_SEQ);
    if (--f.missing === 0) f.reportUs = Math.max(1, nowUs() - f.startUs);
  }

  private tick(): void {
    const now = Date.now();
    for (const s of this.shards) {
      const f = s.flight;
      if (f) {
        if (f.missing === 0 && this.confirmed(s, f)) this.finish(s, null, now);
        else if (now >= f.deadline) this.finish(s, this.whyLate(s, f), now);
      } else if (now >= s.nextAtMs) {
        this.send(s, now);
      }
    }
  }

  /** Journaled (when the journal is on) and shipped (when Kafka is on) up to the probe's events. */
  private confirmed(s: ShardState, f: InFlight): boolean {
    const js = this.link.journalState;
    if (js && ((Atomics.load(js, durableWord(s.shard)) - f.seq) | 0) < 0) return false;
    const shipped = this.shipped();
    return shipped === null || (shipped[s.shard] ?? 0) >= f.seq;
  }

  private whyLate(s: ShardState, f: InFlight): string {
    if (f.missing > 0) return `no report within ${this.opts.timeoutMs} ms (${f.missing} of 2 missing)`;
    const js = this.link.journalState;
    if (js && ((Atomics.load(js, durableWord(s.shard)) - f.seq) | 0) < 0) return `not journaled within ${this.opts.timeoutMs} ms (journal ${this.link.journalStatus()})`;
    return `not shipped to Kafka within ${this.opts.timeoutMs} ms`;
  }

  private send(s: ShardState, now: number): void {
    if (!this.link.routeUp(s.symbolId)) {
      const down = this.link.down(s.symbolId);
      this.finish(s, `${down.agents.join(', ') || 'the shard'} ${down.failed ? 'failed' : 'restarting'}: nothing sent`, now);
      return;
    }
    const n = ++this.seq;
    const clientOrderId = `probe-${s.shard}-${n}`;
    const newCorr = this.nextCorrelation++;
    const cancelCorr = this.nextCorrelation++;
    const f: InFlight = { startUs: nowUs(), sentMs: now, deadline: now + this.opts.timeoutMs, newCorr, cancelCorr, missing: 2, seq: 0, reportUs: 0 };
    const ok = this.link.submit({
      type: CommandType.NEW, symbolId: s.symbolId, accountId: PROBE_ACCOUNT, side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC,
      price: s.refPrice, qty: s.lot, clientOrderId, correlationId: newCorr,
    }) && this.link.submit({ type: CommandType.CANCEL, symbolId: s.symbolId, accountId: PROBE_ACCOUNT, byClientId: true, clientOrderId, correlationId: cancelCorr });
    s.flight = f;
    this.byCorrelation.set(newCorr, s);
    this.byCorrelation.set(cancelCorr, s);
    if (!ok) this.finish(s, 'the engine is saturated (command ring full)', now);
  }

  private finish(s: ShardState, error: string | null, now: number): void {
    const f = s.flight;
    if (f) {
      this.byCorrelation.delete(f.newCorr);
      this.byCorrelation.delete(f.cancelCorr);
    }
    s.flight = null;
    s.probes++;
    if (error === null && f) {
      if (s.state === 'failing') this.log.info({ shard: s.shard, failedForMs: now - (s.failingSinceMs ?? now) }, 'synthetic probe ok again');
      s.state = 'ok';
      s.latencyUs = f.reportUs;
      s.lastOkMs = now;
      s.lastOkSentMs = f.sentMs;
      s.lastError = null;
      s.failingSinceMs = null;
      this.latency.recordValue(f.reportUs);
      s.nextAtMs = now + this.opts.intervalMs;
      return;
    }
    s.failures++;
    if (s.state !== 'failing') this.log.warn({ shard: s.shard, symbol: s.symbol, error }, 'synthetic probe failed');
    s.state = 'failing';
    s.lastError = error;
    s.failingSinceMs ??= now;
    s.nextAtMs = now + Math.min(RETRY_MS, this.opts.intervalMs);
  }

  /** For /health/synthetic and /health/deep. */
  report(): SyntheticReport {
    const now = Date.now();
    // Stale: no success for two intervals plus a timeout (also when the probe itself stopped).
    const staleMs = 2 * this.opts.intervalMs + this.opts.timeoutMs;
    const problems: string[] = [];
    const shards = this.shards.map((s): ShardProbeReport => {
      const ageMs = s.lastOkMs === null ? null : now - s.lastOkMs;
      if (this.enabled) {
        if (s.state === 'failing') problems.push(`shard ${s.shard} (${s.symbol}): probe failing for ${now - (s.failingSinceMs ?? now)} ms: ${s.lastError}`);
        else if ((ageMs ?? now - this.startedMs) > staleMs && this.startedMs > 0) problems.push(`shard ${s.shard} (${s.symbol}): no successful probe for ${ageMs ?? now - this.startedMs} ms (stale)`);
      }
      return {
        shard: s.shard, symbol: s.symbol, state: s.state, latencyUs: s.latencyUs, ageMs, lastOkAt: s.lastOkMs === null ? null : new Date(s.lastOkMs).toISOString(),
        lastOkSentAt: s.lastOkSentMs === null ? null : new Date(s.lastOkSentMs).toISOString(),
        lastError: s.lastError, probes: s.probes, failures: s.failures,
      };
    });
    return { enabled: this.enabled, intervalMs: this.opts.intervalMs, timeoutMs: this.opts.timeoutMs, ok: problems.length === 0, problems, shards };
  }
}

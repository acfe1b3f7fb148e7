/**
 * Operations page: threads — risk R, matching shards M0…, journal J, gateway threads G (thread 0,
 * the main thread), G1…, Kafka K — with their state, supervisor phase, restarts, last recovery,
 * lag and runtime; per-shard ring lags, journal durable sequence, Kafka and probes, from
 * `GET /health/deep?always200=1` (200 whatever the health: a degraded server's 503 would print a
 * "Failed to load resource" error in the browser console every second; the body's `status` says
 * ok/degraded). Stage latency percentiles and rates from `GET /v1/stats/live` (one sample a second,
 * the server's interval since its previous sample; the stages as the server lists them), plotted
 * with uPlot over the last five minutes. Both polled once a second while the page is open.
 */
import uPlot from 'uplot';
import type { App, Page } from './app.ts';
import { cell, h, setText, table } from './dom.ts';
import { count, micros, ms, orDash, rate } from './format.ts';
import { api } from './rest.ts';

/** GET /v1/stats/live (gateway/control.ts). */
export interface LiveStats {
  ts: number;
  intervalMs: number;
  unit: string;
  stages: Array<{ stage: string; count: number; p50: number | null; p99: number | null; p999: number | null }>;
  counters: Record<string, number>;
  rates: Record<string, number>;
  faultInjection: boolean;
}

type Health = Record<string, unknown> & {
  status?: string;
  problems?: string[];
  agents?: Array<Record<string, unknown>>;
  supervisor?: Array<Record<string, unknown>>;
  rings?: Array<Record<string, unknown>>;
  gatewayThreads?: number;
  runtime?: Record<string, { code?: string; tsLoader?: boolean } | null>;
  journal?: string;
  journalError?: string;
  ackMode?: string;
  kafka?: Record<string, unknown> & { state?: string; lag?: number[]; shipped?: number[]; restarts?: number; lastError?: string | null; circuit?: { state?: string } };
  synthetic?: { enabled?: boolean; shards?: Array<Record<string, unknown>> };
  failures?: Array<Record<string, unknown>>;
};

const STAGE_TITLES: Record<string, string> = { decode: 'decode (G)', risk: 'risk (R)', match: 'match (M)', event_out: 'event out (M → G)', report: 'receive → report (G)' };
const stageTitle = (s: string): string => STAGE_TITLES[s] ?? s;
const KEEP = 300;
const POLL_MS = 1000;
const PLOT_H = 130;

const THREAD_ROLES: Record<string, string> = { R: 'risk stage', J: 'journal', K: 'Kafka shipping', G: 'gateway thread 0 (main)' };
function role(name: string): string {
  if (THREAD_ROLES[name]) return THREAD_ROLES[name];
  if (/^M\d+$/.test(name)) return `matching shard ${name.slice(1)}`;
  if (/^G\d+$/.test(name)) return `gateway thread ${name.slice(1)}`;
  return '';
}

/** Display order: R, M0…, J, G, G1…, K, then anything else. */
function threadRank(name: string): [number, number] {
  const n = Number(/\d+$/.exec(name)?.[0] ?? 0);
  if (name === 'R') return [0, 0];
  if (/^M\d+$/.test(name)) return [1, n];
  if (name === 'J') return [2, 0];
  if (/^G\d*$/.test(name)) return [3, n];
  if (name === 'K') return [4, 0];
  return [5, 0];
}

/** One row of the threads table. */
interface ThreadRow {
  name: string;
  state: string;
  phase: string | null;
  restarts: number | null;
  lastRecoveryMs: number | null;
  heartbeat: number | null;
  commands: number | null;
  events: number | null;
  lag: number | null;
  runtime: string | null;
  lastError: string | null;
  ok: boolean;
}

/** The threads of a /health/deep answer: engine agents and supervisor, gateway threads, Kafka. */
export function threadRows(hd: Health): ThreadRow[] {
  const agents = new Map((hd.agents ?? []).map((a) => [String(a.name), a]));
  const sup = new Map((hd.supervisor ?? []).map((s) => [String(s.agent), s]));
  const rt = hd.runtime ?? {};
  const rings = hd.rings ?? [];
  const gateways = Math.max(1, Number(hd.gatewayThreads ?? 1));
  const gwName = (g: number): string => (g === 0 ? 'G' : `G${g}`);
  const kafka = hd.kafka ?? {};
  const kafkaOn = typeof kafka.state === 'string' && kafka.state !== 'off';
  const names = new Set([...agents.keys(), ...sup.keys()]);
  if (hd.journal && hd.journal !== 'off') names.add('J');
  for (let g = 0; g < gateways; g++) names.add(gwName(g));
  if (kafkaOn) names.add('K');
  const runtime = (n: string): string | null => {
    const r = rt[n];
    return r ? `${r.code ?? '?'}${r.tsLoader ? ' (TS loader)' : ''}` : null;
  };
  const maxOf = (xs: Array<number | undefined>): number | null => {
    const v = xs.filter((x): x is number => typeof x === 'number');
    return v.length ? Math.max(...v) : null;
  };
  return [...names].sort((a, b) => {
    const [x, y] = [threadRank(a), threadRank(b)];
    return x[0] - y[0] || x[1] - y[1] || (a < b ? -1 : 1);
  }).map((n): ThreadRow => {
    const a = agents.get(n);
    const s = sup.get(n);
    const phase = s ? String(s.phase ?? '') || null : null;
    const base = {
      name: n, phase, restarts: typeof s?.restarts === 'number' ? s.restarts : null,
      lastRecoveryMs: typeof s?.lastRecoveryMs === 'number' ? s.lastRecoveryMs : null,
      heartbeat: typeof a?.heartbeat === 'number' ? a.heartbeat : null, commands: typeof a?.commands === 'number' ? a.commands : null,
      events: typeof a?.events === 'number' ? a.events : null, lag: null as number | null, runtime: runtime(n),
      lastError: typeof s?.lastError === 'string' ? s.lastError : null,
    };
    if (/^G\d*$/.test(n)) {
      // A gateway thread that died ended the process: one that answers is running. Its lag: the
      // most events it has yet to read on any shard's event ring.
      const lag = gateways > 1 ? maxOf(rings.map((r) => (r.gatewayLags as Record<string, number> | undefined)?.[n])) : maxOf(rings.map((r) => r.eventLag as number | undefined));
      return { ...base, state: 'running', lag, ok: true };
    }
    if (n === 'K') {
      const state = String(kafka.state);
      const lag = Array.isArray(kafka.lag) ? kafka.lag.reduce((x, y) => x + y, 0) : null;
      return { ...base, state, phase: state === 'restarting' ? 'restarting' : 'running', restarts: kafka.restarts ?? null, lag, lastError: kafka.lastError ?? null, ok: state === 'running' || state === 'starting' };
    }
    const state = n === 'J' && !a ? String(hd.journal ?? s?.phase ?? '—') : String(a?.state ?? (s?.phase === 'running' ? 'running' : s?.phase ?? '—'));
    const lag = n === 'R' ? maxOf(rings.map((r) => r.riskLag as number | undefined)) : null;
    return { ...base, state, lag, ok: state === 'running' && (phase ?? 'running') === 'running' };
  });
}

/** A uPlot line chart that follows its container's width. */
class Plot {
  readonly el: HTMLElement;
  private readonly plot: uPlot;
  private readonly resize: ResizeObserver;
  /** The x range (s): at least the last minute, growing to what is kept (uPlot would spread one sample over years). */
  private xRange: uPlot.Range.MinMax = [Date.now() / 1000 - 60, Date.now() / 1000];

  constructor(title: string, series: Array<{ label: string; stroke: string }>, fmt: (v: number) => string, testid: string) {
    this.el = h('div', { class: 'plot', 'data-testid': testid });
    const opts: uPlot.Options = {
      title,
      width: 400,
      height: PLOT_H,
      scales: { x: { time: true, range: (): uPlot.Range.MinMax => this.xRange } },
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, spanGaps: false, value: (_u: uPlot, v: number | null) => (v === null ? '—' : fmt(v)) }))],
      axes: [
        { stroke: '#9aa7b4', grid: { stroke: 'rgba(255,255,255,0.06)' }, ticks: { stroke: 'rgba(255,255,255,0.1)' } },
        { stroke: '#9aa7b4', size: 64, grid: { stroke: 'rgba(255,255,255,0.06)' }, ticks: { stroke: 'rgba(255,255,255,0.1)' }, values: (_u: uPlot, vals: number[]) => vals.map((v) => fmt(v)) },
      ],
      legend: { live: false },
    };
    this.plot = new uPlot(opts, [[], ...series.map(() => [])], this.el);
    this.resize = new ResizeObserver(() => {
      const w = this.el.clientWidth;
      if (w > 0 && w !== this.plot.width) this.plot.setSize({ width: w, height: PLOT_H });
    });
    this.resize.observe(this.el);
  }

  setData(data: uPlot.AlignedData): void {
    const x = data[0] as ArrayLike<number>;
    if (x.length > 0) this.xRange = [Math.min(x[0], x[x.length - 1] - 60), x[x.length - 1]];
    this.plot.setData(data);
  }

  dispose(): void {
    this.resize.disconnect();
    this.plot.destroy();
  }
}

export function opsPage(app: App): Page {
  const xs: number[] = [];
  /** Per stage (in the server's order, as they first appear): p50, p99, p99.9 series aligned with xs. */
  const lat = new Map<string, Array<Array<number | null>>>();
  const rates: Array<number[]> = [[], [], []];
  let live: LiveStats | null = null;
  let liveError = '';
  let health: Health | null = null;
  let healthError = '';
  let liveDrawn = -1;
  let healthDrawn = -1;
  let samples = 0;
  let healthSamples = 0;

  const plots = new Map<string, Plot>();
  const plotsEl = h('div', { class: 'plots' });
  /** A stage seen for the first time: its series (empty so far) and its plot, before the rates plot. */
  function addStage(stage: string): void {
    lat.set(stage, [xs.map(() => null), xs.map(() => null), xs.map(() => null)]);
    const plot = new Plot(stageTitle(stage), [
      { label: 'p50', stroke: '#4fc3f7' }, { label: 'p99', stroke: '#ffb74d' }, { label: 'p99.9', stroke: '#ef5350' },
    ], micros, `latency-plot-${stage}`);
    plots.set(stage, plot);
    plotsEl.insertBefore(plot.el, ratePlot.el);
  }
  const ratePlot = new Plot('per second', [{ label: 'new orders', stroke: '#4fc3f7' }, { label: 'trades', stroke: '#26a69a' }, { label: 'rejects', stroke: '#ef5350' }], rate, 'rates-plot');

  const status = h('p', { class: 'status-line', role: 'status', 'data-testid': 'ops-status' }, 'loading…');
  const threads = table(['Thread', 'Role', 'State', 'Supervisor phase', 'Restarts', 'Last recovery', 'Heartbeat', 'Commands', 'Events', 'Lag (events)', 'Runtime', 'Last error'], { class: 'grid', 'data-testid': 'threads' });
  const rings = table(['Shard', 'Event lag', 'Risk lag', 'Gateway lags', 'Durable seq', 'Kafka shipped', 'Kafka lag', 'Probe', 'Probe latency'], { class: 'grid', 'data-testid': 'rings' });
  const system = h('dl', { class: 'kv', 'data-testid': 'system' });
  const latencyTable = table(['Stage', 'Samples', 'p50', 'p99', 'p99.9'], { class: 'grid', 'data-testid': 'latency-table' });
  const counters = h('dl', { class: 'kv', 'data-testid': 'counters' });

  const render = (): void => {
    if (liveDrawn !== samples) {
      liveDrawn = samples;
      renderLive();
    }
    if (healthDrawn !== healthSamples) {
      healthDrawn = healthSamples;
      renderHealth();
    }
  };
  const dirty = (): void => app.frames.mark(render);

  function renderLive(): void {
    for (const [s, plot] of plots) plot.setData([xs, ...lat.get(s)!] as uPlot.AlignedData);
    ratePlot.setData([xs, ...rates] as uPlot.AlignedData);
    const l = live;
    latencyTable.body.replaceChildren(...(l?.stages ?? []).map((s) => h('tr', { 'data-stage': s.stage },
      h('th', { scope: 'row' }, stageTitle(s.stage)), cell(count(s.count)), cell(micros(s.p50)), cell(micros(s.p99)), cell(micros(s.p999)))));
    const kv: Array<[string, string]> = l ? [
      ['Connections', count(l.counters.connections)],
      ['Messages / s', rate(l.rates.messages)], ['New orders / s', rate(l.rates.orders)], ['Trades / s', rate(l.rates.trades)], ['Rejects / s', rate(l.rates.rejects)],
      ['Messages', count(l.counters.messages)], ['New orders', count(l.counters.orders)], ['Trades', count(l.counters.trades)], ['Rejects', count(l.counters.rejects)], ['Events', count(l.counters.events)],
      ['Sample interval', ms(l.intervalMs)], ['Fault injection', l.faultInjection ? 'on' : 'off'],
    ] : [];
    counters.replaceChildren(...kv.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))));
    updateStatus();
  }

  function renderHealth(): void {
    const hd = health;
    if (!hd) return updateStatus();
    threads.body.replaceChildren(...threadRows(hd).map((t) => h('tr', { 'data-testid': 'thread-row', 'data-thread': t.name, class: t.ok ? 'ok' : 'bad' },
      h('th', { scope: 'row' }, t.name), cell(role(t.name), 'left'), cell(t.state), cell(orDash(t.phase)), cell(orDash(t.restarts)),
      cell(t.lastRecoveryMs === null ? '—' : ms(t.lastRecoveryMs)), cell(orDash(t.heartbeat)), cell(count(t.commands)), cell(count(t.events)),
      cell(count(t.lag)), cell(orDash(t.runtime)), cell(orDash(t.lastError), 'err'))));
    const probes = new Map((hd.synthetic?.shards ?? []).map((p) => [Number(p.shard), p]));
    rings.body.replaceChildren(...(hd.rings ?? []).map((r, i) => {
      const k = Number(r.shard ?? i);
      const gl = r.gatewayLags && typeof r.gatewayLags === 'object' ? Object.entries(r.gatewayLags as Record<string, number>).map(([g, v]) => `${g}: ${v}`).join(', ') : '—';
      const durable = r.durableSeq ?? r.journalSeq ?? r.journalDurableSeq;
      const p = probes.get(k);
      return h('tr', { 'data-testid': 'ring-row' }, h('th', { scope: 'row' }, String(k)), cell(count(r.eventLag as number)), cell(count(r.riskLag as number)), cell(gl),
        cell(durable === undefined ? '—' : count(Number(durable))), cell(orDash(hd.kafka?.shipped?.[k])), cell(orDash(hd.kafka?.lag?.[k])),
        cell(orDash(p?.state as string)), cell(p?.latencyUs === null || p?.latencyUs === undefined ? '—' : micros(Number(p.latencyUs))));
    }));
    const kafka = hd.kafka ?? {};
    const kv: Array<[string, string]> = [
      ['Status', String(hd.status ?? '—')],
      ['Gateway threads', orDash(hd.gatewayThreads)],
      ['Journal', `${orDash(hd.journal)}${hd.journalError ? ` — ${hd.journalError}` : ''}`],
      ['Ack mode', orDash(hd.ackMode)],
      ['Kafka', `${orDash(kafka.state as string)}${kafka.circuit?.state ? ` (circuit ${kafka.circuit.state})` : ''}`],
      ['Kafka restarts', orDash(kafka.restarts as number)],
      ['Worker failures (recent)', String(hd.failures?.length ?? 0)],
    ];
    if (hd.problems?.length) kv.push(['Problems', hd.problems.join('; ')]);
    system.replaceChildren(...kv.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))));
    updateStatus();
  }

  function updateStatus(): void {
    const parts = [
      health ? `health: ${String(health.status)}` : healthError ? `health: ${healthError}` : 'health: loading',
      live ? `stats: ${new Date(live.ts).toLocaleTimeString()}` : liveError ? `stats: ${liveError}` : 'stats: loading',
    ];
    setText(status, parts.join(' · '));
    status.classList.toggle('bad', Boolean(healthError || liveError || (health && health.status !== 'ok')));
  }

  let stopped = false;
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  async function pollLive(): Promise<void> {
    const a = await api('GET', '/v1/stats/live');
    if (stopped) return;
    if (a.ok) {
      liveError = '';
      const l = a.body as unknown as LiveStats;
      if (!live || l.ts !== live.ts) {
        live = l;
        for (const st of l.stages) if (!lat.has(st.stage)) addStage(st.stage);
        xs.push(l.ts / 1000);
        for (const [s, [p50, p99, p999]] of lat) {
          const st = l.stages.find((x) => x.stage === s);
          p50.push(st?.p50 ?? null);
          p99.push(st?.p99 ?? null);
          p999.push(st?.p999 ?? null);
        }
        rates[0].push(l.rates.orders);
        rates[1].push(l.rates.trades);
        rates[2].push(l.rates.rejects);
        if (xs.length > KEEP) {
          xs.shift();
          for (const arrs of lat.values()) for (const arr of arrs) arr.shift();
          for (const arr of rates) arr.shift();
        }
      }
    } else liveError = a.status ? `HTTP ${a.status}` : 'unreachable';
    samples += 1;
    dirty();
    timers[0] = setTimeout(() => void pollLive(), POLL_MS);
  }
  async function pollHealth(): Promise<void> {
    const a = await api('GET', '/health/deep?always200=1');
    if (stopped) return;
    // Always 200 (a 503 still carried the full body, but printed a console error each second).
    if (a.body && Array.isArray(a.body.agents)) {
      health = a.body as Health;
      healthError = '';
    } else healthError = a.status ? `HTTP ${a.status}` : 'unreachable';
    healthSamples += 1;
    dirty();
    timers[1] = setTimeout(() => void pollHealth(), POLL_MS);
  }

  const el = h('section', { class: 'page ops', 'data-testid': 'page-ops', 'aria-labelledby': 'ops-title' },
    h('div', { class: 'toolbar' }, h('h1', { id: 'ops-title' }, 'Operations'), status),
    h('div', { class: 'ops-grid' },
      h('div', { class: 'panel full' }, h('h2', null, 'Threads'), h('div', { class: 'scroll' }, threads.table)),
      h('div', { class: 'panel' }, h('h2', null, 'Stage latency (last second)'), latencyTable.table),
      h('div', { class: 'panel' }, h('h2', null, 'System'), system),
      h('div', { class: 'panel full' }, h('h2', null, 'Per shard: ring lags (event lag: the slowest gateway thread), journal, Kafka, probes'), h('div', { class: 'scroll' }, rings.table)),
      h('div', { class: 'panel full' }, h('h2', null, 'Stage latency and rates, last 5 minutes'),
        plotsEl)));
  plotsEl.append(ratePlot.el, h('div', { class: 'counters' }, h('h2', null, 'Counters'), counters));

  void pollLive();
  void pollHealth();
  return {
    el,
    dispose() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      app.frames.cancel(render);
      for (const p of plots.values()) p.dispose();
      ratePlot.dispose();
    },
  };
}

/**
 * Operations page: threads with their supervisor state, ring lags, journal and Kafka from
 * `GET /health/deep`; stage latency percentiles and rates from `GET /v1/stats/live` (one sample a
 * second, the server's interval since its previous sample), plotted with uPlot over the last
 * five minutes. Both polled once a second while the page is open.
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
  journal?: string;
  journalError?: string;
  ackMode?: string;
  kafka?: Record<string, unknown> & { lag?: number[]; shipped?: number[]; circuit?: { state?: string } };
  synthetic?: { enabled?: boolean; shards?: Array<Record<string, unknown>> };
  failures?: Array<Record<string, unknown>>;
};

const STAGES = ['decode', 'match', 'event_out', 'report'] as const;
const STAGE_TITLES: Record<string, string> = { decode: 'decode (G)', match: 'match (M)', event_out: 'event out (M → G)', report: 'receive → report (G)' };
const KEEP = 300;
const POLL_MS = 1000;
const PLOT_H = 130;

const THREAD_ROLES: Record<string, string> = { R: 'risk stage', J: 'journal', K: 'Kafka shipping' };
function role(name: string): string {
  if (THREAD_ROLES[name]) return THREAD_ROLES[name];
  if (/^M\d+$/.test(name)) return `matching shard ${name.slice(1)}`;
  if (/^G\d+$/.test(name)) return `gateway thread ${name.slice(1)}`;
  return '';
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
  const lat = new Map<string, Array<Array<number | null>>>(STAGES.map((s) => [s, [[], [], []]]));
  const rates: Array<number[]> = [[], [], []];
  let live: LiveStats | null = null;
  let liveError = '';
  let health: Health | null = null;
  let healthError = '';
  let liveDrawn = -1;
  let healthDrawn = -1;
  let samples = 0;
  let healthSamples = 0;

  const plots = new Map<string, Plot>(STAGES.map((s) => [s, new Plot(STAGE_TITLES[s], [
    { label: 'p50', stroke: '#4fc3f7' }, { label: 'p99', stroke: '#ffb74d' }, { label: 'p99.9', stroke: '#ef5350' },
  ], micros, `latency-plot-${s}`)]));
  const ratePlot = new Plot('per second', [{ label: 'orders', stroke: '#4fc3f7' }, { label: 'trades', stroke: '#26a69a' }, { label: 'rejects', stroke: '#ef5350' }], rate, 'rates-plot');

  const status = h('p', { class: 'status-line', role: 'status', 'data-testid': 'ops-status' }, 'loading…');
  const threads = table(['Thread', 'Role', 'State', 'Supervisor phase', 'Restarts', 'Last recovery', 'Heartbeat', 'Commands', 'Events', 'Last error'], { class: 'grid', 'data-testid': 'threads' });
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
    for (const s of STAGES) plots.get(s)!.setData([xs, ...lat.get(s)!] as uPlot.AlignedData);
    ratePlot.setData([xs, ...rates] as uPlot.AlignedData);
    const l = live;
    latencyTable.body.replaceChildren(...(l?.stages ?? []).map((s) => h('tr', { 'data-stage': s.stage },
      h('th', { scope: 'row' }, STAGE_TITLES[s.stage] ?? s.stage), cell(count(s.count)), cell(micros(s.p50)), cell(micros(s.p99)), cell(micros(s.p999)))));
    const kv: Array<[string, string]> = l ? [
      ['Connections', count(l.counters.connections)],
      ['Messages / s', rate(l.rates.messages)], ['Orders / s', rate(l.rates.orders)], ['Trades / s', rate(l.rates.trades)], ['Rejects / s', rate(l.rates.rejects)],
      ['Messages', count(l.counters.messages)], ['Orders', count(l.counters.orders)], ['Trades', count(l.counters.trades)], ['Rejects', count(l.counters.rejects)], ['Events', count(l.counters.events)],
      ['Sample interval', ms(l.intervalMs)], ['Fault injection', l.faultInjection ? 'on' : 'off'],
    ] : [];
    counters.replaceChildren(...kv.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))));
    updateStatus();
  }

  function renderHealth(): void {
    const hd = health;
    if (!hd) return updateStatus();
    const agents = new Map((hd.agents ?? []).map((a) => [String(a.name), a]));
    const sup = new Map((hd.supervisor ?? []).map((s) => [String(s.agent), s]));
    const names = [...new Set([...agents.keys(), ...sup.keys()])];
    threads.body.replaceChildren(...names.map((n) => {
      const a = agents.get(n) ?? {};
      const s = sup.get(n) ?? {};
      const state = String(a.state ?? (s.phase === 'running' ? 'running' : s.phase ?? '—'));
      return h('tr', { 'data-testid': 'thread-row', 'data-thread': n, class: state === 'running' && (s.phase ?? 'running') === 'running' ? 'ok' : 'bad' },
        h('th', { scope: 'row' }, n), cell(role(n), 'left'), cell(state), cell(orDash(s.phase as string)), cell(orDash(s.restarts as number)),
        cell(s.lastRecoveryMs === null || s.lastRecoveryMs === undefined ? '—' : ms(Number(s.lastRecoveryMs))),
        cell(orDash(a.heartbeat as number)), cell(count(a.commands as number)), cell(count(a.events as number)),
        cell(orDash((s.lastError as string) ?? null), 'err'));
    }));
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
        xs.push(l.ts / 1000);
        for (const s of STAGES) {
          const st = l.stages.find((x) => x.stage === s);
          const [p50, p99, p999] = lat.get(s)!;
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
    const a = await api('GET', '/health/deep');
    if (stopped) return;
    // 503 still carries the full body: it says what is degraded.
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
      h('div', { class: 'panel' }, h('h2', null, 'Threads'), h('div', { class: 'scroll' }, threads.table)),
      h('div', { class: 'panel' }, h('h2', null, 'Stage latency (last second)'), latencyTable.table),
      h('div', { class: 'panel' }, h('h2', null, 'Per shard: ring lags (event lag: the slowest gateway thread), journal, Kafka, probes'), h('div', { class: 'scroll' }, rings.table)),
      h('div', { class: 'panel' }, h('h2', null, 'System'), system),
      h('div', { class: 'panel full' }, h('h2', null, 'Stage latency and rates, last 5 minutes'),
        h('div', { class: 'plots' }, ...STAGES.map((s) => plots.get(s)!.el), ratePlot.el, h('div', { class: 'counters' }, h('h2', null, 'Counters'), counters)))));

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

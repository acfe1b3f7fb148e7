/**
 * The harness's output: summary.json, one `.hgrm` per measured distribution, and a page a person
 * can open — report.html with the latency-by-percentile plot (percentile axis log-scaled as
 * 1/(1−p), engine vs the transport floor) as inline SVG, also written alone as percentiles.svg.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../../engine/latency.ts';
import type { StageRow } from '../../gateway/stage-stats.ts';
import { hgrm, percentileCurve } from './histograms.ts';

export interface PhaseResult {
  name: string;
  kind: 'floor' | 'engine';
  encoding: 'json' | 'protobuf';
  mix: 'ioc' | 'resting';
  ratePerSec: number;
  durationSec: number;
  warmupSec: number;
  connections: number;
  workers: number;
  /** Answers per second over the measured part of the run. */
  achievedPerSec: number;
  sent: number;
  acks: number;
  fills: number;
  rejects: number;
  errors: Record<string, number>;
  missingAcks: number;
  closedEarly: number;
  ack: LatencySummary;
  fill: LatencySummary | null;
  /** Intended → actual send time: how far behind the client itself was. */
  sendLag: LatencySummary;
  /** CPU of the harness process over the run, in cores (1 = one core busy). */
  clientCpuCores: number;
  /** Event-loop utilization of each load thread. */
  clientElu: number[];
  /** CPU of the server process, in cores (null when it is not ours: --target). */
  serverCpuCores: number | null;
  stages: StageRow[] | null;
  /** Times the risk stage waited, per command it admitted, over the run (server's /metrics); null when unknown. */
  riskWaitsPerCommand: number | null;
}

export interface GoalCheck {
  goal: string;
  measured: string;
  met: boolean | null;
}

export interface Summary {
  tool: 'ringmatch e2e latency harness';
  date: string;
  machine: Record<string, string | number>;
  target: string;
  settings: Record<string, unknown>;
  phases: PhaseResult[];
  /** best: highest rate within the p99 bound; maxSustained: highest rate answered in full without errors. */
  sweep: { boundP99Us: number; rates: number[]; best: number | null; maxSustained: number | null; bottleneck: string } | null;
  goals: GoalCheck[];
  /** The in-process benchmarks' latest results (bench/results/*.json), for one place to read. */
  inProcess: Record<string, unknown>;
}

export interface Series {
  label: string;
  histogram: hdr.Histogram;
}

const COLORS = ['#888888', '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b'];

/** Latency by percentile, both axes log-scaled; percentile ticks 0, 90, 99, 99.9 … */
export function percentileSvg(series: Series[], title: string): string {
  // The legend's column is as wide as its longest label (≈ 7 px per character at 12 px).
  const R = Math.max(190, 56 + 7 * Math.max(0, ...series.map((s) => s.label.length)));
  const W = 670 + R;
  const H = 480;
  const L = 70;
  const T = 40;
  const B = 50;
  const curves = series.map((s) => ({ label: s.label, pts: percentileCurve(s.histogram) })).filter((c) => c.pts.length > 0);
  // The percentile axis goes as far as the largest sample count supports (1,000 samples: 99.9 %).
  const nines = Math.min(6, Math.max(2, Math.ceil(Math.max(0, ...series.map((s) => Math.log10(Math.max(1, s.histogram.totalCount)))))));
  const values = curves.flatMap((c) => c.pts.map((p) => p.us)).filter((v) => v > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...values, 10))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...values, 100)));
  const x = (p: number): number => L + ((W - L - R) * Math.min(nines, -Math.log10(Math.max(10 ** -nines, 1 - p / 100)))) / nines;
  const y = (v: number): number => T + (H - T - B) * (1 - (Math.log10(Math.max(yMin, v)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin)));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  for (let k = 0; k <= nines; k++) {
    const p = 100 * (1 - 10 ** -k);
    const label = k === 0 ? '0%' : `${p.toFixed(Math.max(0, k - 2))}%`;
    out.push(`<line x1="${x(p)}" y1="${T}" x2="${x(p)}" y2="${H - B}" stroke="#ddd"/><text x="${x(p)}" y="${H - B + 16}" text-anchor="middle">${label}</text>`);
  }
  for (let e = Math.log10(yMin); e <= Math.log10(yMax); e++) {
    const v = 10 ** e;
    const label = v >= 1000 ? `${v / 1000} ms` : `${v} µs`;
    out.push(`<line x1="${L}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${label}</text>`);
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">percentile (log scale of 1/(1−p))</text>`);
  out.push(`<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">latency (log scale)</text>`);
  // Fill curves (often on top of the ack curve: an IOC's fill comes with its ack) are drawn first,
  // wide and pale, so the ack line stays visible on top; the floor dashed.
  const style = (c: { label: string }, i: number): { width: number; dash: string; opacity: number } =>
    c.label.includes('fill') ? { width: 6, dash: '', opacity: 0.35 } : { width: 2, dash: i === 0 ? ' stroke-dasharray="6 4"' : '', opacity: 1 };
  const order = curves.map((c, i) => ({ c, i })).sort((a, b) => Number(b.c.label.includes('fill')) - Number(a.c.label.includes('fill')));
  for (const { c, i } of order) {
    const color = COLORS[i % COLORS.length];
    const st = style(c, i);
    const d = c.pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.percentile).toFixed(1)},${y(p.us).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${st.width}" stroke-opacity="${st.opacity}"${st.dash}><title>${esc(c.label)}</title></path>`);
  }
  curves.forEach((c, i) => {
    const color = COLORS[i % COLORS.length];
    const st = style(c, i);
    out.push(`<line x1="${W - R + 12}" y1="${T + 14 + i * 20}" x2="${W - R + 36}" y2="${T + 14 + i * 20}" stroke="${color}" stroke-width="${st.width}" stroke-opacity="${st.opacity}"${st.dash}/><text x="${W - R + 42}" y="${T + 18 + i * 20}">${esc(c.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const us = (v: number): string => (v >= 10_000 ? `${(v / 1000).toFixed(1)} ms` : v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v} µs`);

/** Rows of the percentile table (console and HTML). */
export function tableRows(phases: PhaseResult[]): string[][] {
  const rows = [['run', 'rate/s', 'achieved/s', 'p50', 'p90', 'p99', 'p99.9', 'p99.99', 'max', 'fill p50', 'fill p99', 'errors', 'send lag p99', 'client CPU', 'server CPU', 'R waits/cmd']];
  for (const p of phases) {
    const errs = Object.values(p.errors).reduce((a, b) => a + b, 0) + p.missingAcks;
    rows.push([
      p.name, p.ratePerSec.toLocaleString('en-US'), Math.round(p.achievedPerSec).toLocaleString('en-US'),
      us(p.ack.p50), us(p.ack.p90), us(p.ack.p99), us(p.ack.p999), us(p.ack.p9999), us(p.ack.max),
      p.fill && p.fill.count > 0 ? us(p.fill.p50) : '–', p.fill && p.fill.count > 0 ? us(p.fill.p99) : '–',
      String(errs), us(p.sendLag.p99), `${p.clientCpuCores.toFixed(2)}`, p.serverCpuCores === null ? '–' : p.serverCpuCores.toFixed(2),
      p.riskWaitsPerCommand === null ? '–' : p.riskWaitsPerCommand.toFixed(3),
    ]);
  }
  return rows;
}

export function textTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r, i) => {
    const line = r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
    return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

function htmlTable(rows: string[][]): string {
  return `<table><thead><tr>${rows[0].map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.slice(1).map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** Write everything into `dir`; returns the paths written. */
export function writeReport(dir: string, summary: Summary, distributions: Array<{ file: string; histogram: hdr.Histogram }>, plot: Series[]): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const put = (name: string, text: string): void => {
    writeFileSync(join(dir, name), text);
    written.push(join(dir, name));
  };
  put('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  for (const d of distributions) put(d.file, hgrm(d.histogram));
  const svg = percentileSvg(plot, `order → ack latency by percentile — ${summary.machine.cpu ?? ''}`);
  put('percentiles.svg', svg);
  const stageBlocks = summary.phases.filter((p) => p.stages).map((p) => {
    const rows = [['stage', 'from → to', 'p50', 'p90', 'p99', 'p99.9', 'max', 'count']];
    for (const s of p.stages ?? []) rows.push([s.stage, `${s.from} → ${s.to}`, us(s.p50), us(s.p90), us(s.p99), us(s.p999), us(s.max), String(s.count)]);
    return `<h3>${esc(p.name)}</h3>${htmlTable(rows)}`;
  }).join('\n');
  const goals = [['goal', 'measured', 'met'], ...summary.goals.map((g) => [g.goal, g.measured, g.met === null ? 'n/a' : g.met ? 'yes' : 'NO'])];
  const sweep = summary.sweep
    ? `<p>Rate sweep (p99 ack bound ${us(summary.sweep.boundP99Us)}): highest rate within the bound <b>${summary.sweep.best === null ? 'none' : summary.sweep.best.toLocaleString('en-US')}</b> orders/s; highest rate carried in full <b>${summary.sweep.maxSustained === null ? 'none' : summary.sweep.maxSustained.toLocaleString('en-US')}</b> orders/s. ${esc(summary.sweep.bottleneck)}</p>`
    : '';
  const inProc = Object.keys(summary.inProcess).length === 0 ? '<p>No in-process results found (run <code>npm run bench:core</code>).</p>'
    : `<pre>${esc(JSON.stringify(summary.inProcess, null, 2))}</pre>`;
  put('report.html', `<!doctype html><html><head><meta charset="utf-8"><title>ringmatch latency report ${esc(summary.date)}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}</style></head><body>
<h1>ringmatch end-to-end latency</h1>
<p>${esc(summary.date)} · target ${esc(summary.target)} · ${esc(Object.entries(summary.machine).map(([k, v]) => `${k}: ${v}`).join(' · '))}</p>
<p>Open loop: every order has an intended send time (rate fixed in advance) and its latency is measured from that time to the first answer carrying its request id (ack) or its first fill report — a stalled client or server shows up as latency, not as a lower rate (no coordinated omission). The floor is a bare uWebSockets.js echo server driven by the same clients.</p>
<h2>Goals</h2>${htmlTable(goals)}
<h2>Order → ack</h2>${htmlTable(tableRows(summary.phases))}
${svg}
${sweep}
<h2>Where the time goes (server stage timings, HDR, µs)</h2>${stageBlocks || '<p>Not available for this target.</p>'}
<h2>Settings</h2><pre>${esc(JSON.stringify(summary.settings, null, 2))}</pre>
<h2>In-process benchmarks (latest results)</h2>${inProc}
<p>Distributions: ${distributions.map((d) => `<a href="${esc(d.file)}">${esc(d.file)}</a>`).join(' · ')} (HdrHistogram .hgrm, µs)</p>
</body></html>
`);
  return written;
}

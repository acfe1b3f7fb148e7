/**
 * The harness's own logic: open-loop schedule, histogram merging across load threads, report
 * files, flags — and a seconds-long smoke run of `npm run bench -- --quick` against a real server.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeHistogram, hgrm, latencyHistogram, mergeEncoded, percentileCurve, summarize } from './histograms.ts';
import { OpenLoopSchedule } from './schedule.ts';
import { percentileSvg, tableRows, writeReport } from './report.ts';
import type { PhaseResult, Summary } from './report.ts';
import { parseArgs } from './cli.ts';
import { bottleneck, goals, passes, sustains } from './harness.ts';

describe('open-loop schedule', () => {
  it('fixes every intended send time in advance: exactly `rate` orders per second', () => {
    const s = new OpenLoopSchedule(25_000, 1_000_000, 50_000);
    expect(s.intervalUs).toBe(40);
    expect(s.intendedUs(0)).toBe(1_000_000);
    expect(s.intendedUs(25_000)).toBe(2_000_000);
    expect(s.dueBy(999_999)).toBe(0);
    expect(s.dueBy(1_000_000)).toBe(1);
    expect(s.dueBy(1_000_039)).toBe(1);
    expect(s.dueBy(1_000_040)).toBe(2);
    // One second after the start, 25,001 orders (0…25,000) are due; never more than the total.
    expect(s.dueBy(2_000_000)).toBe(25_001);
    expect(s.dueBy(9e9)).toBe(50_000);
    expect(s.untilDue(10, 1_000_000)).toBe(400);
  });

  it('a sender that stalls still owes the orders it missed, timed from their intended send (no coordinated omission)', () => {
    const s = new OpenLoopSchedule(1_000, 0, 100);
    // Stalled for 50 ms: 50 more orders are due at once, and their latency clock started long ago.
    expect(s.dueBy(50_000) - s.dueBy(0)).toBe(50);
    expect(50_000 - s.intendedUs(1)).toBe(49_000);
  });

  it('refuses a non-positive rate', () => {
    expect(() => new OpenLoopSchedule(0, 0, 1)).toThrow(RangeError);
  });
});

describe('histograms across load threads', () => {
  it('merging encoded per-thread histograms equals recording everything in one', () => {
    const a = latencyHistogram();
    const b = latencyHistogram();
    const all = latencyHistogram();
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const v = 1 + (x % 5_000) + (i % 97 === 0 ? 200_000 : 0);
      (i % 3 === 0 ? a : b).recordValue(v);
      all.recordValue(v);
    }
    const merged = mergeEncoded([encodeHistogram(a), encodeHistogram(b)]);
    const { max: mMax, ...m } = summarize(merged);
    const { max: aMax, ...x2 } = summarize(all);
    expect(m).toEqual(x2);
    // A decoded histogram knows the max only to its bucket (3 significant digits).
    expect(Math.abs(mMax - aMax) / aMax).toBeLessThan(1e-3);
    expect(merged.totalCount).toBe(20_000);
  });

  it('.hgrm output and the percentile curve reach the max', () => {
    const h = latencyHistogram();
    for (let i = 1; i <= 1_000; i++) h.recordValue(i);
    const text = hgrm(h);
    expect(text).toMatch(/Value\s+Percentile\s+TotalCount/);
    expect(text).toMatch(/#\[Max\s+=\s+1000/);
    const curve = percentileCurve(h);
    expect(curve[0].percentile).toBe(0);
    expect(curve.at(-1)).toEqual({ percentile: 100, us: 1000 });
    expect(curve.every((p, i) => i === 0 || p.us >= curve[i - 1].us)).toBe(true);
  });
});

const phase = (over: Partial<PhaseResult>): PhaseResult => ({
  name: 'engine-json', kind: 'engine', encoding: 'json', mix: 'ioc', ratePerSec: 1000, durationSec: 2, warmupSec: 1, connections: 2, workers: 1,
  achievedPerSec: 1000, sent: 2000, acks: 2000, fills: 2000, rejects: 0, errors: {}, missingAcks: 0, closedEarly: 0,
  ack: { count: 1000, p50: 50, p90: 80, p99: 120, p999: 300, p9999: 400, max: 500, mean: 60 }, fill: null,
  sendLag: { count: 1000, p50: 2, p90: 3, p99: 5, p999: 9, p9999: 10, max: 11, mean: 2 }, clientCpuCores: 0.9, clientElu: [0.8], serverCpuCores: 0.5, stages: null, riskWaitsPerCommand: null, ...over,
});

describe('report', () => {
  it('writes summary.json, .hgrm files, an SVG percentile plot and an HTML page', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringmatch-report-'));
    try {
      const floor = latencyHistogram();
      const eng = latencyHistogram();
      for (let i = 1; i <= 10_000; i++) {
        floor.recordValue(20 + (i % 50));
        eng.recordValue(60 + (i % 500));
      }
      const summary: Summary = {
        tool: 'ringmatch e2e latency harness', date: '2026-11-21T00:00:00Z', machine: { cpu: 'test cpu', cores: 2 }, target: 'embedded', settings: {},
        phases: [phase({ name: 'floor-json', kind: 'floor' }), phase({})], sweep: { boundP99Us: 1000, rates: [1000], best: 1000, maxSustained: 1000, bottleneck: 'none' },
        goals: [{ goal: 'ack p99 ≤ 100 µs (JSON)', measured: '120 µs', met: false }], inProcess: { 'matching-throughput': { opsPerSec: 1 } },
      };
      const files = writeReport(dir, summary, [{ file: 'engine-json-ack.hgrm', histogram: eng }], [{ label: 'uWS echo floor (json)', histogram: floor }, { label: 'ringmatch order → ack (json)', histogram: eng }]);
      expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['engine-json-ack.hgrm', 'percentiles.svg', 'report.html', 'summary.json']);
      const svg = readFileSync(join(dir, 'percentiles.svg'), 'utf8');
      expect(svg.match(/<path /g)).toHaveLength(2);
      expect(svg).toContain('99.99%');
      expect(svg).toContain('uWS echo floor (json)');
      const html = readFileSync(join(dir, 'report.html'), 'utf8');
      expect(html).toContain('<svg');
      expect(html).toContain('ack p99 ≤ 100 µs (JSON)');
      expect(html).toContain('NO');
      expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toMatchObject({ phases: [{ name: 'floor-json' }, { name: 'engine-json' }] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the percentile picture: the legend column fits its longest label; fill curves are drawn under the ack curves', () => {
    const h = latencyHistogram();
    for (let v = 1; v <= 1000; v++) h.recordValue(v * 10);
    const long = 'ringmatch order → fill (protobuf, durable acks, 4 gateway threads)';
    const svg = percentileSvg([{ label: 'uWS echo floor (json)', histogram: h }, { label: 'ringmatch order → ack (json)', histogram: h }, { label: long, histogram: h }], 't');
    const width = Number(/<svg [^>]*width="(\d+)"/.exec(svg)?.[1]);
    const legendX = Number(new RegExp(`<text x="(\\d+)" y="\\d+">${long.replace(/[()]/g, '\\$&')}</text>`).exec(svg)?.[1]);
    expect(legendX + 7 * long.length).toBeLessThanOrEqual(width);
    const paths = [...svg.matchAll(/<path [^>]*><title>([^<]+)<\/title>/g)].map((m) => m[1]);
    expect(paths.indexOf(long)).toBeLessThan(paths.indexOf('ringmatch order → ack (json)'));
  });

  it('a --quick run is reported, not graded against the production goals', () => {
    const p = [phase({ name: 'floor-json' }), phase({ name: 'engine-json' })];
    expect(goals(p, null).some((g) => g.met !== null)).toBe(true);
    const quick = goals(p, null, true);
    expect(quick.length).toBeGreaterThan(0);
    for (const g of quick) {
      expect(g.met).toBeNull();
      expect(g.measured).toMatch(/quick run: not graded/);
    }
  });

  it('an empty histogram plots nothing rather than failing', () => {
    expect(percentileSvg([{ label: 'none', histogram: latencyHistogram() }], 't')).toContain('</svg>');
  });

  it('table rows carry every percentile column', () => {
    const rows = tableRows([phase({})]);
    expect(rows[0]).toEqual(['run', 'rate/s', 'achieved/s', 'p50', 'p90', 'p99', 'p99.9', 'p99.99', 'max', 'fill p50', 'fill p99', 'errors', 'send lag p99', 'client CPU', 'server CPU', 'R waits/cmd']);
    expect(rows[1].slice(3, 9)).toEqual(['50 µs', '80 µs', '120 µs', '300 µs', '400 µs', '500 µs']);
    expect(rows[1].at(-1)).toBe('–');
    expect(tableRows([phase({ riskWaitsPerCommand: 0.0004 })])[1].at(-1)).toBe('0.000');
  });
});

describe('sweep judgement and flags', () => {
  it('a step passes only within the bound, at the rate, without errors', () => {
    expect(passes(phase({}), 1000)).toBe(true);
    expect(passes(phase({}), 100)).toBe(false);
    expect(passes(phase({ achievedPerSec: 900 }), 1000)).toBe(false);
    expect(passes(phase({ errors: { '-10009': 3 } }), 1000)).toBe(false);
    expect(sustains(phase({}))).toBe(true);
    expect(sustains(phase({ ack: { ...phase({}).ack, p99: 50_000 } }))).toBe(true); // slow but carried
    expect(sustains(phase({ ack: { ...phase({}).ack, p99: 250_000 } }))).toBe(false); // queueing up
    expect(sustains(phase({ missingAcks: 1 }))).toBe(false);
    expect(bottleneck(phase({ errors: { '-10009': 3 }, sendLag: { count: 1, p50: 1, p90: 1, p99: 5000, p999: 1, p9999: 1, max: 1, mean: 1 } }), 1000, 2)).toMatch(/-10009×3.*fell behind/);
  });

  it('parses flags and refuses bad ones', () => {
    const { opts } = parseArgs(['--rate', '5000', '--encoding', 'protobuf', '--sweep', '1000,2000', '--mix', 'resting', '--no-floor']);
    expect(opts).toMatchObject({ rate: 5000, encodings: ['protobuf'], sweepRates: [1000, 2000], mix: 'resting', floor: false });
    expect(() => parseArgs(['--rate', 'fast'])).toThrow(/--rate needs a number/);
    expect(() => parseArgs(['--mix', 'weird'])).toThrow(/--mix is ioc or resting/);
    expect(() => parseArgs(['--duration', '1', '--warmup', '2'])).toThrow(/warmup must be shorter/);
    expect(() => parseArgs(['--target', 'http://x'])).toThrow(/ws:\/\//);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown flag/);
  });
});

describe('smoke: npm run bench -- --quick', () => {
  it('runs floor, engine (JSON and protobuf) and a short sweep against a real server and writes the report', () => {
    const out = mkdtempSync(join(tmpdir(), 'ringmatch-bench-smoke-'));
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/e2e/cli.ts', '--quick', '--out', out], { cwd: new URL('../../', import.meta.url), encoding: 'utf8', timeout: 170_000 });
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      expect(r.stderr).toMatch(/engine-json: \d+\/2 s/); // progress while it runs
      expect(r.stdout).toMatch(/p99\.99/);
      const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
      expect(s.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['floor-json', 'floor-protobuf', 'engine-json', 'engine-protobuf', 'sweep-2000']));
      for (const p of s.phases.filter((x) => x.kind === 'engine' && x.name.startsWith('engine'))) {
        expect(p.ack.count).toBeGreaterThan(1000);
        expect(p.fill?.count).toBeGreaterThan(1000); // IOC against the maker: every order fills
        expect(p.missingAcks).toBe(0);
        expect(p.stages?.map((x) => x.stage)).toEqual(['decode', 'risk', 'match', 'event_out', 'report']);
        expect(p.stages?.every((x) => x.count > 0)).toBe(true);
      }
      expect(s.phases.find((p) => p.name === 'floor-json')?.ack.count).toBeGreaterThan(1000);
      expect(s.goals.length).toBeGreaterThanOrEqual(4);
      expect(s.goals.every((g) => g.met === null)).toBe(true); // a smoke run is not graded
      expect(r.stdout).not.toMatch(/^MISS/m);
      expect(r.stderr).toMatch(/engine-json: \d+\/2 s, sent [\d,]+, answered [\d,]+, in flight [\d,]+/);
      for (const f of ['report.html', 'percentiles.svg', 'engine-json-ack.hgrm', 'engine-json-fill.hgrm', 'floor-json-ack.hgrm']) expect(existsSync(join(out, f)), f).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});

/**
 * `npm run drill -- [--journal-events 1000000] [--shards 2] [--rate 200] [--kafka-down 10] [--settle 2] [--no-snapshot] [--out dir] [--quick]
 *                   [--target ws://host:port/ws --admin-key K --keys k1,k2]`
 *
 * Runs the chaos drill (bench/drill/drill.ts) and writes drill.json and drill.md (with a timeline
 * picture, timeline.svg) to --out (default bench/results/drill-<time>/). Exit 0 when every fault
 * recovered unattended, no acknowledged order was lost and no shipped event is missing on the
 * topic; 1 otherwise; 2 on usage errors. --quick: 20,000 journaled events, 0.5 s settle, Kafka
 * down 2 s (a smoke run, not the goals).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DRILL, runDrill } from './drill.ts';
import type { DrillOptions, DrillReport } from './drill.ts';

const USAGE = 'usage: npm run drill -- [--journal-events N] [--shards N] [--rate N] [--kafka-down S] [--settle S] [--no-snapshot] [--out dir] [--quick] [--target ws://host:port/ws --admin-key K --keys k1,k2]';

export function parseDrillArgs(argv: string[]): { opts: Partial<DrillOptions>; out: string | null } {
  const opts: Partial<DrillOptions> = {};
  let out: string | null = null;
  const num = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) throw new Error(`${name} needs a number ≥ ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string | undefined => argv[++i];
    switch (a) {
      case '--journal-events': opts.journalEvents = Math.floor(num(a, v(), 0)); break;
      case '--shards': opts.shards = Math.floor(num(a, v(), 1)); break;
      case '--rate': opts.rate = num(a, v(), 1); break;
      case '--kafka-down': opts.kafkaDownMs = num(a, v(), 0) * 1000; break;
      case '--settle': opts.settleMs = num(a, v(), 0) * 1000; break;
      case '--target': opts.target = v() ?? null; break;
      case '--admin-key': opts.adminKey = v() ?? ''; break;
      case '--keys': opts.keys = (v() ?? '').split(',').filter(Boolean); break;
      case '--out': out = v() ?? null; break;
      case '--no-snapshot': opts.snapshot = false; break;
      case '--quick': Object.assign(opts, { journalEvents: 20_000, settleMs: 500, kafkaDownMs: 2_000 }); break;
      default: throw new Error(`unknown flag ${a}`);
    }
  }
  if (opts.target !== undefined && opts.target !== null && !/^wss?:\/\/.+\/ws$/.test(opts.target)) throw new Error('--target is the server\'s WebSocket URL, e.g. ws://127.0.0.1:9001/ws');
  if (opts.target && (!opts.adminKey || !opts.keys || opts.keys.length === 0)) throw new Error('--target needs --admin-key and --keys (API keys of accounts to load with)');
  return { opts, out };
}

/** The probe states over time, one band per shard: green ok, red failing, grey down; faults marked. */
export function timelineSvg(r: DrillReport): string {
  const W = 960;
  const band = 22;
  const shards = r.timeline[0]?.[1].length ?? 0;
  const end = Math.max(1, r.timeline[r.timeline.length - 1]?.[0] ?? 1);
  const x = (ms: number): number => 80 + ((W - 100) * ms) / end;
  const H = 40 + shards * (band + 6) + 20 + r.faults.length * 16;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`, `<rect width="${W}" height="${H}" fill="#fff"/>`];
  const color: Record<string, string> = { ok: '#2e7d32', failing: '#c62828', down: '#757575', pending: '#f9a825' };
  for (let k = 0; k < shards; k++) {
    const y = 30 + k * (band + 6);
    parts.push(`<text x="4" y="${y + 15}">shard ${k}</text>`);
    for (let i = 0; i + 1 < r.timeline.length; i++) {
      const [t, states] = r.timeline[i];
      const t2 = r.timeline[i + 1][0];
      parts.push(`<rect x="${x(t).toFixed(1)}" y="${y}" width="${Math.max(0.5, x(t2) - x(t)).toFixed(1)}" height="${band}" fill="${color[states[k]] ?? '#bdbdbd'}"/>`);
    }
  }
  const axisY = 30 + shards * (band + 6) + 4;
  for (let s = 0; s <= end / 1000; s += Math.max(1, Math.ceil(end / 1000 / 12))) parts.push(`<text x="${x(s * 1000).toFixed(1)}" y="${axisY + 10}" text-anchor="middle" fill="#555">${s}s</text>`);
  r.faults.forEach((f, i) => {
    const fx = x(f.at);
    parts.push(`<line x1="${fx.toFixed(1)}" y1="24" x2="${fx.toFixed(1)}" y2="${axisY}" stroke="#000" stroke-dasharray="3,2"/>`);
    parts.push(`<text x="${fx.toFixed(1)}" y="${axisY + 26 + i * 16}" fill="#000">▲ ${i + 1}. ${escapeXml(f.fault)}: ${f.recoveredMs === null ? 'NOT recovered' : `MTTR ${f.recoveredMs} ms`}</text>`);
  });
  parts.push(`<text x="4" y="14" font-weight="bold">synthetic probe per shard (green ok · red failing · grey server down) and the faults</text>`, '</svg>');
  return parts.join('\n');
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function drillMarkdown(r: DrillReport): string {
  const ms = (v: number | null): string => (v === null ? '–' : `${v.toLocaleString('en-US')} ms`);
  const lines = [
    `# Chaos drill, ${r.startedAt}`,
    '',
    `Mode: ${r.mode}; ${r.options.shards} shard(s); ${r.options.journalEvents.toLocaleString('en-US')} events journaled before the start; ${r.options.snapshot ? 'a snapshot taken once the server was up (restarts replay the journal after it)' : 'no snapshot (every restart replays the whole journal)'}; steady load ${r.options.rate} orders/s (sent ${r.load.sent.toLocaleString('en-US')}, acknowledged ${r.load.acked.toLocaleString('en-US')}).`,
    '',
    '![timeline](timeline.svg)',
    '',
    '| # | fault | seen after | MTTR (fault → probes ok) | goal | met | refused meanwhile | what was seen |',
    '|---|---|---|---|---|---|---|---|',
    ...r.faults.map((f, i) => `| ${i + 1} | ${f.fault} | ${ms(f.detectedMs)} | ${f.recovered ? ms(f.recoveredMs) : '**not recovered**'} | ≤ ${f.goalMs.toLocaleString('en-US')} ms | ${f.met ? 'yes' : '**no**'} | ${Object.entries(f.refused).map(([k, v]) => `${k} ×${v}`).join(', ') || '0'} | ${f.seen ?? 'nothing (healed before a probe failed)'} |`),
    '',
    `- Recovered unattended: ${r.faults.filter((f) => f.recovered).length} of ${r.faults.length}${r.recoveredAll ? ' (100 %)' : ''}.`,
    `- Acknowledged orders missing from the journal: ${r.ackedLost ?? 'not checked (target mode)'}.`,
    r.kafka
      ? `- Kafka topic (the events this server shipped; the prefilled history counts as shipped before): every one there after de-duplication — missing ${r.kafka.missing}; duplicates ${r.kafka.duplicates} (at-least-once shipping: a batch sent again after the Kafka thread was killed between a send and its offset write; consumers de-duplicate by (shard, seq)); journaled but not yet shipped when the server stopped: ${r.kafka.unshippedAtStop}.`
      : '- Kafka: not checked (target mode).',
    '',
    'Kafka down: after 5 failed sends the shipper\'s circuit breaker stays open 30 s (no attempt at all), so shipping — and the probes, which wait for their events to be shipped — resume up to 30 s after the broker is back; orders are taken and journaled all along.',
    '',
    '"Seen after": the first failed probe or unhealthy /health/deep the drill observed (sampled every 50 ms); "–" when the fault healed before any probe failed. MTTR: from the fault until every shard\'s probe succeeded with a probe sent after the fault.',
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let parsed: ReturnType<typeof parseDrillArgs>;
  try {
    parsed = parseDrillArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`drill: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = parsed.out ?? fileURLToPath(new URL(`../results/drill-${stamp}`, import.meta.url));
  const report = await runDrill(parsed.opts, (line) => process.stderr.write(`${line}\n`));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'drill.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, 'timeline.svg'), timelineSvg(report));
  writeFileSync(join(out, 'drill.md'), drillMarkdown(report));
  process.stdout.write(drillMarkdown(report));
  process.stderr.write(`report: ${join(out, 'drill.md')}\n`);
  const ok = report.recoveredAll && (report.ackedLost ?? 0) === 0 && (report.kafka?.missing ?? 0) === 0;
  process.exit(ok ? 0 : 1);
}

export { DEFAULT_DRILL };

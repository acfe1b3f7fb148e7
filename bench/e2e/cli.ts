/**
 * `npm run bench [-- flags]` — the end-to-end latency harness (see bench/README.md).
 *
 *   --rate N            orders/s for the floor and engine runs (default 25000)
 *   --duration S        seconds per run (10); --warmup S (2) is excluded from the results
 *   --connections N     WebSocket connections (8), spread over --workers N load threads (1)
 *   --mix ioc|resting   ioc: crossing IOC orders against a deep maker (ack + fill; default);
 *                       resting: a passive GTC order, then its cancel (acks only)
 *   --encoding json|protobuf|both   (both)
 *   --ack-mode fast|durable         the embedded server's ack mode (fast; durable waits for fsync)
 *   --shards N --symbols N          the embedded server's matching shards / symbols (1 / 1)
 *   --gateway-threads N             the embedded server's gateway threads (server default: 1 per 4 cores)
 *   --no-journal        the embedded server without its journal (default: journal on, as in production)
 *   --sweep r1,r2,…     rates to sweep, JSON, until the first the server cannot carry in full
 *                       (1000,2500,5000,10000,25000,50000,100000,250000); --no-sweep
 *   --sweep-duration S  seconds per sweep step (5); --p99-bound US  the sweep's p99 bound (1000)
 *   --no-floor          skip the bare uWebSockets.js echo floor
 *   --target ws://h:p/ws  a running server instead of an embedded one; with --keys k1,k2,…
 *                       --maker-key K (ioc mix) --symbol S [--admin-key K for stage-timing reset]
 *   --out DIR           where to write (bench/results/e2e-<date>); --quick  a seconds-long smoke run
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULTS, runSuite } from './harness.ts';
import type { HarnessOptions } from './harness.ts';
import { tableRows, textTable, writeReport } from './report.ts';

class UsageError extends Error {}

export function parseArgs(argv: string[]): { opts: HarnessOptions; out: string | null } {
  const o: HarnessOptions = { ...DEFAULTS, encodings: [...DEFAULTS.encodings], sweepRates: [...DEFAULTS.sweepRates] };
  let out: string | null = null;
  const num = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) throw new UsageError(`${flag} needs a number ≥ ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string | undefined => argv[++i];
    switch (a) {
      case '--rate': o.rate = num(a, v(), 1); break;
      case '--duration': o.durationSec = num(a, v(), 0.1); break;
      case '--warmup': o.warmupSec = num(a, v(), 0); break;
      case '--connections': o.connections = Math.floor(num(a, v(), 1)); break;
      case '--workers': o.workers = Math.floor(num(a, v(), 1)); break;
      case '--mix': {
        const m = v();
        if (m !== 'ioc' && m !== 'resting') throw new UsageError('--mix is ioc or resting');
        o.mix = m;
        break;
      }
      case '--encoding': {
        const e = v();
        if (e !== 'json' && e !== 'protobuf' && e !== 'both') throw new UsageError('--encoding is json, protobuf or both');
        o.encodings = e === 'both' ? ['json', 'protobuf'] : [e];
        break;
      }
      case '--ack-mode': {
        const m = v();
        if (m !== 'fast' && m !== 'durable') throw new UsageError('--ack-mode is fast or durable');
        o.ackMode = m;
        break;
      }
      case '--shards': o.shards = Math.floor(num(a, v(), 1)); break;
      case '--gateway-threads': o.gatewayThreads = Math.floor(num(a, v(), 1)); break;
      case '--symbols': o.symbols = Math.floor(num(a, v(), 1)); break;
      case '--sweep': o.sweepRates = (v() ?? '').split(',').filter(Boolean).map((x) => num('--sweep', x, 1)); break;
      case '--no-sweep': o.sweepRates = []; break;
      case '--sweep-duration': o.sweepDurationSec = num(a, v(), 0.5); break;
      case '--p99-bound': o.boundP99Us = num(a, v(), 1); break;
      case '--no-floor': o.floor = false; break;
      case '--no-journal': o.journal = false; break;
      case '--target': o.target = v() ?? null; break;
      case '--keys': o.keys = (v() ?? '').split(',').filter(Boolean); break;
      case '--maker-key': o.makerKey = v() ?? null; break;
      case '--admin-key': o.adminKey = v() ?? null; break;
      case '--symbol': o.symbol = v() ?? null; break;
      case '--out': out = v() ?? null; break;
      case '--quick':
        Object.assign(o, { rate: 2_000, durationSec: 2, warmupSec: 0.5, sweepRates: [2_000], sweepDurationSec: 1.5, connections: 2, drainSec: 2, quick: true });
        break;
      case '--help': case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown flag ${a}`);
    }
  }
  if (o.warmupSec >= o.durationSec) throw new UsageError('--warmup must be shorter than --duration');
  if (o.target && !/^wss?:\/\//.test(o.target)) throw new UsageError('--target is a ws:// or wss:// URL, e.g. ws://127.0.0.1:9001/ws');
  return { opts: o, out };
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) process.stderr.write(`bench: ${e.message}\n`);
    process.stderr.write('usage: npm run bench -- [--rate N] [--duration S] [--connections N] [--workers N] [--mix ioc|resting] [--encoding json|protobuf|both] [--ack-mode fast|durable] [--sweep r1,r2,…|--no-sweep] [--no-floor] [--target ws://…/ws --keys … --maker-key … --symbol …] [--out DIR] [--quick]\n');
    return 2;
  }
  const { opts } = parsed;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = parsed.out ?? join(fileURLToPath(new URL('../results/', import.meta.url)), `e2e-${stamp}`);
  const t0 = Date.now();
  const { summary, distributions, plot } = await runSuite(opts);
  const files = writeReport(out, summary, distributions, plot);
  process.stdout.write(`\n${textTable(tableRows(summary.phases))}\n\n`);
  for (const g of summary.goals) process.stdout.write(`${g.met === null ? 'n/a ' : g.met ? 'met ' : 'MISS'}  ${g.goal}: ${g.measured}\n`);
  if (summary.sweep) process.stdout.write(`sweep: highest rate within p99 ${summary.sweep.boundP99Us} µs: ${summary.sweep.best?.toLocaleString('en-US') ?? 'none'}/s; highest carried in full: ${summary.sweep.maxSustained?.toLocaleString('en-US') ?? 'none'}/s. ${summary.sweep.bottleneck}\n`);
  const eng = summary.phases.find((p) => p.stages);
  if (eng?.stages) {
    process.stdout.write(`\nserver stages (${eng.name}, µs): ${eng.stages.map((s) => `${s.stage} p50 ${s.p50} / p99 ${s.p99}`).join(' · ')}\n`);
  }
  process.stdout.write(`\n${files.length} files in ${out} (open report.html) — ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then((code) => process.exit(code), (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}

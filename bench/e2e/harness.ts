/**
 * The end-to-end harness as a library: start (or point at) a server, run open-loop phases from
 * load-generator threads, measure the transport floor, sweep rates, collect the server's stage
 * timings, and assemble the report. `cli.ts` is the command line around it.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import type * as hdr from 'hdr-histogram-js';
import type { StageRow } from '../../gateway/stage-stats.ts';
import { machine } from '../common.ts';
import { formatUnits, parseStep, toUnits } from '../../engine/decimal.ts';
import { mergeEncoded, summarize } from './histograms.ts';
import type { LoadWorkerData, LoadWorkerResult, OrderSpec } from './load-worker.ts';
import type { GoalCheck, PhaseResult, Series, Summary } from './report.ts';
import { clockUs } from './schedule.ts';

const ROOT = new URL('../../', import.meta.url);
const BOOTSTRAP = new URL('../../ring/worker-bootstrap.mjs', import.meta.url);
const LOAD_WORKER = new URL('./load-worker.ts', import.meta.url);

export interface HarnessOptions {
  rate: number;
  durationSec: number;
  warmupSec: number;
  connections: number;
  workers: number;
  mix: 'ioc' | 'resting';
  encodings: Array<'json' | 'protobuf'>;
  ackMode: 'fast' | 'durable';
  shards: number;
  symbols: number;
  /** The embedded server's gateway threads (null: the server's default, one per 4 cores). */
  gatewayThreads: number | null;
  floor: boolean;
  /** Rates to sweep (JSON, engine); empty: no sweep. */
  sweepRates: number[];
  sweepDurationSec: number;
  boundP99Us: number;
  /** ws://host:port/ws of a running server, or null to start one. */
  target: string | null;
  keys: string[];
  makerKey: string | null;
  adminKey: string | null;
  symbol: string | null;
  drainSec: number;
  /** A smoke run (--quick): measured and reported, not graded against the production goals. */
  quick?: boolean;
  /** The embedded server journals every event (its default); off measures the engine without disk. */
  journal: boolean;
  /** Nice value for the load generator (0 = unchanged). */
  clientNice: number;
  log: (line: string) => void;
}

export const DEFAULTS: HarnessOptions = {
  rate: 25_000, durationSec: 10, warmupSec: 2, connections: 8, workers: 1, mix: 'ioc', encodings: ['json', 'protobuf'], ackMode: 'fast',
  shards: 1, symbols: 1, gatewayThreads: null, floor: true, sweepRates: [1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000], sweepDurationSec: 5,
  boundP99Us: 1_000, target: null, keys: [], makerKey: null, adminKey: null, symbol: null, drainSec: 3, journal: true, clientNice: 10, log: (l) => process.stderr.write(`${l}\n`),
};

interface Proc {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Start a child process and wait for its "listening on ws://…" line. */
function startProcess(args: string[], env: Record<string, string>, what: string): Promise<Proc> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${what} did not start within 60 s: ${stderr.slice(-500)}`)); }, 60_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code}) before listening: ${stderr.slice(-800)}`)); });
    child.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      const m = /listening on (ws:\/\/[^\s]+)/.exec(buf);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({
        child, url: m[1],
        stop: () => new Promise<void>((r) => {
          if (child.exitCode !== null) return r();
          const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => { clearTimeout(t); r(); });
          child.kill('SIGTERM');
        }),
      });
    });
  });
}

/** CPU seconds (user + system) of a process, from /proc (Linux); null elsewhere. */
function procCpuSec(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
}

function httpBase(wsUrl: string): string {
  const u = new URL(wsUrl);
  return `${u.protocol === 'wss:' ? 'https' : 'http'}://${u.host}`;
}

export interface ServerHandle {
  url: string;
  http: string;
  pid: number | undefined;
  keys: string[];
  makerKey: string;
  adminKey: string | null;
  symbol: string;
  stop(): Promise<void>;
}

/** Start ringmatch (npm start's compiled entry) with a benchmark config: one account per connection, no rate limit. */
export async function startServer(o: HarnessOptions): Promise<ServerHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'ringmatch-e2e-'));
  const adminKey = 'bench-admin';
  const keys = Array.from({ length: o.connections }, (_, i) => `bench-t${i}`);
  const symbols = Array.from({ length: o.symbols }, (_, i) => ({
    symbol: `BENCH${i}`, tickSize: '0.01', lotSize: '1', referencePrice: '100', priceBandPct: 50, maxOrderQty: '1000000000', maxOrderNotional: '100000000000',
  }));
  const accounts = [...keys.map((k, i) => ({ id: `t${i}`, apiKey: k })), { id: 'mm', apiKey: 'bench-mm' }].map((a) => ({
    ...a, creditLimit: '40000000000000', maxOpenOrders: 1_000_000, maxPosition: '1000000000000',
  }));
  const config = {
    listen: { host: '127.0.0.1', port: 0 }, dataDir: join(dir, 'data'), journal: o.journal, ackMode: o.ackMode, adminKey,
    notionalDecimals: 2, rateLimit: { perSecond: 100_000_000, burst: 100_000_000 }, maxBackpressureBytes: 256 * 1024 * 1024, shards: o.shards, symbols, accounts,
    ...(o.gatewayThreads === null ? {} : { gatewayThreads: o.gatewayThreads }),
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  let p: Proc;
  try {
    // What npm start runs: the compiled server (built here first, as npm start does — unless the
    // test run built it already: RINGMATCH_DIST_FRESH, test/build-setup.ts).
    if (process.env.RINGMATCH_DIST_FRESH !== '1') execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    // BENCH_SERVER_NODE_ARGS: extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    p = await startProcess([...nodeArgs, 'dist/gateway/main.js', '--config', join(dir, 'config.json')], { LOG_LEVEL: 'warn' }, 'ringmatch server');
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: p.url, http: httpBase(p.url), pid: p.child.pid, keys, makerKey: 'bench-mm', adminKey, symbol: 'BENCH0',
    async stop() {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function startEchoServer(): Promise<Proc> {
  return startProcess(['--import', 'tsx', 'bench/e2e/echo-server.ts'], {}, 'echo server');
}

interface SymbolInfo { symbol: string; tickSize: string; lotSize: string; referencePrice: string }

/** Prices for the mix: IOC orders cross the maker's quotes one tick either side of the reference. */
export async function orderSpec(http: string, symbol: string): Promise<{ spec: OrderSpec; makerBid: string; makerAsk: string }> {
  const list = (await (await fetch(`${http}/v1/symbols`)).json()) as SymbolInfo[];
  const s = list.find((x) => x.symbol === symbol);
  if (!s) throw new Error(`symbol ${symbol} is not served by ${http} (it has ${list.map((x) => x.symbol).join(', ')})`);
  const tick = parseStep(s.tickSize, 'tickSize');
  const ref = toUnits(s.referencePrice, tick, 'referencePrice');
  const px = (u: number): { text: string; units: string } => ({ text: formatUnits(u, tick), units: String(u) });
  const qty = { text: formatUnits(1, parseStep(s.lotSize, 'lotSize')), units: '1' };
  return {
    spec: { symbol, buyPrice: px(ref + 1), sellPrice: px(ref - 1), passiveBuy: px(ref - 20), quantity: qty },
    makerBid: px(ref - 1).text, makerAsk: px(ref + 1).text,
  };
}

/** The maker: deep quotes one tick around the reference so every IOC order fills. Stays connected (reads its reports). */
export async function placeMaker(url: string, key: string, symbol: string, bid: string, ask: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${key}` }, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const answers = new Map<string, (m: { type: string; execType?: string; message?: string }) => void>();
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return;
    const m = JSON.parse(data.toString()) as { id?: string; type: string };
    if (m.id !== undefined) answers.get(m.id)?.(m);
  });
  const ask1 = (msg: Record<string, unknown>): Promise<{ type: string; execType?: string; message?: string }> => new Promise((r) => {
    answers.set(String(msg.id), r);
    ws.send(JSON.stringify(msg));
  });
  for (const [side, price] of [['buy', bid], ['sell', ask]] as const) {
    const r = await ask1({ type: 'new_order', id: `mm-${side}`, symbol, clientOrderId: `mm-${side}-${Date.now()}`, side, price, quantity: '100000000' });
    if (r.type !== 'execution_report' || r.execType !== 'new') throw new Error(`maker quote refused: ${JSON.stringify(r)}`);
  }
  return ws;
}

export interface PhaseSpec {
  name: string;
  kind: 'floor' | 'engine';
  url: string;
  keys: string[];
  encoding: 'json' | 'protobuf';
  rate: number;
  durationSec: number;
  warmupSec: number;
  order: OrderSpec;
  serverPid?: number;
  /** Engine phases: the server's HTTP base (for /metrics counters). */
  http?: string;
  /** Engine phases: reset the server's stage timings after the warm-up and read them at the end. */
  stages?: { http: string; adminKey: string | null };
}

export interface PhaseOutcome {
  result: PhaseResult;
  ack: hdr.Histogram;
  fill: hdr.Histogram;
}

/** The risk stage's waits and admitted commands from the server's /metrics (null when unreadable). */
export async function riskCounters(http: string): Promise<{ waits: number; commands: number } | null> {
  try {
    const text = await (await fetch(`${http}/metrics`)).text();
    const read = (name: string): number | null => {
      const m = new RegExp(`^${name}\\{agent="R"\\} (\\d+)`, 'm').exec(text);
      return m ? Number(m[1]) : null;
    };
    const waits = read('ringmatch_agent_waits_total');
    const commands = read('ringmatch_agent_commands_total');
    return waits === null || commands === null ? null : { waits, commands };
  } catch {
    return null;
  }
}

/** Wait (≤ 30 s) until the server has drained what the previous run left in its rings. */
async function settle(http: string, log: (l: string) => void): Promise<void> {
  const t0 = Date.now();
  let quiet = 0;
  while (Date.now() - t0 < 30_000) {
    try {
      const h = (await (await fetch(`${http}/health/deep`)).json()) as { rings?: Array<{ eventLag: number; riskLag: number }> };
      quiet = (h.rings ?? []).every((r) => r.eventLag === 0 && r.riskLag === 0) ? quiet + 1 : 0;
      if (quiet >= 3) return;
    } catch {
      quiet = 0;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  log('  (the server was still draining the previous run after 30 s)');
}

export async function runPhase(o: HarnessOptions, p: PhaseSpec): Promise<PhaseOutcome> {
  if (p.kind === 'engine' && p.stages) await settle(p.stages.http, o.log);
  const W = Math.max(1, Math.min(o.workers, p.keys.length));
  const share = (i: number): string[] => p.keys.filter((_, k) => k % W === i);
  const workers: Worker[] = [];
  const results: LoadWorkerResult[] = [];
  const progress = new Map<number, { sent: number; acks: number }>();
  try {
    const ready = Array.from({ length: W }, (_, i) => {
      const data: LoadWorkerData = {
        index: i, url: p.url, keys: share(i), ratePerSec: p.rate / W, durationSec: p.durationSec, warmupSec: p.warmupSec, encoding: p.encoding,
        mode: p.kind === 'floor' ? 'echo' : 'engine', mix: o.mix, order: p.order, drainSec: o.drainSec,
      };
      const w = new Worker(BOOTSTRAP, { workerData: { ...data, entry: LOAD_WORKER.href }, name: `load-${i}` });
      workers.push(w);
      return new Promise<void>((resolve, reject) => {
        w.on('message', (m: { type: string; error?: string; sent?: number; acks?: number }) => {
          if (m.type === 'ready') resolve();
          else if (m.type === 'failed') reject(new Error(`load thread ${i}: ${m.error}`));
          else if (m.type === 'progress') progress.set(i, { sent: m.sent ?? 0, acks: m.acks ?? 0 });
          else if (m.type === 'done') results.push(m as unknown as LoadWorkerResult);
        });
        w.once('error', reject);
      });
    });
    await Promise.all(ready);
    const risk0 = p.kind === 'engine' && p.http ? await riskCounters(p.http) : null;
    const cpu0 = process.cpuUsage();
    const srv0 = procCpuSec(p.serverPid);
    const startUs = clockUs() + 200_000;
    const t0 = Date.now();
    for (const w of workers) w.postMessage({ type: 'go', startUs });
    let reset: Promise<unknown> | null = null;
    if (p.stages?.adminKey) {
      const { http, adminKey } = p.stages;
      reset = new Promise((r) => setTimeout(r, 200 + p.warmupSec * 1000)).then(() => fetch(`${http}/v1/admin/stats/reset`, { method: 'POST', headers: { 'x-admin-key': adminKey } }));
    }
    const ticker = setInterval(() => {
      const sent = [...progress.values()].reduce((n, x) => n + x.sent, 0);
      const acks = [...progress.values()].reduce((n, x) => n + x.acks, 0);
      // Orders sent and not answered yet are in flight (answers arrive ~ms later), not lost.
      o.log(`  ${p.name}: ${((Date.now() - t0) / 1000).toFixed(0)}/${p.durationSec} s, sent ${sent.toLocaleString('en-US')}, answered ${acks.toLocaleString('en-US')}, in flight ${Math.max(0, sent - acks).toLocaleString('en-US')}`);
    }, 2_000);
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => { if (results.length === W) { clearInterval(check); resolve(); } }, 20);
      for (const w of workers) w.once('exit', (code) => { if (results.length < W) { clearInterval(check); reject(new Error(`a load thread exited (${code}) before reporting`)); } });
    });
    clearInterval(ticker);
    await reset;
    const wall = (Date.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const srv1 = procCpuSec(p.serverPid);
    const risk1 = risk0 && p.http ? await riskCounters(p.http) : null;
    let stages: StageRow[] | null = null;
    if (p.stages) {
      try {
        stages = ((await (await fetch(`${p.stages.http}/v1/stats/latency`)).json()) as { stages: StageRow[] }).stages;
      } catch {
        stages = null;
      }
    }
    const ack = mergeEncoded(results.map((r) => r.ack));
    const fill = mergeEncoded(results.map((r) => r.fill));
    const lag = mergeEncoded(results.map((r) => r.sendLag));
    const sum = (f: (r: LoadWorkerResult) => number): number => results.reduce((n, r) => n + f(r), 0);
    const errors: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    const measuredSec = Math.max(1e-3, p.durationSec - p.warmupSec);
    const result: PhaseResult = {
      name: p.name, kind: p.kind, encoding: p.encoding, mix: o.mix, ratePerSec: p.rate, durationSec: p.durationSec, warmupSec: p.warmupSec,
      connections: p.keys.length, workers: W, achievedPerSec: ack.totalCount / measuredSec,
      sent: sum((r) => r.sent), acks: sum((r) => r.acks), fills: sum((r) => r.fills), rejects: sum((r) => r.rejects), errors,
      missingAcks: sum((r) => r.missingAcks), closedEarly: sum((r) => r.closedEarly),
      ack: summarize(ack), fill: p.kind === 'engine' && o.mix === 'ioc' ? summarize(fill) : null, sendLag: summarize(lag),
      clientCpuCores: (cpu.user + cpu.system) / 1e6 / wall, clientElu: results.sort((a, b) => a.index - b.index).map((r) => Math.round(r.elu * 100) / 100),
      serverCpuCores: srv0 !== null && srv1 !== null ? (srv1 - srv0) / wall : null, stages,
      riskWaitsPerCommand: risk0 && risk1 && risk1.commands > risk0.commands ? ((risk1.waits - risk0.waits) >>> 0) / ((risk1.commands - risk0.commands) >>> 0) : null,
    };
    lag.destroy();
    return { result, ack, fill };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Beyond this p99 the server is queueing the rate up (its input ring absorbs a few seconds), not carrying it. */
export const SUSTAIN_P99_CAP_US = 100_000;

/** The server carried the rate: (nearly) all of it answered, without errors, p99 under the queueing cap. */
export function sustains(r: PhaseResult): boolean {
  const errs = Object.values(r.errors).reduce((a, b) => a + b, 0);
  return r.ack.count > 0 && r.achievedPerSec >= 0.95 * r.ratePerSec && errs === 0 && r.missingAcks === 0 && r.ack.p99 <= SUSTAIN_P99_CAP_US;
}

/** Carried, and within the p99 bound. */
export function passes(r: PhaseResult, boundUs: number): boolean {
  return sustains(r) && r.ack.p99 <= boundUs;
}

/** What held a failing sweep step back, from what was measured. */
export function bottleneck(r: PhaseResult, boundUs: number, cores: number): string {
  const why: string[] = [];
  const errs = Object.entries(r.errors);
  if (errs.length > 0) why.push(`errors ${errs.map(([c, n]) => `${c}×${n}`).join(', ')}`);
  if (r.missingAcks > 0) why.push(`${r.missingAcks} orders unanswered`);
  if (r.sendLag.p99 > boundUs) why.push(`the load generator fell behind its schedule (send lag p99 ${r.sendLag.p99} µs, client ${r.clientCpuCores.toFixed(2)} cores, load-thread busy ${r.clientElu.join('/')})`);
  if (r.serverCpuCores !== null && r.serverCpuCores + r.clientCpuCores > 0.85 * cores) why.push(`the box is CPU-bound: server ${r.serverCpuCores.toFixed(2)} + client ${r.clientCpuCores.toFixed(2)} cores of ${cores}`);
  if (r.ack.p99 > boundUs) why.push(`ack p99 ${r.ack.p99} µs > ${boundUs} µs`);
  if (r.achievedPerSec < 0.95 * r.ratePerSec) why.push(`answered only ${Math.round(r.achievedPerSec).toLocaleString('en-US')}/s`);
  if (r.ack.p99 > SUSTAIN_P99_CAP_US) why.push('queueing: the rate is not carried');
  return `At ${r.ratePerSec.toLocaleString('en-US')}/s: ${why.join('; ') || 'no single cause measured'}.`;
}

export function goals(phases: PhaseResult[], sweep: Summary['sweep'], quick = false): GoalCheck[] {
  const all = gradedGoals(phases, sweep);
  // A seconds-long smoke run says nothing about the goals: shown, not graded.
  return quick ? all.map((g) => ({ ...g, measured: `${g.measured} (quick run: not graded)`, met: null })) : all;
}

function gradedGoals(phases: PhaseResult[], sweep: Summary['sweep']): GoalCheck[] {
  const get = (n: string): PhaseResult | undefined => phases.find((p) => p.name === n);
  const floor = get('floor-json');
  const json = get('engine-json');
  const pb = get('engine-protobuf');
  const out: GoalCheck[] = [];
  if (json && floor) out.push({ goal: `ack p50 ≤ 1.5× the bare uWS echo p50 at ${json.ratePerSec.toLocaleString('en-US')}/s (JSON)`, measured: `${json.ack.p50} µs vs floor ${floor.ack.p50} µs = ${(json.ack.p50 / Math.max(1, floor.ack.p50)).toFixed(2)}×`, met: json.ack.p50 <= 1.5 * floor.ack.p50 });
  if (json) out.push({ goal: 'ack p99 ≤ 100 µs (JSON)', measured: `${json.ack.p99} µs`, met: json.ack.p99 <= 100 });
  if (json) out.push({ goal: 'ack p99.99 ≤ 1 ms (JSON)', measured: `${json.ack.p9999} µs`, met: json.ack.p9999 <= 1_000 });
  if (pb) out.push({ goal: 'protobuf path measured', measured: pb.ack.count > 0 ? `ack p50 ${pb.ack.p50} µs, p99 ${pb.ack.p99} µs` : 'no order was answered', met: pb.ack.count > 0 });
  if (sweep) out.push({ goal: `≥ 250,000 orders/s sustained with p99 ack < ${sweep.boundP99Us} µs`, measured: `${sweep.best === null ? 'no rate met the bound' : `${sweep.best.toLocaleString('en-US')}/s within the bound`}; carried in full up to ${sweep.maxSustained === null ? 'none' : `${sweep.maxSustained.toLocaleString('en-US')}/s`}`, met: sweep.best !== null && sweep.best >= 250_000 });
  return out;
}

/** The latest in-process benchmark results (bench/results/*.json). */
export function inProcessResults(): Record<string, unknown> {
  const dir = new URL('../results/', import.meta.url);
  if (!existsSync(dir)) return {};
  const out: Record<string, unknown> = {};
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    try {
      out[f.replace(/\.json$/, '')] = JSON.parse(readFileSync(new URL(f, dir), 'utf8'));
    } catch {
      // a half-written file: skip
    }
  }
  return out;
}

export interface SuiteOutcome {
  summary: Summary;
  distributions: Array<{ file: string; histogram: hdr.Histogram }>;
  plot: Series[];
}

/** The whole suite: floor, engine per encoding, sweep. */
export async function runSuite(o: HarnessOptions): Promise<SuiteOutcome> {
  const m = machine();
  if (o.clientNice !== 0) {
    // The load threads poll (that is how an open-loop client keeps its schedule); on a box with
    // few cores they would otherwise take the CPU the server's threads need to wake up. Threads
    // created from here on inherit the lower priority.
    try {
      setPriority(o.clientNice);
    } catch {
      o.log(`could not lower the load generator's priority to nice ${o.clientNice}`);
    }
  }
  const phases: PhaseResult[] = [];
  const distributions: SuiteOutcome['distributions'] = [];
  const plot: Series[] = [];
  const server = o.target === null ? await startServer(o) : null;
  const url = server?.url ?? (o.target as string);
  const http = server?.http ?? httpBase(url);
  const keys = server?.keys ?? o.keys;
  if (keys.length === 0) throw new Error('--target needs --keys (API keys, one or more, comma-separated)');
  const conns = Array.from({ length: o.connections }, (_, i) => keys[i % keys.length]);
  const symbol = server?.symbol ?? o.symbol ?? 'BTC-USD';
  const adminKey = server?.adminKey ?? o.adminKey;
  let echo: Proc | null = null;
  let maker: WebSocket | null = null;
  try {
    const { spec, makerBid, makerAsk } = await orderSpec(http, symbol);
    if (o.mix === 'ioc') {
      const mk = server?.makerKey ?? o.makerKey;
      if (!mk) throw new Error('the ioc mix needs a maker account: --maker-key (or use --mix resting)');
      maker = await placeMaker(url, mk, symbol, makerBid, makerAsk);
    }
    const record = (out: PhaseOutcome, label: string): PhaseOutcome => {
      phases.push(out.result);
      distributions.push({ file: `${out.result.name}-ack.hgrm`, histogram: out.ack });
      if (out.result.fill && out.result.fill.count > 0) distributions.push({ file: `${out.result.name}-fill.hgrm`, histogram: out.fill });
      if (label) plot.push({ label, histogram: out.ack });
      const a = out.result.ack;
      o.log(`  → ${out.result.name}: ack p50 ${a.p50} µs, p99 ${a.p99} µs, p99.99 ${a.p9999} µs, max ${a.max} µs; ${Math.round(out.result.achievedPerSec).toLocaleString('en-US')}/s answered`);
      return out;
    };
    if (o.floor) {
      echo = await startEchoServer();
      for (const enc of o.encodings) {
        o.log(`floor: bare uWebSockets.js echo, ${enc}, ${o.rate.toLocaleString('en-US')}/s for ${o.durationSec} s`);
        record(await runPhase(o, { name: `floor-${enc}`, kind: 'floor', url: echo.url, keys: conns.map(() => ''), encoding: enc, rate: o.rate, durationSec: o.durationSec, warmupSec: o.warmupSec, order: spec, serverPid: echo.child.pid }), `uWS echo floor (${enc})`);
      }
      await echo.stop();
      echo = null;
    }
    for (const enc of o.encodings) {
      o.log(`engine: ${enc}, ${o.mix} orders, ${o.rate.toLocaleString('en-US')}/s for ${o.durationSec} s over ${o.connections} connections`);
      const out = record(await runPhase(o, { name: `engine-${enc}`, kind: 'engine', url, keys: conns, encoding: enc, rate: o.rate, durationSec: o.durationSec, warmupSec: o.warmupSec, order: spec, serverPid: server?.pid, http, stages: { http, adminKey } }), `ringmatch order → ack (${enc})`);
      if (out.result.fill && out.result.fill.count > 0) plot.push({ label: `ringmatch order → fill (${enc})`, histogram: out.fill });
    }
    let sweep: Summary['sweep'] = null;
    if (o.sweepRates.length > 0) {
      let best: number | null = null;
      let maxSustained: number | null = null;
      let why = 'every swept rate met the bound';
      let missed: string | null = null;
      for (const rate of o.sweepRates) {
        o.log(`sweep: ${rate.toLocaleString('en-US')}/s for ${o.sweepDurationSec} s (JSON)`);
        await settle(http, o.log);
        const out = await runPhase(o, { name: `sweep-${rate}`, kind: 'engine', url, keys: conns, encoding: 'json', rate, durationSec: o.sweepDurationSec, warmupSec: Math.min(1, o.sweepDurationSec / 3), order: spec, serverPid: server?.pid, http });
        record(out, '');
        if (passes(out.result, o.boundP99Us)) best = rate;
        else missed ??= bottleneck(out.result, o.boundP99Us, Number(m.cores));
        // Keep going while the rate is carried (answered, no errors) — the p99 may be noise-bound
        // below the capacity; stop at the first rate the server cannot carry.
        if (!sustains(out.result)) {
          why = bottleneck(out.result, o.boundP99Us, Number(m.cores));
          break;
        }
        maxSustained = rate;
      }
      sweep = { boundP99Us: o.boundP99Us, rates: o.sweepRates, best, maxSustained, bottleneck: missed && why === 'every swept rate met the bound' ? missed : missed ? `${missed} ${why}` : why };
    }
    const settings = { ...o, log: undefined, keys: o.keys.length > 0 ? '(given)' : '(generated)', adminKey: o.adminKey ? '(given)' : undefined, makerKey: o.makerKey ? '(given)' : undefined };
    const summary: Summary = {
      tool: 'ringmatch e2e latency harness', date: new Date().toISOString(), machine: m, target: o.target ?? `embedded server (${url})`, settings, phases, sweep,
      goals: goals(phases, sweep, o.quick === true), inProcess: inProcessResults(),
    };
    return { summary, distributions, plot };
  } finally {
    maker?.terminate();
    await echo?.stop();
    await server?.stop();
  }
}

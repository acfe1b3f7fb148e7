/**
 * Does any sequence of unauthenticated requests move another client's ack latency? (issue #13's
 * goal: no more than 2× its p99.) One server (compiled, as npm start runs it) with a deep book
 * (10,000 price levels); a trader sends orders open loop at a fixed rate over its own connection and
 * records order → first answer; each phase adds one attacker process looping one kind of request
 * (deep book reads, stats, health/metrics, malformed paths, subscribe/unsubscribe of the deep book,
 * 4 KB deeply nested frames) as fast as the server answers. Same run: a baseline without attacker
 * first. Prints p50/p99 per phase and the ratio to the baseline; writes bench/results/abuse-isolation.json.
 * Usage: node --import tsx bench/abuse-isolation.ts [seconds per phase = 8] [trader orders/s = 500]
 */
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { DEFAULTS, startServer } from './e2e/harness.ts';
import { latencyHistogram } from './e2e/histograms.ts';
import { fmt, machine, writeResult } from './common.ts';

const SECONDS = Number(process.argv[2] ?? 8);
const RATE = Number(process.argv[3] ?? 500);
const MODES = process.env.ABUSE_MODES ? process.env.ABUSE_MODES.split(',') : ['book', 'stats', 'health', 'badpath', 'subscribe', 'garbage'];

function open(url: string, key: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${key}` }, perMessageDeflate: false });
  return new Promise((resolve, reject) => { ws.once('open', () => resolve(ws)); ws.once('error', reject); });
}

const srv = await startServer({ ...DEFAULTS, connections: 1, journal: true, ackMode: 'fast', log: () => undefined });
try {
  // A deep book: 5,000 bid and 5,000 ask levels around 100.00 (tick 0.01).
  const mm = await open(srv.url, srv.makerKey);
  let placed = 0;
  await new Promise<void>((resolve) => {
    mm.on('message', (d: Buffer) => {
      if (d.toString().includes('"execType":"new"') && ++placed === 10_000) resolve();
    });
    for (let i = 0; i < 5_000; i++) {
      mm.send(JSON.stringify({ type: 'new_order', symbol: srv.symbol, clientOrderId: `b${i}`, side: 'buy', price: (99.99 - i * 0.01).toFixed(2), quantity: '1' }));
      mm.send(JSON.stringify({ type: 'new_order', symbol: srv.symbol, clientOrderId: `a${i}`, side: 'sell', price: (100.01 + i * 0.01).toFixed(2), quantity: '1' }));
    }
  });
  const trader = await open(srv.url, srv.keys[0]);
  const sentAt = new Map<number, number>();
  let hist = latencyHistogram();
  trader.on('message', (d: Buffer) => {
    const m = /"id":(\d+)/.exec(d.toString());
    if (!m) return;
    const t = sentAt.get(Number(m[1]));
    if (t === undefined) return;
    sentAt.delete(Number(m[1]));
    hist.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
  });
  let id = 0;
  /** One phase: the trader's orders (IOC far from the book: an ack and a cancel each) open loop. */
  type Row = { mode: string; orders: number; answered: number; p50Us: number; p99Us: number; maxUs: number; attackerRequestsPerSec: number | null };
  const phase = async (mode: string | null): Promise<Row> => {
    hist = latencyHistogram();
    const attacker = mode ? spawn(process.execPath, ['--import', 'tsx', 'bench/abuse-attacker.ts', mode, srv.http, srv.url.replace(/\/ws$/, '/ws'), srv.symbol, String(SECONDS + 1)], { stdio: ['ignore', 'pipe', 'inherit'] }) : null;
    let out = '';
    attacker?.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    const exit = attacker ? new Promise((r) => attacker.once('exit', r)) : null; // attached now: it may end before we wait
    await new Promise((r) => setTimeout(r, 500)); // the attacker is up and looping
    const t0 = performance.now();
    const interval = 1000 / RATE;
    let n = 0;
    while (performance.now() - t0 < SECONDS * 1000) {
      const due = t0 + n * interval;
      const now = performance.now();
      if (now < due) {
        await new Promise((r) => setTimeout(r, Math.max(0, due - now - 0.5)));
        continue;
      }
      const i = ++id;
      sentAt.set(i, due); // latency from the intended send time (open loop)
      trader.send(`{"type":"new_order","id":${i},"symbol":"${srv.symbol}","clientOrderId":"t${i}","side":"buy","price":"60.00","quantity":"1","timeInForce":"IOC"}`);
      n++;
    }
    await new Promise((r) => setTimeout(r, 1_000)); // late answers
    await exit;
    const attack = out ? (JSON.parse(out.trim().split('\n').pop() as string) as { requests: number }) : null;
    const row: Row = {
      mode: mode ?? 'baseline', orders: n, answered: hist.totalCount, p50Us: hist.getValueAtPercentile(50), p99Us: hist.getValueAtPercentile(99), maxUs: hist.maxValue,
      attackerRequestsPerSec: attack ? Math.round(attack.requests / (SECONDS + 1)) : null,
    };
    process.stderr.write(`${row.mode.padEnd(10)} answered ${row.answered}/${row.orders}  p50 ${fmt(row.p50Us)} µs  p99 ${fmt(row.p99Us)} µs  max ${fmt(row.maxUs)} µs${row.attackerRequestsPerSec !== null ? `  attacker ${fmt(row.attackerRequestsPerSec)} req/s` : ''}\n`);
    return row;
  };
  const baseline = await phase(null);
  const rows = [baseline];
  for (const m of MODES) rows.push(await phase(m));
  const base99 = baseline.p99Us;
  const table = rows.map((r) => ({ ...r, p99VsBaseline: Math.round((r.p99Us / base99) * 100) / 100 }));
  console.log('abuse isolation: trader ack latency under unauthenticated attack', machine());
  for (const r of table) console.log(`  ${String(r.mode).padEnd(10)} p50 ${fmt(r.p50Us)} µs  p99 ${fmt(r.p99Us)} µs  ×${r.p99VsBaseline} of baseline p99  ${r.attackerRequestsPerSec !== null ? `(attacker ${fmt(r.attackerRequestsPerSec)} req/s)` : ''}`);
  console.log(`written to ${writeResult('abuse-isolation', { seconds: SECONDS, rate: RATE, phases: table })}`);
  mm.terminate();
  trader.terminate();
} finally {
  await srv.stop();
}

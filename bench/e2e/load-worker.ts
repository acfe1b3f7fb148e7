/**
 * One load-generator thread of the end-to-end harness: K WebSocket connections, an open-loop
 * schedule (see schedule.ts), latency recorded from each order's *intended* send time to the
 * first answer carrying its request id (the ack) and to its first fill report, in HDR histograms
 * that go back to the coordinator encoded. Runs on its own thread so the coordinator's event loop
 * (and other load threads) never delay its sends or receives.
 */
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { encodeRequestEnvelope, peekServerEnvelope } from '../../gateway/proto-codec.ts';
import { encodeHistogram, latencyHistogram } from './histograms.ts';
import { OpenLoopSchedule, clockUs } from './schedule.ts';

export interface OrderSpec {
  symbol: string;
  /** Decimal strings for JSON, integer units (as strings) for protobuf. */
  buyPrice: { text: string; units: string };
  sellPrice: { text: string; units: string };
  /** A price that rests (no fill) on each side, for the `resting` mix. */
  passiveBuy: { text: string; units: string };
  quantity: { text: string; units: string };
}

export interface LoadWorkerData {
  index: number;
  url: string;
  /** One API key per connection (empty strings for the echo server). */
  keys: string[];
  ratePerSec: number;
  durationSec: number;
  warmupSec: number;
  encoding: 'json' | 'protobuf';
  /** engine: orders to ringmatch; echo: the same frames to an echo server (the transport floor). */
  mode: 'engine' | 'echo';
  /** ioc: crossing IOC orders (ack + fill); resting: a passive GTC order, then its cancel. */
  mix: 'ioc' | 'resting';
  order: OrderSpec;
  /** Seconds to wait for late answers after the last send. */
  drainSec: number;
}

export interface LoadWorkerResult {
  type: 'done';
  index: number;
  sent: number;
  measured: number;
  acks: number;
  fills: number;
  rejects: number;
  errors: Record<string, number>;
  missingAcks: number;
  ack: string;
  fill: string;
  sendLag: string;
  /** Event-loop utilization of this thread over the run (1 = always busy). */
  elu: number;
  wallSec: number;
  closedEarly: number;
}

const d = workerData as LoadWorkerData;

/**
 * Longest nap between two sends that are close together (µs). The thread blocks in Atomics.wait
 * for at most this long, so an answer that arrives meanwhile is timestamped up to this late; in
 * exchange the load thread stops spinning and leaves the server its cores (a setImmediate loop
 * used a whole core at any rate: client CPU 0.93–0.96 at 1,000–20,000 orders/s on a 2-core box).
 * Waits of 2 ms or more sleep in the event loop (setTimeout), where answers are read as they come.
 */
const NAP_CAP_US = 100;
const napWord = new Int32Array(new SharedArrayBuffer(4));
const C = d.keys.length;
const total = Math.max(1, Math.round(d.ratePerSec * d.durationSec));
const warmupOrders = Math.round(d.ratePerSec * d.warmupSec);
const ackH = latencyHistogram();
const fillH = latencyHistogram();
const lagH = latencyHistogram();
const acked = new Uint8Array(total);
const filled = new Uint8Array(total);
let sched: OpenLoopSchedule | null = null;
let acks = 0;
let fills = 0;
let rejects = 0;
let closedEarly = 0;
const errors: Record<string, number> = {};
const tag = `b${d.index}_`;

function orderIndexFromClord(clord: string): number {
  return clord.startsWith(tag) ? parseInt(clord.slice(tag.length), 36) : -1;
}

function onAnswer(i: number, kind: 'ack' | 'fill', failed: string | null): void {
  if (!sched || i < 0 || i >= total) return;
  const lat = Math.max(1, Math.round(clockUs() - sched.intendedUs(i)));
  if (kind === 'ack') {
    if (acked[i]) return;
    acked[i] = 1;
    acks++;
    if (failed !== null) {
      if (failed === 'rejected') rejects++;
      else errors[failed] = (errors[failed] ?? 0) + 1;
    }
    if (i >= warmupOrders) ackH.recordValue(lat);
  } else {
    if (filled[i]) return;
    filled[i] = 1;
    fills++;
    if (i >= warmupOrders) fillH.recordValue(lat);
  }
}

function onJson(text: string): void {
  const m = JSON.parse(text) as { type?: string; id?: unknown; execType?: string; clientOrderId?: string; code?: number };
  const id = typeof m.id === 'number' ? m.id : typeof m.id === 'string' ? Number(m.id) : -1;
  if (d.mode === 'echo') {
    onAnswer(id, 'ack', null);
    return;
  }
  if (m.type === 'execution_report') {
    if (m.execType === 'trade') onAnswer(orderIndexFromClord(m.clientOrderId ?? ''), 'fill', null);
    if (id >= 0) onAnswer(id, 'ack', m.execType === 'rejected' ? 'rejected' : null);
  } else if (m.type === 'error' && id >= 0) {
    onAnswer(id, 'ack', String(m.code));
  }
}

function onBinary(buf: Buffer): void {
  if (d.mode === 'echo') {
    // The echo server returns our own request Envelope: its id is all we need.
    onAnswer(Number(peekServerEnvelope(buf).id), 'ack', null);
    return;
  }
  const m = peekServerEnvelope(buf);
  const id = m.id === '' ? -1 : Number(m.id);
  if (m.body === 'executionReport') {
    if (m.execType === 'trade') onAnswer(orderIndexFromClord(m.clientOrderId), 'fill', null);
    if (id >= 0) onAnswer(id, 'ack', m.execType === 'rejected' ? 'rejected' : null);
  } else if (m.body === 'error' && id >= 0) {
    onAnswer(id, 'ack', String(m.code));
  }
}

function frame(i: number): string | Uint8Array {
  const o = d.order;
  const round = Math.floor(i / C);
  const clord = `${tag}${i.toString(36)}`;
  if (d.mix === 'resting' && round % 2 === 1) {
    // Cancel this connection's previous (resting) order.
    const target = `${tag}${(i - C).toString(36)}`;
    return d.encoding === 'json'
      ? `{"type":"cancel_order","id":${i},"symbol":"${o.symbol}","clientOrderId":"${target}"}`
      : encodeRequestEnvelope({ id: String(i), cancelOrder: { symbol: o.symbol, clientOrderId: target } });
  }
  const buy = d.mix === 'resting' || round % 2 === 0;
  const px = d.mix === 'resting' ? o.passiveBuy : buy ? o.buyPrice : o.sellPrice;
  const tif = d.mix === 'resting' ? 'GTC' : 'IOC';
  return d.encoding === 'json'
    ? `{"type":"new_order","id":${i},"symbol":"${o.symbol}","clientOrderId":"${clord}","side":"${buy ? 'buy' : 'sell'}","price":"${px.text}","quantity":"${o.quantity.text}","timeInForce":"${tif}"}`
    : encodeRequestEnvelope({ id: String(i), newOrder: { clientOrderId: clord, symbol: o.symbol, side: buy ? 1 : 2, orderType: 1, timeInForce: tif === 'GTC' ? 1 : 2, price: px.units, quantity: o.quantity.units } });
}

async function connectAll(): Promise<WebSocket[]> {
  return Promise.all(d.keys.map((key) => new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(d.url, { headers: key ? { Authorization: `Bearer ${key}` } : {}, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`${d.url}: HTTP ${res.statusCode}`)));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) onBinary(data);
      else onJson(data.toString('utf8'));
    });
    ws.on('close', () => { closedEarly++; });
  })));
}

async function run(startUs: number): Promise<LoadWorkerResult> {
  const socks = await sockets;
  const s = new OpenLoopSchedule(d.ratePerSec, startUs, total);
  sched = s;
  let next = 0;
  const elu0 = performance.eventLoopUtilization();
  const t0 = clockUs();
  const progress = setInterval(() => parentPort!.postMessage({ type: 'progress', index: d.index, sent: next, acks, fills }), 1_000);
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      const now = clockUs();
      const due = s.dueBy(now);
      while (next < due) {
        socks[next % C].send(frame(next));
        if (next >= warmupOrders) lagH.recordValue(Math.max(1, Math.round(now - s.intendedUs(next))));
        next++;
      }
      if (next >= total) {
        resolve();
        return;
      }
      const wait = s.untilDue(next, clockUs());
      if (wait >= 2_000) {
        // Far off: sleep in the event loop (1 ms timer granularity; wake a millisecond early).
        setTimeout(pump, Math.floor(wait / 1000) - 1);
        return;
      }
      // Close: a short nap (never past the send time), then pending I/O, then the next send.
      if (wait > 20) Atomics.wait(napWord, 0, 0, Math.min(wait, NAP_CAP_US) / 1000);
      setImmediate(pump);
    };
    pump();
  });
  // Late answers: until everything is acked (and filled, for IOC) or the drain time is up.
  const drainEnd = clockUs() + d.drainSec * 1e6;
  const wantFills = d.mode === 'engine' && d.mix === 'ioc';
  while (clockUs() < drainEnd && (acks < total || (wantFills && fills + rejects < total))) await new Promise((r) => setTimeout(r, 5));
  clearInterval(progress);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const wallSec = (clockUs() - t0) / 1e6;
  const early = closedEarly;
  await Promise.all(socks.map((ws) => new Promise<void>((r) => {
    if (ws.readyState === WebSocket.CLOSED) return r();
    ws.once('close', () => r());
    ws.close();
    setTimeout(() => { ws.terminate(); r(); }, 1_000).unref();
  })));
  return {
    type: 'done', index: d.index, sent: next, measured: Math.max(0, total - warmupOrders), acks, fills, rejects, errors,
    missingAcks: total - acks, ack: encodeHistogram(ackH), fill: encodeHistogram(fillH), sendLag: encodeHistogram(lagH), elu, wallSec, closedEarly: early,
  };
}

const sockets = connectAll();
sockets.then(
  () => parentPort!.postMessage({ type: 'ready', index: d.index }),
  (e: unknown) => parentPort!.postMessage({ type: 'failed', index: d.index, error: e instanceof Error ? e.message : String(e) }),
);
parentPort!.on('message', (m: { type: string; startUs: number }) => {
  if (m.type !== 'go') return;
  run(m.startUs).then(
    (r) => parentPort!.postMessage(r),
    (e: unknown) => parentPort!.postMessage({ type: 'failed', index: d.index, error: e instanceof Error ? e.message : String(e) }),
  );
});

/**
 * Bytes the gateway thread allocates per order on its JSON path, measured exactly: the real
 * Gateway (gateway/server.ts) handles each order frame in its uWS `message` handler (token bucket,
 * the JSON lane, the G→R ring), and every event the order causes in its event handler (market-data
 * books, the pending-request table, execution reports written into the outbox, one corked flush
 * per batch to the connection). The engine behind it runs inline (R+M on this thread, itself
 * allocation-free: test/no-allocation.test.ts), the sockets are stand-ins that take the bytes.
 *
 * Run in a fresh process whose young generation holds the whole window
 * (`--min-semi-space-size=64 --max-semi-space-size=64`): with no collection inside the window, the
 * heap's growth over it is exactly what was allocated, and ÷ orders is bytes per order. The same
 * is measured for `new Uint8Array(frame)` alone — the one view over uWS's per-message ArrayBuffer
 * that reading a frame takes (see gateway/json-lane.ts) — so the report says what is left besides.
 *
 *   node --min-semi-space-size=64 --max-semi-space-size=64 --import tsx bench/gateway-allocation.ts [orders]
 *
 * Workload: pairs of a resting GTC sell (account a1) and a crossing IOC buy (a2) of one lot, both
 * with request ids: per pair two `new` reports, a taker and a maker `trade` report, book updates.
 */
import v8 from 'node:v8';
import pino from 'pino';
import type { WebSocket } from 'uWebSockets.js';
import { RingBuffer, RingConsumer } from '../ring/ring.ts';
import { DOORBELL_BYTES } from '../ring/doorbell.ts';
import { CMD_SLOT_BYTES, CMD_SLOT_WORDS } from '../engine/command-slot.ts';
import { EVT_SLOT_BYTES } from '../engine/event-slot.ts';
import { compileConfig } from '../engine/config.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { EngineLink } from '../engine/link.ts';
import type { LinkDescriptor } from '../engine/link.ts';
import { Gateway } from '../gateway/server.ts';
import { DEFAULT_GATEWAY } from '../gateway/options.ts';
import type { GatewayControl } from '../gateway/control.ts';
import type { Conn } from '../gateway/session.ts';
import { Budget } from '../gateway/budget.ts';
import { countGcs } from './common.ts';
import { stampUs } from '../engine/clock.ts';
import { allocationSites } from './allocation.ts';

export interface GatewayAllocation {
  orders: number;
  /** Collections inside the window (must be 0 for the bytes to be exact). */
  gcs: number;
  bytesPerOrder: number;
  /** `new Uint8Array(frame)` alone, per frame: what reading a uWS frame costs at the least. */
  viewBytesPerFrame: number;
  /**
   * One clock read (engine/clock.ts stampUs, as the gateway reads it): Date.now and performance.now
   * return heap numbers. The gateway reads the clock once per frame and once per event-pump pass
   * (here every order is its own pass: the worst case).
   */
  clockBytesPerRead: number;
  /** Only when the window was not clean: where one more window allocated (V8's sampling heap profiler). */
  allocationSites?: Array<{ bytes: number; stack: string }>;
  /**
   * Wall time per order of the clean window, ns: the gateway's handlers and the inline R+M
   * (~0.7 µs of it, bench/README.md), no sockets — a CPU figure for the thread's own work.
   */
  nsPerOrder: number;
  /** Report bytes the stand-in sockets received (the path really ran). */
  reportBytes: number;
  reports: number;
}

/** What the harness reaches inside the Gateway (its handlers and sessions; private in the class). */
interface GatewayInside {
  onMessage(ws: WebSocket<Conn>, message: ArrayBuffer, isBinary: boolean): void;
  onEvent(w: Int32Array, b: number): void;
  sessions: { newConn(account: number, b: Budget): Conn; conns: Set<Conn>; flushQueued(): void };
  addAccountConn(c: Conn, account: number): void;
  feeds: { flushShard(k: number, sink: unknown): void };
  mdSink: unknown;
  pump: { afterBatch: (() => void) | null };
}

function usedHeap(): number {
  let n = 0;
  for (const sp of v8.getHeapSpaceStatistics()) n += sp.space_used_size;
  return n;
}

export async function measureGateway(orders = 100_000): Promise<GatewayAllocation> {
  const spec = compileConfig({
    shards: 1, notionalDecimals: 2, orderCapacityPerShard: 1 << 14, riskOrderCapacity: 1 << 14, ringCapacity: 1 << 12,
    symbols: [{ symbol: 'BENCH', tickSize: '0.01', lotSize: '1', referencePrice: '100', priceBandPct: 50, maxOrderQty: '1000', maxOrderNotional: '100000000' }],
    accounts: [
      { id: 'a0', apiKey: 'k0', creditLimit: '1000000000', maxOpenOrders: 100_000, maxPosition: '1000000000' },
      { id: 'a1', apiKey: 'k1', creditLimit: '1000000000', maxOpenOrders: 100_000, maxPosition: '1000000000' },
      { id: 'a2', apiKey: 'k2', creditLimit: '1000000000', maxOpenOrders: 100_000, maxPosition: '1000000000' },
    ],
  });
  // A link over rings of our own: the gateway writes its commands there; we feed them to R+M inline.
  const commands = RingBuffer.create(1 << 12, CMD_SLOT_BYTES, 1);
  const events = RingBuffer.create(1 << 12, EVT_SLOT_BYTES, 1);
  const up = new SharedArrayBuffer(8);
  new Uint8Array(up).fill(1);
  const d: LinkDescriptor = {
    index: 0, threads: 1, spec, input: commands.buffer, riskDoorbell: new SharedArrayBuffer(DOORBELL_BYTES), shardInputs: [RingBuffer.create(16, CMD_SLOT_BYTES, 1).buffer],
    eventRings: [events.buffer], consumer: 'G', consumerIndex: 0, doorbell: new SharedArrayBuffer(DOORBELL_BYTES), control: new SharedArrayBuffer(4096),
    up, failed: new SharedArrayBuffer(8), journalState: null, accountConns: new SharedArrayBuffer(4 * spec.accounts.length), idle: 'park',
  };
  const control: GatewayControl = { ask: () => Promise.reject(new Error('no control plane in this harness')), journalError: () => null };
  const opts = { ...DEFAULT_GATEWAY, rateLimit: { perSecond: 1e9, burst: 1e9 } };
  const gw = new Gateway(new EngineLink(d), spec, opts, pino({ level: 'info' }, pino.destination('/dev/null')), control) as unknown as GatewayInside;

  let reportBytes = 0;
  let reports = 0;
  const socket = (c: Conn): WebSocket<Conn> => ({
    getUserData: () => c,
    cork: (cb: () => void) => { cb(); },
    send: (data: Uint8Array | string) => { reportBytes += data.length; reports++; return 1; },
    getBufferedAmount: () => 0,
  }) as unknown as WebSocket<Conn>;
  const conns = [1, 2].map((account) => {
    const c = gw.sessions.newConn(account, new Budget(opts.subscribeRate));
    c.ws = socket(c);
    gw.sessions.conns.add(c);
    gw.addAccountConn(c, account);
    return c;
  });

  // Frames (as uWS hands them: an ArrayBuffer per message), a cycle of distinct client order ids.
  const CYCLE = 2048;
  const frame = (s: string): ArrayBuffer => new Uint8Array(Buffer.from(s, 'utf8')).buffer;
  const sells = Array.from({ length: CYCLE }, (_, i) => frame(`{"type":"new_order","id":${i},"symbol":"BENCH","clientOrderId":"s-${i}","side":"sell","price":"100.25","quantity":"1","timeInForce":"GTC"}`));
  const buys = Array.from({ length: CYCLE }, (_, i) => frame(`{"type":"new_order","id":"b${i}","symbol":"BENCH","clientOrderId":"b-${i}","side":"buy","price":"100.25","quantity":"1","timeInForce":"IOC"}`));

  const eng = new InlineEngine(spec);
  eng.onEvent((w, b) => gw.onEvent(w, b));
  const slot = new Int32Array(CMD_SLOT_WORDS);
  const fromGateway = new RingConsumer(commands, 0);
  const engineStep = { onSlot: (w: Int32Array, b: number): void => {
    for (let i = 0; i < CMD_SLOT_WORDS; i++) slot[i] = w[b + i];
    eng.processSlot(slot, 0);
  } };
  const afterBatch = gw.pump.afterBatch as () => void;
  const ws1 = conns[0].ws as WebSocket<Conn>;
  const ws2 = conns[1].ws as WebSocket<Conn>;
  const run = (from: number, n: number): void => {
    for (let i = from; i < from + n; i++) {
      gw.onMessage(i & 1 ? ws2 : ws1, i & 1 ? buys[(i >> 1) % CYCLE] : sells[(i >> 1) % CYCLE], false);
      fromGateway.poll(engineStep, 16);
      // The end of the shard's batch: market data, then the corked flush, as the event pump does.
      gw.feeds.flushShard(0, gw.mdSink);
      afterBatch();
    }
  };
  run(0, 200_000); // warm-up: every path compiled and optimized
  await new Promise((r) => setTimeout(r, 300));
  run(200_000, 20_000);

  // Windows until one has no collection in it (a collection makes the heap's growth undercount).
  let at = 400_000;
  const window = async (body: (from: number) => void): Promise<{ bytes: number; gcs: number; ns: number }> => {
    let last = { bytes: 0, gcs: 0, ns: 0 };
    for (let k = 0; k < 4; k++) {
      const from = at;
      at += orders;
      const m = await countGcs(() => {
        const before = usedHeap();
        const t0 = process.hrtime.bigint();
        body(from);
        const t1 = process.hrtime.bigint();
        return { bytes: usedHeap() - before, ns: Number(t1 - t0) };
      });
      last = { bytes: m.result.bytes, gcs: m.gcs, ns: m.result.ns };
      if (m.gcs === 0) break;
    }
    return last;
  };
  const r0 = reports;
  const gateway = await window((from) => run(from, orders));
  const reportsPerWindow = (reports - r0) / Math.max(1, (at - 400_000) / orders);
  // The view over a frame, alone, the same number of times.
  let sum = 0;
  const views = await window(() => {
    for (let i = 0; i < orders; i++) sum += new Uint8Array(sells[i % CYCLE])[0];
  });
  const stamps = new Float64Array(4);
  const clock = await window(() => {
    for (let i = 0; i < orders; i++) stampUs(stamps, i & 3);
  });
  const perOrder = (gateway.bytes - views.bytes - 2 * clock.bytes) / orders;
  const sites = gateway.gcs > 0 || perOrder > 8 ? await allocationSites(() => run(at, orders)) : undefined;
  return {
    ...(sites ? { allocationSites: sites } : {}),
    orders, gcs: gateway.gcs + views.gcs + clock.gcs, bytesPerOrder: gateway.bytes / orders, viewBytesPerFrame: views.bytes / orders, clockBytesPerRead: clock.bytes / orders, nsPerOrder: Math.round(gateway.ns / orders),
    reportBytes, reports: reportsPerWindow + (sum > 0 ? 0 : 0),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const orders = Number(process.argv[2] ?? 100_000);
  const r = await measureGateway(orders);
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}

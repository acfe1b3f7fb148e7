/**
 * The chaos drill (`npm run drill`): a scripted sequence of faults against a running server under a
 * steady order load, measuring for each how long until it was seen and until an order could go
 * through again, and — over the whole run — that no acknowledged order was lost and that the Kafka
 * topic holds every journaled event.
 *
 * Embedded (default): a compiled server process on a temporary data folder with a pre-filled
 * journal (`journalEvents`, so the whole-process restart recovers that many), the journal in
 * durable ack mode, a Kafka-protocol mock broker (librdkafka's, test/kafka-mock.ts), synthetic
 * probes every 100 ms. Faults: kill each matching shard, the risk stage, the journal thread, the
 * Kafka thread; the broker down for `kafkaDownMs`; the whole process SIGKILLed and started again.
 * With `target` (a running server, admin key, faultInjection on): the thread kills only.
 *
 * Per fault: detection (fault → the first probe failure or /health/deep 503 seen; none when it
 * healed first), recovery = MTTR (fault → every shard's synthetic probe ok again with a probe sent
 * after the fault), orders refused meanwhile (by code). Over the run: acked orders missing from
 * the journal, Kafka events duplicated (the shipper is at-least-once; consumers de-duplicate by
 * (shard, seq)) and missing after de-duplication.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Kafka, logLevel } from 'kafkajs';
import { compileConfig } from '../../engine/config.ts';
import type { EngineConfig, EngineSpec } from '../../engine/config.ts';
import { CommandType, EventType, OrderType, Side, TimeInForce } from '../../engine/codes.ts';
import { EVT_ORDER_ID, EVT_TYPE } from '../../engine/event-slot.ts';
import { getI64 } from '../../engine/int64.ts';
import { InlineEngine } from '../../engine/inline-engine.ts';
import { JournalWriter, readJournal } from '../../persistence/journal.ts';
import { checkJournalLayout } from '../../persistence/journal-layout.ts';
import { ShippedOffsets } from '../../persistence/shipped-offsets.ts';
import type { SyntheticReport } from '../../gateway/probe.ts';
import { startKafka } from '../../test/kafka-mock.ts';
import type { KafkaBroker } from '../../test/kafka-mock.ts';
import { startServerProcess } from '../../test/server-process.ts';
import type { ServerProcess } from '../../test/server-process.ts';

export interface DrillOptions {
  /** A running server's WebSocket URL (ws://host:port/ws): thread kills only. Null: embedded. */
  target: string | null;
  adminKey: string;
  /** API keys of two accounts to load with (target mode). */
  keys: string[];
  shards: number;
  /** Events journaled before the server starts (embedded): what the whole-process restart recovers. */
  journalEvents: number;
  /** Orders per second of the steady load. */
  rate: number;
  /** Quiet time before the first fault and after each recovery. */
  settleMs: number;
  kafkaDownMs: number;
  /** A fault not recovered within this is reported unrecovered (and the drill goes on). */
  recoverTimeoutMs: number;
  /**
   * Take a snapshot once the server is up (embedded), as its timer would in operation: restarts
   * then replay the journal after it. Off: every restart replays the whole journal.
   */
  snapshot: boolean;
}

export const DEFAULT_DRILL: DrillOptions = {
  target: null, adminKey: 'drill-admin', keys: ['drill-key-0', 'drill-key-1'], shards: 2, journalEvents: 1_000_000, rate: 200, settleMs: 2_000, kafkaDownMs: 10_000, recoverTimeoutMs: 60_000,
  snapshot: true,
};

export interface FaultResult {
  fault: string;
  /** ms since the drill started. */
  at: number;
  detectedMs: number | null;
  recoveredMs: number | null;
  recovered: boolean;
  refused: Record<string, number>;
  /** What the operator would have seen (the first problem reported), if anything. */
  seen: string | null;
  /** The goal for this fault and whether it was met. */
  goalMs: number;
  met: boolean;
}

export interface DrillReport {
  startedAt: string;
  mode: 'embedded' | 'target';
  options: DrillOptions;
  faults: FaultResult[];
  load: { sent: number; acked: number; refused: Record<string, number> };
  /** Acknowledged orders (a `new` report received) that the journal does not hold: must be 0. */
  ackedLost: number | null;
  /** Kafka topic against the journal: events on the topic twice (at-least-once), and journaled events never shipped (must be 0). */
  kafka: { duplicates: number; missing: number; shipped: number; unshippedAtStop: number } | null;
  recoveredAll: boolean;
  /** Probe samples for the timeline: [ms, shard states ('ok' | 'failing' | 'down')]. */
  timeline: Array<[number, string[]]>;
}

/** The drill's market: one symbol per shard, accounts with room to trade all day. */
export function drillConfig(shards: number, opts: DrillOptions): EngineConfig {
  return {
    shards,
    symbols: Array.from({ length: shards }, (_, k) => ({ symbol: `DRL${k}-USD`, tickSize: '0.01', lotSize: '1', referencePrice: '100', priceBandPct: 20, maxOrderQty: '1000', maxOrderNotional: '100000000' })),
    accounts: opts.keys.map((apiKey, i) => ({ id: `drill${i}`, apiKey, creditLimit: '10000000000', maxOpenOrders: 1_000_000, maxPosition: '1000000000' })),
  } as EngineConfig;
}

/**
 * A journal of `events` events from a steady mix (resting, cancels, crossing IOCs), written before
 * the server starts — history, recorded as already shipped to Kafka (kafka-shipped.json): the
 * drill's topic check covers what the server ships itself. Returns each shard's last sequence.
 */
export function prefillJournal(journalDir: string, spec: EngineSpec, events: number): number[] {
  mkdirSync(journalDir, { recursive: true, mode: 0o700 });
  checkJournalLayout(journalDir, spec);
  const eng = new InlineEngine(spec);
  const writers = Array.from({ length: spec.shards }, (_, k) => new JournalWriter(journalDir, k));
  let n = 0;
  eng.onEvent((w, b, k) => {
    writers[k].append(w, b);
    n++;
  });
  let i = 0;
  const resting: string[][] = spec.symbols.map(() => []);
  while (n < events) {
    const s = i % spec.symbols.length;
    const acct = i % spec.accounts.length;
    const r = i % 10;
    const clientOrderId = `pre-${i}`;
    if (r < 5) {
      eng.submit({ type: CommandType.NEW, symbolId: s, accountId: acct, side: r % 2 ? Side.BUY : Side.SELL, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: r % 2 ? 9_900 - (i % 50) : 10_100 + (i % 50), qty: 1 + (i % 5), clientOrderId, correlationId: i + 1 });
      resting[s].push(`${acct}:${clientOrderId}`);
    } else if (r < 8 && resting[s].length > 0) {
      const [a, id] = (resting[s].shift() as string).split(':');
      eng.submit({ type: CommandType.CANCEL, symbolId: s, accountId: Number(a), byClientId: true, clientOrderId: id, correlationId: i + 1 });
    } else {
      eng.submit({ type: CommandType.NEW, symbolId: s, accountId: acct, side: r % 2 ? Side.BUY : Side.SELL, orderType: OrderType.LIMIT, tif: TimeInForce.IOC, price: r % 2 ? 10_150 : 9_850, qty: 2, clientOrderId, correlationId: i + 1 });
    }
    i++;
    if (i % 4096 === 0) writers.forEach((w) => w.commit());
  }
  writers.forEach((w) => w.close());
  const last = writers.map((w) => w.lastSequence());
  const shipped = new ShippedOffsets(journalDir, spec.shards);
  last.forEach((s, k) => shipped.set(k, s));
  return last;
}

/** The steady load: resting orders and their cancels, and crossing IOCs, over two accounts; every ack recorded. */
class Load {
  readonly acked = new Set<number>();
  sent = 0;
  readonly refused: Record<string, number> = {};
  /** Refusals since the last reset (per fault window). */
  window: Record<string, number> = {};
  private socks: WebSocket[] = [];
  private timer: NodeJS.Timeout | null = null;
  private i = 0;
  private readonly openIds: string[] = [];

  constructor(private url: string, private readonly keys: string[], private readonly symbols: string[], private readonly rate: number) {}

  async start(): Promise<void> {
    await this.connect();
    const every = Math.max(1, Math.round(1000 / this.rate));
    this.timer = setInterval(() => this.tick(), every);
  }

  /** After a whole-process restart: connect again. */
  async reconnect(url: string): Promise<void> {
    for (const s of this.socks) s.terminate();
    this.url = url;
    await this.connect();
  }

  private async connect(): Promise<void> {
    this.socks = await Promise.all(this.keys.map((key) => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(this.url, { headers: { Authorization: `Bearer ${key}` } });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
      ws.on('error', () => undefined);
      ws.on('message', (data: Buffer) => this.onMessage(data.toString()));
    })));
  }

  private onMessage(text: string): void {
    const m = JSON.parse(text) as { type?: string; execType?: string; orderId?: string; code?: number; name?: string };
    if (m.type === 'execution_report' && m.execType === 'new' && m.orderId) this.acked.add(Number(m.orderId));
    if (m.type === 'error') {
      const k = m.name ?? String(m.code);
      this.refused[k] = (this.refused[k] ?? 0) + 1;
      this.window[k] = (this.window[k] ?? 0) + 1;
    }
  }

  private tick(): void {
    const i = this.i++;
    const s = this.socks[i % this.socks.length];
    if (!s || s.readyState !== WebSocket.OPEN) return;
    const symbol = this.symbols[i % this.symbols.length];
    const r = i % 4;
    const id = `d${Date.now().toString(36)}${i}`;
    let msg: Record<string, unknown>;
    if (r === 0 || r === 1) {
      msg = { type: 'new_order', id: i, symbol, clientOrderId: id, side: r ? 'buy' : 'sell', price: r ? '99' : '101', quantity: '1' };
      this.openIds.push(`${i % this.socks.length}:${symbol}:${id}`);
    } else if (r === 2 && this.openIds.length > 64) {
      const [, sym, cid] = (this.openIds.shift() as string).split(':');
      msg = { type: 'cancel_order', id: i, symbol: sym, clientOrderId: cid };
    } else {
      msg = { type: 'new_order', id: i, symbol, clientOrderId: id, side: i % 2 ? 'buy' : 'sell', price: i % 2 ? '101' : '99', quantity: '1', timeInForce: 'IOC' };
    }
    s.send(JSON.stringify(msg));
    this.sent++;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.socks) s.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runDrill(options: Partial<DrillOptions> = {}, log: (line: string) => void = () => undefined): Promise<DrillReport> {
  const opts: DrillOptions = { ...DEFAULT_DRILL, ...options };
  const t0 = Date.now();
  const since = (): number => Date.now() - t0;
  const embedded = opts.target === null;
  const cfg = drillConfig(opts.shards, opts);
  const spec = compileConfig(cfg);
  let dataDir: string | null = null;
  let broker: KafkaBroker | null = null;
  /** The server process (embedded mode; replaced by the whole-process restart). */
  const proc: { current: ServerProcess | null } = { current: null };
  /** Each shard's last prefilled sequence (history, not shipped by this server). */
  let prefilled: number[] = spec.symbols.map(() => 0);
  let http = '';
  let wsUrl = '';
  const topic = 'ringmatch.drill';
  const env = (): Record<string, string> => ({
    DATA_DIR: dataDir as string, ADMIN_KEY: opts.adminKey, RINGMATCH_FAULT_INJECTION: '1', LOG_LEVEL: 'warn',
    ...(broker ? { KAFKA_BROKERS: broker.brokers.join(','), KAFKA_TOPIC: topic } : {}),
  });
  const startServer = async (): Promise<void> => {
    const server = await startServerProcess(env(), ['--config', join(dataDir as string, 'drill.json')], { timeoutMs: 120_000 });
    proc.current = server;
    http = `http://127.0.0.1:${server.port}`;
    wsUrl = `ws://127.0.0.1:${server.port}/ws`;
  };
  try {
    if (embedded) {
      dataDir = mkdtempSync(join(tmpdir(), 'ringmatch-drill-'));
      writeFileSync(join(dataDir, 'drill.json'), JSON.stringify({ ...cfg, probe: { intervalMs: 100, timeoutMs: 1_000 }, snapshotIntervalSec: 0 }));
      log(`prefilling the journal with ${opts.journalEvents.toLocaleString('en-US')} events`);
      prefilled = prefillJournal(join(dataDir, 'journal'), spec, opts.journalEvents);
      broker = await startKafka();
      await broker.topic(topic, 1);
      log('starting the server (compiled) with the journal, durable acks, Kafka and probes every 100 ms');
      await startServer();
    } else {
      wsUrl = opts.target as string;
      http = wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '');
    }
    const synthetic = async (): Promise<{ status: number; body: SyntheticReport } | null> => {
      try {
        const r = await fetch(`${http}/health/synthetic`, { signal: AbortSignal.timeout(1_000) });
        return { status: r.status, body: (await r.json()) as SyntheticReport };
      } catch {
        return null; // the process is down
      }
    };
    // The timeline: probe state per shard every 50 ms, all run long.
    const timeline: Array<[number, string[]]> = [];
    let last: { status: number; body: SyntheticReport } | null = null;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        last = await synthetic();
        timeline.push([since(), last ? last.body.shards.map((s) => s.state) : spec.symbols.map(() => 'down')]);
        await sleep(50);
      }
    })();
    const waitOk = async (after: number, timeoutMs: number): Promise<number | null> => {
      const t = Date.now();
      while (Date.now() - t < timeoutMs) {
        const s = await synthetic();
        // A probe *sent* after the fault (one in flight across it proves nothing about recovery).
        if (s && s.status === 200 && s.body.shards.every((x) => x.state === 'ok' && x.lastOkSentAt !== null && Date.parse(x.lastOkSentAt) >= after)) return Date.now();
        await sleep(20);
      }
      return null;
    };
    if ((await waitOk(Date.now(), 60_000)) === null) throw new Error('the server never reported its probes ok');
    if (embedded && opts.snapshot) {
      const r = await fetch(`${http}/v1/admin/snapshot`, { method: 'POST', headers: { 'x-admin-key': opts.adminKey } });
      if (r.status !== 200) throw new Error(`snapshot: HTTP ${r.status} ${await r.text()}`);
      log(`snapshot taken: ${JSON.stringify(((await r.json()) as { seqs: number[] }).seqs)}`);
    }
    const load = new Load(wsUrl, opts.keys, spec.symbols.map((s) => s.name), opts.rate);
    await load.start();
    await sleep(opts.settleMs);

    const faults: FaultResult[] = [];
    const kill = async (thread: string): Promise<void> => {
      const r = await fetch(`${http}/v1/admin/fault/kill/${thread}`, { method: 'POST', headers: { 'x-admin-key': opts.adminKey } });
      if (r.status !== 202) throw new Error(`kill ${thread}: HTTP ${r.status} ${await r.text()}`);
    };
    const drill = async (fault: string, goalMs: number, inject: () => Promise<void>, heal?: () => Promise<void>): Promise<void> => {
      load.window = {};
      const at = Date.now();
      log(`fault: ${fault}`);
      let detected: number | null = null;
      let seen: string | null = null;
      let watching = true;
      const watch = (async () => {
        while (watching && detected === null && Date.now() - at < opts.recoverTimeoutMs) {
          const s = last;
          if (s === null || s.status !== 200 || s.body.shards.some((x) => x.state === 'failing')) {
            detected = Date.now();
            seen = s === null ? 'the server does not answer' : s.body.problems[0] ?? `HTTP ${s.status}`;
          }
          await sleep(10);
        }
      })();
      await inject();
      await heal?.();
      const ok = await waitOk(at, opts.recoverTimeoutMs);
      watching = false;
      await watch;
      const recoveredMs = ok === null ? null : ok - at;
      const detectedMs = detected === null || (ok !== null && detected > ok) ? null : (detected as number) - at;
      faults.push({ fault, at: at - t0, detectedMs, recoveredMs, recovered: ok !== null, refused: { ...load.window }, seen: detectedMs === null ? null : seen, goalMs, met: recoveredMs !== null && recoveredMs <= goalMs });
      log(`  ${ok === null ? 'NOT recovered' : `recovered in ${recoveredMs} ms`}${detectedMs === null ? '' : ` (seen after ${detectedMs} ms: ${seen})`}`);
      await sleep(opts.settleMs);
    };
    for (let k = 0; k < opts.shards; k++) await drill(`kill M${k} (matching shard ${k})`, 1_000, () => kill(`M${k}`));
    await drill('kill R (risk stage)', 1_000, () => kill('R'));
    if (embedded) {
      await drill('kill J (journal thread)', 1_000, () => kill('J'));
      await drill('kill K (Kafka thread)', 1_000, () => kill('K'));
      const b = broker as KafkaBroker;
      // Five failed sends open the shipper's circuit breaker for 30 s (persistence/circuit-breaker.ts):
      // shipping, and the probes that wait for it, resume up to 30 s after the broker is back.
      await drill(`Kafka down for ${opts.kafkaDownMs / 1000} s`, opts.kafkaDownMs + 32_000, async () => {
        await b.down();
        await sleep(opts.kafkaDownMs);
        await b.up();
      });
      await drill(`SIGKILL the process and start it again (${opts.journalEvents.toLocaleString('en-US')}+ journaled events)`, 5_000, async () => {
        await proc.current?.stop('SIGKILL');
        await startServer();
        await load.reconnect(wsUrl);
      });
    }
    load.stop();
    sampling = false;
    await sampler;

    // Every acknowledged order in the journal (durable acks: an ack follows the fsync).
    let ackedLost: number | null = null;
    let kafka: DrillReport['kafka'] = null;
    if (embedded) {
      const lastSeqs: number[] = [];
      const accepted = new Set<number>();
      await proc.current?.stop();
      proc.current = null;
      // What the shipper recorded as shipped when it stopped: every event up to there must be on the topic.
      const shippedTo = new ShippedOffsets(join(dataDir as string, 'journal'), spec.shards);
      const slot = new Int32Array(64);
      const bytes = new Uint8Array(slot.buffer);
      for (let k = 0; k < spec.shards; k++) {
        lastSeqs.push(readJournal(join(dataDir as string, 'journal'), k, {
          onRecord: (_seq, buf, at) => {
            bytes.set(buf.subarray(at, at + 256));
            if (slot[EVT_TYPE] === EventType.ACCEPTED) accepted.add(getI64(slot, EVT_ORDER_ID));
          },
        }).lastSeq);
      }
      ackedLost = [...load.acked].filter((id) => !accepted.has(id)).length;
      const upTo = lastSeqs.map((_, k) => shippedTo.get(k));
      log('checking the Kafka topic against the journal');
      kafka = { ...(await checkTopic((broker as KafkaBroker).brokers, topic, prefilled, upTo, log)), unshippedAtStop: lastSeqs.reduce((n, s, k) => n + Math.max(0, s - upTo[k]), 0) };
    }
    const report: DrillReport = {
      startedAt: new Date(t0).toISOString(), mode: embedded ? 'embedded' : 'target', options: opts, faults,
      load: { sent: load.sent, acked: load.acked.size, refused: load.refused }, ackedLost, kafka,
      recoveredAll: faults.every((f) => f.recovered), timeline,
    };
    return report;
  } finally {
    await proc.current?.stop('SIGKILL');
    await broker?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Read the whole topic with a fresh consumer group and mark which (shard, seq) it holds, from the
 * record headers (shard, seq of the first event, count): every event after `after` (the prefilled
 * history) up to `upTo` (the shipped offsets) must be there; one found twice is a duplicate
 * (at-least-once shipping).
 */
async function checkTopic(brokers: string[], topic: string, after: number[], upTo: number[], log: (line: string) => void): Promise<{ duplicates: number; missing: number; shipped: number }> {
  const seen = upTo.map((n) => new Uint8Array(n + 1));
  let duplicates = 0;
  let marked = 0;
  const wanted = upTo.reduce((a, b, k) => a + Math.max(0, b - after[k]), 0);
  const kafka = new Kafka({ clientId: 'ringmatch-drill', brokers, logLevel: logLevel.NOTHING });
  // Big fetches: the shipper's produce requests hold record batches of several MB.
  const consumer = kafka.consumer({ groupId: `ringmatch-drill-${Date.now()}`, maxBytesPerPartition: 64 << 20, maxBytes: 128 << 20 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const h = message.headers ?? {};
      const shard = Number(h.shard?.toString());
      const first = Number(h.seq?.toString());
      const count = Number(h.count?.toString() ?? 1) || 1;
      const marks = seen[shard];
      if (!marks) return;
      for (let q = first; q < first + count; q++) {
        if (q >= marks.length || q <= after[shard]) continue; // beyond what is checked
        if (marks[q] === 1) duplicates++;
        else {
          marks[q] = 1;
          marked++;
        }
      }
    },
  });
  const t = Date.now();
  let lastLog = t;
  while (marked < wanted && Date.now() - t < 300_000) {
    await sleep(100);
    if (Date.now() - lastLog > 5_000) {
      log(`  reading the topic: ${marked.toLocaleString('en-US')} of ${wanted.toLocaleString('en-US')} events`);
      lastLog = Date.now();
    }
  }
  await consumer.disconnect();
  let missing = 0;
  seen.forEach((marks, k) => {
    for (let q = after[k] + 1; q < marks.length; q++) if (marks[q] === 0) missing++;
  });
  return { duplicates, missing, shipped: marked };
}

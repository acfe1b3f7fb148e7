/**
 * Process entry (`npm start`): the threaded engine (risk stage + matching shards on worker
 * threads) behind the uWebSockets.js gateway, with the journal (J) and, when KAFKA_BROKERS is set,
 * Kafka shipping (K); recovers from the journal at start.
 *
 * Options: --config <file> (or RINGMATCH_CONFIG), --duration <seconds> (default: until
 * SIGINT/SIGTERM), --demo <commands/s> built-in demo traffic with a stats line per second (off).
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../engine/config.ts';
import { Engine, shardAgent } from '../engine/engine.ts';
import { Consumer } from '../engine/topology.ts';
import { EventType, Side, codeName } from '../engine/codes.ts';
import { readClordString } from '../engine/command-slot.ts';
import { EVT_ACCOUNT, EVT_CLORD, EVT_CODE, EVT_MAKER_ORDER_ID, EVT_MAKER_STATUS, EVT_ORDER_ID, EVT_STATUS, EVT_TYPE } from '../engine/event-slot.ts';
import { OrderStatus } from '../engine/codes.ts';
import { getI64 } from '../engine/int64.ts';
import { formatUnits } from '../engine/decimal.ts';
import type { SlotHandler } from '../ring/ring.ts';
import { loadConfig } from './config-loader.ts';
import { DemoLoad } from './demo-load.ts';
import { createLogging, logFormat, loggerOptions } from './log.ts';
import { PROBE_ACCOUNT } from './probe.ts';
import { EventPump, engineSource } from './event-pump.ts';
import { GatewayCluster } from './cluster.ts';
import { moduleUrl, startWorker } from '../ring/threads.ts';
import type { ThreadRuntime } from '../ring/threads.ts';
import type { ShipperStats as KafkaStats } from '../persistence/kafka-shipper.ts';
import { durableWord } from '../engine/durability.ts';
import { SnapshotPool } from '../persistence/snapshot-pool.ts';
import { diskUsage } from '../persistence/retention.ts';
import { DEFAULT_SUPERVISOR, Supervisor } from '../engine/supervisor.ts';
import { Recovery } from '../persistence/recovery.ts';
import { DataDirError, lockDataDir } from '../persistence/data-lock.ts';
import { LayoutMismatchError, checkJournalLayout } from '../persistence/journal-layout.ts';
import { journalAt } from '../persistence/durability.ts';

/** Set once the gateway threads run: close the worker threads' sockets before a fatal exit. */
let abortGateways: (() => Promise<void>) | null = null;

/**
 * Exit with `code` after a failure: gateway worker threads close their sockets first (a worker
 * ending with live uWS handles aborts the process — exit 134 instead of the intended code).
 */
function fatalExit(code: number): void {
  logging.flush();
  const hard = setTimeout(() => process.exit(code), 3_000);
  void (abortGateways?.() ?? Promise.resolve()).finally(() => {
    clearTimeout(hard);
    logging.flush(); // what the gateway threads' shutdown logged too
    process.exit(code);
  });
}

// JSON lines, or readable ones on a terminal (LOG_FORMAT): gateway/log.ts.
const format = logFormat();
if (format === null) {
  process.stderr.write(`ringmatch: invalid configuration: LOG_FORMAT ${JSON.stringify(process.env.LOG_FORMAT)} — use "json" or "pretty" (default: pretty on a terminal, json otherwise)\n`);
  process.exit(2);
}
const logging = createLogging(loggerOptions(process.env.LOG_LEVEL ?? 'info'), format);
const log = logging.log;
/** Banner and summary lines, in the run's one format. */
const say = logging.say;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  // Signals are taken from the first moment: one that arrives during start-up (recovery can take a
  // while) stops the server cleanly once it is up, instead of killing it undrained. SIGHUP (terminal
  // closed, or a reload attempt) is handled like SIGTERM: there is no reload.
  let requestStop: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => { requestStop = resolve; });
  process.once('SIGINT', () => requestStop());
  process.once('SIGTERM', () => requestStop());
  process.once('SIGHUP', () => { log.warn('SIGHUP: stopping cleanly (there is no reload; restart to apply a new config)'); requestStop(); });
  let cfg;
  try {
    cfg = loadConfig(process.argv, process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`ringmatch: invalid configuration: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const perRecordText = process.env.KAFKA_EVENTS_PER_RECORD ?? '256';
  const eventsPerRecord = Number(perRecordText);
  if (!Number.isInteger(eventsPerRecord) || eventsPerRecord < 1 || eventsPerRecord > 10_000) {
    process.stderr.write(`ringmatch: invalid configuration: KAFKA_EVENTS_PER_RECORD: ${JSON.stringify(perRecordText)} — use 1 (one EngineEvent per Kafka record) up to 10000 (EngineEventBatch records of up to that many events; default 256)\n`);
    return 2;
  }
  const { spec } = cfg;
  const duration = Number(arg('--duration') ?? 0);
  const rate = Number(arg('--demo') ?? 0);
  log.info({ source: cfg.source, shards: spec.shards, symbols: spec.symbols.map((s) => `${s.name}→M${s.shard}`), idle: spec.idle }, 'starting engine');
  if (cfg.source === 'embedded defaults') {
    say('Development accounts (embedded defaults; not for production):');
    for (const a of spec.accounts) say(`  ${a.name.padEnd(8)} api key ${a.apiKey}`);
  }
  if (cfg.generatedAdminKey) say(`  admin key (generated; set adminKey or ADMIN_KEY): ${cfg.gateway.adminKey}`);
  // Event-ring consumers on this thread: 1 = the gateway, 2 = the demo load (when on).
  const journalDir = join(cfg.dataDir, 'journal');
  const snapshotDir = join(cfg.dataDir, 'snapshots');
  if (cfg.journal) {
    // One process per data folder (a second writer would interleave the journal), and a clear
    // refusal naming the path when the folder cannot be used.
    try {
      const lock = lockDataDir(cfg.dataDir);
      if (lock.tookOverFrom !== null) log.warn({ lock: lock.path, pid: lock.tookOverFrom }, 'data folder lock left by a process that no longer runs: taken over');
      mkdirSync(journalDir, { recursive: true, mode: 0o700 });
      checkJournalLayout(journalDir, spec);
    } catch (e) {
      const msg = e instanceof DataDirError || e instanceof LayoutMismatchError ? e.message : `data folder ${cfg.dataDir}: ${(e as Error).message}: set dataDir or DATA_DIR to a writable folder`;
      process.stderr.write(`ringmatch: ${msg}\n`);
      return 2;
    }
  }
  // Something to recover: shard folders in the journal (layout.json alone is not a journal).
  const recover = cfg.journal && existsSync(journalDir) && readdirSync(journalDir).some((f) => f.startsWith('shard-'));
  // Which snapshot recovery starts from; one that fails its checks is named with the reason and
  // skipped (the threads skip it too and fall back to an older one or the journal alone).
  const snap = recover
    ? Recovery.open(journalDir, spec, snapshotDir, {
      onBadSnapshot: (file, why) => {
        log.warn({ file, why }, 'snapshot skipped: recovery falls back to an older snapshot or the journal');
        process.stderr.write(`ringmatch: snapshot ${file} skipped: ${why}\n`);
      },
    }).snapshot
    : null;
  const t0 = Date.now();
  let engine: Engine;
  try {
    engine = await Engine.start(spec, {
      consumers: rate > 0 ? [Consumer.GATEWAY, Consumer.DEMO] : [Consumer.GATEWAY],
      gatewayThreads: cfg.gateway.gatewayThreads,
      journal: cfg.journal ? journalAt(journalDir, cfg.journalSegmentBytes) : undefined,
      recover,
      snapshotDir,
      ...(snap ? { snapshotSeqs: snap.seqs } : {}),
      onRecoveryProgress: (p) => log.info({ agent: p.agent, shard: p.shard, records: p.records, done: p.done }, 'recovery: replaying the journal'),
    });
  } catch (e) {
    const msg = (e as Error).message;
    const corrupt = /journal .*byte \d+|CRC32C|gap or a duplicate/.test(msg);
    process.stderr.write(`ringmatch: cannot start: ${msg}\n`);
    if (corrupt) {
      process.stderr.write('ringmatch: the journal is damaged and may hold acknowledged orders: nothing was truncated. Keep a copy of the data folder, '
        + `run "npm run journal:verify -- --journal ${journalDir} --config <this config>" for every shard's state, and restore the damaged segment from a replica or backup.\n`);
    }
    log.fatal({ err: e }, 'engine could not start');
    return corrupt ? 4 : 1;
  }
  if (recover) {
    if (snap) say(`starting from snapshot at ${snap.seqs.map((s2, k) => `shard ${k} seq ${s2}`).join(', ')}`, { snapshotSeqs: snap.seqs });
    const replayed = engine.journalOpen?.durable ?? [];
    log.info({ events: replayed, ms: Date.now() - t0 }, 'recovery: books and risk rebuilt from the journal');
    say(`recovered from ${journalDir}: ${replayed.map((n, k) => `shard ${k} ${n} events`).join(', ')} in ${Date.now() - t0} ms`);
  }
  for (const [k, torn] of (engine.journalOpen?.repaired ?? []).entries()) {
    if (torn) log.warn({ shard: k, torn }, 'journal: a torn last record (crash mid-write) was found and truncated');
  }
  engine.onFailure = (agent, error) => log.error({ agent, err: error }, 'engine thread failed');
  engine.onJournalBlocked = (error) => {
    if (error) log.error({ error }, 'journal cannot write: durable orders are refused (JOURNAL_UNAVAILABLE) until it can; retrying');
    else log.warn('journal writing again: orders accepted');
  };
  engine.onAgentPhase = (agent, phase, detail) => {
    if (phase === 'running') log.warn({ agent, restart: detail }, 'engine thread restarted and rebuilt from snapshot + journal');
    else if (phase === 'failed' || phase === 'backoff') log.error({ agent, phase, detail }, 'engine thread restart');
    else log.warn({ agent, phase }, 'engine thread restart');
  };
  // The Kafka shipping thread (K), restarted by its own supervisor if it dies: it resumes from the
  // durably recorded last shipped sequence, so nothing is skipped (and consumers de-duplicate).
  let kafka: { worker: import('node:worker_threads').Worker | null; stats: KafkaStats | null; sup: Supervisor } | null = null;
  let stopping = false;
  if (process.env.KAFKA_BROKERS && cfg.journal) {
    const topic = process.env.KAFKA_TOPIC ?? 'ringmatch.events';
    const brokers = process.env.KAFKA_BROKERS.split(',');
    const startK = async (): Promise<unknown> => {
      const { worker, ready } = await startWorker<{ runtime?: ThreadRuntime }>(moduleUrl('../persistence/kafka.worker.ts', import.meta.url), {
        journalDir, spec, brokers, topic, compression: process.env.KAFKA_COMPRESSION === 'gzip' ? 'gzip' : 'none', eventsPerRecord,
      }, { name: 'K' });
      const k = kafka as NonNullable<typeof kafka>;
      k.worker = worker;
      k.stats = null;
      engine.noteRuntime('K', ready.runtime ?? null);
      worker.on('message', (m: { type?: string; stats?: KafkaStats; transition?: { from: string; to: string; reason: string } }) => {
        if (m.type === 'kafka-stats' && k.worker === worker) k.stats = m.stats ?? null;
        if (m.type === 'kafka-circuit' && m.transition) {
          const t = m.transition;
          log[t.to === 'closed' ? 'warn' : 'error']({ from: t.from, to: t.to, reason: t.reason }, `kafka circuit breaker ${t.to}`);
        }
      });
      let dead = false;
      const died = (err: Error): void => {
        if (dead || stopping) return;
        dead = true;
        log.error({ err }, 'kafka shipping thread failed');
        k.sup.onDeath(0, err);
      };
      worker.on('error', died);
      worker.on('exit', (code) => died(new Error(`K thread exited (code ${code})`)));
      return { type: 'ready' };
    };
    const sup = new Supervisor({
      names: ['K'], cannotRestart: () => null, whileDown: () => {}, blockedOn: () => null, spawn: startK,
      onPhase: (_a, phase, detail) => log[phase === 'running' ? 'warn' : 'error']({ phase, detail }, 'kafka shipping thread restart'),
    }, { ...DEFAULT_SUPERVISOR, minBackoffMs: 500 });
    kafka = { worker: null, stats: null, sup };
    await startK();
    log.info({ brokers: process.env.KAFKA_BROKERS, topic, eventsPerRecord }, 'kafka: shipping the journal');
  } else if (process.env.KAFKA_BROKERS) {
    log.warn('KAFKA_BROKERS is set but the journal is off: Kafka shipping follows the journal, so it is off too');
  }
  // Gateway threads: thread 0 here (with the control plane), the others on workers; each rebuilds
  // its market-data books from snapshot + journal before serving.
  let cluster: GatewayCluster;
  try {
    cluster = await GatewayCluster.start(engine, spec, cfg.gateway, log, { replay: recover ? { journalDir, snapshotDir } : null, logFormat: logging.format });
  } catch (e) {
    await engine.stop();
    process.stderr.write(`ringmatch: cannot start the gateway threads: ${(e as Error).message}\n`);
    return 1;
  }
  abortGateways = () => cluster.abort();
  cluster.onFatal = (thread, error) => {
    process.stderr.write(`ringmatch: fatal: gateway thread ${thread} failed: ${error.message}\n`);
    log.fatal({ thread, err: error }, 'gateway thread failed: exiting');
    fatalExit(70);
  };
  const gateway = cluster.main;
  const control = cluster.control;
  if (recover) log.info({ threads: cluster.threads }, 'recovery: market-data books rebuilt (snapshot + journal)');
  control.kafkaStatus = () => {
    if (!kafka) return { state: 'off' };
    const durable = engine.eventRings.map((_, k) => (engine.journalState ? Atomics.load(engine.journalState, durableWord(k)) >>> 0 : 0));
    const st = kafka.stats;
    const thread = kafka.sup.snapshot()[0];
    if (kafka.sup.up[0] === 0) return { state: 'restarting', restarts: thread.restarts, lastError: thread.lastError };
    return st ? { state: st.state, shipped: st.shipped, lag: durable.map((d, k) => Math.max(0, d - st.shipped[k])), failures: st.failures, lastError: st.lastError, restarts: thread.restarts, circuit: st.circuit } : { state: 'starting', restarts: thread.restarts };
  };
  if (kafka) {
    const k = kafka;
    control.killKafka = async () => {
      if (!k.worker || k.sup.up[0] === 0) throw new Error('K is not running');
      await k.worker.terminate();
    };
  }
  const dataDirs = { journalDir, snapshotDir, archiveDir: join(cfg.dataDir, 'archive') };
  if (cfg.journal) control.diskUsage = () => diskUsage(dataDirs, spec.shards);
  let snapshots: SnapshotPool | null = null;
  let snapshotTimer: NodeJS.Timeout | null = null;
  if (cfg.journal) {
    const pool = new SnapshotPool(1);
    snapshots = pool;
    const take = async (): Promise<unknown> => {
      // Up to what the journal has made durable right now.
      const upTo = engine.eventRings.map((_, k) => (engine.journalState ? Atomics.load(engine.journalState, durableWord(k)) >>> 0 : 0));
      // Bounded disk, on the snapshot's thread too: older snapshots go, and the journal segments no
      // kept snapshot needs (persistence/retention.ts).
      const r = await pool.snapshot(journalDir, snapshotDir, spec, upTo, { options: cfg.retention, archiveDir: dataDirs.archiveDir, shipping: kafka !== null });
      const { retention, ...written } = r;
      log.info(written, 'snapshot written');
      for (const d of retention?.damaged ?? []) log.warn(d, 'retention: damaged snapshot left in place (recovery skips it)');
      if (retention && (retention.segments > 0 || retention.snapshotsRemoved > 0)) log.info({ ...retention, damaged: undefined }, 'retention applied');
      return r;
    };
    control.requestSnapshot = take;
    if (cfg.snapshotIntervalSec > 0) {
      snapshotTimer = setInterval(() => { take().catch((err: unknown) => log.error({ err }, 'periodic snapshot failed')); }, cfg.snapshotIntervalSec * 1000);
      snapshotTimer.unref();
    }
  }
  let port: number;
  try {
    port = await cluster.listen();
  } catch (e) {
    await cluster.close();
    await engine.stop();
    process.stderr.write(`ringmatch: ${(e as Error).message}\n`);
    return 3;
  }
  const scheme = cfg.gateway.tls ? 'wss' : 'ws';
  say(`listening on ${scheme}://${cfg.gateway.host}:${port}/ws  (HTTP: /health /health/deep /health/synthetic /metrics /v1/symbols /v1/book/:symbol /v1/orders /openapi.json)`, { port });
  say(`web console: ${scheme === 'wss' ? 'https' : 'http'}://${cfg.gateway.host}:${port}/`);
  say(`engine: risk stage R + ${spec.shards} matching shard(s); ${cluster.threads} gateway thread(s); journal ${cfg.journal ? journalDir : 'off'}; ack mode ${cfg.gateway.ackMode}`);
  log.info({ port, host: cfg.gateway.host }, 'gateway listening');

  const mm = spec.accounts.findIndex((a) => a.name === 'mm');
  const takers = spec.accounts.map((a) => a.id).filter((id) => id !== mm);
  const demo = rate > 0 && mm >= 0 && takers.length > 0 ? new DemoLoad(engine, spec, rate, mm, takers) : null;
  const counts = new Map<number, number>();
  const rejects = new Map<number, number>();
  let events = 0;
  const handler: SlotHandler = {
    onSlot(w, b) {
      // Synthetic probes are nobody's traffic: not in the demo's numbers either.
      if (w[b + EVT_ACCOUNT] === PROBE_ACCOUNT) return;
      events++;
      const type = w[b + EVT_TYPE];
      counts.set(type, (counts.get(type) ?? 0) + 1);
      if (type === EventType.REJECTED) rejects.set(w[b + EVT_CODE], (rejects.get(w[b + EVT_CODE]) ?? 0) + 1);
      if (!demo || w[b + EVT_ACCOUNT] !== mm) {
        if (demo && type === EventType.TRADE && w[b + EVT_MAKER_STATUS] === OrderStatus.FILLED) demo.onDone(getI64(w, b + EVT_MAKER_ORDER_ID));
        return;
      }
      if (type === EventType.ACCEPTED) demo.onAccepted(readClordString(w, b + EVT_CLORD), getI64(w, b + EVT_ORDER_ID));
      else if (type === EventType.CANCELED || type === EventType.REJECTED || w[b + EVT_STATUS] === OrderStatus.FILLED) demo.onDone(getI64(w, b + EVT_ORDER_ID));
    },
  };
  const pump = demo ? new EventPump(engineSource(engine, Consumer.DEMO), handler) : null;
  pump?.start();
  demo?.start();

  let lastEvents = 0;
  let lastCommands = 0;
  const ticker = !demo ? null : setInterval(() => {
    void (async () => {
      const st = engine.stats();
      const commands = st[0].commands;
      const tops: string[] = [];
      for (const s of spec.symbols) {
        const [bid] = await engine.query<Array<[number, number, number]>>(shardAgent(s.shard), { what: 'depth', symbol: s.id, side: Side.BUY, levels: 1 });
        const [ask] = await engine.query<Array<[number, number, number]>>(shardAgent(s.shard), { what: 'depth', symbol: s.id, side: Side.SELL, levels: 1 });
        const px = (l?: [number, number, number]): string => (l ? `${formatUnits(l[1], s.lot)}@${formatUnits(l[0], s.tick)}` : '-');
        tops.push(`${s.name} ${px(bid)} / ${px(ask)}`);
      }
      say(
        `cmds/s ${commands - lastCommands}  events/s ${events - lastEvents}  trades ${counts.get(EventType.TRADE) ?? 0}  ` +
          `rejects ${[...rejects].map(([c, n]) => `${codeName(c)}:${n}`).join(',') || 0}  busy ${demo?.refused ?? 0}  | ${tops.join('  ')}`,
      );
      lastEvents = events;
      lastCommands = commands;
    })().catch((e: unknown) => log.warn({ err: e }, 'stats query failed'));
  }, 1000);

  if (duration > 0) setTimeout(requestStop, duration * 1000).unref();
  await stopRequested;
  log.info('stopping: no new connections or orders; draining in-flight commands');
  demo?.stop();
  if (ticker) clearInterval(ticker);
  if (snapshotTimer) clearInterval(snapshotTimer);
  await cluster.close();
  await pump?.stop();
  await engine.stop();
  await snapshots?.close();
  if (kafka) {
    const k = kafka;
    stopping = true;
    await k.sup.stop();
    const w = k.worker;
    if (w && k.sup.up[0] === 1) {
      const stopped = new Promise<void>((r) => w.on('message', (m: { type?: string }) => { if (m.type === 'stopped') r(); }));
      w.postMessage({ type: 'stop' });
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 5_000))]);
      await w.terminate();
    }
  }
  const trades = gateway.counters.events.get(EventType.TRADE) ?? 0;
  const summary = { commands: engine.stats()[0].commands, events: [...gateway.counters.events.values()].reduce((a, b) => a + b, 0), trades, demoEvents: events };
  // One line: readable on a terminal, one JSON record (the summary as its fields) otherwise.
  if (logging.format === 'pretty') say(`stopped cleanly: ${JSON.stringify(summary)}`);
  else say('stopped cleanly', summary);
  return 0;
}

// Process-level handlers, decided deliberately. Request and message handlers catch their own
// exceptions (gateway/server.ts); one that still escapes is a bug in code outside any handler, with
// unknown state: log it and exit (the journal holds every acknowledged event; a supervisor or
// operator restarts the process). A rejected promise nobody handled is logged and counted — cold
// paths (stats, snapshots) must not take the order path down.
process.on('uncaughtException', (err) => {
  process.stderr.write(`ringmatch: fatal: uncaught exception: ${err.stack ?? String(err)}\n`);
  log.fatal({ err }, 'uncaught exception: exiting');
  fatalExit(70);
});
process.on('unhandledRejection', (reason) => {
  log.error({ err: reason }, 'unhandled promise rejection (logged; the server carries on)');
});

main().then(
  (code) => {
    logging.flush();
    process.exitCode = code;
    // Refused at start-up (bad config, data folder, port): exit now, whatever threads are up.
    if (code !== 0) process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`ringmatch: fatal: ${e instanceof Error ? e.stack : String(e)}\n`);
    logging.flush();
    // Never hang on live worker threads after a failed start.
    process.exit(1);
  },
);

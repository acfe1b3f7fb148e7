/**
 * G — one uWebSockets.js gateway thread: WebSocket order entry and market data on /ws, HTTP
 * endpoints. Runs on the main thread (thread 0) or a gateway worker (gateway/gateway.worker.ts;
 * gateway/cluster.ts starts them): decodes and validates each frame inside uWS's `message` callback
 * (the ArrayBuffer is neutered when it returns), writes a command slot into this thread's G→R ring
 * (engine/link.ts), and turns the engine's events — every thread reads every event — into
 * execution reports for its own connections and market data for its own subscribers. Cold
 * questions for the engine object (deep health, metrics, snapshots, faults) go to the control
 * plane (gateway/control.ts).
 *
 * This file: the WebSocket handlers, order entry, subscriptions and the report fan-out.
 * Connections and sending: gateway/session.ts. HTTP routes: gateway/http-routes.ts.
 */
import uWS from 'uWebSockets.js';
import type { TemplatedApp, WebSocket, us_listen_socket } from 'uWebSockets.js';
import type { Logger } from 'pino';
import * as hdr from 'hdr-histogram-js';
import { CommandType, EventType, ResultCode, codeName } from '../engine/codes.ts';
import { CMD_ACCOUNT, CMD_CLORD, CMD_END, CMD_INGRESS_TS, CMD_SYMBOL, CMD_SLOT_WORDS, CMD_TYPE, readClordString } from '../engine/command-slot.ts';
import {
  EVT_ACCOUNT, EVT_BATCH_END, EVT_CODE, EVT_CORRELATION, EVT_INGRESS_TS, EVT_TS, EVT_LAST_QTY, EVT_MAKER_ACCOUNT, EVT_SYMBOL, EVT_TYPE } from '../engine/event-slot.ts';
import { Recovery } from '../persistence/recovery.ts';
import { getI64 } from '../engine/int64.ts';
import { stampUs } from '../engine/clock.ts';
import { Engine } from '../engine/engine.ts';
import type { EngineLink } from '../engine/link.ts';
import { latencyHistogram } from './stage-stats.ts';
import type { EngineSpec } from '../engine/config.ts';
import type { SlotHandler } from '../ring/ring.ts';
import { MarketData } from '../feeds/market-data.ts';
import { AccountViews } from '../feeds/accounts.ts';
import { Candles } from '../feeds/candles.ts';
import { CANDLES_SNAPSHOT, Views, intervalParam } from './views.ts';
import { candleTopic } from '../feeds/candles.ts';
import type { CandleInterval } from '../feeds/candles.ts';
import { RestOrders } from './rest.ts';
import { StaticFiles, webRoot } from './static.ts';
import type { Refusal } from './rest.ts';
import { EventPump, linkSource } from './event-pump.ts';
import { Budget, shareOf } from './budget.ts';
import { LocalControl } from './control.ts';
import type { GatewayControl, ThreadStats } from './control.ts';
import {
  GatewayCode, ORDER_ENTRY_TYPES, ORDER_TYPES, ProtocolError, SIDES, STPS, TIFS, encodeOrderEntry, errorObject, makerReportFromEvent, parseJson, refusal,
  reportFromEvent, reportJson, reportUnits, requestId, symbolTable,
} from './protocol.ts';
import { LANE_CANCEL_ALL, LANE_TYPE_NAMES, MAX_REPORT_BYTES, OrderFrameDecoder, ReportWriter } from './json-lane.ts';
import { PendingTable } from './pending.ts';
import { PROBE_ACCOUNT, SyntheticProbe } from './probe.ts';
import type { RejectContext } from './reject-text.ts';
import { decodeBinary, encodeBinary, encodeReportEnvelope } from './proto-codec.ts';
import type { MarketDataMessage, MarketDataSink } from '../feeds/market-data.ts';
import type { ClientMessage, SymbolTable } from './protocol.ts';
import type { GatewayOptions } from './options.ts';
import { Outgoing, Sessions } from './session.ts';
import { registerHttpRoutes } from './http-routes.ts';
export { BOOK_DEPTH_DEFAULT, BOOK_DEPTH_MAX } from './http-routes.ts';
import type { Conn, OutMsg } from './session.ts';

export { DEFAULT_GATEWAY } from './options.ts';
export type { GatewayOptions } from './options.ts';

/** An execution report as messages for the general path: plain, and with the request id echoed. */
interface GeneralReport {
  plain: Outgoing;
  echoed: Outgoing | null;
}

/** Slots of Gateway.clock. */
const RX = 0;
const PASS = 1;
const DECODE = 2;
/** The last CLOCK command's ingress time. */
const TICK = 3;

/** Requests in flight kept per gateway thread (their reports echo the request id). */
const PENDING_CAPACITY = 1 << 16;

const CHANNELS = new Set(['trades', 'bbo', 'book', 'candles', 'ticker', 'executions']);
/** Channels sent as JSON only (no protobuf messages yet). */
const JSON_ONLY_CHANNELS = new Set(['candles', 'ticker']);
/** WebSocket requests answered from the account views (gateway/views.ts), and the type of their answer. */
const VIEW_REQUESTS: Record<string, string> = { get_open_orders: 'orders', get_order: 'order', get_fills: 'fills', get_account: 'account' };

/** A market-data topic ("pb:" + for protobuf readers): channel, candle interval, symbol. Symbol names may hold dots. */
function parseTopic(topic: string): { channel: string; interval: CandleInterval; symbol: string } | null {
  const bare = topic.startsWith('pb:') ? topic.slice(3) : topic;
  const dot = bare.indexOf('.');
  if (dot < 0) return null;
  const channel = bare.slice(0, dot);
  if (channel !== 'candles') return { channel, interval: '1m', symbol: bare.slice(dot + 1) };
  const d = bare.indexOf('.', dot + 1);
  if (d < 0) return null;
  return { channel, interval: bare.slice(dot + 1, d) as CandleInterval, symbol: bare.slice(d + 1) };
}

/** A short, safe description of a client-supplied value for an error message (never recursive). */
function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 40));
  if (v === null || typeof v !== 'object') return String(v).slice(0, 40);
  return Array.isArray(v) ? 'a list' : 'an object';
}

export class Gateway {
  readonly app: TemplatedApp;
  readonly feeds: MarketData;
  /** Account views (feeds/accounts.ts): every account's orders, fills and positions, from the events. */
  readonly accounts: AccountViews;
  /** Candles and tickers (feeds/candles.ts), from the trades. */
  readonly candles: Candles;
  /** The read side as clients see it (gateway/views.ts). */
  readonly views: Views;
  /** REST order entry and account reads (gateway/rest.ts). */
  private readonly rest: RestOrders;
  /** The web console's files (gateway/static.ts), loaded once. */
  private readonly statics = new StaticFiles(webRoot());
  private readonly table: SymbolTable;
  private readonly byKey = new Map<string, number>();
  /** This thread's connections and sending (gateway/session.ts). */
  private readonly sessions: Sessions;
  /** The limits and last prices the words of a refusal come from (gateway/reject-text.ts). */
  private readonly rejectContext: RejectContext;
  /** Requests in flight by correlation id (gateway/pending.ts). */
  private readonly pending: PendingTable;
  /** The JSON order lane (gateway/json-lane.ts): frames decoded and reports encoded on bytes. */
  private readonly lane: OrderFrameDecoder;
  private readonly writer: ReportWriter;
  private readonly scratch = new Int32Array(CMD_SLOT_WORDS);
  private readonly pump: EventPump;
  private listenSocket: us_listen_socket | null = null;
  /** This thread's view of the engine: its command ring, its event cursors, shared flags. */
  readonly link: EngineLink;
  /** Deep health, metrics, snapshots, faults (gateway/control.ts). */
  readonly control: GatewayControl;
  /** The main thread's control plane (null on gateway workers, which forward to it). */
  readonly local: LocalControl | null;
  /** Synthetic transactions (gateway/probe.ts): on the main thread only, null when off. */
  readonly probe: SyntheticProbe | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  /** Tickers are published once a second (gateway/views.ts), for symbols that traded or whose window moved. */
  private tickerTimer: NodeJS.Timeout | null = null;
  private readonly tickerTopics: string[];
  /** The ticker version last published per symbol, and the minute of the last round. */
  private readonly tickerSent: Float64Array;
  private tickerMinute = 0;
  /**
   * Engine time (docs/order-types.md): every `spec.clockIntervalMs` this thread — thread 0, where
   * the synthetic probe sends from too; never a gateway worker — sends a CLOCK command, so GTD
   * orders expire without other traffic. Null when off (0) or on a worker.
   */
  private clockTimer: NodeJS.Timeout | null = null;
  /** CLOCK commands sent (tests, diagnostics). */
  clockTicks = 0;
  /** Correlation ids are unique over every gateway thread: thread g uses g + 1, g + 1 + threads, … */
  private nextCorrelation: number;
  private accepting = true;
  /** Ingress → execution report leaving the gateway, µs (HDR). */
  /** Command committed → execution report handed to uWS, µs (every report; also in /metrics). */
  readonly latency = latencyHistogram();
  /** Stage timings for GET /v1/stats/latency (see gateway/stage-stats.ts); resettable. */
  readonly stages = { decode: latencyHistogram(), match: latencyHistogram(), eventOut: latencyHistogram() };
  /**
   * Clock readings (µs): [RX] when the frame being handled arrived (also its command's ingress
   * time), [PASS] this pass of the event pump (0: not read yet this pass), [DECODE] a decode-stage
   * sample. Each read allocates the clock's own number (16 bytes: performance.now and Date.now
   * return heap numbers), so the order path reads it once per frame and once per pass.
   */
  private readonly clock = new Float64Array(4);
  /** A wake-up of the risk stage is scheduled (setImmediate: after this poll phase's frames). */
  private riskRingPending = false;
  private readonly ringRisk = (): void => {
    this.riskRingPending = false;
    this.link.ringRisk();
  };
  /** Frames taken since start: the decode stage (a second clock read) is sampled 1 in 64. */
  private decodeSamples = 0;
  readonly counters = {
    messages: 0,
    commands: new Map<string, number>(),
    events: new Map<number, number>(),
    rejects: new Map<number, number>(),
    errors: new Map<number, number>(),
    slowConsumerCloses: 0,
    /** Exceptions caught in a message or request handler (server bugs; each answered and logged). */
    handlerErrors: 0,
    /** Public HTTP requests refused (429) for the server-wide budget. */
    publicHttpRefused: 0,
    /** Refusals that arrived as a thrown ProtocolError (cold message types only: subscribe); tests. */
    thrownRefusals: 0,
    /** Connections whose market data was conflated (they fell behind), and resumed with fresh snapshots. */
    conflations: 0,
    conflationResumes: 0,
    /** Authenticated HTTP requests (views and REST orders), retries answered from the views, REST requests the engine never answered. */
    restRequests: 0,
    restReplays: 0,
    restTimeouts: 0,
  };

  /**
   * `engine`: the Engine (main thread: thread 0 with a LocalControl) or a gateway worker's link
   * with the control that forwards to the main thread.
   */
  constructor(
    engine: Engine | EngineLink,
    readonly spec: EngineSpec,
    readonly opts: GatewayOptions,
    private readonly log: Logger,
    control?: GatewayControl,
  ) {
    if (engine instanceof Engine) {
      this.link = engine.link();
      this.local = new LocalControl(engine, opts);
      this.local.gateways.push({ threadStats: async () => this.threadStats(), resetStats: async () => this.resetStats() });
      this.control = this.local;
      const local = this.local;
      if (opts.probe.intervalMs > 0) {
        const shipped = (): number[] | null => {
          const k = local.kafkaStatus();
          return k.state === 'off' ? null : k.shipped ?? [];
        };
        this.probe = new SyntheticProbe(this.link, spec, opts.probe, shipped, log);
        local.probe = this.probe;
      }
    } else {
      if (!control) throw new Error('a gateway worker needs a control plane (the main thread\'s)');
      this.link = engine;
      this.local = null;
      this.control = control;
    }
    this.nextCorrelation = this.link.index + 1;
    this.pending = new PendingTable(PENDING_CAPACITY, this.link.index + 1, this.link.threads);
    this.table = symbolTable(spec);
    this.rejectContext = { spec, lastPrice: (s) => this.feeds.lastPrice(s) };
    this.lane = new OrderFrameDecoder(spec, { sides: SIDES, orderTypes: ORDER_TYPES, tifs: TIFS, stps: STPS });
    this.writer = new ReportWriter(spec);
    this.writer.rejectContext = this.rejectContext;
    for (const a of spec.accounts) if (a.apiKey) this.byKey.set(a.apiKey, a.id);
    this.sessions = new Sessions(spec.accounts.length, opts, log, this.counters, (a) => this.accountName(a));
    this.sessions.onResume = (c) => this.resume(c);
    this.tickerTopics = spec.symbols.map((s) => `ticker.${s.name}`);
    this.tickerSent = new Float64Array(spec.symbols.length).fill(-1);
    this.feeds = new MarketData(spec);
    this.accounts = new AccountViews(spec, opts.views);
    this.candles = new Candles(spec);
    this.views = new Views(spec, this.table, this.accounts, this.candles, this.rejectContext);
    this.views.closedWindow = opts.views.closedPerAccount;
    this.rest = new RestOrders({
      opts, spec, views: this.views, pending: this.pending, log, counters: this.counters, rejectContext: this.rejectContext,
      accountOf: (key) => this.byKey.get(key) ?? -1,
      accepting: () => this.accepting,
      scratch: this.scratch,
      encode: (m, account) => {
        this.scratch.fill(0, 0, CMD_END);
        return encodeOrderEntry(m, this.table, account, this.nextCorrelation, this.scratch, 0) ? null : { code: refusal.code, message: refusal.message };
      },
      submit: (type, allShards) => {
        const i = this.submit(null, type, allShards, undefined, false);
        return i >= 0 ? i : (this.submitRefusal as Refusal);
      },
    });
    const handler: SlotHandler = { onSlot: (w, b) => this.onEvent(w, b) };
    if (opts.ackMode === 'durable' && !this.link.journalState) throw new Error('ackMode "durable" needs the journal (start the engine with a journal directory)');
    this.pump = new EventPump(linkSource(this.link), handler, 1024, opts.ackMode === 'durable' ? this.link.journalState : null);
    this.pump.afterBatch = () => {
      this.sessions.flushQueued();
      this.clock[PASS] = 0;
    };
    // Per-order debug lines build an object each: only when debug logging is on (checked once).
    this.debugLog = log.isLevelEnabled('debug');
    // Server-wide budgets: each gateway thread keeps its share.
    this.snapshotBudget = new Budget(shareOf(opts.snapshotRate, this.link.threads));
    this.publicHttpBudget = new Budget(shareOf(opts.publicHttpRate, this.link.threads));
    this.app = opts.tls ? uWS.SSLApp({ key_file_name: opts.tls.keyFile, cert_file_name: opts.tls.certFile, passphrase: opts.tls.passphrase }) : uWS.App();
    this.routes();
  }

  /**
   * After engine recovery: rebuild the read models from the journal — the market-data books from
   * the newest snapshot and the journal after it; account views and candles from the whole
   * retained journal (their history), settled by the snapshot — so every view answers as before
   * the restart. Call before listen(). Cold.
   */
  replayJournal(dir: string, snapshotDir?: string): number {
    const recovery = Recovery.open(dir, this.spec, snapshotDir);
    const snapshot = recovery.snapshot;
    if (snapshot) {
      for (const st of snapshot.shards) this.feeds.loadResting(st.orders);
      // The risk stage's band reference as restored (the replayed trades move it on, as they move the risk stage's).
      this.feeds.setLastPrices(snapshot.risk.refPrice);
    }
    let n = 0;
    const lastSeq: number[] = [];
    const ns = this.spec.symbols.length;
    for (let k = 0; k < this.spec.shards; k++) {
      // One pass over the whole retained journal: account views and candles keep history, so they
      // read it all; market data starts after the snapshot (it loaded the snapshot's orders), and
      // there the snapshot's open orders and positions settle what the journal no longer has.
      const base = recovery.baseSeq(k);
      let settled = snapshot === null;
      const settle = (): void => {
        settled = true;
        if (snapshot) this.accounts.reconcileShard(k, snapshot.shards[k].orders, (a, s) => snapshot.risk.position[a * ns + s] ?? 0);
      };
      const r = recovery.replay(k, (slot, seq) => {
        if (seq > base) {
          if (!settled) settle();
          this.feeds.onEvent(slot, 0);
        }
        this.accounts.onEvent(slot, 0);
        this.candles.onEvent(slot, 0);
      }, { from: Math.min(recovery.journalStart(k), base) });
      if (!settled) settle();
      n += r.records;
      lastSeq[k] = Math.max(r.lastSeq, base);
    }
    // Recovered state is the starting point: nothing of it is re-published as trades or updates.
    const silent = { publish: () => undefined, wants: () => false };
    this.feeds.flush(silent);
    this.candles.flush(silent);
    this.feeds.resumeSequences(lastSeq, this.opts.ackMode === 'fast' ? this.spec.ringCapacity : 0);
    return n;
  }

  /**
   * Listen on `port` (default: the options'). `shared`: join the other gateway threads on the port
   * (SO_REUSEPORT: the kernel spreads connections); otherwise exclusive — without it uWS listens
   * with SO_REUSEPORT, and a second server on the same port would start "successfully" and take
   * half the connections (gateway/cluster.ts probes exclusively first when threads share).
   */
  listen(port = this.opts.port, shared = false): Promise<number> {
    return new Promise((resolve, reject) => {
      // The typings lack the host + options overload that the native listen accepts;
      // 1 = LIBUS_LISTEN_EXCLUSIVE_PORT, 0 = default (SO_REUSEPORT).
      const listen = this.app.listen as unknown as (host: string, port: number, options: number, cb: (token: us_listen_socket | false) => void) => void;
      listen.call(this.app, this.opts.host, port, shared ? 0 : 1, (token) => {
        if (!token) {
          reject(new Error(`cannot listen on ${this.opts.host}:${port}: the port is in use (another ringmatch?) or not allowed`));
          return;
        }
        this.listenSocket = token;
        this.pump.start();
        this.probe?.start();
        if (this.local !== null && this.spec.clockIntervalMs > 0) {
          this.clockTimer = setInterval(this.sendClock, this.spec.clockIntervalMs);
          this.clockTimer.unref();
        }
        // Close slow consumers with a reason at half the limit, before uWS would cut them at the
        // limit (market data is published to topics, where the per-connection result is not seen).
        this.tickerTimer = setInterval(this.publishTickers, 1_000);
        this.tickerTimer.unref();
        this.sweepTimer = setInterval(() => {
          this.sessions.sweepSlowConsumers();
          this.rest.sweep();
        }, 100);
        this.sweepTimer.unref();
        resolve(uWS.us_socket_local_port(token));
      });
    });
  }

  /** Stop accepting connections and orders; resolves once in-flight work is reported. */
  /** Stop taking connections and orders (events keep flowing to the clients until close()). */
  stopAccepting(): void {
    this.accepting = false;
    if (this.listenSocket) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }

  async close(): Promise<void> {
    this.stopAccepting();
    this.probe?.stop();
    this.rest.closeAll();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.tickerTimer) clearInterval(this.tickerTimer);
    if (this.clockTimer) clearInterval(this.clockTimer);
    this.clockTimer = null;
    const t0 = Date.now();
    while (!this.link.settled() && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 2));
    await this.pump.stop();
    for (const c of this.sessions.conns) c.ws?.end(1001, 'server shutting down');
    this.sessions.conns.clear();
  }

  // ------------------------------------------------------------------ WebSocket

  private routes(): void {
    const app = this.app;
    app.ws<Conn>('/ws', {
      maxPayloadLength: 1024 * 1024,
      maxBackpressure: this.opts.maxBackpressureBytes,
      closeOnBackpressureLimit: 1, // close (with a reason) rather than drop messages silently
      idleTimeout: this.opts.idleTimeoutSec,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        const auth = req.getHeader('authorization');
        let account = -1;
        if (auth) {
          const m = /^Bearer\s+(.+)$/i.exec(auth);
          const a = m ? this.byKey.get(m[1].trim()) : undefined;
          if (a === undefined) {
            res.writeStatus('401 Unauthorized').end(JSON.stringify({ code: GatewayCode.AUTH_FAILED, message: 'unknown API key in Authorization header' }));
            return;
          }
          account = a;
        }
        if (!this.accepting) {
          res.writeStatus('503 Service Unavailable').end('shutting down');
          return;
        }
        const conn = this.sessions.newConn(account, new Budget(this.opts.subscribeRate));
        res.upgrade(conn, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
      },
      open: (ws) => {
        const c = ws.getUserData();
        c.ws = ws;
        this.sessions.conns.add(c);
        if (c.account >= 0) this.addAccountConn(c, c.account);
        this.log.debug({ conn: c.id, account: this.accountName(c.account) }, 'ws open');
      },
      message: (ws, message, isBinary) => this.onMessage(ws, message, isBinary),
      // uWS tells when a send buffer shrank: a conflated reader that drained resumes at once.
      drain: (ws) => {
        try {
          this.sessions.resumeIfDrained(ws.getUserData());
        } catch (e) {
          // As every handler: a bug here is logged and counted, never the end of the process.
          this.counters.handlerErrors++;
          this.log.error({ err: e }, 'drain handler failed');
        }
      },
      close: (ws, code) => {
        const c = ws.getUserData();
        c.closed = true;
        c.ws = null;
        this.sessions.conns.delete(c);
        if (c.account >= 0) {
          this.sessions.removeAccountConn(c.account, c);
          // The account's last connection on any gateway thread: cancel-on-disconnect.
          const before = Atomics.sub(this.link.accountConns, c.account, 1);
          if (before === 1 && this.spec.accounts[c.account].cancelOnDisconnect && this.accepting) this.cancelAllFor(c.account);
        }
        if (code === 1006) this.log.info({ conn: c.id, account: this.accountName(c.account) }, 'ws closed abruptly');
      },
    });
    this.rest.register(this.app);
    registerHttpRoutes({
      views: this.views,
      statics: this.statics,
      app: this.app, opts: this.opts, spec: this.spec, table: this.table, feeds: this.feeds, link: this.link, control: this.control, log: this.log, counters: this.counters, publicHttpBudget: this.publicHttpBudget,
    });
  }

  encodeBinary(msg: OutMsg): Uint8Array {
    return encodeBinary(msg, (name) => this.table.bySymbol.get(name));
  }

  private readonly binaryEncoder = (msg: OutMsg): Uint8Array => this.encodeBinary(msg);

  /** A reply now, in the given encoding (default: the connection's). */
  private send(c: Conn, msg: OutMsg | Outgoing, binary = c.binary): void {
    this.sessions.send(c, msg instanceof Outgoing ? msg : new Outgoing(msg, this.binaryEncoder), binary);
  }

  private sendError(c: Conn, code: number, message: string, id?: string | number, binary?: boolean): void {
    this.counters.errors.set(code, (this.counters.errors.get(code) ?? 0) + 1);
    this.send(c, errorObject(code, message, id), binary);
  }

  /** Market data: JSON subscribers on `topic`, binary ones on `pb:topic`; encode only if anyone listens. */
  private publish(topic: string, msg: MarketDataMessage): void {
    if (this.app.numSubscribers(topic) > 0) this.app.publish(topic, JSON.stringify(msg), false);
    const pb = this.pbTopic(topic);
    if (this.app.numSubscribers(pb) > 0) this.app.publish(pb, this.encodeBinary(msg), true);
  }

  /** Does any connection on this thread read `topic` (JSON or protobuf)? Messages are built only then. */
  private wants(topic: string): boolean {
    return this.app.numSubscribers(topic) > 0 || this.app.numSubscribers(this.pbTopic(topic)) > 0;
  }

  /** The protobuf twin of a market-data topic ("pb:" + topic), made once per topic. */
  private readonly pbTopics = new Map<string, string>();
  private pbTopic(topic: string): string {
    let pb = this.pbTopics.get(topic);
    if (pb === undefined) {
      pb = `pb:${topic}`;
      this.pbTopics.set(topic, pb);
    }
    return pb;
  }

  private onMessage(ws: WebSocket<Conn>, message: ArrayBuffer, isBinary: boolean): void {
    stampUs(this.clock, RX);
    const c = ws.getUserData();
    this.counters.messages++;
    // The frame's arrival time serves the token bucket too (one clock read per frame).
    if (!this.sessions.takeToken(c, this.clock[RX] / 1000)) {
      this.sendError(c, GatewayCode.RATE_LIMITED, `more than ${this.opts.rateLimit.perSecond} messages/s (burst ${this.opts.rateLimit.burst}): slow down`);
      this.sessions.violation(c);
      return;
    }
    if (message.byteLength > this.opts.maxMessageBytes) {
      this.sendError(c, GatewayCode.FRAME_TOO_LARGE, `message of ${message.byteLength} bytes; the limit is ${this.opts.maxMessageBytes}`);
      this.sessions.violation(c);
      return;
    }
    // Answers go back in the frame's encoding; unsolicited messages follow the last frame's.
    c.binary = isBinary;
    let m: ClientMessage | null = null;
    try {
      // Decode before returning: uWS neuters `message` when this callback ends. The one view
      // below is the order path's only allocation on this side (uWS's ArrayBuffer aside).
      const bytes = new Uint8Array(message);
      if (!isBinary && c.account >= 0 && this.accepting && this.laneEntry(c, bytes)) return;
      m = isBinary ? decodeBinary(bytes, this.table) : parseJson(Buffer.from(message).toString('utf8'));
      if (m === null) this.reject(c, refusal.code, refusal.message, refusal.id);
      else this.handle(c, m);
    } catch (e) {
      if (!(e instanceof ProtocolError)) {
        // A bug, not the client's doing: answer, count, log — and keep serving (never rethrow out
        // of a uWS callback: that ends the process and drops every client).
        this.counters.handlerErrors++;
        this.log.error({ err: e, conn: c.id }, 'message handler failed');
        this.sendError(c, GatewayCode.INTERNAL_ERROR, 'the server could not handle this message (logged); the connection stays open', m ? requestId(m) : undefined, isBinary);
        return;
      }
      this.counters.thrownRefusals++;
      this.reject(c, e.code, e.message, e.id);
    }
  }

  /**
   * Answer a refused message with its code. Refusals are answered, not thrown: the order path
   * returns here (cold message types still throw ProtocolError, caught in onMessage). Refusals
   * for the server's own state (saturated, restarting a shard, journal down) are not the client
   * misbehaving; the others count as violations.
   */
  private reject(c: Conn, code: number, message: string, id: string | number | undefined): void {
    this.sendError(c, code, message, id);
    if (code !== GatewayCode.ENGINE_BUSY && code !== GatewayCode.SHARD_RECOVERING && code !== GatewayCode.SHARD_FAILED && code !== GatewayCode.JOURNAL_UNAVAILABLE) this.sessions.violation(c);
  }

  private handle(c: Conn, m: ClientMessage): void {
    const id = requestId(m);
    const type = m.type;
    if (typeof type !== 'string') {
      this.reject(c, GatewayCode.MISSING_FIELD, '"type" is required', id);
      return;
    }
    if (ORDER_ENTRY_TYPES.has(type)) {
      this.orderEntry(c, m, id);
      return;
    }
    switch (type) {
      case 'ping':
        this.send(c, id === undefined ? { type: 'pong' } : { type: 'pong', id });
        return;
      case 'auth': {
        const token = m.token;
        if (typeof token !== 'string') return this.reject(c, GatewayCode.MISSING_FIELD, '"token" (your API key) is required', id);
        const account = this.byKey.get(token);
        if (account === undefined) return this.reject(c, GatewayCode.AUTH_FAILED, 'unknown API key', id);
        if (c.account >= 0 && c.account !== account) return this.reject(c, GatewayCode.ALREADY_AUTHENTICATED, 'this connection is authenticated as another account', id);
        if (c.account < 0) this.addAccountConn(c, account);
        this.send(c, { type: 'auth_ack', account: this.spec.accounts[account].name, gatewayThread: this.link.index, ...(id === undefined ? {} : { id }) });
        return;
      }
      case 'subscribe':
      case 'unsubscribe':
        this.subscription(c, m, id, type === 'subscribe');
        return;
      case 'get_open_orders':
      case 'get_order':
      case 'get_fills':
      case 'get_account':
        this.viewRequest(c, m, type, id);
        return;
      default:
        this.reject(c, GatewayCode.UNKNOWN_TYPE, `unknown message type "${type.slice(0, 40)}"`, id);
    }
  }

  /** The order path: every refusal answered through `reject`, none thrown. */
  private orderEntry(c: Conn, m: ClientMessage, id: string | number | undefined): void {
    if (c.account < 0) return this.reject(c, GatewayCode.NOT_AUTHENTICATED, 'authenticate first: send {"type":"auth","token":"<api key>"} or use an Authorization: Bearer header', id);
    if (!this.accepting) return this.reject(c, GatewayCode.ENGINE_BUSY, 'the server is shutting down', id);
    const s = this.scratch;
    s.fill(0, 0, CMD_END);
    if (!encodeOrderEntry(m, this.table, c.account, this.nextCorrelation, s, 0)) return this.reject(c, refusal.code, refusal.message, refusal.id);
    const type = m.type as string;
    const i = this.submit(c, type, type === 'cancel_all' && m.symbol === undefined, id, false);
    if (i >= 0) this.pending.setIdValue(i, id);
  }

  /**
   * The JSON lane: a text frame the lane decodes (gateway/json-lane.ts) is submitted here with
   * nothing allocated; false when the lane declines it (the general path then decides).
   */
  private laneEntry(c: Conn, bytes: Uint8Array): boolean {
    const lane = this.lane;
    const s = this.scratch;
    s.fill(0, 0, CMD_END);
    const kind = lane.decode(bytes, c.account, this.nextCorrelation, s, 0);
    if (kind === 0) return false;
    const i = this.submit(c, LANE_TYPE_NAMES[kind], kind === LANE_CANCEL_ALL && lane.allShards, undefined, true);
    if (i >= 0 && lane.hasId) this.pending.setIdBytes(i, bytes, lane.idStart, lane.idEnd);
    return true;
  }

  /**
   * Send the command in the scratch slot (encoded with this.nextCorrelation) to the engine, or
   * answer why not. `id`: the request id; `fromLane`: the frame came through the JSON lane, whose
   * id is in its bytes (read from the decoder only then, and only for a refusal: the decoder still
   * holds this very frame). Returns the pending entry, or −1 when refused.
   */
  private submit(c: Conn | null, type: string, allShards: boolean, id: string | number | undefined, fromLane: boolean): number {
    const s = this.scratch;
    const correlation = this.nextCorrelation;
    const link = this.link;
    if (!link.routeUp(s[CMD_SYMBOL])) {
      const down = this.downRefusal(s[CMD_SYMBOL]);
      this.refuseSubmit(c, down.code, down.message, fromLane ? this.lane.idValue() : id);
      return -1;
    }
    // Durable acks promise the journal has the event: while it cannot write, refuse at once and say
    // why, rather than take orders that could never be acknowledged.
    if (this.opts.ackMode === 'durable' && !link.journalWriting()) {
      this.refuseSubmit(c, GatewayCode.JOURNAL_UNAVAILABLE, `the journal cannot write (${this.control.journalError() ?? link.journalStatus()}): nothing was sent to the engine; retry when /health/deep is ok`, fromLane ? this.lane.idValue() : id);
      return -1;
    }
    // A REST request (no connection) has no frame arrival time: it is stamped now.
    if (c === null) stampUs(this.clock, RX);
    const b = link.tryClaimCommand(this.clock[RX]);
    if (b < 0) {
      this.refuseSubmit(c, GatewayCode.ENGINE_BUSY, 'the engine is saturated right now: retry shortly', fromLane ? this.lane.idValue() : id);
      return -1;
    }
    this.nextCorrelation += link.threads;
    const w = link.input.ring.words;
    // Keep the ingress time tryClaimCommand stamped.
    const ts0 = w[b + CMD_INGRESS_TS];
    const ts1 = w[b + CMD_INGRESS_TS + 1];
    for (let i = 0; i < CMD_END; i++) w[b + i] = s[i];
    w[b + CMD_INGRESS_TS] = ts0;
    w[b + CMD_INGRESS_TS + 1] = ts1;
    // Published now, the risk stage woken once per turn of the event loop (every frame uWS handed
    // over in this poll phase), not once per frame.
    link.publishCommands();
    if (!this.riskRingPending) {
      this.riskRingPending = true;
      setImmediate(this.ringRisk);
    }
    if ((++this.decodeSamples & 63) === 1) {
      stampUs(this.clock, DECODE);
      this.stages.decode.recordValue(Math.max(1, this.clock[DECODE] - this.clock[RX]));
    }
    // The correlation id follows the order: it is in the command slot, every event it causes, and these logs.
    if (this.debugLog) this.log.debug({ corr: correlation, conn: c?.id ?? 'http', account: this.spec.accounts[s[CMD_ACCOUNT]].name, type, clientOrderId: readClordString(s, CMD_CLORD) }, 'order received');
    this.counters.commands.set(type, (this.counters.commands.get(type) ?? 0) + 1);
    return this.pending.add(correlation, c, allShards ? this.spec.shards : 1);
  }

  /**
   * One CLOCK command (symbolId −1, account 0, everything else 0; the ingress time stamped as an
   * order's) into this thread's command ring, and the risk stage rung. Allocates nothing but the
   * clock reading (as an order's). Skipped — the next tick tries again — while the server stops,
   * while the risk stage or any shard is down or restarting (as for an all-symbol cancel:
   * routeUp(−1)), and when the ring is full (then orders flow, and each carries the time anyway).
   */
  private readonly sendClock = (): void => {
    const link = this.link;
    if (!this.accepting || !link.routeUp(-1)) return;
    stampUs(this.clock, TICK);
    const b = link.tryClaimCommand(this.clock[TICK]);
    if (b < 0) return;
    const w = link.input.ring.words;
    w[b + CMD_TYPE] = CommandType.CLOCK;
    w[b + CMD_SYMBOL] = -1;
    // Rung at once (a doorbell store, a notify only if the risk stage sleeps): no setImmediate to allocate.
    link.commitCommands();
    this.clockTicks++;
  };

  /** An account's name for log lines (cold): "(none)" before authentication, the id when unknown. */
  private accountName(account: number): string | number {
    return account < 0 ? '(none)' : this.spec.accounts[account]?.name ?? account;
  }

  /** Orders for a shard that is down: why, with what the supervisor is doing about it (cold). */
  private downRefusal(symbol: number): Refusal {
    const down = this.link.down(symbol);
    if (down.failed) return { code: GatewayCode.SHARD_FAILED, message: `${down.failed} failed and cannot be rebuilt (see /health/deep): restart the server` };
    const what = down.agents.join(', ') || 'a shard';
    return { code: GatewayCode.SHARD_RECOVERING, message: `${what} is restarting after a failure: retry shortly (nothing was sent to the engine)` };
  }

  /** The last refusal of a REST submit (read right after submit returned −1). */
  private submitRefusal: Refusal | null = null;

  /** A command that could not be submitted: the connection is answered, or (REST) the refusal kept for the caller. */
  private refuseSubmit(c: Conn | null, code: number, message: string, id: string | number | undefined): void {
    if (c === null) this.submitRefusal = { code, message };
    else this.reject(c, code, message, id);
  }

  private cancelAllFor(account: number): void {
    if (!this.link.submit({ type: CommandType.MASS_CANCEL, symbolId: -1, accountId: account, reason: 0 })) {
      this.log.error({ account: this.accountName(account) }, 'cancel-on-disconnect could not be queued: engine saturated');
      return;
    }
    this.log.info({ account: this.spec.accounts[account].name }, 'cancel-on-disconnect: mass cancel sent');
  }

  /** A connection of `account` opened or authenticated on this thread (counted over every thread). */
  private addAccountConn(c: Conn, account: number): void {
    c.account = account;
    this.sessions.addAccountConn(account, c);
    Atomics.add(this.link.accountConns, account, 1);
  }

  /**
   * subscribe / unsubscribe. Bounded per connection: a token bucket on the requests themselves
   * (each may send a whole book), at most `maxSubscriptions` topics, duplicates ignored (a topic
   * already held gets no second snapshot). Lists are checked by length before any work; book
   * snapshots come from the shared per-change cache (MarketData.snapshot), encoded once per change.
   */
  private subscription(c: Conn, m: ClientMessage, id: string | number | undefined, on: boolean): void {
    if (!c.subscribes.take()) {
      throw new ProtocolError(GatewayCode.RATE_LIMITED, `more than ${this.opts.subscribeRate.perSecond} subscribe/unsubscribe requests/s (burst ${this.opts.subscribeRate.burst}): slow down`, id);
    }
    const channels = m.channels;
    const symbols = m.symbols;
    if (!Array.isArray(channels) || channels.length === 0 || channels.length > CHANNELS.size * 4 || !channels.every((x) => typeof x === 'string' && CHANNELS.has(x))) {
      throw new ProtocolError(GatewayCode.BAD_FIELD, `"channels" must be a non-empty list of ${[...CHANNELS].join(', ')}`, id);
    }
    const wanted = [...new Set(channels as string[])];
    const marketChannels = wanted.filter((x) => x !== 'executions');
    if (wanted.includes('executions') && c.account < 0) throw new ProtocolError(GatewayCode.NOT_AUTHENTICATED, 'the executions channel needs authentication', id);
    if (marketChannels.length > 0 && (!Array.isArray(symbols) || symbols.length === 0)) throw new ProtocolError(GatewayCode.MISSING_FIELD, '"symbols" (a non-empty list) is required for market data', id);
    const list = Array.isArray(symbols) ? (symbols as unknown[]) : [];
    if (list.length > this.opts.maxSubscriptions) throw new ProtocolError(GatewayCode.TOO_MANY_SUBSCRIPTIONS, `at most ${this.opts.maxSubscriptions} symbols per request`, id);
    const specs = [...new Set(list.map((s) => {
      const spec = typeof s === 'string' ? this.table.bySymbol.get(s) : undefined;
      if (!spec) throw new ProtocolError(ResultCode.RISK_UNKNOWN_SYMBOL, `unknown symbol ${describe(s)}`, id);
      return spec;
    }))];
    const interval = wanted.includes('candles') ? intervalParam(m.interval) : '1m';
    if (c.binary && marketChannels.some((x) => JSON_ONLY_CHANNELS.has(x))) {
      throw new ProtocolError(GatewayCode.BAD_FIELD, `${marketChannels.filter((x) => JSON_ONLY_CHANNELS.has(x)).join(' and ')} are sent as JSON only (not yet in protobuf): subscribe from a text frame`, id);
    }
    const topicOf = (ch: string, name: string): string => `${c.binary ? 'pb:' : ''}${ch === 'candles' ? candleTopic(interval, name) : `${ch}.${name}`}`;
    if (on) {
      let adding = 0;
      for (const ch of marketChannels) for (const s of specs) if (!c.topics.has(topicOf(ch, s.name))) adding++;
      if (c.topics.size + adding > this.opts.maxSubscriptions) {
        throw new ProtocolError(GatewayCode.TOO_MANY_SUBSCRIPTIONS, `this would hold ${c.topics.size + adding} topics; the limit is ${this.opts.maxSubscriptions} per connection (unsubscribe first)`, id);
      }
    }
    this.send(c, { type: on ? 'subscribed' : 'unsubscribed', channels: wanted, symbols: specs.map((s) => s.name), ...(wanted.includes('candles') ? { interval } : {}), ...(id === undefined ? {} : { id }) });
    for (const ch of marketChannels) {
      for (const s of specs) {
        const topic = topicOf(ch, s.name);
        // Every send may have closed the connection (slow consumer): re-check before each use.
        if (c.closed || !c.ws) return;
        if (!on) {
          c.paused?.delete(topic);
          if (c.topics.delete(topic)) c.ws.unsubscribe(topic);
          continue;
        }
        if (c.topics.has(topic)) continue; // already live: no second snapshot
        if (c.paused !== null) {
          // A conflated connection gets this topic's snapshot with the others' when it resumes.
          c.topics.add(topic);
          c.paused.add(topic);
          continue;
        }
        if (!this.startTopic(c, topic)) {
          this.sendError(c, GatewayCode.RATE_LIMITED, `server-wide snapshot budget (${this.opts.snapshotRate.perSecond}/s) exhausted: subscribe to ${ch}.${s.name} again shortly`, id);
          continue;
        }
        c.topics.add(topic);
      }
    }
  }

  /**
   * Send a topic's current state — book snapshot, bbo, candles, ticker (trades have none) — and
   * subscribe, in one synchronous turn: no update can fall in between. On subscribe, and for the
   * topics of a conflated connection that resumes. Book and candle snapshots take the server-wide
   * snapshot budget: false (nothing sent, not subscribed) when it is spent.
   */
  private startTopic(c: Conn, topic: string): boolean {
    const t = parseTopic(topic);
    const s = t ? this.table.bySymbol.get(t.symbol) : undefined;
    if (!t || !s) return true;
    if ((t.channel === 'book' || t.channel === 'candles') && !this.snapshotBudget.take()) return false;
    if (t.channel === 'book') this.send(c, this.bookSnapshot(s.id));
    else if (t.channel === 'bbo') this.send(c, this.feeds.bbo(s.id));
    else if (t.channel === 'candles') this.send(c, { type: 'candles_snapshot', symbol: s.name, interval: t.interval, candles: this.candles.latest(s.id, t.interval, CANDLES_SNAPSHOT) });
    else if (t.channel === 'ticker') this.send(c, this.views.tickerMessage(s.id) as unknown as OutMsg);
    if (!c.closed && c.ws) c.ws.subscribe(topic);
    return true;
  }

  /** Once a second: the ticker of every symbol someone reads that traded, or whose 24 h window moved on. */
  private readonly publishTickers = (): void => {
    const now = Date.now();
    const minute = Math.floor(now / 60_000);
    for (let s = 0; s < this.tickerTopics.length; s++) {
      const topic = this.tickerTopics[s];
      if (this.app.numSubscribers(topic) === 0) continue;
      const v = this.candles.tickerVersion(s);
      if (v === this.tickerSent[s] && minute === this.tickerMinute) continue;
      this.tickerSent[s] = v;
      this.app.publish(topic, JSON.stringify(this.views.tickerMessage(s, now)), false);
    }
    this.tickerMinute = minute;
  };

  /**
   * A conflated connection drained (gateway/session.ts): its paused topics start afresh, a few at a
   * time — it stops while the snapshots sent fill half of conflateBytes, or when the snapshot budget
   * is spent, and goes on at the next drain or sweep — so a reader of many deep books is not pushed
   * straight back over the threshold. Live again (conflation over) once none is left.
   */
  private resume(c: Conn): void {
    const paused = c.paused;
    if (paused === null) return;
    for (const topic of paused) {
      if (c.closed || !c.ws) return;
      if (c.ws.getBufferedAmount() > this.opts.conflateBytes / 2) return;
      if (!this.startTopic(c, topic)) return;
      paused.delete(topic);
    }
    this.sessions.resumed(c);
  }

  /** get_open_orders / get_order / get_fills / get_account: answered from this thread's account views. */
  private viewRequest(c: Conn, m: ClientMessage, type: string, id: string | number | undefined): void {
    if (c.account < 0) throw new ProtocolError(GatewayCode.NOT_AUTHENTICATED, 'authenticate first', id);
    if (c.binary) throw new ProtocolError(GatewayCode.BAD_FIELD, `${type} is answered as JSON only (not yet in protobuf): send it in a text frame`, id);
    let answer: Record<string, unknown>;
    try {
      if (type === 'get_open_orders') answer = this.views.orders(c.account, m);
      else if (type === 'get_order') answer = { order: this.views.order(c.account, m) };
      else if (type === 'get_fills') answer = this.views.fills(c.account, m);
      else answer = this.views.account(c.account);
    } catch (e) {
      if (e instanceof ProtocolError) throw new ProtocolError(e.code, e.message, id);
      throw e;
    }
    this.send(c, { type: VIEW_REQUESTS[type], ...answer, ...(id === undefined ? {} : { id }) });
  }

  private readonly debugLog: boolean;
  private readonly snapshotBudget: Budget;
  /** Server-wide public HTTP requests (this thread's share; used by gateway/http-routes.ts). */
  private readonly publicHttpBudget: Budget;

  /** The full book snapshot of a symbol as one shared message, encoded at most once per change. */
  private readonly snapshots = new Map<number, { seq: number; out: Outgoing }>();
  private bookSnapshot(symbol: number): Outgoing {
    const snap = this.feeds.snapshot(symbol);
    const hit = this.snapshots.get(symbol);
    if (hit && hit.seq === snap.seq && hit.out.msg.bids === snap.bids) return hit.out;
    const out = new Outgoing(snap, this.binaryEncoder);
    this.snapshots.set(symbol, { seq: snap.seq, out });
    return out;
  }


  // ------------------------------------------------------------------ events → clients

  /** Market data goes to this thread's subscribers. */
  private readonly mdSink: MarketDataSink = { publish: (topic, msg) => this.publish(topic, msg), wants: (topic) => this.wants(topic) };

  private onEvent(w: Int32Array, b: number): void {
    if (w[b + EVT_ACCOUNT] === PROBE_ACCOUNT) {
      // A synthetic probe's event: the probe's alone (thread 0); counted, published and reported nowhere.
      this.probe?.onEvent(w, b);
      if (w[b + EVT_BATCH_END] === 1) this.endBatch(this.pump.shard);
      return;
    }
    const type = w[b + EVT_TYPE];
    this.counters.events.set(type, (this.counters.events.get(type) ?? 0) + 1);
    this.feeds.onEvent(w, b);
    this.accounts.onEvent(w, b);
    this.candles.onEvent(w, b);
    const correlation = getI64(w, b + EVT_CORRELATION);
    const pending = this.pending;
    let p = pending.find(correlation);
    // This thread's request (WebSocket or REST): its first answer times the stages.
    const timed = p >= 0 && (type === EventType.ACCEPTED || type === EventType.REJECTED);
    // A REST request's event: its reports are collected and answered at the batch end (gateway/rest.ts).
    if (p >= 0 && pending.rest[p] !== null) {
      this.rest.onEvent(p, w, b, this.pump.shard);
      p = -1;
    }
    if (w[b + EVT_BATCH_END] === 1) this.endBatch(this.pump.shard);
    // Times (µs, above 2^31) are read inline, not through getI64: a double that large returned
    // from a call that is not inlined is boxed.
    const ingress = w[b + EVT_INGRESS_TS + 1] * 4294967296 + (w[b + EVT_INGRESS_TS] >>> 0);
    if (timed) {
      // The request's first answer: stage timings from the shard's clock.
      const shardTs = w[b + EVT_TS + 1] * 4294967296 + (w[b + EVT_TS] >>> 0);
      if (ingress > 0 && shardTs >= ingress) {
        this.stages.match.recordValue(Math.max(1, shardTs - ingress));
        this.stages.eventOut.recordValue(Math.max(1, this.now() - shardTs));
      }
    }
    if (type === EventType.MASS_CANCEL_DONE) {
      if (p >= 0) {
        pending.canceled[p] += getI64(w, b + EVT_LAST_QTY);
        if (--pending.remaining[p] <= 0) {
          const id = pending.idValue(p);
          const conn = pending.conn[p] as Conn;
          this.sessions.queue(conn, new Outgoing({ type: 'cancel_all_ack', canceled: pending.canceled[p], ...(id === undefined ? {} : { id }) }, this.binaryEncoder));
          pending.delete(p);
        }
      }
      return;
    }
    if (type === EventType.ADMIN) return;
    if (type === EventType.REJECTED) {
      const code = w[b + EVT_CODE];
      this.counters.rejects.set(code, (this.counters.rejects.get(code) ?? 0) + 1);
      if (this.debugLog) this.log.debug({ corr: correlation, reason: codeName(code), account: this.accountName(w[b + EVT_ACCOUNT]) }, 'order rejected');
    } else if (type === EventType.TRADE) {
      if (this.debugLog) this.log.debug({ corr: correlation, account: this.accountName(w[b + EVT_ACCOUNT]), maker: this.accountName(w[b + EVT_MAKER_ACCOUNT]) }, 'trade');
    }
    const sym = this.spec.symbols[w[b + EVT_SYMBOL]];
    const byAccount = this.sessions.byAccount;
    const account = w[b + EVT_ACCOUNT];
    if (account >= 0 && account < byAccount.length && byAccount[account].length > 0) {
      // The requesting connection also gets the request id echoed.
      const echoTo = p >= 0 && pending.hasId(p) && (pending.conn[p] as Conn).account === account ? pending.conn[p] : null;
      const conns = byAccount[account];
      let general: GeneralReport | null = null;
      for (let i = 0; i < conns.length; i++) {
        const c = conns[i];
        if (this.queueJsonReport(c, w, b, sym, true, c === echoTo ? p : -1)) continue;
        general ??= this.generalReport(w, b, sym, true, echoTo === null ? -1 : p);
        this.sessions.queue(c, c === echoTo && general.echoed ? general.echoed : general.plain);
      }
      if (ingress > 0) this.latency.recordValue(Math.max(1, this.now() - ingress));
    }
    if (type === EventType.TRADE) {
      const maker = w[b + EVT_MAKER_ACCOUNT];
      if (maker >= 0 && maker < byAccount.length && byAccount[maker].length > 0) {
        const conns = byAccount[maker];
        let general: GeneralReport | null = null;
        for (let i = 0; i < conns.length; i++) {
          if (this.queueJsonReport(conns[i], w, b, sym, false, -1)) continue;
          general ??= this.generalReport(w, b, sym, false, -1);
          this.sessions.queue(conns[i], general.plain);
        }
      }
    }
  }

  /**
   * Shard k's batch ends here (EVT_BATCH_END, whoever's event carries it): publish its market data
   * and candles (the same batches on every thread) and answer the REST requests it answered.
   */
  private endBatch(k: number): void {
    this.feeds.flushShard(k, this.mdSink);
    this.candles.flushShard(k, this.mdSink);
    if (this.rest.due !== 0) this.rest.onBatchEnd(k);
  }

  /** The clock for this pass of the event pump (read at most once per pass). */
  private now(): number {
    if (this.clock[PASS] === 0) stampUs(this.clock, PASS);
    return this.clock[PASS];
  }

  /**
   * The JSON lane's report for one connection: encoded straight into the outbox arena. False when
   * this connection needs the general path (protobuf, or a report the byte writer leaves to it).
   */
  private queueJsonReport(c: Conn, w: Int32Array, b: number, sym: EngineSpec['symbols'][number] | undefined, taker: boolean, p: number): boolean {
    const sessions = this.sessions;
    // A closed connection needs nothing (true); a protobuf one the general path (false).
    if (!sessions.wantsJson(c)) return c.ws === null || c.closed;
    const pending = this.pending;
    if (p >= 0 && pending.idLen[p] === 0) return false;
    const out = sessions.reserve(MAX_REPORT_BYTES);
    const start = sessions.arenaPos;
    let pos = taker ? this.writer.taker(out, start, w, b, sym) : this.writer.maker(out, start, w, b, sym);
    if (pos < 0) return false;
    if (p >= 0) pos = this.writer.id(out, pos, pending.idBytes, pending.idAt(p), pending.idAt(p) + pending.idLen[p]);
    sessions.commitBytes(c, this.writer.close(out, pos));
    return true;
  }

  /** A report the JSON lane left (protobuf connections, rare values): objects, encoded once per encoding. `p`: the pending entry whose id is echoed, or −1. */
  private generalReport(w: Int32Array, b: number, sym: EngineSpec['symbols'][number] | undefined, taker: boolean, p: number): GeneralReport {
    const u = reportUnits();
    const report = taker ? reportFromEvent(w, b, sym, undefined, u, this.rejectContext) : makerReportFromEvent(w, b, sym, u);
    const plain = new Outgoing(report as unknown as OutMsg, this.binaryEncoder, reportJson(report), () => encodeReportEnvelope(report, u, undefined));
    const rid = p >= 0 ? this.pending.idValue(p) : undefined;
    const echoed = rid !== undefined ? new Outgoing({ ...report, id: rid } as unknown as OutMsg, this.binaryEncoder, reportJson(report, rid), () => encodeReportEnvelope(report, u, rid)) : null;
    return { plain, echoed };
  }

  // ------------------------------------------------------------------ HTTP

  /** This thread's counters and histograms, for the control plane (cold). */
  threadStats(): ThreadStats {
    const c = this.counters;
    return {
      thread: this.link.index, connections: this.sessions.conns.size, messages: c.messages, slowConsumerCloses: c.slowConsumerCloses, handlerErrors: c.handlerErrors,
      publicHttpRefused: c.publicHttpRefused, conflations: c.conflations, conflationResumes: c.conflationResumes, restRequests: c.restRequests,
      restReplays: c.restReplays, restTimeouts: c.restTimeouts, views: this.accounts.stats(), commands: [...c.commands], events: [...c.events], rejects: [...c.rejects], errors: [...c.errors],
      latency: hdr.encodeIntoCompressedBase64(this.latency), decode: hdr.encodeIntoCompressedBase64(this.stages.decode),
      match: hdr.encodeIntoCompressedBase64(this.stages.match), eventOut: hdr.encodeIntoCompressedBase64(this.stages.eventOut),
    };
  }

  /** Clear this thread's stage histograms (POST /v1/admin/stats/reset). */
  resetStats(): void {
    for (const h of [this.stages.decode, this.stages.match, this.stages.eventOut, this.latency]) h.reset();
  }

  /** The Prometheus text (cold; the main thread builds it from every gateway thread's stats). */
  async metrics(): Promise<string> {
    return (await this.control.ask({ what: 'metrics' })).body;
  }


}

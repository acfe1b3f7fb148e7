/**
 * Gateway sessions: one record per WebSocket connection (account, rate-limit bucket, violations,
 * subscriptions, encoding), the connections of each account on this thread, and sending — replies
 * at once, event-driven reports queued per connection and sent corked after each event batch (one
 * write, not one per message), slow consumers closed with a reason before uWS would drop them.
 *
 * Queued reports are either encoded bytes (the JSON lane, gateway/json-lane.ts: written straight
 * into this thread's outbox arena, copied into a send buffer and handed to uWS through a view of
 * that exact length, taken from a cache: nothing allocated per message) or Outgoing objects (every
 * other message). One FIFO per connection keeps them in order; the arena is reused every batch.
 */
import type { WebSocket } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { Budget } from './budget.ts';
import { nowUs } from '../engine/clock.ts';
import type { GatewayOptions } from './options.ts';

export interface Conn {
  id: number;
  account: number;
  tokens: number;
  refillAt: number;
  violations: number;
  /** Start of the current violation window (ms). */
  violationsSince: number;
  /** Subscribe/unsubscribe requests (token bucket). */
  subscribes: Budget;
  /** Market-data topics this connection holds (subscribed in uWS unless conflated). */
  topics: Set<string>;
  /**
   * Conflated (fell behind on market data): the topics it holds that are paused — unsubscribed in
   * uWS — until its send buffer drains; then a fresh snapshot per topic and live updates again.
   * Null while it is live.
   */
  paused: Set<string> | null;
  /** Bytes unsent when it was conflated (its own reports may add up to half the limit on top). */
  conflatedBytes: number;
  closed: boolean;
  ws: WebSocket<Conn> | null;
  /** Encoding for messages the client did not ask for (reports, market data): its last frame's. */
  binary: boolean;
  /** Messages queued during an event batch (entries of Sessions' outbox, −1: none), sent corked together after it. */
  qHead: number;
  qTail: number;
}

export type OutMsg = Record<string, unknown> & { type: string };


/** One outgoing message, encoded at most once per encoding however many connections get it. */
export class Outgoing {
  private bin: Uint8Array | null = null;
  constructor(
    readonly msg: OutMsg,
    /** The generic binary encoder (gateway/proto-codec.ts), used when no direct one is given. */
    private readonly encodeBinary: (msg: OutMsg) => Uint8Array,
    /** The JSON text when the caller built it already (execution reports). */
    private json: string | null = null,
    /** A direct binary encoder (execution reports), instead of the generic one. */
    private readonly toBinary: (() => Uint8Array) | null = null,
  ) {}
  encoded(binary: boolean): string | Uint8Array {
    if (binary) return (this.bin ??= this.toBinary ? this.toBinary() : this.encodeBinary(this.msg));
    return (this.json ??= JSON.stringify(this.msg));
  }
}


/** Messages up to this size are sent through a cached view of the send buffer (reports are ~400 bytes). */
const VIEW_CACHE_BYTES = 4096;

export class Sessions {
  readonly conns = new Set<Conn>();
  /** This thread's connections of each account (reports go to all of them). */
  readonly byAccount: Conn[][];
  /** Connections with queued messages: dirty[0, dirtyCount) (a count, not `length = 0`, which frees the array's storage). */
  private readonly dirty: Array<Conn | null> = [];
  private dirtyCount = 0;
  private nextConn = 1;

  /** Encoded messages of this batch (bytes [0, arenaPos)); grows by doubling, reused every batch. */
  arena = new Uint8Array(1 << 16);
  /** Where the next message is written (see reserve / commitBytes). */
  arenaPos = 0;
  /** Queue entries: bytes [eOff, eOff + eLen) of the arena, or eObj; eNext links a connection's FIFO. */
  private eOff = new Int32Array(1024);
  private eLen = new Int32Array(1024);
  private eNext = new Int32Array(1024);
  private eObj: Array<Outgoing | null> = new Array<Outgoing | null>(1024).fill(null);
  private eCount = 0;
  /** One message at a time is copied here and sent through views[length] (uWS copies what it is given). */
  private readonly sendBuf = new Uint8Array(VIEW_CACHE_BYTES);
  private readonly views: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(VIEW_CACHE_BYTES + 1).fill(undefined);
  /** The connection flushCorked sends (set before each cork: one bound callback, no closure per flush). */
  private flushing: Conn | null = null;
  private readonly flushCorked = (): void => this.flushOne();

  constructor(
    accounts: number,
    private readonly opts: GatewayOptions,
    private readonly log: Logger,
    private readonly counters: { slowConsumerCloses: number; conflations: number; conflationResumes: number },
    /** An account's name for log lines. */
    private readonly accountName: (account: number) => string | number = (a) => a,
  ) {
    this.byAccount = Array.from({ length: accounts }, () => []);
  }

  /** A record for a connection being upgraded (`account` −1 until it authenticates). */
  newConn(account: number, subscribes: Budget): Conn {
    const now = Date.now();
    return {
      // The token bucket runs on the frames' clock (engine/clock.ts, monotonic); violations on the wall clock.
      id: this.nextConn++, account, tokens: this.opts.rateLimit.burst, refillAt: nowUs() / 1000, violations: 0, violationsSince: now,
      subscribes, topics: new Set(), paused: null, conflatedBytes: 0, closed: false, ws: null, binary: false, qHead: -1, qTail: -1,
    };
  }

  addAccountConn(account: number, c: Conn): void {
    this.byAccount[account].push(c);
  }

  removeAccountConn(account: number, c: Conn): void {
    const list = this.byAccount[account];
    const i = list.indexOf(c);
    if (i >= 0) list.splice(i, 1);
  }

  /**
   * Send in the given encoding (default: the connection's preferred one). Goes through the
   * connection record, never a bare WebSocket: a send can close the socket (backpressure limit)
   * and uWS throws on any later access to a closed one — the close handler marks `c.closed`.
   */
  send(c: Conn, out: Outgoing, binary = c.binary): void {
    const ws = c.ws;
    if (!ws || c.closed) return;
    const data = out.encoded(binary);
    try {
      ws.cork(() => {
        if (ws.send(data, binary) === 2) this.slowConsumer(c, 'send buffer full');
      });
    } catch (e) {
      // Exceptional, not control flow: uWS closed the socket (backpressure limit) before its
      // close callback marked the record. Mark it, log it, carry on with everyone else.
      c.closed = true;
      c.ws = null;
      this.log.warn({ conn: c.id, err: e }, 'send on a socket uWS had closed');
    }
  }

  /** Event path: queue for the connection; `flushQueued` sends each connection's queue in one corked write. */
  queue(c: Conn, msg: Outgoing): void {
    if (!c.ws || c.closed) return;
    this.link(c, this.entry(0, 0, msg));
  }

  /**
   * Room for `bytes` more at arena[arenaPos…] (grows the arena when needed: a rare, amortized
   * allocation). Write the message there, then commitBytes.
   */
  reserve(bytes: number): Uint8Array {
    if (this.arenaPos + bytes > this.arena.length) {
      const grown = new Uint8Array(Math.max(this.arena.length * 2, this.arenaPos + bytes));
      grown.set(this.arena.subarray(0, this.arenaPos));
      this.arena = grown;
    }
    return this.arena;
  }

  /** Queue arena bytes [arenaPos, end) for the connection (a JSON text message). */
  commitBytes(c: Conn, end: number): void {
    const start = this.arenaPos;
    this.arenaPos = end;
    if (!c.ws || c.closed) return;
    this.link(c, this.entry(start, end - start, null));
  }

  /** Does the connection want reports as JSON bytes (open, JSON encoding)? */
  wantsJson(c: Conn): boolean {
    return !c.binary && c.ws !== null && !c.closed;
  }

  private entry(off: number, len: number, obj: Outgoing | null): number {
    if (this.eCount === this.eOff.length) {
      const n = this.eCount * 2;
      const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const g = new Int32Array(n);
        g.set(a);
        return g;
      };
      this.eOff = grow(this.eOff);
      this.eLen = grow(this.eLen);
      this.eNext = grow(this.eNext);
      for (let i = this.eObj.length; i < n; i++) this.eObj.push(null);
    }
    const e = this.eCount++;
    this.eOff[e] = off;
    this.eLen[e] = len;
    this.eNext[e] = -1;
    this.eObj[e] = obj;
    return e;
  }

  private link(c: Conn, e: number): void {
    if (c.qHead < 0) {
      c.qHead = e;
      if (this.dirtyCount === this.dirty.length) this.dirty.push(c);
      else this.dirty[this.dirtyCount] = c;
      this.dirtyCount++;
    } else {
      this.eNext[c.qTail] = e;
    }
    c.qTail = e;
  }

  /** After each batch of events: one cork (one write syscall) per connection that has messages. */
  flushQueued(): void {
    const dirty = this.dirty;
    for (let i = 0; i < this.dirtyCount; i++) {
      const c = dirty[i] as Conn;
      dirty[i] = null;
      const ws = c.ws;
      if (ws && !c.closed) {
        this.flushing = c;
        try {
          ws.cork(this.flushCorked);
        } catch (e) {
          // As in send(): uWS closed the socket (backpressure limit) before its close callback ran.
          c.closed = true;
          c.ws = null;
          this.log.warn({ conn: c.id, err: e }, 'send on a socket uWS had closed');
        }
      }
      c.qHead = -1;
      c.qTail = -1;
    }
    this.dirtyCount = 0;
    this.flushing = null;
    for (let e = 0; e < this.eCount; e++) this.eObj[e] = null;
    this.eCount = 0;
    this.arenaPos = 0;
  }

  /** Inside the cork: the flushing connection's queue, in order. */
  private flushOne(): void {
    const c = this.flushing;
    const ws = c?.ws;
    if (!c || !ws) return;
    const binary = c.binary;
    for (let e = c.qHead; e >= 0; e = this.eNext[e]) {
      const obj = this.eObj[e];
      let r: number;
      if (obj !== null) {
        r = ws.send(obj.encoded(binary), binary);
      } else {
        r = ws.send(this.bytesOf(this.eOff[e], this.eLen[e]), false);
      }
      if (r === 2) {
        this.slowConsumer(c, 'send buffer full');
        return;
      }
    }
  }

  /** Arena bytes as a view of exactly that length: a cached view of the send buffer (copied in). */
  private bytesOf(off: number, len: number): Uint8Array {
    const arena = this.arena;
    if (len > VIEW_CACHE_BYTES) return arena.slice(off, off + len);
    const buf = this.sendBuf;
    for (let i = 0; i < len; i++) buf[i] = arena[off + i];
    let v = this.views[len];
    if (v === undefined) {
      v = buf.subarray(0, len);
      this.views[len] = v;
    }
    return v;
  }

  /** The per-connection order-entry token bucket (inline: no allocation; `nowMs`: the frame's arrival, ms). */
  takeToken(c: Conn, nowMs: number): boolean {
    const now = nowMs;
    const { perSecond, burst } = this.opts.rateLimit;
    if (now > c.refillAt) {
      c.tokens = Math.min(burst, c.tokens + ((now - c.refillAt) * perSecond) / 1000);
      c.refillAt = now;
    }
    if (c.tokens < 1) return false;
    c.tokens -= 1;
    return true;
  }

  /** A refused message; too many within the window close the connection (1008). */
  violation(c: Conn): void {
    const now = Date.now();
    if (now - c.violationsSince > this.opts.violationWindowMs) {
      c.violationsSince = now;
      c.violations = 0;
    }
    if (++c.violations >= this.opts.maxViolations && !c.closed && c.ws) {
      const ws = c.ws;
      c.closed = true;
      this.log.warn({ conn: c.id, account: this.accountName(c.account) }, 'closing: too many refused messages');
      ws.end(1008, 'too many refused messages (rate limit or malformed input)');
    }
  }

  /**
   * Resend what a conflated connection missed, topic by topic, and subscribe it again (the
   * gateway's: it knows the snapshots). Called once its buffer has drained.
   */
  onResume: ((c: Conn) => void) | null = null;

  /**
   * Every 100 ms: conflate market-data readers that fell behind (more than conflateBytes unsent),
   * resume the ones that drained, and close — with a reason — connections that cannot take even
   * their own reports (half the limit unsent, on top of what was queued when conflated).
   */
  sweepSlowConsumers(): void {
    const half = this.opts.maxBackpressureBytes / 2;
    for (const c of this.conns) {
      const ws = c.ws;
      if (!ws || c.closed) continue;
      const unsent = ws.getBufferedAmount();
      if (unsent > half + c.conflatedBytes) this.slowConsumer(c, `${unsent} bytes unsent`);
      else if (c.paused === null && unsent > this.opts.conflateBytes && c.topics.size > 0) this.conflate(c, unsent);
      else if (c.paused !== null) this.resumeIfDrained(c);
    }
  }

  /** Stop sending market data to a connection that fell behind (its topics are kept to resume). */
  conflate(c: Conn, unsent: number): void {
    const ws = c.ws;
    if (!ws || c.closed || c.paused !== null) return;
    c.paused = new Set(c.topics);
    c.conflatedBytes = unsent;
    for (const t of c.topics) ws.unsubscribe(t);
    this.counters.conflations++;
    this.log.info({ conn: c.id, account: this.accountName(c.account), unsent, topics: c.topics.size }, 'market data conflated: the reader fell behind');
  }

  /** A conflated connection whose buffer drained (to an eighth of conflateBytes, at most 64 KiB) gets its snapshots (onResume). */
  resumeIfDrained(c: Conn): void {
    const ws = c.ws;
    if (!ws || c.closed || c.paused === null) return;
    if (ws.getBufferedAmount() > Math.min(64 * 1024, this.opts.conflateBytes / 8)) return;
    this.onResume?.(c);
  }

  /** Every paused topic of a conflated connection started again: it is live. */
  resumed(c: Conn): void {
    if (c.paused === null) return;
    c.paused = null;
    c.conflatedBytes = 0;
    this.counters.conflationResumes++;
  }

  slowConsumer(c: Conn, why: string): void {
    if (c.closed || !c.ws) return;
    c.closed = true;
    this.counters.slowConsumerCloses++;
    this.log.warn({ conn: c.id, account: this.accountName(c.account), why }, 'closing slow consumer');
    c.ws.end(1008, `slow consumer: ${why}; reconnect and reconcile your orders`);
  }
}

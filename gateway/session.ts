/**
 * Gateway sessions: one record per WebSocket connection (account, rate-limit bucket, violations,
 * subscriptions, encoding), the connections of each account on this thread, and sending — replies
 * at once, event-driven reports queued per connection and sent corked after each event batch (one
 * write, not one per message), slow consumers closed with a reason before uWS would drop them.
 */
import type { WebSocket } from 'uWebSockets.js';
import type { Logger } from 'pino';
import type { Budget } from './budget.ts';
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
  /** Market-data topics this connection is subscribed to. */
  topics: Set<string>;
  closed: boolean;
  ws: WebSocket<Conn> | null;
  /** Encoding for messages the client did not ask for (reports, market data): its last frame's. */
  binary: boolean;
  /** Reports queued during an event batch, sent corked together after it (one write, not one per message). */
  outbox: Outgoing[];
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


export class Sessions {
  readonly conns = new Set<Conn>();
  /** This thread's connections of each account (reports go to all of them). */
  readonly byAccount: Array<Set<Conn>>;
  private readonly dirty: Conn[] = [];
  private nextConn = 1;

  constructor(
    accounts: number,
    private readonly opts: GatewayOptions,
    private readonly log: Logger,
    private readonly counters: { slowConsumerCloses: number },
  ) {
    this.byAccount = Array.from({ length: accounts }, () => new Set<Conn>());
  }

  /** A record for a connection being upgraded (`account` −1 until it authenticates). */
  newConn(account: number, subscribes: Budget): Conn {
    const now = Date.now();
    return {
      id: this.nextConn++, account, tokens: this.opts.rateLimit.burst, refillAt: now, violations: 0, violationsSince: now,
      subscribes, topics: new Set(), closed: false, ws: null, binary: false, outbox: [],
    };
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
    if (c.outbox.length === 0) this.dirty.push(c);
    c.outbox.push(msg);
  }

  /** After each batch of events: one cork (one write syscall) per connection that has reports. */
  flushQueued(): void {
    const dirty = this.dirty;
    for (let i = 0; i < dirty.length; i++) {
      const c = dirty[i];
      const box = c.outbox;
      c.outbox = [];
      const ws = c.ws;
      if (!ws || c.closed) continue;
      const binary = c.binary;
      try {
        ws.cork(() => {
          for (let j = 0; j < box.length; j++) {
            if (ws.send(box[j].encoded(binary), binary) === 2) {
              this.slowConsumer(c, 'send buffer full');
              return;
            }
          }
        });
      } catch (e) {
        // As in send(): uWS closed the socket (backpressure limit) before its close callback ran.
        c.closed = true;
        c.ws = null;
        this.log.warn({ conn: c.id, err: e }, 'send on a socket uWS had closed');
      }
    }
    dirty.length = 0;
  }

  /** The per-connection order-entry token bucket (inline: no allocation). */
  takeToken(c: Conn): boolean {
    const now = Date.now();
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
      this.log.warn({ conn: c.id, account: c.account }, 'closing: too many refused messages');
      ws.end(1008, 'too many refused messages (rate limit or malformed input)');
    }
  }

  sweepSlowConsumers(): void {
    const half = this.opts.maxBackpressureBytes / 2;
    for (const c of this.conns) {
      if (c.ws && !c.closed && c.ws.getBufferedAmount() > half) this.slowConsumer(c, `${c.ws.getBufferedAmount()} bytes unsent`);
    }
  }

  slowConsumer(c: Conn, why: string): void {
    if (c.closed || !c.ws) return;
    c.closed = true;
    this.counters.slowConsumerCloses++;
    this.log.warn({ conn: c.id, account: c.account, why }, 'closing slow consumer');
    c.ws.end(1008, `slow consumer: ${why}; reconnect and reconcile your orders`);
  }
}

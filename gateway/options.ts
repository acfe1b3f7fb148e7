/**
 * The gateway's settings and their defaults — apart from the server, so that loading a config does
 * not load the network stack (uWebSockets.js).
 */
export interface GatewayOptions {
  host: string;
  port: number;
  adminKey: string;
  /** Largest client message in bytes; larger ones get FRAME_TOO_LARGE (the connection stays). */
  maxMessageBytes: number;
  /** Token bucket per connection. */
  rateLimit: { perSecond: number; burst: number };
  /**
   * After this many refused messages (rate limit or garbage) within `violationWindowMs`, the
   * connection is closed (a continuous flood that gets a token through now and then still counts).
   */
  maxViolations: number;
  violationWindowMs: number;
  /** Market-data topics one connection may hold (a channel of a symbol each). */
  maxSubscriptions: number;
  /** Subscribe/unsubscribe requests per second per connection (each subscribe may send a full book). */
  subscribeRate: { perSecond: number; burst: number };
  /**
   * Server-wide budgets that bound what unauthenticated traffic can cost the order-entry thread,
   * however many connections it opens: book snapshots sent on subscribe, and public HTTP requests
   * (everything but /health and admin routes). Over budget: RATE_LIMITED / 429.
   */
  snapshotRate: { perSecond: number; burst: number };
  publicHttpRate: { perSecond: number; burst: number };
  /** Per-connection send buffer limit; a connection over it is closed with a reason. */
  maxBackpressureBytes: number;
  /**
   * Conflation (docs/protocol.md): a connection with more than this many bytes unsent stops
   * getting market data; once it drains it gets a fresh book snapshot and the latest bbo, ticker
   * and candle of each topic it holds, then live updates again. Execution reports are never
   * conflated (a connection that cannot take them is closed at half of maxBackpressureBytes).
   */
  conflateBytes: number;
  /** Account views (feeds/accounts.ts): recently closed orders and fills kept per account. */
  views: { closedPerAccount: number; fillsPerAccount: number };
  idleTimeoutSec: number;
  tls?: { keyFile: string; certFile: string; passphrase?: string };
  /** `fast`: reports leave after matching. `durable`: only after the journal fsynced the event. */
  ackMode: 'fast' | 'durable';
  /** Enables POST /v1/admin/fault/kill/:thread (chaos drills; admin key required). Default off. */
  faultInjection: boolean;
  /**
   * Threads that serve WebSocket and HTTP (gateway/cluster.ts): the main thread plus this many − 1
   * workers, all listening on the port (SO_REUSEPORT; the kernel spreads connections). Default:
   * one per 4 cores, at least 1 (1 on a 2-core box). Server-wide budgets are split between them.
   */
  gatewayThreads: number;
  /**
   * Synthetic transactions (gateway/probe.ts): an order and its cancel per shard every
   * `intervalMs` (0 = off) through the whole pipeline; failed if not confirmed within `timeoutMs`.
   */
  probe: { intervalMs: number; timeoutMs: number };
}

export const DEFAULT_GATEWAY: GatewayOptions = {
  host: '127.0.0.1', port: 9001, adminKey: '', maxMessageBytes: 16 * 1024, rateLimit: { perSecond: 2_000, burst: 4_000 },
  maxViolations: 1_000, violationWindowMs: 10_000, maxSubscriptions: 256, subscribeRate: { perSecond: 20, burst: 50 },
  snapshotRate: { perSecond: 100, burst: 200 }, publicHttpRate: { perSecond: 1_000, burst: 2_000 }, maxBackpressureBytes: 4 * 1024 * 1024, conflateBytes: 512 * 1024, views: { closedPerAccount: 1_000, fillsPerAccount: 1_000 }, idleTimeoutSec: 120, ackMode: 'fast', faultInjection: false,
  gatewayThreads: 1, probe: { intervalMs: 5_000, timeoutMs: 2_000 },
};

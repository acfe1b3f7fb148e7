/**
 * Process configuration: JSON file (`--config <path>` or RINGMATCH_CONFIG) over embedded
 * defaults, then environment overrides. Cold path; errors name the field and the fix.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { ConfigError, compileConfig, demoConfig } from '../engine/config.ts';
import { MAX_GATEWAY_THREADS } from '../engine/topology.ts';
import type { EngineConfig, EngineSpec } from '../engine/config.ts';
import { DEFAULT_GATEWAY } from './options.ts';
import type { GatewayOptions } from './options.ts';
import { DEFAULT_RETENTION } from '../persistence/retention.ts';
import type { RetentionOptions } from '../persistence/retention.ts';

/** The JSON file: engine settings plus the process and gateway settings below. */
export interface FileConfig extends EngineConfig {
  listen?: { host?: string; port?: number };
  dataDir?: string;
  adminKey?: string;
  maxMessageBytes?: number;
  rateLimit?: { perSecond?: number; burst?: number };
  /** Refused messages within `violationWindowMs` (10 s) that close a connection (default 1,000). */
  maxViolations?: number;
  /** Market-data topics (channel × symbol) per connection (default 256). */
  maxSubscriptions?: number;
  /** Subscribe/unsubscribe requests per second per connection (default 20, burst 50). */
  subscribeRate?: { perSecond?: number; burst?: number };
  /** Book snapshots per second, server-wide (default 100, burst 200). */
  snapshotRate?: { perSecond?: number; burst?: number };
  /** Public HTTP requests per second, server-wide (default 1,000, burst 2,000; /health and admin excluded). */
  publicHttpRate?: { perSecond?: number; burst?: number };
  /** Gateway threads (default: one per 4 cores, at least 1). GATEWAY_THREADS overrides. */
  gatewayThreads?: number;
  /** Enables POST /v1/admin/fault/kill/:thread for drills (default false). */
  faultInjection?: boolean;
  /** Synthetic probes: every intervalMs (default 5,000; 0 = off; RINGMATCH_PROBE_INTERVAL_MS overrides), failed after timeoutMs (default 2,000). */
  probe?: { intervalMs?: number; timeoutMs?: number };
  maxBackpressureBytes?: number;
  /** Unsent bytes past which a connection's market data is conflated (default 524,288; below maxBackpressureBytes / 2). */
  conflateBytes?: number;
  /** Account views: recently closed orders and fills kept per account (default 1,000 each). */
  views?: { closedPerAccount?: number; fillsPerAccount?: number };
  tls?: { keyFile: string; certFile: string; passphrase?: string };
  /** Journal every event under dataDir/journal (default true). */
  journal?: boolean;
  /** `fast` or `durable` (see README). */
  ackMode?: 'fast' | 'durable';
  /** Build a snapshot every this many seconds (0 = only on demand). Default 600. */
  snapshotIntervalSec?: number;
  /**
   * After each snapshot (persistence/retention.ts): keep this many valid snapshots (default 3) and
   * archive (default), delete or keep the journal segments no kept snapshot needs.
   */
  retention?: { keepSnapshots?: number; journal?: 'archive' | 'delete' | 'keep' };
  /** Journal segment size in MiB (default 256): retention moves whole segments. */
  journalSegmentMB?: number;
}

export interface ProcessConfig {
  engine: EngineConfig;
  spec: EngineSpec;
  gateway: GatewayOptions;
  dataDir: string;
  source: string;
  /** True when the admin key was generated at start (print it). */
  generatedAdminKey: boolean;
  journal: boolean;
  snapshotIntervalSec: number;
  retention: RetentionOptions;
  journalSegmentBytes: number;
}

function positiveInt(v: unknown, field: string, dflt: number, max = 1 << 30): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new ConfigError(field, `expected a whole number in [1, ${max}], got ${JSON.stringify(v)}`, `set ${field} to a positive integer`);
  }
  return v;
}

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): ProcessConfig {
  const i = argv.indexOf('--config');
  const path = i >= 0 ? argv[i + 1] : env.RINGMATCH_CONFIG;
  let engine: FileConfig = demoConfig();
  let source = 'embedded defaults';
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError('--config', `cannot read ${path}: ${(e as Error).message}`, 'pass the path of a readable JSON file');
    }
    try {
      engine = JSON.parse(text) as FileConfig;
    } catch (e) {
      throw new ConfigError('--config', `${path} is not valid JSON: ${(e as Error).message}`, 'fix the JSON syntax');
    }
    source = path;
  }
  if (env.RINGMATCH_SHARDS) engine.shards = Number(env.RINGMATCH_SHARDS);
  if (env.RINGMATCH_IDLE) engine.idle = env.RINGMATCH_IDLE as EngineConfig['idle'];
  const spec = compileConfig(engine);
  const host = engine.listen?.host ?? DEFAULT_GATEWAY.host;
  if (typeof host !== 'string' || host.length === 0) throw new ConfigError('listen.host', `invalid host ${JSON.stringify(host)}`, 'use e.g. "127.0.0.1"');
  const portText = env.PORT ?? engine.listen?.port;
  const port = portText === undefined ? DEFAULT_GATEWAY.port : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(env.PORT ? 'PORT' : 'listen.port', `invalid port ${JSON.stringify(portText)}`, 'use a port number 0-65535 (0 = any free port)');
  let adminKey = env.ADMIN_KEY ?? engine.adminKey ?? '';
  const generatedAdminKey = adminKey === '';
  if (generatedAdminKey) adminKey = `dev-admin-${randomBytes(9).toString('base64url')}`;
  if (engine.tls && (typeof engine.tls.keyFile !== 'string' || typeof engine.tls.certFile !== 'string')) {
    throw new ConfigError('tls', 'needs "keyFile" and "certFile"', 'give the paths of a PEM key and certificate, or remove "tls"');
  }
  const journal = engine.journal ?? true;
  if (typeof journal !== 'boolean') throw new ConfigError('journal', `expected true or false, got ${JSON.stringify(journal)}`, 'set "journal": true (default) or false');
  // Default: durable when journaling (an ack promises the event is on disk), else fast.
  const ackMode = env.ACK_MODE ?? engine.ackMode ?? (journal ? 'durable' : 'fast');
  if (ackMode !== 'fast' && ackMode !== 'durable') throw new ConfigError(env.ACK_MODE ? 'ACK_MODE' : 'ackMode', `unknown ack mode ${JSON.stringify(ackMode)}`, 'use "fast" or "durable"');
  if (ackMode === 'durable' && !journal) throw new ConfigError('ackMode', '"durable" needs the journal, which is off', 'set "journal": true or use "fast"');
  const gateway: GatewayOptions = {
    ...DEFAULT_GATEWAY,
    host,
    port,
    adminKey,
    maxMessageBytes: positiveInt(engine.maxMessageBytes, 'maxMessageBytes', DEFAULT_GATEWAY.maxMessageBytes, 1 << 20),
    rateLimit: {
      perSecond: positiveInt(engine.rateLimit?.perSecond, 'rateLimit.perSecond', DEFAULT_GATEWAY.rateLimit.perSecond),
      burst: positiveInt(engine.rateLimit?.burst, 'rateLimit.burst', DEFAULT_GATEWAY.rateLimit.burst),
    },
    maxViolations: positiveInt(engine.maxViolations, 'maxViolations', DEFAULT_GATEWAY.maxViolations),
    maxSubscriptions: positiveInt(engine.maxSubscriptions, 'maxSubscriptions', DEFAULT_GATEWAY.maxSubscriptions, 1 << 16),
    subscribeRate: {
      perSecond: positiveInt(engine.subscribeRate?.perSecond, 'subscribeRate.perSecond', DEFAULT_GATEWAY.subscribeRate.perSecond),
      burst: positiveInt(engine.subscribeRate?.burst, 'subscribeRate.burst', DEFAULT_GATEWAY.subscribeRate.burst),
    },
    snapshotRate: {
      perSecond: positiveInt(engine.snapshotRate?.perSecond, 'snapshotRate.perSecond', DEFAULT_GATEWAY.snapshotRate.perSecond),
      burst: positiveInt(engine.snapshotRate?.burst, 'snapshotRate.burst', DEFAULT_GATEWAY.snapshotRate.burst),
    },
    publicHttpRate: {
      perSecond: positiveInt(engine.publicHttpRate?.perSecond, 'publicHttpRate.perSecond', DEFAULT_GATEWAY.publicHttpRate.perSecond),
      burst: positiveInt(engine.publicHttpRate?.burst, 'publicHttpRate.burst', DEFAULT_GATEWAY.publicHttpRate.burst),
    },
    maxBackpressureBytes: positiveInt(engine.maxBackpressureBytes, 'maxBackpressureBytes', DEFAULT_GATEWAY.maxBackpressureBytes),
    conflateBytes: positiveInt(engine.conflateBytes, 'conflateBytes', DEFAULT_GATEWAY.conflateBytes),
    views: {
      closedPerAccount: positiveInt(engine.views?.closedPerAccount, 'views.closedPerAccount', DEFAULT_GATEWAY.views.closedPerAccount, 1_000_000),
      fillsPerAccount: positiveInt(engine.views?.fillsPerAccount, 'views.fillsPerAccount', DEFAULT_GATEWAY.views.fillsPerAccount, 1_000_000),
    },
    tls: engine.tls,
    ackMode,
    faultInjection: env.RINGMATCH_FAULT_INJECTION === '1' || env.RINGMATCH_FAULT_INJECTION === 'true' || engine.faultInjection === true,
    probe: {
      intervalMs: wholeMs(env.RINGMATCH_PROBE_INTERVAL_MS ?? engine.probe?.intervalMs, env.RINGMATCH_PROBE_INTERVAL_MS !== undefined ? 'RINGMATCH_PROBE_INTERVAL_MS' : 'probe.intervalMs', DEFAULT_GATEWAY.probe.intervalMs, 0),
      timeoutMs: wholeMs(engine.probe?.timeoutMs, 'probe.timeoutMs', DEFAULT_GATEWAY.probe.timeoutMs, 1),
    },
  };
  if (gateway.conflateBytes >= gateway.maxBackpressureBytes / 2) {
    throw new ConfigError('conflateBytes', `${gateway.conflateBytes} is not below half of maxBackpressureBytes (${gateway.maxBackpressureBytes})`, 'conflation must start before a connection is closed for its own reports');
  }
  const threadsText = env.GATEWAY_THREADS ?? engine.gatewayThreads;
  const gatewayThreads = threadsText === undefined ? defaultGatewayThreads() : Number(threadsText);
  if (!Number.isInteger(gatewayThreads) || gatewayThreads < 1 || gatewayThreads > MAX_GATEWAY_THREADS) {
    throw new ConfigError(env.GATEWAY_THREADS ? 'GATEWAY_THREADS' : 'gatewayThreads', `expected a whole number from 1 to ${MAX_GATEWAY_THREADS}, got ${JSON.stringify(threadsText)}`, 'use 1 on small boxes; about one per 4 cores on big ones');
  }
  gateway.gatewayThreads = gatewayThreads;
  const snapshotIntervalSec = engine.snapshotIntervalSec === 0 ? 0 : positiveInt(engine.snapshotIntervalSec, 'snapshotIntervalSec', 600, 7 * 86_400);
  const journalRetention = engine.retention?.journal ?? DEFAULT_RETENTION.journal;
  if (journalRetention !== 'archive' && journalRetention !== 'delete' && journalRetention !== 'keep') {
    throw new ConfigError('retention.journal', `unknown value ${JSON.stringify(journalRetention)}`, 'use "archive" (move to dataDir/archive), "delete" or "keep"');
  }
  const retention: RetentionOptions = { keepSnapshots: positiveInt(engine.retention?.keepSnapshots, 'retention.keepSnapshots', DEFAULT_RETENTION.keepSnapshots, 1000), journal: journalRetention };
  const journalSegmentBytes = positiveInt(engine.journalSegmentMB, 'journalSegmentMB', 256, 4096) * 1024 * 1024;
  return { engine, spec, gateway, dataDir: env.DATA_DIR ?? engine.dataDir ?? './data', source, generatedAdminKey, journal, snapshotIntervalSec, retention, journalSegmentBytes };
}

/** A duration in whole milliseconds (≥ min, ≤ one hour), or the default when absent. */
function wholeMs(v: unknown, field: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > 3_600_000) throw new ConfigError(field, `expected whole milliseconds from ${min} to 3600000, got ${JSON.stringify(v)}`, min === 0 ? 'e.g. 5000; 0 turns it off' : 'e.g. 2000');
  return n;
}

/** One gateway thread per 4 cores, at least one (the engine's own threads need the rest). */
export function defaultGatewayThreads(): number {
  return Math.min(MAX_GATEWAY_THREADS, Math.max(1, Math.floor(availableParallelism() / 4)));
}

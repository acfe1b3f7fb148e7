/** Start the engine + gateway on 127.0.0.1 with an ephemeral port, for integration tests. */
import { afterAll, afterEach } from 'vitest';
import pino from 'pino';
import { Client } from './ws-client.ts';
import { compileConfig, demoConfig } from '../engine/config.ts';
import type { EngineConfig } from '../engine/config.ts';
import { Engine } from '../engine/engine.ts';
import type { EngineOptions } from '../engine/engine.ts';
import { DEFAULT_GATEWAY } from '../gateway/server.ts';
import type { Gateway, GatewayOptions } from '../gateway/server.ts';
import { GatewayCluster } from '../gateway/cluster.ts';

export interface Server {
  engine: Engine;
  /** Gateway thread 0 (the main thread's). */
  gateway: Gateway;
  cluster: GatewayCluster;
  port: number;
  url: string;
  http: string;
  stop(): Promise<void>;
}

export const ADMIN_KEY = 'test-admin-key';

export async function startServer(over: Partial<GatewayOptions> = {}, cfg: EngineConfig = demoConfig(), engineOpts: EngineOptions = {}): Promise<Server> {
  const spec = compileConfig(cfg);
  const opts = { ...DEFAULT_GATEWAY, port: 0, adminKey: ADMIN_KEY, ...over };
  const engine = await Engine.start(spec, { gatewayThreads: opts.gatewayThreads, ...engineOpts });
  let cluster: GatewayCluster;
  let port: number;
  try {
    cluster = await GatewayCluster.start(engine, spec, opts, pino({ level: 'silent' }));
    port = await cluster.listen();
  } catch (e) {
    await engine.stop();
    throw e;
  }
  return {
    engine, gateway: cluster.main, cluster, port, url: `ws://127.0.0.1:${port}/ws`, http: `http://127.0.0.1:${port}`,
    async stop() {
      await cluster.close();
      await engine.stop();
    },
  };
}

/**
 * Servers and clients that clean themselves up: after each test (`'each'`) or after the file
 * (`'all'`, for a server shared by a describe's tests). Call at module top level.
 */
export function gatewayHarness(scope: 'each' | 'all' = 'each'): {
  server: (...args: Parameters<typeof startServer>) => Promise<Server>;
  connect: (srv: Server, apiKey?: string) => Promise<Client>;
  track: (stoppable: { stop(): Promise<void> }) => void;
  trackClient: (c: Client) => void;
} {
  const servers: Array<{ stop(): Promise<void> }> = [];
  const clients: Client[] = [];
  (scope === 'each' ? afterEach : afterAll)(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  return {
    async server(...args) {
      const s = await startServer(...args);
      servers.push(s);
      return s;
    },
    async connect(srv, apiKey) {
      const c = await Client.connect(srv.url, apiKey);
      clients.push(c);
      return c;
    },
    track: (x) => { servers.push(x); },
    trackClient: (c) => { clients.push(c); },
  };
}

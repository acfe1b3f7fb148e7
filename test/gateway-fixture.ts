/** Start the engine + gateway on 127.0.0.1 with an ephemeral port, for integration tests. */
import pino from 'pino';
import { compileConfig, demoConfig } from '../engine/config.ts';
import type { EngineConfig } from '../engine/config.ts';
import { Engine } from '../engine/engine.ts';
import { DEFAULT_GATEWAY, Gateway } from '../gateway/server.ts';
import type { GatewayOptions } from '../gateway/server.ts';

export interface Server {
  engine: Engine;
  gateway: Gateway;
  port: number;
  url: string;
  http: string;
  stop(): Promise<void>;
}

export const ADMIN_KEY = 'test-admin-key';

export async function startServer(over: Partial<GatewayOptions> = {}, cfg: EngineConfig = demoConfig()): Promise<Server> {
  const spec = compileConfig(cfg);
  const engine = await Engine.start(spec);
  const gateway = new Gateway(engine, spec, { ...DEFAULT_GATEWAY, port: 0, adminKey: ADMIN_KEY, ...over }, pino({ level: 'silent' }));
  const port = await gateway.listen();
  return {
    engine, gateway, port, url: `ws://127.0.0.1:${port}/ws`, http: `http://127.0.0.1:${port}`,
    async stop() {
      await gateway.close();
      await engine.stop();
    },
  };
}

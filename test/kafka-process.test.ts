import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerUnavailable, startKafka } from './kafka-mock.ts';
import { startServerProcess } from './server-process.ts';
import type { ServerProcess } from './server-process.ts';

const missing = brokerUnavailable();
if (missing && process.env.CI === 'true') throw new Error(`CI=true: ${missing}`);

describe.skipIf(missing !== null)(`npm start with KAFKA_BROKERS${missing ? ` — SKIPPED: ${missing}` : ''}`, () => {
  it('ships the journal from its own thread and reports state and lag in /health/deep and /metrics', async () => {
    const kafka = await startKafka();
    const dataDir = mkdtempSync(join(tmpdir(), 'ringmatch-kp-'));
    await kafka.topic('ringmatch.events', 1);
    let server: ServerProcess | null = null;
    let code: number | null = null;
    try {
      server = await startServerProcess({ DATA_DIR: dataDir, KAFKA_BROKERS: kafka.brokers.join(','), LOG_LEVEL: 'warn', ADMIN_KEY: 'drill-key', RINGMATCH_FAULT_INJECTION: '1' }, ['--demo', '3000'], { compiled: false });
      const port = server.port;
      let health: { kafka?: { state?: string; shipped?: number[]; lag?: number[] } } = {};
      const t1 = Date.now();
      while (Date.now() - t1 < 30_000) {
        health = (await (await fetch(`http://127.0.0.1:${port}/health/deep`)).json()) as typeof health;
        if (health.kafka?.state === 'running' && (health.kafka.shipped?.[0] ?? 0) > 100) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(health.kafka).toMatchObject({ state: 'running' });
      expect(health.kafka?.shipped?.[0]).toBeGreaterThan(100);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^ringmatch_kafka_up 1$/m);
      expect(metrics).toMatch(/^ringmatch_kafka_lag_events\{shard="0"\} \d+$/m);

      // Drill: kill the Kafka thread, then the matching shard, over the admin API; both come back.
      const kill = (thread: string, key = 'drill-key'): Promise<Response> => fetch(`http://127.0.0.1:${port}/v1/admin/fault/kill/${thread}`, { method: 'POST', headers: { 'x-admin-key': key } });
      expect((await kill('K', 'wrong')).status).toBe(403);
      expect((await kill('X9')).status).toBe(404);
      const before = health.kafka?.shipped?.[0] ?? 0;
      expect((await kill('K')).status).toBe(202);
      let h2: { status?: string; kafka?: { state?: string; shipped?: number[]; restarts?: number }; supervisor?: Array<{ agent: string; restarts: number; phase: string }> } = {};
      const t2 = Date.now();
      while (Date.now() - t2 < 30_000) {
        h2 = (await (await fetch(`http://127.0.0.1:${port}/health/deep`)).json()) as typeof h2;
        if (h2.kafka?.state === 'running' && h2.kafka.restarts === 1 && (h2.kafka.shipped?.[0] ?? 0) > before) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(h2.kafka).toMatchObject({ state: 'running', restarts: 1 });
      expect(h2.kafka?.shipped?.[0]).toBeGreaterThan(before);
      expect((await kill('M0')).status).toBe(202);
      const t3 = Date.now();
      while (Date.now() - t3 < 30_000) {
        h2 = (await (await fetch(`http://127.0.0.1:${port}/health/deep`)).json()) as typeof h2;
        if (h2.status === 'ok' && h2.supervisor?.find((a) => a.agent === 'M0')?.restarts === 1) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(h2.status).toBe('ok');
      expect(h2.supervisor?.find((a) => a.agent === 'M0')).toMatchObject({ phase: 'running', restarts: 1 });
    } finally {
      code = (await server?.stop()) ?? null;
      await kafka.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(code).toBe(0);
    expect(server.out()).toMatch(/stopped cleanly/);
  }, 90_000);
});

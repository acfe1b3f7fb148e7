import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerUnavailable, startKafka } from './kafka-mock.ts';

const missing = brokerUnavailable();
if (missing && process.env.CI === 'true') throw new Error(`CI=true: ${missing}`);
const MAIN = new URL('../gateway/main.ts', import.meta.url).pathname;

describe.skipIf(missing !== null)(`npm start with KAFKA_BROKERS${missing ? ` — SKIPPED: ${missing}` : ''}`, () => {
  it('ships the journal from its own thread and reports state and lag in /health/deep and /metrics', async () => {
    const kafka = await startKafka();
    const dataDir = mkdtempSync(join(tmpdir(), 'ringmatch-kp-'));
    await kafka.topic('ringmatch.events', 1);
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--demo', '3000'], {
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, KAFKA_BROKERS: kafka.brokers.join(','), LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    try {
      const t0 = Date.now();
      while (!/listening on ws:\/\/127\.0\.0\.1:(\d+)/.test(out) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
      const port = Number(/listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
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
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await kafka.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(out).toMatch(/stopped cleanly/);
  }, 90_000);
});

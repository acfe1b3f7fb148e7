import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { compileConfig, demoConfig } from '../engine/config.ts';
import { CommandType, OrderType, Side, TimeInForce } from '../engine/codes.ts';
import { EngineEventBatchWriter, encodeEngineEvent } from '../persistence/event-codec.ts';
import { brokerUnavailable, startKafka } from './kafka-mock.ts';

const missing = brokerUnavailable();
if (missing && process.env.CI === 'true') throw new Error(`CI=true: ${missing}`);
const CLI = new URL('../persistence/audit-cli.ts', import.meta.url).pathname;

describe.skipIf(missing !== null)(`npm run audit${missing ? ` — SKIPPED: ${missing}` : ''}`, () => {
  it('prints the engine\'s state hash and routes an undecodable record to the dead-letter topic', async () => {
    const k = await startKafka();
    try {
      await k.topic('ringmatch.events', 1);
      await k.topic('ringmatch.events.dlq', 1);
      const spec = compileConfig(demoConfig());
      const eng = new InlineEngine(spec);
      const values: Buffer[] = [];
      const slots: Array<[number, Int32Array]> = [];
      eng.onEvent((w, b, s) => {
        slots.push([s, w.slice(b, b + EVT_SLOT_WORDS)]);
        values.push(Buffer.from(encodeEngineEvent(s, w.slice(b, b + EVT_SLOT_WORDS), 0)));
      });
      for (let i = 0; i < 300; i++) {
        eng.submit({ type: CommandType.NEW, symbolId: i % 3, accountId: i % 3, side: i % 2 ? Side.SELL : Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: spec.symbols[i % 3].referencePrice + (i % 7) - 3, qty: 1 + (i % 4), clientOrderId: `a${i}` });
      }
      const kafka = new Kafka({ clientId: 't', brokers: k.brokers, logLevel: logLevel.NOTHING });
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      // Events 50…149 as two EngineEventBatch records (what KAFKA_EVENTS_PER_RECORD > 1 ships), the rest one per record.
      const batch = (from: number, to: number): { value: Buffer; headers: Record<string, string> } => {
        const bw = new EngineEventBatchWriter();
        for (const s of slots.slice(from, to)) bw.add(s[0], s[1], 0);
        return { value: Buffer.from(bw.finish()), headers: { shard: '0', seq: String(from + 1), count: String(to - from) } };
      };
      await producer.send({ topic: 'ringmatch.events', messages: [...values.slice(0, 50).map((value) => ({ value })), { value: Buffer.from('garbage') }, batch(50, 100), batch(100, 150), ...values.slice(150).map((value) => ({ value }))] });
      await producer.disconnect();
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--brokers', k.brokers.join(','), '--from-beginning', '--idle-exit', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      const final = JSON.parse(/^final (.+)$/m.exec(out)?.[1] ?? '{}') as { applied: number; undecodable: number; stateHash: string[]; openGaps: unknown[] };
      expect(code).toBe(0);
      expect(final).toMatchObject({ applied: values.length, undecodable: 1, openGaps: [] });
      expect(final.stateHash).toEqual(eng.shards.map((s) => s.stateHash()));
      const dlq: Array<{ value: string; reason: string }> = [];
      const c = kafka.consumer({ groupId: 'dlq-reader' });
      await c.connect();
      await c.subscribe({ topic: 'ringmatch.events.dlq', fromBeginning: true });
      await c.run({ eachMessage: async ({ message }) => { dlq.push({ value: String(message.value), reason: String(message.headers?.reason) }); } });
      const t0 = Date.now();
      while (dlq.length === 0 && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 50));
      await c.disconnect();
      expect(dlq).toHaveLength(1);
      expect(dlq[0].value).toBe('garbage');
      expect(dlq[0].reason.length).toBeGreaterThan(0);
    } finally {
      await k.stop();
    }
  }, 90_000);
});

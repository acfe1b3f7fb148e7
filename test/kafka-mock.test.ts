import { describe, expect, it } from 'vitest';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { brokerUnavailable, startKafka } from './kafka-mock.ts';

const missing = brokerUnavailable();
if (missing && process.env.CI === 'true') throw new Error(`CI=true: ${missing}`);

describe.skipIf(missing !== null)(`Kafka test broker${missing ? ` — SKIPPED: ${missing}` : ''}`, () => {
  it('speaks the Kafka protocol to kafkajs: produce, consume, survive a broker outage', async () => {
    const k = await startKafka();
    try {
      await k.topic('smoke', 1);
      const kafka = new Kafka({ clientId: 'ringmatch-test', brokers: k.brokers, logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({ topic: 'smoke', messages: [{ key: 'a', value: 'one' }, { key: 'b', value: 'two' }] });
      const consumer = kafka.consumer({ groupId: 'smoke-test' });
      await consumer.connect();
      await consumer.subscribe({ topic: 'smoke', fromBeginning: true });
      const got: string[] = [];
      await consumer.run({ eachMessage: async ({ message }) => { got.push(String(message.value)); } });
      const t0 = Date.now();
      while (got.length < 2 && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual(['one', 'two']);
      await consumer.disconnect();
      // Outage: sends fail while the broker is down and work again once it is up.
      await k.down();
      await expect(producer.send({ topic: 'smoke', acks: -1, timeout: 500, messages: [{ value: 'lost?' }] })).rejects.toThrow();
      await k.up();
      await producer.send({ topic: 'smoke', messages: [{ value: 'three' }] });
      await producer.disconnect();
      // A fresh reader sees exactly what was acknowledged.
      const reader = kafka.consumer({ groupId: 'smoke-reader' });
      await reader.connect();
      await reader.subscribe({ topic: 'smoke', fromBeginning: true });
      const all: string[] = [];
      await reader.run({ eachMessage: async ({ message }) => { all.push(String(message.value)); } });
      const t1 = Date.now();
      while (all.length < 3 && Date.now() - t1 < 15_000) await new Promise((r) => setTimeout(r, 50));
      expect(all).toEqual(['one', 'two', 'three']);
      await reader.disconnect();
    } finally {
      await k.stop();
    }
  }, 60_000);
});

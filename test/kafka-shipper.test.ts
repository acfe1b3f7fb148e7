import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { decodeEvent } from '../engine/event-slot.ts';
import { Engine, shardAgent } from '../engine/engine.ts';
import { replayOnlyShard } from '../engine/matching-shard.ts';
import { decodeEngineEvent } from '../persistence/event-codec.ts';
import { KafkaJsSink } from '../persistence/event-sink.ts';
import type { EventSink } from '../persistence/event-sink.ts';
import { readJournal } from '../persistence/journal.ts';
import { KafkaShipper } from '../persistence/kafka-shipper.ts';
import { Audit } from '../persistence/audit.ts';
import { EventCollector, submitAndSettle } from './engine-events.ts';
import { testSpec } from './fixtures.ts';
import { brokerUnavailable, startKafka } from './kafka-mock.ts';
import { richStream } from './streams.ts';
import { journalAt } from '../persistence/durability.ts';
import { until } from './wait.ts';

const missing = brokerUnavailable();
if (missing && process.env.CI === 'true') throw new Error(`CI=true: ${missing}`);


describe.skipIf(missing !== null)(`Kafka event stream${missing ? ` — SKIPPED: ${missing}` : ''}`, () => {
  it('ships every journaled event in order, rides out a broker outage, and the topic rebuilds the engine\'s books', async () => {
    const kafka = await startKafka();
    const dir = mkdtempSync(join(tmpdir(), 'ringmatch-kafka-'));
    const spec = testSpec();
    const engine = await Engine.start(spec, { journal: journalAt(dir) });
    // Every send attempt counted: an open circuit must make none.
    const inner = new KafkaJsSink({ brokers: kafka.brokers, topic: 'ringmatch.events', requestTimeoutMs: 1_000 });
    let attempts = 0;
    const sink: EventSink = { connect: () => inner.connect(), send: (r) => { attempts++; return inner.send(r); }, disconnect: () => inner.disconnect() };
    const shipper = new KafkaShipper(dir, spec, sink, { minBackoffMs: 50, maxBackoffMs: 400, circuit: { failureThreshold: 3, openMs: 800, halfOpenTrials: 2 } });
    const transitions: Array<{ to: string; attempts: number }> = [];
    shipper.onCircuit = (t) => transitions.push({ to: t.to, attempts });
    try {
      await kafka.topic('ringmatch.events', 1);
      const events = new EventCollector(engine);
      const submit = async (seed: number, n: number): Promise<void> => {
        await submitAndSettle(engine, events, richStream(n, seed));
        await until(() => engine.journalCaughtUp(), 10_000, 'the journal');
      };
      const journaled = (): number[] => spec.symbols.map((_, k) => readJournal(dir, k).lastSeq);
      await submit(21, 1_500);
      shipper.start();
      await until(() => shipper.stats.shipped.every((s, k) => s === journaled()[k]), 30_000, 'first catch-up');

      // Outage: the broker goes away while the engine keeps trading and journaling.
      await kafka.down();
      await submit(22, 1_500);
      await until(() => shipper.stats.failures > 0, 10_000, 'the shipper to notice the outage');
      expect(['backing-off', 'open']).toContain(shipper.stats.state);
      // Three failures in a row open the circuit; it half-opens after 800 ms, and a failed trial opens it again.
      await until(() => transitions.filter((t) => t.to === 'half-open').length >= 1 && shipper.breaker.state === 'open', 30_000, 'the circuit to open, half-open and open again');
      await kafka.up();
      await until(() => shipper.stats.shipped.every((s, k) => s === journaled()[k]), 60_000, 'catch-up after the outage');
      // The half-open circuit closes after 2 good sends: the backlog may have gone in one, so more
      // events follow (as live traffic and the synthetic probes would make).
      await submit(23, 200);
      await until(() => shipper.stats.shipped.every((s, k) => s === journaled()[k]), 60_000, 'the new events shipped');
      await until(() => shipper.breaker.state === 'closed', 10_000, 'the circuit to close after its half-open trials');
      expect(shipper.lag(journaled())).toEqual([0, 0]);
      expect(shipper.stats.failures).toBeGreaterThanOrEqual(4);
      expect(transitions[0].to).toBe('open');
      expect(transitions.at(-1)?.to).toBe('closed');
      // While open, not one attempt: the count at each half-open equals the count at the open before it.
      for (let i = 1; i < transitions.length; i++) {
        if (transitions[i].to === 'half-open') expect(transitions[i].attempts).toBe(transitions[i - 1].attempts);
      }
      expect(shipper.stats.circuit).toMatchObject({ state: 'closed', closed: 1 });

      // Read the topic like an audit consumer: de-duplicate by (shard, seq), check continuity.
      const seen = spec.symbols.map(() => new Map<number, Int32Array>());
      const consumer = new Kafka({ clientId: 'audit-test', brokers: kafka.brokers, logLevel: logLevel.NOTHING }).consumer({ groupId: 'audit-test' });
      await consumer.connect();
      await consumer.subscribe({ topic: 'ringmatch.events', fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const d = decodeEngineEvent(message.value as Buffer);
          expect(String(message.headers?.shard)).toBe(String(d.shard));
          seen[d.shard].set(decodeEvent(d.slot, 0).seq, d.slot);
        },
      });
      const want = journaled();
      await until(() => seen.every((m, k) => m.size === want[k]), 60_000, 'the consumer to read every event');
      await consumer.disconnect();
      for (let k = 0; k < spec.shards; k++) {
        const fromJournal: number[] = [];
        readJournal(dir, k, { onRecord: (seq) => fromJournal.push(seq) });
        expect([...seen[k].keys()].sort((a, b) => a - b)).toEqual(fromJournal);
        // Books rebuilt from the topic alone equal the engine's.
        const rebuilt = replayOnlyShard(spec, k);
        for (let seq = 1; seq <= want[k]; seq++) rebuilt.replayEvent(seen[k].get(seq) as Int32Array, 0);
        expect(rebuilt.stateHash()).toBe(await engine.query<string>(shardAgent(k), { what: 'stateHash' }));
      }
    } finally {
      await shipper.stop();
      await engine.stop();
      await kafka.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it('batch records (eventsPerRecord): runs of one symbol per record, and the audit consumer still rebuilds the engine\'s books', async () => {
    const kafka = await startKafka();
    const dir = mkdtempSync(join(tmpdir(), 'ringmatch-kafka-batch-'));
    const spec = testSpec();
    const engine = await Engine.start(spec, { journal: journalAt(dir) });
    const shipper = new KafkaShipper(dir, spec, new KafkaJsSink({ brokers: kafka.brokers, topic: 'batch.events', requestTimeoutMs: 1_000 }), { eventsPerRecord: 50, minBackoffMs: 50, maxBackoffMs: 400 });
    try {
      await kafka.topic('batch.events', 1);
      const events = new EventCollector(engine);
      await submitAndSettle(engine, events, richStream(2_000, 31));
      await until(() => engine.journalCaughtUp(), 10_000, 'the journal');
      const journaled = Array.from({ length: spec.shards }, (_, k) => readJournal(dir, k).lastSeq);
      shipper.start();
      await until(() => shipper.stats.shipped.every((x, k) => x === journaled[k]), 30_000, 'shipping').catch((e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(shipper.stats)} journal ${journaled}`); });
      const audit = new Audit(spec);
      let records = 0;
      let batches = 0;
      const consumer = new Kafka({ clientId: 'audit-batch', brokers: kafka.brokers, logLevel: logLevel.NOTHING }).consumer({ groupId: 'audit-batch' });
      await consumer.connect();
      await consumer.subscribe({ topic: 'batch.events', fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          records++;
          const count = Number(message.headers?.count?.toString() ?? 0);
          if (count > 0) {
            batches++;
            expect(count).toBeGreaterThanOrEqual(2);
            expect(count).toBeLessThanOrEqual(50);
          }
          const r = audit.onRecord(message.value as Buffer, count);
          expect(r.kind).toBe('applied');
        },
      });
      const total = journaled.reduce((a, b) => a + b, 0);
      await until(() => audit.counts.applied === total, 60_000, 'the audit consumer to apply every event');
      await consumer.disconnect();
      expect(batches).toBeGreaterThan(0);
      expect(records).toBeLessThan(total / 5); // batching happened
      expect(audit.openGaps()).toEqual([]);
      for (let k = 0; k < spec.shards; k++) expect(audit.stateHashes()[k]).toBe(await engine.query<string>(shardAgent(k), { what: 'stateHash' }));
    } finally {
      await shipper.stop();
      await engine.stop();
      await kafka.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

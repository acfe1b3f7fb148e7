/**
 * K: Kafka shipping rate from a journal to librdkafka's mock cluster, and the time for the lag to
 * return to zero after a 10 s broker outage during which the journal kept growing.
 * Usage: node --import tsx bench/kafka-shipping.ts [events] [outageSeconds] [eventsPerRecord]
 * (eventsPerRecord > 1: EngineEventBatch records, as with KAFKA_EVENTS_PER_RECORD)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InlineEngine } from '../engine/inline-engine.ts';
import { JournalWriter } from '../persistence/journal.ts';
import { KafkaJsSink } from '../persistence/event-sink.ts';
import { KafkaShipper } from '../persistence/kafka-shipper.ts';
import { startKafka } from '../test/kafka-mock.ts';
import { allocationSpec } from './allocation.ts';
import { CMD_WORDS, exchangeCoreMix } from './workloads.ts';
import { fmt, machine, writeResult } from './common.ts';

const EVENTS = Number(process.argv[2] ?? 2_000_000);
const OUTAGE_S = Number(process.argv[3] ?? 10);
const PER_RECORD = Number(process.argv[4] ?? 256); // the server's default (KAFKA_EVENTS_PER_RECORD)
const dir = mkdtempSync(join(tmpdir(), 'ringmatch-kbench-'));
const kafka = await startKafka();
try {
  await kafka.topic('bench.events', 1);
  const spec = allocationSpec();
  const eng = new InlineEngine(spec);
  const writer = new JournalWriter(dir, 0);
  eng.onEvent((w, b) => writer.append(w, b));
  const wl = exchangeCoreMix(Math.ceil(EVENTS * 0.75), 21);
  const slots = wl.slots.slice();
  let next = 0;
  const journalUpTo = (n: number): void => {
    while (writer.lastSequence() < n && next < wl.total) eng.processSlot(slots, next++ * CMD_WORDS);
    writer.commit();
  };
  journalUpTo(EVENTS / 2);
  const shipper = new KafkaShipper(dir, spec, new KafkaJsSink({ brokers: kafka.brokers, topic: 'bench.events', requestTimeoutMs: 2_000 }), { batch: PER_RECORD > 1 ? 20_000 : 2_000, minBackoffMs: 100, maxBackoffMs: 1_000, eventsPerRecord: PER_RECORD });
  const wait = async (cond: () => boolean): Promise<void> => {
    while (!cond()) await new Promise((r) => setTimeout(r, 5));
  };
  const t0 = performance.now();
  shipper.start();
  const target1 = writer.lastSequence();
  await wait(() => shipper.stats.shipped[0] >= target1);
  const rate = target1 / ((performance.now() - t0) / 1000);

  // Outage: broker down, the journal keeps growing, broker back: how long until the lag is zero?
  await kafka.down();
  const tDown = performance.now();
  journalUpTo(EVENTS);
  while (performance.now() - tDown < OUTAGE_S * 1000) await new Promise((r) => setTimeout(r, 50));
  const backlog = writer.lastSequence() - shipper.stats.shipped[0];
  await kafka.up();
  const tUp = performance.now();
  const target2 = writer.lastSequence();
  await wait(() => shipper.stats.shipped[0] >= target2);
  const catchUpS = (performance.now() - tUp) / 1000;
  await shipper.stop();
  writer.close();
  const result = { eventsPerRecord: PER_RECORD, shippedEvents: target2, eventsPerSec: Math.round(rate), outageSeconds: OUTAGE_S, backlogAtRecovery: backlog, lagToZeroSeconds: Math.round(catchUpS * 100) / 100, failuresDuringOutage: shipper.stats.failures };
  console.log(`kafka shipping to the librdkafka mock cluster (1 partition, acks=all, ${PER_RECORD === 1 ? 'one event per record, sends of 2,000' : `up to ${PER_RECORD} events per record, sends of 20,000 events`})`, machine());
  console.log(`  rate ${fmt(result.eventsPerSec)} events/s; after a ${OUTAGE_S} s outage with ${fmt(backlog)} events behind, lag back to zero in ${result.lagToZeroSeconds} s (${result.failuresDuringOutage} failed sends, backing off)`);
  console.log(`written to ${writeResult(PER_RECORD === 1 ? 'kafka-shipping' : `kafka-shipping-batch${PER_RECORD}`, result)}`);
} finally {
  await kafka.stop();
  rmSync(dir, { recursive: true, force: true });
}

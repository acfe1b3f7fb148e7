/**
 * `npm run audit -- --brokers host:port[,…] [--topic ringmatch.events] [--from-beginning]
 *   [--config file.json] [--group ringmatch-audit] [--dlq <topic>] [--idle-exit <seconds>]`
 *
 * Consumes the event stream, checks per-shard sequence continuity, rebuilds the books and prints a
 * state hash per shard comparable to the engine's. Undecodable records go to the dead-letter
 * topic (default <topic>.dlq) with the reason in a header. Prints a summary every 5 s and on exit
 * (Ctrl-C, or after --idle-exit seconds without records).
 */
import { readFileSync } from 'node:fs';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { compileConfig, demoConfig } from '../engine/config.ts';
import type { EngineConfig } from '../engine/config.ts';
import { Audit } from './audit.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const brokers = (arg('--brokers') ?? process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) {
  process.stderr.write('audit: give --brokers host:port (or KAFKA_BROKERS)\n');
  process.exit(2);
}
const topic = arg('--topic') ?? 'ringmatch.events';
const dlq = arg('--dlq') ?? `${topic}.dlq`;
const configFile = arg('--config');
const spec = compileConfig(configFile ? (JSON.parse(readFileSync(configFile, 'utf8')) as EngineConfig) : demoConfig());
const idleExitSec = Number(arg('--idle-exit') ?? 0);
const audit = new Audit(spec);
const kafka = new Kafka({ clientId: 'ringmatch-audit', brokers, logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: arg('--group') ?? 'ringmatch-audit' });
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
let lastRecord = Date.now();

const summary = (): string =>
  JSON.stringify({
    applied: audit.counts.applied, duplicates: audit.counts.duplicates, undecodable: audit.counts.undecodable,
    lastSeq: audit.lastSequences(), openGaps: audit.openGaps(), gapsSeen: audit.gaps.length, stateHash: audit.stateHashes(),
  });

await producer.connect();
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: process.argv.includes('--from-beginning') });
await consumer.run({
  eachMessage: async ({ message, partition }) => {
    lastRecord = Date.now();
    const count = Number(message.headers?.count?.toString() ?? 0);
    const r = audit.onRecord(message.value ?? new Uint8Array(0), Number.isInteger(count) && count > 0 ? count : 0);
    if (r.kind === 'undecodable') {
      await producer.send({ topic: dlq, messages: [{ key: message.key, value: message.value, headers: { reason: r.reason, sourceTopic: topic, sourcePartition: String(partition), sourceOffset: message.offset } }] });
    }
  },
});
const done = async (): Promise<void> => {
  clearInterval(ticker);
  await consumer.disconnect();
  await producer.disconnect();
  process.stdout.write(`final ${summary()}\n`);
  process.exit(audit.openGaps().length > 0 ? 1 : 0);
};
const ticker = setInterval(() => {
  process.stdout.write(`${summary()}\n`);
  if (idleExitSec > 0 && Date.now() - lastRecord > idleExitSec * 1000) void done();
}, 5_000);
process.once('SIGINT', () => void done());
process.once('SIGTERM', () => void done());

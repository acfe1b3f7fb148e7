/**
 * `npm run audit -- --brokers host:port[,…] [--topic ringmatch.events] [--config file.json]
 *   [--group <name>] [--dlq <topic>] [--idle-exit <seconds>]` (`--help` explains the output)
 *
 * Consumes the event stream, checks per-shard sequence continuity, rebuilds the books and prints a
 * state hash per shard comparable to the engine's. Undecodable records go to the dead-letter
 * topic (default <topic>.dlq) with the reason in a header. Prints a summary every 5 s and on exit
 * (Ctrl-C, or after --idle-exit seconds without records).
 *
 * The books are rebuilt from the first event, so by default every run reads the topic from the
 * beginning with a consumer group of its own (a fresh name each run): a second run prints the same
 * hashes. `--group <name>` joins a named group instead and resumes where that group stopped —
 * then the rebuilt books only hold what this run read (for a long-running auditor).
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

const HELP = `usage: npm run audit -- --brokers host:port[,...] [--topic ringmatch.events] [--config file.json] [--group <name>] [--dlq <topic>] [--idle-exit <seconds>]

Reads the ringmatch event stream from the beginning (a fresh consumer group each run, unless
--group names one to resume), de-duplicates by (shard, seq), rebuilds every shard's books and
prints a JSON summary every 5 s and on exit:
  applied      events applied, in sequence order
  duplicates   events seen again (at-least-once shipping re-sends a batch after a crash)
  undecodable  records that are not ringmatch events (sent to the --dlq topic with the reason)
  lastSeq      per shard, the last sequence applied (everything up to it arrived, in order)
  openGaps     gaps NOT filled yet: events after them are held back; the stream is incomplete
               while this is non-empty (exit code 1 if still open at exit)
  gapsSeen     gaps that opened at some point (also those filled later by reordered records)
  stateHash    per shard, the rebuilt books' hash: equal to the engine's stateHash() at lastSeq
--config: the server's config (default: the embedded demo config). --idle-exit: stop after that
many seconds without records (default: run until Ctrl-C).
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}
const brokers = (arg('--brokers') ?? process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) {
  process.stderr.write('audit: give --brokers host:port (or KAFKA_BROKERS); --help explains the output\n');
  process.exit(2);
}
const topic = arg('--topic') ?? 'ringmatch.events';
const dlq = arg('--dlq') ?? `${topic}.dlq`;
const configFile = arg('--config');
const spec = compileConfig(configFile ? (JSON.parse(readFileSync(configFile, 'utf8')) as EngineConfig) : demoConfig());
const idleExitSec = Number(arg('--idle-exit') ?? 0);
const audit = new Audit(spec);
const kafka = new Kafka({ clientId: 'ringmatch-audit', brokers, logLevel: logLevel.NOTHING });
// A group of its own each run (read from the beginning), unless --group names one to resume.
const group = arg('--group');
const consumer = kafka.consumer({ groupId: group ?? `ringmatch-audit-${process.pid}-${Date.now()}` });
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
let lastRecord = Date.now();

const summary = (): string =>
  JSON.stringify({
    applied: audit.counts.applied, duplicates: audit.counts.duplicates, undecodable: audit.counts.undecodable,
    lastSeq: audit.lastSequences(), openGaps: audit.openGaps(), gapsSeen: audit.gaps.length, stateHash: audit.stateHashes(),
  });

await producer.connect();
await consumer.connect();
// --from-beginning is kept for scripts that pass it; without --group every run starts there anyway.
await consumer.subscribe({ topic, fromBeginning: group === undefined || process.argv.includes('--from-beginning') });
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

/**
 * `npm run kafka:dev [-- --port 9092] [--topic ringmatch.events]` — a Kafka-protocol broker for
 * development: librdkafka's mock cluster (scripts/kafka-mock.c, built on first use with the
 * system C compiler and Debian's librdkafka-dev) with the topic created, reachable at a fixed
 * address (127.0.0.1:9092 by default) so the commands in persistence/README.md work as written.
 *
 * The mock listens on a port of its own choosing; this process listens on the fixed port and
 * relays each connection to it. Clients bootstrap here and then talk to the broker address the
 * cluster advertises (also on 127.0.0.1). In memory only: Ctrl-C ends it and its topics. Not for
 * production (there, point KAFKA_BROKERS at a real cluster).
 */
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { startKafka } from '../test/kafka-mock.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv.includes('--help')) {
  process.stdout.write('usage: npm run kafka:dev [-- --port 9092] [--topic ringmatch.events]\n');
  process.exit(0);
}
const port = Number(arg('--port') ?? 9092);
const topic = arg('--topic') ?? 'ringmatch.events';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`kafka:dev: --port ${arg('--port')} is not a port number\n`);
  process.exit(2);
}
let broker: Awaited<ReturnType<typeof startKafka>>;
try {
  broker = await startKafka();
} catch (e) {
  process.stderr.write(`kafka:dev: cannot start the mock broker: ${(e as Error).message}\n  (it needs Debian's librdkafka-dev and a C compiler: apt-get install librdkafka-dev gcc)\n`);
  process.exit(1);
}
await broker.topic(topic, 1);
const [host, target] = broker.brokers[0].split(':');
const sockets = new Set<Socket>();
const relay = createServer((client) => {
  const upstream = connect(Number(target), host);
  sockets.add(client);
  sockets.add(upstream);
  client.pipe(upstream).pipe(client);
  const close = (): void => {
    client.destroy();
    upstream.destroy();
    sockets.delete(client);
    sockets.delete(upstream);
  };
  client.on('error', close).on('close', close);
  upstream.on('error', close).on('close', close);
});
relay.once('error', (e: NodeJS.ErrnoException) => {
  process.stderr.write(`kafka:dev: cannot listen on 127.0.0.1:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use (another broker?) — pass --port' : e.message}\n`);
  void broker.stop().then(() => process.exit(1));
});
relay.listen(port, '127.0.0.1', () => {
  const address = relay.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(`kafka:dev: a Kafka-protocol broker on 127.0.0.1:${bound} (topic ${topic}); start the server with KAFKA_BROKERS=127.0.0.1:${bound}; Ctrl-C stops it\n`);
});
const stop = (): void => {
  relay.close();
  for (const s of sockets) s.destroy();
  void broker.stop().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);


/**
 * A real Kafka-protocol broker for tests: librdkafka's mock cluster (scripts/kafka-mock.c, built
 * on first use with the system C compiler and Debian's librdkafka-dev), or KAFKA_BROKERS if set.
 * With CI=true a missing broker is an error, never a silent skip.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../scripts/kafka-mock.c', import.meta.url));
const BINARY = fileURLToPath(new URL('../node_modules/.cache/ringmatch/kafka-mock', import.meta.url));

export interface KafkaBroker {
  brokers: string[];
  /** Create a topic (no-op with an external broker: create it there yourself). */
  topic(name: string, partitions?: number): Promise<void>;
  down(brokerId?: number): Promise<void>;
  up(brokerId?: number): Promise<void>;
  stop(): Promise<void>;
  external: boolean;
}

/** Why no broker can be had here, or null when one can. */
export function brokerUnavailable(): string | null {
  if (process.env.KAFKA_BROKERS) return null;
  try {
    build();
    return null;
  } catch (e) {
    return `no Kafka broker: set KAFKA_BROKERS, or install librdkafka-dev and a C compiler (${(e as Error).message.split('\n')[0]})`;
  }
}

function build(): void {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return;
  mkdirSync(fileURLToPath(new URL('../node_modules/.cache/ringmatch/', import.meta.url)), { recursive: true });
  execFileSync('cc', ['-O2', '-o', BINARY, SOURCE, '-lrdkafka'], { stdio: 'pipe' });
}

export async function startKafka(brokerCount = 1): Promise<KafkaBroker> {
  if (process.env.KAFKA_BROKERS) {
    const noop = async (): Promise<void> => undefined;
    return { brokers: process.env.KAFKA_BROKERS.split(','), topic: noop, down: noop, up: noop, stop: noop, external: true };
  }
  build();
  const child: ChildProcessWithoutNullStreams = spawn(BINARY, [String(brokerCount)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let waiting: ((line: string) => void) | null = null;
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (waiting) {
        const w = waiting;
        waiting = null;
        w(line);
      } else lines.push(line);
    }
  });
  const nextLine = (timeoutMs = 10_000): Promise<string> => {
    if (lines.length) return Promise.resolve(lines.shift() as string);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('kafka-mock did not answer')), timeoutMs);
      waiting = (l) => { clearTimeout(t); resolve(l); };
    });
  };
  const first = await nextLine();
  const m = /^BOOTSTRAP (.+)$/.exec(first);
  if (!m) throw new Error(`kafka-mock: unexpected "${first}"`);
  const command = async (cmd: string): Promise<void> => {
    child.stdin.write(`${cmd}\n`);
    const r = await nextLine();
    if (r !== 'OK') throw new Error(`kafka-mock ${cmd}: ${r}`);
  };
  return {
    brokers: m[1].split(','),
    external: false,
    topic: (name, partitions = 1) => command(`topic ${name} ${partitions}`),
    down: (id = 1) => command(`down ${id}`),
    up: (id = 1) => command(`up ${id}`),
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.stdin.end('quit\n');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }),
  };
}

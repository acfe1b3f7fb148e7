/**
 * Where shipped events go: one small interface, so another Kafka client (or another system)
 * can replace kafkajs without touching the shipper.
 */
import { Kafka, Partitioners, logLevel, CompressionTypes } from 'kafkajs';
import type { Producer } from 'kafkajs';

export interface SinkRecord {
  /** Partitioning key: the symbol. */
  key: string;
  value: Uint8Array;
  /** De-duplication key for consumers: (shard, seq) — the first event's seq for a batch. */
  shard: number;
  seq: number;
  /** Events in the value: 1 = one EngineEvent; more = an EngineEventBatch (header `count`). */
  count: number;
}

export interface EventSink {
  connect(): Promise<void>;
  /** Send a batch in order; resolves once the broker acknowledged all of it, rejects otherwise. */
  send(records: SinkRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface KafkaSinkOptions {
  brokers: string[];
  topic: string;
  clientId?: string;
  compression?: 'none' | 'gzip';
  /** Per-request timeout; failures surface fast and the shipper backs off before retrying. */
  requestTimeoutMs?: number;
}

export class KafkaJsSink implements EventSink {
  private readonly producer: Producer;
  private connected = false;

  constructor(private readonly opts: KafkaSinkOptions) {
    const kafka = new Kafka({
      clientId: opts.clientId ?? 'ringmatch',
      brokers: opts.brokers,
      logLevel: logLevel.NOTHING,
      requestTimeout: opts.requestTimeoutMs ?? 5_000,
      connectionTimeout: 2_000,
      // Few quick client-level retries (they govern connection refusals); the shipper backs off.
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  async send(records: SinkRecord[]): Promise<void> {
    await this.connect();
    await this.producer.send({
      topic: this.opts.topic,
      acks: -1,
      compression: this.opts.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      messages: records.map((r) => ({
        key: r.key,
        value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
        headers: r.count === 1 ? { shard: String(r.shard), seq: String(r.seq) } : { shard: String(r.shard), seq: String(r.seq), count: String(r.count) },
      })),
    });
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}

/**
 * Entry of the Kafka shipping thread (K): follows the journal and ships it with KafkaShipper on
 * its own event loop, so Kafka client work never runs on the gateway's thread. Reports its state
 * to the main thread once a second (control plane).
 */
import { threadRuntime } from '../ring/threads.ts';
import { parentPort, workerData } from 'node:worker_threads';
import type { EngineSpec } from '../engine/config.ts';
import { KafkaJsSink } from './event-sink.ts';
import { KafkaShipper } from './kafka-shipper.ts';

interface Data {
  journalDir: string;
  spec: EngineSpec;
  brokers: string[];
  topic: string;
  compression: 'none' | 'gzip';
  eventsPerRecord: number;
}
const d = workerData as Data;
const shipper = new KafkaShipper(d.journalDir, d.spec, new KafkaJsSink({ brokers: d.brokers, topic: d.topic, compression: d.compression }), { eventsPerRecord: d.eventsPerRecord });
// Circuit transitions go to the main thread at once (it logs them); stats follow every 250 ms
// (the synthetic probe confirms its events were shipped from them: gateway/probe.ts).
shipper.onCircuit = (t) => parentPort!.postMessage({ type: 'kafka-circuit', transition: t });
shipper.start();
const report = (): void => parentPort!.postMessage({ type: 'kafka-stats', stats: shipper.stats });
const timer = setInterval(report, 250);
parentPort!.on('message', (m: { type?: string }) => {
  if (m.type === 'stop') {
    clearInterval(timer);
    void shipper.stop().then(() => {
      report();
      parentPort!.postMessage({ type: 'stopped' });
      parentPort!.close();
    });
  }
});
parentPort!.postMessage({ type: 'ready', runtime: threadRuntime() });

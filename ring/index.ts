export * from './layout.ts';
export { RingBuffer, RingProducer, RingConsumer, RingError, RING_FULL } from './ring.ts';
export type { SlotHandler } from './ring.ts';
export { Doorbell, DOORBELL_BYTES } from './doorbell.ts';
export { BusySpinIdle, BackoffIdle, AsyncBackoffIdle, makeIdle, sleepMs } from './idle.ts';
export type { IdleStrategy, IdleKind, WorkSource } from './idle.ts';
export { startWorker, nextMessage, moduleUrl, threadRuntime, COMPILED, WorkerStartError } from './threads.ts';
export type { ThreadRuntime } from './threads.ts';
export type { StartedWorker } from './threads.ts';

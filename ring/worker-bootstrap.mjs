// Starts a TypeScript worker on Node 20: tsx's loader hooks do not reach worker threads from
// --import on this Node version, so each worker registers them itself, then imports its entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

globalThis[Symbol.for('ringmatch.tsLoader')] = true; // seen by threadRuntime() (ring/threads.ts)
register();
await import(workerData.entry);

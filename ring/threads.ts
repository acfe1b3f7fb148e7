import { Worker } from 'node:worker_threads';
import type { TransferListItem } from 'node:worker_threads';

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);

/** True when this code runs as compiled JavaScript (production: `npm run build`, dist/). */
export const COMPILED = import.meta.url.endsWith('.js');

/** Where the TS loader's bootstrap marks a thread it registered tsx in. */
const TS_LOADER_MARK = Symbol.for('ringmatch.tsLoader');

/** What code this thread runs: compiled JS or TS source, and whether a TS loader is registered. */
export interface ThreadRuntime {
  code: 'js' | 'ts';
  tsLoader: boolean;
}

export function threadRuntime(): ThreadRuntime {
  const opts = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  const marked = (globalThis as Record<symbol, unknown>)[TS_LOADER_MARK] === true;
  return { code: COMPILED ? 'js' : 'ts', tsLoader: marked || /\btsx\b|ts-node|strip-types|transform-types/.test(opts) };
}

/**
 * The module `rel` (written as its TypeScript source path, e.g. './engine.worker.ts') relative to
 * `base` (the caller's import.meta.url): the .js file the build emitted beside the caller when it
 * runs compiled, the .ts source otherwise. Worker and task entries are URLs, which the compiler
 * does not rewrite the way it rewrites imports.
 */
export function moduleUrl(rel: string, base: string): URL {
  const u = new URL(rel, base);
  if (base.endsWith('.js') && u.pathname.endsWith('.ts')) u.pathname = `${u.pathname.slice(0, -3)}.js`;
  return u;
}

export class WorkerStartError extends Error {
  override name = 'WorkerStartError';
}

export interface StartedWorker<T> {
  worker: Worker;
  /** The payload of the worker's "ready" message. */
  ready: T;
}

/**
 * Start a worker and wait until it posts `{ type: 'ready' }`. A .js entry starts directly; a .ts
 * entry (tests, benchmarks run from source) through a bootstrap that registers the TS loader. A worker that throws while
 * loading, exits early or stays silent past `readyTimeoutMs` rejects here (and is terminated)
 * instead of leaving the caller parked on a ring forever.
 */
export function startWorker<T = unknown>(
  entry: URL,
  data: Record<string, unknown>,
  opts: { name: string; readyTimeoutMs?: number; transferList?: TransferListItem[]; onMessage?: (msg: unknown) => void },
): Promise<StartedWorker<T>> {
  const worker = entry.pathname.endsWith('.js')
    ? new Worker(entry, { workerData: data, name: opts.name, transferList: opts.transferList })
    : new Worker(BOOTSTRAP, { workerData: { ...data, entry: entry.href }, name: opts.name, transferList: opts.transferList });
  const timeoutMs = opts.readyTimeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new WorkerStartError(`worker ${opts.name} did not report ready within ${timeoutMs} ms`)),
      timeoutMs,
    );
    worker.once('error', (err) => fail(new WorkerStartError(`worker ${opts.name} failed to start: ${err.message}`, { cause: err })));
    worker.once('exit', (code) => fail(new WorkerStartError(`worker ${opts.name} exited with code ${code} before ready`)));
    const onMessage = (msg: unknown): void => {
      opts.onMessage?.(msg);
      if (typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'ready') {
        worker.off('message', onMessage);
        settled = true;
        clearTimeout(timer);
        worker.removeAllListeners('error');
        worker.removeAllListeners('exit');
        resolve({ worker, ready: msg as T });
      }
    };
    worker.on('message', onMessage);
  });
}

/** Resolve with the next message of `type` from a worker, or reject on error/exit/timeout. */
export function nextMessage<T>(worker: Worker, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (msg: unknown): void => {
      if (typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === type) {
        cleanup();
        resolve(msg as T);
      }
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`worker exited with code ${code} while waiting for "${type}"`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${type}" message within ${timeoutMs} ms`));
    }, timeoutMs);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

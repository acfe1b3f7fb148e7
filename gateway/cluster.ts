/**
 * The gateway threads of one server: thread 0 on the main thread (it also holds the control plane,
 * gateway/control.ts) and `gatewayThreads − 1` workers (gateway/gateway.worker.ts), all serving the
 * same port. This uWebSockets.js build has no child-app descriptors (no accept-and-hand-over), so
 * every thread listens itself with SO_REUSEPORT and the kernel spreads new connections by a hash
 * of their addresses. Before the shared listen, the port is bound once exclusively — a port held
 * by anyone else (another ringmatch included) fails the start, as with one thread.
 *
 * A gateway worker that dies is not restarted: its connections are gone and its books would need a
 * rebuild; like an uncaught exception on the main thread it is fatal (`onFatal`, the process exits
 * 70 and its supervisor restarts it; the journal holds every acknowledged event).
 */
import uWS from 'uWebSockets.js';
import type { us_listen_socket } from 'uWebSockets.js';
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { Engine } from '../engine/engine.ts';
import type { EngineSpec } from '../engine/config.ts';
import { moduleUrl, startWorker } from '../ring/threads.ts';
import type { ThreadRuntime } from '../ring/threads.ts';
import { Gateway } from './server.ts';
import type { LocalControl, ThreadStats } from './control.ts';
import type { GatewayOptions } from './options.ts';
import type { GatewayWorkerData } from './gateway.worker.ts';
import type { LogFormat } from './log.ts';

const ENTRY = moduleUrl('./gateway.worker.ts', import.meta.url);

export interface ClusterOptions {
  /** pino level for the worker threads' loggers (default: the main logger's). */
  logLevel?: string;
  /** The run's output format (gateway/log.ts), for the worker threads' loggers too (default json). */
  logFormat?: LogFormat;
  /** Rebuild every thread's market-data books from the journal before serving (recovery). */
  replay?: { journalDir: string; snapshotDir?: string } | null;
}

/** One gateway worker as the main thread sees it: request/answer over its port (cold). */
class GatewayWorker {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: unknown) => void>();
  dead = false;

  constructor(readonly worker: Worker, readonly index: number) {
    worker.on('message', (m: { type?: string; id?: number }) => {
      if ((m.type === 'stats' || m.type === 'reset-done') && m.id !== undefined) {
        this.waiting.get(m.id)?.(m);
        this.waiting.delete(m.id);
      }
    });
  }

  request<T>(type: string, timeoutMs = 5_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`gateway thread ${this.index} did not answer "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (m) => { clearTimeout(timer); resolve(m as T); });
      this.worker.postMessage({ type, id });
    });
  }

  /** Resolves with the first message of this type. */
  next<T>(type: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => { this.worker.off('message', on); reject(new Error(`gateway thread ${this.index}: no "${type}" within ${timeoutMs} ms`)); }, timeoutMs);
      const on = (m: { type?: string }): void => {
        if (m.type !== type) return;
        clearTimeout(timer);
        this.worker.off('message', on);
        resolve(m as T);
      };
      this.worker.on('message', on);
    });
  }
}

export class GatewayCluster {
  private closed = false;
  /** A gateway worker died or hit an uncaught exception (default: throw from the event loop). */
  onFatal: (thread: number, error: Error) => void = (thread, error) => {
    throw new Error(`gateway thread ${thread} failed: ${error.message}`);
  };

  private constructor(
    /** Thread 0, on the main thread. */
    readonly main: Gateway,
    private readonly workers: GatewayWorker[],
    private readonly opts: GatewayOptions,
  ) {}

  get control(): LocalControl {
    return this.main.local as LocalControl;
  }

  get threads(): number {
    return 1 + this.workers.length;
  }

  /** Build every gateway thread (books rebuilt when `replay`); nothing listens yet. */
  static async start(engine: Engine, spec: EngineSpec, opts: GatewayOptions, log: Logger, co: ClusterOptions = {}): Promise<GatewayCluster> {
    if (opts.gatewayThreads !== engine.gatewayThreads) {
      throw new Error(`the engine was started for ${engine.gatewayThreads} gateway thread(s), the gateway options ask for ${opts.gatewayThreads}`);
    }
    const main = new Gateway(engine, spec, opts, log);
    if (co.replay) main.replayJournal(co.replay.journalDir, co.replay.snapshotDir);
    const workers: GatewayWorker[] = [];
    const cluster = new GatewayCluster(main, workers, opts);
    try {
      for (let g = 1; g < opts.gatewayThreads; g++) {
        const data: GatewayWorkerData = { link: engine.linkDescriptor(g), opts, logLevel: co.logLevel ?? log.level, logFormat: co.logFormat ?? 'json', replay: co.replay ?? null };
        const { worker, ready } = await startWorker<{ runtime?: ThreadRuntime }>(ENTRY, data as unknown as Record<string, unknown>, {
          name: `G${g}`, readyTimeoutMs: co.replay ? 30 * 60_000 : 15_000,
        });
        engine.noteRuntime(`G${g}`, ready.runtime ?? null);
        const gw = new GatewayWorker(worker, g);
        workers.push(gw);
        cluster.serveControl(gw);
      }
    } catch (e) {
      await cluster.close();
      throw e;
    }
    // Fault injection: an uncaught exception on worker g (the process then exits 70, see onFatal).
    cluster.control.crashGateway = async (g) => { workers[g - 1].worker.postMessage({ type: 'crash' }); };
    cluster.control.gateways.push(...workers.map((w) => ({
      threadStats: async () => (await w.request<{ stats: ThreadStats }>('stats')).stats,
      resetStats: async () => { await w.request('reset'); },
    })));
    return cluster;
  }

  /** Answer a worker's control questions; a worker that fails is fatal. */
  private serveControl(w: GatewayWorker): void {
    const fatal = (error: Error): void => {
      if (w.dead || this.closed) return;
      w.dead = true;
      this.onFatal(w.index, error);
    };
    w.worker.on('message', (m: { type?: string; id?: number; req?: unknown; error?: string }) => {
      if (m.type === 'ask') {
        void this.control.ask(m.req as Parameters<LocalControl['ask']>[0]).then((answer) => w.worker.postMessage({ type: 'answer', id: m.id, answer }));
      } else if (m.type === 'fatal') {
        fatal(new Error(m.error ?? 'uncaught exception'));
      }
    });
    w.worker.on('error', fatal);
    w.worker.on('exit', (code) => fatal(new Error(`gateway thread ${w.index} exited (code ${code})`)));
  }

  /** Listen on every thread; resolves with the port. */
  async listen(): Promise<number> {
    if (this.workers.length === 0) return this.main.listen();
    // Exclusive first: fails if anyone holds the port (and picks the port when it is 0).
    const port = await probe(this.opts.host, this.opts.port);
    const bound = await this.main.listen(port, true);
    for (const w of this.workers) {
      const reply = w.next<{ port?: number; error?: string }>('listening', 10_000);
      w.worker.postMessage({ type: 'listen', port: bound });
      const r = await reply;
      if (r.error) throw new Error(`gateway thread ${w.index}: ${r.error}`);
    }
    return bound;
  }

  /**
   * Stop every thread: first no thread takes connections or orders, then each drains (its pump
   * runs until the engine has answered everything, every thread's cursors keep moving meanwhile),
   * then closes; workers end on their own once their sockets are closed.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.main.stopAccepting();
    await Promise.all(this.workers.map(async (w) => {
      if (w.dead) return;
      const ack = w.next('stopped-accepting', 5_000);
      w.worker.postMessage({ type: 'stop-accepting' });
      await ack.catch(() => undefined);
    }));
    await Promise.all([this.main.close(), ...this.workers.map(async (w) => {
      if (w.dead) return;
      const exited = new Promise<void>((r) => w.worker.once('exit', () => r()));
      try {
        const closed = w.next('closed', 15_000);
        w.worker.postMessage({ type: 'close' });
        await closed;
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      } catch {
        // It did not close in time: nothing better is left than ending it.
        await w.worker.terminate();
      }
    })]);
  }

  /**
   * The process is going down after a failure: every live worker closes its sockets and ends
   * (a worker ending with live uWS handles would abort the process instead of exiting with the
   * intended code). At most `timeoutMs`.
   */
  async abort(timeoutMs = 2_000): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
      if (w.dead || w.worker.threadId < 0) return resolve();
      const t = setTimeout(resolve, timeoutMs);
      w.worker.once('exit', () => { clearTimeout(t); resolve(); });
      w.worker.postMessage({ type: 'die' });
    })));
  }
}

/** Bind host:port exclusively for a moment: the port is free (returns it; a real one for 0). */
function probe(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const app = uWS.App();
    const listen = app.listen as unknown as (host: string, port: number, options: number, cb: (token: us_listen_socket | false) => void) => void;
    listen.call(app, host, port, 1, (token) => {
      if (!token) {
        reject(new Error(`cannot listen on ${host}:${port}: the port is in use (another ringmatch?) or not allowed`));
        return;
      }
      const p = uWS.us_socket_local_port(token);
      uWS.us_listen_socket_close(token);
      resolve(p);
    });
  });
}

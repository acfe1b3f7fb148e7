/**
 * Entry of a gateway worker thread (g ≥ 1; gateway/cluster.ts starts them). It runs the same
 * Gateway as the main thread over its own link (engine/link.ts): its own command ring into the
 * risk stage and its own cursor on every event ring, its own market-data books (rebuilt from the
 * journal like the main thread's, so sequence numbers are the same on every thread). Cold questions
 * (deep health, metrics, snapshots, faults) are forwarded to the main thread.
 *
 * Messages from the main thread: `listen` {port}, `stats`, `reset`, `close`, `answer` {id, answer}.
 * To it: `ready`, `listening`, `stats`, `reset-done`, `closed`, `ask` {id, req}, `fatal` {error}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogging, loggerOptions } from './log.ts';
import type { LogFormat } from './log.ts';
import { EngineLink } from '../engine/link.ts';
import type { LinkDescriptor } from '../engine/link.ts';
import { threadRuntime } from '../ring/threads.ts';
import { Gateway } from './server.ts';
import type { ControlAnswer, ControlRequest, GatewayControl } from './control.ts';
import type { GatewayOptions } from './options.ts';

export interface GatewayWorkerData {
  link: LinkDescriptor;
  opts: GatewayOptions;
  logLevel: string;
  /** The run's output format (gateway/log.ts): one per run, on every thread. */
  logFormat: LogFormat;
  /** Rebuild the market-data books from the journal (and snapshot) before serving. */
  replay: { journalDir: string; snapshotDir?: string } | null;
}

const d = workerData as GatewayWorkerData;
const port = parentPort!;
const logging = createLogging(loggerOptions(d.logLevel, { gatewayThread: d.link.index }), d.logFormat);
const log = logging.log;

/** Forwards control questions to the main thread's LocalControl. */
class PortControl implements GatewayControl {
  private nextId = 1;
  private readonly waiting = new Map<number, (a: ControlAnswer) => void>();
  ask(req: ControlRequest): Promise<ControlAnswer> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      // The main thread always answers; a timeout only guards against it being stuck.
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ status: '503 Service Unavailable', body: JSON.stringify({ message: 'the main thread did not answer within 15 s' }) });
      }, 15_000);
      this.waiting.set(id, (a) => { clearTimeout(timer); resolve(a); });
      port.postMessage({ type: 'ask', id, req });
    });
  }
  answered(id: number, a: ControlAnswer): void {
    this.waiting.get(id)?.(a);
    this.waiting.delete(id);
  }
  journalError(): string | null {
    return null;
  }
}

const control = new PortControl();
const gateway = new Gateway(new EngineLink(d.link), d.link.spec, d.opts, log, control);

// A bug that escapes every guarded handler: close this thread's sockets (a worker that ends with
// live uWS handles aborts the whole process) and let the main thread decide (it exits 70).
process.on('uncaughtException', (err) => {
  log.fatal({ err }, 'gateway thread: uncaught exception');
  port.postMessage({ type: 'fatal', error: err.stack ?? String(err) });
  try {
    gateway.app.close();
  } finally {
    process.exit(1);
  }
});
// As on the main thread: a rejected promise nobody handled is logged, and the thread carries on.
process.on('unhandledRejection', (reason) => {
  log.error({ err: reason }, 'gateway thread: unhandled promise rejection (logged; the thread carries on)');
});

const replayed = d.replay ? gateway.replayJournal(d.replay.journalDir, d.replay.snapshotDir) : 0;

port.on('message', (m: { type: string; port?: number; id?: number; answer?: ControlAnswer }) => {
  switch (m.type) {
    case 'listen':
      gateway.listen(m.port, true).then(
        (p) => port.postMessage({ type: 'listening', port: p }),
        (e: Error) => port.postMessage({ type: 'listening', error: e.message }),
      );
      return;
    case 'answer':
      control.answered(m.id ?? 0, m.answer as ControlAnswer);
      return;
    case 'stats':
      port.postMessage({ type: 'stats', id: m.id, stats: gateway.threadStats() });
      return;
    case 'reset':
      gateway.resetStats();
      port.postMessage({ type: 'reset-done', id: m.id });
      return;
    case 'crash':
      // Fault injection (POST /v1/admin/fault/kill/G<g>): a bug escaping every handler — a moment
      // later, so the 202 for the request reaches its client even when this thread serves it.
      setTimeout(() => { throw new Error('fault injection: gateway thread crash'); }, 200);
      return;
    case 'stop-accepting':
      gateway.stopAccepting();
      port.postMessage({ type: 'stopped-accepting' });
      return;
    case 'die':
      // The process is going down (another thread failed): close every socket, then end this
      // thread — a worker that ends with live uWS handles would abort the whole process.
      try {
        gateway.app.close();
      } finally {
        process.exit(0);
      }
      return;
    case 'close':
      gateway.close().catch((e: unknown) => log.error({ err: e }, 'gateway thread: close failed')).finally(() => {
        gateway.app.close();
        port.postMessage({ type: 'closed', events: Object.fromEntries(gateway.counters.events) });
        port.close(); // nothing else keeps this thread: it ends on its own (never terminated with live sockets)
      });
      return;
    default:
      log.warn({ type: m.type }, 'gateway thread: unknown message from the main thread');
  }
});

port.postMessage({ type: 'ready', runtime: threadRuntime(), replayed });

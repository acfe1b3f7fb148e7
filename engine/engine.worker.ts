/**
 * Entry of the engine's worker threads: the risk stage (R) or one matching shard (M<k>).
 * Builds the agent over the shared rings, reports ready, then runs its duty cycle until the stop
 * word is set. Control queries (state hash, depth, validation) arrive on a MessagePort that is
 * polled synchronously when the agent is idle — never per order.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { Doorbell } from '../ring/doorbell.ts';
import { RingBuffer, RingConsumer, RingProducer } from '../ring/ring.ts';
import { makeIdle } from '../ring/idle.ts';
import { threadRuntime } from '../ring/threads.ts';
import { nowUs } from './clock.ts';
import { AgentState, RISK_AGENT, SHARD_STOP_WORD, STAT_PROCESSED, STAT_STATE, STOP_WORD, agentLine, shardAgent } from './control.ts';
import { MatchingShard, shardOptions } from './matching-shard.ts';
import { RISK_CONSUMER } from './topology.ts';
import { RiskAgent } from './risk-agent.ts';
import { RiskEngine } from './risk.ts';
import { RingEventOut, ShardAgent } from './shard-agent.ts';
import type { EngineWorkerData, RecoveryProgress, RestartReport, WorkerQuery, WorkerReply } from './engine-protocol.ts';
import { resumeShard } from './shard-resume.ts';
import { latencyHistogram, summarize } from './latency.ts';
import * as hdr from 'hdr-histogram-js';
import type { RecoveryOpener } from './durability.ts';
import { EVT_COMMAND_SEQ } from './event-slot.ts';
import { seqDiff } from '../ring/layout.ts';

const data = workerData as EngineWorkerData;

// Recovery comes from the durability provider's module (persistence/recovery.ts), handed over by
// the main thread as a URL: the engine defines the interface, it never imports persistence/.
const recovery = data.recoverFrom && data.recoveryModule
  ? ((await import(data.recoveryModule)) as { openRecovery: RecoveryOpener }).openRecovery(data.recoverFrom, data.spec, data.snapshotDir)
  : null;
const snapshot = recovery?.snapshot ?? null;

/** Replay one shard's journal (after `afterSeq`: default the snapshot's) through `apply`, reporting progress (cold). */
function replayShard(shard: number, agentName: string, apply: (w: Int32Array) => void, afterSeq?: number): number {
  if (!recovery) throw new Error('recovery needs a journal');
  const { records } = recovery.replay(shard, (slot) => apply(slot), {
    from: afterSeq,
    onProgress: (n) => parentPort!.postMessage({ type: 'recovery', agent: agentName, shard, records: n, done: false } satisfies RecoveryProgress),
  });
  parentPort!.postMessage({ type: 'recovery', agent: agentName, shard, records, done: true } satisfies RecoveryProgress);
  return records;
}


const control = new Int32Array(data.control);
const port = data.port as MessagePort;
const spec = data.spec;
const agentIndex = data.role === 'risk' ? RISK_AGENT : shardAgent(data.shard);
const line = agentLine(agentIndex);
const doorbell = new Doorbell(data.doorbell);

let doWork: (now: number) => number;
let report: RestartReport = { type: 'ready', runtime: threadRuntime() };
let hasWork: () => boolean;
let answer: (q: WorkerQuery) => unknown;

if (data.role === 'risk') {
  const risk = new RiskEngine(spec);
  const inputs = data.inputs.map((b) => new RingConsumer(new RingBuffer(b), 0));
  const toShards = data.shardInputs.map((b, k) => new RingProducer(new RingBuffer(b), [new Doorbell(data.shardDoorbells[k])]));
  const fromShards = data.eventRings.map((b) => new RingConsumer(new RingBuffer(b), RISK_CONSUMER));
  const stageLatency = latencyHistogram();
  const agent = new RiskAgent(risk, inputs, toShards, fromShards, control, line, { latency: stageLatency });
  if (data.recoverFrom) {
    if (snapshot) risk.importState(snapshot.risk);
    let replayed = 0;
    // Newest command sequence each shard's journal holds (the snapshot's, for a shard with no tail).
    const seenBy = data.shardInputs.map(() => snapshot?.risk.commandSeq ?? 0);
    for (let k = 0; k < data.shardInputs.length; k++) {
      replayed += replayShard(k, 'R', (w) => {
        risk.replayEvent(w, 0);
        if (seqDiff(w[EVT_COMMAND_SEQ], seenBy[k]) > 0) seenBy[k] = w[EVT_COMMAND_SEQ];
      });
    }
    risk.validateInternalState();
    if (data.restart) report = { type: 'ready', runtime: report.runtime, replayed, skipped: agent.skipForwarded(seenBy) };
  }
  doWork = () => agent.doWork();
  hasWork = () => agent.hasWork();
  answer = (q) => {
    switch (q.what) {
      case 'stateHash': return risk.stateHash();
      case 'state': return risk.exportState();
      case 'validate': risk.validateInternalState(); return true;
      case 'account': return risk.account(q.account ?? 0);
      case 'riskStats': return { liveOrders: risk.liveOrders(), commandSeq: risk.commandSeq };
      case 'stageLatency': {
        const s = summarize(stageLatency);
        if (q.reset) stageLatency.reset();
        return s;
      }
      // The histogram itself (compressed base64): live views take differences of it (gateway/control.ts).
      case 'stageHistogram': return hdr.encodeIntoCompressedBase64(stageLatency);
      default: throw new Error(`risk stage cannot answer "${q.what}"`);
    }
  };
} else {
  const k = data.shard;
  const eventRing = new RingBuffer(data.eventRings[k]);
  const producer = new RingProducer(eventRing, data.eventDoorbells.map((b) => new Doorbell(b)));
  const out = new RingEventOut(producer);
  const input = new RingConsumer(new RingBuffer(data.shardInputs[k]), 0);
  let shard: MatchingShard;
  if (data.restart && data.recoverFrom) {
    const r = resumeShard({
      make: () => new MatchingShard(shardOptions(spec, k), out),
      snapshot: snapshot ? { state: snapshot.shards[k], seq: snapshot.seqs[k] } : null,
      replay: (afterSeq, apply) => { replayShard(k, `M${k}`, apply, afterSeq); },
    }, input, out, nowUs());
    shard = r.shard;
    Atomics.store(control, line + STAT_PROCESSED, input.position());
    report = { type: 'ready', runtime: report.runtime, replayed: r.replayed, skipped: r.skipped, interrupted: r.interrupted, fullReplay: r.fullReplay };
  } else {
    shard = new MatchingShard(shardOptions(spec, k), out);
    if (data.recoverFrom) {
      if (snapshot) shard.importState(snapshot.shards[k]);
      replayShard(k, `M${k}`, (w) => shard.replayEvent(w, 0));
      shard.validateInternalState();
    }
  }
  const agent = new ShardAgent(shard, input, producer, out, control, line);
  doWork = (now) => agent.doWork(now);
  hasWork = () => agent.hasWork();
  answer = (q) => {
    switch (q.what) {
      case 'stateHash': return shard.stateHash();
      case 'validate': shard.validateInternalState(); return true;
      case 'depth': return shard.depth(q.symbol ?? 0, q.side ?? 1, q.levels ?? Infinity);
      case 'openOrders': return shard.openOrderCount();
      default: throw new Error(`shard cannot answer "${q.what}"`);
    }
  };
}

function serveQueries(): void {
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (!m) return;
    const q = m.message as WorkerQuery;
    let reply: WorkerReply;
    try {
      reply = { id: q.id, ok: true, result: answer(q) };
    } catch (e) {
      reply = { id: q.id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
  }
}

// Stop in pipeline order: the risk stage first (it forwards what it still holds), the shards after it.
const stopWord = data.role === 'risk' ? STOP_WORD : SHARD_STOP_WORD;
const idle = makeIdle(data.idle, doorbell, { hasWork: () => hasWork() || Atomics.load(control, stopWord) !== 0 });
Atomics.store(control, line + STAT_STATE, AgentState.RUNNING);
parentPort!.postMessage(report);
try {
  let passes = 0;
  while (Atomics.load(control, stopWord) === 0) {
    const n = doWork(nowUs());
    if (n === 0 || (++passes & 1023) === 0) serveQueries();
    idle.idle(n);
  }
  // Finish what is already in the input ring so nothing submitted before stop is lost.
  while (doWork(nowUs()) > 0);
  serveQueries();
  Atomics.store(control, line + STAT_STATE, AgentState.STOPPED);
} catch (e) {
  Atomics.store(control, line + STAT_STATE, AgentState.FAILED);
  throw e;
} finally {
  port.close();
}

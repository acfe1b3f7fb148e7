/**
 * Fault injection: engine threads killed abruptly (Worker.terminate — JS stops wherever it is,
 * mid-batch included) while commands keep flowing. The supervisor restarts them on the same rings
 * from snapshot + journal. Nothing may be lost or repeated.
 */
import { describe, expect, it } from 'vitest';
import { CommandType, EventType } from '../engine/codes.ts';
import { Engine, RISK_AGENT, shardAgent } from '../engine/engine.ts';
import { Consumer } from '../engine/topology.ts';
import { EventCollector, submitAndSettle } from './engine-events.ts';
import { engineScope, stateHashes, stopAndRebuild } from './engine-scope.ts';
import { testSpec } from './fixtures.ts';
import { richStream } from './streams.ts';
import { journalAt } from '../persistence/durability.ts';
import { until } from './wait.ts';

const { engines, tempDir } = engineScope();
const hashes = stateHashes;

describe('supervisor: killed engine threads come back without losing or repeating anything', () => {
  it('kills matching shards five times and the risk stage twice under load, some stuck mid-batch', async () => {
    const dir = tempDir('ringmatch-crash-worker-');
    const spec = testSpec();
    const engine = await Engine.start(spec, { journal: journalAt(dir) });
    engines.push(engine);
    const phases: string[] = [];
    const details: string[] = [];
    engine.onAgentPhase = (agent, phase, detail) => {
      phases.push(`${agent}:${phase}`);
      if (phase === 'running') details.push(`${agent} ${JSON.stringify(detail)}`);
      if (process.env.RINGMATCH_TEST_VERBOSE) console.log(agent, phase, JSON.stringify(detail));
    };
    const events = new EventCollector(engine);
    const stream = richStream(24_000, 21);
    // Where to kill what: 'M' = a matching shard (the one that is stuck, or M0), 'R' = the risk stage.
    const kills = new Map<number, 'M' | 'R'>([[3_000, 'M'], [6_000, 'R'], [9_000, 'M'], [12_000, 'M'], [15_000, 'R'], [18_000, 'M'], [21_000, 'M']]);
    const killed = [0, 0, 0];
    let submitted = 0;
    let i = 0;
    const submitNext = (): boolean => {
      if (!engine.submit({ ...stream[i], correlationId: i + 1 })) return false;
      i++;
      submitted++;
      return true;
    };
    let round = 0;
    while (i < stream.length) {
      const kind = kills.get(i);
      if (kind !== undefined) {
        kills.delete(i);
        // The previous kill's restart first (the stream can outrun a restart now that nothing throttles it).
        await events.until(() => engine.supervisor.allUp(), 60_000);
        if (round++ % 2 === 0) {
          // Kill it while it is stuck mid-batch: nobody reads the event rings, so they fill up, the
          // shards commit part of a batch and wait, and the risk stage waits for room behind them.
          const full = (): boolean => engine.eventRings.some((r, k) => engine.lag(k, Consumer.GATEWAY) === r.capacity);
          for (let stuck = 0; stuck < 500 && i < stream.length && !full();) {
            if (!submitNext()) {
              stuck++;
              await new Promise((r) => setTimeout(r, 1));
            }
          }
          for (let n = 0; n < 500 && i < stream.length; n++) if (!submitNext()) break;
          await new Promise((r) => setTimeout(r, 5));
        } else {
          // Or while it is busy with a burst.
          for (let n = 0; n < 300 && i < stream.length && submitNext(); n++);
        }
        const stuck = engine.eventRings.findIndex((r, k) => engine.lag(k, Consumer.GATEWAY) === r.capacity);
        const victim = kind === 'R' ? RISK_AGENT : shardAgent(stuck >= 0 ? stuck : round % 2);
        killed[victim]++;
        await engine.killAgent(victim);
        continue;
      }
      if (!submitNext()) {
        events.poll();
        await new Promise((r) => setTimeout(r, 1));
      } else if ((i & 1023) === 0) {
        events.poll();
        await new Promise((r) => setImmediate(r));
      }
    }
    await events.until(() => engine.supervisor.allUp(), 60_000);
    await events.until(() => engine.isSettled(), 60_000);

    const sup = engine.supervisor.snapshot();
    expect(sup.map((h) => [h.agent, h.phase, h.restarts])).toEqual([['R', 'running', 2], ['M0', 'running', killed[1]], ['M1', 'running', killed[2]], ['J', 'running', 0]]);
    expect(killed[1] + killed[2]).toBe(5);
    expect(phases.filter((p) => p.endsWith(':running'))).toHaveLength(7);

    // Every event exactly once, sequences gapless per shard.
    events.perShard.forEach((evs) => evs.forEach((e, i) => expect(e.seq).toBe(i + 1)));
    // Every command was answered, and none twice: one outcome per NEW, no order id accepted twice.
    const all = events.perShard.flat();
    const answered = new Set(all.map((e) => e.correlationId));
    const missing = stream.map((c, i) => (c.type === CommandType.TICK ? 0 : i + 1)).filter((c) => c !== 0 && !answered.has(c));
    expect(missing, `restarts: ${details.join(' | ')}`).toEqual([]);
    expect(submitted).toBe(stream.length);
    expect(kills.size).toBe(0);
    const outcomes = new Map<number, number>();
    for (const e of all) {
      if (stream[e.correlationId - 1]?.type !== CommandType.NEW) continue;
      if (e.type === EventType.ACCEPTED || e.type === EventType.REJECTED) outcomes.set(e.correlationId, (outcomes.get(e.correlationId) ?? 0) + 1);
    }
    expect([...outcomes.values()].filter((n) => n !== 1)).toEqual([]);
    const accepted = all.filter((e) => e.type === EventType.ACCEPTED).map((e) => e.orderId);
    expect(new Set(accepted).size).toBe(accepted.length);

    // The live state is sound and equals a fresh rebuild from the journal.
    for (let a = 0; a <= spec.shards; a++) await engine.query(a, { what: 'validate' });
    const live = await hashes(engine, spec.shards);
    expect(await stopAndRebuild(engines, engine, dir, spec, events.perShard.map((e) => e.length))).toEqual(live);
  });

  it('restarts a worker that dies right after a recovered start, before any new event', async () => {
    const dir = tempDir('ringmatch-crash-worker-');
    const spec = testSpec();
    const first = await Engine.start(spec, { journal: journalAt(dir) });
    await submitAndSettle(first, new EventCollector(first), richStream(500, 3));
    const before = await hashes(first, spec.shards);
    await first.stop();
    const second = await Engine.start(spec, { journal: journalAt(dir), recover: true });
    engines.push(second);
    // The event rings of this process are empty: "caught up" must mean the journal's last record.
    await second.killAgent(shardAgent(0));
    await second.killAgent(RISK_AGENT);
    const t0 = Date.now();
    while (!second.supervisor.allUp() && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 5));
    expect(second.supervisor.snapshot().map((h) => h.phase)).toEqual(['running', 'running', 'running', 'running']);
    expect(await hashes(second, spec.shards)).toEqual(before);
  });

  it('kills the journal thread under load three times: it comes back, the journal holds every event once, in order', async () => {
    const dir = tempDir('ringmatch-crash-journal-');
    const spec = testSpec();
    const engine = await Engine.start(spec, { journal: journalAt(dir, 256 * 1024) });
    engines.push(engine);
    const t0 = Date.now();
    if (process.env.DBG) engine.onAgentPhase = (a, p, d) => process.stderr.write(`DBG ${Date.now() - t0} ${a} ${p} ${JSON.stringify(d)}\n`);
    const events = new EventCollector(engine);
    const stream = richStream(12_000, 41);
    let kills = 0;
    for (let i = 0; i < stream.length; i++) {
      if (i > 0 && i % 3_000 === 0 && kills < 3) {
        // The previous kill's restart first (the stream can outrun a restart now that nothing throttles it).
        await events.until(() => engine.supervisor.up[engine.journalAgent] === 1, 60_000);
        if (process.env.DBG) process.stderr.write(`DBG ${Date.now() - t0} kill ${i}\n`);
        await engine.killAgent(engine.journalAgent);
        kills++;
      }
      while (!engine.submit({ ...stream[i], correlationId: i + 1 })) {
        events.poll();
        await new Promise((r) => setTimeout(r, 1));
      }
      if ((i & 511) === 0) {
        events.poll();
        await new Promise((r) => setImmediate(r));
      }
    }
    await events.until(() => engine.supervisor.allUp(), 60_000);
    await events.until(() => engine.isSettled() && engine.journalCaughtUp(), 60_000);
    const jh = engine.supervisor.snapshot().find((h) => h.agent === 'J');
    expect(jh, JSON.stringify(engine.failures.map((f) => f.error.message))).toMatchObject({ phase: 'running', restarts: 3 });
    const live = await hashes(engine, spec.shards);
    // The journal holds exactly the events seen, each once, in order, and rebuilds the same state.
    expect(await stopAndRebuild(engines, engine, dir, spec, events.perShard.map((e) => e.length))).toEqual(live);
  });

  it('without a journal a dead shard is reported failed, not restarted', async () => {
    const spec = testSpec();
    const engine = await Engine.start(spec);
    engines.push(engine);
    await engine.killAgent(shardAgent(1));
    await until(() => engine.supervisor.snapshot()[2].phase === 'failed', 10_000, 'M1 to be reported failed');
    const m1 = engine.supervisor.snapshot()[2];
    expect(m1).toMatchObject({ agent: 'M1', phase: 'failed', restarts: 0 });
    expect(m1.lastError).toMatch(/exited/);
    expect(engine.routeUp(spec.symbols.find((s) => s.shard === 1)!.id)).toBe(false);
    expect(engine.routeUp(spec.symbols.find((s) => s.shard === 0)!.id)).toBe(true);
    expect(engine.routeUp(-1)).toBe(false);
  });
});

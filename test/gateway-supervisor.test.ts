/**
 * A matching worker killed under load over real sockets: orders for its symbols get
 * SHARD_RECOVERING (never silence) while the supervisor rebuilds it, the other shard's orders are
 * delayed not lost, and every acknowledged order is in the journal exactly once afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoConfig } from '../engine/config.ts';
import { EventType } from '../engine/codes.ts';
import { shardAgent } from '../engine/engine.ts';
import { decodeEvent, EVT_SLOT_BYTES } from '../engine/event-slot.ts';
import { GatewayCode } from '../gateway/protocol.ts';
import { readJournal } from '../persistence/journal.ts';
import { ADMIN_KEY, gatewayHarness } from './gateway-fixture.ts';
import type { Msg } from './ws-client.ts';
import { journalAt } from '../persistence/durability.ts';

const h = gatewayHarness('each');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('supervisor behind the gateway', () => {
  it('kill M0 under load: SHARD_RECOVERING meanwhile, back in service, no acknowledged order lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringmatch-gw-sup-'));
    dirs.push(dir);
    const srv = await h.server({ ackMode: 'durable' }, { ...demoConfig(), shards: 2 }, { journal: journalAt(dir) });
    const mm = await h.connect(srv, 'dev-mm-key');
    const alice = await h.connect(srv, 'dev-alice-key');
    // BTC-USD and SOL-USD live on M0, ETH-USD on M1.
    const order = (symbol: string, i: number): Record<string, unknown> => ({
      type: 'new_order', symbol, clientOrderId: `${symbol}-${i}`, side: i % 2 ? 'sell' : 'buy',
      price: symbol === 'ETH-USD' ? (i % 2 ? '3100' : '2900') : (i % 2 ? '51000' : '49000'), quantity: symbol === 'ETH-USD' ? '0.01' : '0.001',
    });

    const replies: Msg[] = [];
    let n = 0;
    const burst = async (count: number): Promise<void> => {
      const batch: Array<Promise<Msg>> = [];
      for (let j = 0; j < count; j++, n++) batch.push(mm.request(order(n % 2 ? 'ETH-USD' : 'BTC-USD', n), 30_000));
      replies.push(...(await Promise.all(batch)));
    };
    await burst(1_000);
    const load = burst(1_000); // in flight while M0 dies
    await srv.engine.killAgent(shardAgent(0));
    const t0 = Date.now();
    while (srv.engine.supervisor.up[1] === 1 && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 1));
    // M0 is down: its symbols are refused with a clear code…
    const refused = await alice.request({ ...order('BTC-USD', 1), clientOrderId: 'during-recovery' });
    expect(refused).toMatchObject({ type: 'error', code: GatewayCode.SHARD_RECOVERING });
    expect(String(refused.message)).toMatch(/M0 is restarting/);
    // …and the other shard's orders wait for the engine to settle, then go through.
    const eth = alice.request({ ...order('ETH-USD', 0), clientOrderId: 'eth-during-recovery' }, 30_000);
    await load;
    expect(await eth).toMatchObject({ type: 'execution_report', execType: 'new' });
    const t1 = Date.now();
    while (srv.engine.supervisor.up[1] === 0 && Date.now() - t1 < 30_000) await new Promise((r) => setTimeout(r, 5));
    expect(await alice.request({ ...order('BTC-USD', 0), clientOrderId: 'after-recovery' })).toMatchObject({ execType: 'new' });
    await burst(500);

    // Every request got exactly one answer: an ack, or SHARD_RECOVERING for M0's symbols.
    expect(replies).toHaveLength(2_500);
    const acked = replies.filter((r) => r.type === 'execution_report' && r.execType === 'new').map((r) => r.clientOrderId as string);
    const refusedIds = replies.filter((r) => r.type === 'error');
    for (const r of refusedIds) expect(r).toMatchObject({ code: GatewayCode.SHARD_RECOVERING });
    expect(acked.length + refusedIds.length).toBe(2_500);

    const health = (await (await fetch(`${srv.http}/health/deep`)).json()) as { status: string; supervisor: Array<{ agent: string; phase: string; restarts: number; lastRecoveryMs: number }> };
    expect(health.status).toBe('ok');
    expect(health.supervisor.find((a) => a.agent === 'M0')).toMatchObject({ phase: 'running', restarts: 1 });
    const metrics = await (await fetch(`${srv.http}/metrics`)).text();
    expect(metrics).toMatch(/ringmatch_agent_restarts_total\{agent="M0"\} 1/);
    expect(metrics).toMatch(/ringmatch_agent_last_recovery_seconds\{agent="M0"\} [0-9.]+/);

    // Durable acks: each acknowledged order is in the journal, accepted exactly once.
    await srv.stop();
    const accepted = new Map<string, number>();
    for (const k of [0, 1]) {
      readJournal(dir, k, {
        onRecord: (_seq, bytes, at) => {
          const e = decodeEvent(new Int32Array(Uint8Array.from(bytes.subarray(at, at + EVT_SLOT_BYTES)).buffer), 0);
          if (e.type === EventType.ACCEPTED) accepted.set(e.clientOrderId, (accepted.get(e.clientOrderId) ?? 0) + 1);
        },
      });
    }
    for (const id of [...acked, 'eth-during-recovery', 'after-recovery']) expect([id, accepted.get(id)]).toEqual([id, 1]);
    expect([...accepted.values()].every((c) => c === 1)).toBe(true);
  });

  it('refusals for the server\'s own state do not count against the client: no 1008 close', async () => {
    // No journal: a dead shard cannot be rebuilt, its orders get SHARD_FAILED — 50 of them, with
    // maxViolations 10, and the connection stays open (malformed input would have closed it).
    const srv = await h.server({ maxViolations: 10 });
    const c = await h.connect(srv, 'dev-alice-key');
    await srv.engine.killAgent(shardAgent(0));
    const t0 = Date.now();
    while (srv.engine.supervisor.up[1] === 1 && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 1));
    for (let i = 0; i < 50; i++) {
      const r = await c.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: `x${i}`, side: 'buy', price: '49000', quantity: '0.001' });
      expect(r).toMatchObject({ type: 'error', code: GatewayCode.SHARD_FAILED });
    }
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    // Fault injection is off unless configured: the drill endpoint says so.
    const drill = await fetch(`${srv.http}/v1/admin/fault/kill/R`, { method: 'POST', headers: { 'x-admin-key': ADMIN_KEY } });
    expect(drill.status).toBe(404);
    expect(((await drill.json()) as { message: string }).message).toMatch(/fault injection is off/);
    const health = await fetch(`${srv.http}/health/deep`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { supervisor: Array<{ agent: string; phase: string }> }).supervisor[1]).toMatchObject({ agent: 'M0', phase: 'failed' });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoConfig } from '../engine/config.ts';
import { journalAt } from '../persistence/durability.ts';
import type { SyntheticReport } from '../gateway/probe.ts';
import { ADMIN_KEY, gatewayHarness } from './gateway-fixture.ts';
import type { Server } from './gateway-fixture.ts';
import { until } from './wait.ts';

const h = gatewayHarness('each');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Two shards, so each shard's probe is seen on its own. */
const twoShards = (): ReturnType<typeof demoConfig> => ({ ...demoConfig(), shards: 2 });

async function synthetic(srv: Server): Promise<{ status: number; body: SyntheticReport }> {
  const r = await fetch(`${srv.http}/health/synthetic`);
  return { status: r.status, body: (await r.json()) as SyntheticReport };
}

describe('synthetic probes (gateway/probe.ts)', () => {
  it('go through every shard every interval and leave no trace: no market data, no report, no counter, no book', async () => {
    const srv = await h.server({ probe: { intervalMs: 30, timeoutMs: 2_000 } }, twoShards());
    const symbols = srv.engine.spec.symbols.map((s) => s.name);
    const md = await h.connect(srv);
    md.send({ type: 'subscribe', channels: ['book', 'trades', 'bbo'], symbols });
    await md.next((m) => m.type === 'subscribed');
    const trader = await h.connect(srv, 'dev-alice-key');
    trader.send({ type: 'subscribe', channels: ['executions'] });
    await trader.next((m) => m.type === 'subscribed');
    const before = md.messages.length;

    await until(async () => (await synthetic(srv)).body.shards.every((s) => s.state === 'ok' && s.probes >= 5), 20_000, 'five probes through every shard');
    const { status, body } = await synthetic(srv);
    expect(status).toBe(200);
    expect(body).toMatchObject({ enabled: true, ok: true, problems: [] });
    expect(body.shards.map((s) => s.shard)).toEqual([0, 1]);
    for (const s of body.shards) expect(s.latencyUs).toBeGreaterThan(0);

    const deep = await fetch(`${srv.http}/health/deep`);
    expect(deep.status).toBe(200);
    expect(((await deep.json()) as { synthetic: SyntheticReport }).synthetic.ok).toBe(true);

    const metrics = await (await fetch(`${srv.http}/metrics`)).text();
    expect(metrics).toContain('ringmatch_probe_ok{shard="0"} 1');
    expect(metrics).toContain('ringmatch_probe_ok{shard="1"} 1');
    expect(Number(/ringmatch_probe_latency_microseconds_count (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(10);
    // Refused by design, yet counted nowhere: no reject, no order, no event in the gateway's counters.
    expect(metrics).not.toMatch(/RISK_UNKNOWN_ACCOUNT/);
    expect(metrics).not.toMatch(/ringmatch_orders_total\{/);
    expect(metrics).not.toMatch(/ringmatch_events_total\{type="rejected"\}/);

    // Nothing published after the subscription's own snapshots, nothing reported to an account.
    expect(md.messages.slice(before)).toEqual([]);
    expect(trader.messages.filter((m) => m.type === 'execution_report')).toEqual([]);
    for (const sym of symbols) {
      const book = (await (await fetch(`${srv.http}/v1/book/${sym}`)).json()) as { bids: unknown[]; asks: unknown[] };
      expect(book).toMatchObject({ bids: [], asks: [] });
    }
  });

  it('a shard that died for good fails its probe: /health/synthetic and /health/deep are 503 and name it', async () => {
    // No journal: a dead shard cannot be rebuilt, so it stays down.
    const srv = await h.server({ probe: { intervalMs: 30, timeoutMs: 1_000 }, faultInjection: true }, twoShards());
    await until(async () => (await synthetic(srv)).body.ok, 20_000, 'first probes ok');
    const kill = await fetch(`${srv.http}/v1/admin/fault/kill/M1`, { method: 'POST', headers: { 'x-admin-key': ADMIN_KEY } });
    expect(kill.status).toBe(202);
    // The first failure may be a probe sent just before the death (no report in time); the next ones say why.
    await until(async () => (await synthetic(srv)).body.problems.join('\n').includes('M1 failed'), 10_000, 'the probe of shard 1 to fail, naming M1');
    const { status, body } = await synthetic(srv);
    expect(status).toBe(503);
    expect(body.ok).toBe(false);
    expect(body.shards[0].state).toBe('ok');
    expect(body.shards[1]).toMatchObject({ state: 'failing' });
    expect(body.problems.join('\n')).toMatch(/shard 1 \(ETH-USD\): probe failing .*M1 failed/);
    const deep = await fetch(`${srv.http}/health/deep`);
    expect(deep.status).toBe(503);
    expect(((await deep.json()) as { problems: string[] }).problems.join('\n')).toMatch(/shard 1/);
    expect(await (await fetch(`${srv.http}/metrics`)).text()).toContain('ringmatch_probe_ok{shard="1"} 0');
  });

  it('a restarted shard: probes carry on by themselves and are ok after the restart (deep health 200 again)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rm-probe-'));
    dirs.push(dir);
    const srv = await h.server({ probe: { intervalMs: 20, timeoutMs: 1_000 }, faultInjection: true }, twoShards(), { journal: journalAt(dir) });
    await until(async () => (await synthetic(srv)).body.ok, 20_000, 'first probes ok');
    const killedAt = Date.now();
    const kill = await fetch(`${srv.http}/v1/admin/fault/kill/M0`, { method: 'POST', headers: { 'x-admin-key': ADMIN_KEY } });
    expect(kill.status).toBe(202);
    // Orders sent while the shard restarts wait in its input ring and are answered after it: a probe
    // then either comes back late (within its timeout) or fails and is retried — never left hanging.
    await until(async () => {
      const deep = (await (await fetch(`${srv.http}/health/deep`)).json()) as { supervisor: Array<{ agent: string; restarts: number }> };
      return (deep.supervisor.find((a) => a.agent === 'M0')?.restarts ?? 0) >= 1;
    }, 20_000, 'M0 restarted');
    await until(async () => {
      const s = (await synthetic(srv)).body.shards[0];
      return s.state === 'ok' && s.lastOkAt !== null && Date.parse(s.lastOkAt) > killedAt;
    }, 20_000, 'a probe through the restarted shard');
    await until(async () => (await fetch(`${srv.http}/health/deep`)).status === 200, 10_000, 'deep health ok again');
  });

  it('a probe that stops is stale: health turns 503 without any fault', async () => {
    const srv = await h.server({ probe: { intervalMs: 20, timeoutMs: 100 } });
    await until(async () => (await synthetic(srv)).body.ok && (await synthetic(srv)).body.shards[0].probes > 0, 20_000, 'first probe ok');
    srv.gateway.probe?.stop();
    await until(async () => (await synthetic(srv)).status === 503, 10_000, 'the probe to go stale');
    expect((await synthetic(srv)).body.problems.join('\n')).toMatch(/no successful probe for \d+ ms \(stale\)/);
  });

  it('a shard without symbols has no probe (and the server starts)', async () => {
    const srv = await h.server({ probe: { intervalMs: 30, timeoutMs: 2_000 } }, { ...demoConfig(), shards: 4 });
    const withSymbols = [...new Set(srv.engine.spec.symbols.map((s) => s.shard))].sort();
    expect(withSymbols.length).toBeLessThan(4);
    await until(async () => (await synthetic(srv)).body.ok && (await synthetic(srv)).body.shards.every((s) => s.state === 'ok'), 20_000, 'probes ok');
    expect((await synthetic(srv)).body.shards.map((s) => s.shard)).toEqual(withSymbols);
  });

  it('can be turned off: no probe, health as before', async () => {
    const srv = await h.server({ probe: { intervalMs: 0, timeoutMs: 2_000 } });
    expect(srv.gateway.probe).toBeNull();
    expect(await synthetic(srv)).toMatchObject({ status: 200, body: { enabled: false, ok: true } });
    expect(((await (await fetch(`${srv.http}/health/deep`)).json()) as { synthetic: unknown }).synthetic).toEqual({ enabled: false });
  });
});

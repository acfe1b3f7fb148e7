/**
 * Several gateway threads (gateway/cluster.ts): every thread reads every event, so an account's
 * connections on different threads each get every report exactly once, market data carries the
 * same sequence numbers everywhere, and cancel-on-disconnect, health and metrics see all threads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoConfig } from '../engine/config.ts';
import { Client } from './ws-client.ts';
import type { Msg } from './ws-client.ts';
import { gatewayHarness } from './gateway-fixture.ts';
import type { Server } from './gateway-fixture.ts';
import { runToExit, startServerProcess } from './server-process.ts';
import { until } from './wait.ts';
import { Engine } from '../engine/engine.ts';
import { compileConfig } from '../engine/config.ts';
import { journalAt } from '../persistence/durability.ts';

const { server, trackClient } = gatewayHarness();

/** A connection authenticated as `key` that landed on gateway thread `thread` (the kernel picks). */
async function onThread(srv: Server, key: string, thread: number): Promise<Client> {
  for (let i = 0; i < 64; i++) {
    const c = await Client.connect(srv.url);
    const ack = await c.request({ type: 'auth', token: key, id: 'auth' });
    if (ack.gatewayThread === thread) {
      trackClient(c);
      c.messages.length = 0;
      return c;
    }
    await c.close();
  }
  throw new Error(`no connection landed on gateway thread ${thread} in 64 tries`);
}

const isReport = (m: Msg): boolean => m.type === 'execution_report';
const key = (m: Msg): string => `${String(m.seq)}|${String(m.execType)}|${String(m.clientOrderId)}`;

/** Wait until `n` queued messages match (without taking them off the queue). */
async function count(c: Client, pred: (m: Msg) => boolean, n: number, timeoutMs = 15_000): Promise<void> {
  await until(() => c.messages.filter(pred).length >= n, timeoutMs, `${n} matching messages`);
}

describe('several gateway threads', () => {
  it('an account with connections on two threads gets every report on each, exactly once; request ids only where asked', async () => {
    const srv = await server({ gatewayThreads: 2 });
    const a0 = await onThread(srv, 'dev-alice-key', 0);
    const a1 = await onThread(srv, 'dev-alice-key', 1);
    const bob = await onThread(srv, 'dev-bob-key', 1);
    const n = 20;
    for (let i = 0; i < 2 * n; i++) await bob.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: `s${i}`, side: 'sell', price: '50000', quantity: '0.001' });
    for (let i = 0; i < n; i++) {
      a0.send({ type: 'new_order', id: `r0-${i}`, symbol: 'BTC-USD', clientOrderId: `b0-${i}`, side: 'buy', price: '50000', quantity: '0.001' });
      a1.send({ type: 'new_order', id: `r1-${i}`, symbol: 'BTC-USD', clientOrderId: `b1-${i}`, side: 'buy', price: '50000', quantity: '0.001' });
    }
    // Each alice order: accepted + filled. Both connections see all 4n reports.
    await count(a0, isReport, 4 * n);
    await count(a1, isReport, 4 * n);
    // Anything duplicated would be queued before these answers.
    await a0.request({ type: 'ping', id: 'p0' });
    await a1.request({ type: 'ping', id: 'p1' });
    const r0 = a0.messages.filter(isReport);
    const r1 = a1.messages.filter(isReport);
    expect(r0).toHaveLength(4 * n);
    expect(r1).toHaveLength(4 * n);
    expect(new Set(r0.map(key)).size).toBe(4 * n);
    expect(r0.map(key)).toEqual(r1.map(key)); // one symbol, one shard: the same order everywhere
    // The request id is echoed to the requesting connection only.
    // (every report of a request carries its id there: accepted and filled)
    expect(r0.filter((m) => typeof m.id === 'string' && (m.id as string).startsWith('r0-'))).toHaveLength(2 * n);
    expect(r0.some((m) => typeof m.id === 'string' && (m.id as string).startsWith('r1-'))).toBe(false);
    expect(r1.filter((m) => typeof m.id === 'string' && (m.id as string).startsWith('r1-'))).toHaveLength(2 * n);
    expect(r1.some((m) => typeof m.id === 'string' && (m.id as string).startsWith('r0-'))).toBe(false);
  });

  it('market data is identical on every thread: the same messages with the same sequence numbers', async () => {
    const srv = await server({ gatewayThreads: 2 });
    const subs = [await onThread(srv, 'dev-mm-key', 0), await onThread(srv, 'dev-mm-key', 1)];
    for (const s of subs) await s.request({ type: 'subscribe', id: 'sub', channels: ['trades', 'book', 'bbo'], symbols: ['ETH-USD'] });
    const bob = await onThread(srv, 'dev-bob-key', 0);
    const alice = await onThread(srv, 'dev-alice-key', 1);
    // Bursts from two threads at once: the shard's batches and each thread's reads vary in size.
    const trades = 60;
    for (let i = 0; i < trades; i++) {
      bob.send({ type: 'new_order', symbol: 'ETH-USD', clientOrderId: `e${i}`, side: 'sell', price: `${3000 + (i % 7)}`, quantity: '0.1' });
      alice.send({ type: 'new_order', symbol: 'ETH-USD', clientOrderId: `f${i}`, side: 'buy', price: `${2995 + (i % 11)}`, quantity: '0.1' });
    }
    const acked = (m: Msg): boolean => m.type === 'execution_report' && m.execType === 'new';
    await count(bob, acked, trades);
    await count(alice, acked, trades);
    alice.send({ type: 'new_order', symbol: 'ETH-USD', clientOrderId: 'sweep', side: 'buy', price: '3100', quantity: '100', timeInForce: 'IOC' });
    // Every sell is taken by the end (the sweep buys whatever rests).
    await count(bob, (m) => m.type === 'execution_report' && m.orderStatus === 'filled', trades);
    // Done on a thread once its last bbo shows no asks left (trades are published before it).
    const done = (c: Client): boolean => c.messages.filter((m) => m.type === 'bbo').at(-1)?.askPrice === null && c.messages.some((m) => m.type === 'trade');
    for (const s of subs) await count(s, () => done(s), 1);
    for (const s of subs) await s.request({ type: 'ping', id: 'p' });
    // Market data after subscribing (the empty book's seq-0 snapshot carries the time of the request).
    const md = (c: Client): Msg[] => c.messages.filter((m) => m.type !== 'subscribed' && m.type !== 'pong' && m.seq !== 0);
    expect(md(subs[0]).length).toBeGreaterThan(trades);
    const [m0, m1] = [md(subs[0]), md(subs[1])];
    const firstDiff = m0.findIndex((m, i) => JSON.stringify(m) !== JSON.stringify(m1[i]));
    expect({ firstDiff, m0: m0[firstDiff], m1: m1[firstDiff] }).toEqual({ firstDiff: -1, m0: undefined, m1: undefined });
  });

  it('cancel-on-disconnect waits for the account\'s last connection on any thread', async () => {
    const cfg = demoConfig();
    cfg.accounts[0].cancelOnDisconnect = true; // alice
    const srv = await server({ gatewayThreads: 2 }, cfg);
    const a0 = await onThread(srv, 'dev-alice-key', 0);
    const a1 = await onThread(srv, 'dev-alice-key', 1);
    await a0.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'cod1', side: 'buy', price: '49000', quantity: '0.01' });
    const bids = async (): Promise<string[][]> => ((await (await fetch(`${srv.http}/v1/book/BTC-USD`)).json()) as { bids: string[][] }).bids;
    await a0.close();
    // The other connection is still open: nothing is canceled (proved by an order on it going through after).
    await a1.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'cod2', side: 'buy', price: '48000', quantity: '0.01' });
    expect(await bids()).toEqual([['49000', '0.01'], ['48000', '0.01']]);
    await a1.close();
    await until(async () => (await bids()).length === 0, 10_000, 'cancel-on-disconnect to empty the book');
    expect(await bids()).toEqual([]);
  });

  it('health, metrics and admin answer on every thread, counting every thread\'s connections', async () => {
    const srv = await server({ gatewayThreads: 2 });
    const conns = [await onThread(srv, 'dev-alice-key', 0), await onThread(srv, 'dev-bob-key', 1), await onThread(srv, 'dev-mm-key', 1)];
    // HTTP connections land on either thread: ask often enough to reach both.
    for (let i = 0; i < 12; i++) {
      const deep = await fetch(`${srv.http}/health/deep`, { headers: { connection: 'close' } });
      expect(deep.status).toBe(200);
      const body = (await deep.json()) as { gatewayThreads: number; runtime: Record<string, unknown> };
      expect(body.gatewayThreads).toBe(2);
      expect(Object.keys(body.runtime)).toContain('G1');
      const metrics = await (await fetch(`${srv.http}/metrics`, { headers: { connection: 'close' } })).text();
      expect(metrics).toMatch(new RegExp(`ringmatch_ws_connections ${conns.length}\\b`));
      expect(metrics).toMatch(/ringmatch_ring_lag\{ring="E0",consumer="G1"\}/);
    }
    const halt = await fetch(`${srv.http}/v1/admin/symbols/SOL-USD/halt`, { method: 'POST', headers: { 'x-admin-key': 'test-admin-key', connection: 'close' } });
    expect(halt.status).toBe(202);
    expect(await conns[1].request({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: 'h1', side: 'buy', price: '150', quantity: '1' })).toMatchObject({ execType: 'rejected' });
  });

  it('the process serves on two threads, stops cleanly (exit 0), and a second server on the port is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rm-gwt-'));
    try {
      const p = await startServerProcess({ GATEWAY_THREADS: '2', DATA_DIR: join(dir, 'a'), ADMIN_KEY: 'k' });
      const seen = new Set<unknown>();
      for (let i = 0; i < 32 && seen.size < 2; i++) {
        const c = await Client.connect(`ws://127.0.0.1:${p.port}/ws`);
        seen.add((await c.request({ type: 'auth', token: 'dev-alice-key', id: 'a' })).gatewayThread);
        await c.close();
      }
      expect([...seen].sort()).toEqual([0, 1]);
      const second = await runToExit({ GATEWAY_THREADS: '2', DATA_DIR: join(dir, 'b'), PORT: String(p.port) });
      expect(second.code).toBe(3);
      expect(second.out).toMatch(/port is in use/);
      expect(await p.stop()).toBe(0);
      expect(p.out()).toMatch(/2 gateway thread\(s\)/);
      expect(p.out()).toMatch(/stopped cleanly/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a gateway worker that fails takes the process down cleanly: exit 70, not an abort', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rm-gwt-'));
    try {
      const p = await startServerProcess({ GATEWAY_THREADS: '2', DATA_DIR: dir, ADMIN_KEY: 'k', RINGMATCH_FAULT_INJECTION: '1' });
      const clients = await Promise.all(Array.from({ length: 6 }, () => Client.connect(`ws://127.0.0.1:${p.port}/ws`)));
      const kill = await fetch(`http://127.0.0.1:${p.port}/v1/admin/fault/kill/G1`, { method: 'POST', headers: { 'x-admin-key': 'k', connection: 'close' } });
      expect(kill.status).toBe(202);
      const code = await new Promise<number | null>((r) => p.child.once('exit', (c) => r(c)));
      for (const c of clients) c.terminate();
      expect(code).toBe(70);
      expect(p.out()).toMatch(/gateway thread 1 failed: .*fault injection/);
      expect(p.out()).not.toMatch(/uv_loop_close|Assertion failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the thread count is bounded by the rings\' consumer slots: up to 28 start (with journal and demo), 29 is refused clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rm-gwt-'));
    try {
      const engine = await Engine.start(compileConfig(demoConfig()), { gatewayThreads: 28, consumers: ['G', 'demo'], journal: journalAt(dir) });
      expect(engine.topology.count).toBe(31);
      await engine.stop();
      await expect(Engine.start(compileConfig(demoConfig()), { gatewayThreads: 29 })).rejects.toThrow(/from 1 to 28/);
      const r = await runToExit({ GATEWAY_THREADS: '29', DATA_DIR: join(dir, 'x') });
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/GATEWAY_THREADS.*from 1 to 28/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from 'vitest';
import { CommandType, EventType, OrderType, Side, Stp, TimeInForce } from '../engine/codes.ts';
import type { Command } from '../engine/command-slot.ts';
import { Engine } from '../engine/engine.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { decodeEvent } from '../engine/event-slot.ts';
import type { DecodedEvent } from '../engine/event-slot.ts';
import { EventCollector, prng } from './engine-events.ts';
import { engineScope, stateHashes, stopAndRebuild } from './engine-scope.ts';
import { testSpec } from './fixtures.ts';
import { journalAt } from '../persistence/durability.ts';

const { engines, tempDir } = engineScope();

async function start(opts: Parameters<typeof Engine.start>[1]): Promise<Engine> {
  const e = await Engine.start(testSpec(), opts);
  engines.push(e);
  return e;
}

/** A reproducible mixed stream over 2 symbols (one per shard) and 3 accounts, near the limits. */
function stream(n: number, seed: number): Command[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const cmds: Command[] = [];
  let lastIds = 0;
  const t0 = 1_700_000_000_000_000;
  for (let i = 0; i < n; i++) {
    const r = rnd();
    const ingressTs = t0 + i * 7;
    const account = pick([0, 1, 2]);
    const symbolId = pick([0, 1]);
    if (r < 0.6 || lastIds === 0) {
      const market = rnd() < 0.1;
      cmds.push({
        type: CommandType.NEW, symbolId, accountId: account, side: pick([Side.BUY, Side.SELL]),
        orderType: market ? OrderType.MARKET : OrderType.LIMIT, tif: market ? TimeInForce.IOC : pick([TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK]),
        stp: pick([Stp.NONE, Stp.CANCEL_OLDEST, Stp.DECREMENT]), price: 9800 + Math.floor(rnd() * 400), qty: 1 + Math.floor(rnd() * 20),
        clientOrderId: `k${i % 500}`, correlationId: i, ingressTs,
      });
      lastIds++;
    } else if (r < 0.75) {
      cmds.push({ type: CommandType.CANCEL, symbolId, accountId: account, orderId: 1 + Math.floor(rnd() * lastIds), correlationId: i, ingressTs });
    } else if (r < 0.97) {
      cmds.push({ type: CommandType.REPLACE, symbolId, accountId: account, orderId: 1 + Math.floor(rnd() * lastIds), price: 9800 + Math.floor(rnd() * 400), qty: Math.floor(rnd() * 25), correlationId: i, ingressTs });
    } else {
      cmds.push({ type: CommandType.MASS_CANCEL, symbolId: pick([-1, 0, 1]), accountId: account, correlationId: i, ingressTs });
    }
  }
  return cmds;
}

/**
 * Submit one command at a time, each only once the engine has settled from the one before (matched,
 * every event applied by the risk stage): the threaded pipeline then sees what the single-threaded
 * one sees, so both must decide alike.
 */
async function runLockstep(engine: Engine, cmds: Command[]): Promise<Array<Array<Omit<DecodedEvent, 'ts'>>>> {
  const events = new EventCollector(engine);
  const t0 = Date.now();
  for (const c of cmds) {
    expect(engine.submit(c)).toBe(true);
    while (!engine.isSettled()) {
      events.poll();
      if (Date.now() - t0 > 50_000) throw new Error('lockstep run did not settle');
      await new Promise((r) => setImmediate(r));
    }
  }
  return events.perShard.map((list) => list.map(({ ts: _ts, ...rest }) => rest));
}

describe('threaded engine (risk stage + 2 matching shards on worker threads)', () => {
  it('accepts, matches and reports through the rings', async () => {
    const engine = await start({});
    const events = new EventCollector(engine);
    expect(engine.submit({ type: CommandType.NEW, symbolId: 1, accountId: 1, side: Side.SELL, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 10000, qty: 5, clientOrderId: 's1' })).toBe(true);
    expect(engine.submit({ type: CommandType.NEW, symbolId: 1, accountId: 2, side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 10000, qty: 3, clientOrderId: 'b1' })).toBe(true);
    await events.until(() => events.perShard[1].length >= 3);
    expect(events.perShard[0]).toEqual([]);
    expect(events.perShard[1].map((e) => [e.type, e.seq])).toEqual([[EventType.ACCEPTED, 1], [EventType.ACCEPTED, 2], [EventType.TRADE, 3]]);
    expect(events.perShard[1][2]).toMatchObject({ lastPrice: 10000, lastQty: 3, leavesQty: 0, makerLeavesQty: 2 });
    await expect(engine.query(0, { what: 'validate' })).resolves.toBe(true);
    await expect(engine.query(2, { what: 'depth', symbol: 1, side: Side.SELL })).resolves.toEqual([[10000, 2, 1]]);
    // The risk stage follows the fill as it arrives (no tick, no watermark): account 2's order is done.
    await events.until(() => engine.isSettled());
    const acct = await engine.query<{ openOrders: number; positions: number[] }>(0, { what: 'account', account: 2 });
    expect(acct).toMatchObject({ openOrders: 0, positions: [0, 3] });
  });

  it('fed one settled command at a time, produces exactly the single-threaded engine\'s events', async () => {
    const cmds = stream(2_000, 7);
    const inline = new InlineEngine(testSpec());
    const expected: Array<Array<Omit<DecodedEvent, 'ts'>>> = [[], []];
    inline.onEvent((w, b, shard) => {
      const { ts: _ts, ...e } = decodeEvent(w, b);
      expected[shard].push(e);
    });
    for (const c of cmds) inline.submit(c);
    const engine = await start({});
    const got = await runLockstep(engine, cmds);
    expect(got[0].length + got[1].length).toBeGreaterThan(2_000);
    expect(got).toEqual(expected);
  });

  it('stop() drains what was submitted before the workers exit', async () => {
    const engine = await start({});
    const cmds = stream(5_000, 3);
    let sent = 0;
    let routed = 0; // each command reaches one shard; a mass cancel over all symbols reaches both
    for (const c of cmds) {
      if (!engine.submit(c)) continue;
      sent++;
      routed += c.type === CommandType.MASS_CANCEL && c.symbolId === -1 ? 2 : 1;
    }
    expect(sent).toBeGreaterThan(500);
    // The gateway keeps reading events while the engine stops (as the server does): a shard cannot
    // finish its input into an event ring nobody reads.
    const events = new EventCollector(engine);
    const reading = setInterval(() => events.poll(), 1);
    await engine.stop();
    clearInterval(reading);
    const st = engine.stats();
    expect(st[0].commands).toBe(sent);
    expect(st.slice(1).reduce((n, s) => n + s.commands, 0)).toBe(routed);
    expect(st.every((s) => s.state === 'stopped')).toBe(true);
    expect(engine.failures).toEqual([]);
  });

  it('a bogus far-future ingress time cannot stall the engine (releases keep flowing)', async () => {
    const engine = await start({});
    const events = new EventCollector(engine);
    // A bogus far-future ingress time, then normal traffic: more than two rings' worth of events.
    expect(engine.submit({ type: CommandType.NEW, symbolId: 0, accountId: 1, side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 9990, qty: 1, clientOrderId: 'future', ingressTs: Number.MAX_SAFE_INTEGER - 1 })).toBe(true);
    for (const c of stream(3_000, 5)) {
      while (!engine.submit({ ...c, ingressTs: undefined })) {
        events.poll();
        await new Promise((r) => setImmediate(r));
      }
    }
    await events.until(() => engine.isSettled(), 20_000);
    expect(events.count()).toBeGreaterThan(3_000);
  });

  it('free-running (events applied as they arrive): the journal rebuilds exactly the live state', async () => {
    const dir = tempDir('ringmatch-flow-');
    const spec = testSpec();
    const engine = await start({ journal: journalAt(dir) });
    const events = new EventCollector(engine);
    for (const c of stream(20_000, 11)) {
      while (!engine.submit({ ...c, ingressTs: undefined })) {
        events.poll();
        await new Promise((r) => setImmediate(r));
      }
    }
    await events.until(() => engine.isSettled(), 60_000);
    const all = events.perShard.flat();
    expect(all.length).toBeGreaterThan(20_000);
    expect(all.some((e) => e.type === EventType.TRADE)).toBe(true);
    expect(all.some((e) => e.code < -2000 && e.code > -2100)).toBe(true); // risk rejections happened
    await expect(engine.query(0, { what: 'validate' })).resolves.toBe(true);
    const live = await stateHashes(engine, spec.shards);
    expect(await stopAndRebuild(engines, engine, dir, spec, events.perShard.map((e) => e.length))).toEqual(live);
  });
});

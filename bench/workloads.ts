/**
 * Benchmark command streams, generated once and pre-encoded into one Int32Array of command
 * slots, so the measured loop only reads slots and calls the engine. The generator runs the
 * stream through a MatchingShard as it goes to know which orders are alive (cancels and moves
 * target real orders), then the benchmark replays it on fresh books.
 */
import { CommandType, EventType, OrderStatus, OrderType, ResultCode, Side, TimeInForce } from '../engine/codes.ts';
import { bandHigh, bandLow } from '../engine/bands.ts';
import { encodeCommand, CMD_SLOT_WORDS } from '../engine/command-slot.ts';
import type { Command } from '../engine/command-slot.ts';
import { decodeEvent, EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { MatchingShard } from '../engine/matching-shard.ts';
import type { EventOut } from '../engine/matching-shard.ts';

export const CMD_WORDS = CMD_SLOT_WORDS;

export interface Workload {
  name: string;
  /** Pre-fill commands (not timed) followed by the measured commands. */
  slots: Int32Array;
  prefill: number;
  total: number;
  /** The same commands as objects, for engines with an object API. */
  commands: Command[];
  mix: Record<string, number>;
}

/** A seeded PRNG (mulberry32), so every generated stream is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Tracker implements EventOut {
  readonly words = new Int32Array(EVT_SLOT_WORDS);
  readonly doubles = new Float64Array(this.words.buffer);
  readonly live: number[] = [];
  readonly index = new Map<number, number>();
  readonly side = new Map<number, number>();
  /** Price of the last trade (stops are placed away from it). */
  lastPrice = MID;
  claim(): number {
    return 0;
  }
  publish(): void {
    const e = decodeEvent(this.words, 0);
    if (e.type === EventType.ACCEPTED) this.add(e.orderId, e.meta & 0xf);
    else if (e.type === EventType.CANCELED || e.type === EventType.EXPIRED) this.remove(e.orderId);
    else if (e.type === EventType.REJECTED && e.code === ResultCode.MATCH_STOP_PRICE_BAND) this.remove(e.orderId);
    else if (e.type === EventType.TRADE) {
      this.lastPrice = e.lastPrice;
      if (e.status === OrderStatus.FILLED) this.remove(e.orderId);
      if (e.makerStatus === OrderStatus.FILLED) this.remove(e.makerOrderId);
    }
  }
  private add(id: number, side: number): void {
    this.index.set(id, this.live.length);
    this.live.push(id);
    this.side.set(id, side);
  }
  private remove(id: number): void {
    const i = this.index.get(id);
    if (i === undefined) return;
    const last = this.live.pop() as number;
    if (last !== id) {
      this.live[i] = last;
      this.index.set(last, i);
    }
    this.index.delete(id);
    this.side.delete(id);
  }
}

const MID = 1_000_000;
const HALF_LEVELS = 375; // ~750 levels in all

function build(name: string, ops: number, seed: number, next: (ctx: GenContext) => Command): Workload {
  const tracker = new Tracker();
  const shard = new MatchingShard({ shardId: 0, symbolIds: [0], symbolCount: 1, accountCount: 64, orderCapacity: 1 << 16 }, tracker);
  const rnd = rng(seed);
  const ctx: GenContext = { rnd, tracker, nextId: 0, i: 0, accounts: new Map() };
  const commands: Command[] = [];
  const slot = new Int32Array(CMD_WORDS);
  const mix: Record<string, number> = {};
  const push = (c: Command, kind: string): void => {
    commands.push(c);
    if (c.type === CommandType.NEW || c.type === CommandType.NEW_OCO) ctx.accounts.set(c.orderId ?? 0, c.accountId);
    encodeCommand(c, slot, 0);
    shard.process(slot, 0);
    mix[kind] = (mix[kind] ?? 0) + 1;
  };
  // Pre-fill ~1,000 resting orders over ~750 levels.
  while (tracker.live.length < 1_000) push(passive(ctx), 'prefill');
  const prefill = commands.length;
  for (const k of Object.keys(mix)) delete mix[k];
  for (let i = 0; i < ops; i++) {
    ctx.i = i;
    const c = next(ctx);
    // Engine time: command i arrives 1 ms after command i − 1 (GTD expiry is decided by it).
    c.ingressTs = (T0_MS + i) * 1000;
    push(c, kindOf(c));
  }
  const slots = new Int32Array(commands.length * CMD_WORDS);
  commands.forEach((c, i) => encodeCommand(c, slots, i * CMD_WORDS));
  for (const k of Object.keys(mix)) mix[k] = Math.round((mix[k] / ops) * 1000) / 10;
  return { name, slots, prefill, total: commands.length, commands, mix };
}

/** Engine time of the first measured command (ms since the epoch). */
const T0_MS = 1_700_000_000_000;
/** The band the order-types mix's stop-markets are protected at (the bench specs' priceBandPct: 50 %). */
const BENCH_BAND_BPS = 5_000;

function kindOf(c: Command): string {
  if (c.type === CommandType.NEW && c.orderType === OrderType.STOP) return 'stop';
  if (c.type === CommandType.NEW && c.orderType === OrderType.STOP_LIMIT) return 'stop-limit';
  if (c.type === CommandType.NEW && c.displayQty) return c.tif === TimeInForce.GTD ? 'iceberg GTD' : 'iceberg';
  if (c.type === CommandType.NEW && c.tif === TimeInForce.GTD) return 'new GTD';
  if (c.type === CommandType.NEW) return c.tif === TimeInForce.IOC ? 'new IOC' : 'new GTC';
  if (c.type === CommandType.NEW_OCO) return 'oco';
  if (c.type === CommandType.CANCEL) return 'cancel';
  return 'replace/move';
}

interface GenContext {
  rnd: () => number;
  tracker: Tracker;
  nextId: number;
  i: number;
  /** Account of every order created so far (cancels and moves must come from the owner). */
  accounts: Map<number, number>;
}

function passive(ctx: GenContext): Command {
  const side = ctx.rnd() < 0.5 ? Side.BUY : Side.SELL;
  const off = 1 + Math.floor(ctx.rnd() * HALF_LEVELS);
  const id = ++ctx.nextId;
  return {
    type: CommandType.NEW, symbolId: 0, accountId: Math.floor(ctx.rnd() * 64), side, orderType: OrderType.LIMIT, tif: TimeInForce.GTC,
    price: side === Side.BUY ? MID - off : MID + off, qty: 1 + Math.floor(ctx.rnd() * 100), orderId: id, correlationId: id, clientOrderId: `c${id}`,
  };
}

function aggressive(ctx: GenContext): Command {
  const side = ctx.rnd() < 0.5 ? Side.BUY : Side.SELL;
  const id = ++ctx.nextId;
  const through = Math.floor(ctx.rnd() * 8);
  return {
    type: CommandType.NEW, symbolId: 0, accountId: Math.floor(ctx.rnd() * 64), side, orderType: OrderType.LIMIT, tif: TimeInForce.IOC,
    price: side === Side.BUY ? MID + through : MID - through, qty: 1 + Math.floor(ctx.rnd() * 150), orderId: id, correlationId: id, clientOrderId: `c${id}`,
  };
}

function pickLive(ctx: GenContext): number {
  const live = ctx.tracker.live;
  return live.length ? live[Math.floor(ctx.rnd() * live.length)] : 0;
}

function cancel(ctx: GenContext): Command {
  const id = pickLive(ctx);
  return { type: CommandType.CANCEL, symbolId: 0, accountId: ctx.accounts.get(id) ?? 0, orderId: id, correlationId: ctx.i };
}

/**
 * exchange-core-like: ~9 % new GTC, 3 % IOC, 6 % cancel, 82 % move (replace with a new price on
 * the order's own side; 2 % of moves cross and trade), ~1,000 resting orders over ~750 levels.
 */
export function exchangeCoreMix(ops: number, seed = 1): Workload {
  return build('exchange-core mix', ops, seed, (ctx) => {
    const r = ctx.rnd();
    if (r < 0.09 || ctx.tracker.live.length < 200) return passive(ctx);
    if (r < 0.12) return aggressive(ctx);
    if (r < 0.18) return cancel(ctx);
    return move(ctx);
  });
}

/** A live order moves to a new price on its own side (2 % of moves cross and trade). */
function move(ctx: GenContext): Command {
  const id = pickLive(ctx);
  const side = ctx.tracker.side.get(id) ?? Side.BUY;
  const cross = ctx.rnd() < 0.02;
  const off = cross ? -Math.floor(ctx.rnd() * 3) : 1 + Math.floor(ctx.rnd() * HALF_LEVELS);
  return { type: CommandType.REPLACE, symbolId: 0, accountId: ctx.accounts.get(id) ?? 0, orderId: id, price: side === Side.BUY ? MID - off : MID + off, qty: 0, correlationId: ctx.i };
}

/**
 * The exchange-core mix with order types: 5 % stop-markets and 5 % stop-limits placed 1–10 ticks
 * beyond the last trade (aggressive orders trigger them), 5 % icebergs (a third of them GTD,
 * expiring 50–500 ms of engine time later), 2 % OCO groups (limit + stop-limit); the rest are
 * exchange-core's moves, aggressive IOCs and (more) cancels.
 */
export function orderTypesMix(ops: number, seed = 3): Workload {
  return build('order-types mix', ops, seed, (ctx) => {
    const r = ctx.rnd();
    if (r < 0.1) {
      const side = ctx.rnd() < 0.5 ? Side.BUY : Side.SELL;
      const dir = side === Side.BUY ? 1 : -1;
      const stopPrice = ctx.tracker.lastPrice + dir * (1 + Math.floor(ctx.rnd() * 10));
      const id = ++ctx.nextId;
      const limit = r < 0.05;
      return {
        type: CommandType.NEW, symbolId: 0, accountId: Math.floor(ctx.rnd() * 64), side, orderType: limit ? OrderType.STOP_LIMIT : OrderType.STOP,
        tif: TimeInForce.GTC, stopPrice, price: limit ? stopPrice + dir * Math.floor(ctx.rnd() * 5) : side === Side.BUY ? bandHigh(stopPrice, BENCH_BAND_BPS) : bandLow(stopPrice, BENCH_BAND_BPS),
        qty: 1 + Math.floor(ctx.rnd() * 60), orderId: id, correlationId: id, clientOrderId: `c${id}`,
      };
    }
    if (r < 0.15) {
      const c = passive(ctx);
      c.qty = 20 + Math.floor(ctx.rnd() * 100);
      c.displayQty = 5 + Math.floor(ctx.rnd() * 15);
      if (ctx.rnd() < 0.33) {
        c.tif = TimeInForce.GTD;
        c.expireTime = T0_MS + ctx.i + 50 + Math.floor(ctx.rnd() * 450);
      }
      return c;
    }
    if (r < 0.17) {
      // One-cancels-other: a resting limit leg on its side of the book, a stop leg beyond the last trade.
      const c = passive(ctx);
      const dir = c.side === Side.BUY ? 1 : -1;
      const stopPrice = ctx.tracker.lastPrice + dir * (1 + Math.floor(ctx.rnd() * 10));
      const stopId = ++ctx.nextId;
      ctx.accounts.set(stopId, c.accountId);
      return {
        ...c, type: CommandType.NEW_OCO, stopPrice, ocoOrderType: OrderType.STOP_LIMIT, ocoTif: TimeInForce.GTC, ocoPrice: stopPrice + dir * 2,
        ocoOrderId: stopId, newClientOrderId: `c${stopId}`,
      };
    }
    // The rest: ~1,000 live orders as exchange-core's, more cancels than its mix (the order types
    // above add 0.19 orders per command), so the live population stays level through the run.
    if (ctx.tracker.live.length < 1_000) return passive(ctx);
    const q = ctx.rnd();
    if (q < 0.05) return aggressive(ctx);
    if (q < 0.29) return cancel(ctx);
    return move(ctx);
  });
}

/** Simpler: 50 % new passive GTC, 35 % cancel, 15 % aggressive IOC. */
export function newCancelAggressiveMix(ops: number, seed = 2): Workload {
  return build('new/cancel/aggressive mix', ops, seed, (ctx) => {
    const r = ctx.rnd();
    if (r < 0.5 || ctx.tracker.live.length < 200) return passive(ctx);
    if (r < 0.85) return cancel(ctx);
    return aggressive(ctx);
  });
}

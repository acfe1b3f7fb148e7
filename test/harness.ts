/** Test helpers shared by the book case suite and the property tests (cold; allocates). */
import { CommandType, OrderType, Side, Stp, TimeInForce } from '../engine/codes.ts';
import { encodeCommand, CMD_SLOT_WORDS } from '../engine/command-slot.ts';
import type { Command } from '../engine/command-slot.ts';
import { decodeEvent, EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { MatchingShard } from '../engine/matching-shard.ts';
import { bandHigh, bandLow } from '../engine/risk-core.ts';
import type { EventOut } from '../engine/matching-shard.ts';
import { ReferenceShard, comparable } from './reference-book.ts';
import type { ComparableEvent, RefOrderView, SymbolRule } from './reference-book.ts';

export type Level = [price: number, qty: number, orders: number];

/** What both books offer the shared case suite. */
export interface BookUnderTest {
  readonly name: string;
  submit(cmd: Command): ComparableEvent[];
  depth(symbolId: number, side: number): Level[];
  openOrders(): number;
  check(): void;
  /** Level compactions so far (the fast book only). */
  compactions?(): number;
  /** Resting order ids of one side, best first, FIFO within a level (never a waiting stop). */
  restingIds(symbolId: number, side: number): number[];
  /** Live orders as the reference model holds them (the reference book only). */
  liveOrders?(): RefOrderView[];
  /** The symbol's last trade price as the reference model holds it (the reference book only). */
  lastPrice?(symbolId: number): number;
}

/** The symbol rules both books get unless told otherwise: reference price 100, band ±300 bps (97..103). */
export const REFERENCE_PRICE = 100;
export const BAND_BPS = 300;
export function defaultSymbolRules(symbolCount = 4): SymbolRule[] {
  return Array.from({ length: symbolCount }, () => ({ referencePrice: REFERENCE_PRICE, bandBps: BAND_BPS }));
}

class CollectingOut implements EventOut {
  readonly words = new Int32Array(EVT_SLOT_WORDS);
  readonly doubles = new Float64Array(this.words.buffer);
  events: ComparableEvent[] = [];
  claim(): number {
    return 0;
  }
  publish(): void {
    this.events.push(comparable(decodeEvent(this.words, 0)));
  }
}

export function fastBook(symbolIds: number[] = [0, 1], accounts = 16, capacity = 4096, symbolRules: SymbolRule[] = defaultSymbolRules(4)): BookUnderTest {
  const out = new CollectingOut();
  const shard = new MatchingShard({ shardId: 0, symbolIds, symbolCount: 4, accountCount: accounts, orderCapacity: capacity, levelsPerSide: 4, symbolRules }, out);
  const slot = new Int32Array(CMD_SLOT_WORDS);
  return {
    name: 'fast',
    submit(cmd) {
      out.events = [];
      encodeCommand(cmd, slot, 0);
      shard.process(slot, 0);
      return out.events;
    },
    depth: (s, side) => shard.depth(s, side),
    openOrders: () => shard.openOrderCount(),
    check: () => shard.validateInternalState(),
    compactions: () => shard.compactions,
    restingIds: (s, side) => shard.orders(s, side).map((o) => o.orderId),
  };
}

export function referenceBook(symbolIds: number[] = [0, 1], symbolRules: SymbolRule[] = defaultSymbolRules(4)): BookUnderTest {
  const ref = new ReferenceShard(0, symbolIds, symbolRules);
  return {
    name: 'reference',
    submit: (cmd) => ref.process(cmd),
    depth: (s, side) => ref.depth(s, side),
    openOrders: () => ref.openOrderCount(),
    check: () => undefined,
    restingIds: (s, side) => ref.restingIds(s, side),
    liveOrders: () => ref.liveOrders(),
    lastPrice: (s) => ref.lastPrice(s),
  };
}

// ---- command builders -------------------------------------------------------------------

let nextId = 1000;
export function resetIds(): void {
  nextId = 1000;
}

export interface OrderArgs {
  id?: number;
  account?: number;
  symbol?: number;
  tif?: number;
  type?: number;
  stp?: number;
  postOnly?: boolean;
  clOrd?: string;
  /** Stop price (STOP / STOP_LIMIT). */
  stopPrice?: number;
  /** Iceberg display quantity. */
  display?: number;
  /** GTD expiry, ms (sets tif GTD unless tif is given). */
  expire?: number;
  /** Ingress time, µs (engine time; GTD expiry is decided by it). */
  ts?: number;
}

export function order(side: number, qty: number, price: number, a: OrderArgs = {}): Command {
  const id = a.id ?? ++nextId;
  const c: Command = {
    type: CommandType.NEW, symbolId: a.symbol ?? 0, accountId: a.account ?? 1, side,
    orderType: a.type ?? OrderType.LIMIT, tif: a.tif ?? (a.expire ? TimeInForce.GTD : TimeInForce.GTC), stp: a.stp ?? Stp.NONE,
    postOnly: a.postOnly ?? false, price, qty, orderId: id, correlationId: id, clientOrderId: a.clOrd ?? `c${id}`,
  };
  if (a.stopPrice !== undefined) c.stopPrice = a.stopPrice;
  if (a.display !== undefined) c.displayQty = a.display;
  if (a.expire !== undefined) c.expireTime = a.expire;
  if (a.ts !== undefined) c.ingressTs = a.ts;
  return c;
}
export const buy = (qty: number, price: number, a?: OrderArgs): Command => order(Side.BUY, qty, price, a);
export const sell = (qty: number, price: number, a?: OrderArgs): Command => order(Side.SELL, qty, price, a);

/** Band-edge protection price of a stop-market order, as the risk stage sets it (buy: bandHigh(stop), sell: bandLow(stop)). */
export function stopProtection(side: number, stopPrice: number, bps = BAND_BPS): number {
  return side === Side.BUY ? bandHigh(stopPrice, bps) : bandLow(stopPrice, bps);
}

/** A stop-market order (price = its protection price, as after the risk stage). */
export function stopMarket(side: number, qty: number, stopPrice: number, a: OrderArgs = {}): Command {
  return order(side, qty, stopProtection(side, stopPrice), { ...a, type: OrderType.STOP, stopPrice });
}

/** A stop-limit order. */
export function stopLimit(side: number, qty: number, stopPrice: number, price: number, a: OrderArgs = {}): Command {
  return order(side, qty, price, { ...a, type: OrderType.STOP_LIMIT, stopPrice });
}

export interface OcoArgs extends OrderArgs {
  /** The stop leg's id (default: the next id after the limit leg's). */
  stopId?: number;
  stopType?: number;
  /** The stop leg's limit price (STOP_LIMIT); a STOP leg gets its protection price. */
  stopLimitPrice?: number;
  stopClOrd?: string;
}

/** NEW_OCO: a limit leg (qty at price) and a stop leg (stop or stop-limit, same side, qty, tif). */
export function oco(side: number, qty: number, price: number, stopPrice: number, a: OcoArgs = {}): Command {
  const id = a.id ?? ++nextId;
  const stopId = a.stopId ?? ++nextId;
  const stopType = a.stopType ?? OrderType.STOP;
  const tif = a.tif ?? (a.expire ? TimeInForce.GTD : TimeInForce.GTC);
  const c: Command = {
    type: CommandType.NEW_OCO, symbolId: a.symbol ?? 0, accountId: a.account ?? 1, side, orderType: OrderType.LIMIT,
    tif, stp: a.stp ?? Stp.NONE, postOnly: a.postOnly ?? false, price, qty, orderId: id, correlationId: id,
    clientOrderId: a.clOrd ?? `c${id}`, newClientOrderId: a.stopClOrd ?? `c${stopId}`, stopPrice, ocoOrderId: stopId,
    ocoOrderType: stopType, ocoTif: tif,
    ocoPrice: stopType === OrderType.STOP ? stopProtection(side, stopPrice) : (a.stopLimitPrice ?? 0),
  };
  if (a.display !== undefined) c.displayQty = a.display;
  if (a.expire !== undefined) c.expireTime = a.expire;
  if (a.ts !== undefined) c.ingressTs = a.ts;
  return c;
}

export function cancel(orderId: number, account = 1, symbol = 0, ts?: number): Command {
  const c: Command = { type: CommandType.CANCEL, symbolId: symbol, accountId: account, orderId, correlationId: 1 };
  if (ts !== undefined) c.ingressTs = ts;
  return c;
}

export function replace(orderId: number, price: number, qty: number, account = 1, symbol = 0, newClOrd?: string, stopPrice?: number): Command {
  const c: Command = { type: CommandType.REPLACE, symbolId: symbol, accountId: account, orderId, price, qty, correlationId: 2, newClientOrderId: newClOrd };
  if (stopPrice !== undefined) c.stopPrice = stopPrice;
  return c;
}

export function massCancel(account: number, symbol = -1): Command {
  return { type: CommandType.MASS_CANCEL, symbolId: symbol, accountId: account, correlationId: 3 };
}

/** CLOCK: engine time moves to `ts` µs (GTD expiry), nothing else. */
export function clock(ts: number, symbol = 0): Command {
  return { type: CommandType.CLOCK, symbolId: symbol, accountId: 0, correlationId: 4, ingressTs: ts };
}

// ---- bid | price | ask tables --------------------------------------------------------------

/**
 * Parse a book table. Each row is `bid | price | ask`; a cell lists resting order quantities in
 * time priority ("3,2" = an order of 3, then one of 2). Rows may come in any price order.
 */
export function parseBookTable(table: string): { bids: Array<[number, number[]]>; asks: Array<[number, number[]]> } {
  const bids: Array<[number, number[]]> = [];
  const asks: Array<[number, number[]]> = [];
  for (const raw of table.split('\n')) {
    const line = raw.trim();
    if (!line || /^bid\s*\|/.test(line)) continue;
    const [b, p, a] = line.split('|').map((s) => s.trim());
    const price = Number(p);
    const parse = (cell: string): number[] => (cell ? cell.split(',').map((x) => Number(x.trim())) : []);
    if (parse(b).length) bids.push([price, parse(b)]);
    if (parse(a).length) asks.push([price, parse(a)]);
  }
  bids.sort((x, y) => y[0] - x[0]);
  asks.sort((x, y) => x[0] - y[0]);
  return { bids, asks };
}

/** Commands that build a table's book: makers from `account`, FIFO as written. */
export function seedCommands(table: string, account = 9, symbol = 0): Command[] {
  const t = parseBookTable(table);
  const cmds: Command[] = [];
  // Interleave nothing: bids then asks; they do not cross in a valid table.
  for (const [price, qtys] of t.bids) for (const q of qtys) cmds.push(buy(q, price, { account, symbol }));
  for (const [price, qtys] of t.asks) for (const q of qtys) cmds.push(sell(q, price, { account, symbol }));
  return cmds;
}

/** The book as a table's levels: [[price, totalQty, orderCount]] per side, best first. */
export function expectedLevels(table: string): { bids: Level[]; asks: Level[] } {
  const t = parseBookTable(table);
  const lv = (rows: Array<[number, number[]]>): Level[] => rows.map(([p, q]) => [p, q.reduce((s, x) => s + x, 0), q.length]);
  return { bids: lv(t.bids), asks: lv(t.asks) };
}

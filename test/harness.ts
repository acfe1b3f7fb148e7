/** Test helpers shared by the book case suite and the property tests (cold; allocates). */
import { CommandType, OrderType, Side, Stp, TimeInForce } from '../engine/codes.ts';
import { encodeCommand, CMD_SLOT_WORDS } from '../engine/command-slot.ts';
import type { Command } from '../engine/command-slot.ts';
import { decodeEvent, EVT_SLOT_WORDS } from '../engine/event-slot.ts';
import { MatchingShard } from '../engine/matching-shard.ts';
import type { EventOut } from '../engine/matching-shard.ts';
import { ReferenceShard, comparable } from './reference-book.ts';
import type { ComparableEvent } from './reference-book.ts';

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

export function fastBook(symbolIds: number[] = [0, 1], accounts = 16, capacity = 4096): BookUnderTest {
  const out = new CollectingOut();
  const shard = new MatchingShard({ shardId: 0, symbolIds, symbolCount: 4, accountCount: accounts, orderCapacity: capacity, levelsPerSide: 4 }, out);
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
  };
}

export function referenceBook(symbolIds: number[] = [0, 1]): BookUnderTest {
  const ref = new ReferenceShard(0, symbolIds);
  return {
    name: 'reference',
    submit: (cmd) => ref.process(cmd),
    depth: (s, side) => ref.depth(s, side),
    openOrders: () => ref.openOrderCount(),
    check: () => undefined,
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
}

export function order(side: number, qty: number, price: number, a: OrderArgs = {}): Command {
  const id = a.id ?? ++nextId;
  return {
    type: CommandType.NEW, symbolId: a.symbol ?? 0, accountId: a.account ?? 1, side,
    orderType: a.type ?? OrderType.LIMIT, tif: a.tif ?? TimeInForce.GTC, stp: a.stp ?? Stp.NONE,
    postOnly: a.postOnly ?? false, price, qty, orderId: id, correlationId: id, clientOrderId: a.clOrd ?? `c${id}`,
  };
}
export const buy = (qty: number, price: number, a?: OrderArgs): Command => order(Side.BUY, qty, price, a);
export const sell = (qty: number, price: number, a?: OrderArgs): Command => order(Side.SELL, qty, price, a);

export function cancel(orderId: number, account = 1, symbol = 0): Command {
  return { type: CommandType.CANCEL, symbolId: symbol, accountId: account, orderId, correlationId: 1 };
}

export function replace(orderId: number, price: number, qty: number, account = 1, symbol = 0, newClOrd?: string): Command {
  return { type: CommandType.REPLACE, symbolId: symbol, accountId: account, orderId, price, qty, correlationId: 2, newClientOrderId: newClOrd };
}

export function massCancel(account: number, symbol = -1): Command {
  return { type: CommandType.MASS_CANCEL, symbolId: symbol, accountId: account, correlationId: 3 };
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

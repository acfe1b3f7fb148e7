/**
 * M — one matching shard's hot loop: the price-time-priority books of the symbols pinned to it and
 * the processing of commands into events. Its cold side — recovery, snapshots, inspection,
 * validation and hashing — is engine/matching-shard.ts (the class everyone uses, MatchingShard).
 *
 * Hot path. Everything is preallocated in the constructor; processing a command allocates
 * nothing: orders and price levels live in struct-of-arrays pools (typed arrays) with free
 * lists, each level's orders form an intrusive doubly linked FIFO (time priority), and each
 * side keeps its level prices in a sorted typed array with the best price at the end (adding or
 * removing the best level is O(1); a deep level is a short copyWithin).
 *
 * Order types (stop, stop-limit, OCO, iceberg, GTD: docs/order-types.md) live here too: untriggered
 * stops wait in per-book stop tables built from the same level machinery (ORDER_TYPES_ENGINE_READY),
 * GTD orders in a min-heap of expiry times, decided by the commands' ingress time only.
 *
 * Input: command slots (engine/command-slot.ts). Output: event slots (engine/event-slot.ts),
 * written through an EventOut — the shard's event ring in production, a collector in tests.
 */
import {
  CommandType, EventType, OrderStatus, OrderType, Reason, ResultCode, Side, Stp, TimeInForce,
} from './codes.ts';
import {
  CLORD_WORDS, CMD_ACCOUNT, CMD_CLORD, CMD_CORRELATION, CMD_DISPLAY_QTY, CMD_EXPIRE_TIME, CMD_INGRESS_TS, CMD_META, CMD_NEW_CLORD, CMD_OCO_META,
  CMD_END, CMD_OCO_ORDER_ID, CMD_OCO_PRICE, CMD_ORDER_ID, CMD_PRICE, CMD_QTY, CMD_REJECT, CMD_SEQ, CMD_STOP_PRICE, CMD_SYMBOL, CMD_TYPE, clordIsEmpty, copyClord,
  metaPostOnly, metaReason, metaSide, metaStp, metaTif, metaType,
} from './command-slot.ts';
import {
  EVT_ACCOUNT, EVT_BATCH_END, EVT_CLORD, EVT_CODE, EVT_COMMAND_SEQ, EVT_COMMAND_TYPE, EVT_CORRELATION, EVT_CUM, EVT_INGRESS_TS, EVT_LAST_PRICE,
  EVT_LAST_QTY, EVT_LEAVES, EVT_MAKER_ACCOUNT, EVT_MAKER_CUM, EVT_MAKER_LEAVES, EVT_MAKER_META, EVT_MAKER_ORDER_ID,
  EVT_MAKER_QTY, EVT_MAKER_STATUS, EVT_META, EVT_ORDER_ID, EVT_OTHER_CLORD, EVT_PRICE, EVT_QTY, EVT_SEQ,
  EVT_STATUS, EVT_SYMBOL, EVT_TRADE_ID, EVT_TS, EVT_TYPE, tradeIdOf,
  EVT_STOP_PRICE, EVT_DISPLAY_QTY, EVT_EXPIRE_TIME, EVT_OCO_GROUP, EVT_OCO_ORDER_ID,
} from './event-slot.ts';
import { bandHigh, bandLow } from './bands.ts';
import { getI64, putI64 } from './int64.ts';
import { LongIntMap, MISSING } from './long-int-map.ts';
import { SlotPool } from './slot-pool.ts';
import type { EngineSpec } from './config.ts';

/** Where the shard writes events: claim a slot (word index into `words`), fill it, publish. */
export interface EventOut {
  readonly words: Int32Array;
  /** Float64 view of the same memory as `words` (clearing: +0.0 is all-zero bits). */
  readonly doubles: Float64Array;
  claim(): number;
  publish(): void;
}

/**
 * One live order in a snapshot: [orderId, account, symbol, meta, price, qty, cum, clientOrderId,
 * stopPrice, displayQty, shown, expireTime, ocoGroupId, ocoOrderId, pending (1 = waiting for its
 * trigger)]. The fields after the client id are absent in snapshots written before order types.
 */
export type SnapshotOrder = [number, number, number, number, number, number, number, string, number?, number?, number?, number?, number?, number?, number?];

/** A shard's state in a snapshot: orders in priority order (book sides, then stop tables). */
export interface ShardState {
  shardId: number;
  seq: number;
  tradeSeq: number;
  orders: SnapshotOrder[];
  /** Last trade price per symbol of the shard ([symbolId, price]); absent in old snapshots. */
  lastPrices?: Array<[number, number]>;
}

export interface ShardOptions {
  shardId: number;
  /** Global symbol ids pinned to this shard. */
  symbolIds: readonly number[];
  symbolCount: number;
  accountCount: number;
  /** Resting orders this shard can hold (pool size). */
  orderCapacity: number;
  /** Initial price levels per side of each book (grows, cold, if exceeded). */
  levelsPerSide?: number;
  /**
   * Per global symbol id: the first "last trade price" (stop triggers) and the price band in basis
   * points (a stop-limit's limit price at its trigger). Default: 0 and 10,000 bps.
   */
  symbolRules?: ReadonlyArray<{ referencePrice: number; bandBps: number }>;
}

export const NIL = -1;
/** Bits of an order's flags byte (MatchingCore.oFlags). */
export const F_EXTRAS = 1;
export const F_PENDING = 2;

/** Options of shard k as the spec pins symbols to it (one place for the worker and the inline engine). */
export function shardOptions(spec: EngineSpec, k: number): ShardOptions {
  return {
    shardId: k,
    symbolIds: spec.symbols.filter((s) => s.shard === k).map((s) => s.id),
    symbolCount: spec.symbols.length,
    accountCount: spec.accounts.length,
    orderCapacity: spec.orderCapacityPerShard,
    symbolRules: spec.symbols.map((s) => ({ referencePrice: s.referencePrice, bandBps: s.bandBps })),
  };
}

/**
 * One side of one book: level prices sorted so that the best is last, plus a price → level map.
 *
 * A level that empties in the middle of the book stays in place with a zero count ("empty
 * level") instead of being cut out with a memmove: price-level churn (an order moving from one
 * price to another) is the common case, and the same prices come back. Empty levels are reused
 * when an order arrives at their price, popped as soon as they reach the top (the best level is
 * never empty), and compacted away when they outnumber the live ones. Evidence: on the
 * exchange-core mix (82 % moves) this took the isolated one-shard replay from ~2.4M to ~3.0M ops/s
 * in one session (bench/README.md has the current numbers).
 */
export class SideLevels {
  /** `isBid ? price : -price`, ascending; the best price is at [count - 1]. */
  keys: Float64Array;
  levels: Int32Array;
  count = 0;
  /** Levels in the array with no orders (never the last one). */
  empties = 0;
  readonly byPrice: LongIntMap;
  constructor(readonly isBid: boolean, capacity: number) {
    this.keys = new Float64Array(capacity);
    this.levels = new Int32Array(capacity);
    this.byPrice = new LongIntMap(capacity);
  }

  /** Index of the level with this price, or -(insertion point) - 1. */
  search(price: number): number {
    const key = this.isBid ? price : -price;
    let lo = 0;
    let hi = this.count - 1;
    // Most activity is near the top of the book: check the best level first.
    if (hi >= 0 && this.keys[hi] === key) return hi;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.keys[mid];
      if (k < key) lo = mid + 1;
      else if (k > key) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  insertAt(pos: number, price: number, level: number): void {
    if (this.count === this.keys.length) this.grow();
    if (pos < this.count) {
      this.keys.copyWithin(pos + 1, pos, this.count);
      this.levels.copyWithin(pos + 1, pos, this.count);
    }
    this.keys[pos] = this.isBid ? price : -price;
    this.levels[pos] = level;
    this.count++;
  }

  growths = 0;
  private grow(): void {
    const k = new Float64Array(this.keys.length * 2);
    k.set(this.keys);
    const l = new Int32Array(this.levels.length * 2);
    l.set(this.levels);
    this.keys = k;
    this.levels = l;
    this.growths++;
  }
}

export class Book {
  readonly bids: SideLevels;
  readonly asks: SideLevels;
  /**
   * Untriggered stops, as price levels keyed by stop price with the next to trigger last: buy stops
   * lowest first (ordered like asks), sell stops highest first (ordered like bids).
   */
  readonly stopBuys: SideLevels;
  readonly stopSells: SideLevels;
  /** Price of the last trade (stop triggers and the band at a trigger); starts at the reference price. */
  lastPrice: number;
  constructor(readonly symbolId: number, levelsPerSide: number, readonly referencePrice: number, readonly bandBps: number) {
    this.bids = new SideLevels(true, levelsPerSide);
    this.asks = new SideLevels(false, levelsPerSide);
    this.stopBuys = new SideLevels(false, 16);
    this.stopSells = new SideLevels(true, 16);
    this.lastPrice = referencePrice;
  }
}

/** Acts as a limit order that may rest (limit, or a triggered stop-limit) with GTC/GTD. */
export function restable(meta: number): boolean {
  const type = metaType(meta);
  const tif = metaTif(meta);
  return (type === OrderType.LIMIT || type === OrderType.STOP_LIMIT) && (tif === TimeInForce.GTC || tif === TimeInForce.GTD);
}

export function isStopType(type: number): boolean {
  return type === OrderType.STOP || type === OrderType.STOP_LIMIT;
}

export class MatchingCore {
  readonly shardId: number;
  // ---- order pool (struct of arrays), index = order slot ----
  protected readonly oId: Float64Array;
  protected readonly oAccount: Int32Array;
  protected readonly oSymbol: Int32Array;
  protected readonly oMeta: Int32Array;
  protected readonly oPrice: Float64Array;
  protected readonly oQty: Float64Array;
  protected readonly oCum: Float64Array;
  protected readonly oLevel: Int32Array;
  protected readonly oPrev: Int32Array;
  protected readonly oNext: Int32Array;
  protected readonly oAccPrev: Int32Array;
  protected readonly oAccNext: Int32Array;
  protected readonly oClord: Int32Array;
  // Order types (docs/order-types.md); 0 = not set.
  protected readonly oStop: Float64Array;
  protected readonly oDisplay: Float64Array;
  /** An iceberg's shown part while it rests in the book. */
  protected readonly oShown: Float64Array;
  /** GTD expiry, ms since the epoch. */
  protected readonly oExpire: Float64Array;
  protected readonly oOcoGroup: Float64Array;
  /** The other leg's order id (looked up by id: it may be gone). */
  protected readonly oOcoOther: Float64Array;
  /**
   * F_EXTRAS: an order-type field above is set — without it they hold a previous order's values and
   * are never read (a plain order's path touches this byte, not six more arrays); F_PENDING: a stop
   * waiting for its trigger (it sits in its book's stop table, not in the book).
   */
  protected readonly oFlags: Uint8Array;
  /** Free list of order slots (threaded through oNext, which also links a level's FIFO). */
  protected readonly orderPool: SlotPool;
  // ---- price level pool ----
  protected lPrice: Float64Array;
  protected lQty: Float64Array;
  protected lCount: Int32Array;
  protected lHead: Int32Array;
  protected lTail: Int32Array;
  protected freeLevel: number;
  // ---- indexes ----
  protected readonly byId: LongIntMap;
  protected readonly accHead: Int32Array;
  protected readonly books: Book[];
  protected readonly bookOf: Int32Array;
  // ---- output ----
  protected out: EventOut;
  protected seq = 0;
  protected tradeSeq = 0;
  protected nowUs = 0;
  // Fields of the command being processed, copied once so emit helpers need no arguments.
  protected cw: Int32Array = new Int32Array(0);
  protected cb = 0;
  protected cType = 0;
  /** The book a trade happened in since the last trigger check (stops may be due), or null. */
  protected tradedBook: Book | null = null;
  /** False while a mass cancel runs: its orders are canceled with its own reason, no OCO cascade. */
  protected ocoCascade = true;
  // ---- GTD expiry: a binary min-heap of (expireTime, orderId); entries of orders gone are skipped.
  protected hExp: Float64Array;
  protected hId: Float64Array;
  protected hSize = 0;

  constructor(opts: ShardOptions, out: EventOut) {
    this.shardId = opts.shardId;
    const cap = opts.orderCapacity;
    this.oId = new Float64Array(cap);
    this.oAccount = new Int32Array(cap);
    this.oSymbol = new Int32Array(cap);
    this.oMeta = new Int32Array(cap);
    this.oPrice = new Float64Array(cap);
    this.oQty = new Float64Array(cap);
    this.oCum = new Float64Array(cap);
    this.oLevel = new Int32Array(cap);
    this.oPrev = new Int32Array(cap);
    this.oNext = new Int32Array(cap);
    this.oAccPrev = new Int32Array(cap);
    this.oAccNext = new Int32Array(cap);
    this.oClord = new Int32Array(cap * CLORD_WORDS);
    this.oStop = new Float64Array(cap);
    this.oDisplay = new Float64Array(cap);
    this.oShown = new Float64Array(cap);
    this.oExpire = new Float64Array(cap);
    this.oOcoGroup = new Float64Array(cap);
    this.oOcoOther = new Float64Array(cap);
    this.oFlags = new Uint8Array(cap);
    this.hExp = new Float64Array(Math.min(cap, 1 << 12));
    this.hId = new Float64Array(this.hExp.length);
    this.orderPool = new SlotPool(this.oNext);
    // Every resting order needs at most one level; levels are far fewer in practice.
    const levelCap = Math.max(64, Math.min(cap, 1 << 16));
    this.lPrice = new Float64Array(levelCap);
    this.lQty = new Float64Array(levelCap);
    this.lCount = new Int32Array(levelCap);
    this.lHead = new Int32Array(levelCap);
    this.lTail = new Int32Array(levelCap);
    for (let i = 0; i < levelCap; i++) this.lHead[i] = i + 1 < levelCap ? i + 1 : NIL;
    this.freeLevel = 0;
    // Sized for the live set, not the pool: a table as large as a million-order pool misses cache
    // on every lookup. Growing past it is a counted, cold event (growthCount()).
    this.byId = new LongIntMap(Math.min(cap, 1 << 15));
    this.accHead = new Int32Array(opts.accountCount).fill(NIL);
    this.books = [];
    this.bookOf = new Int32Array(opts.symbolCount).fill(NIL);
    const lps = opts.levelsPerSide ?? 1024;
    for (const s of opts.symbolIds) {
      this.bookOf[s] = this.books.length;
      const rule = opts.symbolRules?.[s];
      this.books.push(new Book(s, lps, rule?.referencePrice ?? 0, rule?.bandBps ?? 10_000));
    }
    this.out = out;
  }

  /** The agent sets the clock once per batch (µs since the epoch). */
  setClock(nowUs: number): void {
    this.nowUs = nowUs;
  }

  lastSequence(): number {
    return this.seq;
  }

  openOrderCount(): number {
    return this.orderPool.inUse;
  }

  /** Process one command slot. Never throws for bad input: it becomes a REJECTED event. */
  process(w: Int32Array, b: number): void {
    this.cw = w;
    this.cb = b;
    const type = w[b + CMD_TYPE];
    this.cType = type;
    // Engine time is the command's ingress time: GTD orders due by then expire first.
    if (this.hSize > 0 && this.hExp[0] * 1000 <= getI64(w, b + CMD_INGRESS_TS)) this.expireDue();
    const reject = w[b + CMD_REJECT];
    if (reject !== 0) {
      this.emitCommandReject(reject);
      return;
    }
    const symbol = w[b + CMD_SYMBOL];
    // The order path's commands here; the rest in processOther (a small process() stays inlined in its loop).
    if (type === CommandType.REPLACE) this.replaceOrder(symbol);
    else if (type === CommandType.NEW) this.newOrder(symbol);
    else if (type === CommandType.CANCEL) {
      this.cancelOrder(symbol);
      return;
    } else if (!this.processOther(type, symbol)) return;
    // Trades moved the last price: trigger the stops it reached (and those their trades reach).
    const traded = this.tradedBook;
    if (traded !== null) this.afterTrades(traded);
  }

  /** Commands other than NEW / CANCEL / REPLACE; true when trades may have happened (NEW_OCO). */
  protected processOther(type: number, symbol: number): boolean {
    const w = this.cw;
    const b = this.cb;
    switch (type) {
      case CommandType.NEW_OCO:
        this.newOco(symbol);
        return true;
      case CommandType.CLOCK:
        return false;
      case CommandType.MASS_CANCEL:
        this.massCancel(w[b + CMD_ACCOUNT], symbol, metaReason(w[b + CMD_META]));
        return false;
      case CommandType.HALT_SYMBOL:
      case CommandType.RESUME_SYMBOL:
      case CommandType.ENABLE_ACCOUNT:
        this.emitAdmin(type);
        return false;
      case CommandType.DISABLE_ACCOUNT:
        this.massCancel(w[b + CMD_ACCOUNT], -1, Reason.KILL_SWITCH);
        this.emitAdmin(type);
        return false;
      default:
        this.emitCommandReject(ResultCode.MATCH_UNKNOWN_COMMAND);
        return false;
    }
  }

  protected afterTrades(traded: Book): void {
    this.tradedBook = null;
    if (traded.stopBuys.count + traded.stopSells.count > 0) this.runTriggers(traded);
  }

  // ------------------------------------------------------------------ commands

  /** The book a NEW / NEW_OCO enters (index), or NIL after refusing an unknown symbol or account. */
  protected entryBook(symbol: number): number {
    const bookIdx = symbol >= 0 && symbol < this.bookOf.length ? this.bookOf[symbol] : NIL;
    if (bookIdx === NIL) {
      this.emitCommandReject(ResultCode.RISK_UNKNOWN_SYMBOL);
      return NIL;
    }
    const account = this.cw[this.cb + CMD_ACCOUNT];
    if (account < 0 || account >= this.accHead.length) {
      this.emitCommandReject(ResultCode.RISK_UNKNOWN_ACCOUNT);
      return NIL;
    }
    return bookIdx;
  }

  protected newOrder(symbol: number): void {
    const w = this.cw;
    const b = this.cb;
    // (entryBook's checks, written out: the order path's hottest function stays free of calls.)
    const bookIdx = symbol >= 0 && symbol < this.bookOf.length ? this.bookOf[symbol] : NIL;
    if (bookIdx === NIL) {
      this.emitCommandReject(ResultCode.RISK_UNKNOWN_SYMBOL);
      return;
    }
    const account = w[b + CMD_ACCOUNT];
    if (account < 0 || account >= this.accHead.length) {
      this.emitCommandReject(ResultCode.RISK_UNKNOWN_ACCOUNT);
      return;
    }
    const book = this.books[bookIdx];
    const orderId = getI64(w, b + CMD_ORDER_ID);
    if (this.byId.get(orderId) !== MISSING) {
      this.emitCommandReject(ResultCode.MATCH_DUPLICATE_ORDER_ID);
      return;
    }
    const meta = w[b + CMD_META];
    const side = metaSide(meta);
    const price = getI64(w, b + CMD_PRICE);
    const qty = getI64(w, b + CMD_QTY);
    if (isStopType(metaType(meta))) {
      const stop = getI64(w, b + CMD_STOP_PRICE);
      if (this.wouldTrigger(book, side, stop)) {
        this.emitCommandReject(ResultCode.MATCH_STOP_WOULD_TRIGGER);
        return;
      }
      if (this.orderPool.exhausted()) {
        this.emitCommandReject(ResultCode.MATCH_BOOK_CAPACITY);
        return;
      }
      const o = this.addOrder(orderId, account, symbol, meta, price, qty, 0);
      copyClord(w, b + CMD_CLORD, this.oClord, o * CLORD_WORDS);
      this.takeOrderExtras(o, CMD_STOP_PRICE, false);
      this.oFlags[o] |= F_EXTRAS | F_PENDING;
      this.rest(book, o);
      this.emitOrder(EventType.ACCEPTED, 0, o, 0);
      return;
    }
    if (metaPostOnly(meta) && this.crosses(book, side, price)) {
      this.emitCommandReject(ResultCode.MATCH_POST_ONLY_WOULD_TAKE);
      return;
    }
    if (this.orderPool.exhausted()) {
      this.emitCommandReject(ResultCode.MATCH_BOOK_CAPACITY);
      return;
    }
    const o = this.addOrder(orderId, account, symbol, meta, price, qty, 0);
    copyClord(w, b + CMD_CLORD, this.oClord, o * CLORD_WORDS);
    // (Guarded here, not inside: a call never taken is not inlined, and the plain order's path stays small.)
    if ((w[b + CMD_DISPLAY_QTY] | w[b + CMD_DISPLAY_QTY + 1] | w[b + CMD_EXPIRE_TIME] | w[b + CMD_EXPIRE_TIME + 1]) !== 0) this.takeOrderExtras(o, -1, false);
    this.emitOrder(EventType.ACCEPTED, 0, o, 0);
    this.execute(book, o);
  }

  /**
   * An accepted (or just triggered) order that is not resting: FOK pre-check, match as a taker,
   * then rest the remainder or cancel it.
   */
  protected execute(book: Book, o: number): void {
    const meta = this.oMeta[o];
    if (metaTif(meta) === TimeInForce.FOK && this.fillable(book, o) < this.oQty[o] - this.oCum[o]) {
      this.finish(o, EventType.EXPIRED, Reason.FOK_NOT_FILLABLE);
      return;
    }
    const id = this.oId[o];
    this.match(book, o);
    if (this.oLevel[o] === NIL && this.byId.get(id) === o) {
      // Still live and not resting: either rest it or cancel the remainder.
      if (restable(meta)) this.rest(book, o);
      else {
        const type = metaType(meta);
        this.finish(o, EventType.CANCELED, type === OrderType.MARKET || type === OrderType.STOP ? Reason.MARKET_REMAINDER : Reason.IOC_REMAINDER);
      }
    }
  }

  /** One-cancels-other: the limit leg (the command's order fields) and the stop leg (its oco fields). */
  protected newOco(symbol: number): void {
    const w = this.cw;
    const b = this.cb;
    const bookIdx = this.entryBook(symbol);
    if (bookIdx === NIL) return;
    const account = w[b + CMD_ACCOUNT];
    const book = this.books[bookIdx];
    const limitId = getI64(w, b + CMD_ORDER_ID);
    const stopId = getI64(w, b + CMD_OCO_ORDER_ID);
    if (this.byId.get(limitId) !== MISSING || this.byId.get(stopId) !== MISSING) {
      this.emitCommandReject(ResultCode.MATCH_DUPLICATE_ORDER_ID);
      return;
    }
    const meta = w[b + CMD_META];
    const side = metaSide(meta);
    const price = getI64(w, b + CMD_PRICE);
    const qty = getI64(w, b + CMD_QTY);
    const stop = getI64(w, b + CMD_STOP_PRICE);
    if (this.wouldTrigger(book, side, stop)) {
      this.emitCommandReject(ResultCode.MATCH_STOP_WOULD_TRIGGER);
      return;
    }
    if (metaPostOnly(meta) && this.crosses(book, side, price)) {
      this.emitCommandReject(ResultCode.MATCH_POST_ONLY_WOULD_TAKE);
      return;
    }
    if (this.orderPool.free() < 2) {
      this.emitCommandReject(ResultCode.MATCH_BOOK_CAPACITY);
      return;
    }
    const a = this.addOrder(limitId, account, symbol, meta, price, qty, 0);
    copyClord(w, b + CMD_CLORD, this.oClord, a * CLORD_WORDS);
    this.takeOrderExtras(a, -1, true);
    this.emitOrder(EventType.ACCEPTED, 0, a, 0);
    const s = this.addOrder(stopId, account, symbol, w[b + CMD_OCO_META], getI64(w, b + CMD_OCO_PRICE), qty, 0);
    copyClord(w, b + CMD_NEW_CLORD, this.oClord, s * CLORD_WORDS);
    this.takeOrderExtras(s, CMD_STOP_PRICE, true);
    this.oDisplay[s] = 0; // the display quantity is the limit leg's
    this.oOcoOther[s] = limitId;
    this.oFlags[s] |= F_EXTRAS | F_PENDING;
    this.rest(book, s);
    this.emitOrder(EventType.ACCEPTED, 0, s, 0);
    this.execute(book, a);
  }

  /** Would a stop at this price trigger right now (the last trade already reached it)? */
  protected wouldTrigger(book: Book, side: number, stop: number): boolean {
    return side === Side.BUY ? book.lastPrice >= stop : book.lastPrice <= stop;
  }

  protected cancelOrder(symbol: number): void {
    const o = this.ownedOrder(symbol);
    if (o === NIL) return;
    this.unlinkLevel(o);
    this.finish(o, EventType.CANCELED, Reason.USER);
  }

  protected replaceOrder(symbol: number): void {
    const w = this.cw;
    const b = this.cb;
    const o = this.ownedOrder(symbol);
    if (o === NIL) return;
    const cmdPrice = getI64(w, b + CMD_PRICE);
    const cmdQty = getI64(w, b + CMD_QTY);
    const newPrice = cmdPrice !== 0 ? cmdPrice : this.oPrice[o];
    const newQty = cmdQty !== 0 ? cmdQty : this.oQty[o];
    const flags = this.oFlags[o];
    if ((flags & F_PENDING) === 0 && (w[b + CMD_STOP_PRICE] | w[b + CMD_STOP_PRICE + 1]) !== 0) {
      this.emitOrderReject(o, ResultCode.MATCH_STOP_ALREADY_TRIGGERED);
      return;
    }
    if (newQty <= this.oCum[o]) {
      this.emitOrderReject(o, ResultCode.MATCH_REPLACE_QTY_TOO_LOW);
      return;
    }
    const book = this.books[this.bookOf[symbol]];
    const side = metaSide(this.oMeta[o]);
    if ((flags & F_PENDING) !== 0) {
      const cmdStop = getI64(w, b + CMD_STOP_PRICE);
      this.replaceStop(book, o, cmdStop !== 0 ? cmdStop : this.oStop[o], newPrice, newQty);
      return;
    }
    if (metaPostOnly(this.oMeta[o]) && newPrice !== this.oPrice[o] && this.crosses(book, side, newPrice)) {
      this.emitOrderReject(o, ResultCode.MATCH_POST_ONLY_WOULD_TAKE);
      return;
    }
    if (flags !== 0 && newPrice !== this.oPrice[o] && this.outsideBand(book, o, newPrice)) {
      this.emitOrderReject(o, ResultCode.MATCH_REPLACE_PRICE_BAND);
      return;
    }
    this.takeNewClientId(o);
    if (newPrice === this.oPrice[o] && newQty <= this.oQty[o]) {
      // Quantity down at the same price keeps time priority.
      this.lQty[this.oLevel[o]] -= this.oQty[o] - newQty;
      this.oQty[o] = newQty;
      if (this.oFlags[o] !== 0) this.clampShown(o);
      this.emitReplaced(o, Reason.USER);
      return;
    }
    // Price change or quantity up: loses priority; may cross and trade as a taker.
    this.unlinkLevel(o);
    this.oPrice[o] = newPrice;
    this.oQty[o] = newQty;
    this.emitReplaced(o, Reason.USER);
    this.match(book, o);
    if (this.oLevel[o] === NIL && this.byId.get(this.oId[o]) === o) this.rest(book, o);
  }

  /** The REPLACED event shows the previous client id as "other"; the order takes the new one if given. */
  protected takeNewClientId(o: number): void {
    const w = this.cw;
    const b = this.cb;
    this.idChanged = !clordIsEmpty(w, b + CMD_NEW_CLORD);
    if (this.idChanged) {
      copyClord(this.oClord, o * CLORD_WORDS, this.prevClord, 0);
      copyClord(w, b + CMD_NEW_CLORD, this.oClord, o * CLORD_WORDS);
    }
  }

  /** Replace of an untriggered stop: a new stop price or more quantity goes to the back of its stop queue. */
  protected replaceStop(book: Book, o: number, newStop: number, newPrice: number, newQty: number): void {
    if (this.wouldTrigger(book, metaSide(this.oMeta[o]), newStop)) {
      this.emitOrderReject(o, ResultCode.MATCH_STOP_WOULD_TRIGGER);
      return;
    }
    this.takeNewClientId(o);
    if (newStop === this.oStop[o] && newQty <= this.oQty[o]) {
      this.lQty[this.oLevel[o]] -= this.oQty[o] - newQty;
      this.oQty[o] = newQty;
      this.oPrice[o] = newPrice;
    } else {
      this.unlinkLevel(o);
      this.oStop[o] = newStop;
      this.oPrice[o] = newPrice;
      this.oQty[o] = newQty;
      this.rest(book, o);
    }
    this.emitReplaced(o, Reason.USER);
  }

  /**
   * A triggered stop-limit's new price outside the band around the last trade? The risk stage skips
   * the band for a stop it believes still waits — its TRIGGERED event may be on its way.
   */
  protected outsideBand(book: Book, o: number, price: number): boolean {
    return metaType(this.oMeta[o]) === OrderType.STOP_LIMIT && (price < bandLow(book.lastPrice, book.bandBps) || price > bandHigh(book.lastPrice, book.bandBps));
  }

  /** An iceberg's shown part never exceeds what is left of it. */
  protected clampShown(o: number): void {
    const leaves = this.oQty[o] - this.oCum[o];
    if (this.oShown[o] > leaves) this.oShown[o] = leaves;
  }

  protected massCancel(account: number, symbol: number, requested: number): void {
    const reason = requested === 0 ? Reason.MASS_CANCEL : requested;
    let canceled = 0;
    this.ocoCascade = false;
    if (account >= 0 && account < this.accHead.length) {
      let o = this.accHead[account];
      while (o !== NIL) {
        const next = this.oAccNext[o];
        if (symbol < 0 || this.oSymbol[o] === symbol) {
          this.unlinkLevel(o);
          this.finish(o, EventType.CANCELED, reason);
          canceled++;
        }
        o = next;
      }
    }
    this.ocoCascade = true;
    const ev = this.beginEvent(EventType.MASS_CANCEL_DONE, reason);
    const ow = this.out.words;
    this.zeroOrderBlock(ev);
    ow[ev + EVT_ACCOUNT] = account;
    ow[ev + EVT_SYMBOL] = symbol;
    putI64(ow, ev + EVT_LAST_QTY, canceled);
    this.out.publish();
  }

  /** The live order a CANCEL/REPLACE targets, if it belongs to the sender; else emits a reject. */
  protected ownedOrder(symbol: number): number {
    const w = this.cw;
    const b = this.cb;
    const o = this.byId.get(getI64(w, b + CMD_ORDER_ID));
    if (o === MISSING || this.oAccount[o] !== w[b + CMD_ACCOUNT] || this.oSymbol[o] !== symbol || this.oLevel[o] === NIL) {
      this.emitCommandReject(ResultCode.MATCH_UNKNOWN_ORDER);
      return NIL;
    }
    return o;
  }

  // ------------------------------------------------------------------ matching

  protected crosses(book: Book, side: number, price: number): boolean {
    if (side === Side.BUY) {
      const a = book.asks;
      return a.count > 0 && this.lPrice[a.levels[a.count - 1]] <= price;
    }
    const bd = book.bids;
    return bd.count > 0 && this.lPrice[bd.levels[bd.count - 1]] >= price;
  }

  /** How much of taker `t` could fill right now (FOK pre-check), honouring its STP mode. */
  protected fillable(book: Book, t: number): number {
    const side = metaSide(this.oMeta[t]);
    const opp = side === Side.BUY ? book.asks : book.bids;
    const limit = this.oPrice[t];
    const need = this.oQty[t] - this.oCum[t];
    const stp = metaStp(this.oMeta[t]);
    const account = this.oAccount[t];
    let sum = 0;
    for (let i = opp.count - 1; i >= 0; i--) {
      const lvl = opp.levels[i];
      const lp = this.lPrice[lvl];
      if (side === Side.BUY ? lp > limit : lp < limit) break;
      if (stp === Stp.NONE) {
        sum += this.lQty[lvl]; // icebergs' hidden parts included: refills make them reachable
      } else if (stp === Stp.CANCEL_OLDEST) {
        for (let m = this.lHead[lvl]; m !== NIL; m = this.oNext[m]) {
          if (this.oAccount[m] === account) continue; // canceled when met
          sum += this.oQty[m] - this.oCum[m];
          if (sum >= need) return sum;
        }
      } else {
        let own = NIL;
        for (let m = this.lHead[lvl]; m !== NIL && own === NIL; m = this.oNext[m]) if (this.oAccount[m] === account) own = m;
        if (own === NIL) {
          sum += this.lQty[lvl];
        } else {
          // The taker stops at its own order; an iceberg before it refills behind it: only its shown part counts.
          for (let m = this.lHead[lvl]; m !== own; m = this.oNext[m]) sum += this.oFlags[m] !== 0 && this.oDisplay[m] > 0 ? this.oShown[m] : this.oQty[m] - this.oCum[m];
          return sum;
        }
      }
      if (sum >= need) return sum;
    }
    return sum;
  }

  /** Trade taker `t` against the opposite side while it crosses. `t` is not resting. */
  protected match(book: Book, t: number): void {
    const meta = this.oMeta[t];
    const side = metaSide(meta);
    const opp = side === Side.BUY ? book.asks : book.bids;
    const limit = this.oPrice[t];
    const stp = metaStp(meta);
    const account = this.oAccount[t];
    while (opp.count > 0) {
      const lvl = opp.levels[opp.count - 1];
      const lp = this.lPrice[lvl];
      if (side === Side.BUY ? lp > limit : lp < limit) return;
      let m = this.lHead[lvl];
      while (m !== NIL) {
        const next = this.oNext[m];
        if (stp !== Stp.NONE && this.oAccount[m] === account) {
          if (!this.selfTrade(t, m, stp)) return;
        } else {
          const takerLeaves = this.oQty[t] - this.oCum[t];
          const makerLeaves = this.oQty[m] - this.oCum[m];
          // An iceberg maker trades at most its shown part.
          const mFlags = this.oFlags[m];
          const iceberg = mFlags !== 0 && this.oDisplay[m] > 0;
          const makerShown = iceberg ? this.oShown[m] : makerLeaves;
          const q = takerLeaves < makerShown ? takerLeaves : makerShown;
          this.oCum[t] += q;
          this.oCum[m] += q;
          this.lQty[lvl] -= q;
          this.emitTrade(t, m, lp, q);
          if (this.oFlags[t] !== 0 && this.oOcoOther[t] !== 0) this.cancelOther(t);
          if (mFlags !== 0 && this.oOcoOther[m] !== 0) this.cancelOther(m);
          if (q === makerLeaves) {
            this.unlinkLevel(m);
            this.release(m);
          } else if (q === makerShown) {
            // The shown part is used up: the next part goes to the back of the level.
            this.toBack(lvl, m);
            const left = makerLeaves - q;
            this.oShown[m] = this.oDisplay[m] < left ? this.oDisplay[m] : left;
          } else if (iceberg) {
            this.oShown[m] -= q;
          }
          if (q === takerLeaves) {
            this.release(t);
            return;
          }
        }
        m = next;
      }
      // unlinkLevel freed the level when its last order left; loop re-reads the best level.
    }
  }

  /**
   * Self-trade prevention between taker t and maker m of the same account. Returns false when
   * the taker is done (canceled or decremented to zero).
   */
  protected selfTrade(t: number, m: number, stp: number): boolean {
    switch (stp) {
      case Stp.CANCEL_NEWEST:
        this.finish(t, EventType.CANCELED, Reason.STP);
        return false;
      case Stp.CANCEL_OLDEST:
        this.unlinkLevel(m);
        this.finish(m, EventType.CANCELED, Reason.STP);
        return true;
      case Stp.CANCEL_BOTH:
        this.unlinkLevel(m);
        this.finish(m, EventType.CANCELED, Reason.STP);
        this.finish(t, EventType.CANCELED, Reason.STP);
        return false;
      default: {
        // DECREMENT: both lose the smaller leaves; whichever reaches zero is canceled.
        const tl = this.oQty[t] - this.oCum[t];
        const ml = this.oQty[m] - this.oCum[m];
        const d = tl < ml ? tl : ml;
        if (d === ml) {
          this.unlinkLevel(m);
          this.finish(m, EventType.CANCELED, Reason.STP);
        } else {
          this.oQty[m] -= d;
          this.lQty[this.oLevel[m]] -= d;
          if (this.oFlags[m] !== 0) this.clampShown(m);
          this.idChanged = false;
          this.emitReplaced(m, Reason.STP_DECREMENT);
        }
        if (d === tl) {
          this.finish(t, EventType.CANCELED, Reason.STP);
          return false;
        }
        this.oQty[t] -= d;
        this.idChanged = false;
        this.emitReplaced(t, Reason.STP_DECREMENT);
        return true;
      }
    }
  }

  // ------------------------------------------------------------------ book structure

  /** The levels an order sits in: its book side, or its stop table while it waits for its trigger. */
  protected sideOf(book: Book, o: number): SideLevels {
    const buy = metaSide(this.oMeta[o]) === Side.BUY;
    if ((this.oFlags[o] & F_PENDING) !== 0) return buy ? book.stopBuys : book.stopSells;
    return buy ? book.bids : book.asks;
  }

  /** Join the back of the order's level (a pending stop: of its stop price's queue); an iceberg shows its next part. */
  protected rest(book: Book, o: number): void {
    let side: SideLevels;
    let price: number;
    if (this.oFlags[o] === 0) {
      side = metaSide(this.oMeta[o]) === Side.BUY ? book.bids : book.asks;
      price = this.oPrice[o];
    } else {
      side = this.sideOf(book, o);
      const pending = (this.oFlags[o] & F_PENDING) !== 0;
      price = pending ? this.oStop[o] : this.oPrice[o];
      if (!pending && this.oDisplay[o] > 0) {
        const leaves = this.oQty[o] - this.oCum[o];
        this.oShown[o] = this.oDisplay[o] < leaves ? this.oDisplay[o] : leaves;
      }
    }
    let lvl = side.byPrice.get(price);
    if (lvl === MISSING) {
      lvl = this.allocLevel(price);
      side.insertAt(-side.search(price) - 1, price, lvl);
      side.byPrice.put(price, lvl);
    } else if (this.lCount[lvl] === 0) {
      side.empties--;
    }
    const tail = this.lTail[lvl];
    this.oPrev[o] = tail;
    this.oNext[o] = NIL;
    if (tail === NIL) this.lHead[lvl] = o;
    else this.oNext[tail] = o;
    this.lTail[lvl] = o;
    this.lCount[lvl]++;
    this.lQty[lvl] += this.oQty[o] - this.oCum[o];
    this.oLevel[o] = lvl;
  }

  /** Take a resting order out of its level queue (an emptied level: see SideLevels). */
  protected unlinkLevel(o: number): void {
    const lvl = this.oLevel[o];
    if (lvl === NIL) return;
    const prev = this.oPrev[o];
    const next = this.oNext[o];
    if (prev === NIL) this.lHead[lvl] = next;
    else this.oNext[prev] = next;
    if (next === NIL) this.lTail[lvl] = prev;
    else this.oPrev[next] = prev;
    this.lQty[lvl] -= this.oQty[o] - this.oCum[o];
    this.oLevel[o] = NIL;
    if (--this.lCount[lvl] === 0) {
      const side = this.sideOf(this.books[this.bookOf[this.oSymbol[o]]], o);
      if (side.levels[side.count - 1] === lvl) {
        // The best level emptied: pop it and any empty levels now on top.
        this.popLevel(side);
        while (side.count > 0 && this.lCount[side.levels[side.count - 1]] === 0) {
          this.popLevel(side);
          side.empties--;
        }
      } else if (++side.empties > 64 && side.empties * 2 > side.count) {
        this.compact(side);
      }
    }
  }

  /** Move a resting order to the back of its own level (an iceberg's refill): loses time priority. */
  protected toBack(lvl: number, o: number): void {
    const tail = this.lTail[lvl];
    if (tail === o) return;
    const prev = this.oPrev[o];
    const next = this.oNext[o];
    if (prev === NIL) this.lHead[lvl] = next;
    else this.oNext[prev] = next;
    this.oPrev[next] = prev; // o is not the tail, so next exists
    this.oPrev[o] = tail;
    this.oNext[o] = NIL;
    this.oNext[tail] = o;
    this.lTail[lvl] = o;
  }

  protected popLevel(side: SideLevels): void {
    const lvl = side.levels[--side.count];
    side.byPrice.remove(this.lPrice[lvl]);
    this.freeLevelSlot(lvl);
  }

  /** Times a side was compacted (diagnostics; the property tests check they reach it). */
  compactions = 0;

  /** Drop every empty level from a side in one pass. */
  protected compact(side: SideLevels): void {
    this.compactions++;
    let kept = 0;
    for (let i = 0; i < side.count; i++) {
      const lvl = side.levels[i];
      if (this.lCount[lvl] === 0) {
        side.byPrice.remove(this.lPrice[lvl]);
        this.freeLevelSlot(lvl);
      } else {
        side.keys[kept] = side.keys[i];
        side.levels[kept] = lvl;
        kept++;
      }
    }
    side.count = kept;
    side.empties = 0;
  }

  protected freeLevelSlot(lvl: number): void {
    this.lHead[lvl] = this.freeLevel;
    this.freeLevel = lvl;
  }

  protected allocLevel(price: number): number {
    if (this.freeLevel === NIL) this.growLevels();
    const lvl = this.freeLevel;
    this.freeLevel = this.lHead[lvl];
    this.lPrice[lvl] = price;
    this.lQty[lvl] = 0;
    this.lCount[lvl] = 0;
    this.lHead[lvl] = NIL;
    this.lTail[lvl] = NIL;
    return lvl;
  }

  levelGrowths = 0;
  protected growLevels(): void {
    const n = this.lPrice.length;
    const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n * 2);
      b.set(a);
      return b;
    };
    this.lPrice = grow(this.lPrice, (k) => new Float64Array(k));
    this.lQty = grow(this.lQty, (k) => new Float64Array(k));
    this.lCount = grow(this.lCount, (k) => new Int32Array(k));
    this.lHead = grow(this.lHead, (k) => new Int32Array(k));
    this.lTail = grow(this.lTail, (k) => new Int32Array(k));
    for (let i = n; i < 2 * n; i++) this.lHead[i] = i + 1 < 2 * n ? i + 1 : NIL;
    this.freeLevel = n;
    this.levelGrowths++;
  }

  /**
   * Take a free order slot (the caller checked there is one), fill it, index it by id and link it
   * into its account's list. Not resting yet. The caller writes the client id. (New order, replay,
   * snapshot import.)
   */
  protected addOrder(id: number, account: number, symbol: number, meta: number, price: number, qty: number, cum: number): number {
    const o = this.orderPool.take();
    this.oId[o] = id;
    this.oAccount[o] = account;
    this.oSymbol[o] = symbol;
    this.oMeta[o] = meta;
    this.oPrice[o] = price;
    this.oQty[o] = qty;
    this.oCum[o] = cum;
    this.oLevel[o] = NIL;
    this.oFlags[o] = 0; // the order-type fields are not read without F_EXTRAS
    this.byId.put(id, o);
    this.linkAccount(o);
    return o;
  }

  /** The order-type fields of a new order (docs/order-types.md); a GTD order joins the expiry heap. */
  protected setOrderExtras(o: number, stop: number, display: number, expire: number, ocoGroup: number, ocoOther: number): void {
    if (stop === 0 && display === 0 && expire === 0 && ocoGroup === 0 && ocoOther === 0) return;
    this.oStop[o] = stop;
    this.oDisplay[o] = display;
    this.oShown[o] = 0;
    this.oExpire[o] = expire;
    this.oOcoGroup[o] = ocoGroup;
    this.oOcoOther[o] = ocoOther;
    this.oFlags[o] |= F_EXTRAS;
    if (expire > 0) this.heapPush(o);
  }

  /**
   * Hot: setOrderExtras from the command being processed (stop price at `stopAt`, or none when
   * −1; an OCO leg: group = the limit leg's id, other = the stop leg's). Reads the slot here: an
   * expiry time (~2^40) passed as an argument would be boxed on every call.
   */
  protected takeOrderExtras(o: number, stopAt: number, oco: boolean): void {
    const w = this.cw;
    const b = this.cb;
    this.oStop[o] = stopAt >= 0 ? getI64(w, b + stopAt) : 0;
    this.oDisplay[o] = getI64(w, b + CMD_DISPLAY_QTY);
    this.oShown[o] = 0;
    this.oExpire[o] = getI64(w, b + CMD_EXPIRE_TIME);
    this.oOcoGroup[o] = oco ? getI64(w, b + CMD_ORDER_ID) : 0;
    this.oOcoOther[o] = oco ? getI64(w, b + CMD_OCO_ORDER_ID) : 0;
    this.oFlags[o] |= F_EXTRAS;
    if (this.oExpire[o] > 0) this.heapPush(o);
  }

  protected linkAccount(o: number): void {
    const a = this.oAccount[o];
    const head = this.accHead[a];
    this.oAccPrev[o] = NIL;
    this.oAccNext[o] = head;
    if (head !== NIL) this.oAccPrev[head] = o;
    this.accHead[a] = o;
  }

  /** Forget an order (not resting any more): id index, account list, back to the free list. */
  protected release(o: number): void {
    this.byId.remove(this.oId[o]);
    const prev = this.oAccPrev[o];
    const next = this.oAccNext[o];
    if (prev === NIL) this.accHead[this.oAccount[o]] = next;
    else this.oAccNext[prev] = next;
    if (next !== NIL) this.oAccPrev[next] = prev;
    this.orderPool.give(o);
  }

  /** Terminal event for a non-resting order (already unlinked from its level), then release; then its OCO leg. */
  protected finish(o: number, type: number, reason: number): void {
    this.emitOrder(type, reason, o, this.oQty[o] - this.oCum[o]);
    const other = this.oFlags[o] !== 0 ? this.oOcoOther[o] : 0;
    this.release(o);
    if (other !== 0 && reason !== Reason.OCO) this.cancelOtherId(other);
  }

  /** One-cancels-other: order o traded, triggered or ended — its other leg, if still live, is canceled. */
  protected cancelOther(o: number): void {
    this.cancelOtherId(this.oOcoOther[o]);
  }

  protected cancelOtherId(id: number): void {
    if (!this.ocoCascade) return;
    const s = this.byId.get(id);
    if (s === MISSING) return;
    this.unlinkLevel(s);
    this.finish(s, EventType.CANCELED, Reason.OCO);
  }

  // ------------------------------------------------------------------ stops

  /**
   * Trigger every stop the last trade price has reached, one at a time: buy stops lowest stop price
   * first, then sell stops highest first, each queue in time order; a triggered order's own trades
   * move the last price and may trigger more (the cascade ends within the command).
   */
  protected runTriggers(book: Book): void {
    for (;;) {
      this.tradedBook = null;
      const last = book.lastPrice;
      let o = NIL;
      const buys = book.stopBuys;
      if (buys.count > 0) {
        const lvl = buys.levels[buys.count - 1];
        if (this.lPrice[lvl] <= last) o = this.lHead[lvl];
      }
      if (o === NIL) {
        const sells = book.stopSells;
        if (sells.count > 0) {
          const lvl = sells.levels[sells.count - 1];
          if (this.lPrice[lvl] >= last) o = this.lHead[lvl];
        }
      }
      if (o === NIL) return;
      this.trigger(book, o);
    }
  }

  protected trigger(book: Book, o: number): void {
    this.unlinkLevel(o);
    this.oFlags[o] &= ~F_PENDING;
    const meta = this.oMeta[o];
    if (metaType(meta) === OrderType.STOP_LIMIT) {
      const p = this.oPrice[o];
      if (p < bandLow(book.lastPrice, book.bandBps) || p > bandHigh(book.lastPrice, book.bandBps)) {
        this.emitTriggerReject(o);
        const other = this.oOcoOther[o]; // a stop: F_EXTRAS is set
        this.release(o);
        if (other !== 0) this.cancelOtherId(other);
        return;
      }
    }
    this.emitOrder(EventType.TRIGGERED, 0, o, 0);
    if (this.oOcoOther[o] !== 0) this.cancelOther(o);
    this.execute(book, o);
  }

  // ------------------------------------------------------------------ GTD expiry

  /** Expire every GTD order due at the current command's ingress time (engine time), in (expireTime, orderId) order. */
  protected expireDue(): void {
    const w = this.cw;
    const b = this.cb;
    // The expiries are engine time's doing, not the command's: their events carry a CLOCK command
    // with no correlation id (no client request gets them as its answer), with the command's
    // sequence and ingress time (restarts group events by command sequence).
    const c = this.clockSlot;
    c[CMD_TYPE] = CommandType.CLOCK;
    c[CMD_SEQ] = w[b + CMD_SEQ];
    c[CMD_INGRESS_TS] = w[b + CMD_INGRESS_TS];
    c[CMD_INGRESS_TS + 1] = w[b + CMD_INGRESS_TS + 1];
    this.cw = c;
    this.cb = 0;
    this.cType = CommandType.CLOCK;
    while (this.hSize > 0 && this.hExp[0] * 1000 <= getI64(c, CMD_INGRESS_TS)) {
      const id = this.hId[0];
      this.heapPop();
      const o = this.byId.get(id);
      if (o === MISSING) continue; // gone before its time
      this.unlinkLevel(o);
      this.finish(o, EventType.EXPIRED, Reason.GTD_EXPIRED);
    }
    this.cw = w;
    this.cb = b;
    this.cType = w[b + CMD_TYPE];
  }

  /** The CLOCK command GTD expiries are attributed to (all zero but type, sequence and ingress time). */
  protected readonly clockSlot = new Int32Array(CMD_END);

  protected heapLess(i: number, j: number): boolean {
    const a = this.hExp[i];
    const b = this.hExp[j];
    return a < b || (a === b && this.hId[i] < this.hId[j]);
  }

  protected heapSwap(i: number, j: number): void {
    const e = this.hExp[i];
    this.hExp[i] = this.hExp[j];
    this.hExp[j] = e;
    const d = this.hId[i];
    this.hId[i] = this.hId[j];
    this.hId[j] = d;
  }

  /** Add order o (its expireTime and id) to the expiry heap. */
  protected heapPush(o: number): void {
    if (this.hSize === this.hExp.length) this.heapMakeRoom();
    let i = this.hSize++;
    this.hExp[i] = this.oExpire[o];
    this.hId[i] = this.oId[o];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.heapLess(i, parent)) break;
      this.heapSwap(i, parent);
      i = parent;
    }
  }

  protected heapPop(): void {
    const n = --this.hSize;
    this.hExp[0] = this.hExp[n];
    this.hId[0] = this.hId[n];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const c = r < n && this.heapLess(r, l) ? r : l;
      if (!this.heapLess(c, i)) return;
      this.heapSwap(c, i);
      i = c;
    }
  }

  heapGrowths = 0;
  /** Cold: drop entries of orders that are gone; grow when live GTD orders fill the heap. */
  protected heapMakeRoom(): void {
    let kept = 0;
    for (let i = 0; i < this.hSize; i++) {
      if (this.byId.get(this.hId[i]) === MISSING) continue;
      this.hExp[kept] = this.hExp[i];
      this.hId[kept] = this.hId[i];
      kept++;
    }
    if (kept * 2 > this.hExp.length) {
      const e = new Float64Array(this.hExp.length * 2);
      e.set(this.hExp.subarray(0, kept));
      const d = new Float64Array(this.hExp.length * 2);
      d.set(this.hId.subarray(0, kept));
      this.hExp = e;
      this.hId = d;
      this.heapGrowths++;
    }
    // Re-heapify what is left (a sorted prefix is a heap; entries kept their order, so sift down).
    this.hSize = kept;
    for (let i = (kept >> 1) - 1; i >= 0; i--) {
      let j = i;
      for (;;) {
        const l = 2 * j + 1;
        if (l >= kept) break;
        const r = l + 1;
        const c = r < kept && this.heapLess(r, l) ? r : l;
        if (!this.heapLess(c, j)) break;
        this.heapSwap(c, j);
        j = c;
      }
    }
  }

  // ------------------------------------------------------------------ events

  protected beginEvent(type: number, code: number): number {
    const ev = this.out.claim();
    const ow = this.out.words;
    const w = this.cw;
    const b = this.cb;
    // A ring slot holds whatever its previous event left. Every event writes the header and the
    // order block (EVT_ORDER_ID..EVT_LEAVES, EVT_CLORD) itself or via zeroOrderBlock; clear the
    // optional fields here. (A JS loop: TypedArray.fill's call cost showed as 7 % in profiles.)
    // Clear with 8-byte stores (slots and these fields are 8-byte aligned; see the layout test).
    const od = this.out.doubles;
    for (let k = (ev + EVT_LAST_PRICE) >> 1, end = (ev + EVT_CORRELATION) >> 1; k < end; k++) od[k] = 0;
    ow[ev + EVT_MAKER_META] = 0;
    od[(ev + EVT_MAKER_QTY) >> 1] = 0;
    // (The order-type fields share the trade and maker words cleared above: engine/event-slot.ts.)
    if (type !== EventType.TRADE && type !== EventType.REPLACED && type !== EventType.REJECTED) {
      // The other client id: written by TRADE, REPLACED and REJECTED events themselves.
      for (let k = (ev + EVT_OTHER_CLORD) >> 1, end = k + (CLORD_WORDS >> 1); k < end; k++) od[k] = 0;
    }
    ow[ev + EVT_TYPE] = type;
    ow[ev + EVT_CODE] = code;
    putI64(ow, ev + EVT_SEQ, ++this.seq);
    putI64(ow, ev + EVT_TS, this.nowUs);
    putI64(ow, ev + EVT_CORRELATION, getI64(w, b + CMD_CORRELATION));
    ow[ev + EVT_COMMAND_TYPE] = this.cType;
    ow[ev + EVT_COMMAND_SEQ] = w[b + CMD_SEQ];
    ow[ev + EVT_BATCH_END] = 0;
    ow[ev + EVT_INGRESS_TS] = w[b + CMD_INGRESS_TS];
    ow[ev + EVT_INGRESS_TS + 1] = w[b + CMD_INGRESS_TS + 1];
    return ev;
  }

  protected zeroOrderBlock(ev: number): void {
    const ow = this.out.words;
    for (let k = ev + EVT_ORDER_ID, end = ev + EVT_LAST_PRICE; k < end; k++) ow[k] = 0;
    for (let k = ev + EVT_CLORD, end = k + CLORD_WORDS; k < end; k++) ow[k] = 0;
  }

  /** The order-type fields of an order's event (beginEvent cleared them: plain orders have none). */
  protected writeExtras(ev: number, o: number): void {
    const ow = this.out.words;
    putI64(ow, ev + EVT_STOP_PRICE, this.oStop[o]);
    putI64(ow, ev + EVT_DISPLAY_QTY, this.oDisplay[o]);
    putI64(ow, ev + EVT_EXPIRE_TIME, this.oExpire[o]);
    putI64(ow, ev + EVT_OCO_GROUP, this.oOcoGroup[o]);
    putI64(ow, ev + EVT_OCO_ORDER_ID, this.oOcoOther[o]);
  }

  protected status(o: number): number {
    if ((this.oFlags[o] & F_PENDING) !== 0) return OrderStatus.PENDING_TRIGGER;
    const cum = this.oCum[o];
    return cum === 0 ? OrderStatus.NEW : cum < this.oQty[o] ? OrderStatus.PARTIALLY_FILLED : OrderStatus.FILLED;
  }

  protected fillOrderFields(ev: number, o: number): void {
    const ow = this.out.words;
    putI64(ow, ev + EVT_ORDER_ID, this.oId[o]);
    ow[ev + EVT_ACCOUNT] = this.oAccount[o];
    ow[ev + EVT_SYMBOL] = this.oSymbol[o];
    ow[ev + EVT_META] = this.oMeta[o];
    putI64(ow, ev + EVT_PRICE, this.oPrice[o]);
    putI64(ow, ev + EVT_QTY, this.oQty[o]);
    putI64(ow, ev + EVT_CUM, this.oCum[o]);
    copyClord(this.oClord, o * CLORD_WORDS, ow, ev + EVT_CLORD);
  }

  /** An event about one order; CANCELED / EXPIRED are terminal (leaves 0, lastQty = canceled). */
  protected emitOrder(type: number, code: number, o: number, canceled: number): void {
    const ev = this.beginEvent(type, code);
    const ow = this.out.words;
    this.fillOrderFields(ev, o);
    const terminal = type === EventType.CANCELED || type === EventType.EXPIRED;
    putI64(ow, ev + EVT_LEAVES, terminal ? 0 : this.oQty[o] - this.oCum[o]);
    putI64(ow, ev + EVT_LAST_QTY, terminal ? canceled : 0);
    ow[ev + EVT_STATUS] =
      type === EventType.CANCELED ? OrderStatus.CANCELED : type === EventType.EXPIRED ? OrderStatus.EXPIRED : this.status(o);
    if (this.oFlags[o] !== 0) this.writeExtras(ev, o);
    if (type === EventType.REPLACED) {
      if (this.idChanged) copyClord(this.prevClord, 0, ow, ev + EVT_OTHER_CLORD);
      else copyClord(this.oClord, o * CLORD_WORDS, ow, ev + EVT_OTHER_CLORD);
    }
    this.out.publish();
  }

  /** Client id the order had before the replace being processed (shown as "other" in REPLACED). */
  protected readonly prevClord = new Int32Array(CLORD_WORDS);
  /** Whether the replace being processed gives the order a new client id (prevClord is valid). */
  protected idChanged = false;

  protected emitReplaced(o: number, reason: number): void {
    this.emitOrder(EventType.REPLACED, reason, o, 0);
  }

  protected emitTrade(t: number, m: number, price: number, qty: number): void {
    const book = this.books[this.bookOf[this.oSymbol[t]]];
    book.lastPrice = price;
    this.tradedBook = book;
    const ev = this.beginEvent(EventType.TRADE, 0);
    const ow = this.out.words;
    this.fillOrderFields(ev, t);
    putI64(ow, ev + EVT_LEAVES, this.oQty[t] - this.oCum[t]);
    ow[ev + EVT_STATUS] = this.status(t);
    putI64(ow, ev + EVT_LAST_PRICE, price);
    putI64(ow, ev + EVT_LAST_QTY, qty);
    putI64(ow, ev + EVT_TRADE_ID, tradeIdOf(++this.tradeSeq, this.shardId));
    putI64(ow, ev + EVT_MAKER_ORDER_ID, this.oId[m]);
    ow[ev + EVT_MAKER_ACCOUNT] = this.oAccount[m];
    ow[ev + EVT_MAKER_STATUS] = this.status(m);
    ow[ev + EVT_MAKER_META] = this.oMeta[m];
    putI64(ow, ev + EVT_MAKER_QTY, this.oQty[m]);
    putI64(ow, ev + EVT_MAKER_CUM, this.oCum[m]);
    putI64(ow, ev + EVT_MAKER_LEAVES, this.oQty[m] - this.oCum[m]);
    copyClord(this.oClord, m * CLORD_WORDS, ow, ev + EVT_OTHER_CLORD);
    this.out.publish();
  }

  /** REJECTED for the current command, described from the command itself. */
  protected emitCommandReject(code: number): void {
    const w = this.cw;
    const b = this.cb;
    const ev = this.beginEvent(EventType.REJECTED, code);
    const ow = this.out.words;
    putI64(ow, ev + EVT_ORDER_ID, getI64(w, b + CMD_ORDER_ID));
    ow[ev + EVT_ACCOUNT] = w[b + CMD_ACCOUNT];
    ow[ev + EVT_SYMBOL] = w[b + CMD_SYMBOL];
    ow[ev + EVT_META] = w[b + CMD_META];
    ow[ev + EVT_STATUS] = OrderStatus.REJECTED;
    putI64(ow, ev + EVT_PRICE, getI64(w, b + CMD_PRICE));
    putI64(ow, ev + EVT_QTY, getI64(w, b + CMD_QTY));
    putI64(ow, ev + EVT_CUM, 0);
    putI64(ow, ev + EVT_LEAVES, 0);
    copyClord(w, b + CMD_CLORD, ow, ev + EVT_CLORD);
    copyClord(w, b + CMD_NEW_CLORD, ow, ev + EVT_OTHER_CLORD);
    putI64(ow, ev + EVT_STOP_PRICE, getI64(w, b + CMD_STOP_PRICE));
    putI64(ow, ev + EVT_DISPLAY_QTY, getI64(w, b + CMD_DISPLAY_QTY));
    putI64(ow, ev + EVT_EXPIRE_TIME, getI64(w, b + CMD_EXPIRE_TIME));
    putI64(ow, ev + EVT_OCO_GROUP, 0);
    putI64(ow, ev + EVT_OCO_ORDER_ID, getI64(w, b + CMD_OCO_ORDER_ID));
    this.out.publish();
  }

  /** REJECTED for a cancel/replace of a live order: the order's own state, unchanged. */
  protected emitOrderReject(o: number, code: number): void {
    const ev = this.beginEvent(EventType.REJECTED, code);
    const ow = this.out.words;
    this.fillOrderFields(ev, o);
    putI64(ow, ev + EVT_LEAVES, this.oQty[o] - this.oCum[o]);
    ow[ev + EVT_STATUS] = this.status(o);
    copyClord(this.cw, this.cb + CMD_NEW_CLORD, ow, ev + EVT_OTHER_CLORD);
    if (this.oFlags[o] !== 0) this.writeExtras(ev, o);
    this.out.publish();
  }

  /** REJECTED for a stop-limit whose limit price is outside the band at its trigger: the order ends. */
  protected emitTriggerReject(o: number): void {
    const ev = this.beginEvent(EventType.REJECTED, ResultCode.MATCH_STOP_PRICE_BAND);
    const ow = this.out.words;
    this.fillOrderFields(ev, o);
    putI64(ow, ev + EVT_LEAVES, 0);
    ow[ev + EVT_STATUS] = OrderStatus.REJECTED;
    for (let k = ev + EVT_OTHER_CLORD, end = k + CLORD_WORDS; k < end; k++) ow[k] = 0;
    if (this.oFlags[o] !== 0) this.writeExtras(ev, o);
    this.out.publish();
  }

  protected emitAdmin(type: number): void {
    const ev = this.beginEvent(EventType.ADMIN, type);
    const ow = this.out.words;
    this.zeroOrderBlock(ev);
    ow[ev + EVT_ACCOUNT] = this.cw[this.cb + CMD_ACCOUNT];
    ow[ev + EVT_SYMBOL] = this.cw[this.cb + CMD_SYMBOL];
    this.out.publish();
  }
}

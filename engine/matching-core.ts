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
 * Input: command slots (engine/command-slot.ts). Output: event slots (engine/event-slot.ts),
 * written through an EventOut — the shard's event ring in production, a collector in tests.
 */
import {
  CommandType, EventType, OrderStatus, OrderType, Reason, ResultCode, Side, Stp, TimeInForce,
} from './codes.ts';
import {
  CLORD_WORDS, CMD_ACCOUNT, CMD_CLORD, CMD_CORRELATION, CMD_INGRESS_TS, CMD_META, CMD_NEW_CLORD, CMD_ORDER_ID,
  CMD_PRICE, CMD_QTY, CMD_REJECT, CMD_SEQ, CMD_SYMBOL, CMD_TYPE, clordIsEmpty, copyClord, metaPostOnly, metaReason, metaSide, metaStp, metaTif, metaType,
} from './command-slot.ts';
import {
  EVT_ACCOUNT, EVT_BATCH_END, EVT_CLORD, EVT_CODE, EVT_COMMAND_SEQ, EVT_COMMAND_TYPE, EVT_CORRELATION, EVT_CUM, EVT_INGRESS_TS, EVT_LAST_PRICE,
  EVT_LAST_QTY, EVT_LEAVES, EVT_MAKER_ACCOUNT, EVT_MAKER_CUM, EVT_MAKER_LEAVES, EVT_MAKER_META, EVT_MAKER_ORDER_ID,
  EVT_MAKER_QTY, EVT_MAKER_STATUS, EVT_META, EVT_ORDER_ID, EVT_OTHER_CLORD, EVT_PRICE, EVT_QTY, EVT_SEQ,
  EVT_STATUS, EVT_SYMBOL, EVT_TRADE_ID, EVT_TS, EVT_TYPE, tradeIdOf,
} from './event-slot.ts';
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

/** A shard's state in a snapshot: [orderId, account, symbol, meta, price, qty, cum, clientOrderId]. */
export interface ShardState {
  shardId: number;
  seq: number;
  tradeSeq: number;
  orders: Array<[number, number, number, number, number, number, number, string]>;
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
  constructor(readonly symbolId: number, levelsPerSide: number) {
    this.bids = new SideLevels(true, levelsPerSide);
    this.asks = new SideLevels(false, levelsPerSide);
  }
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
      this.books.push(new Book(s, lps));
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
    const reject = w[b + CMD_REJECT];
    if (reject !== 0) {
      this.emitCommandReject(reject);
      return;
    }
    const symbol = w[b + CMD_SYMBOL];
    switch (type) {
      case CommandType.NEW:
        this.newOrder(symbol);
        return;
      case CommandType.CANCEL:
        this.cancelOrder(symbol);
        return;
      case CommandType.REPLACE:
        this.replaceOrder(symbol);
        return;
      case CommandType.MASS_CANCEL:
        this.massCancel(w[b + CMD_ACCOUNT], symbol, metaReason(w[b + CMD_META]));
        return;
      case CommandType.HALT_SYMBOL:
      case CommandType.RESUME_SYMBOL:
      case CommandType.ENABLE_ACCOUNT:
        this.emitAdmin(type);
        return;
      case CommandType.DISABLE_ACCOUNT:
        this.massCancel(w[b + CMD_ACCOUNT], -1, Reason.KILL_SWITCH);
        this.emitAdmin(type);
        return;
      default:
        this.emitCommandReject(ResultCode.MATCH_UNKNOWN_COMMAND);
    }
  }

  // ------------------------------------------------------------------ commands

  protected newOrder(symbol: number): void {
    const w = this.cw;
    const b = this.cb;
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
    this.emitOrder(EventType.ACCEPTED, 0, o, 0);

    const tif = metaTif(meta);
    if (tif === TimeInForce.FOK && this.fillable(book, o) < qty) {
      this.finish(o, EventType.EXPIRED, Reason.FOK_NOT_FILLABLE);
      return;
    }
    this.match(book, o);
    if (this.oLevel[o] === NIL && this.byId.get(orderId) === o) {
      // Still live and not resting: either rest it or cancel the remainder.
      if (tif === TimeInForce.GTC && metaType(meta) === OrderType.LIMIT) this.rest(book, o);
      else this.finish(o, EventType.CANCELED, metaType(meta) === OrderType.MARKET ? Reason.MARKET_REMAINDER : Reason.IOC_REMAINDER);
    }
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
    if (newQty <= this.oCum[o]) {
      this.emitOrderReject(o, ResultCode.MATCH_REPLACE_QTY_TOO_LOW);
      return;
    }
    const book = this.books[this.bookOf[symbol]];
    const side = metaSide(this.oMeta[o]);
    if (metaPostOnly(this.oMeta[o]) && newPrice !== this.oPrice[o] && this.crosses(book, side, newPrice)) {
      this.emitOrderReject(o, ResultCode.MATCH_POST_ONLY_WOULD_TAKE);
      return;
    }
    // The REPLACED event shows the previous client id as "other"; the order takes the new one if given.
    this.idChanged = !clordIsEmpty(w, b + CMD_NEW_CLORD);
    if (this.idChanged) {
      copyClord(this.oClord, o * CLORD_WORDS, this.prevClord, 0);
      copyClord(w, b + CMD_NEW_CLORD, this.oClord, o * CLORD_WORDS);
    }
    if (newPrice === this.oPrice[o] && newQty <= this.oQty[o]) {
      // Quantity down at the same price keeps time priority.
      this.lQty[this.oLevel[o]] -= this.oQty[o] - newQty;
      this.oQty[o] = newQty;
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

  protected massCancel(account: number, symbol: number, requested: number): void {
    const reason = requested === 0 ? Reason.MASS_CANCEL : requested;
    let canceled = 0;
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
        sum += this.lQty[lvl];
      } else {
        for (let m = this.lHead[lvl]; m !== NIL; m = this.oNext[m]) {
          if (this.oAccount[m] === account) {
            if (stp === Stp.CANCEL_OLDEST) continue;
            return sum; // the taker would be canceled or decremented here
          }
          sum += this.oQty[m] - this.oCum[m];
          if (sum >= need) return sum;
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
          const q = takerLeaves < makerLeaves ? takerLeaves : makerLeaves;
          this.oCum[t] += q;
          this.oCum[m] += q;
          this.lQty[lvl] -= q;
          this.emitTrade(t, m, lp, q);
          if (q === makerLeaves) {
            this.unlinkLevel(m);
            this.release(m);
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

  protected rest(book: Book, o: number): void {
    const side = metaSide(this.oMeta[o]) === Side.BUY ? book.bids : book.asks;
    const price = this.oPrice[o];
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
      const book = this.books[this.bookOf[this.oSymbol[o]]];
      const side = metaSide(this.oMeta[o]) === Side.BUY ? book.bids : book.asks;
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
    this.byId.put(id, o);
    this.linkAccount(o);
    return o;
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

  /** Terminal event for a non-resting order (already unlinked from its level), then release. */
  protected finish(o: number, type: number, reason: number): void {
    this.emitOrder(type, reason, o, this.oQty[o] - this.oCum[o]);
    this.release(o);
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

  protected status(o: number): number {
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

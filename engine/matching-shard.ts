/**
 * M — one matching shard: the price-time-priority books of the symbols pinned to it.
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
  CMD_PRICE, CMD_QTY, CMD_REJECT, CMD_SEQ, CMD_SYMBOL, CMD_TYPE, clordIsEmpty, copyClord, metaPostOnly, metaReason, readClordString, writeClordString,
  metaSide, metaStp, metaTif, metaType,
} from './command-slot.ts';
import {
  EVT_ACCOUNT, EVT_BATCH_END, EVT_CLORD, EVT_CODE, EVT_COMMAND_SEQ, EVT_COMMAND_TYPE, EVT_SLOT_WORDS, EVT_CORRELATION, EVT_CUM, EVT_INGRESS_TS, EVT_LAST_PRICE,
  EVT_LAST_QTY, EVT_LEAVES, EVT_MAKER_ACCOUNT, EVT_MAKER_CUM, EVT_MAKER_LEAVES, EVT_MAKER_META, EVT_MAKER_ORDER_ID,
  EVT_MAKER_QTY, EVT_MAKER_STATUS, EVT_META, EVT_ORDER_ID, EVT_OTHER_CLORD, EVT_PRICE, EVT_QTY, EVT_SEQ,
  EVT_STATUS, EVT_SYMBOL, EVT_TRADE_ID, EVT_TS, EVT_TYPE, tradeIdOf,
} from './event-slot.ts';
import { getI64, putI64 } from './int64.ts';
import { LongIntMap, MISSING } from './long-int-map.ts';
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
}

const NIL = -1;

/** Options of shard k as the spec pins symbols to it (one place for the worker and the inline engine). */
export function shardOptions(spec: EngineSpec, k: number): ShardOptions {
  return {
    shardId: k,
    symbolIds: spec.symbols.filter((s) => s.shard === k).map((s) => s.id),
    symbolCount: spec.symbols.length,
    accountCount: spec.accounts.length,
    orderCapacity: spec.orderCapacityPerShard,
  };
}

/** Where a replay-only shard's events would go: nowhere — replayEvent never emits, so a call is a bug. */
class ReplayOnlyOut implements EventOut {
  readonly words = new Int32Array(EVT_SLOT_WORDS);
  readonly doubles = new Float64Array(this.words.buffer);
  claim(): number {
    throw new Error('a replay-only shard emits no events (use replayEvent, not process)');
  }
  publish(): void {
    throw new Error('a replay-only shard emits no events (use replayEvent, not process)');
  }
}

/**
 * Shard k's books to be rebuilt from events (recovery, snapshots, the audit consumer, tests):
 * `replayEvent` and `importState` only; processing a command on it throws.
 */
export function replayOnlyShard(spec: EngineSpec, k: number): MatchingShard {
  return new MatchingShard(shardOptions(spec, k), new ReplayOnlyOut());
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
class SideLevels {
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

class Book {
  readonly bids: SideLevels;
  readonly asks: SideLevels;
  constructor(readonly symbolId: number, levelsPerSide: number) {
    this.bids = new SideLevels(true, levelsPerSide);
    this.asks = new SideLevels(false, levelsPerSide);
  }
}

export class MatchingShard {
  readonly shardId: number;
  // ---- order pool (struct of arrays), index = order slot ----
  private readonly oId: Float64Array;
  private readonly oAccount: Int32Array;
  private readonly oSymbol: Int32Array;
  private readonly oMeta: Int32Array;
  private readonly oPrice: Float64Array;
  private readonly oQty: Float64Array;
  private readonly oCum: Float64Array;
  private readonly oLevel: Int32Array;
  private readonly oPrev: Int32Array;
  private readonly oNext: Int32Array;
  private readonly oAccPrev: Int32Array;
  private readonly oAccNext: Int32Array;
  private readonly oClord: Int32Array;
  private freeOrder: number;
  private ordersInUse = 0;
  // ---- price level pool ----
  private lPrice: Float64Array;
  private lQty: Float64Array;
  private lCount: Int32Array;
  private lHead: Int32Array;
  private lTail: Int32Array;
  private freeLevel: number;
  // ---- indexes ----
  private readonly byId: LongIntMap;
  private readonly accHead: Int32Array;
  private readonly books: Book[];
  private readonly bookOf: Int32Array;
  // ---- output ----
  private out: EventOut;
  private seq = 0;
  private tradeSeq = 0;
  private nowUs = 0;
  // Fields of the command being processed, copied once so emit helpers need no arguments.
  private cw: Int32Array = new Int32Array(0);
  private cb = 0;
  private cType = 0;

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
    for (let i = 0; i < cap; i++) this.oNext[i] = i + 1 < cap ? i + 1 : NIL;
    this.freeOrder = cap > 0 ? 0 : NIL;
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
    return this.ordersInUse;
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

  private newOrder(symbol: number): void {
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
    if (this.freeOrder === NIL) {
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

  private cancelOrder(symbol: number): void {
    const o = this.ownedOrder(symbol);
    if (o === NIL) return;
    this.unlinkLevel(o);
    this.finish(o, EventType.CANCELED, Reason.USER);
  }

  private replaceOrder(symbol: number): void {
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

  private massCancel(account: number, symbol: number, requested: number): void {
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
  private ownedOrder(symbol: number): number {
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

  private crosses(book: Book, side: number, price: number): boolean {
    if (side === Side.BUY) {
      const a = book.asks;
      return a.count > 0 && this.lPrice[a.levels[a.count - 1]] <= price;
    }
    const bd = book.bids;
    return bd.count > 0 && this.lPrice[bd.levels[bd.count - 1]] >= price;
  }

  /** How much of taker `t` could fill right now (FOK pre-check), honouring its STP mode. */
  private fillable(book: Book, t: number): number {
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
  private match(book: Book, t: number): void {
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
  private selfTrade(t: number, m: number, stp: number): boolean {
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

  private rest(book: Book, o: number): void {
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
  private unlinkLevel(o: number): void {
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

  private popLevel(side: SideLevels): void {
    const lvl = side.levels[--side.count];
    side.byPrice.remove(this.lPrice[lvl]);
    this.freeLevelSlot(lvl);
  }

  /** Times a side was compacted (diagnostics; the property tests check they reach it). */
  compactions = 0;

  /** Drop every empty level from a side in one pass. */
  private compact(side: SideLevels): void {
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

  private freeLevelSlot(lvl: number): void {
    this.lHead[lvl] = this.freeLevel;
    this.freeLevel = lvl;
  }

  private allocLevel(price: number): number {
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
  private growLevels(): void {
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
  private addOrder(id: number, account: number, symbol: number, meta: number, price: number, qty: number, cum: number): number {
    const o = this.freeOrder;
    this.freeOrder = this.oNext[o];
    this.ordersInUse++;
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

  private linkAccount(o: number): void {
    const a = this.oAccount[o];
    const head = this.accHead[a];
    this.oAccPrev[o] = NIL;
    this.oAccNext[o] = head;
    if (head !== NIL) this.oAccPrev[head] = o;
    this.accHead[a] = o;
  }

  /** Forget an order (not resting any more): id index, account list, back to the free list. */
  private release(o: number): void {
    this.byId.remove(this.oId[o]);
    const prev = this.oAccPrev[o];
    const next = this.oAccNext[o];
    if (prev === NIL) this.accHead[this.oAccount[o]] = next;
    else this.oAccNext[prev] = next;
    if (next !== NIL) this.oAccPrev[next] = prev;
    this.oNext[o] = this.freeOrder;
    this.freeOrder = o;
    this.ordersInUse--;
  }

  /** Terminal event for a non-resting order (already unlinked from its level), then release. */
  private finish(o: number, type: number, reason: number): void {
    this.emitOrder(type, reason, o, this.oQty[o] - this.oCum[o]);
    this.release(o);
  }

  // ------------------------------------------------------------------ events

  private beginEvent(type: number, code: number): number {
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

  private zeroOrderBlock(ev: number): void {
    const ow = this.out.words;
    for (let k = ev + EVT_ORDER_ID, end = ev + EVT_LAST_PRICE; k < end; k++) ow[k] = 0;
    for (let k = ev + EVT_CLORD, end = k + CLORD_WORDS; k < end; k++) ow[k] = 0;
  }

  private status(o: number): number {
    const cum = this.oCum[o];
    return cum === 0 ? OrderStatus.NEW : cum < this.oQty[o] ? OrderStatus.PARTIALLY_FILLED : OrderStatus.FILLED;
  }

  private fillOrderFields(ev: number, o: number): void {
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
  private emitOrder(type: number, code: number, o: number, canceled: number): void {
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
  private readonly prevClord = new Int32Array(CLORD_WORDS);
  /** Whether the replace being processed gives the order a new client id (prevClord is valid). */
  private idChanged = false;

  private emitReplaced(o: number, reason: number): void {
    this.emitOrder(EventType.REPLACED, reason, o, 0);
  }

  private emitTrade(t: number, m: number, price: number, qty: number): void {
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
  private emitCommandReject(code: number): void {
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
  private emitOrderReject(o: number, code: number): void {
    const ev = this.beginEvent(EventType.REJECTED, code);
    const ow = this.out.words;
    this.fillOrderFields(ev, o);
    putI64(ow, ev + EVT_LEAVES, this.oQty[o] - this.oCum[o]);
    ow[ev + EVT_STATUS] = this.status(o);
    copyClord(this.cw, this.cb + CMD_NEW_CLORD, ow, ev + EVT_OTHER_CLORD);
    this.out.publish();
  }

  private emitAdmin(type: number): void {
    const ev = this.beginEvent(EventType.ADMIN, type);
    const ow = this.out.words;
    this.zeroOrderBlock(ev);
    ow[ev + EVT_ACCOUNT] = this.cw[this.cb + CMD_ACCOUNT];
    ow[ev + EVT_SYMBOL] = this.cw[this.cb + CMD_SYMBOL];
    this.out.publish();
  }

  // ------------------------------------------------------------------ recovery (cold)

  /**
   * Rebuild state from one journaled event of this shard (recovery). Applies what the event says
   * happened — no matching, no new events. A GTC limit order joins the tail of its level when
   * ACCEPTED (it was the newest order there), and its own TRADE events then reduce it, so after its
   * command's events the book is exactly as it was; IOC/FOK/market orders never rest.
   */
  replayEvent(w: Int32Array, b: number): void {
    const type = w[b + EVT_TYPE];
    const seq = getI64(w, b + EVT_SEQ);
    if (seq !== this.seq + 1) throw new Error(`replay: shard ${this.shardId} event ${seq} after ${this.seq}`);
    this.seq = seq;
    switch (type) {
      case EventType.ACCEPTED: {
        if (this.freeOrder === NIL) throw new Error('replay: order pool exhausted (raise orderCapacityPerShard)');
        const symbol = w[b + EVT_SYMBOL];
        const o = this.addOrder(getI64(w, b + EVT_ORDER_ID), w[b + EVT_ACCOUNT], symbol, w[b + EVT_META], getI64(w, b + EVT_PRICE), getI64(w, b + EVT_QTY), 0);
        copyClord(w, b + EVT_CLORD, this.oClord, o * CLORD_WORDS);
        const meta = this.oMeta[o];
        if (metaTif(meta) === TimeInForce.GTC && metaType(meta) === OrderType.LIMIT) this.rest(this.books[this.bookOf[symbol]], o);
        return;
      }
      case EventType.TRADE: {
        const q = getI64(w, b + EVT_LAST_QTY);
        this.replayFill(getI64(w, b + EVT_ORDER_ID), q);
        this.replayFill(getI64(w, b + EVT_MAKER_ORDER_ID), q);
        const tradeId = getI64(w, b + EVT_TRADE_ID);
        this.tradeSeq = (tradeId - this.shardId) / 256;
        return;
      }
      case EventType.CANCELED:
      case EventType.EXPIRED: {
        const o = this.byId.get(getI64(w, b + EVT_ORDER_ID));
        if (o === MISSING) return;
        this.unlinkLevel(o);
        this.release(o);
        return;
      }
      case EventType.REPLACED: {
        const o = this.byId.get(getI64(w, b + EVT_ORDER_ID));
        if (o === MISSING) return;
        const price = getI64(w, b + EVT_PRICE);
        const qty = getI64(w, b + EVT_QTY);
        copyClord(w, b + EVT_CLORD, this.oClord, o * CLORD_WORDS);
        if (price === this.oPrice[o] && qty <= this.oQty[o] && this.oLevel[o] !== NIL) {
          this.lQty[this.oLevel[o]] -= this.oQty[o] - qty;
          this.oQty[o] = qty;
          return;
        }
        // Lost priority (or was not resting): back to the tail of its (new) level.
        this.unlinkLevel(o);
        this.oPrice[o] = price;
        this.oQty[o] = qty;
        if (this.oQty[o] > this.oCum[o]) this.rest(this.books[this.bookOf[this.oSymbol[o]]], o);
        return;
      }
      default:
        return; // REJECTED, ADMIN, MASS_CANCEL_DONE change no book
    }
  }

  /** Cold: the shard's state for a snapshot (orders in priority order, per book and side). */
  exportState(): ShardState {
    const orders: ShardState['orders'] = [];
    for (const book of this.books) {
      for (const side of [book.bids, book.asks]) {
        for (let i = side.count - 1; i >= 0; i--) {
          for (let o = this.lHead[side.levels[i]]; o !== NIL; o = this.oNext[o]) {
            orders.push([this.oId[o], this.oAccount[o], this.oSymbol[o], this.oMeta[o], this.oPrice[o], this.oQty[o], this.oCum[o], readClordString(this.oClord, o * CLORD_WORDS)]);
          }
        }
      }
    }
    return { shardId: this.shardId, seq: this.seq, tradeSeq: this.tradeSeq, orders };
  }

  /** Cold: load a snapshot into an empty shard (orders rejoin their levels in priority order). */
  importState(state: ShardState): void {
    if (this.ordersInUse !== 0 || this.seq !== 0) throw new Error('importState needs an empty shard');
    this.seq = state.seq;
    this.tradeSeq = state.tradeSeq;
    for (const [id, account, symbol, meta, price, qty, cum, clOrd] of state.orders) {
      if (this.freeOrder === NIL) throw new Error('snapshot: order pool exhausted (raise orderCapacityPerShard)');
      const o = this.addOrder(id, account, symbol, meta, price, qty, cum);
      writeClordString(this.oClord, o * CLORD_WORDS, clOrd);
      this.rest(this.books[this.bookOf[symbol]], o);
    }
  }

  private replayFill(orderId: number, q: number): void {
    const o = this.byId.get(orderId);
    if (o === MISSING) return;
    this.oCum[o] += q;
    if (this.oLevel[o] !== NIL) this.lQty[this.oLevel[o]] -= q;
    if (this.oCum[o] >= this.oQty[o]) {
      this.unlinkLevel(o);
      this.release(o);
    }
  }

  // ------------------------------------------------------------------ inspection (cold)

  /** Cold: aggregated levels, best first: [[price, qty, orderCount], ...]. */
  depth(symbol: number, side: number, maxLevels = Infinity): Array<[number, number, number]> {
    const bi = this.bookOf[symbol];
    if (bi === NIL) return [];
    const s = side === Side.BUY ? this.books[bi].bids : this.books[bi].asks;
    const res: Array<[number, number, number]> = [];
    for (let i = s.count - 1; i >= 0 && res.length < maxLevels; i--) {
      const l = s.levels[i];
      if (this.lCount[l] > 0) res.push([this.lPrice[l], this.lQty[l], this.lCount[l]]);
    }
    return res;
  }

  /** Cold: resting orders of one side, best level first, FIFO within a level. */
  orders(symbol: number, side: number): Array<{ orderId: number; accountId: number; price: number; qty: number; cum: number; meta: number }> {
    const bi = this.bookOf[symbol];
    if (bi === NIL) return [];
    const s = side === Side.BUY ? this.books[bi].bids : this.books[bi].asks;
    const res = [];
    for (let i = s.count - 1; i >= 0; i--) {
      for (let o = this.lHead[s.levels[i]]; o !== NIL; o = this.oNext[o]) {
        res.push({ orderId: this.oId[o], accountId: this.oAccount[o], price: this.oPrice[o], qty: this.oQty[o], cum: this.oCum[o], meta: this.oMeta[o] });
      }
    }
    return res;
  }

  /**
   * Cold: check every structural invariant; throws with a description of the first violation.
   * Sorted, uncrossed sides; level totals equal the sum of their orders; queues consistent;
   * the id index, the account lists and the pool counters agree.
   */
  validateInternalState(): void {
    let resting = 0;
    for (const book of this.books) {
      for (const side of [book.bids, book.asks]) {
        let empties = 0;
        for (let i = 0; i < side.count; i++) {
          if (i > 0 && !(side.keys[i - 1] < side.keys[i])) throw new Error(`book ${book.symbolId}: levels not strictly sorted at ${i}`);
          const lvl = side.levels[i];
          const price = this.lPrice[lvl];
          if ((side.isBid ? price : -price) !== side.keys[i]) throw new Error(`book ${book.symbolId}: level key/price mismatch at ${price}`);
          let sum = 0;
          let count = 0;
          let prev = NIL;
          for (let o = this.lHead[lvl]; o !== NIL; o = this.oNext[o]) {
            if (this.oPrev[o] !== prev) throw new Error(`level ${price}: broken prev link at order ${this.oId[o]}`);
            if (this.oLevel[o] !== lvl || this.oPrice[o] !== price) throw new Error(`order ${this.oId[o]} sits in the wrong level`);
            const leaves = this.oQty[o] - this.oCum[o];
            if (!(leaves > 0) || this.oCum[o] < 0) throw new Error(`order ${this.oId[o]}: leaves ${leaves} at rest`);
            if (this.byId.get(this.oId[o]) !== o) throw new Error(`order ${this.oId[o]} missing from the id index`);
            if ((metaSide(this.oMeta[o]) === Side.BUY) !== side.isBid) throw new Error(`order ${this.oId[o]} on the wrong side`);
            sum += leaves;
            count++;
            prev = o;
          }
          if (this.lTail[lvl] !== prev) throw new Error(`level ${price}: tail mismatch`);
          if (side.byPrice.get(price) !== lvl) throw new Error(`level ${price}: price index points elsewhere`);
          if (count === 0) {
            if (i === side.count - 1) throw new Error(`level ${price}: the best level is empty`);
            empties++;
          }
          if (count !== this.lCount[lvl] || sum !== this.lQty[lvl]) {
            throw new Error(`level ${price}: count/qty ${this.lCount[lvl]}/${this.lQty[lvl]} but orders say ${count}/${sum}`);
          }
          resting += count;
        }
        if (empties !== side.empties) throw new Error(`book ${book.symbolId}: ${empties} empty levels, counter says ${side.empties}`);
        if (side.byPrice.size !== side.count) throw new Error(`book ${book.symbolId}: price index has ${side.byPrice.size} levels, side ${side.count}`);
      }
      const bb = book.bids.count > 0 ? this.lPrice[book.bids.levels[book.bids.count - 1]] : -Infinity;
      const ba = book.asks.count > 0 ? this.lPrice[book.asks.levels[book.asks.count - 1]] : Infinity;
      if (bb >= ba) throw new Error(`book ${book.symbolId} is crossed at rest: bid ${bb} >= ask ${ba}`);
    }
    if (resting !== this.ordersInUse || this.byId.size !== this.ordersInUse) {
      throw new Error(`resting ${resting}, pool says ${this.ordersInUse}, id index ${this.byId.size}`);
    }
    let inLists = 0;
    for (let a = 0; a < this.accHead.length; a++) {
      let prev = NIL;
      for (let o = this.accHead[a]; o !== NIL; o = this.oAccNext[o]) {
        if (this.oAccount[o] !== a || this.oAccPrev[o] !== prev) throw new Error(`account list ${a} broken at ${this.oId[o]}`);
        prev = o;
        inLists++;
      }
    }
    if (inLists !== this.ordersInUse) throw new Error(`account lists hold ${inLists} orders, pool ${this.ordersInUse}`);
  }

  /**
   * Cold: a 64-bit hash (two 32-bit FNV-style lanes) of the books — orders in priority order with
   * id, account, price, quantities and meta, plus the sequence counters; client order ids are not
   * included (the risk stage's clientIds() covers them). Equal state ⇒ equal hash; a different hash
   * proves a difference; equal hashes are strong evidence, not proof (collisions are possible).
   */
  stateHash(): string {
    let h1 = 0x811c9dc5 | 0;
    let h2 = 0x01000193 | 0;
    const mixIn = (v: number): void => {
      const lo = v >>> 0;
      const hi = (v / 4294967296) | 0;
      h1 = Math.imul(h1 ^ lo, 0x01000193);
      h1 = Math.imul(h1 ^ hi, 0x01000193);
      h2 = Math.imul(h2 ^ (lo + 0x9e3779b9), 0x85ebca6b) ^ (h2 >>> 13);
      h2 = Math.imul(h2 ^ hi, 0xc2b2ae35);
    };
    mixIn(this.seq);
    mixIn(this.tradeSeq);
    for (const book of this.books) {
      mixIn(book.symbolId);
      for (const side of [Side.BUY, Side.SELL]) {
        for (const o of this.orders(book.symbolId, side)) {
          mixIn(o.orderId);
          mixIn(o.accountId);
          mixIn(o.price);
          mixIn(o.qty);
          mixIn(o.cum);
          mixIn(o.meta);
        }
        mixIn(-1);
      }
    }
    return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
  }

  /** Cold: growth counters (allocations past the preallocated sizes; expected 0). */
  growthCount(): number {
    let g = this.levelGrowths + this.byId.growths;
    for (const b of this.books) g += b.bids.growths + b.asks.growths + b.bids.byPrice.growths + b.asks.byPrice.growths;
    return g;
  }
}

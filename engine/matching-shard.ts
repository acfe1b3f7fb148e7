/**
 * MatchingShard: one matching shard — its hot loop (engine/matching-core.ts, command processing)
 * plus the cold side, here: rebuilding from journaled events (recovery), snapshots, inspection
 * (depth, orders), internal validation and the state hash. Nothing here runs per command.
 */
import { EventType, ResultCode, Side } from './codes.ts';
import { CLORD_WORDS, copyClord, metaSide, metaType, readClordString, writeClordString } from './command-slot.ts';
import {
  EVT_ACCOUNT, EVT_CLORD, EVT_CODE, EVT_DISPLAY_QTY, EVT_EXPIRE_TIME, EVT_LAST_PRICE, EVT_LAST_QTY, EVT_MAKER_ORDER_ID, EVT_META, EVT_OCO_GROUP,
  EVT_OCO_ORDER_ID, EVT_ORDER_ID, EVT_PRICE, EVT_QTY, EVT_SEQ, EVT_SLOT_WORDS, EVT_STOP_PRICE, EVT_SYMBOL, EVT_TRADE_ID, EVT_TYPE,
} from './event-slot.ts';
import { getI64 } from './int64.ts';
import { MISSING } from './long-int-map.ts';
import type { EngineSpec } from './config.ts';
import { F_EXTRAS, F_PENDING, MatchingCore, NIL, isStopType, restable, shardOptions } from './matching-core.ts';
import type { Book, EventOut, ShardState, SideLevels, SnapshotOrder } from './matching-core.ts';

export { MatchingCore, shardOptions } from './matching-core.ts';
export type { EventOut, ShardOptions, ShardState, SnapshotOrder } from './matching-core.ts';

export class MatchingShard extends MatchingCore {
  // ------------------------------------------------------------------ recovery (cold)

  /**
   * Rebuild state from one journaled event of this shard (recovery). Applies what the event says
   * happened — no matching, no new events. A GTC limit order joins the tail of its level when
   * ACCEPTED (it was the newest order there), and its own TRADE events then reduce it, so after its
   * command's events the book is exactly as it was; IOC/FOK/market orders never rest. A stop joins
   * its stop table when ACCEPTED and the book (as if just accepted) when TRIGGERED; an iceberg maker
   * refills to the back of its level at the TRADE that used up its shown part, as in matching.
   */
  replayEvent(w: Int32Array, b: number): void {
    const type = w[b + EVT_TYPE];
    const seq = getI64(w, b + EVT_SEQ);
    if (seq !== this.seq + 1) throw new Error(`replay: shard ${this.shardId} event ${seq} after ${this.seq}`);
    this.seq = seq;
    switch (type) {
      case EventType.ACCEPTED: {
        if (this.orderPool.exhausted()) throw new Error('replay: order pool exhausted (raise orderCapacityPerShard)');
        const symbol = w[b + EVT_SYMBOL];
        const o = this.addOrder(getI64(w, b + EVT_ORDER_ID), w[b + EVT_ACCOUNT], symbol, w[b + EVT_META], getI64(w, b + EVT_PRICE), getI64(w, b + EVT_QTY), 0);
        copyClord(w, b + EVT_CLORD, this.oClord, o * CLORD_WORDS);
        this.setOrderExtras(o, getI64(w, b + EVT_STOP_PRICE), getI64(w, b + EVT_DISPLAY_QTY), getI64(w, b + EVT_EXPIRE_TIME), getI64(w, b + EVT_OCO_GROUP), getI64(w, b + EVT_OCO_ORDER_ID));
        const meta = this.oMeta[o];
        const stop = isStopType(metaType(meta));
        if (stop) this.oFlags[o] |= F_EXTRAS | F_PENDING;
        if (stop || restable(meta)) this.rest(this.books[this.bookOf[symbol]], o);
        return;
      }
      case EventType.TRIGGERED: {
        const o = this.byId.get(getI64(w, b + EVT_ORDER_ID));
        if (o === MISSING) return;
        this.unlinkLevel(o);
        this.oFlags[o] &= ~F_PENDING;
        if (restable(this.oMeta[o])) this.rest(this.books[this.bookOf[this.oSymbol[o]]], o);
        return;
      }
      case EventType.TRADE: {
        const q = getI64(w, b + EVT_LAST_QTY);
        this.replayFill(getI64(w, b + EVT_ORDER_ID), q, false);
        this.replayFill(getI64(w, b + EVT_MAKER_ORDER_ID), q, true);
        const tradeId = getI64(w, b + EVT_TRADE_ID);
        this.tradeSeq = (tradeId - this.shardId) / 256;
        const bi = this.bookOf[w[b + EVT_SYMBOL]];
        if (bi !== NIL) this.books[bi].lastPrice = getI64(w, b + EVT_LAST_PRICE);
        return;
      }
      case EventType.REJECTED: {
        // Only a stop-limit refused at its trigger (outside the band) was a live order.
        if (w[b + EVT_CODE] !== ResultCode.MATCH_STOP_PRICE_BAND) return;
        const o = this.byId.get(getI64(w, b + EVT_ORDER_ID));
        if (o === MISSING) return;
        this.unlinkLevel(o);
        this.release(o);
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
        if ((this.oFlags[o] & F_PENDING) !== 0) {
          // An untriggered stop: in place unless its stop price changed or its quantity grew.
          const stop = getI64(w, b + EVT_STOP_PRICE);
          if (stop === this.oStop[o] && qty <= this.oQty[o]) {
            this.lQty[this.oLevel[o]] -= this.oQty[o] - qty;
            this.oQty[o] = qty;
            this.oPrice[o] = price;
            return;
          }
          this.unlinkLevel(o);
          this.oStop[o] = stop;
          this.oPrice[o] = price;
          this.oQty[o] = qty;
          this.rest(this.books[this.bookOf[this.oSymbol[o]]], o);
          return;
        }
        if (price === this.oPrice[o] && qty <= this.oQty[o] && this.oLevel[o] !== NIL) {
          this.lQty[this.oLevel[o]] -= this.oQty[o] - qty;
          this.oQty[o] = qty;
          if (this.oFlags[o] !== 0) this.clampShown(o);
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

  /** Each side of a book in priority order: bids, asks, then the stop tables (next to trigger first). */
  private sidesOf(book: Book): SideLevels[] {
    return [book.bids, book.asks, book.stopBuys, book.stopSells];
  }

  /** Cold: the shard's state for a snapshot (orders in priority order, per book and side, then stops). */
  exportState(): ShardState {
    const orders: SnapshotOrder[] = [];
    for (const book of this.books) {
      for (const side of this.sidesOf(book)) {
        for (let i = side.count - 1; i >= 0; i--) {
          for (let o = this.lHead[side.levels[i]]; o !== NIL; o = this.oNext[o]) {
            const x = this.oFlags[o] !== 0;
            orders.push([
              this.oId[o], this.oAccount[o], this.oSymbol[o], this.oMeta[o], this.oPrice[o], this.oQty[o], this.oCum[o], readClordString(this.oClord, o * CLORD_WORDS),
              x ? this.oStop[o] : 0, x ? this.oDisplay[o] : 0, x ? this.oShown[o] : 0, x ? this.oExpire[o] : 0, x ? this.oOcoGroup[o] : 0, x ? this.oOcoOther[o] : 0,
              (this.oFlags[o] & F_PENDING) !== 0 ? 1 : 0,
            ]);
          }
        }
      }
    }
    const lastPrices: Array<[number, number]> = this.books.map((bk) => [bk.symbolId, bk.lastPrice]);
    return { shardId: this.shardId, seq: this.seq, tradeSeq: this.tradeSeq, orders, lastPrices };
  }

  /** Cold: load a snapshot into an empty shard (orders rejoin their levels in priority order). */
  importState(state: ShardState): void {
    if (this.orderPool.inUse !== 0 || this.seq !== 0) throw new Error('importState needs an empty shard');
    this.seq = state.seq;
    this.tradeSeq = state.tradeSeq;
    for (const [symbol, price] of state.lastPrices ?? []) {
      const bi = this.bookOf[symbol];
      if (bi !== NIL && bi !== undefined) this.books[bi].lastPrice = price;
    }
    for (const [id, account, symbol, meta, price, qty, cum, clOrd, stop, display, shown, expire, group, other, pending] of state.orders) {
      if (this.orderPool.exhausted()) throw new Error('snapshot: order pool exhausted (raise orderCapacityPerShard)');
      const o = this.addOrder(id, account, symbol, meta, price, qty, cum);
      writeClordString(this.oClord, o * CLORD_WORDS, clOrd);
      this.setOrderExtras(o, stop ?? 0, display ?? 0, expire ?? 0, group ?? 0, other ?? 0);
      if (pending) this.oFlags[o] |= F_EXTRAS | F_PENDING;
      this.rest(this.books[this.bookOf[symbol]], o);
      if (shown !== undefined && this.oFlags[o] !== 0 && this.oDisplay[o] > 0) this.oShown[o] = shown;
    }
  }

  private replayFill(orderId: number, q: number, maker: boolean): void {
    const o = this.byId.get(orderId);
    if (o === MISSING) return;
    this.oCum[o] += q;
    const lvl = this.oLevel[o];
    if (lvl !== NIL) this.lQty[lvl] -= q;
    if (this.oCum[o] >= this.oQty[o]) {
      this.unlinkLevel(o);
      this.release(o);
      return;
    }
    if (this.oFlags[o] === 0 || this.oDisplay[o] === 0) return;
    const leaves = this.oQty[o] - this.oCum[o];
    if (!maker) {
      // A taker rests (here: already rests) with its first part shown.
      this.oShown[o] = this.oDisplay[o] < leaves ? this.oDisplay[o] : leaves;
      return;
    }
    this.oShown[o] -= q;
    if (this.oShown[o] === 0 && lvl !== NIL) {
      this.toBack(lvl, o);
      this.oShown[o] = this.oDisplay[o] < leaves ? this.oDisplay[o] : leaves;
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
      for (const side of this.sidesOf(book)) {
        const stops = side === book.stopBuys || side === book.stopSells;
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
            if (this.oLevel[o] !== lvl || (stops ? this.oStop[o] : this.oPrice[o]) !== price) throw new Error(`order ${this.oId[o]} sits in the wrong level`);
            if (((this.oFlags[o] & F_PENDING) !== 0) !== stops) throw new Error(`order ${this.oId[o]}: pending ${this.oFlags[o] & F_PENDING} but in ${stops ? 'a stop table' : 'the book'}`);
            const leaves = this.oQty[o] - this.oCum[o];
            if (!(leaves > 0) || this.oCum[o] < 0) throw new Error(`order ${this.oId[o]}: leaves ${leaves} at rest`);
            if (!stops && this.oFlags[o] !== 0 && this.oDisplay[o] > 0 && !(this.oShown[o] > 0 && this.oShown[o] <= this.oDisplay[o] && this.oShown[o] <= leaves)) {
              throw new Error(`iceberg ${this.oId[o]}: shown ${this.oShown[o]} of display ${this.oDisplay[o]}, leaves ${leaves}`);
            }
            if (this.byId.get(this.oId[o]) !== o) throw new Error(`order ${this.oId[o]} missing from the id index`);
            if ((metaSide(this.oMeta[o]) === Side.BUY) !== (stops ? !side.isBid : side.isBid)) throw new Error(`order ${this.oId[o]} on the wrong side`);
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
      // Between commands no stop is due: every one the last trade reached has been triggered.
      const sb = book.stopBuys.count > 0 ? this.lPrice[book.stopBuys.levels[book.stopBuys.count - 1]] : Infinity;
      const ss = book.stopSells.count > 0 ? this.lPrice[book.stopSells.levels[book.stopSells.count - 1]] : -Infinity;
      if (sb <= book.lastPrice || ss >= book.lastPrice) throw new Error(`book ${book.symbolId}: a stop is due at last ${book.lastPrice} (buy ${sb}, sell ${ss})`);
    }
    if (resting !== this.orderPool.inUse || this.byId.size !== this.orderPool.inUse) {
      throw new Error(`resting ${resting}, pool says ${this.orderPool.inUse}, id index ${this.byId.size}`);
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
    if (inLists !== this.orderPool.inUse) throw new Error(`account lists hold ${inLists} orders, pool ${this.orderPool.inUse}`);
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
      mixIn(book.lastPrice);
      for (const side of this.sidesOf(book)) {
        for (let i = side.count - 1; i >= 0; i--) {
          for (let o = this.lHead[side.levels[i]]; o !== NIL; o = this.oNext[o]) {
            mixIn(this.oId[o]);
            mixIn(this.oAccount[o]);
            mixIn(this.oPrice[o]);
            mixIn(this.oQty[o]);
            mixIn(this.oCum[o]);
            mixIn(this.oMeta[o]);
            if (this.oFlags[o] !== 0) {
              // Order-type fields (only when set: hashes of plain books stay comparable run to run).
              mixIn(this.oStop[o]);
              mixIn(this.oDisplay[o]);
              mixIn(this.oShown[o]);
              mixIn(this.oExpire[o]);
              mixIn(this.oOcoGroup[o]);
              mixIn(this.oOcoOther[o]);
            }
          }
        }
        mixIn(-1);
      }
    }
    return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
  }

  /** Cold: growth counters (allocations past the preallocated sizes; expected 0). */
  growthCount(): number {
    let g = this.levelGrowths + this.byId.growths + this.heapGrowths;
    for (const b of this.books) for (const s of this.sidesOf(b)) g += s.growths + s.byPrice.growths;
    return g;
  }
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


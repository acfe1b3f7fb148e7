/**
 * RiskEngine: the risk stage — its admission and event-following hot side (engine/risk-core.ts)
 * plus the cold side, here: rebuilding from journaled events (recovery), snapshots, inspection
 * (accounts, band, client ids), internal validation and the state hash. Nothing here runs per
 * command.
 */
import { CommandType, EventType, OrderType, Reason, Side } from './codes.ts';
import { CLORD_WORDS, clordEquals, copyClord, metaSide, metaType, readClordString, writeClordString } from './command-slot.ts';
import {
  EVT_ACCOUNT, EVT_CLORD, EVT_CODE, EVT_COMMAND_SEQ, EVT_COMMAND_TYPE, EVT_EXPIRE_TIME, EVT_OCO_ORDER_ID, EVT_META, EVT_ORDER_ID, EVT_PRICE, EVT_QTY, EVT_SYMBOL, EVT_TYPE,
} from './event-slot.ts';
import { getI64 } from './int64.ts';
import { HI, LO, WIDE_BASE, WIDE_MAX_HI, wideFromBigInt, wideMul, wideToBigInt, wr } from './wide.ts';
import { seqDiff } from '../ring/layout.ts';
import { MISSING } from './long-int-map.ts';
import { RiskCore, TWO_32 } from './risk-core.ts';
import type { RiskState } from './risk-core.ts';

export { ALL_SHARDS, NO_SHARD, RiskCore } from './risk-core.ts';
export type { RiskState } from './risk-core.ts';

export class RiskEngine extends RiskCore {
  // ------------------------------------------------------------------ recovery (cold)

  /**
   * Rebuild state from one journaled event (recovery; any shard, each shard's events in order).
   * ACCEPTED reserves as admission did (market orders carry their band-edge price); the rest is
   * the live onEvent path. Also restores kill switches, halts and the id counters.
   */
  replayEvent(w: Int32Array, b: number): void {
    const type = w[b + EVT_TYPE];
    const cmdSeq = w[b + EVT_COMMAND_SEQ];
    if (seqDiff(cmdSeq, this.commandSeq) > 0) this.commandSeq = cmdSeq;
    if (type === EventType.ACCEPTED) {
      const id = getI64(w, b + EVT_ORDER_ID);
      if (id > this.nextOrderId) this.nextOrderId = id;
      if (this.orderPool.exhausted()) throw new Error('replay: risk order table full (raise riskOrderCapacity)');
      const a = w[b + EVT_ACCOUNT];
      const s = w[b + EVT_SYMBOL];
      const side = metaSide(w[b + EVT_META]);
      const price = getI64(w, b + EVT_PRICE);
      const qty = getI64(w, b + EVT_QTY);
      if (!wideMul(price, qty * this.mult[s])) throw new Error(`replay: order ${id} notional beyond int64`);
      const nHi = wr[HI];
      const nLo = wr[LO];
      const i = this.addOrder(id, a, s, side, price, qty, 0, qty, qty, nHi, nLo);
      const type = metaType(w[b + EVT_META]);
      this.markOrder(i, type, type === OrderType.STOP || type === OrderType.STOP_LIMIT, getI64(w, b + EVT_EXPIRE_TIME) > 0);
      copyClord(w, b + EVT_CLORD, this.rClord, 2 * i * CLORD_WORDS);
      this.byClord.add(2 * i);
      this.reserve(a, a * this.nSymbols + s, side, qty, nHi, nLo);
      return;
    }
    if (type === EventType.REJECTED) {
      // A NEW (or OCO) the shard refused still used its order ids: never hand them out again.
      const cmd = w[b + EVT_COMMAND_TYPE];
      if (cmd === CommandType.NEW || cmd === CommandType.NEW_OCO) {
        const id = Math.max(getI64(w, b + EVT_ORDER_ID), cmd === CommandType.NEW_OCO ? getI64(w, b + EVT_OCO_ORDER_ID) : 0);
        if (id > this.nextOrderId) this.nextOrderId = id;
      }
    }
    if (type === EventType.REPLACED && w[b + EVT_CODE] === Reason.USER) {
      // A replace that gave the order a new client id: re-key the index.
      const i = this.byId.get(getI64(w, b + EVT_ORDER_ID));
      if (i !== MISSING && !clordEquals(this.rClord, 2 * i * CLORD_WORDS, w, b + EVT_CLORD)) {
        this.byClord.remove(2 * i);
        copyClord(w, b + EVT_CLORD, this.rClord, 2 * i * CLORD_WORDS);
        this.byClord.add(2 * i);
      }
    }
    if (type === EventType.ADMIN) {
      const code = w[b + EVT_CODE];
      const a = w[b + EVT_ACCOUNT];
      const s = w[b + EVT_SYMBOL];
      if (code === CommandType.HALT_SYMBOL || code === CommandType.RESUME_SYMBOL) {
        if (s >= 0 && s < this.nSymbols) this.halted[s] = code === CommandType.HALT_SYMBOL ? 1 : 0;
      } else if (code === CommandType.DISABLE_ACCOUNT || code === CommandType.ENABLE_ACCOUNT) {
        if (a >= 0 && a < this.nAccounts) this.disabled[a] = code === CommandType.DISABLE_ACCOUNT ? 1 : 0;
      }
      return;
    }
    this.onEvent(w, b);
  }

  /** Cold: the risk state for a snapshot. */
  exportState(): RiskState {
    const orders: RiskState['orders'] = [];
    this.byId.forEach((id, i) => {
      orders.push([
        id, this.rAccount[i], this.rSymbol[i], this.rSide[i], this.rPrice[i], this.rOrderQty[i], this.rCum[i], this.rLeaves[i], this.rResQty[i],
        String(wideToBigInt(this.rResHi[i], this.rResLo[i])), readClordString(this.rClord, 2 * i * CLORD_WORDS), this.rType[i], this.rStopWait[i], this.rGtd[i],
      ]);
    });
    orders.sort((a, b) => a[0] - b[0]);
    return {
      nextOrderId: this.nextOrderId, commandSeq: this.commandSeq, halted: Array.from(this.halted), refPrice: Array.from(this.refPrice),
      disabled: Array.from(this.disabled), openNotional: Array.from(this.openNotionalHi, (h, a) => String(wideToBigInt(h, this.openNotionalLo[a]))), openOrders: Array.from(this.openOrders),
      position: Array.from(this.position), buyOpen: Array.from(this.buyOpen), sellOpen: Array.from(this.sellOpen), orders,
    };
  }

  /** Cold: load a snapshot into a fresh risk engine (no in-flight replaces exist in a snapshot). */
  importState(st: RiskState): void {
    if (this.byId.size !== 0) throw new Error('importState needs an empty risk engine');
    this.nextOrderId = st.nextOrderId;
    this.commandSeq = st.commandSeq;
    st.halted.forEach((v, s) => { this.halted[s] = v; });
    st.refPrice.forEach((v, s) => this.setReference(s, v));
    st.disabled.forEach((v, a) => { this.disabled[a] = v; });
    st.openNotional.forEach((v, a) => {
      wideFromBigInt(BigInt(v));
      this.openNotionalHi[a] = wr[HI];
      this.openNotionalLo[a] = wr[LO];
    });
    this.openOrders.set(st.openOrders);
    this.position.set(st.position);
    this.buyOpen.set(st.buyOpen);
    this.sellOpen.set(st.sellOpen);
    for (const [id, account, symbol, side, price, orderQty, cum, leaves, resQty, resNotional, clOrd, type, stopWait, gtd] of st.orders) {
      if (this.orderPool.exhausted()) throw new Error('snapshot: risk order table full (raise riskOrderCapacity)');
      // Account totals come from the snapshot's arrays; only the order itself is added here.
      wideFromBigInt(BigInt(resNotional));
      const i = this.addOrder(id, account, symbol, side, price, orderQty, cum, leaves, resQty, wr[HI], wr[LO]);
      this.markOrder(i, type ?? OrderType.LIMIT, stopWait === 1, gtd === 1);
      writeClordString(this.rClord, 2 * i * CLORD_WORDS, clOrd);
      this.byClord.add(2 * i);
    }
  }

  // ------------------------------------------------------------------ inspection (cold)

  liveOrders(): number {
    return this.byId.size;
  }

  /** Cold: an account's risk state (notional in units as a BigInt: it may exceed 2^53). */
  account(a: number): { openNotional: bigint; openOrders: number; disabled: boolean; positions: number[]; buyOpen: number[]; sellOpen: number[] } {
    const ns = this.nSymbols;
    const slice = (arr: Float64Array): number[] => Array.from(arr.subarray(a * ns, a * ns + ns));
    return {
      openNotional: wideToBigInt(this.openNotionalHi[a], this.openNotionalLo[a]), openOrders: this.openOrders[a], disabled: this.disabled[a] !== 0,
      positions: slice(this.position), buyOpen: slice(this.buyOpen), sellOpen: slice(this.sellOpen),
    };
  }

  isHalted(s: number): boolean {
    return this.halted[s] !== 0;
  }

  band(s: number): { reference: number; low: number; high: number } {
    return { reference: this.refPrice[s], low: this.bandLow[s], high: this.bandHigh[s] };
  }

  /** Cold: "account:clientOrderId:orderId" of every live order, sorted (recovery checks). */
  clientIds(): string[] {
    const out: string[] = [];
    this.byId.forEach((id, i) => out.push(`${this.rAccount[i]}:${readClordString(this.rClord, 2 * i * CLORD_WORDS)}:${id}`));
    return out.sort();
  }

  /** Cold: every account total equals the sum over its live orders; nothing negative. */
  validateInternalState(): void {
    const notional = new Array<bigint>(this.nAccounts).fill(0n);
    const count = new Int32Array(this.nAccounts);
    const buy = new Float64Array(this.nAccounts * this.nSymbols);
    const sell = new Float64Array(this.nAccounts * this.nSymbols);
    this.byId.forEach((id, i) => {
      if (this.rId[i] !== id) throw new Error(`risk index: order ${id} points at slot holding ${this.rId[i]}`);
      const a = this.rAccount[i];
      notional[a] += wideToBigInt(this.rResHi[i], this.rResLo[i]);
      if (this.rResLo[i] < 0 || this.rResLo[i] >= WIDE_BASE || this.rResHi[i] < 0 || this.rResHi[i] > WIDE_MAX_HI) throw new Error(`order ${id}: reserved notional not normalized`);
      count[a]++;
      const as = a * this.nSymbols + this.rSymbol[i];
      if (this.rSide[i] === Side.BUY) buy[as] += this.rResQty[i];
      else sell[as] += this.rResQty[i];
      if (this.rResQty[i] < this.rLeaves[i]) throw new Error(`order ${id}: reserved ${this.rResQty[i]} < leaves ${this.rLeaves[i]}`);
    });
    let ids = 0;
    this.byId.forEach((id, i) => {
      ids += 1 + this.rHasPendingId[i];
      if (this.byClord.find(this.rAccount[i], this.rClord, 2 * i * CLORD_WORDS) !== 2 * i) throw new Error(`order ${id}: its client id does not resolve to it in the index`);
    });
    if (ids !== this.byClord.size) throw new Error(`client id index holds ${this.byClord.size} ids, live orders need ${ids}`);
    for (let a = 0; a < this.nAccounts; a++) {
      const open = wideToBigInt(this.openNotionalHi[a], this.openNotionalLo[a]);
      if (notional[a] !== open) throw new Error(`account ${a}: open notional ${open} ≠ Σ orders ${notional[a]}`);
      if (count[a] !== this.openOrders[a]) throw new Error(`account ${a}: open orders ${this.openOrders[a]} ≠ ${count[a]}`);
      for (let s = 0; s < this.nSymbols; s++) {
        const as = a * this.nSymbols + s;
        if (buy[as] !== this.buyOpen[as] || sell[as] !== this.sellOpen[as]) throw new Error(`account ${a} symbol ${s}: open quantity mismatch`);
      }
    }
  }

  /**
   * Cold: a 32-bit hash of the risk state (accounts, positions, live orders, counters). Equal state
   * ⇒ equal hash; a different hash proves a difference; equal hashes are evidence only (recovery
   * tests also compare clientIds() and account() in full).
   */
  stateHash(): string {
    let h = 0x811c9dc5 | 0;
    const mix = (v: number): void => {
      h = Math.imul(h ^ (v >>> 0), 0x01000193);
      h = Math.imul(h ^ ((v / TWO_32) | 0), 0x01000193);
    };
    mix(this.nextOrderId);
    for (let a = 0; a < this.nAccounts; a++) {
      mix(this.openNotionalHi[a]);
      mix(this.openNotionalLo[a]);
      mix(this.openOrders[a]);
      mix(this.disabled[a]);
    }
    for (let k = 0; k < this.position.length; k++) {
      mix(this.position[k]);
      mix(this.buyOpen[k]);
      mix(this.sellOpen[k]);
    }
    for (let s = 0; s < this.nSymbols; s++) {
      mix(this.halted[s]);
      mix(this.refPrice[s]);
    }
    const ids: number[] = [];
    this.byId.forEach((id) => ids.push(id));
    ids.sort((x, y) => x - y);
    for (const id of ids) {
      const i = this.byId.get(id);
      mix(id);
      mix(this.rResHi[i]);
      mix(this.rResLo[i]);
      mix(this.rLeaves[i]);
      if (this.rStopWait[i] + this.rGtd[i] !== 0) {
        mix(this.rStopWait[i]);
        mix(this.rGtd[i]);
      }
    }
    return (h >>> 0).toString(16).padStart(8, '0');
  }
}

/**
 * R — pre-trade risk, its hot side: admission of commands and following every shard's events to
 * release reservations. The only writer of account risk state; runs on the risk-stage thread
 * before matching. Its cold side — recovery, snapshots, inspection, validation, hash — is
 * engine/risk.ts (the class everyone uses, RiskEngine).
 *
 * Hot path: struct-of-arrays state on typed arrays, no allocation per command or event.
 *
 * Reservation model. A live order reserves `leaves × reservePrice` of its account's credit
 * (notional units) and `leaves` of its side's open quantity (for the position limit). It is
 * reserved at admission (in flight counts), adjusted from each event the order's shard emits
 * (fills, replaces, STP decrements), and released on its terminal event (filled, canceled,
 * expired, rejected by matching). A replace reserves max(old, new) until its outcome is known;
 * at most one replace per order may be in flight (RISK_REPLACE_PENDING otherwise).
 *
 * Order types (docs/order-types.md): a stop-limit is reserved at its limit price, a stop-market at
 * its protection price (the band edge around its stop price, written into the command like a
 * market order's); both legs of a one-cancels-other group are reserved. The band applies to a
 * stop-limit's price at its trigger (in the shard), not at placement.
 */
import { CommandType, EventType, OrderStatus, OrderType, Reason, ResultCode, Side, Stp, TimeInForce } from './codes.ts';
import {
  CLORD_WORDS, CMD_ACCOUNT, CMD_CLORD, CMD_DISPLAY_QTY, CMD_EXPIRE_TIME, CMD_INGRESS_TS, CMD_META, CMD_NEW_CLORD, CMD_OCO_META, CMD_OCO_ORDER_ID,
  CMD_OCO_PRICE, CMD_ORDER_ID, CMD_PRICE, CMD_QTY, CMD_REJECT, CMD_SEQ, CMD_STOP_PRICE, CMD_SYMBOL, CMD_TYPE, clordEquals, clordIsEmpty, copyClord,
  metaByClientId, metaPostOnly, metaSide, metaStp, metaTif, metaType,
} from './command-slot.ts';
import {
  EVT_CLORD, EVT_CODE, EVT_COMMAND_TYPE, EVT_CUM, EVT_LAST_PRICE, EVT_LAST_QTY, EVT_LEAVES, EVT_MAKER_CUM, EVT_MAKER_LEAVES,
  EVT_MAKER_ORDER_ID, EVT_MAKER_STATUS, EVT_OCO_ORDER_ID, EVT_ORDER_ID, EVT_PRICE, EVT_QTY, EVT_STATUS, EVT_SYMBOL, EVT_TYPE,
} from './event-slot.ts';
import { MAX_UNITS, getI64, putI64 } from './int64.ts';
import { bandHigh, bandLow } from './bands.ts';
import { HI, LO, WIDE_BASE, splitWide, wideAdd, wideCmp, wideMul, wideSub, wideSum, wr } from './wide.ts';
import { LongIntMap, MISSING } from './long-int-map.ts';
import { ClientIdIndex } from './client-id-index.ts';
import { SlotPool } from './slot-pool.ts';
import type { EngineSpec } from './config.ts';

/**
 * The risk stage's state in a snapshot. Orders: [id, account, symbol, side, price, orderQty, cum,
 * leaves, resQty, resNotional, clientOrderId]. Notionals are decimal strings of units (int64 range).
 */
export interface RiskState {
  nextOrderId: number;
  commandSeq: number;
  halted: number[];
  refPrice: number[];
  disabled: number[];
  openNotional: string[];
  openOrders: number[];
  position: number[];
  buyOpen: number[];
  sellOpen: number[];
  /** Order-type fields after the client id (absent in old snapshots): order type, 1 = untriggered stop, 1 = GTD. */
  orders: Array<[number, number, number, number, number, number, number, number, number, string, string, number?, number?, number?]>;
}

/** Latest expireTime accepted (ms since the epoch): year 2286, far inside exact doubles. */
export const MAX_EXPIRE_MS = 9_999_999_999_999;

/** admit() result: route to every shard. Otherwise the result is a shard index. */
export const ALL_SHARDS = -1;
/** admit() result: the command goes to no shard (TICK). */
export const NO_SHARD = -2;

export const NIL = -1;
export const TWO_32 = 4294967296; // the state hash mixes 32-bit words

export class RiskCore {
  // ---- per symbol
  protected readonly shardOf: Int32Array;
  protected readonly halted: Uint8Array;
  protected readonly refPrice: Float64Array;
  protected readonly bandLow: Float64Array;
  protected readonly bandHigh: Float64Array;
  protected readonly bandBps: Float64Array;
  protected readonly maxQty: Float64Array;
  /** Max order notional per symbol, wide (engine/wide.ts): hi·2^30 + lo. */
  protected readonly maxNotionalHi: Float64Array;
  protected readonly maxNotionalLo: Float64Array;
  protected readonly mult: Float64Array;
  // ---- per account
  protected readonly disabled: Uint8Array;
  /** Reserved notional and credit limit per account, wide (engine/wide.ts): exact in int64 range. */
  protected readonly openNotionalHi: Float64Array;
  protected readonly openNotionalLo: Float64Array;
  protected readonly openOrders: Int32Array;
  protected readonly creditHi: Float64Array;
  protected readonly creditLo: Float64Array;
  protected readonly maxOpen: Int32Array;
  // ---- per account × symbol
  protected readonly position: Float64Array;
  protected readonly buyOpen: Float64Array;
  protected readonly sellOpen: Float64Array;
  protected readonly maxPos: Float64Array;
  // ---- live orders
  protected readonly byId: LongIntMap;
  protected readonly byClord: ClientIdIndex;
  protected readonly rId: Float64Array;
  protected readonly rAccount: Int32Array;
  protected readonly rSymbol: Int32Array;
  protected readonly rSide: Int32Array;
  protected readonly rPrice: Float64Array;
  protected readonly rOrderQty: Float64Array;
  protected readonly rCum: Float64Array;
  protected readonly rLeaves: Float64Array;
  protected readonly rResQty: Float64Array;
  protected readonly rResHi: Float64Array;
  protected readonly rResLo: Float64Array;
  protected readonly rPending: Uint8Array;
  /** Client ids, 8 words each, two per order slot: [2i] current, [2i + 1] in-flight replace's. */
  protected readonly rClord: Int32Array;
  /** 1 when the in-flight replace of slot i brings a new client id (entry 2i + 1 is indexed). */
  protected readonly rHasPendingId: Uint8Array;
  /** The order's type (OrderType) and, for stops, 1 until its TRIGGERED event arrives. */
  protected readonly rType: Uint8Array;
  protected readonly rStopWait: Uint8Array;
  /** 1 for a GTD order; gtdLive counts them (CLOCK commands reach the shards only while some live). */
  protected readonly rGtd: Uint8Array;
  protected gtdLive = 0;
  /** Free list of order slots. */
  protected readonly orderPool: SlotPool;
  protected nextOrderId = 0;
  /** Sequence given to every admitted command (Int32, wraps). */
  commandSeq = 0;
  protected readonly nSymbols: number;
  protected readonly nAccounts: number;

  constructor(private readonly spec: EngineSpec) {
    const ns = spec.symbols.length;
    const na = spec.accounts.length;
    this.nSymbols = ns;
    this.nAccounts = na;
    this.shardOf = Int32Array.from(spec.symbols, (s) => s.shard);
    this.halted = new Uint8Array(ns);
    this.refPrice = new Float64Array(ns);
    this.bandLow = new Float64Array(ns);
    this.bandHigh = new Float64Array(ns);
    this.bandBps = Float64Array.from(spec.symbols, (s) => s.bandBps);
    this.maxQty = Float64Array.from(spec.symbols, (s) => s.maxOrderQty);
    const maxNotional = splitWide(spec.symbols.map((s) => s.maxOrderNotional));
    this.maxNotionalHi = maxNotional.hi;
    this.maxNotionalLo = maxNotional.lo;
    this.mult = Float64Array.from(spec.symbols, (s) => s.notionalPerTickLot);
    for (let s = 0; s < ns; s++) this.setReference(s, spec.symbols[s].referencePrice);
    this.disabled = new Uint8Array(na);
    this.openNotionalHi = new Float64Array(na);
    this.openNotionalLo = new Float64Array(na);
    this.openOrders = new Int32Array(na);
    const credit = splitWide(spec.accounts.map((a) => a.creditLimit));
    this.creditHi = credit.hi;
    this.creditLo = credit.lo;
    this.maxOpen = Int32Array.from(spec.accounts, (a) => a.maxOpenOrders);
    this.position = new Float64Array(na * ns);
    this.buyOpen = new Float64Array(na * ns);
    this.sellOpen = new Float64Array(na * ns);
    this.maxPos = new Float64Array(na * ns);
    for (let a = 0; a < na; a++) for (let s = 0; s < ns; s++) this.maxPos[a * ns + s] = spec.accounts[a].maxPosition[s];
    const cap = spec.riskOrderCapacity;
    // Sized for a typical live set; growth past it is counted (see MatchingShard).
    this.byId = new LongIntMap(Math.min(cap, 1 << 15));
    this.rId = new Float64Array(cap);
    this.rAccount = new Int32Array(cap);
    this.rSymbol = new Int32Array(cap);
    this.rSide = new Int32Array(cap);
    this.rPrice = new Float64Array(cap);
    this.rOrderQty = new Float64Array(cap);
    this.rCum = new Float64Array(cap);
    this.rLeaves = new Float64Array(cap);
    this.rResQty = new Float64Array(cap);
    this.rResHi = new Float64Array(cap);
    this.rResLo = new Float64Array(cap);
    this.rPending = new Uint8Array(cap);
    this.rClord = new Int32Array(cap * 2 * CLORD_WORDS);
    this.rHasPendingId = new Uint8Array(cap);
    this.rType = new Uint8Array(cap);
    this.rStopWait = new Uint8Array(cap);
    this.rGtd = new Uint8Array(cap);
    this.byClord = new ClientIdIndex(cap * 2, this.rClord, this.rAccount);
    this.orderPool = new SlotPool(new Int32Array(cap));
  }

  /** The band around a reference price, in ticks, with exact integer arithmetic. */
  protected setReference(s: number, ref: number): void {
    this.refPrice[s] = ref;
    const bps = this.bandBps[s];
    this.bandHigh[s] = bandHigh(ref, bps);
    this.bandLow[s] = bandLow(ref, bps);
  }

  /**
   * Check one command slot in place. Assigns the order id of a NEW, resolves cancel/replace
   * targets, writes the band-edge price of a MARKET order, or sets CMD_REJECT. Returns the shard
   * that must see the command (ALL_SHARDS for account-wide commands). Rejected commands still go
   * to a shard, which turns them into REJECTED events: every outcome is an event in a journal.
   */
  /**
   * Where `admit` sends this command, without admitting it (cold; a restarted risk stage uses it
   * to tell which shards already have a command): the symbol's shard, ALL_SHARDS for account-wide
   * commands, NO_SHARD for TICK. Rejected commands go to the home shard (admit decides rejections;
   * an account-wide command with a known account is never rejected).
   */
  routeOf(w: Int32Array, b: number): number {
    const type = w[b + CMD_TYPE];
    if (type === CommandType.TICK) return NO_SHARD;
    if (type === CommandType.CLOCK) return ALL_SHARDS;
    const s = w[b + CMD_SYMBOL];
    const a = w[b + CMD_ACCOUNT];
    const home = s >= 0 && s < this.nSymbols ? this.shardOf[s] : 0;
    const accountOk = a >= 0 && a < this.nAccounts;
    if (type === CommandType.MASS_CANCEL && accountOk && s === -1) return ALL_SHARDS;
    if ((type === CommandType.DISABLE_ACCOUNT || type === CommandType.ENABLE_ACCOUNT) && accountOk) return ALL_SHARDS;
    return home;
  }

  admit(w: Int32Array, b: number): number {
    // Never 0: a 0 in the slot means "not admitted yet" to a restarted risk stage.
    this.commandSeq = (this.commandSeq + 1) | 0 || 1;
    w[b + CMD_SEQ] = this.commandSeq;
    // The decision is this admission's alone: a restarted stage re-admits commands the dead one
    // had stamped but delivered nowhere, and its decision may differ (fills arrived meanwhile).
    w[b + CMD_REJECT] = ResultCode.OK;
    const type = w[b + CMD_TYPE];
    const s = w[b + CMD_SYMBOL];
    const a = w[b + CMD_ACCOUNT];
    const symbolOk = s >= 0 && s < this.nSymbols;
    const home = symbolOk ? this.shardOf[s] : 0;
    const accountOk = a >= 0 && a < this.nAccounts;
    let code: number = ResultCode.OK;
    switch (type) {
      case CommandType.NEW:
        putI64(w, b + CMD_ORDER_ID, 0); // assigned below if accepted (a re-admission may carry a dead stage's)
        code = !symbolOk ? ResultCode.RISK_UNKNOWN_SYMBOL : !accountOk ? ResultCode.RISK_UNKNOWN_ACCOUNT : this.admitNew(w, b, a, s);
        break;
      case CommandType.NEW_OCO:
        putI64(w, b + CMD_ORDER_ID, 0);
        putI64(w, b + CMD_OCO_ORDER_ID, 0);
        code = !symbolOk ? ResultCode.RISK_UNKNOWN_SYMBOL : !accountOk ? ResultCode.RISK_UNKNOWN_ACCOUNT : this.admitOco(w, b, a, s);
        break;
      case CommandType.CLOCK:
        // Engine time for GTD expiry: only worth a shard's attention while GTD orders live. (routeOf
        // says ALL_SHARDS regardless: a restarted stage may forward a CLOCK the dead one had routed
        // nowhere — harmless, expiry depends on the command's ingress time alone.)
        return this.gtdLive > 0 ? ALL_SHARDS : NO_SHARD;
      case CommandType.CANCEL:
        code = !symbolOk ? ResultCode.RISK_UNKNOWN_SYMBOL : !accountOk ? ResultCode.RISK_UNKNOWN_ACCOUNT : this.resolveTarget(w, b, a, s);
        break;
      case CommandType.REPLACE:
        code = !symbolOk ? ResultCode.RISK_UNKNOWN_SYMBOL : !accountOk ? ResultCode.RISK_UNKNOWN_ACCOUNT : this.admitReplace(w, b, a, s);
        break;
      case CommandType.MASS_CANCEL:
        if (!accountOk) code = ResultCode.RISK_UNKNOWN_ACCOUNT;
        else if (s !== -1 && !symbolOk) code = ResultCode.RISK_UNKNOWN_SYMBOL;
        break;
      case CommandType.HALT_SYMBOL:
      case CommandType.RESUME_SYMBOL:
        if (!symbolOk) code = ResultCode.RISK_UNKNOWN_SYMBOL;
        else this.halted[s] = type === CommandType.HALT_SYMBOL ? 1 : 0;
        break;
      case CommandType.DISABLE_ACCOUNT:
      case CommandType.ENABLE_ACCOUNT:
        if (!accountOk) code = ResultCode.RISK_UNKNOWN_ACCOUNT;
        else this.disabled[a] = type === CommandType.DISABLE_ACCOUNT ? 1 : 0;
        break;
      case CommandType.TICK:
        return NO_SHARD;
      default:
        code = ResultCode.RISK_UNKNOWN_COMMAND;
    }
    if (code !== ResultCode.OK) {
      w[b + CMD_REJECT] = code;
      return home;
    }
    // Where an admitted command goes is routeOf's rule alone (a restarted stage asks it too).
    return this.routeOf(w, b);
  }

  protected admitNew(w: Int32Array, b: number, a: number, s: number): number {
    if (this.disabled[a] !== 0) return ResultCode.RISK_ACCOUNT_DISABLED;
    if (this.halted[s] !== 0) return ResultCode.RISK_SYMBOL_HALTED;
    const meta = w[b + CMD_META];
    const side = metaSide(meta);
    const type = metaType(meta);
    const tif = metaTif(meta);
    if (!this.validMeta(meta) || clordIsEmpty(w, b + CMD_CLORD)) return ResultCode.RISK_INVALID_ORDER;
    const qty = getI64(w, b + CMD_QTY);
    if (!(qty >= 1) || qty > MAX_UNITS) return ResultCode.RISK_INVALID_QUANTITY;
    if (qty > this.maxQty[s]) return ResultCode.RISK_MAX_ORDER_QTY;
    const stop = getI64(w, b + CMD_STOP_PRICE);
    const isStop = type === OrderType.STOP || type === OrderType.STOP_LIMIT;
    if (isStop ? !(stop >= 1) || stop > MAX_UNITS : stop !== 0) return ResultCode.RISK_INVALID_STOP_PRICE;
    // (Guarded here: a call never taken is not inlined, and the plain order's path stays small.)
    if (tif === TimeInForce.GTD || (w[b + CMD_DISPLAY_QTY] | w[b + CMD_DISPLAY_QTY + 1] | w[b + CMD_EXPIRE_TIME] | w[b + CMD_EXPIRE_TIME + 1]) !== 0) {
      const check = this.checkExtras(w, b, type, tif, qty);
      if (check !== ResultCode.OK) return check;
    }
    let price: number;
    if (type === OrderType.MARKET) {
      // Market orders are protected at the band edge and valued there by the credit check.
      price = side === Side.BUY ? this.bandHigh[s] : this.bandLow[s];
      putI64(w, b + CMD_PRICE, price);
    } else if (type === OrderType.STOP) {
      // A stop-market is protected at the band edge around its stop price: inside the band at any trigger.
      price = this.stopProtection(s, side, stop);
      putI64(w, b + CMD_PRICE, price);
    } else {
      price = getI64(w, b + CMD_PRICE);
      if (!(price >= 1) || price > MAX_UNITS) return ResultCode.RISK_INVALID_PRICE;
      // A stop-limit's price meets the band at its trigger (in the shard), not now.
      if (type === OrderType.LIMIT && (price < this.bandLow[s] || price > this.bandHigh[s])) return ResultCode.RISK_PRICE_BAND;
    }
    // Notional exact in int64 range (two doubles, engine/wide.ts).
    if (!wideMul(price, qty * this.mult[s]) || wideCmp(wr[HI], wr[LO], this.maxNotionalHi[s], this.maxNotionalLo[s]) > 0) return ResultCode.RISK_MAX_ORDER_NOTIONAL;
    const nHi = wr[HI];
    const nLo = wr[LO];
    if (this.openOrders[a] + 1 > this.maxOpen[a]) return ResultCode.RISK_MAX_OPEN_ORDERS;
    wideSum(this.openNotionalHi[a], this.openNotionalLo[a], nHi, nLo);
    if (wideCmp(wr[HI], wr[LO], this.creditHi[a], this.creditLo[a]) > 0) return ResultCode.RISK_CREDIT_LIMIT;
    const as = a * this.nSymbols + s;
    if (side === Side.BUY ? this.position[as] + this.buyOpen[as] + qty > this.maxPos[as] : this.sellOpen[as] + qty - this.position[as] > this.maxPos[as]) {
      return ResultCode.RISK_MAX_POSITION;
    }
    if (this.byClord.find(a, w, b + CMD_CLORD) >= 0) return ResultCode.RISK_DUPLICATE_CLIENT_ORDER_ID;
    if (this.orderPool.exhausted()) return ResultCode.RISK_ORDER_CAPACITY;
    const id = ++this.nextOrderId;
    const i = this.addOrder(id, a, s, side, price, qty, 0, qty, qty, nHi, nLo);
    this.markOrder(i, type, isStop, tif === TimeInForce.GTD);
    copyClord(w, b + CMD_CLORD, this.rClord, 2 * i * CLORD_WORDS);
    this.byClord.add(2 * i);
    this.reserve(a, as, side, qty, nHi, nLo);
    putI64(w, b + CMD_ORDER_ID, id);
    return ResultCode.OK;
  }

  /** Side, type, time in force, STP and post-only of one order, alone and together. */
  protected validMeta(meta: number): boolean {
    const side = metaSide(meta);
    const type = metaType(meta);
    const tif = metaTif(meta);
    const stp = metaStp(meta);
    if ((side !== Side.BUY && side !== Side.SELL) || type < OrderType.LIMIT || type > OrderType.STOP_LIMIT) return false;
    if (tif < TimeInForce.GTC || tif > TimeInForce.GTD || stp < Stp.NONE || stp > Stp.DECREMENT) return false;
    // Market: IOC/FOK. Stop-market: GTC/GTD while it waits (a market order once triggered). Post-only: resting limits only.
    if (type === OrderType.MARKET && (tif === TimeInForce.GTC || tif === TimeInForce.GTD)) return false;
    if (type === OrderType.STOP && tif !== TimeInForce.GTC && tif !== TimeInForce.GTD) return false;
    return !metaPostOnly(meta) || (type === OrderType.LIMIT && (tif === TimeInForce.GTC || tif === TimeInForce.GTD));
  }

  /** displayQty and expireTime of a new order (or OCO limit leg): engine time is the command's ingress time. */
  protected checkExtras(w: Int32Array, b: number, type: number, tif: number, qty: number): number {
    const display = getI64(w, b + CMD_DISPLAY_QTY);
    if (display !== 0) {
      const rests = (type === OrderType.LIMIT || type === OrderType.STOP_LIMIT) && (tif === TimeInForce.GTC || tif === TimeInForce.GTD);
      if (!rests || !(display >= 1) || display > qty) return ResultCode.RISK_INVALID_DISPLAY_QTY;
    }
    const expire = getI64(w, b + CMD_EXPIRE_TIME);
    if (tif === TimeInForce.GTD) {
      if (!(expire * 1000 > getI64(w, b + CMD_INGRESS_TS)) || expire > MAX_EXPIRE_MS) return ResultCode.RISK_INVALID_EXPIRE_TIME;
    } else if (expire !== 0) {
      return ResultCode.RISK_INVALID_EXPIRE_TIME;
    }
    return ResultCode.OK;
  }

  protected stopProtection(s: number, side: number, stop: number): number {
    const bps = this.bandBps[s];
    return side === Side.BUY ? bandHigh(stop, bps) : bandLow(stop, bps);
  }

  protected markOrder(i: number, type: number, stopWait: boolean, gtd: boolean): void {
    this.rType[i] = type;
    this.rStopWait[i] = stopWait ? 1 : 0;
    this.rGtd[i] = gtd ? 1 : 0;
    if (gtd) this.gtdLive++;
  }

  /**
   * One-cancels-other: a limit leg (the command's order fields, GTC or GTD) and a stop / stop-limit
   * leg (ocoMeta, stopPrice, ocoPrice, newClientOrderId) of the same side, quantity and time in
   * force. Both are checked and both are reserved; the stop leg's id goes to ocoOrderId.
   */
  protected admitOco(w: Int32Array, b: number, a: number, s: number): number {
    if (this.disabled[a] !== 0) return ResultCode.RISK_ACCOUNT_DISABLED;
    if (this.halted[s] !== 0) return ResultCode.RISK_SYMBOL_HALTED;
    const meta = w[b + CMD_META];
    const ometa = w[b + CMD_OCO_META];
    const side = metaSide(meta);
    const tif = metaTif(meta);
    const otype = metaType(ometa);
    if (
      !this.validMeta(meta) || !this.validMeta(ometa) || metaType(meta) !== OrderType.LIMIT ||
      (tif !== TimeInForce.GTC && tif !== TimeInForce.GTD) ||
      (otype !== OrderType.STOP && otype !== OrderType.STOP_LIMIT) || metaSide(ometa) !== side || metaTif(ometa) !== tif ||
      clordIsEmpty(w, b + CMD_CLORD) || clordIsEmpty(w, b + CMD_NEW_CLORD) || clordEquals(w, b + CMD_CLORD, w, b + CMD_NEW_CLORD)
    ) {
      return ResultCode.RISK_INVALID_ORDER;
    }
    const qty = getI64(w, b + CMD_QTY);
    if (!(qty >= 1) || qty > MAX_UNITS) return ResultCode.RISK_INVALID_QUANTITY;
    if (qty > this.maxQty[s]) return ResultCode.RISK_MAX_ORDER_QTY;
    const stop = getI64(w, b + CMD_STOP_PRICE);
    if (!(stop >= 1) || stop > MAX_UNITS) return ResultCode.RISK_INVALID_STOP_PRICE;
    const check = this.checkExtras(w, b, OrderType.LIMIT, tif, qty);
    if (check !== ResultCode.OK) return check;
    const price = getI64(w, b + CMD_PRICE);
    if (!(price >= 1) || price > MAX_UNITS) return ResultCode.RISK_INVALID_PRICE;
    if (price < this.bandLow[s] || price > this.bandHigh[s]) return ResultCode.RISK_PRICE_BAND;
    let stopLegPrice: number;
    if (otype === OrderType.STOP) {
      stopLegPrice = this.stopProtection(s, side, stop);
      putI64(w, b + CMD_OCO_PRICE, stopLegPrice);
    } else {
      stopLegPrice = getI64(w, b + CMD_OCO_PRICE);
      if (!(stopLegPrice >= 1) || stopLegPrice > MAX_UNITS) return ResultCode.RISK_INVALID_PRICE;
    }
    const mult = qty * this.mult[s];
    if (!wideMul(price, mult) || wideCmp(wr[HI], wr[LO], this.maxNotionalHi[s], this.maxNotionalLo[s]) > 0) return ResultCode.RISK_MAX_ORDER_NOTIONAL;
    const aHi = wr[HI];
    const aLo = wr[LO];
    if (!wideMul(stopLegPrice, mult) || wideCmp(wr[HI], wr[LO], this.maxNotionalHi[s], this.maxNotionalLo[s]) > 0) return ResultCode.RISK_MAX_ORDER_NOTIONAL;
    const sHi = wr[HI];
    const sLo = wr[LO];
    if (this.openOrders[a] + 2 > this.maxOpen[a]) return ResultCode.RISK_MAX_OPEN_ORDERS;
    wideSum(this.openNotionalHi[a], this.openNotionalLo[a], aHi, aLo);
    wideSum(wr[HI], wr[LO], sHi, sLo);
    if (wideCmp(wr[HI], wr[LO], this.creditHi[a], this.creditLo[a]) > 0) return ResultCode.RISK_CREDIT_LIMIT;
    const as = a * this.nSymbols + s;
    if (side === Side.BUY ? this.position[as] + this.buyOpen[as] + 2 * qty > this.maxPos[as] : this.sellOpen[as] + 2 * qty - this.position[as] > this.maxPos[as]) {
      return ResultCode.RISK_MAX_POSITION;
    }
    if (this.byClord.find(a, w, b + CMD_CLORD) >= 0 || this.byClord.find(a, w, b + CMD_NEW_CLORD) >= 0) return ResultCode.RISK_DUPLICATE_CLIENT_ORDER_ID;
    if (this.orderPool.free() < 2) return ResultCode.RISK_ORDER_CAPACITY;
    const gtd = tif === TimeInForce.GTD;
    const limitId = ++this.nextOrderId;
    const i = this.addOrder(limitId, a, s, side, price, qty, 0, qty, qty, aHi, aLo);
    this.markOrder(i, OrderType.LIMIT, false, gtd);
    copyClord(w, b + CMD_CLORD, this.rClord, 2 * i * CLORD_WORDS);
    this.byClord.add(2 * i);
    this.reserve(a, as, side, qty, aHi, aLo);
    const stopId = ++this.nextOrderId;
    const j = this.addOrder(stopId, a, s, side, stopLegPrice, qty, 0, qty, qty, sHi, sLo);
    this.markOrder(j, otype, true, gtd);
    copyClord(w, b + CMD_NEW_CLORD, this.rClord, 2 * j * CLORD_WORDS);
    this.byClord.add(2 * j);
    this.reserve(a, as, side, qty, sHi, sLo);
    putI64(w, b + CMD_ORDER_ID, limitId);
    putI64(w, b + CMD_OCO_ORDER_ID, stopId);
    return ResultCode.OK;
  }

  protected reserve(a: number, as: number, side: number, qty: number, nHi: number, nLo: number): void {
    this.openOrders[a]++;
    wideAdd(this.openNotionalHi, this.openNotionalLo, a, nHi, nLo);
    if (side === Side.BUY) this.buyOpen[as] += qty;
    else this.sellOpen[as] += qty;
  }

  /**
   * Take a free slot for a live order, index it by id and count its reservation in the account.
   * The caller writes its client id into slot 2i and indexes it. (Admission, replay, snapshot import.)
   */
  protected addOrder(id: number, a: number, s: number, side: number, price: number, orderQty: number, cum: number, leaves: number, resQty: number, resHi: number, resLo: number): number {
    const i = this.orderPool.take();
    this.rId[i] = id;
    this.rAccount[i] = a;
    this.rSymbol[i] = s;
    this.rSide[i] = side;
    this.rPrice[i] = price;
    this.rOrderQty[i] = orderQty;
    this.rCum[i] = cum;
    this.rLeaves[i] = leaves;
    this.rResQty[i] = resQty;
    this.rResHi[i] = resHi;
    this.rResLo[i] = resLo;
    this.rPending[i] = 0;
    this.rHasPendingId[i] = 0;
    this.rType[i] = 0;
    this.rStopWait[i] = 0;
    this.rGtd[i] = 0;
    this.byId.put(id, i);
    return i;
  }

  /** Find the account's live order a CANCEL/REPLACE means (by order id or client id); write its id. */
  protected target = NIL;
  protected resolveTarget(w: Int32Array, b: number, a: number, s: number): number {
    let i: number;
    if (metaByClientId(w[b + CMD_META])) {
      const entry = this.byClord.find(a, w, b + CMD_CLORD);
      // Only an order's current id names it (not the id of a replace still in flight).
      i = entry >= 0 && (entry & 1) === 0 ? entry >> 1 : MISSING;
    } else {
      i = this.byId.get(getI64(w, b + CMD_ORDER_ID));
    }
    if (i === MISSING || this.rAccount[i] !== a || this.rSymbol[i] !== s) return ResultCode.RISK_UNKNOWN_ORDER;
    putI64(w, b + CMD_ORDER_ID, this.rId[i]);
    this.target = i;
    return ResultCode.OK;
  }

  protected admitReplace(w: Int32Array, b: number, a: number, s: number): number {
    const r = this.resolveTarget(w, b, a, s);
    if (r !== ResultCode.OK) return r;
    const i = this.target;
    if (this.disabled[a] !== 0) return ResultCode.RISK_ACCOUNT_DISABLED;
    if (this.halted[s] !== 0) return ResultCode.RISK_SYMBOL_HALTED;
    if (this.rPending[i] !== 0) return ResultCode.RISK_REPLACE_PENDING;
    const cmdPrice = getI64(w, b + CMD_PRICE);
    const cmdQty = getI64(w, b + CMD_QTY);
    if (cmdPrice < 0 || cmdPrice > MAX_UNITS) return ResultCode.RISK_INVALID_PRICE;
    if (cmdQty < 0 || cmdQty > MAX_UNITS) return ResultCode.RISK_INVALID_QUANTITY;
    const waiting = this.rStopWait[i] !== 0;
    let price = cmdPrice !== 0 ? cmdPrice : this.rPrice[i];
    // (Guarded here: a call never taken is not inlined, and the plain replace's path stays small.)
    if (waiting || (w[b + CMD_STOP_PRICE] | w[b + CMD_STOP_PRICE + 1]) !== 0) {
      price = this.stopReplacePrice(w, b, i, s, price);
      if (price < 0) return price;
    }
    const qty = cmdQty !== 0 ? cmdQty : this.rOrderQty[i];
    if (qty > this.maxQty[s]) return ResultCode.RISK_MAX_ORDER_QTY;
    if (cmdPrice !== 0 && !waiting && (price < this.bandLow[s] || price > this.bandHigh[s])) return ResultCode.RISK_PRICE_BAND;
    if (!wideMul(price, qty * this.mult[s]) || wideCmp(wr[HI], wr[LO], this.maxNotionalHi[s], this.maxNotionalLo[s]) > 0) return ResultCode.RISK_MAX_ORDER_NOTIONAL;
    const leaves = qty > this.rCum[i] ? qty - this.rCum[i] : 0;
    wideMul(price, leaves * this.mult[s]); // ≤ the order's notional just checked: fits
    // addNotional = max(0, new − reserved)
    let addHi = 0;
    let addLo = 0;
    if (wideCmp(wr[HI], wr[LO], this.rResHi[i], this.rResLo[i]) > 0) {
      addHi = wr[HI] - this.rResHi[i];
      addLo = wr[LO] - this.rResLo[i];
      if (addLo < 0) {
        addLo += WIDE_BASE;
        addHi -= 1;
      }
    }
    const addQty = leaves > this.rResQty[i] ? leaves - this.rResQty[i] : 0;
    wideSum(this.openNotionalHi[a], this.openNotionalLo[a], addHi, addLo);
    if (wideCmp(wr[HI], wr[LO], this.creditHi[a], this.creditLo[a]) > 0) return ResultCode.RISK_CREDIT_LIMIT;
    const as = a * this.nSymbols + s;
    if (addQty > 0) {
      const side = this.rSide[i];
      if (side === Side.BUY ? this.position[as] + this.buyOpen[as] + addQty > this.maxPos[as] : this.sellOpen[as] + addQty - this.position[as] > this.maxPos[as]) {
        return ResultCode.RISK_MAX_POSITION;
      }
    }
    this.rHasPendingId[i] = 0;
    if (!clordIsEmpty(w, b + CMD_NEW_CLORD)) {
      if (this.byClord.find(a, w, b + CMD_NEW_CLORD) >= 0) return ResultCode.RISK_DUPLICATE_CLIENT_ORDER_ID;
      copyClord(w, b + CMD_NEW_CLORD, this.rClord, (2 * i + 1) * CLORD_WORDS);
      this.byClord.add(2 * i + 1);
      this.rHasPendingId[i] = 1;
    }
    // Reserve max(old, new) until the shard says what happened.
    this.rPending[i] = 1;
    wideAdd(this.rResHi, this.rResLo, i, addHi, addLo);
    wideAdd(this.openNotionalHi, this.openNotionalLo, a, addHi, addLo);
    this.rResQty[i] += addQty;
    if (this.rSide[i] === Side.BUY) this.buyOpen[as] += addQty;
    else this.sellOpen[as] += addQty;
    return ResultCode.OK;
  }

  /**
   * The price a replace of order i leaves it with, when it names a stop price or the order is a
   * waiting stop; or a (negative) result code. A stop price only for a stop still waiting for its
   * trigger (as far as this stage has heard); a stop-market's price is its protection price: it
   * follows the stop price, never the client.
   */
  protected stopReplacePrice(w: Int32Array, b: number, i: number, s: number, price: number): number {
    const cmdStop = getI64(w, b + CMD_STOP_PRICE);
    if (cmdStop !== 0 && (this.rStopWait[i] === 0 || cmdStop < 1 || cmdStop > MAX_UNITS)) return ResultCode.RISK_INVALID_STOP_PRICE;
    if (this.rStopWait[i] === 0 || this.rType[i] !== OrderType.STOP) return price;
    const p = cmdStop !== 0 ? this.stopProtection(s, this.rSide[i], cmdStop) : this.rPrice[i];
    putI64(w, b + CMD_PRICE, cmdStop !== 0 ? p : 0);
    return p;
  }

  /** Follow one event of any shard. */
  onEvent(w: Int32Array, b: number): void {
    const type = w[b + EVT_TYPE];
    switch (type) {
      case EventType.TRADE: {
        const s = w[b + EVT_SYMBOL];
        const price = getI64(w, b + EVT_LAST_PRICE);
        const qty = getI64(w, b + EVT_LAST_QTY);
        this.onFill(getI64(w, b + EVT_ORDER_ID), qty, getI64(w, b + EVT_CUM), getI64(w, b + EVT_LEAVES), w[b + EVT_STATUS]);
        this.onFill(getI64(w, b + EVT_MAKER_ORDER_ID), qty, getI64(w, b + EVT_MAKER_CUM), getI64(w, b + EVT_MAKER_LEAVES), w[b + EVT_MAKER_STATUS]);
        if (s >= 0 && s < this.nSymbols) this.setReference(s, price);
        return;
      }
      case EventType.CANCELED:
      case EventType.EXPIRED: {
        const i = this.byId.get(getI64(w, b + EVT_ORDER_ID));
        if (i !== MISSING) this.release(i);
        return;
      }
      case EventType.TRIGGERED: {
        const i = this.byId.get(getI64(w, b + EVT_ORDER_ID));
        if (i !== MISSING) this.rStopWait[i] = 0;
        return;
      }
      case EventType.REPLACED: {
        const i = this.byId.get(getI64(w, b + EVT_ORDER_ID));
        if (i === MISSING) return;
        this.rOrderQty[i] = getI64(w, b + EVT_QTY);
        this.rCum[i] = getI64(w, b + EVT_CUM);
        this.rLeaves[i] = getI64(w, b + EVT_LEAVES);
        this.rPrice[i] = getI64(w, b + EVT_PRICE);
        if (w[b + EVT_CODE] === Reason.USER && this.rPending[i] !== 0) {
          // The in-flight replace landed: the new client id replaces the old one.
          if (this.rHasPendingId[i] !== 0) {
            this.byClord.remove(2 * i);
            this.byClord.remove(2 * i + 1);
            copyClord(w, b + EVT_CLORD, this.rClord, 2 * i * CLORD_WORDS);
            this.byClord.add(2 * i);
            this.rHasPendingId[i] = 0;
          }
          this.rPending[i] = 0;
        }
        this.settle(i);
        return;
      }
      case EventType.REJECTED: {
        const code = w[b + EVT_CODE];
        if (code > -3000 || code <= -4000) return; // risk's own rejects changed nothing here
        const i = this.byId.get(getI64(w, b + EVT_ORDER_ID));
        const cmd = w[b + EVT_COMMAND_TYPE];
        if (cmd === CommandType.NEW_OCO && code !== ResultCode.MATCH_STOP_PRICE_BAND) {
          // The shard refused both legs.
          if (i !== MISSING) this.release(i);
          const j = this.byId.get(getI64(w, b + EVT_OCO_ORDER_ID));
          if (j !== MISSING) this.release(j);
          return;
        }
        if (i === MISSING) return;
        if (cmd === CommandType.NEW || code === ResultCode.MATCH_STOP_PRICE_BAND) {
          // Refused at its placement, or a stop-limit refused at its trigger: the order is gone.
          this.release(i);
        } else if (cmd === CommandType.REPLACE && this.rPending[i] !== 0) {
          if (this.rHasPendingId[i] !== 0) this.byClord.remove(2 * i + 1);
          this.rHasPendingId[i] = 0;
          this.rPending[i] = 0;
          this.settle(i);
        }
        return;
      }
      default:
    }
  }

  protected onFill(orderId: number, qty: number, cum: number, leaves: number, status: number): void {
    const i = this.byId.get(orderId);
    if (i === MISSING) return;
    const as = this.rAccount[i] * this.nSymbols + this.rSymbol[i];
    this.position[as] += this.rSide[i] === Side.BUY ? qty : -qty;
    this.rCum[i] = cum;
    this.rLeaves[i] = leaves;
    if (status === OrderStatus.FILLED) this.release(i);
    else this.settle(i);
  }

  /** Set the reservation to exactly leaves × price — unless a replace is in flight (keep the max). */
  protected settle(i: number): void {
    if (this.rPending[i] !== 0) return;
    const a = this.rAccount[i];
    const s = this.rSymbol[i];
    const leaves = this.rLeaves[i];
    // Reserved notional := leaves × price (the order's own notional or less: fits in int64).
    wideMul(this.rPrice[i], leaves * this.mult[s]);
    wideSub(this.openNotionalHi, this.openNotionalLo, a, this.rResHi[i], this.rResLo[i]);
    wideAdd(this.openNotionalHi, this.openNotionalLo, a, wr[HI], wr[LO]);
    this.rResHi[i] = wr[HI];
    this.rResLo[i] = wr[LO];
    const as = a * this.nSymbols + s;
    if (this.rSide[i] === Side.BUY) this.buyOpen[as] += leaves - this.rResQty[i];
    else this.sellOpen[as] += leaves - this.rResQty[i];
    this.rResQty[i] = leaves;
  }

  protected release(i: number): void {
    const a = this.rAccount[i];
    const as = a * this.nSymbols + this.rSymbol[i];
    this.openOrders[a]--;
    wideSub(this.openNotionalHi, this.openNotionalLo, a, this.rResHi[i], this.rResLo[i]);
    if (this.rSide[i] === Side.BUY) this.buyOpen[as] -= this.rResQty[i];
    else this.sellOpen[as] -= this.rResQty[i];
    this.byId.remove(this.rId[i]);
    if (this.rGtd[i] !== 0) this.gtdLive--;
    this.rGtd[i] = 0;
    this.byClord.remove(2 * i);
    if (this.rHasPendingId[i] !== 0) this.byClord.remove(2 * i + 1);
    this.rHasPendingId[i] = 0;
    this.rPending[i] = 0;
    this.orderPool.give(i);
  }
}

export { bandHigh, bandLow } from './bands.ts';

/**
 * The naive reference model of a matching shard: plain objects, arrays re-sorted on every
 * insert, no pools, no indexes. Slow on purpose and obviously right; the fast MatchingShard must
 * produce exactly the same events for the same commands (test/book-cases.ts, property tests).
 * Cold code, tests only.
 *
 * Order types (docs/order-types.md): stop / stop-limit orders wait in a stop table (`pending`)
 * until the book's last trade price reaches their stop price; OCO legs cancel each other
 * (`cascade`); icebergs show `shown` of their leaves and go to the back of their level when it
 * is used up; GTD orders expire at the start of the first command whose ingress time reaches
 * their expireTime.
 */
import {
  CommandType, EventType, OrderStatus, OrderType, Reason, ResultCode, Side, Stp, TimeInForce,
} from '../engine/codes.ts';
import { packMeta } from '../engine/command-slot.ts';
import type { Command } from '../engine/command-slot.ts';
import type { DecodedEvent } from '../engine/event-slot.ts';
import { bandHigh, bandLow } from '../engine/risk-core.ts';

interface RefOrder {
  orderId: number;
  accountId: number;
  symbolId: number;
  meta: number;
  side: number;
  orderType: number;
  tif: number;
  stp: number;
  postOnly: boolean;
  price: number;
  qty: number;
  cum: number;
  clientOrderId: string;
  /** When it last entered a book queue (time priority). */
  time: number;
  /** When it was accepted (mass cancel walks newest first). */
  acceptedAt: number;
  resting: boolean;
  /** Waiting in the stop table for its stop price. */
  pending: boolean;
  /** When it last entered the stop table (trigger priority at one stop price). */
  stopTime: number;
  stopPrice: number;
  /** Iceberg display quantity (0 = not an iceberg) and the part of it still shown at rest. */
  display: number;
  shown: number;
  /** GTD expiry, ms (0 = none). */
  expireTime: number;
  ocoGroup: number;
  ocoSibling: number;
}

export interface SymbolRule {
  referencePrice: number;
  bandBps: number;
}

/** A live order as the reference model holds it (tests' invariants). */
export interface RefOrderView {
  orderId: number;
  symbolId: number;
  side: number;
  pending: boolean;
  resting: boolean;
  stopPrice: number;
  expireTime: number;
  ocoSibling: number;
}

/** Events without the wall-clock fields, which differ run to run. */
export type ComparableEvent = Omit<DecodedEvent, 'ts'>;

export function comparable(e: DecodedEvent): ComparableEvent {
  const { ts: _ts, ...rest } = e;
  return rest;
}

export class ReferenceShard {
  private readonly orders = new Map<number, RefOrder>();
  /** Per symbol of this shard: the last trade price (initially the reference price). */
  private readonly last = new Map<number, number>();
  private seq = 0;
  private tradeSeq = 0;
  private clock = 0;
  private cmd!: Command;
  private events: ComparableEvent[] = [];

  /** `rules` is indexed by global symbol id; default as the fast shard's: reference 0, band 10,000 bps. */
  constructor(
    readonly shardId: number,
    private readonly symbolIds: readonly number[],
    private readonly rules: ReadonlyArray<SymbolRule> = [],
  ) {
    for (const s of symbolIds) this.last.set(s, this.rule(s).referencePrice);
  }

  private rule(symbolId: number): SymbolRule {
    return this.rules[symbolId] ?? { referencePrice: 0, bandBps: 10_000 };
  }

  process(cmd: Command): ComparableEvent[] {
    this.cmd = cmd;
    this.events = [];
    this.expireDue();
    if (cmd.rejectCode) {
      this.commandReject(cmd.rejectCode);
    } else {
      switch (cmd.type) {
        case CommandType.NEW:
          this.newOrder();
          break;
        case CommandType.NEW_OCO:
          this.newOco();
          break;
        case CommandType.CANCEL: {
          const o = this.owned();
          if (o) this.finish(o, EventType.CANCELED, Reason.USER);
          break;
        }
        case CommandType.REPLACE:
          this.replace();
          break;
        case CommandType.MASS_CANCEL:
          this.massCancel(cmd.accountId, cmd.symbolId, cmd.reason ?? 0);
          break;
        case CommandType.HALT_SYMBOL:
        case CommandType.RESUME_SYMBOL:
        case CommandType.ENABLE_ACCOUNT:
          this.admin();
          break;
        case CommandType.DISABLE_ACCOUNT:
          this.massCancel(cmd.accountId, -1, Reason.KILL_SWITCH);
          this.admin();
          break;
        case CommandType.CLOCK:
          break;
        default:
          this.commandReject(ResultCode.MATCH_UNKNOWN_COMMAND);
      }
    }
    this.triggerLoop(cmd.symbolId);
    return this.events;
  }

  // ---------------------------------------------------------------- GTD

  private expireDue(): void {
    const cmd = this.cmd;
    const now = cmd.ingressTs ?? 0;
    const due = [...this.orders.values()]
      .filter((o) => o.expireTime > 0 && o.expireTime * 1000 <= now)
      .sort((a, b) => a.expireTime - b.expireTime || a.orderId - b.orderId);
    // Expiries are attributed to a CLOCK command without correlation id (same sequence and time).
    this.cmd = { type: CommandType.CLOCK, symbolId: -1, accountId: 0, commandSeq: cmd.commandSeq, ingressTs: cmd.ingressTs, correlationId: 0 };
    for (const o of due) {
      if (this.orders.get(o.orderId) !== o) continue; // canceled by its OCO sibling's expiry
      this.finish(o, EventType.EXPIRED, Reason.GTD_EXPIRED);
    }
    this.cmd = cmd;
  }

  // ---------------------------------------------------------------- book helpers

  private side(symbolId: number, side: number): RefOrder[] {
    const list = [...this.orders.values()].filter((o) => o.resting && o.symbolId === symbolId && o.side === side);
    return list.sort((a, b) => (a.price !== b.price ? (side === Side.BUY ? b.price - a.price : a.price - b.price) : a.time - b.time));
  }

  private crossesPrice(takerSide: number, limit: number, makerPrice: number): boolean {
    return takerSide === Side.BUY ? makerPrice <= limit : makerPrice >= limit;
  }

  private wouldTrigger(side: number, stopPrice: number, symbolId: number): boolean {
    const last = this.last.get(symbolId) ?? 0;
    return side === Side.BUY ? last >= stopPrice : last <= stopPrice;
  }

  private isStop(orderType: number): boolean {
    return orderType === OrderType.STOP || orderType === OrderType.STOP_LIMIT;
  }

  /** Acts as a limit order (a limit, or a triggered stop-limit) with GTC / GTD. */
  private restable(o: RefOrder): boolean {
    const limit = o.orderType === OrderType.LIMIT || (o.orderType === OrderType.STOP_LIMIT && !o.pending);
    return limit && (o.tif === TimeInForce.GTC || o.tif === TimeInForce.GTD);
  }

  private make(c: Partial<RefOrder> & Pick<RefOrder, 'orderId' | 'accountId' | 'symbolId' | 'meta' | 'side' | 'orderType' | 'tif' | 'stp' | 'postOnly' | 'price' | 'qty' | 'clientOrderId'>): RefOrder {
    const o: RefOrder = {
      cum: 0, time: 0, acceptedAt: ++this.clock, resting: false, pending: false, stopTime: 0, stopPrice: 0,
      display: 0, shown: 0, expireTime: 0, ocoGroup: 0, ocoSibling: 0, ...c,
    };
    this.orders.set(o.orderId, o);
    return o;
  }

  // ---------------------------------------------------------------- NEW

  private newOrder(): void {
    const c = this.cmd;
    if (!this.symbolIds.includes(c.symbolId)) return this.commandReject(ResultCode.RISK_UNKNOWN_SYMBOL);
    const orderId = c.orderId ?? 0;
    if (this.orders.has(orderId)) return this.commandReject(ResultCode.MATCH_DUPLICATE_ORDER_ID);
    const side = c.side ?? 0;
    const price = c.price ?? 0;
    const orderType = c.orderType ?? 0;
    const stop = this.isStop(orderType);
    if (stop) {
      if (this.wouldTrigger(side, c.stopPrice ?? 0, c.symbolId)) return this.commandReject(ResultCode.MATCH_STOP_WOULD_TRIGGER);
    } else {
      const opp = this.side(c.symbolId, side === Side.BUY ? Side.SELL : Side.BUY);
      if (c.postOnly && opp.length > 0 && this.crossesPrice(side, price, opp[0].price)) {
        return this.commandReject(ResultCode.MATCH_POST_ONLY_WOULD_TAKE);
      }
    }
    const o = this.make({
      orderId, accountId: c.accountId, symbolId: c.symbolId,
      meta: packMeta(side, orderType, c.tif ?? 0, c.stp ?? 0, c.postOnly ?? false, c.byClientId ?? false, c.reason ?? 0),
      side, orderType, tif: c.tif ?? 0, stp: c.stp ?? 0, postOnly: c.postOnly ?? false,
      price, qty: c.qty ?? 0, clientOrderId: c.clientOrderId ?? '',
      stopPrice: c.stopPrice ?? 0, display: c.displayQty ?? 0, expireTime: c.expireTime ?? 0,
    });
    if (stop) {
      o.pending = true;
      o.stopTime = ++this.clock;
      this.orderEvent(EventType.ACCEPTED, 0, o, 0);
      return;
    }
    this.orderEvent(EventType.ACCEPTED, 0, o, 0);
    this.execute(o);
  }

  /** An order that just became a taker (new, or triggered): FOK check, match, rest or cancel the rest. */
  private execute(o: RefOrder): void {
    if (o.tif === TimeInForce.FOK && this.fillable(o) < o.qty - o.cum) {
      this.finish(o, EventType.EXPIRED, Reason.FOK_NOT_FILLABLE);
      return;
    }
    this.match(o);
    if (this.orders.get(o.orderId) === o) {
      if (this.restable(o)) this.rest(o);
      else {
        const market = o.orderType === OrderType.MARKET || o.orderType === OrderType.STOP;
        this.finish(o, EventType.CANCELED, market ? Reason.MARKET_REMAINDER : Reason.IOC_REMAINDER);
      }
    }
  }

  // ---------------------------------------------------------------- NEW_OCO

  private newOco(): void {
    const c = this.cmd;
    if (!this.symbolIds.includes(c.symbolId)) return this.commandReject(ResultCode.RISK_UNKNOWN_SYMBOL);
    const idA = c.orderId ?? 0;
    const idB = c.ocoOrderId ?? 0;
    if (this.orders.has(idA) || this.orders.has(idB)) return this.commandReject(ResultCode.MATCH_DUPLICATE_ORDER_ID);
    const side = c.side ?? 0;
    if (this.wouldTrigger(side, c.stopPrice ?? 0, c.symbolId)) return this.commandReject(ResultCode.MATCH_STOP_WOULD_TRIGGER);
    const price = c.price ?? 0;
    const opp = this.side(c.symbolId, side === Side.BUY ? Side.SELL : Side.BUY);
    if (c.postOnly && opp.length > 0 && this.crossesPrice(side, price, opp[0].price)) {
      return this.commandReject(ResultCode.MATCH_POST_ONLY_WOULD_TAKE);
    }
    const a = this.make({
      orderId: idA, accountId: c.accountId, symbolId: c.symbolId,
      meta: packMeta(side, c.orderType ?? OrderType.LIMIT, c.tif ?? 0, c.stp ?? 0, c.postOnly ?? false, c.byClientId ?? false, c.reason ?? 0),
      side, orderType: OrderType.LIMIT, tif: c.tif ?? 0, stp: c.stp ?? 0, postOnly: c.postOnly ?? false,
      price, qty: c.qty ?? 0, clientOrderId: c.clientOrderId ?? '',
      display: c.displayQty ?? 0, expireTime: c.expireTime ?? 0, ocoGroup: idA, ocoSibling: idB,
    });
    const b = this.make({
      orderId: idB, accountId: c.accountId, symbolId: c.symbolId,
      meta: packMeta(side, c.ocoOrderType ?? 0, c.ocoTif ?? 0, c.stp ?? 0, false),
      side, orderType: c.ocoOrderType ?? 0, tif: c.ocoTif ?? 0, stp: c.stp ?? 0, postOnly: false,
      price: c.ocoPrice ?? 0, qty: c.qty ?? 0, clientOrderId: c.newClientOrderId ?? '',
      stopPrice: c.stopPrice ?? 0, expireTime: c.expireTime ?? 0, ocoGroup: idA, ocoSibling: idA,
      pending: true, stopTime: ++this.clock,
    });
    this.orderEvent(EventType.ACCEPTED, 0, a, 0);
    this.orderEvent(EventType.ACCEPTED, 0, b, 0);
    this.execute(a);
  }

  // ---------------------------------------------------------------- OCO cascade

  /** After o's TRADE / TRIGGERED / terminal event: cancel its live OCO sibling (reason OCO). */
  private cascade(o: RefOrder): void {
    if (!o.ocoSibling) return;
    const s = this.orders.get(o.ocoSibling);
    if (s) this.finish(s, EventType.CANCELED, Reason.OCO);
  }

  // ---------------------------------------------------------------- stops

  private triggerLoop(symbolId: number): void {
    if (!this.symbolIds.includes(symbolId)) return;
    for (;;) {
      const last = this.last.get(symbolId) ?? 0;
      const pending = [...this.orders.values()].filter((o) => o.pending && o.symbolId === symbolId);
      let o = pending
        .filter((p) => p.side === Side.BUY && p.stopPrice <= last)
        .sort((x, y) => x.stopPrice - y.stopPrice || x.stopTime - y.stopTime)[0];
      o ??= pending
        .filter((p) => p.side === Side.SELL && p.stopPrice >= last)
        .sort((x, y) => y.stopPrice - x.stopPrice || x.stopTime - y.stopTime)[0];
      if (!o) return;
      this.trigger(o, last);
    }
  }

  private trigger(o: RefOrder, last: number): void {
    o.pending = false;
    const bps = this.rule(o.symbolId).bandBps;
    if (o.orderType === OrderType.STOP_LIMIT && (o.price < bandLow(last, bps) || o.price > bandHigh(last, bps))) {
      const e = this.withOrder(this.base(EventType.REJECTED, ResultCode.MATCH_STOP_PRICE_BAND), o);
      this.ext(e, o);
      e.status = OrderStatus.REJECTED;
      e.leavesQty = 0;
      e.lastQty = 0;
      this.events.push(e);
      this.orders.delete(o.orderId);
      this.cascade(o);
      return;
    }
    this.orderEvent(EventType.TRIGGERED, 0, o, 0);
    this.cascade(o);
    this.execute(o);
  }

  // ---------------------------------------------------------------- matching

  private fillable(t: RefOrder): number {
    const opp = this.side(t.symbolId, t.side === Side.BUY ? Side.SELL : Side.BUY).filter((m) => this.crossesPrice(t.side, t.price, m.price));
    const leaves = (m: RefOrder): number => m.qty - m.cum;
    if (t.stp === Stp.NONE) return opp.reduce((s, m) => s + leaves(m), 0);
    if (t.stp === Stp.CANCEL_OLDEST) return opp.filter((m) => m.accountId !== t.accountId).reduce((s, m) => s + leaves(m), 0);
    let sum = 0;
    const prices = [...new Set(opp.map((m) => m.price))];
    for (const p of prices) {
      const level = opp.filter((m) => m.price === p);
      const own = level.findIndex((m) => m.accountId === t.accountId);
      if (own < 0) {
        sum += level.reduce((s, m) => s + leaves(m), 0);
        continue;
      }
      for (const m of level.slice(0, own)) sum += m.display > 0 ? m.shown : leaves(m);
      return sum;
    }
    return sum;
  }

  private match(t: RefOrder): void {
    const oppSide = t.side === Side.BUY ? Side.SELL : Side.BUY;
    for (;;) {
      const m = this.side(t.symbolId, oppSide)[0];
      if (!m || !this.crossesPrice(t.side, t.price, m.price)) return;
      if (t.stp !== Stp.NONE && m.accountId === t.accountId) {
        if (!this.selfTrade(t, m)) return;
        continue;
      }
      const avail = m.display > 0 ? m.shown : m.qty - m.cum;
      const q = Math.min(t.qty - t.cum, avail);
      t.cum += q;
      m.cum += q;
      if (m.display > 0) m.shown -= q;
      this.last.set(t.symbolId, m.price);
      this.tradeEvent(t, m, m.price, q);
      this.cascade(t);
      this.cascade(m);
      if (m.cum === m.qty) {
        m.resting = false;
        this.orders.delete(m.orderId);
      } else if (m.display > 0 && m.shown === 0) {
        // Iceberg refill: back of its level, new shown part.
        m.time = ++this.clock;
        m.shown = Math.min(m.display, m.qty - m.cum);
      }
      if (t.cum === t.qty) {
        this.orders.delete(t.orderId);
        return;
      }
    }
  }

  private selfTrade(t: RefOrder, m: RefOrder): boolean {
    switch (t.stp) {
      case Stp.CANCEL_NEWEST:
        this.finish(t, EventType.CANCELED, Reason.STP);
        return false;
      case Stp.CANCEL_OLDEST:
        this.finish(m, EventType.CANCELED, Reason.STP);
        return true;
      case Stp.CANCEL_BOTH:
        this.finish(m, EventType.CANCELED, Reason.STP);
        this.finish(t, EventType.CANCELED, Reason.STP);
        return false;
      default: {
        const d = Math.min(t.qty - t.cum, m.qty - m.cum);
        if (d === m.qty - m.cum) {
          this.finish(m, EventType.CANCELED, Reason.STP);
        } else {
          m.qty -= d;
          if (m.display > 0) m.shown = Math.min(m.shown, m.qty - m.cum);
          this.orderEvent(EventType.REPLACED, Reason.STP_DECREMENT, m, 0, m.clientOrderId);
        }
        if (d === t.qty - t.cum) {
          this.finish(t, EventType.CANCELED, Reason.STP);
          return false;
        }
        t.qty -= d;
        this.orderEvent(EventType.REPLACED, Reason.STP_DECREMENT, t, 0, t.clientOrderId);
        return true;
      }
    }
  }

  private rest(o: RefOrder): void {
    o.resting = true;
    o.time = ++this.clock;
    if (o.display > 0) o.shown = Math.min(o.display, o.qty - o.cum);
  }

  /** The live order (resting or waiting for its trigger) a CANCEL / REPLACE targets, if the sender owns it. */
  private owned(): RefOrder | null {
    const c = this.cmd;
    const o = this.orders.get(c.orderId ?? 0);
    if (!o || o.accountId !== c.accountId || o.symbolId !== c.symbolId || !(o.resting || o.pending)) {
      this.commandReject(ResultCode.MATCH_UNKNOWN_ORDER);
      return null;
    }
    return o;
  }

  // ---------------------------------------------------------------- REPLACE

  private replace(): void {
    const c = this.cmd;
    const o = this.owned();
    if (!o) return;
    if (c.stopPrice && !o.pending) return this.orderReject(o, ResultCode.MATCH_STOP_ALREADY_TRIGGERED);
    const newPrice = c.price ? c.price : o.price;
    const newQty = c.qty ? c.qty : o.qty;
    if (newQty <= o.cum) return this.orderReject(o, ResultCode.MATCH_REPLACE_QTY_TOO_LOW);
    if (o.pending) {
      const newStop = c.stopPrice ? c.stopPrice : o.stopPrice;
      if (this.wouldTrigger(o.side, newStop, o.symbolId)) return this.orderReject(o, ResultCode.MATCH_STOP_WOULD_TRIGGER);
      const prevId = o.clientOrderId;
      if (c.newClientOrderId) o.clientOrderId = c.newClientOrderId;
      const keep = newStop === o.stopPrice && newQty <= o.qty;
      o.stopPrice = newStop;
      o.price = newPrice;
      o.qty = newQty;
      if (!keep) o.stopTime = ++this.clock;
      this.orderEvent(EventType.REPLACED, Reason.USER, o, 0, prevId);
      return;
    }
    const opp = this.side(o.symbolId, o.side === Side.BUY ? Side.SELL : Side.BUY);
    if (o.postOnly && newPrice !== o.price && opp.length > 0 && this.crossesPrice(o.side, newPrice, opp[0].price)) {
      return this.orderReject(o, ResultCode.MATCH_POST_ONLY_WOULD_TAKE);
    }
    if (o.orderType === OrderType.STOP_LIMIT && newPrice !== o.price) {
      // A triggered stop-limit's new price meets the band around the last trade (the shard checks it).
      const last = this.lastPrice(o.symbolId);
      const bps = this.rule(o.symbolId).bandBps;
      if (newPrice < bandLow(last, bps) || newPrice > bandHigh(last, bps)) return this.orderReject(o, ResultCode.MATCH_REPLACE_PRICE_BAND);
    }
    const prevId = o.clientOrderId;
    if (c.newClientOrderId) o.clientOrderId = c.newClientOrderId;
    if (newPrice === o.price && newQty <= o.qty) {
      o.qty = newQty;
      if (o.display > 0) o.shown = Math.min(o.shown, o.qty - o.cum);
      this.orderEvent(EventType.REPLACED, Reason.USER, o, 0, prevId);
      return;
    }
    o.resting = false;
    o.price = newPrice;
    o.qty = newQty;
    this.orderEvent(EventType.REPLACED, Reason.USER, o, 0, prevId);
    this.match(o);
    if (this.orders.get(o.orderId) === o) this.rest(o);
  }

  // ---------------------------------------------------------------- mass cancel, admin

  private massCancel(accountId: number, symbolId: number, requested: number): void {
    const reason = requested === 0 ? Reason.MASS_CANCEL : requested;
    const mine = [...this.orders.values()]
      .filter((o) => o.accountId === accountId && (symbolId < 0 || o.symbolId === symbolId))
      .sort((a, b) => b.acceptedAt - a.acceptedAt);
    for (const o of mine) this.finish(o, EventType.CANCELED, reason, false);
    const e = this.base(EventType.MASS_CANCEL_DONE, reason);
    e.accountId = accountId;
    e.symbolId = symbolId;
    e.lastQty = mine.length;
    this.events.push(e);
  }

  private admin(): void {
    const e = this.base(EventType.ADMIN, this.cmd.type);
    e.accountId = this.cmd.accountId;
    e.symbolId = this.cmd.symbolId;
    this.events.push(e);
  }

  /** Terminal CANCELED / EXPIRED event; the order is gone; then the OCO cascade (not for OCO cancels, not in mass cancels). */
  private finish(o: RefOrder, type: number, reason: number, cascade = true): void {
    this.orderEvent(type, reason, o, o.qty - o.cum);
    o.resting = false;
    o.pending = false;
    this.orders.delete(o.orderId);
    if (cascade && !(type === EventType.CANCELED && reason === Reason.OCO)) this.cascade(o);
  }

  // ---------------------------------------------------------------- events

  private base(type: number, code: number): ComparableEvent {
    const c = this.cmd;
    return {
      type, code, seq: ++this.seq, orderId: 0, accountId: 0, symbolId: 0, meta: 0, status: 0, price: 0, quantity: 0,
      cumQty: 0, leavesQty: 0, lastPrice: 0, lastQty: 0, tradeId: 0, makerOrderId: 0, makerAccountId: 0, makerStatus: 0,
      makerCumQty: 0, makerLeavesQty: 0, makerMeta: 0, makerQuantity: 0, correlationId: c.correlationId ?? 0,
      commandType: c.type, clientOrderId: '', otherClientOrderId: '', ingressTs: c.ingressTs ?? 0, commandSeq: c.commandSeq ?? 0,
      stopPrice: 0, displayQty: 0, expireTime: 0, ocoGroupId: 0, ocoOrderId: 0,
    };
  }

  /** Status in ACCEPTED / REPLACED / TRIGGERED / order rejects and TRADE: a waiting stop is PENDING_TRIGGER. */
  private status(o: RefOrder): number {
    if (o.pending) return OrderStatus.PENDING_TRIGGER;
    return o.cum === 0 ? OrderStatus.NEW : o.cum < o.qty ? OrderStatus.PARTIALLY_FILLED : OrderStatus.FILLED;
  }

  private withOrder(e: ComparableEvent, o: RefOrder): ComparableEvent {
    e.orderId = o.orderId;
    e.accountId = o.accountId;
    e.symbolId = o.symbolId;
    e.meta = o.meta;
    e.price = o.price;
    e.quantity = o.qty;
    e.cumQty = o.cum;
    e.clientOrderId = o.clientOrderId;
    return e;
  }

  /** The order extension fields (every order event except TRADE). */
  private ext(e: ComparableEvent, o: RefOrder): void {
    e.stopPrice = o.stopPrice;
    e.displayQty = o.display;
    e.expireTime = o.expireTime;
    e.ocoGroupId = o.ocoGroup;
    e.ocoOrderId = o.ocoSibling;
  }

  private orderEvent(type: number, code: number, o: RefOrder, canceled: number, prevId?: string): void {
    const e = this.withOrder(this.base(type, code), o);
    this.ext(e, o);
    const terminal = type === EventType.CANCELED || type === EventType.EXPIRED;
    e.leavesQty = terminal ? 0 : o.qty - o.cum;
    e.lastQty = terminal ? canceled : 0;
    e.status = type === EventType.CANCELED ? OrderStatus.CANCELED : type === EventType.EXPIRED ? OrderStatus.EXPIRED : this.status(o);
    if (type === EventType.REPLACED) e.otherClientOrderId = prevId ?? '';
    this.events.push(e);
  }

  private tradeEvent(t: RefOrder, m: RefOrder, price: number, qty: number): void {
    const e = this.withOrder(this.base(EventType.TRADE, 0), t);
    e.leavesQty = t.qty - t.cum;
    e.status = this.status(t);
    e.lastPrice = price;
    e.lastQty = qty;
    e.tradeId = ++this.tradeSeq * 256 + this.shardId;
    e.makerOrderId = m.orderId;
    e.makerAccountId = m.accountId;
    e.makerStatus = this.status(m);
    e.makerMeta = m.meta;
    e.makerQuantity = m.qty;
    e.makerCumQty = m.cum;
    e.makerLeavesQty = m.qty - m.cum;
    e.otherClientOrderId = m.clientOrderId;
    this.events.push(e);
  }

  private commandReject(code: number): void {
    const c = this.cmd;
    const e = this.base(EventType.REJECTED, code);
    e.orderId = c.orderId ?? 0;
    e.accountId = c.accountId;
    e.symbolId = c.symbolId;
    e.meta = packMeta(c.side ?? 0, c.orderType ?? 0, c.tif ?? 0, c.stp ?? 0, c.postOnly ?? false, c.byClientId ?? false, c.reason ?? 0);
    e.status = OrderStatus.REJECTED;
    e.price = c.price ?? 0;
    e.quantity = c.qty ?? 0;
    e.clientOrderId = c.clientOrderId ?? '';
    e.otherClientOrderId = c.newClientOrderId ?? '';
    e.stopPrice = c.stopPrice ?? 0;
    e.displayQty = c.displayQty ?? 0;
    e.expireTime = c.expireTime ?? 0;
    e.ocoOrderId = c.ocoOrderId ?? 0;
    this.events.push(e);
  }

  private orderReject(o: RefOrder, code: number): void {
    const e = this.withOrder(this.base(EventType.REJECTED, code), o);
    this.ext(e, o);
    e.leavesQty = o.qty - o.cum;
    e.status = this.status(o);
    e.otherClientOrderId = this.cmd.newClientOrderId ?? '';
    this.events.push(e);
  }

  /** Aggregated levels best first, same shape as MatchingShard.depth (full leaves, hidden parts included; no waiting stops). */
  depth(symbolId: number, side: number): Array<[number, number, number]> {
    const res: Array<[number, number, number]> = [];
    for (const o of this.side(symbolId, side)) {
      const last = res[res.length - 1];
      if (last && last[0] === o.price) {
        last[1] += o.qty - o.cum;
        last[2]++;
      } else res.push([o.price, o.qty - o.cum, 1]);
    }
    return res;
  }

  /** Resting order ids of one side, best first, time priority within a level. */
  restingIds(symbolId: number, side: number): number[] {
    return this.side(symbolId, side).map((o) => o.orderId);
  }

  /** Every live order (resting or waiting for a trigger). */
  liveOrders(): RefOrderView[] {
    return [...this.orders.values()].map((o) => ({
      orderId: o.orderId, symbolId: o.symbolId, side: o.side, pending: o.pending, resting: o.resting,
      stopPrice: o.stopPrice, expireTime: o.expireTime, ocoSibling: o.ocoSibling,
    }));
  }

  lastPrice(symbolId: number): number {
    return this.last.get(symbolId) ?? 0;
  }

  openOrderCount(): number {
    return this.orders.size;
  }
}

/**
 * The naive reference model of a matching shard: plain objects, arrays re-sorted on every
 * insert, no pools, no indexes. Slow on purpose and obviously right; the fast MatchingShard must
 * produce exactly the same events for the same commands (test/book-cases.ts, property tests).
 * Cold code, tests only.
 */
import {
  CommandType, EventType, OrderStatus, OrderType, Reason, ResultCode, Side, Stp, TimeInForce,
} from '../engine/codes.ts';
import { packMeta } from '../engine/command-slot.ts';
import type { Command } from '../engine/command-slot.ts';
import type { DecodedEvent } from '../engine/event-slot.ts';

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
  /** When it last entered a queue (time priority). */
  time: number;
  /** When it was accepted (mass cancel walks newest first). */
  acceptedAt: number;
  resting: boolean;
}

/** Events without the wall-clock fields, which differ run to run. */
export type ComparableEvent = Omit<DecodedEvent, 'ts'>;

export function comparable(e: DecodedEvent): ComparableEvent {
  const { ts: _ts, ...rest } = e;
  return rest;
}

export class ReferenceShard {
  private readonly orders = new Map<number, RefOrder>();
  private seq = 0;
  private tradeSeq = 0;
  private clock = 0;
  private cmd!: Command;
  private events: ComparableEvent[] = [];

  constructor(
    readonly shardId: number,
    private readonly symbolIds: readonly number[],
  ) {}

  process(cmd: Command): ComparableEvent[] {
    this.cmd = cmd;
    this.events = [];
    if (cmd.rejectCode) {
      this.commandReject(cmd.rejectCode);
      return this.events;
    }
    switch (cmd.type) {
      case CommandType.NEW:
        this.newOrder();
        break;
      case CommandType.CANCEL: {
        const o = this.owned();
        if (o) {
          o.resting = false;
          this.finish(o, EventType.CANCELED, Reason.USER);
        }
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
      default:
        this.commandReject(ResultCode.MATCH_UNKNOWN_COMMAND);
    }
    return this.events;
  }

  private side(symbolId: number, side: number): RefOrder[] {
    const list = [...this.orders.values()].filter((o) => o.resting && o.symbolId === symbolId && o.side === side);
    return list.sort((a, b) => (a.price !== b.price ? (side === Side.BUY ? b.price - a.price : a.price - b.price) : a.time - b.time));
  }

  private crossesPrice(takerSide: number, limit: number, makerPrice: number): boolean {
    return takerSide === Side.BUY ? makerPrice <= limit : makerPrice >= limit;
  }

  private newOrder(): void {
    const c = this.cmd;
    if (!this.symbolIds.includes(c.symbolId)) return this.commandReject(ResultCode.RISK_UNKNOWN_SYMBOL);
    const orderId = c.orderId ?? 0;
    if (this.orders.has(orderId)) return this.commandReject(ResultCode.MATCH_DUPLICATE_ORDER_ID);
    const side = c.side ?? 0;
    const price = c.price ?? 0;
    const opp = this.side(c.symbolId, side === Side.BUY ? Side.SELL : Side.BUY);
    if (c.postOnly && opp.length > 0 && this.crossesPrice(side, price, opp[0].price)) {
      return this.commandReject(ResultCode.MATCH_POST_ONLY_WOULD_TAKE);
    }
    const o: RefOrder = {
      orderId, accountId: c.accountId, symbolId: c.symbolId,
      meta: packMeta(side, c.orderType ?? 0, c.tif ?? 0, c.stp ?? 0, c.postOnly ?? false, c.byClientId ?? false, c.reason ?? 0),
      side, orderType: c.orderType ?? 0, tif: c.tif ?? 0, stp: c.stp ?? 0, postOnly: c.postOnly ?? false,
      price, qty: c.qty ?? 0, cum: 0, clientOrderId: c.clientOrderId ?? '', time: 0, acceptedAt: ++this.clock, resting: false,
    };
    this.orders.set(orderId, o);
    this.orderEvent(EventType.ACCEPTED, 0, o, 0);
    if (o.tif === TimeInForce.FOK && this.fillable(o) < o.qty) {
      this.finish(o, EventType.EXPIRED, Reason.FOK_NOT_FILLABLE);
      return;
    }
    this.match(o);
    if (this.orders.get(orderId) === o) {
      if (o.tif === TimeInForce.GTC && o.orderType === OrderType.LIMIT) this.rest(o);
      else this.finish(o, EventType.CANCELED, o.orderType === OrderType.MARKET ? Reason.MARKET_REMAINDER : Reason.IOC_REMAINDER);
    }
  }

  private fillable(t: RefOrder): number {
    const opp = this.side(t.symbolId, t.side === Side.BUY ? Side.SELL : Side.BUY);
    let sum = 0;
    for (const m of opp) {
      if (!this.crossesPrice(t.side, t.price, m.price)) break;
      if (t.stp !== Stp.NONE && m.accountId === t.accountId) {
        if (t.stp === Stp.CANCEL_OLDEST) continue;
        return sum;
      }
      sum += m.qty - m.cum;
    }
    return sum;
  }

  private match(t: RefOrder): void {
    const opp = this.side(t.symbolId, t.side === Side.BUY ? Side.SELL : Side.BUY);
    for (const m of opp) {
      if (!this.crossesPrice(t.side, t.price, m.price)) return;
      if (t.stp !== Stp.NONE && m.accountId === t.accountId) {
        if (!this.selfTrade(t, m)) return;
        continue;
      }
      const q = Math.min(t.qty - t.cum, m.qty - m.cum);
      t.cum += q;
      m.cum += q;
      this.tradeEvent(t, m, m.price, q);
      if (m.cum === m.qty) {
        m.resting = false;
        this.orders.delete(m.orderId);
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
        m.resting = false;
        this.finish(m, EventType.CANCELED, Reason.STP);
        return true;
      case Stp.CANCEL_BOTH:
        m.resting = false;
        this.finish(m, EventType.CANCELED, Reason.STP);
        this.finish(t, EventType.CANCELED, Reason.STP);
        return false;
      default: {
        const d = Math.min(t.qty - t.cum, m.qty - m.cum);
        if (d === m.qty - m.cum) {
          m.resting = false;
          this.finish(m, EventType.CANCELED, Reason.STP);
        } else {
          m.qty -= d;
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
  }

  private owned(): RefOrder | null {
    const c = this.cmd;
    const o = this.orders.get(c.orderId ?? 0);
    if (!o || o.accountId !== c.accountId || o.symbolId !== c.symbolId || !o.resting) {
      this.commandReject(ResultCode.MATCH_UNKNOWN_ORDER);
      return null;
    }
    return o;
  }

  private replace(): void {
    const c = this.cmd;
    const o = this.owned();
    if (!o) return;
    const newPrice = c.price ? c.price : o.price;
    const newQty = c.qty ? c.qty : o.qty;
    if (newQty <= o.cum) return this.orderReject(o, ResultCode.MATCH_REPLACE_QTY_TOO_LOW);
    const opp = this.side(o.symbolId, o.side === Side.BUY ? Side.SELL : Side.BUY);
    if (o.postOnly && newPrice !== o.price && opp.length > 0 && this.crossesPrice(o.side, newPrice, opp[0].price)) {
      return this.orderReject(o, ResultCode.MATCH_POST_ONLY_WOULD_TAKE);
    }
    const prevId = o.clientOrderId;
    if (c.newClientOrderId) o.clientOrderId = c.newClientOrderId;
    if (newPrice === o.price && newQty <= o.qty) {
      o.qty = newQty;
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

  private massCancel(accountId: number, symbolId: number, requested: number): void {
    const reason = requested === 0 ? Reason.MASS_CANCEL : requested;
    const mine = [...this.orders.values()]
      .filter((o) => o.accountId === accountId && (symbolId < 0 || o.symbolId === symbolId))
      .sort((a, b) => b.acceptedAt - a.acceptedAt);
    for (const o of mine) {
      o.resting = false;
      this.finish(o, EventType.CANCELED, reason);
    }
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

  private finish(o: RefOrder, type: number, reason: number): void {
    this.orderEvent(type, reason, o, o.qty - o.cum);
    this.orders.delete(o.orderId);
  }

  // ---------------------------------------------------------------- events

  private base(type: number, code: number): ComparableEvent {
    const c = this.cmd;
    return {
      type, code, seq: ++this.seq, orderId: 0, accountId: 0, symbolId: 0, meta: 0, status: 0, price: 0, quantity: 0,
      cumQty: 0, leavesQty: 0, lastPrice: 0, lastQty: 0, tradeId: 0, makerOrderId: 0, makerAccountId: 0, makerStatus: 0,
      makerCumQty: 0, makerLeavesQty: 0, makerMeta: 0, makerQuantity: 0, correlationId: c.correlationId ?? 0,
      commandType: c.type, clientOrderId: '', otherClientOrderId: '', ingressTs: c.ingressTs ?? 0, commandSeq: c.commandSeq ?? 0,
    };
  }

  private status(o: RefOrder): number {
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

  private orderEvent(type: number, code: number, o: RefOrder, canceled: number, prevId?: string): void {
    const e = this.withOrder(this.base(type, code), o);
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
    this.events.push(e);
  }

  private orderReject(o: RefOrder, code: number): void {
    const e = this.withOrder(this.base(EventType.REJECTED, code), o);
    e.leavesQty = o.qty - o.cum;
    e.status = this.status(o);
    e.otherClientOrderId = this.cmd.newClientOrderId ?? '';
    this.events.push(e);
  }

  /** Aggregated levels best first, same shape as MatchingShard.depth. */
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

  openOrderCount(): number {
    return this.orders.size;
  }
}

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CommandType, EventType, OrderStatus, OrderType, Reason, ResultCode, Side, Stp, TimeInForce } from '../engine/codes.ts';
import { metaSide } from '../engine/command-slot.ts';
import type { Command } from '../engine/command-slot.ts';
import { bandHigh, bandLow } from '../engine/risk-core.ts';
import type { ComparableEvent } from './reference-book.ts';
import { BAND_BPS, REFERENCE_PRICE, fastBook, referenceBook, stopProtection } from './harness.ts';
import type { BookUnderTest } from './harness.ts';

type Recipe =
  | { k: 'new'; side: number; price: number; qty: number; account: number; symbol: number; tif: number; market: boolean; stp: number; postOnly: boolean }
  | { k: 'cancel'; target: number; account: number }
  | { k: 'replace'; target: number; account: number; price: number; qty: number; newId: boolean }
  | { k: 'mass'; account: number; symbol: number }
  | { k: 'disable'; account: number };

const account = fc.integer({ min: 1, max: 3 });
const recipe: fc.Arbitrary<Recipe> = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    k: fc.constant('new' as const), side: fc.constantFrom(Side.BUY, Side.SELL), price: fc.integer({ min: 98, max: 102 }),
    qty: fc.integer({ min: 1, max: 10 }), account, symbol: fc.integer({ min: 0, max: 1 }),
    tif: fc.constantFrom(TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK), market: fc.boolean(),
    stp: fc.constantFrom(Stp.NONE, Stp.NONE, Stp.CANCEL_NEWEST, Stp.CANCEL_OLDEST, Stp.CANCEL_BOTH, Stp.DECREMENT),
    postOnly: fc.boolean(),
  }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('cancel' as const), target: fc.nat(200), account }) },
  { weight: 3, arbitrary: fc.record({
    k: fc.constant('replace' as const), target: fc.nat(200), account, price: fc.integer({ min: 96, max: 102 }).map((p) => (p < 98 ? 0 : p)),
    qty: fc.integer({ min: 0, max: 8 }), newId: fc.boolean(),
  }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('mass' as const), account, symbol: fc.integer({ min: -1, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('disable' as const), account }) },
);

/** Turn recipes into commands; cancel/replace targets pick an earlier order (or a bogus id). */
function toCommands(recipes: Recipe[]): Command[] {
  const placed: Array<{ id: number; account: number; symbol: number }> = [];
  let id = 0;
  return recipes.map((r, i): Command => {
    switch (r.k) {
      case 'new': {
        const orderId = ++id;
        placed.push({ id: orderId, account: r.account, symbol: r.symbol });
        const market = r.market && r.tif !== TimeInForce.GTC && !r.postOnly;
        return {
          type: CommandType.NEW, symbolId: r.symbol, accountId: r.account, side: r.side, orderType: market ? OrderType.MARKET : OrderType.LIMIT,
          tif: r.tif, stp: r.stp, postOnly: r.postOnly && r.tif === TimeInForce.GTC, price: r.price, qty: r.qty, orderId, correlationId: i,
          clientOrderId: `o${orderId}`,
        };
      }
      case 'cancel':
      case 'replace': {
        // Mostly one of the last few orders (likely still resting), sometimes an old or bogus id.
        const bogus = { id: 9999, account: r.account, symbol: 0 };
        const pick = r.target % 10 === 9 ? placed[r.target % (placed.length || 1)] : placed[placed.length - 1 - (r.target % 6)];
        const t = pick ?? bogus;
        const acc = r.target % 5 === 0 ? r.account : t.account; // sometimes another account's order
        if (r.k === 'cancel') return { type: CommandType.CANCEL, symbolId: t.symbol, accountId: acc, orderId: t.id, correlationId: i };
        return {
          type: CommandType.REPLACE, symbolId: t.symbol, accountId: acc, orderId: t.id, price: r.price, qty: r.qty, correlationId: i,
          newClientOrderId: r.newId ? `r${i}` : undefined,
        };
      }
      case 'mass':
        return { type: CommandType.MASS_CANCEL, symbolId: r.symbol, accountId: r.account, correlationId: i, reason: Reason.USER };
      case 'disable':
        return { type: CommandType.DISABLE_ACCOUNT, symbolId: -1, accountId: r.account, correlationId: i };
    }
  });
}

function checkReportInvariants(ev: ComparableEvent): void {
  if (ev.type === EventType.REJECTED || ev.type === EventType.ADMIN || ev.type === EventType.MASS_CANCEL_DONE) return;
  expect(ev.leavesQty).toBeGreaterThanOrEqual(0);
  expect(ev.cumQty).toBeGreaterThanOrEqual(0);
  if (ev.type === EventType.CANCELED || ev.type === EventType.EXPIRED) {
    expect(ev.leavesQty).toBe(0);
    expect(ev.quantity).toBe(ev.cumQty + ev.lastQty);
  } else {
    expect(ev.quantity).toBe(ev.cumQty + ev.leavesQty);
  }
  if (ev.type === EventType.TRADE) {
    expect(ev.makerQuantity).toBe(ev.makerCumQty + ev.makerLeavesQty);
    expect(ev.lastQty).toBeGreaterThan(0);
  }
}

describe('fast book vs naive reference book on random command streams', () => {
  it('many price levels coming and going (compaction) give identical events and books', () => {
    // Bids rest at up to 300 distinct prices, then most are canceled in random order (and some
    // re-placed): the fast book keeps emptied interior levels in place and compacts a side once
    // they outnumber the live ones (> 64) — the reference book has no such machinery.
    let compactions = 0;
    const plan = fc.record({
      prices: fc.uniqueArray(fc.integer({ min: 1, max: 1_000 }), { minLength: 150, maxLength: 300 }),
      cancelOrder: fc.array(fc.nat(), { minLength: 300, maxLength: 300 }),
      refill: fc.array(fc.integer({ min: 1, max: 1_000 }), { maxLength: 40 }),
    });
    fc.assert(
      fc.property(plan, ({ prices, cancelOrder, refill }) => {
        const fast = fastBook([0, 1], 8, 2048);
        const ref = referenceBook([0, 1]);
        const run = (cmd: Command): void => {
          expect(fast.submit(cmd)).toEqual(ref.submit(cmd));
          fast.check();
        };
        let id = 0;
        const live: number[] = [];
        const place = (price: number): void => {
          const orderId = ++id;
          live.push(orderId);
          run({ type: CommandType.NEW, symbolId: 0, accountId: 1 + (orderId % 3), side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price, qty: 1, orderId, correlationId: orderId, clientOrderId: `w${orderId}` });
        };
        for (const p of prices) place(p);
        for (let k = 0; k < cancelOrder.length && live.length > 5; k++) {
          const [orderId] = live.splice(cancelOrder[k] % live.length, 1);
          run({ type: CommandType.CANCEL, symbolId: 0, accountId: 1 + (orderId % 3), orderId, correlationId: 10_000 + k });
          if (k < refill.length) place(refill[k]);
        }
        expect(fast.depth(0, Side.BUY)).toEqual(ref.depth(0, Side.BUY));
        compactions += fast.compactions?.() ?? 0;
      }),
      { numRuns: 40 },
    );
    expect(compactions).toBeGreaterThan(0);
  });

  it('emit identical events, keep identical books and hold every invariant after each step', () => {
    fc.assert(
      fc.property(fc.array(recipe, { minLength: 1, maxLength: 200, size: 'max' }), (recipes) => {
        const fast = fastBook([0, 1], 8, 1024);
        const ref = referenceBook([0, 1]);
        // Fills per order, from the trades alone: every trade moves the taker's and the maker's
        // cumulative quantity by exactly its size (checked against both books' reports).
        const cum = new Map<number, number>();
        for (const cmd of toCommands(recipes)) {
          const a = fast.submit(cmd);
          const b = ref.submit(cmd);
          expect(a).toEqual(b);
          fast.check();
          for (const s of [0, 1]) for (const side of [Side.BUY, Side.SELL]) expect(fast.depth(s, side)).toEqual(ref.depth(s, side));
          for (const e of a) {
            checkReportInvariants(e);
            if (e.type === EventType.TRADE) {
              const taker = (cum.get(e.orderId) ?? 0) + e.lastQty;
              const maker = (cum.get(e.makerOrderId) ?? 0) + e.lastQty;
              expect(e.cumQty).toBe(taker);
              expect(e.makerCumQty).toBe(maker);
              cum.set(e.orderId, taker);
              cum.set(e.makerOrderId, maker);
            }
          }
        }
        expect(fast.openOrders()).toBe(ref.openOrders());
      }),
      { numRuns: 800 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Order types (#10, docs/order-types.md): stops, stop-limits, OCO, icebergs, GTD, CLOCK.
// Both books run with reference price 100 and a ±300 bps band (test/harness.ts). Engine time
// (ms) increases with the command index: 1 ms per command, and a CLOCK command may jump up to 30 ms
// further (so orders with different expireTimes fall due in the same command); ingressTs is that
// time × 1000 µs. A GTD order placed at time t expires at t + 1..40 ms.

type TypedRecipe =
  | { k: 'new'; side: number; price: number; qty: number; account: number; symbol: number; tif: number; market: boolean; stp: number; postOnly: boolean; display: number; expireIn: number }
  | { k: 'stop'; side: number; stopPrice: number; limit: boolean; price: number; qty: number; account: number; symbol: number; tif: number; stp: number; display: number; expireIn: number }
  | { k: 'oco'; side: number; price: number; qty: number; account: number; symbol: number; gtd: boolean; stp: number; postOnly: boolean; display: number; expireIn: number; stopPrice: number; limit: boolean; ocoPrice: number }
  | { k: 'cancel'; target: number; account: number }
  | { k: 'replace'; target: number; account: number; price: number; qty: number; newId: boolean; stopPrice: number }
  | { k: 'clock'; symbol: number; jump: number }
  | { k: 'mass'; account: number; symbol: number }
  | { k: 'disable'; account: number };

const side = fc.constantFrom(Side.BUY, Side.SELL);
const stp = fc.constantFrom(Stp.NONE, Stp.NONE, Stp.NONE, Stp.CANCEL_NEWEST, Stp.CANCEL_OLDEST, Stp.CANCEL_BOTH, Stp.DECREMENT);
const qty = fc.integer({ min: 1, max: 10 });
const symbol = fc.integer({ min: 0, max: 1 });
/** 0 = not an iceberg (half the time); else a seed for 1..qty. */
const display = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 }));
const expireIn = fc.integer({ min: 1, max: 40 });
/** 95..105, mostly near the reference price so that trades reach them. */
const stopPrice = fc.oneof({ weight: 2, arbitrary: fc.integer({ min: 98, max: 102 }) }, { weight: 1, arbitrary: fc.integer({ min: 95, max: 105 }) });
const stopLimitPrice = fc.integer({ min: 94, max: 106 });

const typedRecipe: fc.Arbitrary<TypedRecipe> = fc.oneof(
  { weight: 10, arbitrary: fc.record({
    k: fc.constant('new' as const), side, price: fc.integer({ min: 95, max: 105 }), qty, account, symbol,
    tif: fc.constantFrom(TimeInForce.GTC, TimeInForce.GTC, TimeInForce.GTD, TimeInForce.GTD, TimeInForce.IOC, TimeInForce.FOK),
    market: fc.boolean(), stp, postOnly: fc.boolean(), display, expireIn,
  }) },
  { weight: 7, arbitrary: fc.record({
    k: fc.constant('stop' as const), side, stopPrice, limit: fc.boolean(), price: stopLimitPrice, qty, account, symbol,
    tif: fc.constantFrom(TimeInForce.GTC, TimeInForce.GTD, TimeInForce.IOC, TimeInForce.FOK), stp, display, expireIn,
  }) },
  { weight: 4, arbitrary: fc.record({
    k: fc.constant('oco' as const), side, price: fc.integer({ min: 95, max: 105 }), qty, account, symbol, gtd: fc.boolean(), stp,
    postOnly: fc.boolean(), display, expireIn, stopPrice, limit: fc.boolean(), ocoPrice: stopLimitPrice,
  }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('cancel' as const), target: fc.nat(200), account }) },
  { weight: 6, arbitrary: fc.record({
    k: fc.constant('replace' as const), target: fc.nat(200), account, price: fc.integer({ min: 82, max: 106 }).map((p) => (p < 94 ? 0 : p)),
    qty: fc.integer({ min: 0, max: 10 }), newId: fc.boolean(), stopPrice: fc.integer({ min: 89, max: 105 }).map((p) => (p < 95 ? 0 : p)),
  }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('clock' as const), symbol, jump: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('mass' as const), account, symbol: fc.integer({ min: -1, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('disable' as const), account }) },
);

interface Placed { id: number; account: number; symbol: number; side: number; type: number }

/** Typed recipes into commands: only combinations the risk stage admits (docs/order-types.md). */
function toTypedCommands(recipes: TypedRecipe[]): Command[] {
  const placed: Placed[] = [];
  let id = 0;
  let nowMs = 0;
  return recipes.map((r, i): Command => {
    nowMs += 1 + (r.k === 'clock' ? r.jump : 0);
    const ingressTs = nowMs * 1000;
    const base = { correlationId: i, ingressTs };
    switch (r.k) {
      case 'new': {
        const orderId = ++id;
        const restable = r.tif === TimeInForce.GTC || r.tif === TimeInForce.GTD;
        const market = r.market && !restable;
        placed.push({ id: orderId, account: r.account, symbol: r.symbol, side: r.side, type: market ? OrderType.MARKET : OrderType.LIMIT });
        const c: Command = {
          ...base, type: CommandType.NEW, symbolId: r.symbol, accountId: r.account, side: r.side,
          orderType: market ? OrderType.MARKET : OrderType.LIMIT, tif: r.tif, stp: r.stp, postOnly: r.postOnly && restable,
          price: market ? stopProtection(r.side, REFERENCE_PRICE) : r.price, qty: r.qty, orderId, clientOrderId: `o${orderId}`,
        };
        if (restable && !market && r.display > 0) c.displayQty = 1 + ((r.display - 1) % r.qty);
        if (r.tif === TimeInForce.GTD) c.expireTime = nowMs + r.expireIn;
        return c;
      }
      case 'stop': {
        const orderId = ++id;
        const type = r.limit ? OrderType.STOP_LIMIT : OrderType.STOP;
        // Stop-market: GTC or GTD; stop-limit: GTC, IOC, FOK or GTD.
        const tif = r.limit ? r.tif : r.tif === TimeInForce.GTD ? TimeInForce.GTD : TimeInForce.GTC;
        placed.push({ id: orderId, account: r.account, symbol: r.symbol, side: r.side, type });
        const c: Command = {
          ...base, type: CommandType.NEW, symbolId: r.symbol, accountId: r.account, side: r.side, orderType: type, tif, stp: r.stp,
          postOnly: false, price: r.limit ? r.price : stopProtection(r.side, r.stopPrice), qty: r.qty, orderId, clientOrderId: `o${orderId}`,
          stopPrice: r.stopPrice,
        };
        if (r.limit && (tif === TimeInForce.GTC || tif === TimeInForce.GTD) && r.display > 0) c.displayQty = 1 + ((r.display - 1) % r.qty);
        if (tif === TimeInForce.GTD) c.expireTime = nowMs + r.expireIn;
        return c;
      }
      case 'oco': {
        const a = ++id;
        const b = ++id;
        const tif = r.gtd ? TimeInForce.GTD : TimeInForce.GTC;
        const stopType = r.limit ? OrderType.STOP_LIMIT : OrderType.STOP;
        placed.push({ id: a, account: r.account, symbol: r.symbol, side: r.side, type: OrderType.LIMIT });
        placed.push({ id: b, account: r.account, symbol: r.symbol, side: r.side, type: stopType });
        const c: Command = {
          ...base, type: CommandType.NEW_OCO, symbolId: r.symbol, accountId: r.account, side: r.side, orderType: OrderType.LIMIT, tif,
          stp: r.stp, postOnly: r.postOnly, price: r.price, qty: r.qty, orderId: a, clientOrderId: `o${a}`, newClientOrderId: `o${b}`,
          stopPrice: r.stopPrice, ocoOrderId: b, ocoOrderType: stopType, ocoTif: tif,
          ocoPrice: r.limit ? r.ocoPrice : stopProtection(r.side, r.stopPrice),
        };
        if (r.display > 0) c.displayQty = 1 + ((r.display - 1) % r.qty);
        if (r.gtd) c.expireTime = nowMs + r.expireIn;
        return c;
      }
      case 'cancel':
      case 'replace': {
        const bogus: Placed = { id: 9999, account: r.account, symbol: 0, side: Side.BUY, type: OrderType.LIMIT };
        const pick = r.target % 10 === 9 ? placed[r.target % (placed.length || 1)] : placed[placed.length - 1 - (r.target % 6)];
        const t = pick ?? bogus;
        const acc = r.target % 5 === 0 ? r.account : t.account;
        if (r.k === 'cancel') return { ...base, type: CommandType.CANCEL, symbolId: t.symbol, accountId: acc, orderId: t.id };
        // A stop-market's price is its protection price: a replace moves it with the stop price, never alone.
        let price = r.price;
        if (t.type === OrderType.STOP) price = r.stopPrice ? stopProtection(t.side, r.stopPrice) : 0;
        const c: Command = {
          ...base, type: CommandType.REPLACE, symbolId: t.symbol, accountId: acc, orderId: t.id, price, qty: r.qty,
          newClientOrderId: r.newId ? `r${i}` : undefined,
        };
        if (r.stopPrice) c.stopPrice = r.stopPrice;
        return c;
      }
      case 'clock':
        return { ...base, type: CommandType.CLOCK, symbolId: r.symbol, accountId: 0 };
      case 'mass':
        return { ...base, type: CommandType.MASS_CANCEL, symbolId: r.symbol, accountId: r.account, reason: Reason.USER };
      case 'disable':
        return { ...base, type: CommandType.DISABLE_ACCOUNT, symbolId: -1, accountId: r.account };
    }
  });
}

interface Tracked { symbol: number; side: number; pending: boolean; sibling: number; display: number; expireTime: number; stopPrice: number }

/**
 * What a consumer learns from the event stream alone, and the rules it must see hold: a waiting
 * stop never trades and is never in the book, triggers only when the last trade reached its stop
 * price, an order never trades after its OCO sibling traded or triggered and the sibling is canceled
 * (reason OCO) right after such an event, a GTD order expires at the first command at or after its
 * time and never before, an iceberg maker never trades more than its display quantity at once, and
 * nothing happens to an order after its terminal event.
 */
class OrderTypeTracker {
  readonly live = new Map<number, Tracked>();
  readonly done = new Set<number>();
  readonly executed = new Set<number>();
  readonly last = new Map<number, number>([[0, REFERENCE_PRICE], [1, REFERENCE_PRICE]]);
  readonly seen = { triggered: 0, bandRejects: 0, ocoCancels: 0, gtdExpired: 0, icebergRefills: 0, alreadyTriggered: 0, wouldTrigger: 0, cascades: 0, multiTriggers: 0 };
  private cascadeDue: number[] = [];

  private due(t: Tracked): boolean {
    const last = this.last.get(t.symbol) ?? 0;
    return t.side === Side.BUY ? last >= t.stopPrice : last <= t.stopPrice;
  }

  /** After an order's TRADE / TRIGGERED / cascading terminal event: its live sibling must be canceled next. */
  private expectCascade(orderId: number, t: Tracked | undefined): void {
    if (t && t.sibling && this.live.has(t.sibling) && !this.cascadeDue.includes(t.sibling)) this.cascadeDue.push(t.sibling);
    void orderId;
  }

  command(cmd: Command, events: ComparableEvent[], book: BookUnderTest): void {
    const now = cmd.ingressTs ?? 0;
    let expiryPhase = true;
    let triggersInCommand = 0;
    for (const e of events) {
      checkReportInvariants(e);
      if (this.cascadeDue.length > 0) {
        expect([e.type, e.code, e.orderId]).toEqual([EventType.CANCELED, Reason.OCO, this.cascadeDue[0]]);
        this.cascadeDue.shift();
        this.seen.cascades++;
      }
      const gtdEvent = (e.type === EventType.EXPIRED && e.code === Reason.GTD_EXPIRED) || (e.type === EventType.CANCELED && e.code === Reason.OCO);
      if (!gtdEvent) expiryPhase = false;
      if (e.type === EventType.EXPIRED && e.code === Reason.GTD_EXPIRED) {
        expect(expiryPhase).toBe(true); // expiries come first in a command
        expect(e.expireTime).toBeGreaterThan(0);
        expect(e.expireTime * 1000).toBeLessThanOrEqual(now);
        this.seen.gtdExpired++;
      }
      if (e.type === EventType.ADMIN || e.type === EventType.MASS_CANCEL_DONE) continue;
      const commandReject = e.type === EventType.REJECTED && e.status === OrderStatus.REJECTED && e.code !== ResultCode.MATCH_STOP_PRICE_BAND;
      if (commandReject) {
        if (e.code === ResultCode.MATCH_STOP_WOULD_TRIGGER) this.seen.wouldTrigger++;
        continue;
      }
      expect(this.done.has(e.orderId), `event ${e.type} for order ${e.orderId} after its terminal event`).toBe(false);
      const t = this.live.get(e.orderId);
      if (e.type !== EventType.ACCEPTED) expect(t, `event ${e.type} for unknown order ${e.orderId}`).toBeDefined();
      switch (e.type) {
        case EventType.ACCEPTED: {
          const n: Tracked = {
            symbol: e.symbolId, side: metaSide(e.meta), pending: e.status === OrderStatus.PENDING_TRIGGER, sibling: e.ocoOrderId,
            display: e.displayQty, expireTime: e.expireTime, stopPrice: e.stopPrice,
          };
          if (n.pending) expect(this.due(n)).toBe(false);
          this.live.set(e.orderId, n);
          break;
        }
        case EventType.TRADE: {
          expect(this.done.has(e.makerOrderId)).toBe(false);
          const m = this.live.get(e.makerOrderId);
          expect(m).toBeDefined();
          for (const [id, x] of [[e.orderId, t], [e.makerOrderId, m]] as const) {
            expect(x?.pending, `waiting stop ${id} traded`).toBe(false);
            if (x?.sibling) expect(this.executed.has(x.sibling), `order ${id} traded after its OCO sibling executed`).toBe(false);
            this.executed.add(id);
          }
          if (m && m.display > 0) {
            expect(e.lastQty).toBeLessThanOrEqual(m.display);
            if (e.makerLeavesQty > 0 && e.lastQty === m.display) this.seen.icebergRefills++;
          }
          this.last.set(e.symbolId, e.lastPrice);
          this.expectCascade(e.orderId, t);
          this.expectCascade(e.makerOrderId, m);
          if (e.status === OrderStatus.FILLED) this.terminal(e.orderId);
          if (e.makerStatus === OrderStatus.FILLED) this.terminal(e.makerOrderId);
          break;
        }
        case EventType.TRIGGERED: {
          expect(t?.pending).toBe(true);
          if (t) {
            expect(this.due(t), `order ${e.orderId} triggered at last ${this.last.get(t.symbol)}`).toBe(true);
            t.pending = false;
            if (t.sibling) expect(this.executed.has(t.sibling)).toBe(false);
          }
          this.executed.add(e.orderId);
          this.seen.triggered++;
          triggersInCommand++;
          this.expectCascade(e.orderId, t);
          break;
        }
        case EventType.REJECTED: {
          if (e.code === ResultCode.MATCH_STOP_PRICE_BAND) {
            expect(t?.pending).toBe(true);
            const last = this.last.get(e.symbolId) ?? 0;
            expect(t && this.due(t)).toBe(true);
            expect(e.price < bandLow(last, BAND_BPS) || e.price > bandHigh(last, BAND_BPS)).toBe(true);
            this.seen.bandRejects++;
            this.expectCascade(e.orderId, t);
            this.terminal(e.orderId);
          } else {
            if (e.code === ResultCode.MATCH_STOP_ALREADY_TRIGGERED) {
              expect(t?.pending).toBe(false);
              this.seen.alreadyTriggered++;
            }
            expect(e.status === OrderStatus.PENDING_TRIGGER).toBe(t?.pending);
          }
          break;
        }
        case EventType.REPLACED: {
          expect(e.status === OrderStatus.PENDING_TRIGGER).toBe(t?.pending);
          if (t) {
            t.stopPrice = e.stopPrice;
            if (t.pending) expect(this.due(t)).toBe(false);
          }
          break;
        }
        case EventType.CANCELED:
        case EventType.EXPIRED: {
          if (e.code === Reason.OCO && e.type === EventType.CANCELED) this.seen.ocoCancels++;
          const massCancel = e.type === EventType.CANCELED && (cmd.type === CommandType.MASS_CANCEL || cmd.type === CommandType.DISABLE_ACCOUNT);
          if (!(e.type === EventType.CANCELED && e.code === Reason.OCO) && !massCancel) this.expectCascade(e.orderId, t);
          this.terminal(e.orderId);
          break;
        }
        default:
          throw new Error(`unexpected event type ${e.type}`);
      }
    }
    expect(this.cascadeDue, 'OCO sibling not canceled right after its leg executed or ended').toEqual([]);
    if (triggersInCommand > 1) this.seen.multiTriggers++;
    // After the command: nothing overdue, no waiting stop due, and the books hold exactly the live non-waiting orders.
    const resting = new Set<number>();
    for (const s of [0, 1]) for (const sd of [Side.BUY, Side.SELL]) for (const id of book.restingIds(s, sd)) resting.add(id);
    for (const [id, t] of this.live) {
      if (t.expireTime > 0) expect(t.expireTime * 1000, `order ${id} overdue`).toBeGreaterThan(now);
      if (t.pending) {
        expect(this.due(t), `waiting stop ${id} is due`).toBe(false);
        expect(resting.has(id), `waiting stop ${id} is in the book`).toBe(false);
      } else {
        expect(resting.has(id), `live order ${id} is not in the book`).toBe(true);
      }
    }
    expect(resting.size).toBe([...this.live.values()].filter((t) => !t.pending).length);
    expect(book.openOrders()).toBe(this.live.size);
  }

  private terminal(id: number): void {
    this.live.delete(id);
    this.done.add(id);
  }
}

describe('order types: fast book vs naive reference book on random command streams', () => {
  it('stops, stop-limits, OCO, icebergs, GTD and CLOCK give identical events and books and hold every invariant', () => {
    const total = { triggered: 0, bandRejects: 0, ocoCancels: 0, gtdExpired: 0, icebergRefills: 0, alreadyTriggered: 0, wouldTrigger: 0, cascades: 0, multiTriggers: 0 };
    fc.assert(
      fc.property(fc.array(typedRecipe, { minLength: 1, maxLength: 150, size: 'max' }), (recipes) => {
        const fast = fastBook([0, 1], 8, 1024);
        const ref = referenceBook([0, 1]);
        const tracker = new OrderTypeTracker();
        const cum = new Map<number, number>();
        for (const cmd of toTypedCommands(recipes)) {
          const a = fast.submit(cmd);
          const b = ref.submit(cmd);
          expect(a).toEqual(b);
          fast.check();
          for (const s of [0, 1]) {
            for (const sd of [Side.BUY, Side.SELL]) {
              expect(fast.depth(s, sd)).toEqual(ref.depth(s, sd));
              expect(fast.restingIds(s, sd)).toEqual(ref.restingIds(s, sd));
            }
          }
          expect(fast.openOrders()).toBe(ref.openOrders());
          tracker.command(cmd, a, fast);
          for (const s of [0, 1]) expect(ref.lastPrice?.(s)).toBe(tracker.last.get(s));
          for (const e of a) {
            if (e.type === EventType.TRADE) {
              const taker = (cum.get(e.orderId) ?? 0) + e.lastQty;
              const maker = (cum.get(e.makerOrderId) ?? 0) + e.lastQty;
              expect(e.cumQty).toBe(taker);
              expect(e.makerCumQty).toBe(maker);
              cum.set(e.orderId, taker);
              cum.set(e.makerOrderId, maker);
            }
          }
          // The reference model agrees with the event consumer about which orders wait for a trigger.
          const pendingRef = (ref.liveOrders?.() ?? []).filter((o) => o.pending).map((o) => o.orderId).sort((x, y) => x - y);
          const pendingSeen = [...tracker.live].filter(([, t]) => t.pending).map(([id]) => id).sort((x, y) => x - y);
          expect(pendingRef).toEqual(pendingSeen);
        }
        for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += tracker.seen[k];
      }),
      { numRuns: 300 },
    );
    // The generator reaches every rule it is meant to exercise.
    for (const [k, v] of Object.entries(total)) expect(v, k).toBeGreaterThan(0);
  });
});

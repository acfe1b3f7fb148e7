import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CommandType, EventType, OrderType, Reason, Side, Stp, TimeInForce } from '../engine/codes.ts';
import type { Command } from '../engine/command-slot.ts';
import type { ComparableEvent } from './reference-book.ts';
import { fastBook, referenceBook } from './harness.ts';

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

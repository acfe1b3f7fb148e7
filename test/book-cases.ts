/**
 * The order-book case suite, shared by the naive reference book and the fast book
 * (test/book.case.test.ts runs every case against both). Scenarios read as bid | price | ask
 * tables: `given` builds the book from maker orders (account 9), `then` is the book afterwards.
 */
import { expect } from 'vitest';
import { CommandType, EventType, OrderStatus, OrderType, Reason, ResultCode, Side, Stp, TimeInForce } from '../engine/codes.ts';
import { metaTif, metaType } from '../engine/command-slot.ts';
import type { ComparableEvent } from './reference-book.ts';
import {
  buy, cancel, clock, expectedLevels, massCancel, oco, replace, resetIds, seedCommands, sell, stopLimit, stopMarket, stopProtection,
} from './harness.ts';
import type { BookUnderTest } from './harness.ts';

export interface BookCase {
  name: string;
  run(book: BookUnderTest): void;
}

function given(book: BookUnderTest, table: string): number[] {
  resetIds();
  const ids: number[] = [];
  for (const c of seedCommands(table)) {
    const ev = book.submit(c);
    expect(ev.map((e) => e.type)).toEqual([EventType.ACCEPTED]);
    ids.push(c.orderId ?? 0);
  }
  return ids;
}

function then(book: BookUnderTest, table: string): void {
  const want = expectedLevels(table);
  expect({ bids: book.depth(0, Side.BUY), asks: book.depth(0, Side.SELL) }).toEqual(want);
  book.check();
}

const types = (ev: ComparableEvent[]): number[] => ev.map((e) => e.type);
const EVENT_NAMES = new Map<number, string>(Object.entries(EventType).map(([k, v]) => [v, k]));
/** TRADE → ['TRADE', taker, maker, price, qty]; others → [type name, orderId, code]. */
const brief = (ev: ComparableEvent[]): Array<Array<string | number | undefined>> =>
  ev.map((e) => (e.type === EventType.TRADE
    ? ['TRADE', e.orderId, e.makerOrderId, e.lastPrice, e.lastQty]
    : [EVENT_NAMES.get(e.type) ?? String(e.type), e.orderId, e.code]));
const trades = (ev: ComparableEvent[]): Array<[number, number, number]> =>
  ev.filter((e) => e.type === EventType.TRADE).map((e) => [e.lastPrice, e.lastQty, e.makerOrderId]);

export const bookCases: BookCase[] = [
  {
    name: 'a crossing limit buy fills at the makers\' prices, best first, and rests the remainder',
    run(book) {
      const [, a101, a102] = given(book, `
        bid | price | ask
            |  102  | 5
            |  101  | 3
          4 |  100  |
      `);
      const ev = book.submit(buy(10, 102, { account: 1 }));
      expect(types(ev)).toEqual([EventType.ACCEPTED, EventType.TRADE, EventType.TRADE]);
      expect(trades(ev)).toEqual([[101, 3, a101], [102, 5, a102]]);
      const last = ev[2];
      expect([last.cumQty, last.leavesQty, last.status]).toEqual([8, 2, OrderStatus.PARTIALLY_FILLED]);
      expect([last.makerCumQty, last.makerLeavesQty, last.makerStatus]).toEqual([5, 0, OrderStatus.FILLED]);
      then(book, `
        bid | price | ask
          2 |  102  |
          4 |  100  |
      `);
    },
  },
  {
    name: 'time priority: the older order at a price fills first',
    run(book) {
      const [first, second] = given(book, `
        bid | price | ask
            |  101  | 3,2
      `);
      const ev = book.submit(buy(4, 101));
      expect(trades(ev)).toEqual([[101, 3, first], [101, 1, second]]);
      then(book, `
        bid | price | ask
            |  101  | 1
      `);
    },
  },
  {
    name: 'IOC remainder is canceled with reason IOC_REMAINDER and never rests',
    run(book) {
      given(book, `
        bid | price | ask
            |  101  | 3
      `);
      const ev = book.submit(buy(5, 101, { tif: TimeInForce.IOC }));
      expect(types(ev)).toEqual([EventType.ACCEPTED, EventType.TRADE, EventType.CANCELED]);
      const c = ev[2];
      expect([c.code, c.cumQty, c.leavesQty, c.lastQty, c.status]).toEqual([Reason.IOC_REMAINDER, 3, 0, 2, OrderStatus.CANCELED]);
      then(book, `
        bid | price | ask
      `);
    },
  },
  {
    name: 'FOK that cannot fill completely expires without touching the book',
    run(book) {
      given(book, `
        bid | price | ask
            |  102  | 2
            |  101  | 3
      `);
      const ev = book.submit(buy(6, 102, { tif: TimeInForce.FOK }));
      expect(types(ev)).toEqual([EventType.ACCEPTED, EventType.EXPIRED]);
      expect([ev[1].code, ev[1].lastQty, ev[1].status]).toEqual([Reason.FOK_NOT_FILLABLE, 6, OrderStatus.EXPIRED]);
      then(book, `
        bid | price | ask
            |  102  | 2
            |  101  | 3
      `);
      const ok = book.submit(buy(5, 102, { tif: TimeInForce.FOK }));
      expect(types(ok)).toEqual([EventType.ACCEPTED, EventType.TRADE, EventType.TRADE]);
      expect(ok[2].status).toBe(OrderStatus.FILLED);
      then(book, `
        bid | price | ask
      `);
    },
  },
  {
    name: 'post-only is rejected when it would take, and rests when it would not',
    run(book) {
      given(book, `
        bid | price | ask
            |  101  | 3
      `);
      const rej = book.submit(buy(1, 101, { postOnly: true }));
      expect(types(rej)).toEqual([EventType.REJECTED]);
      expect(rej[0].code).toBe(ResultCode.MATCH_POST_ONLY_WOULD_TAKE);
      const ok = book.submit(buy(1, 100, { postOnly: true }));
      expect(types(ok)).toEqual([EventType.ACCEPTED]);
      then(book, `
        bid | price | ask
            |  101  | 3
          1 |  100  |
      `);
    },
  },
  {
    name: 'a market order sweeps up to its protection price and cancels the rest',
    run(book) {
      given(book, `
        bid | price | ask
            |  120  | 9
            |  102  | 2
            |  101  | 1
      `);
      const ev = book.submit(buy(5, 110, { type: OrderType.MARKET, tif: TimeInForce.IOC }));
      expect(trades(ev).map((t) => [t[0], t[1]])).toEqual([[101, 1], [102, 2]]);
      const last = ev[ev.length - 1];
      expect([last.type, last.code, last.lastQty]).toEqual([EventType.CANCELED, Reason.MARKET_REMAINDER, 2]);
      then(book, `
        bid | price | ask
            |  120  | 9
      `);
    },
  },
  {
    name: 'cancel removes the order; unknown ids and other accounts\' orders are UNKNOWN_ORDER',
    run(book) {
      given(book, `
        bid | price | ask
          4 |  100  |
      `);
      const mine = buy(2, 99, { account: 1 });
      book.submit(mine);
      const theirs = book.submit(cancel(mine.orderId ?? 0, 2));
      expect(theirs.map((e) => [e.type, e.code])).toEqual([[EventType.REJECTED, ResultCode.MATCH_UNKNOWN_ORDER]]);
      const ok = book.submit(cancel(mine.orderId ?? 0, 1));
      expect(ok.map((e) => [e.type, e.code, e.lastQty, e.leavesQty])).toEqual([[EventType.CANCELED, Reason.USER, 2, 0]]);
      const again = book.submit(cancel(mine.orderId ?? 0, 1));
      expect(again[0].code).toBe(ResultCode.MATCH_UNKNOWN_ORDER);
      then(book, `
        bid | price | ask
          4 |  100  |
      `);
    },
  },
  {
    name: 'replace: quantity down keeps priority, quantity up loses it',
    run(book) {
      const [a, b] = given(book, `
        bid | price | ask
            |  101  | 5,5
      `);
      const down = book.submit(replace(a, 0, 3, 9));
      expect(down.map((e) => [e.type, e.quantity, e.leavesQty])).toEqual([[EventType.REPLACED, 3, 3]]);
      let ev = book.submit(buy(1, 101));
      expect(trades(ev)[0][2]).toBe(a);
      book.submit(replace(a, 0, 6, 9)); // now 1 filled, quantity 6 → leaves 5, goes to the back
      ev = book.submit(buy(1, 101));
      expect(trades(ev)[0][2]).toBe(b);
      then(book, `
        bid | price | ask
            |  101  | 4,5
      `);
    },
  },
  {
    name: 'replace: quantity up by a single lot still loses priority; same quantity and price keeps it',
    run(book) {
      const [a, b] = given(book, `
        bid | price | ask
            |  101  | 5,5
      `);
      book.submit(replace(a, 101, 5, 9));
      expect(trades(book.submit(buy(1, 101)))[0][2]).toBe(a);
      book.submit(replace(a, 0, 5, 9)); // 4 leaves, quantity stays 5: unchanged, keeps priority
      book.submit(replace(a, 0, 6, 9));
      expect(trades(book.submit(buy(1, 101)))[0][2]).toBe(b);
      then(book, `
        bid | price | ask
            |  101  | 4,5
      `);
    },
  },
  {
    name: 'replace: a price change that crosses trades as a taker; quantity at or below filled is refused',
    run(book) {
      const [bid, ask] = given(book, `
        bid | price | ask
            |  103  | 2
          3 |  100  |
      `);
      const ev = book.submit(replace(bid, 103, 0, 9));
      expect(types(ev)).toEqual([EventType.REPLACED, EventType.TRADE]);
      expect([ev[1].lastPrice, ev[1].lastQty, ev[1].makerOrderId, ev[1].leavesQty]).toEqual([103, 2, ask, 1]);
      const low = book.submit(replace(bid, 0, 2, 9));
      expect(low.map((e) => [e.type, e.code, e.leavesQty])).toEqual([[EventType.REJECTED, ResultCode.MATCH_REPLACE_QTY_TOO_LOW, 1]]);
      then(book, `
        bid | price | ask
          1 |  103  |
      `);
    },
  },
  {
    name: 'replace that crosses another account\'s order trades and rests the rest at the new price',
    run(book) {
      given(book, `
        bid | price | ask
            |  103  | 2
      `);
      const mine = buy(3, 100, { account: 1 });
      book.submit(mine);
      const ev = book.submit(replace(mine.orderId ?? 0, 103, 0, 1, 0, 'moved-1'));
      expect(types(ev)).toEqual([EventType.REPLACED, EventType.TRADE]);
      expect([ev[0].clientOrderId, ev[0].otherClientOrderId]).toEqual(['moved-1', `c${mine.orderId}`]);
      expect([ev[1].lastPrice, ev[1].lastQty, ev[1].leavesQty]).toEqual([103, 2, 1]);
      const low = book.submit(replace(mine.orderId ?? 0, 0, 2, 1));
      expect(low.map((e) => [e.type, e.code])).toEqual([[EventType.REJECTED, ResultCode.MATCH_REPLACE_QTY_TOO_LOW]]);
      then(book, `
        bid | price | ask
          1 |  103  |
      `);
    },
  },
  {
    name: 'STP cancel_newest cancels the taker and leaves the maker',
    run(book) {
      given(book, `
        bid | price | ask
            |  101  | 3
      `);
      const ev = book.submit(buy(2, 101, { account: 9, stp: Stp.CANCEL_NEWEST }));
      expect(ev.map((e) => [e.type, e.code])).toEqual([[EventType.ACCEPTED, 0], [EventType.CANCELED, Reason.STP]]);
      then(book, `
        bid | price | ask
            |  101  | 3
      `);
    },
  },
  {
    name: 'STP cancel_oldest cancels the resting self order and keeps matching others',
    run(book) {
      resetIds();
      const own = sell(3, 101, { account: 1 });
      const other = sell(2, 101, { account: 2 });
      book.submit(own);
      book.submit(other);
      const ev = book.submit(buy(2, 101, { account: 1, stp: Stp.CANCEL_OLDEST }));
      expect(ev.map((e) => [e.type, e.orderId === own.orderId ? 'own' : 'taker'])).toEqual([
        [EventType.ACCEPTED, 'taker'], [EventType.CANCELED, 'own'], [EventType.TRADE, 'taker'],
      ]);
      then(book, `
        bid | price | ask
      `);
    },
  },
  {
    name: 'STP cancel_both cancels both sides',
    run(book) {
      given(book, `
        bid | price | ask
            |  101  | 3
            |  102  | 4
      `);
      const ev = book.submit(buy(5, 102, { account: 9, stp: Stp.CANCEL_BOTH }));
      expect(ev.map((e) => [e.type, e.code])).toEqual([[EventType.ACCEPTED, 0], [EventType.CANCELED, Reason.STP], [EventType.CANCELED, Reason.STP]]);
      then(book, `
        bid | price | ask
            |  102  | 4
      `);
    },
  },
  {
    name: 'STP decrement reduces both by the smaller quantity and cancels the one that reaches zero',
    run(book) {
      given(book, `
        bid | price | ask
            |  101  | 5
      `);
      const ev = book.submit(buy(2, 101, { account: 9, stp: Stp.DECREMENT }));
      expect(ev.map((e) => [e.type, e.code, e.quantity, e.leavesQty])).toEqual([
        [EventType.ACCEPTED, 0, 2, 2], [EventType.REPLACED, Reason.STP_DECREMENT, 3, 3], [EventType.CANCELED, Reason.STP, 2, 0],
      ]);
      then(book, `
        bid | price | ask
            |  101  | 3
      `);
    },
  },
  {
    name: 'mass cancel per account, for one symbol or all',
    run(book) {
      resetIds();
      book.submit(buy(1, 90, { account: 1, symbol: 0 }));
      book.submit(buy(1, 91, { account: 1, symbol: 1 }));
      book.submit(buy(1, 92, { account: 2, symbol: 0 }));
      const one = book.submit(massCancel(1, 1));
      expect(one.map((e) => [e.type, e.code, e.symbolId])).toEqual([[EventType.CANCELED, Reason.MASS_CANCEL, 1], [EventType.MASS_CANCEL_DONE, Reason.MASS_CANCEL, 1]]);
      const all = book.submit(massCancel(1));
      expect(all.map((e) => e.type)).toEqual([EventType.CANCELED, EventType.MASS_CANCEL_DONE]);
      expect(all[1].lastQty).toBe(1);
      then(book, `
        bid | price | ask
          1 |  92   |
      `);
    },
  },
  {
    name: 'kill switch (disable account) cancels its orders with KILL_SWITCH and records the admin action',
    run(book) {
      given(book, `
        bid | price | ask
            |  101  | 3
          4 |  100  |
      `);
      const ev = book.submit({ type: CommandType.DISABLE_ACCOUNT, symbolId: -1, accountId: 9, correlationId: 7 });
      expect(ev.map((e) => [e.type, e.code])).toEqual([
        [EventType.CANCELED, Reason.KILL_SWITCH], [EventType.CANCELED, Reason.KILL_SWITCH],
        [EventType.MASS_CANCEL_DONE, Reason.KILL_SWITCH], [EventType.ADMIN, CommandType.DISABLE_ACCOUNT],
      ]);
      then(book, `
        bid | price | ask
      `);
    },
  },
  {
    name: 'a command the risk stage refused becomes a REJECTED event with its code',
    run(book) {
      const ev = book.submit({ ...buy(5, 100), rejectCode: ResultCode.RISK_CREDIT_LIMIT });
      expect(ev.map((e) => [e.type, e.code, e.status])).toEqual([[EventType.REJECTED, ResultCode.RISK_CREDIT_LIMIT, OrderStatus.REJECTED]]);
      expect(book.openOrders()).toBe(0);
    },
  },
  {
    name: 'hundreds of price levels come and go: emptied levels are reused, popped at the top and compacted',
    run(book) {
      resetIds();
      const ids: number[] = [];
      for (let p = 1000; p < 1300; p++) {
        const c = sell(1, p, { account: 3 });
        ids.push(c.orderId ?? 0);
        book.submit(c);
      }
      // Empty most interior levels (forces compaction), keep every 50th.
      ids.forEach((id, i) => { if (i % 50 !== 0 && i !== 299) book.submit(cancel(id, 3)); book.check(); });
      expect(book.depth(0, Side.SELL).map((l) => l[0])).toEqual([1000, 1050, 1100, 1150, 1200, 1250, 1299]);
      // Reuse a price that was emptied, then sweep through the top levels.
      book.submit(sell(2, 1001, { account: 3 }));
      const ev = book.submit(buy(3, 1050, { account: 4 }));
      expect(trades(ev).map((t) => [t[0], t[1]])).toEqual([[1000, 1], [1001, 2]]);
      book.check();
      expect(book.depth(0, Side.SELL).map((l) => l[0])).toEqual([1050, 1100, 1150, 1200, 1250, 1299]);
    },
  },
  {
    name: 'sequence numbers run 1, 2, 3 … with no gaps across commands',
    run(book) {
      const all = [
        ...book.submit(sell(1, 101)), ...book.submit(buy(2, 101)), ...book.submit(cancel(424242)),
      ];
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    },
  },
  // ------------------------------------------------------------------ order types (#10, docs/order-types.md)
  // Both books run with reference price 100 and a ±300 bps band (test/harness.ts): before the first
  // trade "last" is 100, and the band around 100 is 97..103.
  {
    name: 'stop-market buy waits outside the book and triggers when the last trade reaches its stop price (trigger up)',
    run(book) {
      const [a101, a102] = given(book, `
        bid | price | ask
            |  102  | 5
            |  101  | 3
      `);
      const stop = stopMarket(Side.BUY, 4, 101, { account: 1 });
      const acc = book.submit(stop);
      expect(acc.map((e) => [e.type, e.status, e.quantity, e.leavesQty, e.stopPrice, e.price, e.displayQty, e.expireTime, e.ocoGroupId, e.ocoOrderId]))
        .toEqual([[EventType.ACCEPTED, OrderStatus.PENDING_TRIGGER, 4, 4, 101, stopProtection(Side.BUY, 101), 0, 0, 0, 0]]);
      expect(book.openOrders()).toBe(3);
      then(book, `
        bid | price | ask
            |  102  | 5
            |  101  | 3
      `);
      const t = buy(1, 101, { account: 2 });
      const ev = book.submit(t);
      expect(brief(ev)).toEqual([
        ['ACCEPTED', t.orderId, 0],
        ['TRADE', t.orderId, a101, 101, 1],
        ['TRIGGERED', stop.orderId, 0],
        ['TRADE', stop.orderId, a101, 101, 2],
        ['TRADE', stop.orderId, a102, 102, 2],
      ]);
      const trig = ev[2];
      expect([trig.status, trig.quantity, trig.cumQty, trig.leavesQty, trig.lastQty, trig.stopPrice, trig.correlationId, trig.commandType])
        .toEqual([OrderStatus.NEW, 4, 0, 4, 0, 101, t.correlationId, CommandType.NEW]);
      expect([ev[4].status, ev[4].stopPrice, ev[4].ocoGroupId]).toEqual([OrderStatus.FILLED, 0, 0]); // TRADE: no extension fields
      then(book, `
        bid | price | ask
            |  102  | 3
      `);
    },
  },
  {
    name: 'stop-limit sell triggers when the price falls to its stop (trigger down) and rests at the back of its level',
    run(book) {
      const [b99, a100] = given(book, `
        bid | price | ask
            |  100  | 2
          1 |  99   |
      `);
      const stop = stopLimit(Side.SELL, 3, 99, 100, { account: 1 });
      expect(book.submit(stop).map((e) => [e.type, e.status])).toEqual([[EventType.ACCEPTED, OrderStatus.PENDING_TRIGGER]]);
      const t = sell(1, 99, { account: 2 });
      const ev = book.submit(t);
      expect(brief(ev)).toEqual([
        ['ACCEPTED', t.orderId, 0],
        ['TRADE', t.orderId, b99, 99, 1],
        ['TRIGGERED', stop.orderId, 0],
      ]);
      then(book, `
        bid | price | ask
            |  100  | 2,3
      `);
      const b = buy(3, 100, { account: 3 });
      expect(brief(book.submit(b))).toEqual([
        ['ACCEPTED', b.orderId, 0],
        ['TRADE', b.orderId, a100, 100, 2],
        ['TRADE', b.orderId, stop.orderId, 100, 1],
      ]);
      then(book, `
        bid | price | ask
            |  100  | 2
      `);
    },
  },
  {
    name: 'triggered remainders: stop-market MARKET_REMAINDER, stop-limit FOK expires, stop-limit IOC IOC_REMAINDER',
    run(book) {
      const [b99, b98] = given(book, `
        bid | price | ask
          2 |  99   |
          1 |  98   |
      `);
      const mkt = stopMarket(Side.SELL, 5, 99, { account: 1 });
      const fok = stopLimit(Side.SELL, 5, 99, 97, { account: 2, tif: TimeInForce.FOK });
      book.submit(mkt);
      book.submit(fok);
      const t = sell(1, 99, { account: 3 });
      const ev = book.submit(t);
      expect(brief(ev)).toEqual([
        ['ACCEPTED', t.orderId, 0],
        ['TRADE', t.orderId, b99, 99, 1],
        ['TRIGGERED', mkt.orderId, 0],
        ['TRADE', mkt.orderId, b99, 99, 1],
        ['TRADE', mkt.orderId, b98, 98, 1],
        ['CANCELED', mkt.orderId, Reason.MARKET_REMAINDER],
        ['TRIGGERED', fok.orderId, 0],
        ['EXPIRED', fok.orderId, Reason.FOK_NOT_FILLABLE],
      ]);
      expect([ev[5].lastQty, ev[5].status, ev[7].lastQty, ev[7].status]).toEqual([3, OrderStatus.CANCELED, 5, OrderStatus.EXPIRED]);
      const bid = buy(2, 97, { account: 9 });
      book.submit(bid);
      const ioc = stopLimit(Side.SELL, 3, 97, 97, { account: 4, tif: TimeInForce.IOC });
      expect(book.submit(ioc).map((e) => e.type)).toEqual([EventType.ACCEPTED]);
      const t2 = sell(1, 97, { account: 5 });
      expect(brief(book.submit(t2))).toEqual([
        ['ACCEPTED', t2.orderId, 0],
        ['TRADE', t2.orderId, bid.orderId, 97, 1],
        ['TRIGGERED', ioc.orderId, 0],
        ['TRADE', ioc.orderId, bid.orderId, 97, 1],
        ['CANCELED', ioc.orderId, Reason.IOC_REMAINDER],
      ]);
      expect(book.openOrders()).toBe(0);
      then(book, `
        bid | price | ask
      `);
    },
  },
  {
    name: 'a cascade: a triggered stop\'s trades trigger further stops in the same command, lowest buy stop first, then time',
    run(book) {
      const [a101, a102, a103] = given(book, `
        bid | price | ask
            |  103  | 5
            |  102  | 1
            |  101  | 1
      `);
      const b = stopMarket(Side.BUY, 1, 102, { account: 2 });
      const a = stopMarket(Side.BUY, 1, 101, { account: 1 });
      const c = stopMarket(Side.BUY, 1, 102, { account: 3 });
      const d = stopMarket(Side.SELL, 1, 96, { account: 4 });
      for (const s of [b, a, c, d]) expect(book.submit(s).map((e) => e.status)).toEqual([OrderStatus.PENDING_TRIGGER]);
      const t = buy(1, 101, { account: 5 });
      const ev = book.submit(t);
      expect(brief(ev)).toEqual([
        ['ACCEPTED', t.orderId, 0],
        ['TRADE', t.orderId, a101, 101, 1],
        ['TRIGGERED', a.orderId, 0],
        ['TRADE', a.orderId, a102, 102, 1],
        ['TRIGGERED', b.orderId, 0],
        ['TRADE', b.orderId, a103, 103, 1],
        ['TRIGGERED', c.orderId, 0],
        ['TRADE', c.orderId, a103, 103, 1],
      ]);
      expect(ev.every((e) => e.correlationId === t.correlationId && e.commandType === CommandType.NEW)).toBe(true);
      expect(book.openOrders()).toBe(2); // the rest of the 103 ask and the sell stop
      then(book, `
        bid | price | ask
            |  103  | 3
      `);
    },
  },
  {
    name: 'a stop placed where it would trigger at once is refused (MATCH_STOP_WOULD_TRIGGER)',
    run(book) {
      resetIds();
      const r1 = buy(2, 0, { type: OrderType.STOP, stopPrice: 100, account: 1 });
      const ev = book.submit(r1);
      expect(ev.map((e) => [e.type, e.code, e.status, e.orderId, e.stopPrice, e.quantity])).toEqual([
        [EventType.REJECTED, ResultCode.MATCH_STOP_WOULD_TRIGGER, OrderStatus.REJECTED, r1.orderId, 100, 2],
      ]);
      expect(book.submit(stopMarket(Side.SELL, 1, 100))[0].code).toBe(ResultCode.MATCH_STOP_WOULD_TRIGGER);
      expect(book.submit(stopLimit(Side.SELL, 1, 101, 100))[0].code).toBe(ResultCode.MATCH_STOP_WOULD_TRIGGER);
      expect(book.submit(stopMarket(Side.BUY, 1, 101)).map((e) => e.type)).toEqual([EventType.ACCEPTED]);
      book.submit(sell(1, 98, { account: 9 }));
      book.submit(buy(1, 98, { account: 2 })); // last = 98
      expect(book.submit(stopMarket(Side.SELL, 1, 99))[0].code).toBe(ResultCode.MATCH_STOP_WOULD_TRIGGER);
      expect(book.submit(stopMarket(Side.SELL, 1, 98))[0].code).toBe(ResultCode.MATCH_STOP_WOULD_TRIGGER);
      expect(book.submit(stopMarket(Side.BUY, 1, 99)).map((e) => e.type)).toEqual([EventType.ACCEPTED]);
      expect(book.submit(stopMarket(Side.SELL, 1, 97)).map((e) => e.type)).toEqual([EventType.ACCEPTED]);
      expect(book.openOrders()).toBe(3);
      then(book, `
        bid | price | ask
      `);
    },
  },
  {
    name: 'a stop-limit triggered with its price outside the band around the last trade is REJECTED (MATCH_STOP_PRICE_BAND)',
    run(book) {
      const [a101, a104] = given(book, `
        bid | price | ask
            |  104  | 5
            |  101  | 1
      `);
      const out = stopLimit(Side.BUY, 2, 101, 105, { account: 1 }); // band at 101: 98..104
      const inBand = stopLimit(Side.BUY, 1, 101, 104, { account: 2 });
      book.submit(out);
      book.submit(inBand);
      const t = buy(1, 101, { account: 3 });
      const ev = book.submit(t);
      expect(brief(ev)).toEqual([
        ['ACCEPTED', t.orderId, 0],
        ['TRADE', t.orderId, a101, 101, 1],
        ['REJECTED', out.orderId, ResultCode.MATCH_STOP_PRICE_BAND],
        ['TRIGGERED', inBand.orderId, 0],
        ['TRADE', inBand.orderId, a104, 104, 1],
      ]);
      const r = ev[2];
      expect([r.status, r.quantity, r.cumQty, r.leavesQty, r.lastQty, r.price, r.stopPrice, r.clientOrderId, r.otherClientOrderId, r.correlationId])
        .toEqual([OrderStatus.REJECTED, 2, 0, 0, 0, 105, 101, `c${out.orderId}`, '', t.correlationId]);
      expect(book.openOrders()).toBe(1);
      expect(book.submit(cancel(out.orderId ?? 0, 1))[0].code).toBe(ResultCode.MATCH_UNKNOWN_ORDER);
      then(book, `
        bid | price | ask
            |  104  | 4
      `);
    },
  },
  {
    name: 'OCO: both legs accepted with their group; a fill of the limit leg cancels the stop leg (reason OCO)',
    run(book) {
      resetIds();
      const o = oco(Side.SELL, 3, 102, 98, { account: 1 });
      const a = o.orderId ?? 0;
      const b = o.ocoOrderId ?? 0;
      const ev = book.submit(o);
      expect(ev.map((e) => [e.type, e.orderId, e.status, e.price, e.quantity, e.stopPrice, e.ocoGroupId, e.ocoOrderId, e.clientOrderId])).toEqual([
        [EventType.ACCEPTED, a, OrderStatus.NEW, 102, 3, 0, a, b, `c${a}`],
        [EventType.ACCEPTED, b, OrderStatus.PENDING_TRIGGER, stopProtection(Side.SELL, 98), 3, 98, a, a, `c${b}`],
      ]);
      expect([metaType(ev[0].meta), metaType(ev[1].meta)]).toEqual([OrderType.LIMIT, OrderType.STOP]);
      expect(book.openOrders()).toBe(2);
      then(book, `
        bid | price | ask
            |  102  | 3
      `);
      const t = buy(1, 102, { account: 2 });
      const fill = book.submit(t);
      expect(brief(fill)).toEqual([
        ['ACCEPTED', t.orderId, 0],
        ['TRADE', t.orderId, a, 102, 1],
        ['CANCELED', b, Reason.OCO],
      ]);
      expect([fill[2].lastQty, fill[2].status, fill[2].ocoGroupId, fill[2].ocoOrderId]).toEqual([3, OrderStatus.CANCELED, a, a]);
      const t2 = buy(2, 102, { account: 2 });
      expect(brief(book.submit(t2))).toEqual([['ACCEPTED', t2.orderId, 0], ['TRADE', t2.orderId, a, 102, 2]]);
      // last is now 102: a sell OCO whose stop leg would trigger is refused as one REJECTED describing the limit leg.
      const bad = oco(Side.SELL, 1, 104, 103, { account: 1 });
      const rej = book.submit(bad);
      expect(rej.map((e) => [e.type, e.code, e.orderId, e.clientOrderId, e.otherClientOrderId, e.stopPrice, e.ocoOrderId, e.ocoGroupId])).toEqual([
        [EventType.REJECTED, ResultCode.MATCH_STOP_WOULD_TRIGGER, bad.orderId, `c${bad.orderId}`, `c${bad.ocoOrderId}`, 103, bad.ocoOrderId, 0],
      ]);
      expect(book.openOrders()).toBe(0);
    },
  },
  {
    name: 'OCO: a stop leg that its own limit leg\'s fill would trigger is canceled, never triggered',
    run(book) {
      const [a101] = given(book, `
        bid | price | ask
            |  101  | 5
      `);
      const o = oco(Side.BUY, 2, 101, 101, { account: 1 });
      const ev = book.submit(o);
      expect(brief(ev)).toEqual([
        ['ACCEPTED', o.orderId, 0],
        ['ACCEPTED', o.ocoOrderId, 0],
        ['TRADE', o.orderId, a101, 101, 2],
        ['CANCELED', o.ocoOrderId, Reason.OCO],
      ]);
      expect(book.openOrders()).toBe(1);
      then(book, `
        bid | price | ask
            |  101  | 3
      `);
    },
  },
  {
    name: 'OCO: the stop leg\'s trigger cancels the limit leg before the stop leg trades',
    run(book) {
      const [b99, b98] = given(book, `
        bid | price | ask
          1 |  99   |
          5 |  98   |
      `);
      const o = oco(Side.SELL, 2, 103, 99, { account: 1 });
      book.submit(o);
      const t = sell(1, 99, { account: 2 });
      const ev = book.submit(t);
      expect(brief(ev)).toEqual([
        ['ACCEPTED', t.orderId, 0],
        ['TRADE', t.orderId, b99, 99, 1],
        ['TRIGGERED', o.ocoOrderId, 0],
        ['CANCELED', o.orderId, Reason.OCO],
        ['TRADE', o.ocoOrderId, b98, 98, 2],
      ]);
      expect(ev[3].lastQty).toBe(2);
      then(book, `
        bid | price | ask
          3 |  98   |
      `);
    },
  },
  {
    name: 'OCO: canceling either leg cancels the other; replacing a leg does not touch it',
    run(book) {
      resetIds();
      const o1 = oco(Side.SELL, 2, 103, 97, { account: 1 });
      book.submit(o1);
      expect(brief(book.submit(cancel(o1.orderId ?? 0, 1)))).toEqual([
        ['CANCELED', o1.orderId, Reason.USER], ['CANCELED', o1.ocoOrderId, Reason.OCO],
      ]);
      const o2 = oco(Side.SELL, 2, 103, 97, { account: 1, stopType: OrderType.STOP_LIMIT, stopLimitPrice: 96 });
      book.submit(o2);
      const ev = book.submit(cancel(o2.ocoOrderId ?? 0, 1));
      expect(brief(ev)).toEqual([['CANCELED', o2.ocoOrderId, Reason.USER], ['CANCELED', o2.orderId, Reason.OCO]]);
      expect([ev[0].lastQty, ev[0].stopPrice, ev[0].price, ev[1].lastQty]).toEqual([2, 97, 96, 2]);
      expect(book.openOrders()).toBe(0);
      const o3 = oco(Side.SELL, 2, 103, 97, { account: 1 });
      book.submit(o3);
      expect(brief(book.submit(replace(o3.orderId ?? 0, 104, 0, 1)))).toEqual([['REPLACED', o3.orderId, Reason.USER]]);
      expect(brief(book.submit(replace(o3.ocoOrderId ?? 0, 0, 1, 1)))).toEqual([['REPLACED', o3.ocoOrderId, Reason.USER]]);
      expect(book.openOrders()).toBe(2);
      then(book, `
        bid | price | ask
            |  104  | 2
      `);
    },
  },
  {
    name: 'iceberg: a refill goes to the back of its level (behind a plain order that arrived later); depth counts hidden quantity',
    run(book) {
      resetIds();
      const ice = sell(10, 101, { account: 1, display: 3 });
      const plain = sell(4, 101, { account: 2 });
      expect(book.submit(ice).map((e) => [e.type, e.displayQty, e.leavesQty])).toEqual([[EventType.ACCEPTED, 3, 10]]);
      book.submit(plain);
      then(book, `
        bid | price | ask
            |  101  | 10,4
      `);
      const b1 = buy(5, 101, { account: 3 });
      const ev1 = book.submit(b1);
      expect(brief(ev1)).toEqual([
        ['ACCEPTED', b1.orderId, 0], ['TRADE', b1.orderId, ice.orderId, 101, 3], ['TRADE', b1.orderId, plain.orderId, 101, 2],
      ]);
      expect([ev1[1].makerQuantity, ev1[1].makerCumQty, ev1[1].makerLeavesQty, ev1[1].makerStatus]).toEqual([10, 3, 7, OrderStatus.PARTIALLY_FILLED]);
      const b2 = buy(4, 101, { account: 3 });
      expect(brief(book.submit(b2))).toEqual([
        ['ACCEPTED', b2.orderId, 0], ['TRADE', b2.orderId, plain.orderId, 101, 2], ['TRADE', b2.orderId, ice.orderId, 101, 2],
      ]);
      // ice: 5 left, 1 shown. One aggressor meets it again and again (it is alone at the level).
      const b3 = buy(6, 101, { account: 4 });
      const ev3 = book.submit(b3);
      expect(brief(ev3)).toEqual([
        ['ACCEPTED', b3.orderId, 0],
        ['TRADE', b3.orderId, ice.orderId, 101, 1],
        ['TRADE', b3.orderId, ice.orderId, 101, 3],
        ['TRADE', b3.orderId, ice.orderId, 101, 1],
      ]);
      expect(ev3[3].makerStatus).toBe(OrderStatus.FILLED);
      then(book, `
        bid | price | ask
          1 |  101  |
      `);
    },
  },
  {
    name: 'iceberg and FOK: hidden quantity is fillable, but only shown parts count before an own order STP stops at',
    run(book) {
      resetIds();
      const ice = sell(7, 101, { account: 1, display: 2 });
      book.submit(ice);
      const f = buy(7, 101, { account: 2, tif: TimeInForce.FOK });
      const ev = book.submit(f);
      expect(brief(ev)).toEqual([
        ['ACCEPTED', f.orderId, 0],
        ['TRADE', f.orderId, ice.orderId, 101, 2], ['TRADE', f.orderId, ice.orderId, 101, 2],
        ['TRADE', f.orderId, ice.orderId, 101, 2], ['TRADE', f.orderId, ice.orderId, 101, 1],
      ]);
      const ice2 = sell(6, 101, { account: 1, display: 2 });
      const own = sell(3, 101, { account: 2 });
      book.submit(ice2);
      book.submit(own);
      const f3 = buy(3, 101, { account: 2, tif: TimeInForce.FOK, stp: Stp.CANCEL_NEWEST });
      expect(brief(book.submit(f3))).toEqual([['ACCEPTED', f3.orderId, 0], ['EXPIRED', f3.orderId, Reason.FOK_NOT_FILLABLE]]);
      const f2 = buy(2, 101, { account: 2, tif: TimeInForce.FOK, stp: Stp.CANCEL_NEWEST });
      expect(brief(book.submit(f2))).toEqual([['ACCEPTED', f2.orderId, 0], ['TRADE', f2.orderId, ice2.orderId, 101, 2]]);
      // ice2 refilled behind the own order: a CANCEL_NEWEST taker now stops at the own order first.
      const f1 = buy(1, 101, { account: 2, tif: TimeInForce.FOK, stp: Stp.CANCEL_NEWEST });
      expect(brief(book.submit(f1))).toEqual([['ACCEPTED', f1.orderId, 0], ['EXPIRED', f1.orderId, Reason.FOK_NOT_FILLABLE]]);
      then(book, `
        bid | price | ask
            |  101  | 3,4
      `);
    },
  },
  {
    name: 'GTD: a resting order expires at the first command whose ingress time reaches expireTime (CLOCK), in (expireTime, orderId) order',
    run(book) {
      resetIds();
      const g = buy(2, 99, { account: 1, expire: 50, ts: 1_000 });
      expect(book.submit(g).map((e) => [e.type, e.expireTime, metaTif(e.meta)])).toEqual([[EventType.ACCEPTED, 50, TimeInForce.GTD]]);
      expect(book.submit(clock(49_999))).toEqual([]);
      const ev = book.submit(clock(50_000));
      expect(ev.map((e) => [e.type, e.code, e.orderId, e.status, e.lastQty, e.leavesQty, e.expireTime, e.commandType, e.ingressTs])).toEqual([
        [EventType.EXPIRED, Reason.GTD_EXPIRED, g.orderId, OrderStatus.EXPIRED, 2, 0, 50, CommandType.CLOCK, 50_000],
      ]);
      const p = buy(1, 98, { account: 1, expire: 80, ts: 51_000 });
      const q = buy(1, 97, { account: 2, expire: 70, ts: 52_000 });
      const r = sell(1, 105, { account: 3, expire: 70, ts: 53_000 });
      for (const c of [p, q, r]) book.submit(c);
      expect(book.submit(clock(69_000))).toEqual([]);
      expect(brief(book.submit(clock(80_000)))).toEqual([
        ['EXPIRED', q.orderId, Reason.GTD_EXPIRED], ['EXPIRED', r.orderId, Reason.GTD_EXPIRED], ['EXPIRED', p.orderId, Reason.GTD_EXPIRED],
      ]);
      expect(book.openOrders()).toBe(0);
      then(book, `
        bid | price | ask
      `);
    },
  },
  {
    name: 'GTD expiries are engine time\'s, not the command\'s: a CLOCK command without correlation id, with the command\'s sequence and time',
    run(book) {
      resetIds();
      const g = buy(2, 99, { account: 1, expire: 30, ts: 1_000 });
      book.submit(g);
      // Another account's cancel (correlation 4242) arrives after the expiry time: its own answer keeps
      // its correlation, the expiry does not get it (no client request is answered with it).
      const ev = book.submit({ ...cancel(99_999, 2, 0, 31_000), correlationId: 4242, commandSeq: 7 });
      expect(ev.map((e) => [e.type, e.orderId, e.correlationId, e.commandType, e.commandSeq, e.ingressTs])).toEqual([
        [EventType.EXPIRED, g.orderId, 0, CommandType.CLOCK, 7, 31_000],
        [EventType.REJECTED, 99_999, 4242, CommandType.CANCEL, 7, 31_000],
      ]);
    },
  },
  {
    name: 'a replace moving a triggered stop-limit\'s price outside the band around the last trade is refused by the shard (MATCH_REPLACE_PRICE_BAND)',
    run(book) {
      resetIds();
      // Band ±300 bps. A buy stop-limit (stop 101, limit 101) triggers on a trade at 101 and rests.
      const s = stopLimit(Side.BUY, 2, 101, 101, { account: 1 });
      book.submit(s);
      book.submit(sell(1, 101, { account: 2 }));
      book.submit(buy(1, 101, { account: 3 }));
      expect(book.restingIds(0, Side.BUY)).toEqual([s.orderId]);
      // 105 is outside 98..104 around 101 (the risk stage may not know yet that it triggered).
      const r = book.submit(replace(s.orderId ?? 0, 105, 0, 1));
      expect(brief(r)).toEqual([['REJECTED', s.orderId, ResultCode.MATCH_REPLACE_PRICE_BAND]]);
      expect(r[0].status).toBe(OrderStatus.NEW);
      // Inside the band it moves as any limit order.
      expect(brief(book.submit(replace(s.orderId ?? 0, 103, 0, 1)))).toEqual([['REPLACED', s.orderId, Reason.USER]]);
    },
  },
  {
    name: 'GTD: untriggered stops and OCO legs expire too, at the start of any command (cascade cancels the other leg)',
    run(book) {
      resetIds();
      const s = stopMarket(Side.SELL, 1, 97, { account: 1, expire: 15, ts: 1_000 });
      const o = oco(Side.SELL, 2, 103, 96, { account: 2, expire: 15, ts: 2_000 });
      const g = buy(1, 99, { account: 3, expire: 20, ts: 3_000 });
      for (const c of [s, o, g]) book.submit(c);
      const ev = book.submit(cancel(99_999, 1, 0, 15_000));
      expect(brief(ev)).toEqual([
        ['EXPIRED', s.orderId, Reason.GTD_EXPIRED],
        ['EXPIRED', o.orderId, Reason.GTD_EXPIRED],
        ['CANCELED', o.ocoOrderId, Reason.OCO],
        ['REJECTED', 99_999, ResultCode.MATCH_UNKNOWN_ORDER],
      ]);
      expect([ev[0].lastQty, ev[0].stopPrice, ev[0].expireTime, ev[2].expireTime]).toEqual([1, 97, 15, 15]);
      const n = buy(1, 50, { account: 4, symbol: 1, ts: 20_000 });
      expect(brief(book.submit(n))).toEqual([['EXPIRED', g.orderId, Reason.GTD_EXPIRED], ['ACCEPTED', n.orderId, 0]]);
      // Even a command the risk stage refused expires orders first.
      const g2 = sell(1, 104, { account: 3, expire: 25, ts: 21_000 });
      book.submit(g2);
      const refused = { ...buy(1, 99, { ts: 25_000 }), rejectCode: ResultCode.RISK_CREDIT_LIMIT };
      expect(brief(book.submit(refused))).toEqual([['EXPIRED', g2.orderId, Reason.GTD_EXPIRED], ['REJECTED', refused.orderId, ResultCode.RISK_CREDIT_LIMIT]]);
      expect(book.openOrders()).toBe(1);
    },
  },
  {
    name: 'replace of a waiting stop: qty down keeps its place, a stop price move loses it, would-trigger refused; after the trigger MATCH_STOP_ALREADY_TRIGGERED',
    run(book) {
      const [a102] = given(book, `
        bid | price | ask
            |  102  | 9
      `);
      const s1 = stopMarket(Side.BUY, 2, 102, { account: 1 });
      const s2 = stopMarket(Side.BUY, 1, 102, { account: 2 });
      const s3 = stopLimit(Side.BUY, 1, 102, 102, { account: 3 });
      for (const c of [s1, s2, s3]) book.submit(c);
      const down = book.submit(replace(s1.orderId ?? 0, 0, 1, 1, 0, 'S1'));
      expect(down.map((e) => [e.type, e.code, e.status, e.quantity, e.leavesQty, e.stopPrice, e.clientOrderId, e.otherClientOrderId])).toEqual([
        [EventType.REPLACED, Reason.USER, OrderStatus.PENDING_TRIGGER, 1, 1, 102, 'S1', `c${s1.orderId}`],
      ]);
      const refused = book.submit(replace(s2.orderId ?? 0, 0, 0, 2, 0, undefined, 100));
      expect(refused.map((e) => [e.type, e.code, e.status, e.leavesQty, e.stopPrice])).toEqual([
        [EventType.REJECTED, ResultCode.MATCH_STOP_WOULD_TRIGGER, OrderStatus.PENDING_TRIGGER, 1, 102],
      ]);
      expect(book.submit(replace(s2.orderId ?? 0, 0, 0, 2, 0, undefined, 103)).map((e) => [e.type, e.stopPrice])).toEqual([[EventType.REPLACED, 103]]);
      expect(book.submit(replace(s2.orderId ?? 0, 0, 0, 2, 0, undefined, 102)).map((e) => [e.type, e.stopPrice])).toEqual([[EventType.REPLACED, 102]]);
      then(book, `
        bid | price | ask
            |  102  | 9
      `);
      const t = buy(1, 102, { account: 4 });
      expect(brief(book.submit(t))).toEqual([
        ['ACCEPTED', t.orderId, 0], ['TRADE', t.orderId, a102, 102, 1],
        ['TRIGGERED', s1.orderId, 0], ['TRADE', s1.orderId, a102, 102, 1],
        ['TRIGGERED', s3.orderId, 0], ['TRADE', s3.orderId, a102, 102, 1],
        ['TRIGGERED', s2.orderId, 0], ['TRADE', s2.orderId, a102, 102, 1],
      ]);
      // A stop-limit that triggered and rests is replaced as a limit order; a stop price is refused.
      const s4 = stopLimit(Side.BUY, 10, 103, 103, { account: 5 });
      book.submit(s4);
      const a103 = sell(1, 103, { account: 9 });
      book.submit(a103);
      const t2 = buy(6, 103, { account: 6 });
      expect(brief(book.submit(t2))).toEqual([
        ['ACCEPTED', t2.orderId, 0], ['TRADE', t2.orderId, a102, 102, 5], ['TRADE', t2.orderId, a103.orderId, 103, 1],
        ['TRIGGERED', s4.orderId, 0],
      ]);
      const late = book.submit(replace(s4.orderId ?? 0, 0, 0, 5, 0, undefined, 104));
      expect(late.map((e) => [e.type, e.code, e.status, e.leavesQty, e.stopPrice])).toEqual([
        [EventType.REJECTED, ResultCode.MATCH_STOP_ALREADY_TRIGGERED, OrderStatus.NEW, 10, 103],
      ]);
      expect(book.submit(replace(s4.orderId ?? 0, 0, 8, 5)).map((e) => [e.type, e.status, e.quantity, e.stopPrice])).toEqual([
        [EventType.REPLACED, OrderStatus.NEW, 8, 103],
      ]);
      // A plain limit order with a stop price in a replace: the same refusal.
      const plain = buy(1, 90, { account: 7 });
      book.submit(plain);
      expect(book.submit(replace(plain.orderId ?? 0, 0, 0, 7, 0, undefined, 104))[0].code).toBe(ResultCode.MATCH_STOP_ALREADY_TRIGGERED);
      then(book, `
        bid | price | ask
          8 |  103  |
          1 |  90   |
      `);
    },
  },
  {
    name: 'replace of a waiting stop: qty up goes to the back of its stop price\'s queue; a new limit price alone keeps the place',
    run(book) {
      const [b98] = given(book, `
        bid | price | ask
         10 |  98   |
      `);
      const t1 = stopLimit(Side.SELL, 1, 98, 97, { account: 1 });
      const t2 = stopMarket(Side.SELL, 1, 98, { account: 2 });
      const t3 = stopLimit(Side.SELL, 1, 98, 97, { account: 3 });
      for (const c of [t1, t2, t3]) book.submit(c);
      expect(book.submit(replace(t3.orderId ?? 0, 96, 0, 3)).map((e) => [e.type, e.price, e.status])).toEqual([[EventType.REPLACED, 96, OrderStatus.PENDING_TRIGGER]]);
      expect(book.submit(replace(t1.orderId ?? 0, 0, 2, 1)).map((e) => [e.type, e.quantity])).toEqual([[EventType.REPLACED, 2]]);
      const t = sell(1, 98, { account: 4 });
      expect(brief(book.submit(t))).toEqual([
        ['ACCEPTED', t.orderId, 0], ['TRADE', t.orderId, b98, 98, 1],
        ['TRIGGERED', t2.orderId, 0], ['TRADE', t2.orderId, b98, 98, 1],
        ['TRIGGERED', t3.orderId, 0], ['TRADE', t3.orderId, b98, 98, 1],
        ['TRIGGERED', t1.orderId, 0], ['TRADE', t1.orderId, b98, 98, 2],
      ]);
      then(book, `
        bid | price | ask
          5 |  98   |
      `);
    },
  },
  {
    name: 'cancel-all and the kill switch cancel waiting stops and both OCO legs with their own reason (no OCO cascade), newest first',
    run(book) {
      resetIds();
      const l = buy(1, 99, { account: 1 });
      const s = stopMarket(Side.SELL, 1, 97, { account: 1 });
      const o = oco(Side.SELL, 2, 103, 98, { account: 1 });
      const other = buy(1, 98, { account: 2 });
      const s1 = stopMarket(Side.BUY, 1, 105, { account: 1, symbol: 1 });
      for (const c of [l, s, o, other, s1]) book.submit(c);
      expect(book.openOrders()).toBe(6);
      const ev = book.submit(massCancel(1, 0));
      expect(brief(ev)).toEqual([
        ['CANCELED', o.ocoOrderId, Reason.MASS_CANCEL],
        ['CANCELED', o.orderId, Reason.MASS_CANCEL],
        ['CANCELED', s.orderId, Reason.MASS_CANCEL],
        ['CANCELED', l.orderId, Reason.MASS_CANCEL],
        ['MASS_CANCEL_DONE', 0, Reason.MASS_CANCEL],
      ]);
      expect([ev[4].lastQty, ev[4].stopPrice, ev[4].ocoGroupId, ev[0].ocoGroupId]).toEqual([4, 0, 0, o.orderId]);
      expect(book.openOrders()).toBe(2);
      const o2 = oco(Side.BUY, 1, 97, 104, { account: 1 });
      book.submit(o2);
      const kill = book.submit({ type: CommandType.DISABLE_ACCOUNT, symbolId: -1, accountId: 1, correlationId: 7 });
      expect(brief(kill)).toEqual([
        ['CANCELED', o2.ocoOrderId, Reason.KILL_SWITCH],
        ['CANCELED', o2.orderId, Reason.KILL_SWITCH],
        ['CANCELED', s1.orderId, Reason.KILL_SWITCH],
        ['MASS_CANCEL_DONE', 0, Reason.KILL_SWITCH],
        ['ADMIN', 0, CommandType.DISABLE_ACCOUNT],
      ]);
      expect(book.openOrders()).toBe(1);
      then(book, `
        bid | price | ask
          1 |  98   |
      `);
    },
  },
  {
    name: 'iceberg replace: same price and qty down keeps the place and min(shown, leaves) shown; a price change goes to the back with a full display',
    run(book) {
      resetIds();
      const ice = sell(9, 101, { account: 1, display: 4 });
      const plain = sell(2, 101, { account: 2 });
      book.submit(ice);
      book.submit(plain);
      const b1 = buy(1, 101, { account: 3 });
      expect(brief(book.submit(b1))).toEqual([['ACCEPTED', b1.orderId, 0], ['TRADE', b1.orderId, ice.orderId, 101, 1]]); // shown 3, leaves 8
      const down = book.submit(replace(ice.orderId ?? 0, 0, 7, 1));
      expect(down.map((e) => [e.type, e.quantity, e.leavesQty, e.displayQty])).toEqual([[EventType.REPLACED, 7, 6, 4]]);
      const b2 = buy(4, 101, { account: 3 });
      expect(brief(book.submit(b2))).toEqual([
        ['ACCEPTED', b2.orderId, 0], ['TRADE', b2.orderId, ice.orderId, 101, 3], ['TRADE', b2.orderId, plain.orderId, 101, 1],
      ]);
      then(book, `
        bid | price | ask
            |  101  | 1,3
      `);
      expect(brief(book.submit(replace(ice.orderId ?? 0, 102, 0, 1)))).toEqual([['REPLACED', ice.orderId, Reason.USER]]);
      const b3 = buy(4, 102, { account: 3 });
      expect(brief(book.submit(b3))).toEqual([
        ['ACCEPTED', b3.orderId, 0], ['TRADE', b3.orderId, plain.orderId, 101, 1], ['TRADE', b3.orderId, ice.orderId, 102, 3],
      ]);
      then(book, `
        bid | price | ask
      `);
    },
  },
  {
    name: 'STP decrement against an iceberg maker reduces its whole quantity and its shown part to at most its leaves',
    run(book) {
      resetIds();
      const ice = sell(5, 101, { account: 1, display: 4 });
      book.submit(ice);
      const dec = buy(3, 101, { account: 1, stp: Stp.DECREMENT });
      expect(book.submit(dec).map((e) => [e.type, e.code, e.orderId, e.quantity, e.leavesQty])).toEqual([
        [EventType.ACCEPTED, 0, dec.orderId, 3, 3],
        [EventType.REPLACED, Reason.STP_DECREMENT, ice.orderId, 2, 2],
        [EventType.CANCELED, Reason.STP, dec.orderId, 3, 0],
      ]);
      const t = buy(3, 101, { account: 2 });
      expect(brief(book.submit(t))).toEqual([['ACCEPTED', t.orderId, 0], ['TRADE', t.orderId, ice.orderId, 101, 2]]);
      then(book, `
        bid | price | ask
          1 |  101  |
      `);
    },
  },
  {
    name: 'OCO against OCO: after the trade the taker\'s stop leg is canceled first, then the maker\'s',
    run(book) {
      resetIds();
      const o1 = oco(Side.SELL, 2, 101, 97, { account: 1 });
      book.submit(o1);
      const o2 = oco(Side.BUY, 3, 101, 103, { account: 2 });
      expect(brief(book.submit(o2))).toEqual([
        ['ACCEPTED', o2.orderId, 0],
        ['ACCEPTED', o2.ocoOrderId, 0],
        ['TRADE', o2.orderId, o1.orderId, 101, 2],
        ['CANCELED', o2.ocoOrderId, Reason.OCO],
        ['CANCELED', o1.ocoOrderId, Reason.OCO],
      ]);
      // The survivor keeps naming its (gone) sibling in its events.
      const c = book.submit(cancel(o2.orderId ?? 0, 2));
      expect(c.map((e) => [e.type, e.code, e.lastQty, e.ocoGroupId, e.ocoOrderId])).toEqual([[EventType.CANCELED, Reason.USER, 1, o2.orderId, o2.ocoOrderId]]);
      expect(book.openOrders()).toBe(0);
    },
  },
  {
    name: 'sell stops trigger highest stop price first (then time); a stop-limit is checked against the band around the last trade, not its stop price',
    run(book) {
      const [b99, b97] = given(book, `
        bid | price | ask
          1 |  99   |
         10 |  97   |
      `);
      const s1 = stopMarket(Side.SELL, 1, 98, { account: 1 });
      const s2 = stopMarket(Side.SELL, 1, 99, { account: 2 });
      const s3 = stopLimit(Side.SELL, 1, 99, 101, { account: 3 }); // inside the band around 99 (97..101), not around 97 (95..99)
      for (const c of [s1, s2, s3]) book.submit(c);
      const t = sell(2, 97, { account: 4 });
      expect(brief(book.submit(t))).toEqual([
        ['ACCEPTED', t.orderId, 0],
        ['TRADE', t.orderId, b99, 99, 1],
        ['TRADE', t.orderId, b97, 97, 1],
        ['TRIGGERED', s2.orderId, 0], ['TRADE', s2.orderId, b97, 97, 1],
        ['REJECTED', s3.orderId, ResultCode.MATCH_STOP_PRICE_BAND],
        ['TRIGGERED', s1.orderId, 0], ['TRADE', s1.orderId, b97, 97, 1],
      ]);
      then(book, `
        bid | price | ask
          7 |  97   |
      `);
    },
  },
];

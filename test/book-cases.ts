/**
 * The order-book case suite, shared by the naive reference book and the fast book
 * (test/book.case.test.ts runs every case against both). Scenarios read as bid | price | ask
 * tables: `given` builds the book from maker orders (account 9), `then` is the book afterwards.
 */
import { expect } from 'vitest';
import { CommandType, EventType, OrderStatus, OrderType, Reason, ResultCode, Side, Stp, TimeInForce } from '../engine/codes.ts';
import type { ComparableEvent } from './reference-book.ts';
import {
  buy, cancel, expectedLevels, massCancel, replace, resetIds, seedCommands, sell,
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
];

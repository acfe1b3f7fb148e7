import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import { EventType, OrderStatus, OrderType, Reason, ResultCode, Side, TimeInForce } from '../engine/codes.ts';
import { CMD_SLOT_WORDS, encodeCommand, readClordString } from '../engine/command-slot.ts';
import type { Command } from '../engine/command-slot.ts';
import {
  EVT_CLORD, EVT_CODE, EVT_CUM, EVT_LEAVES, EVT_MAKER_LEAVES, EVT_MAKER_ORDER_ID, EVT_MAKER_STATUS, EVT_ORDER_ID, EVT_PRICE, EVT_SLOT_WORDS, EVT_STATUS, EVT_TYPE,
} from '../engine/event-slot.ts';
import type { DecodedEvent } from '../engine/event-slot.ts';
import { getI64 } from '../engine/int64.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { testSpec } from '../test/fixtures.ts';
import { buy, cancel, clock, massCancel, oco, replace, sell, stopLimit, stopMarket } from '../test/harness.ts';
import { orderTypesStream } from '../test/streams.ts';
import { countGcs } from '../bench/common.ts';
import { AccountViews, DEFAULT_VIEW_OPTIONS, VIEW_SLOT_WORDS } from './accounts.ts';
import type { OrderRecord, ViewOptions } from './accounts.ts';

/** The inline engine feeding an AccountViews; every command at its own engine time (µs). */
function setup(opts: Partial<ViewOptions> = {}) {
  const spec = testSpec();
  const eng = new InlineEngine(spec);
  const v = new AccountViews(spec, opts);
  eng.onEvent((w, b) => v.onEvent(w, b));
  let t = 1_700_000_000_000_000;
  const run = (cmd: Command): DecodedEvent[] => {
    t += 1000;
    for (const s of eng.shards) s.setClock(t);
    return eng.submit(cmd);
  };
  /** The id the engine gave the order a command created (its ACCEPTED). */
  const place = (cmd: Command): number => {
    const e = run(cmd).find((x) => x.type === EventType.ACCEPTED);
    if (!e) throw new Error(`not accepted: ${JSON.stringify(cmd)}`);
    return e.orderId;
  };
  const risk = (a: number): { openNotional: bigint; openOrders: number; positions: number[]; buyOpen: number[]; sellOpen: number[] } => eng.risk.account(a);
  return { spec, eng, v, run, place, risk, now: () => t };
}

const idOf = (slot: Int32Array): number => getI64(slot, EVT_ORDER_ID);
/** The order's id: a maker's last slot is the TRADE, where its id is the maker's. */
const orderIdOf = (r: OrderRecord): number => getI64(r.last, r.lastIsMaker ? EVT_MAKER_ORDER_ID : EVT_ORDER_ID);
const clordOf = (slot: Int32Array): string => readClordString(slot, EVT_CLORD);
const mustGet = (r: OrderRecord | null): OrderRecord => {
  if (!r) throw new Error('no record');
  return r;
};

/** The view agrees with the risk stage on this account (no command is in flight inline). */
function expectRiskAgrees(t: ReturnType<typeof setup>, a: number): void {
  const got = t.v.account(a);
  const want = t.risk(a);
  expect(got.openOrders).toBe(want.openOrders);
  expect(got.creditInUse).toBe(want.openNotional);
  expect(got.positions.map((p) => [p.symbol, p.position, p.openBuy, p.openSell])).toEqual(want.positions.map((p, s) => [s, p, want.buyOpen[s], want.sellOpen[s]]));
}

describe('account views (feeds/accounts.ts)', () => {
  it('has the documented defaults and stores whole event slots', () => {
    expect(DEFAULT_VIEW_OPTIONS).toEqual({ closedPerAccount: 1000, fillsPerAccount: 1000 });
    expect(VIEW_SLOT_WORDS).toBe(EVT_SLOT_WORDS);
    expect(() => new AccountViews(testSpec(), { closedPerAccount: 0 })).toThrow(RangeError);
  });

  it('follows an order accepted, filled in part as maker, then filled as maker; the taker filled at once', () => {
    const t = setup();
    const maker = t.place(sell(10, 10_000, { account: 2, clOrd: 'mk' }));
    let rec = mustGet(t.v.order(2, maker));
    expect(rec.open).toBe(true);
    expect(rec.last[EVT_TYPE]).toBe(EventType.ACCEPTED);
    expect(rec.first).toEqual(rec.last);
    expect(rec.createdTs).toBe(t.now());
    expect(rec.restored).toBe(false);
    expectRiskAgrees(t, 2);

    const taker = t.place(buy(4, 10_000, { account: 1, clOrd: 'tk' }));
    const tk = mustGet(t.v.order(1, taker));
    // The taker's ACCEPTED and its TRADE were one command: its original outcome is the TRADE.
    expect(tk.open).toBe(false);
    expect(tk.last[EVT_TYPE]).toBe(EventType.TRADE);
    expect(tk.last[EVT_STATUS]).toBe(OrderStatus.FILLED);
    expect(tk.first).toEqual(tk.last);
    expect(tk.lastIsMaker).toBe(false);
    rec = mustGet(t.v.order(2, maker));
    expect(rec.open).toBe(true);
    expect(rec.lastIsMaker).toBe(true);
    expect(rec.last[EVT_TYPE]).toBe(EventType.TRADE);
    expect(getI64(rec.last, EVT_MAKER_ORDER_ID)).toBe(maker);
    expect(getI64(rec.last, EVT_MAKER_LEAVES)).toBe(6);
    expect(rec.first[EVT_TYPE]).toBe(EventType.ACCEPTED);
    expect(rec.createdTs).toBeLessThan(t.now());
    expectRiskAgrees(t, 1);
    expectRiskAgrees(t, 2);

    t.place(buy(6, 10_000, { account: 1, clOrd: 'tk2' }));
    rec = mustGet(t.v.order(2, maker));
    expect(rec.open).toBe(false);
    expect(rec.last[EVT_MAKER_STATUS]).toBe(OrderStatus.FILLED);
    expect(t.v.openOrders(2)).toEqual([]);
    expect(t.v.closedOrders(2).map(orderIdOf)).toEqual([maker]);
    expect(t.v.account(1).positions[0].position).toBe(10);
    expect(t.v.account(2).positions[0].position).toBe(-10);
    expectRiskAgrees(t, 1);
    expectRiskAgrees(t, 2);

    const f1 = t.v.fills(1, { limit: 10 });
    expect(f1.next).toBeNull();
    expect(f1.fills.map((f) => [f.orderId, f.clientOrderId, f.side, f.price, f.quantity, f.liquidity])).toEqual([
      [taker, 'tk', Side.BUY, 10_000, 4, 'taker'],
      [taker + 1, 'tk2', Side.BUY, 10_000, 6, 'taker'],
    ]);
    const f2 = t.v.fills(2, { limit: 10 });
    expect(f2.fills.map((f) => [f.orderId, f.clientOrderId, f.side, f.quantity, f.liquidity])).toEqual([
      [maker, 'mk', Side.SELL, 4, 'maker'],
      [maker, 'mk', Side.SELL, 6, 'maker'],
    ]);
    expect(f2.fills.map((f) => f.tradeId)).toEqual(f1.fills.map((f) => f.tradeId));
    expect(t.v.stats()).toEqual({ openOrders: 0, closedOrders: 3, fills: 4 });
  });

  it('a taker filled in part rests: its original outcome is the partial TRADE, its leaves reserved', () => {
    const t = setup();
    t.place(sell(3, 10_000, { account: 2 }));
    const id = t.place(buy(5, 10_010, { account: 1, clOrd: 'p1' }));
    const rec = mustGet(t.v.orderByClientId(1, 'p1'));
    expect(idOf(rec.last)).toBe(id);
    expect(rec.open).toBe(true);
    expect(rec.last[EVT_TYPE]).toBe(EventType.TRADE);
    expect(rec.last[EVT_STATUS]).toBe(OrderStatus.PARTIALLY_FILLED);
    expect(getI64(rec.last, EVT_LEAVES)).toBe(2);
    expect(rec.first).toEqual(rec.last);
    expect(t.v.account(1).creditInUse).toBe(2n * 10_010n);
    expectRiskAgrees(t, 1);
  });

  it('cancel closes the order; its first outcome stays the ACCEPTED', () => {
    const t = setup();
    const id = t.place(buy(5, 9_900, { account: 1, clOrd: 'c1' }));
    expect(t.v.account(1).creditInUse).toBe(5n * 9_900n);
    t.run(cancel(id, 1, 0));
    const rec = mustGet(t.v.orderByClientId(1, 'c1'));
    expect(rec.open).toBe(false);
    expect(rec.last[EVT_TYPE]).toBe(EventType.CANCELED);
    expect(rec.last[EVT_CODE]).toBe(Reason.USER);
    expect(rec.first[EVT_TYPE]).toBe(EventType.ACCEPTED);
    expect(t.v.openOrders(1)).toEqual([]);
    expect(t.v.closedOrders(1)).toHaveLength(1);
    expectRiskAgrees(t, 1);
  });

  it('replace with a new client id re-indexes the order; a refused replace changes nothing', () => {
    const t = setup();
    const id = t.place(buy(5, 9_900, { account: 1, clOrd: 'old' }));
    t.run(replace(id, 9_950, 8, 1, 0, 'new'));
    expect(t.v.orderByClientId(1, 'old')).toBeNull();
    const rec = mustGet(t.v.orderByClientId(1, 'new'));
    expect(idOf(rec.last)).toBe(id);
    expect(rec.last[EVT_TYPE]).toBe(EventType.REPLACED);
    expect(getI64(rec.last, EVT_PRICE)).toBe(9_950);
    expect(rec.first[EVT_TYPE]).toBe(EventType.ACCEPTED);
    expect(clordOf(rec.first)).toBe('old');
    expect(t.v.account(1).creditInUse).toBe(8n * 9_950n);
    expectRiskAgrees(t, 1);
    // Quantity at or below the filled quantity: refused by matching (REJECTED of a REPLACE).
    t.place(sell(3, 9_950, { account: 2 }));
    const before = mustGet(t.v.order(1, id));
    const ev = t.run(replace(id, 0, 3, 1, 0));
    expect(ev.map((e) => [e.type, e.code])).toEqual([[EventType.REJECTED, ResultCode.MATCH_REPLACE_QTY_TOO_LOW]]);
    expect(mustGet(t.v.order(1, id))).toEqual(before);
    expectRiskAgrees(t, 1);
  });

  it('a risk-rejected order (order id 0) is found by client id in the closed window; a matching reject by id', () => {
    const t = setup();
    // a0's credit limit is 5,000.00: 60 lots at 100.00 are 6,000.00.
    const ev = t.run(buy(60, 10_000, { account: 0, clOrd: 'nope' }));
    expect(ev.map((e) => [e.type, e.code, e.orderId])).toEqual([[EventType.REJECTED, ResultCode.RISK_CREDIT_LIMIT, 0]]);
    const rec = mustGet(t.v.orderByClientId(0, 'nope'));
    expect(rec.open).toBe(false);
    expect(rec.last[EVT_TYPE]).toBe(EventType.REJECTED);
    expect(rec.last[EVT_CODE]).toBe(ResultCode.RISK_CREDIT_LIMIT);
    expect(rec.first).toEqual(rec.last);
    expect(t.v.closedOrders(0)).toHaveLength(1);
    expect(t.v.order(0, 0)).toBeNull();
    // A post-only that would take: refused by matching, with the id risk gave it.
    t.place(sell(1, 10_000, { account: 2 }));
    const pev = t.run(buy(1, 10_000, { account: 1, postOnly: true, clOrd: 'po' }));
    expect(pev[0].code).toBe(ResultCode.MATCH_POST_ONLY_WOULD_TAKE);
    const po = mustGet(t.v.order(1, pev[0].orderId));
    expect(po.open).toBe(false);
    expect(mustGet(t.v.orderByClientId(1, 'po'))).toEqual(po);
    expectRiskAgrees(t, 1);
    // A duplicate client id is refused by risk: the refusal is kept (closed) but the id still finds the live order.
    const live = t.place(buy(1, 9_500, { account: 1, clOrd: 'dup' }));
    const d = t.run(buy(1, 9_500, { account: 1, clOrd: 'dup' }));
    expect(d[0].code).toBe(ResultCode.RISK_DUPLICATE_CLIENT_ORDER_ID);
    const byClid = mustGet(t.v.orderByClientId(1, 'dup'));
    expect(byClid.open).toBe(true);
    expect(byClid.last[EVT_TYPE]).toBe(EventType.ACCEPTED);
    expect(mustGet(t.v.order(1, live)).open).toBe(true);
    expect(t.v.closedOrders(1).some((o) => o.last[EVT_TYPE] === EventType.REJECTED && o.last[EVT_CODE] === ResultCode.RISK_DUPLICATE_CLIENT_ORDER_ID)).toBe(true);
    // Events of accounts outside the table (the synthetic probes') are no one's.
    const stats = t.v.stats();
    t.run(buy(1, 9_500, { account: 77, clOrd: 'probe' }));
    expect(t.v.stats()).toEqual(stats);
  });

  it('keeps the newest closed orders per account, newest first; evicted ones leave both indexes', () => {
    const t = setup({ closedPerAccount: 3 });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const id = t.place(buy(1, 9_900 + i, { account: 1, clOrd: `w${i}` }));
      ids.push(id);
      t.run(cancel(id, 1, 0));
    }
    const kept = t.place(buy(1, 9_800, { account: 1, clOrd: 'open' }));
    expect(t.v.closedOrders(1).map((r) => idOf(r.last))).toEqual([ids[4], ids[3], ids[2]]);
    expect(t.v.closedOrders(1, 1)).toEqual([]);
    expect(t.v.order(1, ids[1])).toBeNull();
    expect(t.v.orderByClientId(1, 'w0')).toBeNull();
    expect(mustGet(t.v.orderByClientId(1, 'w2')).open).toBe(false);
    expect(t.v.openOrders(1).map((r) => idOf(r.last))).toEqual([kept]);
    expect(t.v.stats()).toEqual({ openOrders: 1, closedOrders: 3, fills: 0 });
    // A client id reused after its order ended: the newest order answers.
    t.run(cancel(kept, 1, 0));
    const again = t.place(buy(1, 9_700, { account: 1, clOrd: 'open' }));
    expect(idOf(mustGet(t.v.orderByClientId(1, 'open')).last)).toBe(again);
  });

  it('pages fills by (ts, tradeId) with a cursor, filters by symbol before the limit, keeps the newest', () => {
    const t = setup({ fillsPerAccount: 5 });
    const trades: number[] = [];
    for (let i = 0; i < 7; i++) {
      const symbol = i % 2;
      t.place(sell(1, 10_000, { account: 2, symbol }));
      const ev = t.run(buy(1, 10_000, { account: 1, symbol }));
      trades.push(ev.find((e) => e.type === EventType.TRADE)!.tradeId);
    }
    const kept = trades.slice(2);
    const p1 = t.v.fills(1, { limit: 2 });
    expect(p1.fills.map((f) => f.tradeId)).toEqual(kept.slice(0, 2));
    expect(p1.next).toBe(kept[1]);
    const p2 = t.v.fills(1, { limit: 2, after: p1.next! });
    expect(p2.fills.map((f) => f.tradeId)).toEqual(kept.slice(2, 4));
    const p3 = t.v.fills(1, { limit: 2, after: p2.next! });
    expect(p3.fills.map((f) => f.tradeId)).toEqual(kept.slice(4));
    expect(p3.next).toBeNull();
    // Symbol 0 had trades 0, 2, 4, 6; kept: 2, 4, 6.
    const s0 = t.v.fills(1, { symbol: 0, limit: 2 });
    expect(s0.fills.map((f) => f.tradeId)).toEqual([trades[2], trades[4]]);
    expect(t.v.fills(1, { symbol: 0, limit: 2, after: s0.next! }).fills.map((f) => f.tradeId)).toEqual([trades[6]]);
    // A cursor no longer kept is older than every kept fill: from the oldest.
    expect(t.v.fills(1, { limit: 1, after: trades[0] }).fills.map((f) => f.tradeId)).toEqual([kept[0]]);
    expect(t.v.fills(2, { limit: 10 }).fills.every((f) => f.liquidity === 'maker' && f.side === Side.SELL)).toBe(true);
    expect(t.v.account(1).positions.map((p) => p.position)).toEqual([4, 3]);
    expectRiskAgrees(t, 1);
    expectRiskAgrees(t, 2);
  });

  it('a self-trade gives the account both fills of one trade; a page never splits them', () => {
    const t = setup();
    const m = t.place(sell(2, 10_000, { account: 1, clOrd: 'self-m' }));
    const ev = t.run(buy(2, 10_000, { account: 1, clOrd: 'self-t' }));
    const trade = ev.find((e) => e.type === EventType.TRADE)!;
    const page = t.v.fills(1, { limit: 1 });
    expect(page.fills.map((f) => [f.tradeId, f.liquidity, f.clientOrderId, f.orderId])).toEqual([
      [trade.tradeId, 'taker', 'self-t', trade.orderId],
      [trade.tradeId, 'maker', 'self-m', m],
    ]);
    expect(page.next).toBeNull();
    expect(t.v.account(1).positions[0].position).toBe(0);
    expectRiskAgrees(t, 1);
  });

  it('an iceberg: leaves in full, the display quantity kept while it trades as maker', () => {
    const t = setup();
    const id = t.place(sell(10, 10_000, { account: 2, display: 3, clOrd: 'ice' }));
    t.run(buy(4, 10_000, { account: 1 }));
    const rec = mustGet(t.v.order(2, id));
    expect(rec.lastIsMaker).toBe(true);
    expect(getI64(rec.last, EVT_MAKER_LEAVES)).toBe(6);
    expect(rec.displayQty).toBe(3);
    expect(t.v.account(2).positions[0]).toEqual({ symbol: 0, position: -4, openBuy: 0, openSell: 6 });
    expectRiskAgrees(t, 2);
  });

  it('a stop waits (PENDING_TRIGGER, reserved at its price) until a trade triggers it', () => {
    const t = setup();
    const id = t.place(stopLimit(Side.BUY, 5, 10_050, 10_060, { account: 1, clOrd: 'stop' }));
    let rec = mustGet(t.v.order(1, id));
    expect(rec.last[EVT_STATUS]).toBe(OrderStatus.PENDING_TRIGGER);
    expect(rec.stopPrice).toBe(10_050);
    expect(t.v.account(1).creditInUse).toBe(5n * 10_060n);
    expectRiskAgrees(t, 1);
    const sm = t.place(stopMarket(Side.SELL, 2, 9_000, { account: 1 }));
    expectRiskAgrees(t, 1); // a stop-market: reserved at its protection price (the event's price)
    t.place(sell(1, 10_050, { account: 2 }));
    t.run(buy(1, 10_050, { account: 2 })); // a self-trade of account 2 at 100.50: the buy stop triggers
    rec = mustGet(t.v.order(1, id));
    expect(rec.open).toBe(true);
    expect(rec.last[EVT_TYPE]).toBe(EventType.TRIGGERED);
    expect(rec.last[EVT_STATUS]).toBe(OrderStatus.NEW);
    expect(rec.first[EVT_STATUS]).toBe(OrderStatus.PENDING_TRIGGER);
    expect(rec.stopPrice).toBe(10_050);
    expect(mustGet(t.v.order(1, sm)).last[EVT_STATUS]).toBe(OrderStatus.PENDING_TRIGGER);
    expectRiskAgrees(t, 1);
  });

  it('OCO: two orders reserved together; a fill of one leg cancels the other', () => {
    const t = setup();
    const ev = t.run(oco(Side.BUY, 5, 9_990, 10_100, { account: 1, clOrd: 'lim', stopClOrd: 'stp' }));
    const [limitId, stopId] = ev.filter((e) => e.type === EventType.ACCEPTED).map((e) => e.orderId);
    const lim = mustGet(t.v.orderByClientId(1, 'lim'));
    const stp = mustGet(t.v.orderByClientId(1, 'stp'));
    expect([idOf(lim.last), idOf(stp.last)]).toEqual([limitId, stopId]);
    expect([lim.ocoGroupId, lim.ocoOrderId, stp.ocoGroupId, stp.ocoOrderId]).toEqual([limitId, stopId, limitId, limitId]);
    expect(t.v.openOrders(1)).toHaveLength(2);
    expectRiskAgrees(t, 1);
    t.run(sell(2, 9_990, { account: 2 }));
    const s = mustGet(t.v.order(1, stopId));
    expect(s.open).toBe(false);
    expect(s.last[EVT_TYPE]).toBe(EventType.CANCELED);
    expect(s.last[EVT_CODE]).toBe(Reason.OCO);
    expect(s.first[EVT_TYPE]).toBe(EventType.ACCEPTED);
    const l = mustGet(t.v.order(1, limitId));
    expect(l.open).toBe(true);
    expect(l.lastIsMaker).toBe(true);
    expect(l.ocoOrderId).toBe(stopId); // from its last non-TRADE event
    expectRiskAgrees(t, 1);
  });

  it('GTD: expires at engine time, with its expire time kept', () => {
    const t = setup();
    const nowMs = Math.floor(t.now() / 1000);
    const id = t.place(buy(2, 9_900, { account: 1, expire: nowMs + 50, ts: t.now() + 1000, clOrd: 'gtd' }));
    expect(mustGet(t.v.order(1, id)).expireTime).toBe(nowMs + 50);
    t.run(clock((nowMs + 100) * 1000));
    const rec = mustGet(t.v.order(1, id));
    expect(rec.open).toBe(false);
    expect(rec.last[EVT_TYPE]).toBe(EventType.EXPIRED);
    expect(rec.last[EVT_CODE]).toBe(Reason.GTD_EXPIRED);
    expect(rec.expireTime).toBe(nowMs + 50);
    expectRiskAgrees(t, 1);
  });

  it('a market order is closed with its remainder; mass cancel closes everything of the account', () => {
    const t = setup();
    t.place(sell(1, 10_000, { account: 2 }));
    const mkt = t.place(buy(3, 0, { account: 1, type: OrderType.MARKET, tif: TimeInForce.IOC }));
    const m = mustGet(t.v.order(1, mkt));
    expect(m.open).toBe(false);
    expect(m.last[EVT_CODE]).toBe(Reason.MARKET_REMAINDER);
    expect(getI64(m.last, EVT_CUM)).toBe(1);
    for (let i = 0; i < 3; i++) t.place(buy(1, 9_900, { account: 1, symbol: i % 2 }));
    t.run(massCancel(1));
    expect(t.v.openOrders(1)).toEqual([]);
    expect(t.v.closedOrders(1)).toHaveLength(4);
    expectRiskAgrees(t, 1);
  });

  it("another account's order is not found, by id or by client id", () => {
    const t = setup();
    const id = t.place(buy(1, 9_900, { account: 1, clOrd: 'mine' }));
    expect(t.v.order(2, id)).toBeNull();
    expect(t.v.orderByClientId(2, 'mine')).toBeNull();
    expect(t.v.order(1, id)).not.toBeNull();
    expect(t.v.order(99, id)).toBeNull();
    expect(t.v.orderByClientId(1, 'x'.repeat(40))).toBeNull();
    expect(t.v.openOrders(2)).toEqual([]);
  });

  it('onEvent allocates nothing in steady state (200k events after warm-up)', async () => {
    // Engine events (every order type) recorded once, then fed alone into a fresh view: 60k to
    // warm up (tables at their steady size, code optimized), then 200k measured. A hot path that
    // allocates nothing triggers no collection and grows no heap; 16 B per event would be 3.2 MB.
    // Up to three views (the optimizing compiler may lag on a busy box); one must be clean.
    const spec = testSpec();
    const eng = new InlineEngine(spec);
    const WARM = 60_000;
    const EVENTS = 200_000;
    const total = WARM + EVENTS;
    const buf = new Int32Array(total * EVT_SLOT_WORDS);
    let n = 0;
    eng.onEvent((w, b) => {
      if (n === total) return;
      const at = n++ * EVT_SLOT_WORDS;
      for (let k = 0; k < EVT_SLOT_WORDS; k++) buf[at + k] = w[b + k];
    });
    const slot = new Int32Array(CMD_SLOT_WORDS);
    for (const c of orderTypesStream(170_000, 11)) {
      if (n === total) break;
      for (const s of eng.shards) s.setClock(c.ingressTs ?? 0);
      encodeCommand(c, slot, 0);
      eng.processSlot(slot, 0);
    }
    expect(n).toBe(total);
    const heap = (): number => v8.getHeapSpaceStatistics().reduce((x, sp) => x + sp.space_used_size, 0);
    const windows: Array<{ gcs: number; growth: number }> = [];
    let v = new AccountViews(spec);
    // Up to four windows: the first may still see the optimizing compiler's work; a clean one must follow.
    for (let round = 0; round < 4; round++) {
      v = new AccountViews(spec, { closedPerAccount: 200, fillsPerAccount: 200 });
      for (let i = 0; i < WARM; i++) v.onEvent(buf, i * EVT_SLOT_WORDS);
      const view = v;
      const { result: growth, gcs } = await countGcs(() => {
        const before = heap();
        for (let i = WARM; i < total; i++) view.onEvent(buf, i * EVT_SLOT_WORDS);
        return heap() - before;
      });
      windows.push({ gcs, growth });
      if (gcs === 0 && growth < 256 * 1024) break;
    }
    if (process.env.VIEWS_ALLOC_LOG) console.log(JSON.stringify(windows));
    const best = [...windows].sort((x, y) => x.gcs - y.gcs || x.growth - y.growth)[0];
    expect(best.gcs, JSON.stringify(windows)).toBe(0);
    expect(best.growth, JSON.stringify(windows)).toBeLessThan(256 * 1024);
    // The window was steady state: full closed windows and fill lists, orders coming and going.
    const st = v.stats();
    expect(st.closedOrders).toBe(3 * 200);
    expect(st.fills).toBe(3 * 200);
  }, 120_000);
});

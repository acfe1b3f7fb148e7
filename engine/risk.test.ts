import { describe, expect, it } from 'vitest';
import { CommandType, EventType, OrderType, ResultCode, Side, TimeInForce } from './codes.ts';
import { CMD_REJECT, CMD_SLOT_WORDS, encodeCommand } from './command-slot.ts';
import type { Command } from './command-slot.ts';
import { InlineEngine } from './inline-engine.ts';
import { testSpec } from '../test/fixtures.ts';

let n = 0;
function nw(account: number, side: number, price: number, qty: number, extra: Partial<Command> = {}): Command {
  n++;
  return {
    type: CommandType.NEW, symbolId: 0, accountId: account, side, orderType: OrderType.LIMIT, tif: TimeInForce.GTC,
    price, qty, clientOrderId: `id-${n}`, correlationId: n, ...extra,
  };
}
const codes = (ev: { type: number; code: number }[]): Array<[number, number]> => ev.map((e) => [e.type, e.code]);
const rejected = (code: number): Array<[number, number]> => [[EventType.REJECTED, code]];

describe('order-level risk checks', () => {
  const eng = new InlineEngine(testSpec());
  it.each([
    ['quantity above maxOrderQty', nw(1, Side.BUY, 10000, 1001), ResultCode.RISK_MAX_ORDER_QTY],
    ['zero quantity', nw(1, Side.BUY, 10000, 0), ResultCode.RISK_INVALID_QUANTITY],
    ['notional above maxOrderNotional', nw(1, Side.BUY, 10500, 500), ResultCode.RISK_MAX_ORDER_NOTIONAL],
    ['price above the band', nw(1, Side.BUY, 11001, 1), ResultCode.RISK_PRICE_BAND],
    ['price below the band', nw(1, Side.SELL, 8999, 1), ResultCode.RISK_PRICE_BAND],
    ['price zero', nw(1, Side.BUY, 0, 1), ResultCode.RISK_INVALID_PRICE],
    ['market GTC', nw(1, Side.BUY, 0, 1, { orderType: OrderType.MARKET }), ResultCode.RISK_INVALID_ORDER],
    ['post-only IOC', nw(1, Side.BUY, 10000, 1, { tif: TimeInForce.IOC, postOnly: true }), ResultCode.RISK_INVALID_ORDER],
    ['no client order id', nw(1, Side.BUY, 10000, 1, { clientOrderId: '' }), ResultCode.RISK_INVALID_ORDER],
    ['bad side', nw(1, 7, 10000, 1), ResultCode.RISK_INVALID_ORDER],
    ['unknown symbol', nw(1, Side.BUY, 10000, 1, { symbolId: 9 }), ResultCode.RISK_UNKNOWN_SYMBOL],
    ['unknown account', nw(42, Side.BUY, 10000, 1), ResultCode.RISK_UNKNOWN_ACCOUNT],
  ])('rejects %s with a stable code', (_name, cmd, code) => {
    expect(codes(eng.submit(cmd))).toEqual(rejected(code));
    eng.risk.validateInternalState();
  });

  it('decides afresh on a slot a dead risk stage had already stamped with a reject (restart re-admission)', () => {
    const e = new InlineEngine(testSpec());
    const slot = new Int32Array(CMD_SLOT_WORDS);
    encodeCommand({ ...nw(1, Side.BUY, 10000, 1), rejectCode: ResultCode.RISK_CREDIT_LIMIT }, slot, 0);
    e.risk.admit(slot, 0);
    expect(slot[CMD_REJECT]).toBe(ResultCode.OK);
    e.risk.validateInternalState();
  });

  it('accepts the band edges exactly', () => {
    expect(eng.submit(nw(1, Side.BUY, 11000, 1))[0].type).toBe(EventType.ACCEPTED);
    expect(eng.submit(nw(1, Side.SELL, 9000, 1))[0].type).toBe(EventType.ACCEPTED);
  });
});

describe('account-level risk', () => {
  it('credit limit counts resting and in-flight notional; a cancel gives it back', () => {
    const eng = new InlineEngine(testSpec());
    // a0: credit 5000.00 = 500000 units; 20 @ 100.00 = 200000 units each.
    const first = eng.submit(nw(0, Side.BUY, 10000, 20));
    eng.submit(nw(0, Side.BUY, 10000, 20));
    expect(codes(eng.submit(nw(0, Side.BUY, 10000, 20)))).toEqual(rejected(ResultCode.RISK_CREDIT_LIMIT));
    expect(eng.risk.account(0).openNotional).toBe(400000n);
    eng.submit({ type: CommandType.CANCEL, symbolId: 0, accountId: 0, orderId: first[0].orderId });
    expect(eng.risk.account(0).openNotional).toBe(200000n);
    expect(eng.submit(nw(0, Side.BUY, 10000, 20))[0].type).toBe(EventType.ACCEPTED);
    eng.risk.validateInternalState();
  });

  it('market orders are valued at the band edge', () => {
    const eng = new InlineEngine(testSpec());
    eng.submit(nw(1, Side.SELL, 10000, 100));
    // 45 × 100.00 = 450000 fits the 500000 credit, but 45 × 110.00 (band edge) = 495000 does too; 46 × 110 does not.
    expect(codes(eng.submit(nw(0, Side.BUY, 0, 46, { orderType: OrderType.MARKET, tif: TimeInForce.IOC })))).toEqual(rejected(ResultCode.RISK_CREDIT_LIMIT));
    const ok = eng.submit(nw(0, Side.BUY, 0, 45, { orderType: OrderType.MARKET, tif: TimeInForce.IOC }));
    expect(ok.map((e) => e.type)).toEqual([EventType.ACCEPTED, EventType.TRADE]);
    expect(ok[0].price).toBe(11000); // protection price written by risk
    expect(ok[1].lastPrice).toBe(10000);
    expect(eng.risk.account(0)).toMatchObject({ openNotional: 0n, openOrders: 0, positions: [45, 0] });
  });

  it('max open orders and worst-case position per symbol', () => {
    const eng = new InlineEngine(testSpec());
    for (let i = 0; i < 5; i++) expect(eng.submit(nw(0, Side.BUY, 9500, 1))[0].type).toBe(EventType.ACCEPTED);
    expect(codes(eng.submit(nw(0, Side.BUY, 9500, 1)))).toEqual(rejected(ResultCode.RISK_MAX_OPEN_ORDERS));
    const roomy = testSpec();
    roomy.accounts[0].creditLimit = 100_000_000n;
    const eng2 = new InlineEngine(roomy);
    expect(eng2.submit(nw(0, Side.BUY, 9500, 60))[0].type).toBe(EventType.ACCEPTED);
    expect(codes(eng2.submit(nw(0, Side.BUY, 9500, 41)))).toEqual(rejected(ResultCode.RISK_MAX_POSITION));
    expect(eng2.submit(nw(0, Side.SELL, 10500, 100))[0].type).toBe(EventType.ACCEPTED); // sells do not add to a long
    expect(codes(eng2.submit(nw(0, Side.SELL, 10500, 1)))).toEqual(rejected(ResultCode.RISK_MAX_POSITION));
  });

  it('fills move reservation into position and the band follows the last trade', () => {
    const eng = new InlineEngine(testSpec());
    eng.submit(nw(1, Side.SELL, 10400, 10));
    eng.submit(nw(2, Side.BUY, 10400, 4));
    expect(eng.risk.account(1)).toMatchObject({ openNotional: 6n * 10400n, positions: [-4, 0], sellOpen: [6, 0] });
    expect(eng.risk.account(2)).toMatchObject({ openNotional: 0n, openOrders: 0, positions: [4, 0] });
    expect(eng.risk.band(0)).toEqual({ reference: 10400, low: 9360, high: 11440 });
    eng.risk.validateInternalState();
  });

  it('duplicate client order id among live orders is rejected; reusable once the order is done', () => {
    const eng = new InlineEngine(testSpec());
    const a = eng.submit(nw(1, Side.BUY, 9900, 1, { clientOrderId: 'dup' }));
    expect(codes(eng.submit(nw(1, Side.BUY, 9900, 1, { clientOrderId: 'dup' })))).toEqual(rejected(ResultCode.RISK_DUPLICATE_CLIENT_ORDER_ID));
    expect(eng.submit(nw(2, Side.BUY, 9900, 1, { clientOrderId: 'dup' }))[0].type).toBe(EventType.ACCEPTED); // other account
    const c = eng.submit({ type: CommandType.CANCEL, symbolId: 0, accountId: 1, byClientId: true, clientOrderId: 'dup' });
    expect(c.map((e) => [e.type, e.orderId])).toEqual([[EventType.CANCELED, a[0].orderId]]);
    expect(eng.submit(nw(1, Side.BUY, 9900, 1, { clientOrderId: 'dup' }))[0].type).toBe(EventType.ACCEPTED);
  });

  it('another account\'s order is unknown, by id and by client id', () => {
    const eng = new InlineEngine(testSpec());
    const a = eng.submit(nw(1, Side.BUY, 9900, 1, { clientOrderId: 'mine' }));
    expect(codes(eng.submit({ type: CommandType.CANCEL, symbolId: 0, accountId: 2, orderId: a[0].orderId }))).toEqual(rejected(ResultCode.RISK_UNKNOWN_ORDER));
    expect(codes(eng.submit({ type: CommandType.CANCEL, symbolId: 0, accountId: 2, byClientId: true, clientOrderId: 'mine' }))).toEqual(rejected(ResultCode.RISK_UNKNOWN_ORDER));
    expect(codes(eng.submit({ type: CommandType.REPLACE, symbolId: 0, accountId: 2, orderId: a[0].orderId, qty: 5 }))).toEqual(rejected(ResultCode.RISK_UNKNOWN_ORDER));
  });

  it('replace re-checks credit and swaps the client id', () => {
    const eng = new InlineEngine(testSpec());
    const a = eng.submit(nw(0, Side.BUY, 10000, 20, { clientOrderId: 'r1' }));
    expect(codes(eng.submit({ type: CommandType.REPLACE, symbolId: 0, accountId: 0, orderId: a[0].orderId, qty: 51 }))).toEqual(rejected(ResultCode.RISK_CREDIT_LIMIT));
    const ok = eng.submit({ type: CommandType.REPLACE, symbolId: 0, accountId: 0, byClientId: true, clientOrderId: 'r1', qty: 30, newClientOrderId: 'r2' });
    expect(ok.map((e) => [e.type, e.clientOrderId, e.otherClientOrderId])).toEqual([[EventType.REPLACED, 'r2', 'r1']]);
    expect(eng.risk.account(0).openNotional).toBe(300000n);
    expect(eng.submit(nw(0, Side.BUY, 9000, 1, { clientOrderId: 'r1' }))[0].type).toBe(EventType.ACCEPTED);
    expect(codes(eng.submit(nw(0, Side.BUY, 9000, 1, { clientOrderId: 'r2' })))).toEqual(rejected(ResultCode.RISK_DUPLICATE_CLIENT_ORDER_ID));
    eng.risk.validateInternalState();
  });

  it('a replace already in flight makes a second one wait (RISK_REPLACE_PENDING)', () => {
    const eng = new InlineEngine(testSpec());
    const a = eng.submit(nw(1, Side.BUY, 10000, 5));
    const slot = new Int32Array(CMD_SLOT_WORDS);
    encodeCommand({ type: CommandType.REPLACE, symbolId: 0, accountId: 1, orderId: a[0].orderId, qty: 6 }, slot, 0);
    eng.risk.admit(slot, 0); // admitted, not yet matched
    encodeCommand({ type: CommandType.REPLACE, symbolId: 0, accountId: 1, orderId: a[0].orderId, qty: 7 }, slot, 0);
    eng.risk.admit(slot, 0);
    expect(slot[CMD_REJECT]).toBe(ResultCode.RISK_REPLACE_PENDING);
  });
});

describe('kill switches', () => {
  it('disable cancels the account\'s resting orders and rejects new ones until enabled', () => {
    const eng = new InlineEngine(testSpec());
    eng.submit(nw(1, Side.BUY, 9900, 1));
    eng.submit(nw(1, Side.SELL, 10100, 1, { symbolId: 1 }));
    const ev = eng.submit({ type: CommandType.DISABLE_ACCOUNT, symbolId: -1, accountId: 1 });
    expect(ev.filter((e) => e.type === EventType.CANCELED)).toHaveLength(2);
    expect(codes(eng.submit(nw(1, Side.BUY, 9900, 1)))).toEqual(rejected(ResultCode.RISK_ACCOUNT_DISABLED));
    expect(eng.risk.account(1)).toMatchObject({ openNotional: 0n, openOrders: 0, disabled: true });
    eng.submit({ type: CommandType.ENABLE_ACCOUNT, symbolId: -1, accountId: 1 });
    expect(eng.submit(nw(1, Side.BUY, 9900, 1))[0].type).toBe(EventType.ACCEPTED);
  });

  it('halt rejects new orders and replaces but still allows cancels; resume reopens', () => {
    const eng = new InlineEngine(testSpec());
    const a = eng.submit(nw(1, Side.BUY, 9900, 1));
    eng.submit({ type: CommandType.HALT_SYMBOL, symbolId: 0, accountId: -1 });
    expect(codes(eng.submit(nw(1, Side.BUY, 9900, 1)))).toEqual(rejected(ResultCode.RISK_SYMBOL_HALTED));
    expect(codes(eng.submit({ type: CommandType.REPLACE, symbolId: 0, accountId: 1, orderId: a[0].orderId, qty: 2 }))).toEqual(rejected(ResultCode.RISK_SYMBOL_HALTED));
    expect(eng.submit({ type: CommandType.CANCEL, symbolId: 0, accountId: 1, orderId: a[0].orderId })[0].type).toBe(EventType.CANCELED);
    expect(eng.submit(nw(1, Side.BUY, 9900, 1, { symbolId: 1 }))[0].type).toBe(EventType.ACCEPTED);
    eng.submit({ type: CommandType.RESUME_SYMBOL, symbolId: 0, accountId: -1 });
    expect(eng.submit(nw(1, Side.BUY, 9900, 1))[0].type).toBe(EventType.ACCEPTED);
  });
});


import { describe, expect, it } from 'vitest';
import { InlineEngine } from '../engine/inline-engine.ts';
import { CommandType, EventType, OrderType, Side, TimeInForce } from '../engine/codes.ts';
import {
  EVT_ACCOUNT, EVT_CLORD, EVT_CODE, EVT_COMMAND_TYPE, EVT_DISPLAY_QTY, EVT_EXPIRE_TIME, EVT_META, EVT_OTHER_CLORD, EVT_PRICE, EVT_QTY, EVT_SLOT_WORDS,
  EVT_STOP_PRICE, EVT_SYMBOL, EVT_TYPE,
} from '../engine/event-slot.ts';
import { packMeta, writeClordString } from '../engine/command-slot.ts';
import { putI64 } from '../engine/int64.ts';
import { ResultCode } from '../engine/codes.ts';
import { codeName } from '../engine/codes.ts';
import { testSpec } from '../test/fixtures.ts';
import { rejectText } from './reject-text.ts';

describe('rejectText (gateway/reject-text.ts)', () => {
  it('names the id a refused replace asked for, not the order\'s own', () => {
    const spec = testSpec();
    const eng = new InlineEngine(spec);
    const ctx = { spec, lastPrice: (): number => 0 };
    const texts: string[] = [];
    eng.onEvent((w, b) => {
      if (w[b + EVT_TYPE] === EventType.REJECTED) texts.push(`${codeName(w[b + EVT_CODE])}: ${rejectText(w[b + EVT_CODE], w, b, ctx)}`);
    });
    const order = (id: string): Parameters<InlineEngine['submit']>[0] => ({ type: CommandType.NEW, symbolId: 0, accountId: 1, side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: 9_900, qty: 1, clientOrderId: id, correlationId: 1 });
    eng.submit(order('a'));
    eng.submit(order('b'));
    eng.submit(order('a')); // a new order reusing an open id
    eng.submit({ type: CommandType.REPLACE, symbolId: 0, accountId: 1, byClientId: true, clientOrderId: 'a', newClientOrderId: 'b', qty: 2, correlationId: 2 });
    expect(texts).toEqual([
      'RISK_DUPLICATE_CLIENT_ORDER_ID: clientOrderId a is already used by an open order of this account',
      'RISK_DUPLICATE_CLIENT_ORDER_ID: clientOrderId b is already used by an open order of this account',
    ]);
  });
});

describe('rejectText for the order types (docs/order-types.md)', () => {
  const spec = testSpec(); // AAA: tick 0.01, lot 1, reference 100, band +/- 10 %
  /** A REJECTED event of `code` for AAA, from a command of type `cmd`, the order as `o`. */
  function text(code: number, o: { cmd?: number; side?: number; type?: number; tif?: number; price?: number; qty?: number; stop?: number; display?: number; expire?: number; other?: string }, last = 0): string | undefined {
    const w = new Int32Array(EVT_SLOT_WORDS);
    w[EVT_TYPE] = EventType.REJECTED;
    w[EVT_CODE] = code;
    w[EVT_SYMBOL] = 0;
    w[EVT_ACCOUNT] = 1;
    w[EVT_COMMAND_TYPE] = o.cmd ?? CommandType.NEW;
    w[EVT_META] = packMeta(o.side ?? Side.BUY, o.type ?? OrderType.LIMIT, o.tif ?? TimeInForce.GTC, 0, false);
    putI64(w, EVT_PRICE, o.price ?? 0);
    putI64(w, EVT_QTY, o.qty ?? 1);
    putI64(w, EVT_STOP_PRICE, o.stop ?? 0);
    putI64(w, EVT_DISPLAY_QTY, o.display ?? 0);
    putI64(w, EVT_EXPIRE_TIME, o.expire ?? 0);
    writeClordString(w, EVT_CLORD, 'tp1');
    if (o.other) writeClordString(w, EVT_OTHER_CLORD, o.other);
    const t = rejectText(code, w, 0, { spec, lastPrice: () => last });
    // Plain ASCII, short enough for the JSON lane's report buffer.
    if (t !== undefined) expect(t).toMatch(/^[\x20-\x7e]{1,400}$/);
    return t;
  }

  it('RISK_INVALID_STOP_PRICE: a missing stop price, a stop price on another type, a replace of an order that is not a waiting stop', () => {
    expect(text(ResultCode.RISK_INVALID_STOP_PRICE, { type: OrderType.STOP })).toBe('a stop or stop_limit order (and the stop leg of new_oco) needs a stopPrice: a positive multiple of the tick size 0.01 for AAA');
    expect(text(ResultCode.RISK_INVALID_STOP_PRICE, { cmd: CommandType.NEW_OCO, other: 'sl1' })).toContain('needs a stopPrice');
    expect(text(ResultCode.RISK_INVALID_STOP_PRICE, { type: OrderType.LIMIT, price: 9_900, stop: 9_800 })).toBe('stopPrice is only for orderType stop and stop_limit (and the stop leg of new_oco): leave it out of limit and market orders');
    expect(text(ResultCode.RISK_INVALID_STOP_PRICE, { cmd: CommandType.REPLACE, type: 0, side: 0, stop: 9_800 })).toContain('only of a stop or stop_limit order still waiting for its trigger');
  });

  it('RISK_INVALID_DISPLAY_QTY and RISK_INVALID_EXPIRE_TIME say what is allowed', () => {
    expect(text(ResultCode.RISK_INVALID_DISPLAY_QTY, { price: 9_900, qty: 5, display: 7 })).toBe('displayQuantity 7 is not allowed: it must be from one lot (1) up to the order quantity 5, on a limit or stop_limit order with timeInForce GTC or GTD');
    expect(text(ResultCode.RISK_INVALID_EXPIRE_TIME, { tif: TimeInForce.GTD })).toBe('timeInForce GTD needs an expireTime: milliseconds since the Unix epoch (UTC), in the future');
    expect(text(ResultCode.RISK_INVALID_EXPIRE_TIME, { tif: TimeInForce.GTC, expire: 1_763_000_000_000 })).toBe('expireTime is only for timeInForce GTD: set timeInForce "GTD" or leave expireTime out');
    expect(text(ResultCode.RISK_INVALID_EXPIRE_TIME, { tif: TimeInForce.GTD, expire: 1_000 })).toBe('expireTime 1000 (1970-01-01T00:00:01.000Z) is not after the time the order reached the engine: a GTD order needs an expireTime in the future (ms since the Unix epoch, UTC)');
    expect(text(ResultCode.RISK_INVALID_EXPIRE_TIME, { tif: TimeInForce.GTD, expire: 2 ** 53 - 1 })).toContain('expireTime 9007199254740991 is not after');
  });

  it('MATCH_STOP_WOULD_TRIGGER names the last trade price and the side\'s rule; MATCH_STOP_PRICE_BAND the band edges', () => {
    expect(text(ResultCode.MATCH_STOP_WOULD_TRIGGER, { type: OrderType.STOP, stop: 9_950 })).toBe(
      'stopPrice 99.5 would trigger at once: the last trade price in AAA is 100, and a buy stop triggers when it is at or above its stopPrice (place a buy stop above the last trade price)',
    );
    expect(text(ResultCode.MATCH_STOP_WOULD_TRIGGER, { side: Side.SELL, type: OrderType.STOP_LIMIT, price: 10_100, stop: 10_200 }, 10_150)).toContain('last trade price in AAA is 101.5, and a sell stop triggers when it is at or below');
    expect(text(ResultCode.MATCH_STOP_WOULD_TRIGGER, { cmd: CommandType.REPLACE, type: OrderType.STOP, stop: 10_500 })).toMatch(/^the stopPrice of this replace would trigger at once: the last trade price in AAA is 100,/);
    expect(text(ResultCode.MATCH_STOP_PRICE_BAND, { type: OrderType.STOP_LIMIT, price: 12_000, stop: 10_500 }, 10_600)).toBe(
      'the stop_limit order triggered, but its limit price 120 is outside the price band 95.4 to 116.6 for AAA: 106 +/- 10% (around the last trade price at the trigger): the order was rejected',
    );
    expect(text(ResultCode.MATCH_STOP_ALREADY_TRIGGERED, { cmd: CommandType.REPLACE, stop: 9_000 })).toBe('the stop order triggered before this replace arrived: its stopPrice can no longer be changed (price and quantity can, as for a limit order)');
  });

  it('a duplicate id in a new_oco names both legs', () => {
    expect(text(ResultCode.RISK_DUPLICATE_CLIENT_ORDER_ID, { cmd: CommandType.NEW_OCO, other: 'sl1' })).toBe('clientOrderId tp1 or sl1 is already used by an open order of this account (or the two legs share one)');
  });
});

import { describe, expect, it } from 'vitest';
import { InlineEngine } from '../engine/inline-engine.ts';
import { CommandType, EventType, OrderType, Side, TimeInForce } from '../engine/codes.ts';
import { EVT_CODE, EVT_TYPE } from '../engine/event-slot.ts';
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

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CommandType, EventType, OrderType, Side, Stp, TimeInForce } from '../engine/codes.ts';
import type { Command } from '../engine/command-slot.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { testSpec } from './fixtures.ts';

const step = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    k: fc.constant('new' as const), account: fc.integer({ min: 0, max: 2 }), symbol: fc.integer({ min: 0, max: 1 }),
    side: fc.constantFrom(Side.BUY, Side.SELL), price: fc.integer({ min: 9700, max: 10300 }), qty: fc.integer({ min: 1, max: 30 }),
    tif: fc.constantFrom(TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK), market: fc.boolean(),
    stp: fc.constantFrom(Stp.NONE, Stp.CANCEL_OLDEST, Stp.DECREMENT, Stp.CANCEL_BOTH), clord: fc.integer({ min: 0, max: 40 }),
  }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('cancel' as const), pick: fc.nat(), byClient: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('replace' as const), pick: fc.nat(), price: fc.integer({ min: 9600, max: 10300 }), qty: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('mass' as const), account: fc.integer({ min: 0, max: 2 }), symbol: fc.integer({ min: -1, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('admin' as const), account: fc.integer({ min: 0, max: 2 }), symbol: fc.integer({ min: 0, max: 1 }), what: fc.constantFrom(CommandType.HALT_SYMBOL, CommandType.RESUME_SYMBOL, CommandType.DISABLE_ACCOUNT, CommandType.ENABLE_ACCOUNT) }) },
);

describe('risk stage + matching on random streams', () => {
  it('keeps reservations equal to the live orders and returns to zero when the books are empty', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 150, size: 'max' }), (steps) => {
        const eng = new InlineEngine(testSpec());
        const live: Array<{ id: number; account: number; symbol: number; clord: string }> = [];
        const net = [[0, 0], [0, 0], [0, 0]];
        let i = 0;
        for (const s of steps) {
          i++;
          let cmd: Command;
          if (s.k === 'new') {
            const market = s.market && s.tif !== TimeInForce.GTC;
            cmd = {
              type: CommandType.NEW, symbolId: s.symbol, accountId: s.account, side: s.side, orderType: market ? OrderType.MARKET : OrderType.LIMIT,
              tif: s.tif, stp: s.stp, price: market ? 0 : s.price, qty: s.qty, clientOrderId: `c${s.clord}`, correlationId: i,
            };
          } else if (s.k === 'cancel' || s.k === 'replace') {
            const t = live.length ? live[live.length - 1 - (s.pick % Math.min(live.length, 6))] : { id: 123456, account: 0, symbol: 0, clord: 'none' };
            const byClient = s.k === 'cancel' && s.byClient;
            cmd = {
              type: s.k === 'cancel' ? CommandType.CANCEL : CommandType.REPLACE, symbolId: t.symbol, accountId: t.account,
              orderId: byClient ? 0 : t.id, byClientId: byClient, clientOrderId: byClient ? t.clord : undefined, correlationId: i,
              price: s.k === 'replace' ? s.price : 0, qty: s.k === 'replace' ? s.qty : 0,
            };
          } else if (s.k === 'mass') {
            cmd = { type: CommandType.MASS_CANCEL, symbolId: s.symbol, accountId: s.account, correlationId: i };
          } else {
            cmd = { type: s.what, symbolId: s.symbol, accountId: s.account, correlationId: i };
          }
          for (const e of eng.submit(cmd)) {
            if (e.type === EventType.ACCEPTED) live.push({ id: e.orderId, account: e.accountId, symbol: e.symbolId, clord: e.clientOrderId });
            if (e.type === EventType.TRADE) {
              const takerBuys = (e.meta & 0xf) === Side.BUY;
              net[e.accountId][e.symbolId] += takerBuys ? e.lastQty : -e.lastQty;
              net[e.makerAccountId][e.symbolId] += takerBuys ? -e.lastQty : e.lastQty;
            }
          }
          eng.risk.validateInternalState();
          for (const sh of eng.shards) sh.validateInternalState();
          const resting = eng.shards.reduce((n, sh) => n + sh.openOrderCount(), 0);
          expect(eng.risk.liveOrders()).toBe(resting);
        }
        for (let a = 0; a < 3; a++) {
          eng.submit({ type: CommandType.MASS_CANCEL, symbolId: -1, accountId: a });
          const acc = eng.risk.account(a);
          expect(acc.openNotional).toBe(0n);
          expect(acc.openOrders).toBe(0);
          expect(acc.buyOpen).toEqual([0, 0]);
          expect(acc.sellOpen).toEqual([0, 0]);
          expect(acc.positions).toEqual(net[a].map((v) => v + 0));
        }
        expect(eng.risk.liveOrders()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CommandType, EventType, OrderType, ResultCode, Side, Stp, TimeInForce } from '../engine/codes.ts';
import type { EngineSpec } from '../engine/config.ts';
import type { RiskEngine } from '../engine/risk.ts';
import type { Command } from '../engine/command-slot.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { testSpec } from './fixtures.ts';

const step = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    k: fc.constant('new' as const), account: fc.integer({ min: 0, max: 2 }), symbol: fc.integer({ min: 0, max: 1 }),
    side: fc.constantFrom(Side.BUY, Side.SELL), price: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 9700, max: 10300 }) }, { weight: 1, arbitrary: fc.integer({ min: 8800, max: 11200 }) }), qty: fc.oneof({ weight: 19, arbitrary: fc.integer({ min: 1, max: 30 }) }, { weight: 1, arbitrary: fc.integer({ min: 500, max: 1100 }) }),
    tif: fc.constantFrom(TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK), market: fc.boolean(),
    stp: fc.constantFrom(Stp.NONE, Stp.CANCEL_OLDEST, Stp.DECREMENT, Stp.CANCEL_BOTH), clord: fc.integer({ min: 0, max: 40 }),
  }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('cancel' as const), pick: fc.nat(), byClient: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('replace' as const), pick: fc.nat(), price: fc.integer({ min: 9600, max: 10300 }), qty: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('mass' as const), account: fc.integer({ min: 0, max: 2 }), symbol: fc.integer({ min: -1, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('admin' as const), account: fc.integer({ min: 0, max: 2 }), symbol: fc.integer({ min: 0, max: 1 }), what: fc.constantFrom(CommandType.HALT_SYMBOL, CommandType.RESUME_SYMBOL, CommandType.DISABLE_ACCOUNT, CommandType.ENABLE_ACCOUNT) }) },
);

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;
interface LiveOrder { id: number; account: number; symbol: number; clord: string }

/** A step as a command; cancel/replace pick one of the last few live orders (or a bogus one). */
function commandOf(s: Step, live: readonly LiveOrder[], i: number): Command {
  if (s.k === 'new') {
    const market = s.market && s.tif !== TimeInForce.GTC;
    return {
      type: CommandType.NEW, symbolId: s.symbol, accountId: s.account, side: s.side, orderType: market ? OrderType.MARKET : OrderType.LIMIT,
      tif: s.tif, stp: s.stp, price: market ? 0 : s.price, qty: s.qty, clientOrderId: `c${s.clord}`, correlationId: i,
    };
  }
  if (s.k === 'cancel' || s.k === 'replace') {
    const t = live.length ? live[live.length - 1 - (s.pick % Math.min(live.length, 6))] : { id: 123456, account: 0, symbol: 0, clord: 'none' };
    const byClient = s.k === 'cancel' && s.byClient;
    return {
      type: s.k === 'cancel' ? CommandType.CANCEL : CommandType.REPLACE, symbolId: t.symbol, accountId: t.account,
      orderId: byClient ? 0 : t.id, byClientId: byClient, clientOrderId: byClient ? t.clord : undefined, correlationId: i,
      price: s.k === 'replace' ? s.price : 0, qty: s.k === 'replace' ? s.qty : 0,
    };
  }
  if (s.k === 'mass') return { type: CommandType.MASS_CANCEL, symbolId: s.symbol, accountId: s.account, correlationId: i };
  return { type: s.what, symbolId: s.symbol, accountId: s.account, correlationId: i };
}

/**
 * An independent statement of the admission rules for NEW (docs/engine.md, "Pre-trade risk"), in
 * the order the risk stage applies them. Inputs: the account's reservations and the live client ids
 * as the engine holds them (their balance is checked separately), the kill switches and the band
 * reference this model tracks itself from the commands and trades.
 */
class AdmissionModel {
  readonly disabled = [false, false, false];
  readonly halted = [false, false];
  readonly reference: number[];

  constructor(private readonly spec: EngineSpec) {
    this.reference = spec.symbols.map((x) => x.referencePrice);
  }

  band(s: number): [number, number] {
    const ref = BigInt(this.reference[s]);
    const bps = BigInt(this.spec.symbols[s].bandBps);
    const low = (ref * (10_000n - bps) + 9_999n) / 10_000n;
    const high = (ref * (10_000n + bps)) / 10_000n;
    return [Math.max(1, Number(low)), Number(high)];
  }

  expected(cmd: Command, risk: RiskEngine): number {
    const a = cmd.accountId;
    const s = cmd.symbolId;
    const sym = this.spec.symbols[s];
    const acc = this.spec.accounts[a];
    if (this.disabled[a]) return ResultCode.RISK_ACCOUNT_DISABLED;
    if (this.halted[s]) return ResultCode.RISK_SYMBOL_HALTED;
    const qty = cmd.qty ?? 0;
    if (qty > sym.maxOrderQty) return ResultCode.RISK_MAX_ORDER_QTY;
    const [low, high] = this.band(s);
    const price = cmd.orderType === OrderType.MARKET ? (cmd.side === Side.BUY ? high : low) : (cmd.price ?? 0);
    if (cmd.orderType !== OrderType.MARKET && (price < low || price > high)) return ResultCode.RISK_PRICE_BAND;
    const notional = BigInt(price) * BigInt(qty) * BigInt(sym.notionalPerTickLot);
    if (notional > sym.maxOrderNotional) return ResultCode.RISK_MAX_ORDER_NOTIONAL;
    const book = risk.account(a);
    if (book.openOrders + 1 > acc.maxOpenOrders) return ResultCode.RISK_MAX_OPEN_ORDERS;
    if (book.openNotional + notional > acc.creditLimit) return ResultCode.RISK_CREDIT_LIMIT;
    const pos = book.positions[s];
    if (cmd.side === Side.BUY ? pos + book.buyOpen[s] + qty > acc.maxPosition[s] : book.sellOpen[s] + qty - pos > acc.maxPosition[s]) return ResultCode.RISK_MAX_POSITION;
    if (risk.clientIds().some((x) => x.startsWith(`${a}:${cmd.clientOrderId}:`))) return ResultCode.RISK_DUPLICATE_CLIENT_ORDER_ID;
    return ResultCode.OK;
  }
}

describe('risk stage + matching on random streams', () => {
  it('accepts and rejects every new order exactly as the admission rules say', () => {
    const decided = new Map<number, number>();
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 150, size: 'max' }), (steps) => {
        // Each account bound by another limit first: a0 its open-order count, a1 its position,
        // a2 its credit.
        const spec = testSpec({ accounts: [
          { id: 'a0', apiKey: 'k0', creditLimit: '30000', maxOpenOrders: 2, maxPosition: '1000' },
          { id: 'a1', apiKey: 'k1', creditLimit: '1000000', maxOpenOrders: 1000, maxPosition: '20' },
          { id: 'a2', apiKey: 'k2', creditLimit: '2000', maxOpenOrders: 1000, maxPosition: '100000' },
        ] });
        const eng = new InlineEngine(spec);
        const model = new AdmissionModel(spec);
        const live: LiveOrder[] = [];
        let i = 0;
        for (const st of steps) {
          const cmd = commandOf(st, live, ++i);
          const want = cmd.type === CommandType.NEW ? model.expected(cmd, eng.risk) : null;
          const events = eng.submit(cmd);
          if (want !== null) {
            const first = events[0];
            const got = first.type === EventType.REJECTED ? first.code : ResultCode.OK;
            expect(got, `${JSON.stringify(cmd)} → ${first.type}`).toBe(want);
            decided.set(want, (decided.get(want) ?? 0) + 1);
          }
          if (cmd.type === CommandType.HALT_SYMBOL || cmd.type === CommandType.RESUME_SYMBOL) model.halted[cmd.symbolId] = cmd.type === CommandType.HALT_SYMBOL;
          if (cmd.type === CommandType.DISABLE_ACCOUNT || cmd.type === CommandType.ENABLE_ACCOUNT) model.disabled[cmd.accountId] = cmd.type === CommandType.DISABLE_ACCOUNT;
          for (const e of events) {
            if (e.type === EventType.ACCEPTED) live.push({ id: e.orderId, account: e.accountId, symbol: e.symbolId, clord: e.clientOrderId });
            if (e.type === EventType.TRADE) model.reference[e.symbolId] = e.lastPrice;
          }
        }
      }),
      { numRuns: 300 },
    );
    // The streams reach every rule (a model that only ever says OK would not pass this).
    for (const code of [ResultCode.OK, ResultCode.RISK_ACCOUNT_DISABLED, ResultCode.RISK_MAX_ORDER_QTY, ResultCode.RISK_SYMBOL_HALTED, ResultCode.RISK_PRICE_BAND, ResultCode.RISK_MAX_ORDER_NOTIONAL,
      ResultCode.RISK_MAX_OPEN_ORDERS, ResultCode.RISK_CREDIT_LIMIT, ResultCode.RISK_MAX_POSITION, ResultCode.RISK_DUPLICATE_CLIENT_ORDER_ID]) {
      expect(decided.get(code) ?? 0, `decisions with code ${code}`).toBeGreaterThan(0);
    }
  });

  it('keeps reservations equal to the live orders and returns to zero when the books are empty', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 150, size: 'max' }), (steps) => {
        const eng = new InlineEngine(testSpec());
        const live: LiveOrder[] = [];
        const net = [[0, 0], [0, 0], [0, 0]];
        let i = 0;
        for (const s of steps) {
          const cmd = commandOf(s, live, ++i);
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

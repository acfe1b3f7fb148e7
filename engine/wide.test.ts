import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileConfig } from './config.ts';
import { CommandType, EventType, OrderType, ResultCode, Side, TimeInForce } from './codes.ts';
import { InlineEngine } from './inline-engine.ts';
import { HI, LO, wideAdd, wideCmp, wideFromBigInt, wideMul, wideSub, wideSum, wideToBigInt, wr } from './wide.ts';

const MAX = 9223372036854775807n;
const u52 = fc.bigInt({ min: 0n, max: 2n ** 52n - 1n });
const u63 = fc.bigInt({ min: 0n, max: MAX });

describe('wide notional arithmetic (two doubles) equals BigInt', () => {
  it('multiply, add, subtract and compare, over the whole int64 range', () => {
    fc.assert(fc.property(u52, u52, (a, b) => {
      const p = a * b;
      const ok = wideMul(Number(a), Number(b));
      expect(ok).toBe(p <= MAX);
      if (ok) expect(wideToBigInt(wr[HI], wr[LO])).toBe(p);
    }), { numRuns: 5_000 });
    fc.assert(fc.property(u63, u63, (a, b) => {
      const [x, y] = a <= b ? [a, b] : [b, a];
      wideFromBigInt(x);
      const xh = wr[HI];
      const xl = wr[LO];
      wideFromBigInt(y);
      const yh = wr[HI];
      const yl = wr[LO];
      expect(wideCmp(xh, xl, yh, yl)).toBe(x === y ? 0 : -1);
      expect(wideCmp(yh, yl, xh, xl)).toBe(x === y ? 0 : 1);
      const hi = Float64Array.of(yh);
      const lo = Float64Array.of(yl);
      wideSub(hi, lo, 0, xh, xl);
      expect(wideToBigInt(hi[0], lo[0])).toBe(y - x);
      wideAdd(hi, lo, 0, xh, xl);
      expect(wideToBigInt(hi[0], lo[0])).toBe(y);
      if (x + y <= MAX) {
        wideSum(xh, xl, yh, yl);
        expect(wideToBigInt(wr[HI], wr[LO])).toBe(x + y);
      }
    }), { numRuns: 5_000 });
  });
});

describe('notional beyond 2^53 units (issue #13)', () => {
  it('a 100,000,000 USD account trades 1-satoshi lots at 100,000 USD/BTC, credit checked to the unit', () => {
    const spec = compileConfig({
      shards: 1, notionalDecimals: 10, orderCapacityPerShard: 1024, riskOrderCapacity: 1024, ringCapacity: 1024,
      symbols: [{ symbol: 'BTC-USD', tickSize: '0.01', lotSize: '0.00000001', referencePrice: '100000', priceBandPct: 10, maxOrderQty: '1000', maxOrderNotional: '100000000' }],
      accounts: [
        { id: 'whale', creditLimit: '100000000', maxOpenOrders: 100, maxPosition: '100000' },
        { id: 'other', creditLimit: '100000000', maxOpenOrders: 100, maxPosition: '100000' },
      ],
    });
    expect(spec.accounts[0].creditLimit).toBe(10n ** 18n); // 100M USD in 1e-10 units: far above 2^53
    const eng = new InlineEngine(spec);
    const buy = (id: string, price: number, qty: number): number => {
      const ev = eng.submit({ type: CommandType.NEW, symbolId: 0, accountId: 0, side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price, qty, clientOrderId: id });
      return ev[0].type === EventType.REJECTED ? ev[0].code : 0;
    };
    // 999.99999999 BTC at 100,000.00: 99,999,999.999 USD of the 100M — one order, exact.
    expect(buy('big', 10_000_000, 99_999_999_999)).toBe(0);
    expect(eng.risk.account(0).openNotional).toBe(10_000_000n * 99_999_999_999n);
    // Left: 0.001 USD = 10^7 units. One satoshi at 100,000.00 is 0.001 USD: fits exactly …
    expect(buy('last', 10_000_000, 1)).toBe(0);
    expect(eng.risk.account(0).openNotional).toBe(10n ** 18n);
    // … and one more satoshi does not.
    expect(buy('over', 10_000_000, 1)).toBe(ResultCode.RISK_CREDIT_LIMIT);
    eng.risk.validateInternalState();
    // A fill releases exactly what it used: a seller takes 0.5 BTC.
    const sell = eng.submit({ type: CommandType.NEW, symbolId: 0, accountId: 1, side: Side.SELL, orderType: OrderType.LIMIT, tif: TimeInForce.IOC, price: 10_000_000, qty: 50_000_000, clientOrderId: 's' });
    expect(sell.some((e) => e.type === EventType.TRADE)).toBe(true);
    expect(eng.risk.account(0).openNotional).toBe(10n ** 18n - 10_000_000n * 50_000_000n);
    eng.risk.validateInternalState();
    // Snapshot round trip keeps every unit.
    const copy = new InlineEngine(spec);
    copy.risk.importState(JSON.parse(JSON.stringify(eng.risk.exportState())));
    expect(copy.risk.stateHash()).toBe(eng.risk.stateHash());
    expect(copy.risk.account(0).openNotional).toBe(eng.risk.account(0).openNotional);
  });
});

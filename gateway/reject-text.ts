/**
 * G — what a refused order was refused for, in words: the `rejectText` of an execution report,
 * beside its stable `rejectCode` / `rejectReason`. Says what was wrong and what is allowed, from
 * the symbol's and the account's limits in the config and the event itself; the price band from
 * the last trade price the gateway saw (the risk stage moves its band with every trade it applies,
 * so under a burst of trades the band it used can be a trade older). Plain ASCII. Cold path
 * (refusals only).
 */
import { ResultCode } from '../engine/codes.ts';
import { EVT_ACCOUNT, EVT_CLORD, EVT_OTHER_CLORD, EVT_PRICE, EVT_QTY, EVT_SYMBOL } from '../engine/event-slot.ts';
import { formatUnits, formatUnitsBig } from '../engine/decimal.ts';
import { getI64 } from '../engine/int64.ts';
import { readClordString } from '../engine/command-slot.ts';
import { bandHigh, bandLow } from '../engine/risk-core.ts';
import type { EngineSpec } from '../engine/config.ts';

export interface RejectContext {
  spec: EngineSpec;
  /** The risk stage's reference price of a symbol as the gateway knows it (ticks): the last trade, or the snapshot's after a restart; 0: the configured one. */
  lastPrice(symbol: number): number;
}

/** The words for a refusal event, or undefined when its code says it all. */
export function rejectText(code: number, w: Int32Array, b: number, ctx: RejectContext): string | undefined {
  const spec = ctx.spec;
  const sym = spec.symbols[w[b + EVT_SYMBOL]];
  const acct = spec.accounts[w[b + EVT_ACCOUNT]];
  if (!sym) return undefined;
  const price = getI64(w, b + EVT_PRICE);
  const qty = getI64(w, b + EVT_QTY);
  const px = (v: number): string => formatUnits(v, sym.tick);
  const lots = (v: number): string => formatUnits(v, sym.lot);
  const notional = (v: bigint): string => formatUnitsBig(v, spec.notionalUnit);
  switch (code) {
    case ResultCode.RISK_MAX_ORDER_QTY:
      return `quantity ${lots(qty)} is above the maximum order quantity ${lots(sym.maxOrderQty)} for ${sym.name}`;
    case ResultCode.RISK_MAX_ORDER_NOTIONAL:
      return `the order's notional (price x quantity${price === 0 ? ', a market order at the band edge' : ''}) is above the maximum ${notional(sym.maxOrderNotional)} for ${sym.name}`;
    case ResultCode.RISK_PRICE_BAND: {
      const last = ctx.lastPrice(sym.id);
      const ref = last > 0 ? last : sym.referencePrice;
      const pct = (sym.bandBps / 100).toFixed(sym.bandBps % 100 === 0 ? 0 : 2);
      return `price ${px(price)} is outside the price band ${px(bandLow(ref, sym.bandBps))} to ${px(bandHigh(ref, sym.bandBps))} for ${sym.name}: ${px(ref)} +/- ${pct}% (the last trade price; the configured reference before the first trade)`;
    }
    case ResultCode.RISK_CREDIT_LIMIT:
      return acct
        ? `not enough credit: the account's credit limit is ${notional(acct.creditLimit)}, and open orders and positions already use part of it`
        : undefined;
    case ResultCode.RISK_MAX_OPEN_ORDERS:
      return acct ? `the account already has its maximum of ${acct.maxOpenOrders} open orders: cancel some first` : undefined;
    case ResultCode.RISK_MAX_POSITION:
      return acct ? `the order could take the account's position in ${sym.name} past its limit of ${lots(acct.maxPosition[sym.id] ?? 0)}` : undefined;
    case ResultCode.RISK_SYMBOL_HALTED:
      return `${sym.name} is halted: orders are refused until an operator resumes it`;
    case ResultCode.RISK_ACCOUNT_DISABLED:
      return 'the account is disabled (kill switch): orders are refused until an operator enables it';
    case ResultCode.RISK_DUPLICATE_CLIENT_ORDER_ID: {
      // A replace's new id is the one refused (EVT_OTHER_CLORD); a new order's own id otherwise.
      const id = readClordString(w, b + EVT_OTHER_CLORD) || readClordString(w, b + EVT_CLORD);
      return `clientOrderId ${id} is already used by an open order of this account`;
    }
    case ResultCode.RISK_UNKNOWN_ORDER:
      return `no open order of this account matches (it may have filled, been canceled, or never existed) in ${sym.name}`;
    default:
      return undefined;
  }
}

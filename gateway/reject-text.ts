/**
 * G — what a refused order was refused for, in words: the `rejectText` of an execution report,
 * beside its stable `rejectCode` / `rejectReason`. Says what was wrong and what is allowed, from
 * the symbol's and the account's limits in the config and the event itself; the price band from
 * the last trade price the gateway saw (the risk stage moves its band with every trade it applies,
 * so under a burst of trades the band it used can be a trade older). Plain ASCII. Cold path
 * (refusals only).
 */
import { CommandType, OrderType, ResultCode, Side, TimeInForce } from '../engine/codes.ts';
import {
  EVT_ACCOUNT, EVT_CLORD, EVT_COMMAND_TYPE, EVT_DISPLAY_QTY, EVT_EXPIRE_TIME, EVT_META, EVT_OTHER_CLORD, EVT_PRICE, EVT_QTY, EVT_STOP_PRICE,
  EVT_SYMBOL,
} from '../engine/event-slot.ts';
import { formatUnits, formatUnitsBig } from '../engine/decimal.ts';
import { getI64 } from '../engine/int64.ts';
import { metaSide, metaTif, metaType, readClordString } from '../engine/command-slot.ts';
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
  // The reference the risk stage and the stops use: the last trade, before any the configured price.
  const lastTrade = (): number => {
    const last = ctx.lastPrice(sym.id);
    return last > 0 ? last : sym.referencePrice;
  };
  const band = (ref: number): string => {
    const pct = (sym.bandBps / 100).toFixed(sym.bandBps % 100 === 0 ? 0 : 2);
    return `${px(bandLow(ref, sym.bandBps))} to ${px(bandHigh(ref, sym.bandBps))} for ${sym.name}: ${px(ref)} +/- ${pct}%`;
  };
  const meta = w[b + EVT_META];
  const stopPrice = getI64(w, b + EVT_STOP_PRICE);
  switch (code) {
    case ResultCode.RISK_MAX_ORDER_QTY:
      return `quantity ${lots(qty)} is above the maximum order quantity ${lots(sym.maxOrderQty)} for ${sym.name}`;
    case ResultCode.RISK_MAX_ORDER_NOTIONAL:
      return `the order's notional (price x quantity${price === 0 ? ', a market order at the band edge' : ''}) is above the maximum ${notional(sym.maxOrderNotional)} for ${sym.name}`;
    case ResultCode.RISK_PRICE_BAND:
      return `price ${px(price)} is outside the price band ${band(lastTrade())} (the last trade price; the configured reference before the first trade)`;
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
      if (w[b + EVT_COMMAND_TYPE] === CommandType.NEW_OCO) {
        return `clientOrderId ${readClordString(w, b + EVT_CLORD)} or ${readClordString(w, b + EVT_OTHER_CLORD)} is already used by an open order of this account (or the two legs share one)`;
      }
      // A replace's new id is the one refused (EVT_OTHER_CLORD); a new order's own id otherwise.
      const id = readClordString(w, b + EVT_OTHER_CLORD) || readClordString(w, b + EVT_CLORD);
      return `clientOrderId ${id} is already used by an open order of this account`;
    }
    case ResultCode.RISK_UNKNOWN_ORDER:
      return `no open order of this account matches (it may have filled, been canceled, or never existed) in ${sym.name}`;
    case ResultCode.RISK_INVALID_STOP_PRICE: {
      if (w[b + EVT_COMMAND_TYPE] === CommandType.REPLACE) {
        return 'a replace can change stopPrice only of a stop or stop_limit order still waiting for its trigger (orderStatus pending_trigger)';
      }
      const type = metaType(meta);
      if ((type === OrderType.STOP || type === OrderType.STOP_LIMIT || w[b + EVT_COMMAND_TYPE] === CommandType.NEW_OCO) && stopPrice <= 0) {
        return `a stop or stop_limit order (and the stop leg of new_oco) needs a stopPrice: a positive multiple of the tick size ${sym.tickSize} for ${sym.name}`;
      }
      if (type === OrderType.LIMIT || type === OrderType.MARKET) return 'stopPrice is only for orderType stop and stop_limit (and the stop leg of new_oco): leave it out of limit and market orders';
      return 'the stop price is not valid for this order';
    }
    case ResultCode.RISK_INVALID_DISPLAY_QTY: {
      const display = getI64(w, b + EVT_DISPLAY_QTY);
      return `displayQuantity ${lots(display)} is not allowed: it must be from one lot (${sym.lotSize}) up to the order quantity ${lots(qty)}, on a limit or stop_limit order with timeInForce GTC or GTD`;
    }
    case ResultCode.RISK_INVALID_EXPIRE_TIME: {
      const expire = getI64(w, b + EVT_EXPIRE_TIME);
      if (metaTif(meta) !== TimeInForce.GTD) return 'expireTime is only for timeInForce GTD: set timeInForce "GTD" or leave expireTime out';
      if (expire <= 0) return 'timeInForce GTD needs an expireTime: milliseconds since the Unix epoch (UTC), in the future';
      // Dates beyond the year 275760 have no ISO form (toISOString would throw).
      const when = expire <= 8.64e15 ? ` (${new Date(expire).toISOString()})` : '';
      return `expireTime ${expire}${when} is not after the time the order reached the engine: a GTD order needs an expireTime in the future (ms since the Unix epoch, UTC)`;
    }
    case ResultCode.MATCH_STOP_WOULD_TRIGGER: {
      const buy = metaSide(meta) === Side.BUY;
      // A refused replace describes the order as it stays (its current stop price), not the one asked for.
      const what = w[b + EVT_COMMAND_TYPE] === CommandType.REPLACE ? 'the stopPrice of this replace' : `stopPrice ${px(stopPrice)}`;
      return `${what} would trigger at once: the last trade price in ${sym.name} is ${px(lastTrade())}, and a ${buy ? 'buy stop triggers when it is at or above' : 'sell stop triggers when it is at or below'} its stopPrice (place a ${buy ? 'buy stop above' : 'sell stop below'} the last trade price)`;
    }
    case ResultCode.MATCH_STOP_PRICE_BAND:
      return `the stop_limit order triggered, but its limit price ${px(price)} is outside the price band ${band(lastTrade())} (around the last trade price at the trigger): the order was rejected`;
    case ResultCode.MATCH_STOP_ALREADY_TRIGGERED:
      return 'the stop order triggered before this replace arrived: its stopPrice can no longer be changed (price and quantity can, as for a limit order)';
    case ResultCode.MATCH_REPLACE_PRICE_BAND:
      return `the new price is outside the price band ${band(lastTrade())} around the last trade price (the stop_limit order had triggered): the order is unchanged`;
    default:
      return undefined;
  }
}

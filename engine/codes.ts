/**
 * Stable numeric vocabulary of the engine. Hot-path outcomes are numbers, grouped by stage
 * (risk −2xxx, matching −3xxx, gateway ≤ −10000). A retired code is never reused: add new
 * ones at the end of their group.
 */

export const Side = { BUY: 1, SELL: 2 } as const;
/**
 * STOP (stop-market) and STOP_LIMIT wait for the symbol's last trade price to reach their stop
 * price, then act as MARKET / LIMIT orders (docs/order-types.md).
 */
export const OrderType = { LIMIT: 1, MARKET: 2, STOP: 3, STOP_LIMIT: 4 } as const;
/** GTD: good till the order's expireTime (ms since the epoch), in engine time (docs/order-types.md). */
export const TimeInForce = { GTC: 1, IOC: 2, FOK: 3, GTD: 4 } as const;
export const Stp = { NONE: 0, CANCEL_NEWEST: 1, CANCEL_OLDEST: 2, CANCEL_BOTH: 3, DECREMENT: 4 } as const;

export const CommandType = {
  NEW: 1,
  CANCEL: 2,
  REPLACE: 3,
  MASS_CANCEL: 4,
  HALT_SYMBOL: 5,
  RESUME_SYMBOL: 6,
  DISABLE_ACCOUNT: 7,
  ENABLE_ACCOUNT: 8,
  /** Advances the risk stage's release clock (see RiskAgent); produces no event. */
  TICK: 9,
  /**
   * Engine time advances to the command's ingress time: every shard expires its GTD orders due by
   * then. Sent by the gateway on a timer; forwarded by the risk stage only while GTD orders live.
   */
  CLOCK: 10,
  /** One-cancels-other: a limit leg and a stop / stop-limit leg in one command (docs/order-types.md). */
  NEW_OCO: 11,
} as const;

export const EventType = {
  ACCEPTED: 1,
  TRADE: 2,
  CANCELED: 3,
  REPLACED: 4,
  REJECTED: 5,
  EXPIRED: 6,
  /** An admin command took effect (code = the CommandType). */
  ADMIN: 7,
  /** A mass cancel finished in this shard (lastQty = how many orders it canceled). */
  MASS_CANCEL_DONE: 8,
  /** A stop order's stop price was reached: it leaves the stop table and acts as a market / limit order. */
  TRIGGERED: 9,
} as const;

export const OrderStatus = {
  NEW: 1,
  PARTIALLY_FILLED: 2,
  FILLED: 3,
  CANCELED: 4,
  REJECTED: 5,
  EXPIRED: 6,
  /** A stop order waiting for its stop price (not in the book, not in market data). */
  PENDING_TRIGGER: 7,
} as const;

/** Why an order left the book without filling (the `code` of CANCELED / EXPIRED / REPLACED events). */
export const Reason = {
  NONE: 0,
  USER: 1,
  IOC_REMAINDER: 2,
  STP: 3,
  KILL_SWITCH: 4,
  MASS_CANCEL: 5,
  MARKET_REMAINDER: 6,
  FOK_NOT_FILLABLE: 7,
  /** REPLACED event produced by STP decrement (quantity reduced by the engine, not the user). */
  STP_DECREMENT: 8,
  /** Canceled because its one-cancels-other sibling filled, triggered or was canceled. */
  OCO: 9,
  /** A GTD order's expireTime was reached. */
  GTD_EXPIRED: 10,
} as const;

export const ResultCode = {
  OK: 0,

  // Risk stage −2xxx
  RISK_UNKNOWN_ACCOUNT: -2001,
  RISK_ACCOUNT_DISABLED: -2002,
  RISK_SYMBOL_HALTED: -2003,
  RISK_MAX_ORDER_QTY: -2004,
  RISK_MAX_ORDER_NOTIONAL: -2005,
  RISK_PRICE_BAND: -2006,
  RISK_CREDIT_LIMIT: -2007,
  RISK_MAX_OPEN_ORDERS: -2008,
  RISK_MAX_POSITION: -2009,
  RISK_DUPLICATE_CLIENT_ORDER_ID: -2010,
  RISK_UNKNOWN_ORDER: -2011,
  RISK_ORDER_CAPACITY: -2012,
  RISK_INVALID_PRICE: -2013,
  RISK_INVALID_QUANTITY: -2014,
  RISK_INVALID_ORDER: -2015,
  RISK_UNKNOWN_SYMBOL: -2016,
  RISK_PRICE_OFF_TICK: -2017,
  RISK_QUANTITY_OFF_LOT: -2018,
  RISK_BAD_DECIMAL: -2019,
  RISK_REPLACE_PENDING: -2020,
  /** Retired: client ids are now compared exactly, a hash collision cannot reject. */
  RISK_CLIENT_ORDER_ID_COLLISION: -2021,
  RISK_UNKNOWN_COMMAND: -2022,
  /** A stop order without a valid stop price (or a stop price on another order type). */
  RISK_INVALID_STOP_PRICE: -2023,
  /** displayQuantity not in 1..quantity, or on an order that cannot rest. */
  RISK_INVALID_DISPLAY_QTY: -2024,
  /** GTD without an expireTime in the future (engine time), or an expireTime without GTD. */
  RISK_INVALID_EXPIRE_TIME: -2025,

  // Matching −3xxx
  MATCH_UNKNOWN_ORDER: -3001,
  MATCH_POST_ONLY_WOULD_TAKE: -3002,
  MATCH_REPLACE_QTY_TOO_LOW: -3003,
  MATCH_BOOK_CAPACITY: -3004,
  MATCH_DUPLICATE_ORDER_ID: -3005,
  MATCH_UNKNOWN_COMMAND: -3006,
  /** A stop whose stop price the last trade price has already reached (placement or replace). */
  MATCH_STOP_WOULD_TRIGGER: -3007,
  /** A stop-limit triggered with its limit price outside the price band around the last trade. */
  MATCH_STOP_PRICE_BAND: -3008,
  /** A replace with a stop price for a stop that triggered meanwhile. */
  MATCH_STOP_ALREADY_TRIGGERED: -3009,
  /**
   * A replace moving a triggered stop-limit's price outside the band around the last trade: the
   * shard checks it (the risk stage skips the band while it believes the stop still waits).
   */
  MATCH_REPLACE_PRICE_BAND: -3010,
} as const;

export type ResultCodeValue = (typeof ResultCode)[keyof typeof ResultCode];

const CODE_NAMES = new Map<number, string>(Object.entries(ResultCode).map(([k, v]) => [v, k]));
const REASON_NAMES = new Map<number, string>(Object.entries(Reason).map(([k, v]) => [v, k]));

/** Cold: the stable name of a result code ("RISK_CREDIT_LIMIT"), or "UNKNOWN_<n>". */
export function codeName(code: number): string {
  return CODE_NAMES.get(code) ?? `UNKNOWN_${code}`;
}

export function reasonName(reason: number): string {
  return REASON_NAMES.get(reason) ?? `UNKNOWN_${reason}`;
}

/** Is this a risk-stage code (the risk stage rejected the command before matching)? */
export function isRiskCode(code: number): boolean {
  return code <= -2000 && code > -3000;
}

/**
 * G — the public WebSocket protocol (JSON text frames): decode and validate client messages,
 * encode server messages. The contract is documented in docs/protocol.md; field names here are
 * stable (add fields, never rename).
 *
 * Decoding writes order-entry requests straight into an engine command slot. Anything malformed
 * becomes a ProtocolError with a stable code and a message that says what to fix.
 */
import { CommandType, OrderStatus, OrderType, Reason, ResultCode, Side, Stp, TimeInForce, codeName } from '../engine/codes.ts';
import {
  CMD_ACCOUNT, CMD_CLORD, CMD_CORRELATION, CMD_DISPLAY_QTY, CMD_EXPIRE_TIME, CMD_META, CMD_NEW_CLORD, CMD_OCO_META, CMD_OCO_PRICE, CMD_ORDER_ID,
  CMD_PRICE, CMD_QTY, CMD_STOP_PRICE, CMD_SYMBOL, CMD_TYPE,
  isValidClientOrderId, metaSide, metaTif, metaType, packMeta, writeClordString, readClordString,
} from '../engine/command-slot.ts';
import {
  EVT_CLORD, EVT_CODE, EVT_COMMAND_TYPE, EVT_CUM, EVT_DISPLAY_QTY, EVT_EXPIRE_TIME, EVT_LAST_PRICE, EVT_LAST_QTY, EVT_LEAVES, EVT_MAKER_CUM,
  EVT_MAKER_LEAVES, EVT_MAKER_META, EVT_MAKER_ORDER_ID, EVT_MAKER_QTY, EVT_MAKER_STATUS, EVT_META, EVT_OCO_GROUP, EVT_OCO_ORDER_ID, EVT_ORDER_ID,
  EVT_OTHER_CLORD, EVT_PRICE, EVT_QTY, EVT_SEQ, EVT_STATUS, EVT_STOP_PRICE, EVT_TRADE_ID, EVT_TS, EVT_TYPE,
  hasOrderExtension,
} from '../engine/event-slot.ts';
import { EventType } from '../engine/codes.ts';
import { formatUnits, unitsOf } from '../engine/decimal.ts';
import { getI64, putI64 } from '../engine/int64.ts';
import type { EngineSpec, SymbolSpec } from '../engine/config.ts';
import { rejectText } from './reject-text.ts';
import type { RejectContext } from './reject-text.ts';

/** Gateway result codes (≤ −10000). Stable; retired codes are never reused. */
export const GatewayCode = {
  BAD_JSON: -10001,
  UNKNOWN_TYPE: -10002,
  MISSING_FIELD: -10003,
  BAD_FIELD: -10004,
  NOT_AUTHENTICATED: -10005,
  AUTH_FAILED: -10006,
  RATE_LIMITED: -10007,
  FRAME_TOO_LARGE: -10008,
  ENGINE_BUSY: -10009,
  FORBIDDEN: -10010,
  BAD_BINARY: -10011,
  ALREADY_AUTHENTICATED: -10012,
  /** The matching shard of this symbol (or the risk stage) is being restarted: retry shortly. */
  SHARD_RECOVERING: -10013,
  /** The shard died and cannot be rebuilt in this process (no journal): operator action needed. */
  SHARD_FAILED: -10014,
  /** The request could not be handled (a server bug, logged and counted); the connection stays. */
  INTERNAL_ERROR: -10015,
  /** Too many subscriptions on this connection (see maxSubscriptions). */
  TOO_MANY_SUBSCRIPTIONS: -10016,
  /** The journal cannot write (durable mode: nothing could be acknowledged): retry when health is ok. */
  JOURNAL_UNAVAILABLE: -10017,
  /** An order, fill or resource this account cannot see (unknown, another account's, or out of the kept window). */
  NOT_FOUND: -10018,
  /** An Idempotency-Key (or clientOrderId) reused for a different order. */
  IDEMPOTENCY_CONFLICT: -10019,
  /** An HTTP body that is not application/json. */
  UNSUPPORTED_MEDIA_TYPE: -10020,
} as const;

const GATEWAY_NAMES = new Map<number, string>(Object.entries(GatewayCode).map(([k, v]) => [v, k]));

export function errorName(code: number): string {
  return GATEWAY_NAMES.get(code) ?? codeName(code);
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(
    readonly code: number,
    message: string,
    readonly id?: string | number,
  ) {
    super(message);
  }
}

export const SIDES: Record<string, number> = { buy: Side.BUY, sell: Side.SELL };
export const ORDER_TYPES: Record<string, number> = { limit: OrderType.LIMIT, market: OrderType.MARKET, stop: OrderType.STOP, stop_limit: OrderType.STOP_LIMIT };
export const TIFS: Record<string, number> = { GTC: TimeInForce.GTC, IOC: TimeInForce.IOC, FOK: TimeInForce.FOK, GTD: TimeInForce.GTD };
export const STPS: Record<string, number> = {
  none: Stp.NONE, cancel_newest: Stp.CANCEL_NEWEST, cancel_oldest: Stp.CANCEL_OLDEST, cancel_both: Stp.CANCEL_BOTH, decrement: Stp.DECREMENT,
};
export const SIDE_NAMES = ['', 'buy', 'sell'];
export const TYPE_NAMES = ['', 'limit', 'market', 'stop', 'stop_limit'];
export const TIF_NAMES = ['', 'GTC', 'IOC', 'FOK', 'GTD'];
export const STATUS_NAMES = ['', 'new', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired', 'pending_trigger'];
export const REASON_NAMES: Record<number, string> = {
  [Reason.USER]: 'user', [Reason.IOC_REMAINDER]: 'ioc_remainder', [Reason.STP]: 'self_trade_prevention', [Reason.KILL_SWITCH]: 'kill_switch',
  [Reason.MASS_CANCEL]: 'mass_cancel', [Reason.MARKET_REMAINDER]: 'market_remainder', [Reason.FOK_NOT_FILLABLE]: 'fok_not_fillable',
  [Reason.STP_DECREMENT]: 'self_trade_prevention_decrement', [Reason.OCO]: 'oco', [Reason.GTD_EXPIRED]: 'gtd_expired', [Reason.NONE]: 'none',
};

/**
 * Does a report of this order type show its price? Not for market and stop-market orders: their
 * price field holds the engine's band-edge protection price, an internal bound ("" as for market).
 */
export function showsPrice(orderType: number): boolean {
  return orderType !== OrderType.MARKET && orderType !== OrderType.STOP;
}

export type ClientMessage = Record<string, unknown> & { type?: unknown; id?: unknown };

/** The request id to echo: a string or a safe integer, else undefined. */
export function requestId(m: ClientMessage): string | number | undefined {
  const id = m.id;
  if (typeof id === 'string' && id.length <= 64) return id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
  return undefined;
}

/** Deepest JSON nesting a client message may have (requests are flat objects with flat arrays). */
export const MAX_JSON_DEPTH = 8;

/**
 * How deeply `text` nests arrays/objects (strings skipped), stopping at `limit` + 1: checked before
 * JSON.parse, so no recursive work (parse, stringify, error messages) ever sees a deep document.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \\ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) {
      inString = true;
    } else if (ch === 91 /* [ */ || ch === 123 /* { */) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (ch === 93 /* ] */ || ch === 125 /* } */) {
      depth--;
    }
  }
  return max;
}

/**
 * Why the last message on the order path was refused. The order path (parseJson,
 * encodeOrderEntry) returns null/false and fills this instead of throwing: refusals are expected
 * (off-tick prices, unknown symbols), exceptions are for bugs. Read it at once: the next refusal
 * overwrites it (one per thread; nothing is retained).
 */
export const refusal: { code: number; message: string; id: string | number | undefined } = { code: 0, message: '', id: undefined };

export function refuse(code: number, message: string, id: string | number | undefined): null {
  refusal.code = code;
  refusal.message = message;
  refusal.id = id;
  return null;
}

/** A client message from JSON text, or null (see `refusal`: BAD_JSON). */
export function parseJson(text: string): ClientMessage | null {
  if (jsonDepth(text) > MAX_JSON_DEPTH) return refuse(GatewayCode.BAD_JSON, `nested deeper than ${MAX_JSON_DEPTH} levels`, undefined);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    // JSON.parse reports bad syntax only by throwing: caught here, at its source.
    return refuse(GatewayCode.BAD_JSON, `not valid JSON: ${(e as Error).message}`, undefined);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return refuse(GatewayCode.BAD_JSON, 'a message must be a JSON object with a "type"', undefined);
  return v as ClientMessage;
}

/** `refuse` for the boolean-returning encoder. */
function fail(code: number, message: string, id: string | number | undefined): false {
  refuse(code, message, id);
  return false;
}

// Field readers of the order path: a value, or null after `refuse` (callers stop at the first null).

// `label`: the field's name in messages when it sits in a nested object ("limit.price" of new_oco).

function str(m: ClientMessage, field: string, id: string | number | undefined, label = field): string | null {
  const v = m[field];
  if (v === undefined || v === null) return refuse(GatewayCode.MISSING_FIELD, `"${label}" is required`, id);
  if (typeof v !== 'string') return refuse(GatewayCode.BAD_FIELD, `"${label}" must be a string`, id);
  return v;
}

/** Enum value (≥ 0), or -1 after `refuse`. */
function choice(m: ClientMessage, field: string, table: Record<string, number>, id: string | number | undefined, dflt?: number): number {
  const v = m[field];
  if ((v === undefined || v === null) && dflt !== undefined) return dflt;
  const s = str(m, field, id);
  if (s === null) return -1;
  // Own keys only: "__proto__" or "toString" are not enum values.
  const r = Object.hasOwn(table, s) ? table[s] : undefined;
  if (r === undefined) {
    refuse(GatewayCode.BAD_FIELD, `"${field}" must be one of ${Object.keys(table).join(', ')}; got "${s.slice(0, 40)}"`, id);
    return -1;
  }
  return r;
}

/** A client order id, undefined when optional and absent, or null after `refuse`. */
function clientId(m: ClientMessage, field: string, id: string | number | undefined, required: boolean, label = field): string | undefined | null {
  if (!required && (m[field] === undefined || m[field] === null)) return undefined;
  const v = str(m, field, id, label);
  if (v === null) return null;
  if (!isValidClientOrderId(v)) return refuse(GatewayCode.BAD_FIELD, `"${label}" must be 1-32 printable ASCII characters without spaces`, id);
  return v;
}

/** Units of a price or quantity (≥ 1), or -1 after `refuse`. */
function units(m: ClientMessage, field: string, sym: SymbolSpec, kind: 'price' | 'quantity', id: string | number | undefined, label = field): number {
  const text = str(m, field, id, label);
  if (text === null) return -1;
  const u = unitsOf(text, kind === 'price' ? sym.tick : sym.lot, label);
  if (typeof u === 'number') return u;
  const code = u.kind === 'off_grid' ? (kind === 'price' ? ResultCode.RISK_PRICE_OFF_TICK : ResultCode.RISK_QUANTITY_OFF_LOT) : ResultCode.RISK_BAD_DECIMAL;
  refuse(code, `${u.message} (${kind === 'price' ? `tick size ${sym.tickSize}` : `lot size ${sym.lotSize}`} for ${sym.name})`, id);
  return -1;
}

/** An optional price or quantity: 0 when absent, units ≥ 1, or -1 after `refuse`. */
function optionalUnits(m: ClientMessage, field: string, sym: SymbolSpec, kind: 'price' | 'quantity', id: string | number | undefined, label = field): number {
  return m[field] === undefined ? 0 : units(m, field, sym, kind, id, label);
}

/**
 * expireTime: ms since the Unix epoch (UTC), a JSON integer or a string of digits; 0 when absent,
 * or -1 after `refuse`. Whether it is in the future (and goes with GTD) is the risk stage's
 * question (RISK_INVALID_EXPIRE_TIME): it compares with the engine's time, not the gateway's.
 */
function expireTimeField(m: ClientMessage, id: string | number | undefined): number {
  const v = m.expireTime;
  if (v === undefined) return 0;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[1-9]\d{0,15}$/.test(v) ? Number(v) : -1;
  if (!(Number.isSafeInteger(n) && n > 0)) {
    refuse(GatewayCode.BAD_FIELD, '"expireTime" must be a positive integer of milliseconds since the Unix epoch (UTC), as a number or a string of digits', id);
    return -1;
  }
  return n;
}

/** A nested object field (new_oco's legs), or null after `refuse`. */
function objectField(m: ClientMessage, field: string, id: string | number | undefined): ClientMessage | null {
  const v = m[field];
  if (v === undefined || v === null) return refuse(GatewayCode.MISSING_FIELD, `"${field}" is required`, id);
  if (typeof v !== 'object' || Array.isArray(v)) return refuse(GatewayCode.BAD_FIELD, `"${field}" must be an object`, id);
  return v as ClientMessage;
}

function postOnlyField(m: ClientMessage, id: string | number | undefined, label = 'postOnly'): boolean | null {
  const v = m.postOnly === undefined ? false : m.postOnly;
  if (typeof v !== 'boolean') return refuse(GatewayCode.BAD_FIELD, `"${label}" must be true or false`, id);
  return v;
}

/** An order id, undefined when absent, or -1 after `refuse`. */
function orderIdField(m: ClientMessage, id: string | number | undefined): number | undefined {
  const v = m.orderId;
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'number' ? String(v) : v;
  if (typeof s !== 'string' || !/^[1-9]\d{0,15}$/.test(s) || Number(s) > Number.MAX_SAFE_INTEGER) {
    refuse(GatewayCode.BAD_FIELD, '"orderId" must be a positive integer (as a string or number)', id);
    return -1;
  }
  return Number(s);
}

export interface SymbolTable {
  bySymbol: Map<string, SymbolSpec>;
  spec: EngineSpec;
}

export function symbolTable(spec: EngineSpec): SymbolTable {
  return { bySymbol: new Map(spec.symbols.map((s) => [s.name, s])), spec };
}

function symbolOf(m: ClientMessage, t: SymbolTable, id: string | number | undefined): SymbolSpec | null {
  const name = str(m, 'symbol', id);
  if (name === null) return null;
  const s = t.bySymbol.get(name);
  if (!s) return refuse(ResultCode.RISK_UNKNOWN_SYMBOL, `unknown symbol "${name.slice(0, 40)}" (GET /v1/symbols lists them)`, id);
  return s;
}

/**
 * Write an order-entry request (new_order, cancel_order, replace_order, cancel_all) into a
 * zeroed command slot. Returns false — with the reason in `refusal`, never an exception — if
 * anything is off; the slot's contents mean nothing then.
 */
export function encodeOrderEntry(m: ClientMessage, t: SymbolTable, account: number, correlationId: number, w: Int32Array, b: number): boolean {
  const id = requestId(m);
  const type = m.type;
  if (type === 'new_order') {
    const sym = symbolOf(m, t, id);
    if (sym === null) return false;
    const clOrd = clientId(m, 'clientOrderId', id, true);
    if (clOrd == null) return false;
    const side = choice(m, 'side', SIDES, id);
    if (side < 0) return false;
    const orderType = choice(m, 'orderType', ORDER_TYPES, id, OrderType.LIMIT);
    if (orderType < 0) return false;
    const tif = choice(m, 'timeInForce', TIFS, id, orderType === OrderType.MARKET ? TimeInForce.IOC : TimeInForce.GTC);
    if (tif < 0) return false;
    const stp = choice(m, 'stp', STPS, id, Stp.NONE);
    if (stp < 0) return false;
    const postOnly = postOnlyField(m, id);
    if (postOnly === null) return false;
    let price = 0;
    if (orderType === OrderType.LIMIT || orderType === OrderType.STOP_LIMIT) {
      price = units(m, 'price', sym, 'price', id);
      if (price < 0) return false;
    } else if (m.price !== undefined) {
      return fail(GatewayCode.BAD_FIELD, orderType === OrderType.MARKET ? 'a market order takes no "price"' : 'a stop order takes no "price" (it trades as a market order once triggered): use orderType "stop_limit" for a limit price', id);
    }
    const qty = units(m, 'quantity', sym, 'quantity', id);
    if (qty < 0) return false;
    // Order-type rules (a stopPrice where it belongs, display within quantity, GTD with a future
    // expireTime) are the risk stage's: here only the values' form.
    const stopPrice = optionalUnits(m, 'stopPrice', sym, 'price', id);
    if (stopPrice < 0) return false;
    const display = optionalUnits(m, 'displayQuantity', sym, 'quantity', id);
    if (display < 0) return false;
    const expireTime = expireTimeField(m, id);
    if (expireTime < 0) return false;
    w[b + CMD_TYPE] = CommandType.NEW;
    w[b + CMD_SYMBOL] = sym.id;
    w[b + CMD_META] = packMeta(side, orderType, tif, stp, postOnly);
    putI64(w, b + CMD_PRICE, price);
    putI64(w, b + CMD_QTY, qty);
    writeClordString(w, b + CMD_CLORD, clOrd);
    putI64(w, b + CMD_STOP_PRICE, stopPrice);
    putI64(w, b + CMD_DISPLAY_QTY, display);
    putI64(w, b + CMD_EXPIRE_TIME, expireTime);
  } else if (type === 'new_oco') {
    if (!encodeOco(m, t, id, w, b)) return false;
  } else if (type === 'cancel_order' || type === 'replace_order') {
    const sym = symbolOf(m, t, id);
    if (sym === null) return false;
    const orderId = orderIdField(m, id);
    if (orderId !== undefined && orderId < 0) return false;
    const target = clientId(m, 'clientOrderId', id, false);
    if (target === null) return false;
    if (orderId === undefined && target === undefined) return fail(GatewayCode.MISSING_FIELD, 'give "orderId" or "clientOrderId"', id);
    w[b + CMD_TYPE] = type === 'cancel_order' ? CommandType.CANCEL : CommandType.REPLACE;
    w[b + CMD_SYMBOL] = sym.id;
    w[b + CMD_META] = packMeta(0, 0, 0, 0, false, orderId === undefined);
    if (orderId !== undefined) putI64(w, b + CMD_ORDER_ID, orderId);
    else writeClordString(w, b + CMD_CLORD, target as string);
    if (type === 'replace_order') {
      const price = optionalUnits(m, 'price', sym, 'price', id);
      if (price < 0) return false;
      const qty = optionalUnits(m, 'quantity', sym, 'quantity', id);
      if (qty < 0) return false;
      const newId = clientId(m, 'newClientOrderId', id, false);
      if (newId === null) return false;
      const stopPrice = optionalUnits(m, 'stopPrice', sym, 'price', id);
      if (stopPrice < 0) return false;
      if (price === 0 && qty === 0 && stopPrice === 0 && newId === undefined) {
        return fail(GatewayCode.MISSING_FIELD, m.stopPrice === undefined ? 'a replace needs "price", "quantity" or "newClientOrderId"' : 'a replace needs "price", "quantity", "stopPrice" or "newClientOrderId"', id);
      }
      putI64(w, b + CMD_PRICE, price);
      putI64(w, b + CMD_QTY, qty);
      if (newId !== undefined) writeClordString(w, b + CMD_NEW_CLORD, newId);
      putI64(w, b + CMD_STOP_PRICE, stopPrice);
    }
  } else if (type === 'cancel_all') {
    let sym: SymbolSpec | null = null;
    if (m.symbol !== undefined) {
      sym = symbolOf(m, t, id);
      if (sym === null) return false;
    }
    w[b + CMD_TYPE] = CommandType.MASS_CANCEL;
    w[b + CMD_SYMBOL] = sym ? sym.id : -1;
    w[b + CMD_META] = packMeta(0, 0, 0, 0, false, false, Reason.MASS_CANCEL);
  } else {
    return fail(GatewayCode.UNKNOWN_TYPE, `unknown message type "${String(type).slice(0, 40)}"`, id);
  }
  w[b + CMD_ACCOUNT] = account;
  putI64(w, b + CMD_CORRELATION, correlationId);
  return true;
}

export const ORDER_ENTRY_TYPES = new Set(['new_order', 'new_oco', 'cancel_order', 'replace_order', 'cancel_all']);

/**
 * new_oco (docs/protocol.md, docs/order-types.md): one NEW_OCO command — the limit leg in the
 * order fields, the stop leg in stopPrice, ocoPrice, ocoMeta and newClientOrderId. Side, quantity,
 * time in force, expireTime and STP are the group's; the stop leg is a stop-limit when it has a
 * price, else a stop (market).
 */
function encodeOco(m: ClientMessage, t: SymbolTable, id: string | number | undefined, w: Int32Array, b: number): boolean {
  const sym = symbolOf(m, t, id);
  if (sym === null) return false;
  const side = choice(m, 'side', SIDES, id);
  if (side < 0) return false;
  const tif = choice(m, 'timeInForce', TIFS, id, TimeInForce.GTC);
  if (tif < 0) return false;
  const stp = choice(m, 'stp', STPS, id, Stp.NONE);
  if (stp < 0) return false;
  const qty = units(m, 'quantity', sym, 'quantity', id);
  if (qty < 0) return false;
  const expireTime = expireTimeField(m, id);
  if (expireTime < 0) return false;
  const limit = objectField(m, 'limit', id);
  if (limit === null) return false;
  const stop = objectField(m, 'stop', id);
  if (stop === null) return false;
  const limitId = clientId(limit, 'clientOrderId', id, true, 'limit.clientOrderId');
  if (limitId == null) return false;
  const price = units(limit, 'price', sym, 'price', id, 'limit.price');
  if (price < 0) return false;
  const display = optionalUnits(limit, 'displayQuantity', sym, 'quantity', id, 'limit.displayQuantity');
  if (display < 0) return false;
  const postOnly = postOnlyField(limit, id, 'limit.postOnly');
  if (postOnly === null) return false;
  const stopId = clientId(stop, 'clientOrderId', id, true, 'stop.clientOrderId');
  if (stopId == null) return false;
  const stopPrice = optionalUnits(stop, 'stopPrice', sym, 'price', id, 'stop.stopPrice');
  if (stopPrice < 0) return false;
  const stopLimit = optionalUnits(stop, 'price', sym, 'price', id, 'stop.price');
  if (stopLimit < 0) return false;
  w[b + CMD_TYPE] = CommandType.NEW_OCO;
  w[b + CMD_SYMBOL] = sym.id;
  w[b + CMD_META] = packMeta(side, OrderType.LIMIT, tif, stp, postOnly);
  putI64(w, b + CMD_PRICE, price);
  putI64(w, b + CMD_QTY, qty);
  writeClordString(w, b + CMD_CLORD, limitId);
  writeClordString(w, b + CMD_NEW_CLORD, stopId);
  putI64(w, b + CMD_STOP_PRICE, stopPrice);
  putI64(w, b + CMD_OCO_PRICE, stopLimit);
  putI64(w, b + CMD_DISPLAY_QTY, display);
  putI64(w, b + CMD_EXPIRE_TIME, expireTime);
  w[b + CMD_OCO_META] = packMeta(side, stopLimit > 0 ? OrderType.STOP_LIMIT : OrderType.STOP, tif, stp, false);
  return true;
}

// ----------------------------------------------------------------------------------- server → client

export interface ExecutionReport {
  type: 'execution_report';
  execType: string;
  orderId: string;
  clientOrderId: string;
  origClientOrderId?: string;
  symbol: string;
  side: string;
  orderType: string;
  timeInForce: string;
  price: string;
  quantity: string;
  orderStatus: string;
  lastPrice?: string;
  lastQuantity?: string;
  cumQuantity: string;
  leavesQuantity: string;
  canceledQuantity?: string;
  tradeId?: string;
  liquidity?: 'maker' | 'taker';
  rejectReason?: string;
  rejectCode?: number;
  /** A refusal in words: what was wrong and what is allowed (gateway/reject-text.ts). */
  rejectText?: string;
  reason?: string;
  /** Order types (docs/order-types.md), each only when set (non-zero): a stop's trigger price, an iceberg's shown part. */
  stopPrice?: string;
  displayQuantity?: string;
  /** GTD: ms since the Unix epoch (UTC). */
  expireTime?: number;
  /** One-cancels-other: the group (the limit leg's orderId) and the other leg's orderId. */
  ocoGroupId?: string;
  ocoOrderId?: string;
  /** A refused new_oco: the stop leg's clientOrderId (the report describes the limit leg). */
  ocoClientOrderId?: string;
  seq: number;
  ts: number;
  id?: string | number;
}

export const EXEC_TYPES: Record<number, string> = {
  [EventType.ACCEPTED]: 'new', [EventType.TRADE]: 'trade', [EventType.CANCELED]: 'canceled', [EventType.REPLACED]: 'replaced',
  [EventType.REJECTED]: 'rejected', [EventType.EXPIRED]: 'expired', [EventType.TRIGGERED]: 'triggered',
};

/** A report's prices and quantities in integer units (what the binary encoding sends), filled alongside the decimals. */
export interface ReportUnits {
  price: number;
  quantity: number;
  lastPrice: number;
  lastQuantity: number;
  cumQuantity: number;
  leavesQuantity: number;
  canceledQuantity: number;
  stopPrice: number;
  displayQuantity: number;
}

export function reportUnits(): ReportUnits {
  return { price: 0, quantity: 0, lastPrice: 0, lastQuantity: 0, cumQuantity: 0, leavesQuantity: 0, canceledQuantity: 0, stopPrice: 0, displayQuantity: 0 };
}

/**
 * The report for the order an event is about (the taker for TRADE); `u` (optional) receives the
 * units; with `ctx`, a refusal also says in words why (rejectText).
 */
export function reportFromEvent(w: Int32Array, b: number, sym: SymbolSpec | undefined, id: string | number | undefined, u: ReportUnits = reportUnits(), ctx?: RejectContext): ExecutionReport {
  const type = w[b + EVT_TYPE];
  const meta = w[b + EVT_META];
  const fmtP = (v: number): string => (sym ? formatUnits(v, sym.tick) : String(v));
  const fmtQ = (v: number): string => (sym ? formatUnits(v, sym.lot) : String(v));
  const orderType = metaType(meta);
  u.price = showsPrice(orderType) ? getI64(w, b + EVT_PRICE) : 0;
  u.quantity = getI64(w, b + EVT_QTY);
  u.cumQuantity = getI64(w, b + EVT_CUM);
  u.leavesQuantity = getI64(w, b + EVT_LEAVES);
  u.lastPrice = 0;
  u.lastQuantity = 0;
  u.canceledQuantity = 0;
  // The order-type fields share the trade and maker words: a TRADE has none (engine/event-slot.ts).
  const ext = hasOrderExtension(w, b);
  u.stopPrice = ext && isSet(w, b + EVT_STOP_PRICE) ? getI64(w, b + EVT_STOP_PRICE) : 0;
  u.displayQuantity = ext && isSet(w, b + EVT_DISPLAY_QTY) ? getI64(w, b + EVT_DISPLAY_QTY) : 0;
  const r: ExecutionReport = {
    type: 'execution_report',
    execType: EXEC_TYPES[type] ?? 'unknown',
    orderId: String(getI64(w, b + EVT_ORDER_ID)),
    clientOrderId: readClordString(w, b + EVT_CLORD),
    symbol: sym?.name ?? '',
    side: SIDE_NAMES[metaSide(meta)] ?? '',
    orderType: TYPE_NAMES[orderType] ?? '',
    timeInForce: TIF_NAMES[metaTif(meta)] ?? '',
    price: showsPrice(orderType) ? fmtP(u.price) : '',
    quantity: fmtQ(u.quantity),
    orderStatus: STATUS_NAMES[w[b + EVT_STATUS]] ?? '',
    cumQuantity: fmtQ(u.cumQuantity),
    leavesQuantity: fmtQ(u.leavesQuantity),
    seq: getI64(w, b + EVT_SEQ),
    ts: getI64(w, b + EVT_TS),
  };
  if (type === EventType.TRADE) {
    u.lastPrice = getI64(w, b + EVT_LAST_PRICE);
    u.lastQuantity = getI64(w, b + EVT_LAST_QTY);
    r.lastPrice = fmtP(u.lastPrice);
    r.lastQuantity = fmtQ(u.lastQuantity);
    r.tradeId = String(getI64(w, b + EVT_TRADE_ID));
    r.liquidity = 'taker';
  } else if (type === EventType.CANCELED || type === EventType.EXPIRED) {
    u.canceledQuantity = getI64(w, b + EVT_LAST_QTY);
    r.canceledQuantity = fmtQ(u.canceledQuantity);
    r.reason = REASON_NAMES[w[b + EVT_CODE]] ?? String(w[b + EVT_CODE]);
  } else if (type === EventType.REPLACED) {
    r.origClientOrderId = readClordString(w, b + EVT_OTHER_CLORD);
    r.reason = REASON_NAMES[w[b + EVT_CODE]] ?? String(w[b + EVT_CODE]);
  } else if (type === EventType.REJECTED) {
    r.rejectCode = w[b + EVT_CODE];
    r.rejectReason = codeName(w[b + EVT_CODE]);
    const text = ctx ? rejectText(r.rejectCode, w, b, ctx) : undefined;
    if (text !== undefined) r.rejectText = text;
    if (w[b + EVT_STATUS] === OrderStatus.REJECTED && r.orderId === '0') r.orderId = '';
    const other = readClordString(w, b + EVT_OTHER_CLORD);
    if (other && w[b + EVT_COMMAND_TYPE] === CommandType.NEW_OCO) {
      // A refused new_oco: the report is the limit leg's; it names the stop leg too.
      r.ocoClientOrderId = other;
    } else if (other) {
      // A refused replace that named a new client id: report it under that id, the order's as orig.
      r.origClientOrderId = r.clientOrderId;
      r.clientOrderId = other;
    }
  }
  // The order-type fields, each only when set: reports of other orders keep their bytes.
  if (ext) {
    if (isSet(w, b + EVT_STOP_PRICE)) r.stopPrice = fmtP(u.stopPrice);
    if (isSet(w, b + EVT_DISPLAY_QTY)) r.displayQuantity = fmtQ(u.displayQuantity);
    if (isSet(w, b + EVT_EXPIRE_TIME)) r.expireTime = getI64(w, b + EVT_EXPIRE_TIME);
    if (isSet(w, b + EVT_OCO_GROUP)) r.ocoGroupId = String(getI64(w, b + EVT_OCO_GROUP));
    if (isSet(w, b + EVT_OCO_ORDER_ID)) r.ocoOrderId = String(getI64(w, b + EVT_OCO_ORDER_ID));
  }
  if (id !== undefined) r.id = id;
  return r;
}

/** Is the int64 at words [at, at + 1] non-zero? (Words past a short array's end read as 0.) */
function isSet(w: Int32Array, at: number): boolean {
  return (w[at] | w[at + 1]) !== 0;
}

/** Strings that need no escaping inside JSON quotes (printable ASCII without " and \). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const q = (s: string): string => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));

/**
 * An execution report as JSON text, built directly (the gateway sends one per event per
 * connection: JSON.stringify of the object was the largest cost on its thread). Same content as
 * JSON.stringify(r) (a property test checks it), keys in a fixed order, `id` last when given.
 */
export function reportJson(r: ExecutionReport, id?: string | number): string {
  // Enum names, decimal strings and symbol names (validated by the config) never need escaping;
  // client order ids are checked.
  let s = `{"type":"execution_report","execType":"${r.execType}","orderId":"${r.orderId}","clientOrderId":${q(r.clientOrderId)}`;
  if (r.origClientOrderId !== undefined) s += `,"origClientOrderId":${q(r.origClientOrderId)}`;
  if (r.ocoClientOrderId !== undefined) s += `,"ocoClientOrderId":${q(r.ocoClientOrderId)}`;
  s += `,"symbol":${q(r.symbol)},"side":"${r.side}","orderType":"${r.orderType}","timeInForce":"${r.timeInForce}","price":"${r.price}","quantity":"${r.quantity}","orderStatus":"${r.orderStatus}"`;
  if (r.lastPrice !== undefined) s += `,"lastPrice":"${r.lastPrice}"`;
  if (r.lastQuantity !== undefined) s += `,"lastQuantity":"${r.lastQuantity}"`;
  s += `,"cumQuantity":"${r.cumQuantity}","leavesQuantity":"${r.leavesQuantity}"`;
  if (r.canceledQuantity !== undefined) s += `,"canceledQuantity":"${r.canceledQuantity}"`;
  if (r.tradeId !== undefined) s += `,"tradeId":"${r.tradeId}"`;
  if (r.liquidity !== undefined) s += `,"liquidity":"${r.liquidity}"`;
  if (r.rejectReason !== undefined) s += `,"rejectReason":${q(r.rejectReason)}`;
  if (r.rejectCode !== undefined) s += `,"rejectCode":${r.rejectCode}`;
  if (r.rejectText !== undefined) s += `,"rejectText":${q(r.rejectText)}`;
  if (r.reason !== undefined) s += `,"reason":${q(r.reason)}`;
  if (r.stopPrice !== undefined) s += `,"stopPrice":"${r.stopPrice}"`;
  if (r.displayQuantity !== undefined) s += `,"displayQuantity":"${r.displayQuantity}"`;
  if (r.expireTime !== undefined) s += `,"expireTime":${r.expireTime}`;
  if (r.ocoGroupId !== undefined) s += `,"ocoGroupId":"${r.ocoGroupId}"`;
  if (r.ocoOrderId !== undefined) s += `,"ocoOrderId":"${r.ocoOrderId}"`;
  s += `,"seq":${r.seq},"ts":${r.ts}`;
  const rid = id ?? r.id;
  if (rid !== undefined) s += `,"id":${typeof rid === 'number' ? String(rid) : q(rid)}`;
  return `${s}}`;
}

/** The maker's report of a TRADE event; `u` (optional) receives the units. */
export function makerReportFromEvent(w: Int32Array, b: number, sym: SymbolSpec | undefined, u: ReportUnits = reportUnits()): ExecutionReport {
  const meta = w[b + EVT_MAKER_META];
  const fmtP = (v: number): string => (sym ? formatUnits(v, sym.tick) : String(v));
  const fmtQ = (v: number): string => (sym ? formatUnits(v, sym.lot) : String(v));
  u.price = getI64(w, b + EVT_LAST_PRICE);
  u.quantity = getI64(w, b + EVT_MAKER_QTY);
  u.lastPrice = u.price;
  u.lastQuantity = getI64(w, b + EVT_LAST_QTY);
  u.cumQuantity = getI64(w, b + EVT_MAKER_CUM);
  u.leavesQuantity = getI64(w, b + EVT_MAKER_LEAVES);
  u.canceledQuantity = 0;
  u.stopPrice = 0;
  u.displayQuantity = 0;
  return {
    type: 'execution_report',
    execType: 'trade',
    orderId: String(getI64(w, b + EVT_MAKER_ORDER_ID)),
    clientOrderId: readClordString(w, b + EVT_OTHER_CLORD),
    symbol: sym?.name ?? '',
    side: SIDE_NAMES[metaSide(meta)] ?? '',
    orderType: TYPE_NAMES[metaType(meta)] ?? '',
    timeInForce: TIF_NAMES[metaTif(meta)] ?? '',
    price: fmtP(u.price),
    quantity: fmtQ(u.quantity),
    orderStatus: STATUS_NAMES[w[b + EVT_MAKER_STATUS]] ?? '',
    lastPrice: fmtP(u.lastPrice),
    lastQuantity: fmtQ(u.lastQuantity),
    cumQuantity: fmtQ(u.cumQuantity),
    leavesQuantity: fmtQ(u.leavesQuantity),
    tradeId: String(getI64(w, b + EVT_TRADE_ID)),
    liquidity: 'maker',
    seq: getI64(w, b + EVT_SEQ),
    ts: getI64(w, b + EVT_TS),
  };
}

export function errorObject(code: number, message: string, id?: string | number): Record<string, unknown> & { type: 'error' } {
  return id === undefined ? { type: 'error', code, name: errorName(code), message } : { type: 'error', code, name: errorName(code), message, id };
}

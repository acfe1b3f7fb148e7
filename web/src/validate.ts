/**
 * Client-side checks of an order against the symbol's grid and maximum order quantity
 * (GET /v1/symbols), exact on decimal strings. They catch typing mistakes before a round trip; the
 * server checks everything again and its refusal is shown verbatim.
 */
import type { SymbolInfo } from './app.ts';
import { cmpDec, gridProblem, parseDec } from './decimal.ts';

export type OrderType = 'limit' | 'market' | 'stop' | 'stop_limit' | 'oco';

export interface OrderInput {
  symbol: string;
  side: string;
  /** `oco`: a `new_oco` request — a limit leg (price) and a stop leg (stopPrice, stopLimitPrice?). */
  orderType: OrderType;
  timeInForce: 'GTC' | 'IOC' | 'FOK' | 'GTD';
  price: string;
  stopPrice: string;
  /** OCO only: the stop leg's limit price (a stop-limit leg); empty: a stop (market) leg. */
  stopLimitPrice?: string;
  quantity: string;
  displayQuantity: string;
  /** GTD: a `datetime-local` value (the browser's local time). */
  expireTime: string;
  postOnly: boolean;
  /** Self-trade prevention; `none` (the server's default) is not sent. */
  stp?: string;
}

export const ORDER_TYPES = ['limit', 'market', 'stop', 'stop_limit', 'oco'] as const;
export const ORDER_TYPE_LABELS: Record<OrderType, string> = {
  limit: 'limit', market: 'market', stop: 'stop (market)', stop_limit: 'stop limit', oco: 'OCO (limit + stop)',
};
export const TIFS = ['GTC', 'IOC', 'FOK', 'GTD'] as const;
export const STPS = ['none', 'cancel_newest', 'cancel_oldest', 'cancel_both', 'decrement'] as const;

/** Which inputs an order type uses, and the times in force it allows. */
export function uses(t: OrderType): { price: boolean; stopPrice: boolean; stopLimitPrice: boolean; postOnly: boolean; displayQuantity: boolean; tifs: ReadonlyArray<string> } {
  return {
    price: t === 'limit' || t === 'stop_limit' || t === 'oco',
    stopPrice: t === 'stop' || t === 'stop_limit' || t === 'oco',
    stopLimitPrice: t === 'oco',
    postOnly: t === 'limit' || t === 'oco',
    displayQuantity: t === 'limit' || t === 'stop_limit' || t === 'oco',
    tifs: t === 'market' ? ['IOC', 'FOK'] : t === 'oco' ? ['GTC', 'GTD'] : TIFS,
  };
}

/** Why `qty` is over the symbol's maximum order quantity, or null. */
export function maxQtyProblem(what: string, qty: string, info: SymbolInfo): string | null {
  if (!parseDec(qty) || !parseDec(info.maxOrderQty)) return null;
  return cmpDec(qty, info.maxOrderQty) > 0 ? `${what} ${qty} is above the maximum order quantity ${info.maxOrderQty} for ${info.symbol}` : null;
}

/**
 * The request body without its type and client order ids (`new_order`, or `new_oco` with `limit`
 * and `stop` legs for an OCO), or the problems found.
 */
export function validateOrder(o: OrderInput, info: SymbolInfo | undefined, nowMs: number): { body: Record<string, unknown> | null; problems: string[] } {
  const problems: string[] = [];
  if (!info) return { body: null, problems: [`unknown symbol ${o.symbol}`] };
  const oco = o.orderType === 'oco';
  const u = uses(o.orderType);
  const body: Record<string, unknown> = oco ? { symbol: o.symbol, side: o.side, timeInForce: o.timeInForce } : { symbol: o.symbol, side: o.side, orderType: o.orderType, timeInForce: o.timeInForce };
  /** Where the limit-side fields go: the body, or an OCO's limit leg. */
  const limit: Record<string, unknown> = oco ? {} : body;
  const stop: Record<string, unknown> = oco ? {} : body;
  const qty = o.quantity.trim();
  const qtyProblem = gridProblem('Quantity', qty, info.lotSize) ?? maxQtyProblem('Quantity', qty, info);
  if (qtyProblem) problems.push(qtyProblem);
  body.quantity = qty;
  if (u.price) {
    const p = o.price.trim();
    const pp = gridProblem(oco ? 'Limit price' : 'Price', p, info.tickSize);
    if (pp) problems.push(pp);
    limit.price = p;
  }
  if (u.stopPrice) {
    const s = o.stopPrice.trim();
    const sp = gridProblem('Stop price', s, info.tickSize);
    if (sp) problems.push(sp);
    stop.stopPrice = s;
  }
  if (u.stopLimitPrice && (o.stopLimitPrice ?? '').trim() !== '') {
    const sl = (o.stopLimitPrice ?? '').trim();
    const slp = gridProblem('Stop-limit price', sl, info.tickSize);
    if (slp) problems.push(slp);
    stop.price = sl;
  }
  if (u.displayQuantity && o.displayQuantity.trim() !== '') {
    const d = o.displayQuantity.trim();
    const dp = gridProblem('Display quantity', d, info.lotSize);
    if (dp) problems.push(dp);
    else if (!qtyProblem && cmpDec(d, qty) > 0) problems.push(`Display quantity ${d} is above the quantity ${qty}`);
    if (o.timeInForce === 'IOC' || o.timeInForce === 'FOK') problems.push('Display quantity needs an order that can rest (GTC or GTD)');
    limit.displayQuantity = d;
  }
  if (o.orderType === 'market' && (o.timeInForce === 'GTC' || o.timeInForce === 'GTD')) problems.push('A market order is IOC or FOK');
  if (oco && (o.timeInForce === 'IOC' || o.timeInForce === 'FOK')) problems.push('An OCO is GTC or GTD');
  if (o.timeInForce === 'GTD') {
    const t = o.expireTime ? new Date(o.expireTime).getTime() : NaN;
    if (!Number.isFinite(t)) problems.push('Expire time is required for GTD');
    else if (t <= nowMs) problems.push('Expire time must be in the future');
    else body.expireTime = t;
  }
  if (u.postOnly && o.postOnly) {
    if (o.timeInForce === 'IOC' || o.timeInForce === 'FOK') problems.push('Post-only needs an order that can rest (GTC or GTD)');
    limit.postOnly = true;
  }
  if (o.stp && o.stp !== 'none') {
    if (!(STPS as readonly string[]).includes(o.stp)) problems.push(`Unknown self-trade prevention ${o.stp}`);
    body.stp = o.stp;
  }
  if (oco) {
    body.limit = limit;
    body.stop = stop;
  }
  return { body: problems.length ? null : body, problems };
}

/** A fresh client order id (also the Idempotency-Key): 1–32 printable ASCII, no spaces. */
export function newClientOrderId(): string {
  const r = new Uint32Array(2);
  crypto.getRandomValues(r);
  return `web-${Date.now().toString(36)}-${r[0].toString(36)}${r[1].toString(36)}`.slice(0, 32);
}

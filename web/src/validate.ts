/**
 * Client-side checks of an order against the symbol's grid (GET /v1/symbols), exact on decimal
 * strings. They catch typing mistakes before a round trip; the server checks everything again and
 * its refusal is shown verbatim.
 */
import type { SymbolInfo } from './app.ts';
import { cmpDec, gridProblem } from './decimal.ts';

export interface OrderInput {
  symbol: string;
  side: string;
  orderType: 'limit' | 'market' | 'stop' | 'stop_limit';
  timeInForce: 'GTC' | 'IOC' | 'FOK' | 'GTD';
  price: string;
  stopPrice: string;
  quantity: string;
  displayQuantity: string;
  /** GTD: a `datetime-local` value (the browser's local time). */
  expireTime: string;
  postOnly: boolean;
}

export const ORDER_TYPES = ['limit', 'market', 'stop', 'stop_limit'] as const;
export const TIFS = ['GTC', 'IOC', 'FOK', 'GTD'] as const;

/** Which inputs an order type uses. */
export function uses(t: OrderInput['orderType']): { price: boolean; stopPrice: boolean; postOnly: boolean; displayQuantity: boolean } {
  return {
    price: t === 'limit' || t === 'stop_limit',
    stopPrice: t === 'stop' || t === 'stop_limit',
    postOnly: t === 'limit',
    displayQuantity: t === 'limit' || t === 'stop_limit',
  };
}

/** The request body (without clientOrderId), or the problems found. */
export function validateOrder(o: OrderInput, info: SymbolInfo | undefined, nowMs: number): { body: Record<string, unknown> | null; problems: string[] } {
  const problems: string[] = [];
  if (!info) return { body: null, problems: [`unknown symbol ${o.symbol}`] };
  const u = uses(o.orderType);
  const body: Record<string, unknown> = { symbol: o.symbol, side: o.side, orderType: o.orderType, timeInForce: o.timeInForce };
  const qty = o.quantity.trim();
  const qtyProblem = gridProblem('Quantity', qty, info.lotSize);
  if (qtyProblem) problems.push(qtyProblem);
  body.quantity = qty;
  if (u.price) {
    const p = o.price.trim();
    const pp = gridProblem('Price', p, info.tickSize);
    if (pp) problems.push(pp);
    body.price = p;
  }
  if (u.stopPrice) {
    const s = o.stopPrice.trim();
    const sp = gridProblem('Stop price', s, info.tickSize);
    if (sp) problems.push(sp);
    body.stopPrice = s;
  }
  if (u.displayQuantity && o.displayQuantity.trim() !== '') {
    const d = o.displayQuantity.trim();
    const dp = gridProblem('Display quantity', d, info.lotSize);
    if (dp) problems.push(dp);
    else if (!qtyProblem && cmpDec(d, qty) > 0) problems.push(`Display quantity ${d} is above the quantity ${qty}`);
    if (o.timeInForce === 'IOC' || o.timeInForce === 'FOK') problems.push('Display quantity needs an order that can rest (GTC or GTD)');
    body.displayQuantity = d;
  }
  if (o.orderType === 'market' && (o.timeInForce === 'GTC' || o.timeInForce === 'GTD')) problems.push('A market order is IOC or FOK');
  if (o.timeInForce === 'GTD') {
    const t = o.expireTime ? new Date(o.expireTime).getTime() : NaN;
    if (!Number.isFinite(t)) problems.push('Expire time is required for GTD');
    else if (t <= nowMs) problems.push('Expire time must be in the future');
    else body.expireTime = t;
  }
  if (u.postOnly && o.postOnly) {
    if (o.timeInForce === 'IOC' || o.timeInForce === 'FOK') problems.push('Post-only needs an order that can rest (GTC or GTD)');
    body.postOnly = true;
  }
  return { body: problems.length ? null : body, problems };
}

/** A fresh client order id (also the Idempotency-Key): 1–32 printable ASCII, no spaces. */
export function newClientOrderId(): string {
  const r = new Uint32Array(2);
  crypto.getRandomValues(r);
  return `web-${Date.now().toString(36)}-${r[0].toString(36)}${r[1].toString(36)}`.slice(0, 32);
}

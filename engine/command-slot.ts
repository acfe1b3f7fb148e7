/**
 * Command slot: one order-entry or admin command, 192 bytes, in the gateway→risk ring and the
 * risk→shard rings. Int32 word indices below; int64 fields are little-endian (low word first).
 *
 * ```
 *  word  byte  type   field
 *   0     0    i32    type            CommandType
 *   1     4    i32    symbolId        -1 = every symbol (MASS_CANCEL)
 *   2     8    i32    accountId
 *   3    12    i32    meta            side | orderType<<4 | tif<<8 | stp<<12 | postOnly<<16 | byClientId<<17 | reason<<24
 *   4    16    i64    price           ticks; 0 = "unchanged" in REPLACE; band-edge price for MARKET after risk
 *   6    24    i64    quantity        lots (total order quantity); 0 = "unchanged" in REPLACE
 *   8    32    i64    orderId         target for CANCEL/REPLACE; assigned by risk for NEW
 *  10    40    i64    correlationId   gateway's id for the request, echoed in the events it causes
 *  12    48    i32    rejectCode      set by the risk stage: the shard turns the command into a REJECTED event
 *  13    52    i32    commandSeq      assigned by the risk stage: 1, 2, 3 … (Int32, wraps; compare with seqDiff)
 *  14    56    i64    ingressTs       gateway receive time, µs since the epoch (stage timing)
 *  16    64    32 B   clientOrderId   NEW: the order's id; CANCEL/REPLACE by client id: the target's
 *  24    96    32 B   newClientOrderId REPLACE: the id the order takes (empty = keep); NEW_OCO: the stop leg's id
 *  32   128    i64    stopPrice       ticks; NEW stop/stop-limit, NEW_OCO's stop leg; REPLACE of a stop: 0 = unchanged
 *  34   136    i64    displayQty      lots; NEW/NEW_OCO limit (leg): iceberg's shown part; 0 = all shown
 *  36   144    i64    expireTime      ms since the epoch; NEW/NEW_OCO with TIF GTD (both OCO legs)
 *  38   152    i64    ocoPrice        NEW_OCO: the stop leg's limit price (ticks; band-edge price for a stop-market leg after risk)
 *  40   160    i64    ocoOrderId      NEW_OCO: the stop leg's order id, assigned by risk (the limit leg's is orderId)
 *  42   168    i32    ocoMeta         NEW_OCO: the stop leg's meta word (side as the limit leg's, type STOP or STOP_LIMIT, tif)
 *  43   172           reserved up to 192
 * ```
 * A NEW_OCO command is the limit leg in the fields above (type LIMIT in meta, price, quantity,
 * clientOrderId) plus the stop leg (ocoMeta, stopPrice, ocoPrice, newClientOrderId, same quantity).
 * Client order ids are up to 32 bytes of printable ASCII, zero padded; copied as 8 Int32 words.
 */
import { getI64, putI64 } from './int64.ts';

/** Client order id: 32 bytes = 8 Int32 words. */
export const CLORD_BYTES = 32;
export const CLORD_WORDS = CLORD_BYTES / 4;

export const CMD_SLOT_BYTES = 192;
/** The slot in Int32 words (what every reader indexes by). */
export const CMD_SLOT_WORDS = CMD_SLOT_BYTES / 4;
export const CMD_TYPE = 0;
export const CMD_SYMBOL = CMD_TYPE + 1;
export const CMD_ACCOUNT = CMD_SYMBOL + 1;
export const CMD_META = CMD_ACCOUNT + 1;
export const CMD_PRICE = CMD_META + 1;
export const CMD_QTY = CMD_PRICE + 2;
export const CMD_ORDER_ID = CMD_QTY + 2;
export const CMD_CORRELATION = CMD_ORDER_ID + 2;
export const CMD_REJECT = CMD_CORRELATION + 2;
export const CMD_SEQ = CMD_REJECT + 1;
export const CMD_INGRESS_TS = CMD_SEQ + 1;
export const CMD_CLORD = CMD_INGRESS_TS + 2;
export const CMD_NEW_CLORD = CMD_CLORD + CLORD_WORDS;
export const CMD_STOP_PRICE = CMD_NEW_CLORD + CLORD_WORDS;
export const CMD_DISPLAY_QTY = CMD_STOP_PRICE + 2;
export const CMD_EXPIRE_TIME = CMD_DISPLAY_QTY + 2;
export const CMD_OCO_PRICE = CMD_EXPIRE_TIME + 2;
export const CMD_OCO_ORDER_ID = CMD_OCO_PRICE + 2;
export const CMD_OCO_META = CMD_OCO_ORDER_ID + 2;
export const CMD_END = CMD_OCO_META + 1;

// meta word bit fields
export const META_SIDE_MASK = 0xf;
export const META_TYPE_SHIFT = 4;
export const META_TIF_SHIFT = 8;
export const META_STP_SHIFT = 12;
export const META_POST_ONLY = 1 << 16;
export const META_BY_CLIENT_ID = 1 << 17;
/** Reason for MASS_CANCEL (USER / KILL_SWITCH), bits 24..31. */
export const META_REASON_SHIFT = 24;

export function packMeta(side: number, orderType: number, tif: number, stp: number, postOnly: boolean, byClientId = false, reason = 0): number {
  return (
    ((reason & 0xff) << META_REASON_SHIFT) |
    (side & 0xf) |
    ((orderType & 0xf) << META_TYPE_SHIFT) |
    ((tif & 0xf) << META_TIF_SHIFT) |
    ((stp & 0xf) << META_STP_SHIFT) |
    (postOnly ? META_POST_ONLY : 0) |
    (byClientId ? META_BY_CLIENT_ID : 0)
  );
}

export function metaSide(meta: number): number {
  return meta & META_SIDE_MASK;
}
export function metaType(meta: number): number {
  return (meta >>> META_TYPE_SHIFT) & 0xf;
}
export function metaTif(meta: number): number {
  return (meta >>> META_TIF_SHIFT) & 0xf;
}
export function metaStp(meta: number): number {
  return (meta >>> META_STP_SHIFT) & 0xf;
}
export function metaPostOnly(meta: number): boolean {
  return (meta & META_POST_ONLY) !== 0;
}
export function metaReason(meta: number): number {
  return (meta >>> META_REASON_SHIFT) & 0xff;
}
export function metaByClientId(meta: number): boolean {
  return (meta & META_BY_CLIENT_ID) !== 0;
}

/** Copy 8 words of a client order id between any two Int32Arrays (no subarray views: they allocate). */
export function copyClord(src: Int32Array, from: number, dst: Int32Array, to: number): void {
  for (let k = 0; k < CLORD_WORDS; k++) dst[to + k] = src[from + k];
}

export function clearClord(dst: Int32Array, to: number): void {
  for (let k = 0; k < CLORD_WORDS; k++) dst[to + k] = 0;
}

export function clordEquals(a: Int32Array, ai: number, b: Int32Array, bi: number): boolean {
  for (let k = 0; k < CLORD_WORDS; k++) if (a[ai + k] !== b[bi + k]) return false;
  return true;
}

export function clordIsEmpty(a: Int32Array, ai: number): boolean {
  for (let k = 0; k < CLORD_WORDS; k++) if (a[ai + k] !== 0) return false;
  return true;
}

const CLORD_RE = /^[\x21-\x7e]{1,32}$/;

export function isValidClientOrderId(id: string): boolean {
  return CLORD_RE.test(id);
}

/** Cold: write a client order id string (validated by the caller) into 8 words. */
export function writeClordString(dst: Int32Array, to: number, id: string): void {
  clearClord(dst, to);
  for (let i = 0; i < id.length && i < CLORD_BYTES; i++) {
    const w = to + (i >> 2);
    dst[w] |= (id.charCodeAt(i) & 0xff) << ((i & 3) * 8);
  }
}

/** Hot (the gateway's JSON order lane): the ASCII bytes [start, end) of a frame as a client order id (validated by the caller). */
export function writeClordBytes(dst: Int32Array, to: number, bytes: Uint8Array, start: number, end: number): void {
  clearClord(dst, to);
  for (let i = 0; i < end - start && i < CLORD_BYTES; i++) dst[to + (i >> 2)] |= bytes[start + i] << ((i & 3) * 8);
}

/** Cold: read a client order id back to a string ("" when empty). */
export function readClordString(src: Int32Array, from: number): string {
  let s = '';
  for (let i = 0; i < CLORD_BYTES; i++) {
    const c = (src[from + (i >> 2)] >>> ((i & 3) * 8)) & 0xff;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Cold (tests, tools): a command as a plain object. */
export interface Command {
  type: number;
  symbolId: number;
  accountId: number;
  side?: number;
  orderType?: number;
  tif?: number;
  stp?: number;
  postOnly?: boolean;
  byClientId?: boolean;
  price?: number;
  qty?: number;
  orderId?: number;
  correlationId?: number;
  rejectCode?: number;
  reason?: number;
  commandSeq?: number;
  ingressTs?: number;
  clientOrderId?: string;
  newClientOrderId?: string;
  stopPrice?: number;
  displayQty?: number;
  expireTime?: number;
  ocoPrice?: number;
  ocoOrderId?: number;
  /** NEW_OCO: the stop leg's type (STOP or STOP_LIMIT) and tif; side, stp, postOnly come from the limit leg's fields. */
  ocoOrderType?: number;
  ocoTif?: number;
}

/** Cold: write a Command into a slot (clears the slot first). */
export function encodeCommand(c: Command, w: Int32Array, b: number): void {
  w.fill(0, b, b + CMD_END);
  w[b + CMD_TYPE] = c.type;
  w[b + CMD_SYMBOL] = c.symbolId;
  w[b + CMD_ACCOUNT] = c.accountId;
  w[b + CMD_META] = packMeta(c.side ?? 0, c.orderType ?? 0, c.tif ?? 0, c.stp ?? 0, c.postOnly ?? false, c.byClientId ?? false, c.reason ?? 0);
  putI64(w, b + CMD_PRICE, c.price ?? 0);
  putI64(w, b + CMD_QTY, c.qty ?? 0);
  putI64(w, b + CMD_ORDER_ID, c.orderId ?? 0);
  putI64(w, b + CMD_CORRELATION, c.correlationId ?? 0);
  w[b + CMD_REJECT] = c.rejectCode ?? 0;
  w[b + CMD_SEQ] = c.commandSeq ?? 0;
  putI64(w, b + CMD_INGRESS_TS, c.ingressTs ?? 0);
  if (c.clientOrderId) writeClordString(w, b + CMD_CLORD, c.clientOrderId);
  if (c.newClientOrderId) writeClordString(w, b + CMD_NEW_CLORD, c.newClientOrderId);
  putI64(w, b + CMD_STOP_PRICE, c.stopPrice ?? 0);
  putI64(w, b + CMD_DISPLAY_QTY, c.displayQty ?? 0);
  putI64(w, b + CMD_EXPIRE_TIME, c.expireTime ?? 0);
  putI64(w, b + CMD_OCO_PRICE, c.ocoPrice ?? 0);
  putI64(w, b + CMD_OCO_ORDER_ID, c.ocoOrderId ?? 0);
  w[b + CMD_OCO_META] = c.ocoOrderType ? packMeta(c.side ?? 0, c.ocoOrderType, c.ocoTif ?? 0, c.stp ?? 0, false) : 0;
}

/** Cold: read a slot back into a Command. */
export function decodeCommand(w: Int32Array, b: number): Command {
  const meta = w[b + CMD_META];
  return {
    type: w[b + CMD_TYPE],
    symbolId: w[b + CMD_SYMBOL],
    accountId: w[b + CMD_ACCOUNT],
    side: metaSide(meta),
    orderType: metaType(meta),
    tif: metaTif(meta),
    stp: metaStp(meta),
    postOnly: metaPostOnly(meta),
    byClientId: metaByClientId(meta),
    price: getI64(w, b + CMD_PRICE),
    qty: getI64(w, b + CMD_QTY),
    orderId: getI64(w, b + CMD_ORDER_ID),
    correlationId: getI64(w, b + CMD_CORRELATION),
    rejectCode: w[b + CMD_REJECT],
    reason: metaReason(meta),
    commandSeq: w[b + CMD_SEQ],
    ingressTs: getI64(w, b + CMD_INGRESS_TS),
    clientOrderId: readClordString(w, b + CMD_CLORD),
    newClientOrderId: readClordString(w, b + CMD_NEW_CLORD),
    stopPrice: getI64(w, b + CMD_STOP_PRICE),
    displayQty: getI64(w, b + CMD_DISPLAY_QTY),
    expireTime: getI64(w, b + CMD_EXPIRE_TIME),
    ocoPrice: getI64(w, b + CMD_OCO_PRICE),
    ocoOrderId: getI64(w, b + CMD_OCO_ORDER_ID),
    ocoOrderType: metaType(w[b + CMD_OCO_META]),
    ocoTif: metaTif(w[b + CMD_OCO_META]),
  };
}

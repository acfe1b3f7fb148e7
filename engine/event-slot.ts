/**
 * Event slot: one thing that happened in a shard, 256 bytes, in that shard's event ring (one
 * producer: the shard; consumers: risk stage, gateway, feeds, persistence). Int32 word indices;
 * int64 fields are little-endian (low word first).
 *
 * ```
 *  word  byte  type   field
 *   0     0    i32    type            EventType
 *   1     4    i32    code            REJECTED: ResultCode; CANCELED/EXPIRED/REPLACED: Reason; ADMIN: CommandType
 *   2     8    i64    seq             per-shard sequence, 1, 2, 3 … with no gaps
 *   4    16    i64    ts              µs since the epoch (read once per batch)
 *   6    24    i64    orderId         the order (taker for TRADE)
 *   8    32    i32    accountId
 *   9    36    i32    symbolId
 *  10    40    i32    meta            as the command meta word (side, type, tif, stp, postOnly)
 *  11    44    i32    status          OrderStatus after this event
 *  12    48    i64    price           order's limit price in ticks (band-edge protection price for MARKET)
 *  14    56    i64    quantity        order quantity in lots
 *  16    64    i64    cumQty          filled so far
 *  18    72    i64    leavesQty       still open (0 once terminal)
 *  20    80    i64    lastPrice       TRADE: trade price                │ other events: stopPrice (STOP / STOP_LIMIT)
 *  22    88    i64    lastQty         TRADE: trade quantity; CANCELED/EXPIRED: quantity canceled;
 *                                     MASS_CANCEL_DONE: orders canceled
 *  24    96    i64    tradeId         TRADE: unique across shards: (shard's trade count) × 256 + shard id (tradeIdOf)
 *                                     │ other events: displayQty (iceberg)
 *  26   104    i64    makerOrderId    TRADE: the resting order       │ other events: expireTime (GTD, ms since the epoch)
 *  28   112    i32    makerAccountId                                 │
 *  29   116    i32    makerStatus                                    │
 *  30   120    i64    makerCumQty                                    │ other events: ocoGroupId (the limit leg's order id)
 *  32   128    i64    makerLeavesQty                                 │ other events: ocoOrderId (the other leg)
 *  34   136    i64    correlationId   of the command that caused the event
 *  36   144    i32    commandType     of the command that caused the event
 *  37   148    i32    makerMeta
 *  38   152    i64    makerQuantity
 *  40   160    32 B   clientOrderId   (taker's for TRADE; the new id for REPLACED)
 *  48   192    32 B   otherClientOrderId  TRADE: maker's; REPLACED: the previous id
 *  56   224    i64    ingressTs       copied from the command (µs since the epoch)
 *  58   232    i32    commandSeq      the risk stage's sequence of the command that caused the event
 *  59   236    i32    batchEnd        1 on the last event of each commit of the shard (see below)
 *  60   240           reserved up to 256 (always 0)
 * ```
 * The order extension (docs/order-types.md) — stopPrice, displayQty, expireTime, ocoGroupId,
 * ocoOrderId — is written on every event about one order except TRADE, and on REJECTED events of
 * NEW / NEW_OCO commands (from the command). It shares words with the trade and maker fields,
 * which only TRADE events use (and which the shard clears on every other event): read it only when
 * `type !== TRADE` (`hasOrderExtension`); a TRADE has no order extension (all 0). So the slot stays
 * 256 bytes, a plain order's event writes nothing more than before, and journals written before
 * order types read the same (their non-TRADE events have zeros there).
 * For every order event: quantity = cumQty + leavesQty, except CANCELED / EXPIRED where leavesQty
 * is 0 and lastQty holds what was canceled (quantity = cumQty + lastQty), and REJECTED.
 *
 * batchEnd marks where the shard published (committed) a batch of events. Readers that coalesce
 * (market data: one book_update per symbol per batch) flush there and nowhere else, so every
 * gateway thread publishes the same updates with the same sequence numbers, however its reads
 * are timed. It is bookkeeping of the live ring, not of the order: a restarted shard may batch
 * differently, so the re-run check (engine/shard-agent.ts) ignores it like the wall clock.
 */
import { CLORD_WORDS, readClordString } from './command-slot.ts';
import { EventType } from './codes.ts';
import { getI64 } from './int64.ts';

export const EVT_SLOT_BYTES = 256;
/** A trade's id: the shard's n-th trade, made unique across shards (at most 256 shards). */
export function tradeIdOf(tradeSeq: number, shardId: number): number {
  return tradeSeq * 256 + shardId;
}

/** The slot in Int32 words (what every reader indexes by). */
export const EVT_SLOT_WORDS = EVT_SLOT_BYTES / 4;
export const EVT_TYPE = 0;
export const EVT_CODE = EVT_TYPE + 1;
export const EVT_SEQ = EVT_CODE + 1;
export const EVT_TS = EVT_SEQ + 2;
export const EVT_ORDER_ID = EVT_TS + 2;
export const EVT_ACCOUNT = EVT_ORDER_ID + 2;
export const EVT_SYMBOL = EVT_ACCOUNT + 1;
export const EVT_META = EVT_SYMBOL + 1;
export const EVT_STATUS = EVT_META + 1;
export const EVT_PRICE = EVT_STATUS + 1;
export const EVT_QTY = EVT_PRICE + 2;
export const EVT_CUM = EVT_QTY + 2;
export const EVT_LEAVES = EVT_CUM + 2;
export const EVT_LAST_PRICE = EVT_LEAVES + 2;
export const EVT_LAST_QTY = EVT_LAST_PRICE + 2;
export const EVT_TRADE_ID = EVT_LAST_QTY + 2;
export const EVT_MAKER_ORDER_ID = EVT_TRADE_ID + 2;
export const EVT_MAKER_ACCOUNT = EVT_MAKER_ORDER_ID + 2;
export const EVT_MAKER_STATUS = EVT_MAKER_ACCOUNT + 1;
export const EVT_MAKER_CUM = EVT_MAKER_STATUS + 1;
export const EVT_MAKER_LEAVES = EVT_MAKER_CUM + 2;
export const EVT_CORRELATION = EVT_MAKER_LEAVES + 2;
export const EVT_COMMAND_TYPE = EVT_CORRELATION + 2;
export const EVT_MAKER_META = EVT_COMMAND_TYPE + 1;
export const EVT_MAKER_QTY = EVT_MAKER_META + 1;
export const EVT_CLORD = EVT_MAKER_QTY + 2;
export const EVT_OTHER_CLORD = EVT_CLORD + CLORD_WORDS;
export const EVT_INGRESS_TS = EVT_OTHER_CLORD + CLORD_WORDS;
export const EVT_COMMAND_SEQ = EVT_INGRESS_TS + 2;
export const EVT_BATCH_END = EVT_COMMAND_SEQ + 1;
export const EVT_END = EVT_BATCH_END + 1;
// The order extension: a union with the trade and maker fields (events other than TRADE; see above).
export const EVT_STOP_PRICE = EVT_LAST_PRICE;
export const EVT_DISPLAY_QTY = EVT_TRADE_ID;
export const EVT_EXPIRE_TIME = EVT_MAKER_ORDER_ID;
export const EVT_OCO_GROUP = EVT_MAKER_CUM;
export const EVT_OCO_ORDER_ID = EVT_MAKER_LEAVES;
/** The words the order extension shares with the maker block (layout checks). */
export const ORDER_EXTENSION_UNION = ['EVT_STOP_PRICE', 'EVT_DISPLAY_QTY', 'EVT_EXPIRE_TIME', 'EVT_OCO_GROUP', 'EVT_OCO_ORDER_ID'] as const;

/** Does this event carry an order extension in the maker block's words (every type but TRADE)? */
export function hasOrderExtension(w: Int32Array, b: number): boolean {
  return w[b + EVT_TYPE] !== EventType.TRADE;
}

/** Cold, allocating view of an event, for tests, logs and reports. */
export interface DecodedEvent {
  type: number;
  code: number;
  seq: number;
  ts: number;
  orderId: number;
  accountId: number;
  symbolId: number;
  meta: number;
  status: number;
  price: number;
  quantity: number;
  cumQty: number;
  leavesQty: number;
  lastPrice: number;
  lastQty: number;
  tradeId: number;
  makerOrderId: number;
  makerAccountId: number;
  makerStatus: number;
  makerCumQty: number;
  makerLeavesQty: number;
  makerMeta: number;
  makerQuantity: number;
  correlationId: number;
  commandType: number;
  clientOrderId: string;
  otherClientOrderId: string;
  ingressTs: number;
  commandSeq: number;
  stopPrice: number;
  displayQty: number;
  expireTime: number;
  ocoGroupId: number;
  ocoOrderId: number;
}

export function decodeEvent(w: Int32Array, b: number): DecodedEvent {
  const trade = !hasOrderExtension(w, b);
  return {
    type: w[b + EVT_TYPE],
    code: w[b + EVT_CODE],
    seq: getI64(w, b + EVT_SEQ),
    ts: getI64(w, b + EVT_TS),
    orderId: getI64(w, b + EVT_ORDER_ID),
    accountId: w[b + EVT_ACCOUNT],
    symbolId: w[b + EVT_SYMBOL],
    meta: w[b + EVT_META],
    status: w[b + EVT_STATUS],
    price: getI64(w, b + EVT_PRICE),
    quantity: getI64(w, b + EVT_QTY),
    cumQty: getI64(w, b + EVT_CUM),
    leavesQty: getI64(w, b + EVT_LEAVES),
    lastPrice: trade ? getI64(w, b + EVT_LAST_PRICE) : 0,
    lastQty: getI64(w, b + EVT_LAST_QTY),
    tradeId: trade ? getI64(w, b + EVT_TRADE_ID) : 0,
    makerOrderId: trade ? getI64(w, b + EVT_MAKER_ORDER_ID) : 0,
    makerAccountId: w[b + EVT_MAKER_ACCOUNT],
    makerStatus: w[b + EVT_MAKER_STATUS],
    makerCumQty: trade ? getI64(w, b + EVT_MAKER_CUM) : 0,
    makerLeavesQty: trade ? getI64(w, b + EVT_MAKER_LEAVES) : 0,
    makerMeta: w[b + EVT_MAKER_META],
    makerQuantity: getI64(w, b + EVT_MAKER_QTY),
    correlationId: getI64(w, b + EVT_CORRELATION),
    commandType: w[b + EVT_COMMAND_TYPE],
    clientOrderId: readClordString(w, b + EVT_CLORD),
    otherClientOrderId: readClordString(w, b + EVT_OTHER_CLORD),
    ingressTs: getI64(w, b + EVT_INGRESS_TS),
    commandSeq: w[b + EVT_COMMAND_SEQ],
    stopPrice: trade ? 0 : getI64(w, b + EVT_STOP_PRICE),
    displayQty: trade ? 0 : getI64(w, b + EVT_DISPLAY_QTY),
    expireTime: trade ? 0 : getI64(w, b + EVT_EXPIRE_TIME),
    ocoGroupId: trade ? 0 : getI64(w, b + EVT_OCO_GROUP),
    ocoOrderId: trade ? 0 : getI64(w, b + EVT_OCO_ORDER_ID),
  };
}

/**
 * E — account views (CQRS read models), projected from the event rings: per account its open
 * orders, a window of its recently closed orders, its recent fills and its positions. Every gateway
 * thread runs one on its own event cursor (gateway/server.ts onEvent, beside feeds/market-data.ts);
 * queries are answered there (gateway/views.ts), never by the engine's threads.
 *
 * The risk stage (engine/risk-core.ts) is the authority these views agree with: an order is open
 * from its ACCEPTED to its terminal event (FILLED, CANCELED, EXPIRED, or REJECTED at a stop-limit's
 * trigger), its leaves and price follow every event about it (as taker, as maker of a TRADE,
 * REPLACED, TRIGGERED), and `account()` sums them as risk reserves them: leaves × price ×
 * notional-per-tick-lot, where the price is the event's (a market order's or stop-market's
 * protection price, a stop-limit's limit price), both legs of an OCO group counted.
 *
 * Hot path (`onEvent`, every event of every shard): records and fills as fixed-size structs on
 * typed arrays (each record a few whole cache lines: the tables are far larger than the caches, so
 * what an event costs is mostly how many lines it touches), two open-addressing indexes (order id,
 * client id), and one 64-word slot copy per order an event touches (the order's last event is kept
 * whole, so a query formats it like a live report). No objects, strings, closures or boxed numbers
 * per event: int64 fields are read inline into typed arrays (a double above 2^31 returned from a
 * call that is not inlined is boxed). Tables grow cold, by doubling, when they hold more than ever
 * before. A record freed by an eviction is the next one taken (LIFO), while its lines are warm.
 *
 * Order of what is kept. Live, a gateway reads the shards' rings interleaved; recovering, it
 * replays one shard's journal after the other (gateway/server.ts replayJournal). So nothing kept
 * may depend on the interleaving: every bounded list is kept sorted by a key carried in the events
 * and holds the top N by that key, whatever order they arrived in.
 *   - closed window of an account: by its closing event, newest last;
 *   - orders sharing a client id (an id reused after its order ended, a refused duplicate): by the
 *     event that gave each its id; the index answers the newest;
 *   - fills of an account: by (ts, tradeId, taker before maker).
 * Events are ordered by the risk stage's command sequence — the order in which it admitted the
 * commands that caused them, causal across shards where their batch clocks are not — and by ts when
 * far apart (`before`).
 * (Within a shard ts never decreases and seq grows, so live arrivals almost always go at the end:
 * inserting is O(1) in steady state.)
 *
 * Per-record layout: drawn below (`REC_WORDS`); `last` and `first` are whole event slots
 * (engine/event-slot.ts). While an order's events all belong to the command that created it, its
 * first outcome and its last event are the same slot: a `first` slot is taken only when they part
 * (FIRST), which keeps ACCEPTED to one copy and most orders (IOCs, orders filled at once) to none.
 */
import { CommandType, EventType, OrderStatus, ResultCode, Side } from '../engine/codes.ts';
import { CLORD_WORDS, isValidClientOrderId, metaSide, readClordString, writeClordString } from '../engine/command-slot.ts';
import {
  EVT_ACCOUNT, EVT_CLORD, EVT_CODE, EVT_COMMAND_SEQ, EVT_COMMAND_TYPE, EVT_CORRELATION, EVT_CUM, EVT_DISPLAY_QTY, EVT_EXPIRE_TIME, EVT_LAST_PRICE,
  EVT_LAST_QTY, EVT_LEAVES, EVT_MAKER_ACCOUNT, EVT_MAKER_LEAVES, EVT_MAKER_META, EVT_MAKER_ORDER_ID, EVT_MAKER_STATUS, EVT_META, EVT_OCO_GROUP,
  EVT_OCO_ORDER_ID, EVT_ORDER_ID, EVT_OTHER_CLORD, EVT_PRICE, EVT_QTY, EVT_SEQ, EVT_SLOT_WORDS, EVT_STATUS, EVT_STOP_PRICE, EVT_SYMBOL,
  EVT_TRADE_ID, EVT_TS, EVT_TYPE,
} from '../engine/event-slot.ts';
import { putI64 } from '../engine/int64.ts';
import type { SnapshotOrder } from '../engine/matching-core.ts';
import type { EngineSpec } from '../engine/config.ts';

export interface ViewOptions {
  /** Recently closed orders kept per account (the oldest by closing time is dropped). */
  closedPerAccount: number;
  /** Fills kept per account (the oldest by (ts, tradeId) is dropped). */
  fillsPerAccount: number;
}

export const DEFAULT_VIEW_OPTIONS: ViewOptions = { closedPerAccount: 1000, fillsPerAccount: 1000 };

/** Stored slots are whole event slots (engine/event-slot.ts). */
export const VIEW_SLOT_WORDS = EVT_SLOT_WORDS;

/** An order as the views hold it: a cold copy, made per query. */
export interface OrderRecord {
  /** The order's last event slot (a REJECTED of a cancel/replace of it is not stored). */
  last: Int32Array;
  /** `last` is a TRADE where this order was the maker: report it with makerReportFromEvent. */
  lastIsMaker: boolean;
  /**
   * Its original outcome: its last own (taker-side) event of the command that created it (ACCEPTED,
   * REJECTED, or the last TRADE / CANCELED / … of that command). Restored orders: synthesized.
   */
  first: Int32Array;
  firstIsMaker: false;
  open: boolean;
  /** Known only from a snapshot: no event about it seen yet. */
  restored: boolean;
  /** µs, ts of its first event (0 if restored). */
  createdTs: number;
  /** Order-type fields from its last non-TRADE event (0 = unset). */
  stopPrice: number;
  displayQty: number;
  expireTime: number;
  ocoGroupId: number;
  ocoOrderId: number;
}

export interface FillRecord {
  tradeId: number;
  orderId: number;
  clientOrderId: string;
  symbol: number;
  side: number;
  price: number;
  quantity: number;
  liquidity: 'maker' | 'taker';
  /** µs, the trade event's ts. */
  ts: number;
}

export interface AccountRecord {
  openOrders: number;
  /** Σ over its open orders of leaves × price × notionalPerTickLot (risk's openNotional when no command is in flight). */
  creditInUse: bigint;
  /** Every symbol, by id: position (Σ signed fills, lots) and the leaves of its open orders per side. */
  positions: Array<{ symbol: number; position: number; openBuy: number; openSell: number }>;
}

const NIL = -1;
const W = EVT_SLOT_WORDS;
const TWO_32 = 4294967296;
const INITIAL_RECORDS = 1024;
const INITIAL_FILLS = 1024;
/** Events closer in time than this are ordered by the risk stage's command sequence (see `before`). */
const CAUSAL_WINDOW_US = 10_000_000;

/*
 * Order record r: REC_WORDS int32 words at ri = r × REC_WORDS of one buffer, seen as Int32Array
 * `rec` (rec[ri + I_…]) and as Float64Array `recF` (recF[ri / 2 + F_…]); 448 bytes, 7 whole cache
 * lines, so an event about an order writes its slot and its few changed fields in one place.
 * Word offsets (F_… float64, 2 words, at word 2 × F_…; I_… int32), one cache line a row:
 *
 *   0 … 63    last slot: the order's last event, whole (engine/event-slot.ts)               4 lines
 *   64 … 79   ID 64 · PRICE 66 · LEAVES 68 · CREATED 70 · FLAGS 72 · NEXT 73 · PREV 74 · OLDER 75 ·
 *             NEWER 76 · CLID_HASH 77 · ID_HASH 78 · SYMBOL 79
 *   80 … 95   SIDE 80 · ID_CMD 81 · ID_TS 82 · ID_ORD 84 · ACCOUNT 86 · FIRST 87 · CLORD 88 … 95
 *   96 … 111  STOP 96 · DISPLAY 98 · EXPIRE 100 · OCO_GROUP 102 · OCO_OTHER 104 · (spare 106 … 111)
 *
 * Word 64's line holds all an eviction reads; word 96's is written only for the few orders that
 * need it (FL_EXT_SAVED, not FL_EXT_ZERO). FLAGS bits: FL_…. NEXT / PREV: open list, closed list
 * or free list (NEXT), one at a time. OLDER / NEWER: records sharing a client id, CLID_HASH its
 * client-id index hash (set while indexed); ID_HASH its order-id index hash (set while FL_BY_ID).
 * ID_TS / ID_CMD / ID_ORD: the key (see `before`) of the event that gave the record its client id
 * (ts −1: restored, before all). A closed record's closing key is its last slot's (the closing
 * event is the last it follows). FIRST: its first outcome's slot in the `first` pool (taken when
 * first and last part), NIL while first = last. STOP … OCO_OTHER: its order-type fields, when
 * they are no longer its last slot's (FL_EXT_SAVED).
 */
const REC_WORDS = 112;
const F_ID = 32;
const F_PRICE = 33;
const F_LEAVES = 34;
const F_CREATED = 35;
const I_FLAGS = 72;
const I_NEXT = 73;
const I_PREV = 74;
const I_OLDER = 75;
const I_NEWER = 76;
const I_CLID_HASH = 77;
const I_ID_HASH = 78;
const I_SYMBOL = 79;
const I_SIDE = 80;
const I_ID_CMD = 81;
const F_ID_TS = 41;
const F_ID_ORD = 42;
const I_ACCOUNT = 86;
const I_FIRST = 87;
const I_CLORD = 88;
const F_STOP = 48;
const F_DISPLAY = 49;
const F_EXPIRE = 50;
const F_OCO_GROUP = 51;
const F_OCO_OTHER = 52;
/** Open (from ACCEPTED to its terminal event). */
const FL_OPEN = 1;
/** Known only from a snapshot. */
const FL_RESTORED = 2;
/** The last slot is a TRADE where this order was the maker. */
const FL_LAST_MAKER = 4;
/** The order-id index holds it. */
const FL_BY_ID = 8;
/** The client-id index holds it. */
const FL_BY_CLID = 16;
/**
 * Its order-type fields (from its last non-TRADE event) are saved in STOP … OCO_OTHER: its last
 * slot is a TRADE (or an event that does not carry them). Else they are its last slot's.
 */
const FL_EXT_SAVED = 32;
/** With FL_EXT_SAVED: they are all 0 (a plain order), and STOP … OCO_OTHER are stale. */
const FL_EXT_ZERO = 64;
/** `first` slots the pool starts with. */
const INITIAL_FIRSTS = 256;

/*
 * Fill f: FILL_WORDS int32 words at fi = f × FILL_WORDS of one buffer, seen as `fil` (I) and
 * `filF` (F, at fi / 2), as records; 96 bytes:
 *
 *   TS 0 · TRADE_ID 2 · ORDER_ID 4 · PRICE 6 · QTY 8 (float64) · SYMBOL 10 · SIDE 11 · MAKER 12 ·
 *   NEXT 13 · PREV 14 · (spare 15) · CLORD 16 … 23
 */
const FILL_WORDS = 24;
const FF_TS = 0;
const FF_TRADE_ID = 1;
const FF_ORDER_ID = 2;
const FF_PRICE = 3;
const FF_QTY = 4;
const FI_SYMBOL = 10;
const FI_SIDE = 11;
const FI_MAKER = 12;
const FI_NEXT = 13;
const FI_PREV = 14;
const FI_CLORD = 16;

export class AccountViews {
  private readonly nAccounts: number;
  private readonly nSymbols: number;
  private readonly closedCap: number;
  private readonly fillsCap: number;
  private readonly shardOf: Int32Array;
  // ---- per account
  private readonly openHead: Int32Array;
  private readonly openCount: Int32Array;
  /** Closed window: a list sorted by closing key, head = oldest. */
  private readonly closedHead: Int32Array;
  private readonly closedTail: Int32Array;
  private readonly closedCount: Int32Array;
  /** Fills: a list sorted by (ts, tradeId, maker), head = oldest. */
  private readonly fillHead: Int32Array;
  private readonly fillTail: Int32Array;
  private readonly fillCount: Int32Array;
  // ---- per account × symbol
  private readonly position: Float64Array;
  // ---- order records (layout above), free list LIFO (a record freed by an eviction is reused warm)
  private recCap = 0;
  private recFree = NIL;
  private rec = new Int32Array(0);
  private recF = new Float64Array(0);
  /** The `first` pool: slots taken by records whose first outcome and last event parted; free list through word 0. */
  private firstSlots = new Int32Array(0);
  private firstCap = 0;
  private firstFree = NIL;
  // ---- the two indexes: open addressing (≤ 50 % load), backward-shift deletion; entry i at 2i:
  //      [record, hash]. A key is compared only where the hash matches; an indexed record is found
  //      again by its hash kept in it, comparing no key.
  /** Order id → record (an order id is in it while its record is kept). */
  private iTable = new Int32Array(0);
  private iMask = 0;
  private iSize = 0;
  /** (account, client id) → newest record; older ones sharing the id chained from it. */
  private cTable = new Int32Array(0);
  private cMask = 0;
  private cSize = 0;
  // ---- fills (layout above), free list LIFO
  private fillCap = 0;
  private fillFree = NIL;
  private fil = new Int32Array(0);
  private filF = new Float64Array(0);
  // ---- totals (metrics)
  private openTotal = 0;
  private closedTotal = 0;
  private fillTotal = 0;
  /** Cold scratch: client-id lookups, synthesized slots. */
  private readonly scratch = new Int32Array(W);

  constructor(
    private readonly spec: EngineSpec,
    opts: Partial<ViewOptions> = {},
  ) {
    const o = { ...DEFAULT_VIEW_OPTIONS, ...opts };
    for (const [k, v] of Object.entries(o)) if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`AccountViews: ${k} must be a whole number ≥ 1 (got ${v})`);
    this.closedCap = o.closedPerAccount;
    this.fillsCap = o.fillsPerAccount;
    const na = spec.accounts.length;
    const ns = spec.symbols.length;
    this.nAccounts = na;
    this.nSymbols = ns;
    this.shardOf = Int32Array.from(spec.symbols, (s) => s.shard);
    this.openHead = new Int32Array(na).fill(NIL);
    this.openCount = new Int32Array(na);
    this.closedHead = new Int32Array(na).fill(NIL);
    this.closedTail = new Int32Array(na).fill(NIL);
    this.closedCount = new Int32Array(na);
    this.fillHead = new Int32Array(na).fill(NIL);
    this.fillTail = new Int32Array(na).fill(NIL);
    this.fillCount = new Int32Array(na);
    this.position = new Float64Array(na * ns);
    this.growRecords(INITIAL_RECORDS);
    this.growFills(INITIAL_FILLS);
    this.growClientIndex(INITIAL_RECORDS * 2);
    this.growIdIndex(INITIAL_RECORDS);
  }

  // ================================================================== hot: events

  /** Follow one event of any shard (hot: allocation-free in steady state). */
  onEvent(w: Int32Array, b: number): void {
    switch (w[b + EVT_TYPE]) {
      case EventType.ACCEPTED:
        this.onAccepted(w, b);
        return;
      case EventType.TRADE:
        this.onTrade(w, b);
        return;
      case EventType.CANCELED:
      case EventType.EXPIRED:
        this.onOrderEvent(w, b, true);
        return;
      case EventType.TRIGGERED:
        this.onOrderEvent(w, b, false);
        return;
      case EventType.REPLACED:
        this.onReplaced(w, b);
        return;
      case EventType.REJECTED:
        this.onRejected(w, b);
        return;
      default:
    }
  }

  /** The open record event w[b] is about (by its order id at `at`), or NIL. */
  private openRecord(w: Int32Array, b: number, at: number): number {
    const lo = w[b + at];
    const hi = w[b + at + 1];
    const r = this.iTable[2 * this.idSlot(lo, hi, idHash(lo, hi))];
    return r !== NIL && (this.rec[r * REC_WORDS + I_FLAGS] & FL_OPEN) !== 0 ? r : NIL;
  }

  private onAccepted(w: Int32Array, b: number): void {
    const a = w[b + EVT_ACCOUNT];
    if (a < 0 || a >= this.nAccounts) return;
    if ((this.iSize + 1) * 4 > this.iTable.length) this.growIdIndex(this.iTable.length / 2);
    const lo = w[b + EVT_ORDER_ID];
    const hi = w[b + EVT_ORDER_ID + 1];
    const h = idHash(lo, hi);
    const i = this.idSlot(lo, hi, h);
    const held = this.iTable[2 * i];
    if (held !== NIL) {
      // (Cannot happen: ids are unique. An order already open just follows the event.)
      if ((this.rec[held * REC_WORDS + I_FLAGS] & FL_OPEN) !== 0) this.follow(held, w, b, false, false);
      return;
    }
    // Both index entries are found before the record is filled (from the event's words): their
    // cache misses then overlap the copy's instead of following it.
    const ch = clidHash(a, w, b + EVT_CLORD);
    let ci = 0;
    if (ch !== NIL) {
      if ((this.cSize + 1) * 4 > this.cTable.length) this.growClientIndex(this.cTable.length / 2);
      ci = this.clidSlot(a, w, b + EVT_CLORD, ch);
    }
    const r = this.newRecord(w, b, a);
    this.rec[r * REC_WORDS + I_FLAGS] |= FL_OPEN;
    this.linkOpen(r, a);
    this.idPut(r, i, h);
    if (ch !== NIL) this.clidLink(r, ci, ch);
  }

  /** CANCELED / EXPIRED (terminal) or TRIGGERED: an event about one open order. */
  private onOrderEvent(w: Int32Array, b: number, terminal: boolean): void {
    const r = this.openRecord(w, b, EVT_ORDER_ID);
    if (r === NIL) return;
    this.follow(r, w, b, false, true);
    const rf = r * (REC_WORDS / 2);
    this.recF[rf + F_PRICE] = w[b + EVT_PRICE + 1] * TWO_32 + (w[b + EVT_PRICE] >>> 0);
    if (terminal) {
      this.recF[rf + F_LEAVES] = 0;
      this.close(r);
    } else {
      this.recF[rf + F_LEAVES] = w[b + EVT_LEAVES + 1] * TWO_32 + (w[b + EVT_LEAVES] >>> 0);
    }
  }

  private onReplaced(w: Int32Array, b: number): void {
    const r = this.openRecord(w, b, EVT_ORDER_ID);
    if (r === NIL) return;
    this.follow(r, w, b, false, true);
    const rf = r * (REC_WORDS / 2);
    this.recF[rf + F_PRICE] = w[b + EVT_PRICE + 1] * TWO_32 + (w[b + EVT_PRICE] >>> 0);
    this.recF[rf + F_LEAVES] = w[b + EVT_LEAVES + 1] * TWO_32 + (w[b + EVT_LEAVES] >>> 0);
    // A new client id (EVT_CLORD; the previous one is EVT_OTHER_CLORD): re-index under it.
    const c = r * REC_WORDS + I_CLORD;
    const rec = this.rec;
    let same = true;
    for (let k = 0; k < CLORD_WORDS; k++) if (rec[c + k] !== w[b + EVT_CLORD + k]) same = false;
    if (same) return;
    if ((rec[r * REC_WORDS + I_FLAGS] & FL_BY_CLID) !== 0) this.clidRemove(r);
    for (let k = 0; k < CLORD_WORDS; k++) rec[c + k] = w[b + EVT_CLORD + k];
    this.idKey(r, w, b);
    this.clidAdd(r);
  }

  private onTrade(w: Int32Array, b: number): void {
    const s = w[b + EVT_SYMBOL];
    const qty = w[b + EVT_LAST_QTY + 1] * TWO_32 + (w[b + EVT_LAST_QTY] >>> 0);
    const ta = w[b + EVT_ACCOUNT];
    if (ta >= 0 && ta < this.nAccounts) {
      if (s >= 0 && s < this.nSymbols) this.position[ta * this.nSymbols + s] += metaSide(w[b + EVT_META]) === Side.BUY ? qty : -qty;
      this.addFill(ta, w, b, 0);
    }
    const ma = w[b + EVT_MAKER_ACCOUNT];
    if (ma >= 0 && ma < this.nAccounts) {
      if (s >= 0 && s < this.nSymbols) this.position[ma * this.nSymbols + s] += metaSide(w[b + EVT_MAKER_META]) === Side.BUY ? qty : -qty;
      this.addFill(ma, w, b, 1);
    }
    const t = this.openRecord(w, b, EVT_ORDER_ID);
    if (t !== NIL) {
      this.follow(t, w, b, false, false);
      const tf = t * (REC_WORDS / 2);
      this.recF[tf + F_PRICE] = w[b + EVT_PRICE + 1] * TWO_32 + (w[b + EVT_PRICE] >>> 0);
      this.recF[tf + F_LEAVES] = w[b + EVT_LEAVES + 1] * TWO_32 + (w[b + EVT_LEAVES] >>> 0);
      if (w[b + EVT_STATUS] === OrderStatus.FILLED) this.close(t);
    }
    const m = this.openRecord(w, b, EVT_MAKER_ORDER_ID);
    if (m !== NIL) {
      // A maker trades at its own (resting) price: the trade price; its price field stays.
      this.follow(m, w, b, true, false);
      this.recF[m * (REC_WORDS / 2) + F_LEAVES] = w[b + EVT_MAKER_LEAVES + 1] * TWO_32 + (w[b + EVT_MAKER_LEAVES] >>> 0);
      if (w[b + EVT_MAKER_STATUS] === OrderStatus.FILLED) this.close(m);
    }
  }

  private onRejected(w: Int32Array, b: number): void {
    const cmd = w[b + EVT_COMMAND_TYPE];
    if (w[b + EVT_CODE] === ResultCode.MATCH_STOP_PRICE_BAND) {
      // A stop-limit refused at its trigger (during any command): the order ends.
      const r = this.openRecord(w, b, EVT_ORDER_ID);
      if (r === NIL) return;
      this.follow(r, w, b, false, true);
      this.recF[r * (REC_WORDS / 2) + F_LEAVES] = 0;
      this.close(r);
      return;
    }
    // A refused cancel / replace leaves its order as it was; refused admin commands concern no order.
    if (cmd !== CommandType.NEW && cmd !== CommandType.NEW_OCO) return;
    const a = w[b + EVT_ACCOUNT];
    if (a < 0 || a >= this.nAccounts) return;
    // A refused new order (risk: order id 0; matching: its id): straight into the closed window.
    const r = this.newRecord(w, b, a);
    this.recF[r * (REC_WORDS / 2) + F_LEAVES] = 0;
    const lo = w[b + EVT_ORDER_ID];
    const hi = w[b + EVT_ORDER_ID + 1];
    if ((lo | hi) !== 0) {
      if ((this.iSize + 1) * 4 > this.iTable.length) this.growIdIndex(this.iTable.length / 2);
      const h = idHash(lo, hi);
      const i = this.idSlot(lo, hi, h);
      if (this.iTable[2 * i] === NIL) this.idPut(r, i, h);
    }
    this.clidAdd(r);
    this.closedInsert(r, a);
  }

  /**
   * The event w[b] is about open record r (as taker, or as `maker` of a TRADE): it becomes the
   * record's last slot; the first outcome is frozen when the creating command's events end.
   * `orderType`: the event carries the order's order-type fields (a non-TRADE event about it,
   * engine/event-slot.ts: they share words with the maker block); else they are kept.
   */
  private follow(r: number, w: Int32Array, b: number, maker: boolean, orderType: boolean): void {
    const ri = r * REC_WORDS;
    const rec = this.rec;
    let flags = rec[ri + I_FLAGS];
    if (orderType) flags &= ~FL_EXT_SAVED;
    else if ((flags & FL_EXT_SAVED) === 0) flags = this.saveExtension(r, flags);
    if (rec[ri + I_FIRST] === NIL) {
      const sameCommand =
        !maker && w[b + EVT_COMMAND_SEQ] === rec[ri + EVT_COMMAND_SEQ] && w[b + EVT_COMMAND_TYPE] === rec[ri + EVT_COMMAND_TYPE] &&
        w[b + EVT_CORRELATION] === rec[ri + EVT_CORRELATION] && w[b + EVT_CORRELATION + 1] === rec[ri + EVT_CORRELATION + 1];
      if (!sameCommand) {
        const f = this.takeFirst();
        copySlot(this.firstSlots, f * W, rec, ri);
        rec[ri + I_FIRST] = f;
      }
    }
    copySlot(rec, ri, w, b);
    rec[ri + I_FLAGS] = (flags & ~(FL_LAST_MAKER | FL_RESTORED)) | (maker ? FL_LAST_MAKER : 0);
  }

  /** Record r's order-type fields, from its last slot (about to be overwritten), saved in the record; returns its flags with FL_EXT_SAVED. */
  private saveExtension(r: number, flags: number): number {
    const rec = this.rec;
    const ri = r * REC_WORDS;
    if (
      (rec[ri + EVT_STOP_PRICE] | rec[ri + EVT_STOP_PRICE + 1] | rec[ri + EVT_DISPLAY_QTY] | rec[ri + EVT_DISPLAY_QTY + 1] | rec[ri + EVT_EXPIRE_TIME] |
        rec[ri + EVT_EXPIRE_TIME + 1] | rec[ri + EVT_OCO_GROUP] | rec[ri + EVT_OCO_GROUP + 1] | rec[ri + EVT_OCO_ORDER_ID] | rec[ri + EVT_OCO_ORDER_ID + 1]) === 0
    ) {
      return flags | FL_EXT_SAVED | FL_EXT_ZERO;
    }
    const rf = ri / 2;
    const recF = this.recF;
    recF[rf + F_STOP] = rec[ri + EVT_STOP_PRICE + 1] * TWO_32 + (rec[ri + EVT_STOP_PRICE] >>> 0);
    recF[rf + F_DISPLAY] = rec[ri + EVT_DISPLAY_QTY + 1] * TWO_32 + (rec[ri + EVT_DISPLAY_QTY] >>> 0);
    recF[rf + F_EXPIRE] = rec[ri + EVT_EXPIRE_TIME + 1] * TWO_32 + (rec[ri + EVT_EXPIRE_TIME] >>> 0);
    recF[rf + F_OCO_GROUP] = rec[ri + EVT_OCO_GROUP + 1] * TWO_32 + (rec[ri + EVT_OCO_GROUP] >>> 0);
    recF[rf + F_OCO_OTHER] = rec[ri + EVT_OCO_ORDER_ID + 1] * TWO_32 + (rec[ri + EVT_OCO_ORDER_ID] >>> 0);
    return (flags | FL_EXT_SAVED) & ~FL_EXT_ZERO;
  }

  /** The key of event w[b] (see `before`) as record r's client-id key (the shard from the symbol; 0 for an unknown one, where risk sends it). */
  private idKey(r: number, w: Int32Array, b: number): void {
    const s = w[b + EVT_SYMBOL];
    const shard = s >= 0 && s < this.nSymbols ? this.shardOf[s] : 0;
    const ri = r * REC_WORDS;
    this.recF[ri / 2 + F_ID_TS] = w[b + EVT_TS + 1] * TWO_32 + (w[b + EVT_TS] >>> 0);
    this.rec[ri + I_ID_CMD] = w[b + EVT_COMMAND_SEQ];
    this.recF[ri / 2 + F_ID_ORD] = (w[b + EVT_SEQ + 1] * TWO_32 + (w[b + EVT_SEQ] >>> 0)) * 256 + shard;
  }

  /**
   * Is record i's key before record j's — their closing keys (`closing`: of their last slots) or
   * their client-id keys? Events of different shards carry their own batch clocks, and a batch's
   * ts is read once at its start: between shards, ts orders what happened only to within a batch.
   * The risk stage's command sequence orders the commands that caused them exactly (it admits one
   * at a time, in one order) but wraps at 2^31: it decides between events less than
   * CAUSAL_WINDOW_US apart (far fewer commands than 2^31), ts beyond; then ts, then seq × 256 + shard.
   */
  private before(i: number, j: number, closing: boolean): boolean {
    const rec = this.rec;
    const ii = i * REC_WORDS;
    const jj = j * REC_WORDS;
    let ti: number;
    let tj: number;
    let ci: number;
    let cj: number;
    if (closing) {
      ti = rec[ii + EVT_TS + 1] * TWO_32 + (rec[ii + EVT_TS] >>> 0);
      tj = rec[jj + EVT_TS + 1] * TWO_32 + (rec[jj + EVT_TS] >>> 0);
      ci = rec[ii + EVT_COMMAND_SEQ];
      cj = rec[jj + EVT_COMMAND_SEQ];
    } else {
      ti = this.recF[ii / 2 + F_ID_TS];
      tj = this.recF[jj / 2 + F_ID_TS];
      ci = rec[ii + I_ID_CMD];
      cj = rec[jj + I_ID_CMD];
    }
    if (ti < 0 || tj < 0 || ti - tj > CAUSAL_WINDOW_US || tj - ti > CAUSAL_WINDOW_US) return ti < tj;
    const d = (ci - cj) | 0;
    if (d !== 0) return d < 0;
    if (ti !== tj) return ti < tj;
    return closing ? this.slotSeqBefore(ii, jj) : this.recF[ii / 2 + F_ID_ORD] < this.recF[jj / 2 + F_ID_ORD];
  }

  /** Is seq × 256 + shard of the last slot at rec[ii] below that at rec[jj] (closing keys' last part)? A boolean: nothing boxed if not inlined. */
  private slotSeqBefore(ii: number, jj: number): boolean {
    const rec = this.rec;
    const si = rec[ii + EVT_SYMBOL];
    const sj = rec[jj + EVT_SYMBOL];
    const oi = (rec[ii + EVT_SEQ + 1] * TWO_32 + (rec[ii + EVT_SEQ] >>> 0)) * 256 + (si >= 0 && si < this.nSymbols ? this.shardOf[si] : 0);
    const oj = (rec[jj + EVT_SEQ + 1] * TWO_32 + (rec[jj + EVT_SEQ] >>> 0)) * 256 + (sj >= 0 && sj < this.nSymbols ? this.shardOf[sj] : 0);
    return oi < oj;
  }

  /**
   * A fresh record from an ACCEPTED or REJECTED event (first = last): not linked, not indexed, not
   * open (its list and client-id links are set when it joins them).
   */
  private newRecord(w: Int32Array, b: number, a: number): number {
    if (this.recFree === NIL) this.growRecords(this.recCap * 2);
    const r = this.recFree;
    const rec = this.rec;
    const recF = this.recF;
    const ri = r * REC_WORDS;
    const rf = ri / 2;
    this.recFree = rec[ri + I_NEXT];
    copySlot(rec, ri, w, b);
    recF[rf + F_ID] = w[b + EVT_ORDER_ID + 1] * TWO_32 + (w[b + EVT_ORDER_ID] >>> 0);
    recF[rf + F_PRICE] = w[b + EVT_PRICE + 1] * TWO_32 + (w[b + EVT_PRICE] >>> 0);
    recF[rf + F_LEAVES] = w[b + EVT_LEAVES + 1] * TWO_32 + (w[b + EVT_LEAVES] >>> 0);
    rec[ri + I_ACCOUNT] = a;
    rec[ri + I_SYMBOL] = w[b + EVT_SYMBOL];
    rec[ri + I_SIDE] = metaSide(w[b + EVT_META]);
    recF[rf + F_CREATED] = w[b + EVT_TS + 1] * TWO_32 + (w[b + EVT_TS] >>> 0);
    rec[ri + I_FLAGS] = 0;
    rec[ri + I_FIRST] = NIL;
    for (let k = 0; k < CLORD_WORDS; k++) rec[ri + I_CLORD + k] = w[b + EVT_CLORD + k];
    this.idKey(r, w, b);
    return r;
  }

  private linkOpen(r: number, a: number): void {
    const rec = this.rec;
    const head = this.openHead[a];
    rec[r * REC_WORDS + I_PREV] = NIL;
    rec[r * REC_WORDS + I_NEXT] = head;
    if (head !== NIL) rec[head * REC_WORDS + I_PREV] = r;
    this.openHead[a] = r;
    this.openCount[a]++;
    this.openTotal++;
  }

  private unlinkOpen(r: number, a: number): void {
    const rec = this.rec;
    const prev = rec[r * REC_WORDS + I_PREV];
    const next = rec[r * REC_WORDS + I_NEXT];
    if (prev === NIL) this.openHead[a] = next;
    else rec[prev * REC_WORDS + I_NEXT] = next;
    if (next !== NIL) rec[next * REC_WORDS + I_PREV] = prev;
    this.openCount[a]--;
    this.openTotal--;
  }

  /** Open record r ends with the event it has just followed (its last slot): into its account's closed window. */
  private close(r: number): void {
    const ri = r * REC_WORDS;
    const a = this.rec[ri + I_ACCOUNT];
    this.unlinkOpen(r, a);
    this.rec[ri + I_FLAGS] &= ~FL_OPEN;
    this.closedInsert(r, a);
  }

  /** Into the account's closed window by closing key; the window keeps its newest `closedPerAccount`. */
  private closedInsert(r: number, a: number): void {
    const rec = this.rec;
    const ri = r * REC_WORDS;
    let after = this.closedTail[a];
    while (after !== NIL && this.before(r, after, true)) after = rec[after * REC_WORDS + I_PREV];
    rec[ri + I_PREV] = after;
    let next: number;
    if (after === NIL) {
      next = this.closedHead[a];
      this.closedHead[a] = r;
    } else {
      next = rec[after * REC_WORDS + I_NEXT];
      rec[after * REC_WORDS + I_NEXT] = r;
    }
    rec[ri + I_NEXT] = next;
    if (next === NIL) this.closedTail[a] = r;
    else rec[next * REC_WORDS + I_PREV] = r;
    this.closedCount[a]++;
    this.closedTotal++;
    while (this.closedCount[a] > this.closedCap) this.evictClosed(a);
  }

  /** Drop the account's oldest closed record: out of both indexes, back to the free list. */
  private evictClosed(a: number): void {
    const rec = this.rec;
    const r = this.closedHead[a];
    const next = rec[r * REC_WORDS + I_NEXT];
    this.closedHead[a] = next;
    if (next === NIL) this.closedTail[a] = NIL;
    else rec[next * REC_WORDS + I_PREV] = NIL;
    this.closedCount[a]--;
    this.closedTotal--;
    this.forget(r);
  }

  /** Unindex record r and free it (it is in no list any more). */
  private forget(r: number): void {
    const ri = r * REC_WORDS;
    const flags = this.rec[ri + I_FLAGS];
    if ((flags & FL_BY_ID) !== 0) this.idRemove(r);
    if ((flags & FL_BY_CLID) !== 0) this.clidRemove(r);
    const f = this.rec[ri + I_FIRST];
    if (f !== NIL) {
      this.firstSlots[f * W] = this.firstFree;
      this.firstFree = f;
    }
    this.rec[ri + I_FLAGS] = 0;
    this.rec[ri + I_NEXT] = this.recFree;
    this.recFree = r;
  }

  // ------------------------------------------------------------------ order-id index

  /** The id index's entry for order id hi × 2^32 + lo (int32 words, as in a slot), or the empty entry where it would go. */
  private idSlot(lo: number, hi: number, h: number): number {
    const table = this.iTable;
    const recF = this.recF;
    const mask = this.iMask;
    const id = hi * TWO_32 + (lo >>> 0);
    let i = h & mask;
    for (;;) {
      const e = table[2 * i];
      if (e === NIL || (table[2 * i + 1] === h && recF[e * (REC_WORDS / 2) + F_ID] === id)) return i;
      i = (i + 1) & mask;
    }
  }

  /** Index record r at empty entry i (from idSlot, with room checked before it). */
  private idPut(r: number, i: number, h: number): void {
    this.iTable[2 * i] = r;
    this.iTable[2 * i + 1] = h;
    this.iSize++;
    this.rec[r * REC_WORDS + I_ID_HASH] = h;
    this.rec[r * REC_WORDS + I_FLAGS] |= FL_BY_ID;
  }

  private idRemove(r: number): void {
    const table = this.iTable;
    const mask = this.iMask;
    let i = this.rec[r * REC_WORDS + I_ID_HASH] & mask;
    while (table[2 * i] !== r) i = (i + 1) & mask;
    deleteEntry(table, mask, i);
    this.iSize--;
    this.rec[r * REC_WORDS + I_FLAGS] &= ~FL_BY_ID;
  }

  /** Cold: the record of order id (a safe integer), or NIL. */
  private byId(id: number): number {
    const lo = id % TWO_32 | 0;
    const hi = Math.floor(id / TWO_32) | 0;
    return this.iTable[2 * this.idSlot(lo, hi, idHash(lo, hi))];
  }

  // ------------------------------------------------------------------ client-id index

  /** The index entry holding (a, the id at ids[at]), or the empty entry where it would go. */
  private clidSlot(a: number, ids: Int32Array, at: number, h: number): number {
    const table = this.cTable;
    const rec = this.rec;
    const mask = this.cMask;
    let i = h & mask;
    for (;;) {
      const e = table[2 * i];
      if (e === NIL) return i;
      const ei = e * REC_WORDS;
      if (table[2 * i + 1] === h && rec[ei + I_ACCOUNT] === a) {
        let eq = true;
        for (let k = 0; k < CLORD_WORDS; k++) if (rec[ei + I_CLORD + k] !== ids[at + k]) eq = false;
        if (eq) return i;
      }
      i = (i + 1) & mask;
    }
  }

  /** Index record r under (its account, its client id), in its place among records sharing the id. */
  private clidAdd(r: number): void {
    const rec = this.rec;
    const ri = r * REC_WORDS;
    const c = ri + I_CLORD;
    const a = rec[ri + I_ACCOUNT];
    const h = clidHash(a, rec, c);
    if (h === NIL) return;
    if ((this.cSize + 1) * 4 > this.cTable.length) this.growClientIndex(this.cTable.length / 2);
    this.clidLink(r, this.clidSlot(a, rec, c, h), h);
  }

  /** Index record r (a client id not empty) at entry i of the index (clidSlot of its key, hash h), in its place among records sharing the id. */
  private clidLink(r: number, i: number, h: number): void {
    const rec = this.rec;
    const ri = r * REC_WORDS;
    const table = this.cTable;
    rec[ri + I_FLAGS] |= FL_BY_CLID;
    rec[ri + I_CLID_HASH] = h;
    const head = table[2 * i];
    if (head === NIL) {
      table[2 * i] = r;
      table[2 * i + 1] = h;
      this.cSize++;
      rec[ri + I_OLDER] = NIL;
      rec[ri + I_NEWER] = NIL;
      return;
    }
    if (!this.before(r, head, false)) {
      table[2 * i] = r;
      rec[ri + I_NEWER] = NIL;
      rec[ri + I_OLDER] = head;
      rec[head * REC_WORDS + I_NEWER] = r;
      return;
    }
    let newer = head;
    for (;;) {
      const o = rec[newer * REC_WORDS + I_OLDER];
      if (o === NIL || !this.before(r, o, false)) break;
      newer = o;
    }
    const older = rec[newer * REC_WORDS + I_OLDER];
    rec[ri + I_NEWER] = newer;
    rec[ri + I_OLDER] = older;
    rec[newer * REC_WORDS + I_OLDER] = r;
    if (older !== NIL) rec[older * REC_WORDS + I_NEWER] = r;
  }

  /** Take record r out of the client-id index. */
  private clidRemove(r: number): void {
    const rec = this.rec;
    const ri = r * REC_WORDS;
    rec[ri + I_FLAGS] &= ~FL_BY_CLID;
    const newer = rec[ri + I_NEWER];
    const older = rec[ri + I_OLDER];
    rec[ri + I_NEWER] = NIL;
    rec[ri + I_OLDER] = NIL;
    if (newer !== NIL) {
      rec[newer * REC_WORDS + I_OLDER] = older;
      if (older !== NIL) rec[older * REC_WORDS + I_NEWER] = newer;
      return;
    }
    // r is the newest, so its entry is the one holding r on its probe path.
    const table = this.cTable;
    const mask = this.cMask;
    let i = rec[ri + I_CLID_HASH] & mask;
    while (table[2 * i] !== r) i = (i + 1) & mask;
    if (older !== NIL) {
      // Its entry goes to the next older.
      table[2 * i] = older;
      rec[older * REC_WORDS + I_NEWER] = NIL;
      return;
    }
    deleteEntry(table, mask, i);
    this.cSize--;
  }

  // ------------------------------------------------------------------ fills

  /** Is fill i before fill j (ts, tradeId, taker before maker)? */
  private fillBefore(i: number, j: number): boolean {
    const filF = this.filF;
    const fi = i * (FILL_WORDS / 2);
    const fj = j * (FILL_WORDS / 2);
    const ti = filF[fi + FF_TS];
    const tj = filF[fj + FF_TS];
    if (ti !== tj) return ti < tj;
    const di = filF[fi + FF_TRADE_ID];
    const dj = filF[fj + FF_TRADE_ID];
    return di < dj || (di === dj && this.fil[i * FILL_WORDS + FI_MAKER] < this.fil[j * FILL_WORDS + FI_MAKER]);
  }

  /** The taker's (maker = 0) or the maker's (1) fill of TRADE w[b] for account a; the account keeps its newest `fillsPerAccount`. */
  private addFill(a: number, w: Int32Array, b: number, maker: number): void {
    if (this.fillFree === NIL) this.growFills(this.fillCap * 2);
    const f = this.fillFree;
    const fil = this.fil;
    const filF = this.filF;
    const fi = f * FILL_WORDS;
    const ff = fi / 2;
    this.fillFree = fil[fi + FI_NEXT];
    filF[ff + FF_TS] = w[b + EVT_TS + 1] * TWO_32 + (w[b + EVT_TS] >>> 0);
    filF[ff + FF_TRADE_ID] = w[b + EVT_TRADE_ID + 1] * TWO_32 + (w[b + EVT_TRADE_ID] >>> 0);
    filF[ff + FF_PRICE] = w[b + EVT_LAST_PRICE + 1] * TWO_32 + (w[b + EVT_LAST_PRICE] >>> 0);
    filF[ff + FF_QTY] = w[b + EVT_LAST_QTY + 1] * TWO_32 + (w[b + EVT_LAST_QTY] >>> 0);
    fil[fi + FI_SYMBOL] = w[b + EVT_SYMBOL];
    fil[fi + FI_MAKER] = maker;
    const c = fi + FI_CLORD;
    if (maker === 0) {
      filF[ff + FF_ORDER_ID] = w[b + EVT_ORDER_ID + 1] * TWO_32 + (w[b + EVT_ORDER_ID] >>> 0);
      fil[fi + FI_SIDE] = metaSide(w[b + EVT_META]);
      for (let k = 0; k < CLORD_WORDS; k++) fil[c + k] = w[b + EVT_CLORD + k];
    } else {
      filF[ff + FF_ORDER_ID] = w[b + EVT_MAKER_ORDER_ID + 1] * TWO_32 + (w[b + EVT_MAKER_ORDER_ID] >>> 0);
      fil[fi + FI_SIDE] = metaSide(w[b + EVT_MAKER_META]);
      for (let k = 0; k < CLORD_WORDS; k++) fil[c + k] = w[b + EVT_OTHER_CLORD + k];
    }
    let after = this.fillTail[a];
    while (after !== NIL && this.fillBefore(f, after)) after = fil[after * FILL_WORDS + FI_PREV];
    fil[fi + FI_PREV] = after;
    let next: number;
    if (after === NIL) {
      next = this.fillHead[a];
      this.fillHead[a] = f;
    } else {
      next = fil[after * FILL_WORDS + FI_NEXT];
      fil[after * FILL_WORDS + FI_NEXT] = f;
    }
    fil[fi + FI_NEXT] = next;
    if (next === NIL) this.fillTail[a] = f;
    else fil[next * FILL_WORDS + FI_PREV] = f;
    this.fillTotal++;
    if (++this.fillCount[a] > this.fillsCap) {
      const old = this.fillHead[a];
      const n = fil[old * FILL_WORDS + FI_NEXT];
      this.fillHead[a] = n;
      if (n === NIL) this.fillTail[a] = NIL;
      else fil[n * FILL_WORDS + FI_PREV] = NIL;
      this.fillCount[a]--;
      this.fillTotal--;
      fil[old * FILL_WORDS + FI_NEXT] = this.fillFree;
      this.fillFree = old;
    }
  }

  // ================================================================== cold: growth

  /** Cold: record tables of `n` records (first call: create; then: twice the size, the new half free). */
  private growRecords(n: number): void {
    const old = this.recCap;
    this.rec = widen(this.rec, n * REC_WORDS);
    this.recF = new Float64Array(this.rec.buffer);
    for (let r = n - 1; r >= old; r--) {
      this.rec[r * REC_WORDS + I_NEXT] = this.recFree;
      this.recFree = r;
    }
    this.recCap = n;
  }

  /** A free `first` slot (the pool grows, cold, when all are taken). */
  private takeFirst(): number {
    if (this.firstFree === NIL) {
      const old = this.firstCap;
      const n = Math.max(INITIAL_FIRSTS, old * 2);
      this.firstSlots = widen(this.firstSlots, n * W);
      for (let f = n - 1; f >= old; f--) {
        this.firstSlots[f * W] = this.firstFree;
        this.firstFree = f;
      }
      this.firstCap = n;
    }
    const f = this.firstFree;
    this.firstFree = this.firstSlots[f * W];
    return f;
  }

  /** Cold: fill tables of `n` fills. */
  private growFills(n: number): void {
    const old = this.fillCap;
    this.fil = widen(this.fil, n * FILL_WORDS);
    this.filF = new Float64Array(this.fil.buffer);
    for (let f = n - 1; f >= old; f--) {
      this.fil[f * FILL_WORDS + FI_NEXT] = this.fillFree;
      this.fillFree = f;
    }
    this.fillCap = n;
  }

  /** Cold: a client-id table for `entries` keys at ≤ 50 % load, rebuilt from the current heads (the chains stay as they are). */
  private growClientIndex(entries: number): void {
    this.cTable = rehash(this.cTable, entries);
    this.cMask = this.cTable.length / 2 - 1;
  }

  /** Cold: an order-id table for `entries` keys at ≤ 50 % load. */
  private growIdIndex(entries: number): void {
    this.iTable = rehash(this.iTable, entries);
    this.iMask = this.iTable.length / 2 - 1;
  }

  // ================================================================== cold: recovery

  /**
   * Recovery (cold), when the replay of shard k's retained journal has passed the snapshot's
   * sequence for k: every order of the snapshot's shard state (engine/matching-core.ts
   * SnapshotOrder; untriggered stops included) the views do not hold open is added, `restored`,
   * with a synthesized ACCEPTED slot; open orders of k's symbols the snapshot does not hold are
   * dropped (should not happen); positions of k's symbols are set from `position`.
   */
  reconcileShard(k: number, orders: readonly SnapshotOrder[], position: (account: number, symbol: number) => number): void {
    const inSnapshot = new Set<number>();
    for (const o of orders) inSnapshot.add(o[0]);
    for (let a = 0; a < this.nAccounts; a++) {
      for (let r = this.openHead[a]; r !== NIL; ) {
        const next = this.rec[r * REC_WORDS + I_NEXT];
        const s = this.rec[r * REC_WORDS + I_SYMBOL];
        if (s >= 0 && s < this.nSymbols && this.shardOf[s] === k && !inSnapshot.has(this.recF[r * (REC_WORDS / 2) + F_ID])) {
          this.unlinkOpen(r, a);
          this.forget(r);
        }
        r = next;
      }
    }
    for (const o of orders) {
      const [id, a] = o;
      if (a < 0 || a >= this.nAccounts) continue;
      const held = this.byId(id);
      if (held !== NIL) {
        if ((this.rec[held * REC_WORDS + I_FLAGS] & FL_OPEN) !== 0) continue;
        // Closed here but live in the snapshot (should not happen): the snapshot wins.
        this.dropClosed(held);
      }
      const slot = synthesizedSlot(this.scratch, o);
      const r = this.newRecord(slot, 0, a);
      const f = this.takeFirst();
      for (let i = 0; i < W; i++) this.firstSlots[f * W + i] = slot[i];
      this.rec[r * REC_WORDS + I_FIRST] = f;
      this.rec[r * REC_WORDS + I_FLAGS] = FL_RESTORED | FL_OPEN;
      this.recF[r * (REC_WORDS / 2) + F_CREATED] = 0;
      // Older than anything the journal shows: last among records sharing its client id.
      this.recF[r * (REC_WORDS / 2) + F_ID_TS] = -1;
      this.linkOpen(r, a);
      if ((this.iSize + 1) * 4 > this.iTable.length) this.growIdIndex(this.iTable.length / 2);
      const lo = id % TWO_32 | 0;
      const hi = Math.floor(id / TWO_32) | 0;
      const h = idHash(lo, hi);
      this.idPut(r, this.idSlot(lo, hi, h), h);
      this.clidAdd(r);
    }
    for (let s = 0; s < this.nSymbols; s++) {
      if (this.shardOf[s] !== k) continue;
      for (let a = 0; a < this.nAccounts; a++) this.position[a * this.nSymbols + s] = position(a, s);
    }
  }

  /** Cold: take a closed record out of its window wherever it sits, and free it. */
  private dropClosed(r: number): void {
    const rec = this.rec;
    const a = rec[r * REC_WORDS + I_ACCOUNT];
    const prev = rec[r * REC_WORDS + I_PREV];
    const next = rec[r * REC_WORDS + I_NEXT];
    if (prev === NIL) this.closedHead[a] = next;
    else rec[prev * REC_WORDS + I_NEXT] = next;
    if (next === NIL) this.closedTail[a] = prev;
    else rec[next * REC_WORDS + I_PREV] = prev;
    this.closedCount[a]--;
    this.closedTotal--;
    this.forget(r);
  }

  // ================================================================== cold: queries

  private validAccount(a: number): boolean {
    return Number.isInteger(a) && a >= 0 && a < this.nAccounts;
  }

  private record(r: number): OrderRecord {
    const ri = r * REC_WORDS;
    const rf = ri / 2;
    const flags = this.rec[ri + I_FLAGS];
    const last = this.rec.slice(ri, ri + W);
    const saved = (flags & FL_EXT_SAVED) !== 0;
    const zero = (flags & FL_EXT_ZERO) !== 0;
    const ext = (k: number, at: number): number => (!saved ? int64At(last, at) : zero ? 0 : this.recF[rf + k]);
    const f = this.rec[ri + I_FIRST];
    return {
      last,
      lastIsMaker: (flags & FL_LAST_MAKER) !== 0,
      first: f === NIL ? last.slice() : this.firstSlots.slice(f * W, f * W + W),
      firstIsMaker: false,
      open: (flags & FL_OPEN) !== 0,
      restored: (flags & FL_RESTORED) !== 0,
      createdTs: this.recF[rf + F_CREATED],
      stopPrice: ext(F_STOP, EVT_STOP_PRICE),
      displayQty: ext(F_DISPLAY, EVT_DISPLAY_QTY),
      expireTime: ext(F_EXPIRE, EVT_EXPIRE_TIME),
      ocoGroupId: ext(F_OCO_GROUP, EVT_OCO_GROUP),
      ocoOrderId: ext(F_OCO_OTHER, EVT_OCO_ORDER_ID),
    };
  }

  /** Cold: the account's open orders (of one symbol), by order id ascending. */
  openOrders(account: number, symbol?: number): OrderRecord[] {
    if (!this.validAccount(account)) return [];
    const rs: number[] = [];
    for (let r = this.openHead[account]; r !== NIL; r = this.rec[r * REC_WORDS + I_NEXT]) {
      if (symbol === undefined || this.rec[r * REC_WORDS + I_SYMBOL] === symbol) rs.push(r);
    }
    rs.sort((x, y) => this.recF[x * (REC_WORDS / 2) + F_ID] - this.recF[y * (REC_WORDS / 2) + F_ID]);
    return rs.map((r) => this.record(r));
  }

  /** Cold: the account's recently closed orders (of one symbol), newest first. */
  closedOrders(account: number, symbol?: number): OrderRecord[] {
    if (!this.validAccount(account)) return [];
    const out: OrderRecord[] = [];
    for (let r = this.closedTail[account]; r !== NIL; r = this.rec[r * REC_WORDS + I_PREV]) {
      if (symbol === undefined || this.rec[r * REC_WORDS + I_SYMBOL] === symbol) out.push(this.record(r));
    }
    return out;
  }

  /** Cold: an order of this account, open or in its closed window; null for another account's. */
  order(account: number, orderId: number): OrderRecord | null {
    if (!this.validAccount(account) || !Number.isSafeInteger(orderId) || orderId <= 0) return null;
    const r = this.byId(orderId);
    return r === NIL || this.rec[r * REC_WORDS + I_ACCOUNT] !== account ? null : this.record(r);
  }

  /** Cold: the newest order of this account with this client id (open or in the closed window; refused ones too). */
  orderByClientId(account: number, clientOrderId: string): OrderRecord | null {
    if (!this.validAccount(account) || !isValidClientOrderId(clientOrderId)) return null;
    const ids = this.scratch;
    writeClordString(ids, 0, clientOrderId);
    const i = this.clidSlot(account, ids, 0, clidHash(account, ids, 0));
    const head = this.cTable[2 * i];
    if (head === NIL) return null;
    // The live order holding the id, when there is one (the risk stage keeps live ids unique);
    // else the newest that had it.
    for (let r = head; r !== NIL; r = this.rec[r * REC_WORDS + I_OLDER]) if ((this.rec[r * REC_WORDS + I_FLAGS] & FL_OPEN) !== 0) return this.record(r);
    return this.record(head);
  }

  /**
   * Cold: the account's kept fills in (ts, tradeId) order, taker before maker of one trade (a
   * self-trade gives an account both). `after`: a trade id, exclusive — the page starts after that
   * trade's fills; a trade no longer kept is older than every kept fill (the oldest are dropped),
   * so the page starts at the oldest. Symbol filter before limit. `next`: the trade id of the last
   * fill returned when more follow, else null. A page never splits a trade: when the limit falls
   * between its two fills, both are returned (limit + 1).
   */
  fills(account: number, opts: { symbol?: number; after?: number; limit: number }): { fills: FillRecord[]; next: number | null } {
    if (!this.validAccount(account)) return { fills: [], next: null };
    const all: number[] = [];
    for (let f = this.fillHead[account]; f !== NIL; f = this.fil[f * FILL_WORDS + FI_NEXT]) all.push(f);
    const tradeId = (f: number): number => this.filF[f * (FILL_WORDS / 2) + FF_TRADE_ID];
    let start = 0;
    if (opts.after !== undefined) {
      let at = -1;
      for (let i = 0; i < all.length; i++) if (tradeId(all[i]) === opts.after) at = i;
      start = at + 1;
    }
    const limit = Math.max(0, Math.floor(opts.limit));
    const out: FillRecord[] = [];
    let next: number | null = null;
    for (let i = start; i < all.length; i++) {
      const f = all[i];
      if (opts.symbol !== undefined && this.fil[f * FILL_WORDS + FI_SYMBOL] !== opts.symbol) continue;
      if (out.length >= limit && !(out.length > 0 && out[out.length - 1].tradeId === tradeId(f))) {
        next = out.length > 0 ? out[out.length - 1].tradeId : null;
        break;
      }
      out.push(this.fill(f));
    }
    return { fills: out, next };
  }

  private fill(f: number): FillRecord {
    const fi = f * FILL_WORDS;
    const ff = fi / 2;
    const fil = this.fil;
    const filF = this.filF;
    return {
      tradeId: filF[ff + FF_TRADE_ID], orderId: filF[ff + FF_ORDER_ID], clientOrderId: readClordString(fil, fi + FI_CLORD), symbol: fil[fi + FI_SYMBOL],
      side: fil[fi + FI_SIDE], price: filF[ff + FF_PRICE], quantity: filF[ff + FF_QTY], liquidity: fil[fi + FI_MAKER] === 1 ? 'maker' : 'taker', ts: filF[ff + FF_TS],
    };
  }

  /** Cold: the account's open orders, credit in use (exact, BigInt) and per-symbol positions and open quantities. */
  account(account: number): AccountRecord {
    const ns = this.nSymbols;
    if (!this.validAccount(account)) return { openOrders: 0, creditInUse: 0n, positions: [] };
    const buy = new Float64Array(ns);
    const sell = new Float64Array(ns);
    let credit = 0n;
    for (let r = this.openHead[account]; r !== NIL; r = this.rec[r * REC_WORDS + I_NEXT]) {
      const s = this.rec[r * REC_WORDS + I_SYMBOL];
      if (s < 0 || s >= ns) continue;
      const leaves = this.recF[r * (REC_WORDS / 2) + F_LEAVES];
      if (this.rec[r * REC_WORDS + I_SIDE] === Side.BUY) buy[s] += leaves;
      else sell[s] += leaves;
      credit += BigInt(leaves) * BigInt(this.recF[r * (REC_WORDS / 2) + F_PRICE]) * BigInt(this.spec.symbols[s].notionalPerTickLot);
    }
    const positions: AccountRecord['positions'] = [];
    for (let s = 0; s < ns; s++) positions.push({ symbol: s, position: this.position[account * ns + s] + 0, openBuy: buy[s], openSell: sell[s] });
    return { openOrders: this.openCount[account], creditInUse: credit, positions };
  }

  /** Totals held (for /metrics). */
  stats(): { openOrders: number; closedOrders: number; fills: number } {
    return { openOrders: this.openTotal, closedOrders: this.closedTotal, fills: this.fillTotal };
  }
}

/**
 * A whole event slot w[b…] into to[at…] (hot; W = 64 words, checked at load). Unrolled: a loop
 * costs about three times as much per word (its index arithmetic and bounds checks are per word
 * either way, and TypedArray.set would need a subarray — an allocation). The four cache lines go
 * side by side, a word of each per row, so misses on all four (source and destination) are
 * outstanding at once rather than one after the other.
 */
function copySlot(to: Int32Array, at: number, w: Int32Array, b: number): void {
  to[at + 0] = w[b + 0]; to[at + 16] = w[b + 16]; to[at + 32] = w[b + 32]; to[at + 48] = w[b + 48];
  to[at + 1] = w[b + 1]; to[at + 17] = w[b + 17]; to[at + 33] = w[b + 33]; to[at + 49] = w[b + 49];
  to[at + 2] = w[b + 2]; to[at + 18] = w[b + 18]; to[at + 34] = w[b + 34]; to[at + 50] = w[b + 50];
  to[at + 3] = w[b + 3]; to[at + 19] = w[b + 19]; to[at + 35] = w[b + 35]; to[at + 51] = w[b + 51];
  to[at + 4] = w[b + 4]; to[at + 20] = w[b + 20]; to[at + 36] = w[b + 36]; to[at + 52] = w[b + 52];
  to[at + 5] = w[b + 5]; to[at + 21] = w[b + 21]; to[at + 37] = w[b + 37]; to[at + 53] = w[b + 53];
  to[at + 6] = w[b + 6]; to[at + 22] = w[b + 22]; to[at + 38] = w[b + 38]; to[at + 54] = w[b + 54];
  to[at + 7] = w[b + 7]; to[at + 23] = w[b + 23]; to[at + 39] = w[b + 39]; to[at + 55] = w[b + 55];
  to[at + 8] = w[b + 8]; to[at + 24] = w[b + 24]; to[at + 40] = w[b + 40]; to[at + 56] = w[b + 56];
  to[at + 9] = w[b + 9]; to[at + 25] = w[b + 25]; to[at + 41] = w[b + 41]; to[at + 57] = w[b + 57];
  to[at + 10] = w[b + 10]; to[at + 26] = w[b + 26]; to[at + 42] = w[b + 42]; to[at + 58] = w[b + 58];
  to[at + 11] = w[b + 11]; to[at + 27] = w[b + 27]; to[at + 43] = w[b + 43]; to[at + 59] = w[b + 59];
  to[at + 12] = w[b + 12]; to[at + 28] = w[b + 28]; to[at + 44] = w[b + 44]; to[at + 60] = w[b + 60];
  to[at + 13] = w[b + 13]; to[at + 29] = w[b + 29]; to[at + 45] = w[b + 45]; to[at + 61] = w[b + 61];
  to[at + 14] = w[b + 14]; to[at + 30] = w[b + 30]; to[at + 46] = w[b + 46]; to[at + 62] = w[b + 62];
  to[at + 15] = w[b + 15]; to[at + 31] = w[b + 31]; to[at + 47] = w[b + 47]; to[at + 63] = w[b + 63];
}
if (W !== 64 || CLORD_WORDS !== 8) throw new Error('feeds/accounts.ts: copySlot and clidHash are written for 64-word slots and 8-word client ids');

/**
 * The order-id index's hash of id hi × 2^32 + lo (30 bits: a Smi). Order ids come from one counter
 * (the risk stage's), so the ids of a stretch of time are neighbours: each run of 8 (id >> 3) keeps
 * one table line (8 entries of 8 bytes), and the runs are spread (× an odd constant: consecutive
 * runs never collide modulo the table size), so no probe chain grows long. The orders of a
 * stretch of time are indexed, looked up and dropped 8 to a cache line instead of 1.
 */
function idHash(lo: number, hi: number): number {
  return ((Math.imul((lo >>> 3) ^ hi, 0x9e3779b1) << 3) | (lo & 7)) & 0x3fffffff;
}

/** Cold: the int64 at w[at] (two words, low first) as a double (boxed when not inlined: not for the hot path). */
function int64At(w: Int32Array, at: number): number {
  return w[at + 1] * TWO_32 + (w[at] >>> 0);
}

/**
 * The client-id index's hash of (account, the client id at ids[at]) (30 bits: a Smi), or NIL for an
 * empty id (not indexed). Each word × its own odd constant, summed, then mixed (murmur3's finish):
 * the eight products are independent, unlike a chained hash's.
 */
function clidHash(account: number, ids: Int32Array, at: number): number {
  const w0 = ids[at];
  const w1 = ids[at + 1];
  const w2 = ids[at + 2];
  const w3 = ids[at + 3];
  const w4 = ids[at + 4];
  const w5 = ids[at + 5];
  const w6 = ids[at + 6];
  const w7 = ids[at + 7];
  if ((w0 | w1 | w2 | w3 | w4 | w5 | w6 | w7) === 0) return NIL;
  let h = Math.imul(account, 0x9e3779b1);
  h = (h + Math.imul(w0, 0x85ebca6b)) | 0;
  h = (h + Math.imul(w1, 0xc2b2ae35)) | 0;
  h = (h + Math.imul(w2, 0x27d4eb2f)) | 0;
  h = (h + Math.imul(w3, 0x165667b1)) | 0;
  h = (h + Math.imul(w4, 0xd3a2646d)) | 0;
  h = (h + Math.imul(w5, 0xfd7046c5)) | 0;
  h = (h + Math.imul(w6, 0xb55a4f09)) | 0;
  h = (h + Math.imul(w7, 0x4cf5ad43)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x3fffffff;
}

/** Empty entry i of an index table ([record, hash] pairs), by backward shift: later members of its probe chain move up, so no lookup stops early. */
function deleteEntry(table: Int32Array, mask: number, i: number): void {
  let hole = i;
  let j = (i + 1) & mask;
  for (;;) {
    const e = table[2 * j];
    if (e === NIL) break;
    const h = table[2 * j + 1];
    if (((j - (h & mask)) & mask) >= ((j - hole) & mask)) {
      table[2 * hole] = e;
      table[2 * hole + 1] = h;
      hole = j;
    }
    j = (j + 1) & mask;
  }
  table[2 * hole] = NIL;
}

/** Cold: an index table for `entries` keys at ≤ 50 % load, holding the entries of `old`. */
function rehash(old: Int32Array, entries: number): Int32Array<ArrayBuffer> {
  let cap = 16;
  while (cap < entries * 2) cap *= 2;
  const table = new Int32Array(2 * cap).fill(NIL);
  const mask = cap - 1;
  for (let i = 0; i < old.length; i += 2) {
    const r = old[i];
    if (r === NIL) continue;
    const h = old[i + 1];
    let j = h & mask;
    while (table[2 * j] !== NIL) j = (j + 1) & mask;
    table[2 * j] = r;
    table[2 * j + 1] = h;
  }
  return table;
}

/** Cold: a copy of `a` with room for `n` elements. */
function widen<T extends Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(a: T, n: number): T {
  const g = new (a.constructor as new (n: number) => T)(n);
  g.set(a);
  return g;
}

/**
 * Cold: the slot a snapshot order stands for — ACCEPTED, status from its state (PENDING_TRIGGER for
 * an untriggered stop, PARTIALLY_FILLED once anything filled, else NEW), seq and ts 0, no command.
 */
function synthesizedSlot(into: Int32Array, o: SnapshotOrder): Int32Array {
  const [id, account, symbol, meta, price, qty, cum, clOrd, stop, display, , expire, group, other, pending] = o;
  into.fill(0);
  into[EVT_TYPE] = EventType.ACCEPTED;
  putI64(into, EVT_ORDER_ID, id);
  into[EVT_ACCOUNT] = account;
  into[EVT_SYMBOL] = symbol;
  into[EVT_META] = meta;
  into[EVT_STATUS] = pending ? OrderStatus.PENDING_TRIGGER : cum > 0 ? OrderStatus.PARTIALLY_FILLED : OrderStatus.NEW;
  putI64(into, EVT_PRICE, price);
  putI64(into, EVT_QTY, qty);
  putI64(into, EVT_CUM, cum);
  putI64(into, EVT_LEAVES, qty - cum);
  putI64(into, EVT_STOP_PRICE, stop ?? 0);
  putI64(into, EVT_DISPLAY_QTY, display ?? 0);
  putI64(into, EVT_EXPIRE_TIME, expire ?? 0);
  putI64(into, EVT_OCO_GROUP, group ?? 0);
  putI64(into, EVT_OCO_ORDER_ID, other ?? 0);
  writeClordString(into, EVT_CLORD, clOrd);
  return into;
}

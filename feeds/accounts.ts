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
 * Hot path (`onEvent`, every event of every shard): struct-of-arrays tables on typed arrays, a
 * LongIntMap by order id, an open-addressing client-id index, and one 64-word slot copy per order
 * an event touches (the order's last event is kept whole, so a query formats it like a live
 * report). No objects, strings, closures or boxed numbers per event: int64 fields are read inline
 * into typed arrays (a double above 2^31 returned from a call that is not inlined is boxed).
 * Tables grow cold, by doubling, when they hold more than ever before.
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
 * Per-record layout: columns indexed by record number r; `last` and `first` hold 64 words per
 * record (whole event slots, engine/event-slot.ts). While an order's events all belong to the
 * command that created it, its first outcome and its last event are the same slot: `first` is
 * written only when they part (FIRST_SAME), which keeps ACCEPTED to one copy.
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
import { clientIdHash } from '../engine/client-id-index.ts';
import { LongIntMap, MISSING } from '../engine/long-int-map.ts';
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
  // ---- order records (columns by record number)
  private recCap = 0;
  private recFree = NIL;
  private rId = new Float64Array(0);
  private rAccount = new Int32Array(0);
  private rSymbol = new Int32Array(0);
  private rSide = new Uint8Array(0);
  private rPrice = new Float64Array(0);
  private rLeaves = new Float64Array(0);
  private rCreated = new Float64Array(0);
  private rStop = new Float64Array(0);
  private rDisplay = new Float64Array(0);
  private rExpire = new Float64Array(0);
  private rOcoGroup = new Float64Array(0);
  private rOcoOther = new Float64Array(0);
  /** Keys (see `before`) of the closing event and of the event that gave the record its client id (ts −1: restored, before all). */
  private rCloseTs = new Float64Array(0);
  private rCloseCmd = new Int32Array(0);
  private rCloseOrd = new Float64Array(0);
  private rIdTs = new Float64Array(0);
  private rIdCmd = new Int32Array(0);
  private rIdOrd = new Float64Array(0);
  private rOpen = new Uint8Array(0);
  private rRestored = new Uint8Array(0);
  private rLastMaker = new Uint8Array(0);
  /** 1 while the last event is still one of the creating command (first = last). */
  private rFirstSame = new Uint8Array(0);
  /** 1 when byId points here; 1 when the client-id index holds it. */
  private rById = new Uint8Array(0);
  private rByClid = new Uint8Array(0);
  /** Open list (doubly linked), closed list (doubly linked) or free list (rNext) — one at a time. */
  private rNext = new Int32Array(0);
  private rPrev = new Int32Array(0);
  /** Records sharing a client id, newest first: the next older and the next newer. */
  private rOlder = new Int32Array(0);
  private rNewer = new Int32Array(0);
  private rClord = new Int32Array(0);
  private lastSlots = new Int32Array(0);
  private firstSlots = new Int32Array(0);
  private readonly byId = new LongIntMap(INITIAL_RECORDS);
  // ---- client-id index: (account, id) → newest record; open addressing, backward-shift deletion
  private cSlots = new Int32Array(0);
  private cHashes = new Int32Array(0);
  private cMask = 0;
  private cSize = 0;
  // ---- fills (columns by fill number)
  private fillCap = 0;
  private fillFree = NIL;
  private fTs = new Float64Array(0);
  private fTradeId = new Float64Array(0);
  private fOrderId = new Float64Array(0);
  private fPrice = new Float64Array(0);
  private fQty = new Float64Array(0);
  private fSymbol = new Int32Array(0);
  private fSide = new Uint8Array(0);
  private fMaker = new Uint8Array(0);
  private fClord = new Int32Array(0);
  private fNext = new Int32Array(0);
  private fPrev = new Int32Array(0);
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

  private onAccepted(w: Int32Array, b: number): void {
    const a = w[b + EVT_ACCOUNT];
    if (a < 0 || a >= this.nAccounts) return;
    const held = this.byId.get(w[b + EVT_ORDER_ID + 1] * TWO_32 + (w[b + EVT_ORDER_ID] >>> 0));
    if (held !== MISSING) {
      // (Cannot happen: ids are unique. An order already open just follows the event.)
      if (this.rOpen[held] === 1) this.follow(held, w, b, false);
      return;
    }
    const r = this.newRecord(w, b, a);
    this.rOpen[r] = 1;
    this.linkOpen(r, a);
    this.byId.put(this.rId[r], r);
    this.rById[r] = 1;
    this.clidAdd(r);
  }

  /** CANCELED / EXPIRED (terminal) or TRIGGERED: an event about one open order. */
  private onOrderEvent(w: Int32Array, b: number, terminal: boolean): void {
    const r = this.byId.get(w[b + EVT_ORDER_ID + 1] * TWO_32 + (w[b + EVT_ORDER_ID] >>> 0));
    if (r === MISSING || this.rOpen[r] === 0) return;
    this.follow(r, w, b, false);
    this.takeExtension(r, w, b);
    this.rPrice[r] = w[b + EVT_PRICE + 1] * TWO_32 + (w[b + EVT_PRICE] >>> 0);
    if (terminal) {
      this.rLeaves[r] = 0;
      this.close(r, w, b);
    } else {
      this.rLeaves[r] = w[b + EVT_LEAVES + 1] * TWO_32 + (w[b + EVT_LEAVES] >>> 0);
    }
  }

  private onReplaced(w: Int32Array, b: number): void {
    const r = this.byId.get(w[b + EVT_ORDER_ID + 1] * TWO_32 + (w[b + EVT_ORDER_ID] >>> 0));
    if (r === MISSING || this.rOpen[r] === 0) return;
    this.follow(r, w, b, false);
    this.takeExtension(r, w, b);
    this.rPrice[r] = w[b + EVT_PRICE + 1] * TWO_32 + (w[b + EVT_PRICE] >>> 0);
    this.rLeaves[r] = w[b + EVT_LEAVES + 1] * TWO_32 + (w[b + EVT_LEAVES] >>> 0);
    // A new client id (EVT_CLORD; the previous one is EVT_OTHER_CLORD): re-index under it.
    const c = r * CLORD_WORDS;
    const ids = this.rClord;
    let same = true;
    for (let k = 0; k < CLORD_WORDS; k++) if (ids[c + k] !== w[b + EVT_CLORD + k]) same = false;
    if (same) return;
    if (this.rByClid[r] === 1) this.clidRemove(r);
    for (let k = 0; k < CLORD_WORDS; k++) ids[c + k] = w[b + EVT_CLORD + k];
    this.eventKey(this.rIdTs, this.rIdCmd, this.rIdOrd, r, w, b);
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
    const t = this.byId.get(w[b + EVT_ORDER_ID + 1] * TWO_32 + (w[b + EVT_ORDER_ID] >>> 0));
    if (t !== MISSING && this.rOpen[t] === 1) {
      this.follow(t, w, b, false);
      this.rPrice[t] = w[b + EVT_PRICE + 1] * TWO_32 + (w[b + EVT_PRICE] >>> 0);
      this.rLeaves[t] = w[b + EVT_LEAVES + 1] * TWO_32 + (w[b + EVT_LEAVES] >>> 0);
      if (w[b + EVT_STATUS] === OrderStatus.FILLED) this.close(t, w, b);
    }
    const m = this.byId.get(w[b + EVT_MAKER_ORDER_ID + 1] * TWO_32 + (w[b + EVT_MAKER_ORDER_ID] >>> 0));
    if (m !== MISSING && this.rOpen[m] === 1) {
      // A maker trades at its own (resting) price: the trade price; its price column stays.
      this.follow(m, w, b, true);
      this.rLeaves[m] = w[b + EVT_MAKER_LEAVES + 1] * TWO_32 + (w[b + EVT_MAKER_LEAVES] >>> 0);
      if (w[b + EVT_MAKER_STATUS] === OrderStatus.FILLED) this.close(m, w, b);
    }
  }

  private onRejected(w: Int32Array, b: number): void {
    const cmd = w[b + EVT_COMMAND_TYPE];
    if (w[b + EVT_CODE] === ResultCode.MATCH_STOP_PRICE_BAND) {
      // A stop-limit refused at its trigger (during any command): the order ends.
      const r = this.byId.get(w[b + EVT_ORDER_ID + 1] * TWO_32 + (w[b + EVT_ORDER_ID] >>> 0));
      if (r === MISSING || this.rOpen[r] === 0) return;
      this.follow(r, w, b, false);
      this.takeExtension(r, w, b);
      this.rLeaves[r] = 0;
      this.close(r, w, b);
      return;
    }
    // A refused cancel / replace leaves its order as it was; refused admin commands concern no order.
    if (cmd !== CommandType.NEW && cmd !== CommandType.NEW_OCO) return;
    const a = w[b + EVT_ACCOUNT];
    if (a < 0 || a >= this.nAccounts) return;
    // A refused new order (risk: order id 0; matching: its id): straight into the closed window.
    const r = this.newRecord(w, b, a);
    this.rLeaves[r] = 0;
    const id = this.rId[r];
    if (id !== 0 && this.byId.get(id) === MISSING) {
      this.byId.put(id, r);
      this.rById[r] = 1;
    }
    this.clidAdd(r);
    this.closedInsert(r, a);
  }

  /**
   * The event w[b] is about open record r (as taker, or as `maker` of a TRADE): it becomes the
   * record's last slot; the first outcome is frozen when the creating command's events end.
   */
  private follow(r: number, w: Int32Array, b: number, maker: boolean): void {
    const base = r * W;
    const last = this.lastSlots;
    if (this.rFirstSame[r] === 1) {
      const sameCommand =
        !maker && w[b + EVT_COMMAND_SEQ] === last[base + EVT_COMMAND_SEQ] && w[b + EVT_COMMAND_TYPE] === last[base + EVT_COMMAND_TYPE] &&
        w[b + EVT_CORRELATION] === last[base + EVT_CORRELATION] && w[b + EVT_CORRELATION + 1] === last[base + EVT_CORRELATION + 1];
      if (!sameCommand) {
        const first = this.firstSlots;
        for (let k = 0; k < W; k++) first[base + k] = last[base + k];
        this.rFirstSame[r] = 0;
      }
    }
    for (let k = 0; k < W; k++) last[base + k] = w[b + k];
    this.rLastMaker[r] = maker ? 1 : 0;
    this.rRestored[r] = 0;
  }

  /** The order-type fields of a non-TRADE event (engine/event-slot.ts: they share words with the maker block). */
  private takeExtension(r: number, w: Int32Array, b: number): void {
    this.rStop[r] = w[b + EVT_STOP_PRICE + 1] * TWO_32 + (w[b + EVT_STOP_PRICE] >>> 0);
    this.rDisplay[r] = w[b + EVT_DISPLAY_QTY + 1] * TWO_32 + (w[b + EVT_DISPLAY_QTY] >>> 0);
    this.rExpire[r] = w[b + EVT_EXPIRE_TIME + 1] * TWO_32 + (w[b + EVT_EXPIRE_TIME] >>> 0);
    this.rOcoGroup[r] = w[b + EVT_OCO_GROUP + 1] * TWO_32 + (w[b + EVT_OCO_GROUP] >>> 0);
    this.rOcoOther[r] = w[b + EVT_OCO_ORDER_ID + 1] * TWO_32 + (w[b + EVT_OCO_ORDER_ID] >>> 0);
  }

  /** The key of event w[b] (see `before`) into key columns at r (the shard from the symbol; 0 for an unknown one, where risk sends it). */
  private eventKey(ts: Float64Array, cmd: Int32Array, ord: Float64Array, r: number, w: Int32Array, b: number): void {
    const s = w[b + EVT_SYMBOL];
    const shard = s >= 0 && s < this.nSymbols ? this.shardOf[s] : 0;
    ts[r] = w[b + EVT_TS + 1] * TWO_32 + (w[b + EVT_TS] >>> 0);
    cmd[r] = w[b + EVT_COMMAND_SEQ];
    ord[r] = (w[b + EVT_SEQ + 1] * TWO_32 + (w[b + EVT_SEQ] >>> 0)) * 256 + shard;
  }

  /**
   * Is key i before key j? Events of different shards carry their own batch clocks, and a batch's
   * ts is read once at its start: between shards, ts orders what happened only to within a batch.
   * The risk stage's command sequence orders the commands that caused them exactly (it admits one
   * at a time, in one order) but wraps at 2^31: it decides between events less than
   * CAUSAL_WINDOW_US apart (far fewer commands than 2^31), ts beyond; then ts, then seq × 256 + shard.
   */
  private before(tsA: Float64Array, cmdA: Int32Array, ordA: Float64Array, i: number, j: number): boolean {
    const ti = tsA[i];
    const tj = tsA[j];
    if (ti < 0 || tj < 0 || ti - tj > CAUSAL_WINDOW_US || tj - ti > CAUSAL_WINDOW_US) return ti < tj;
    const d = (cmdA[i] - cmdA[j]) | 0;
    if (d !== 0) return d < 0;
    return ti < tj || (ti === tj && ordA[i] < ordA[j]);
  }

  /** A fresh record from an ACCEPTED or REJECTED event (not linked, not indexed, not open). */
  private newRecord(w: Int32Array, b: number, a: number): number {
    if (this.recFree === NIL) this.growRecords(this.recCap * 2);
    const r = this.recFree;
    this.recFree = this.rNext[r];
    this.rId[r] = w[b + EVT_ORDER_ID + 1] * TWO_32 + (w[b + EVT_ORDER_ID] >>> 0);
    this.rAccount[r] = a;
    this.rSymbol[r] = w[b + EVT_SYMBOL];
    this.rSide[r] = metaSide(w[b + EVT_META]);
    this.rPrice[r] = w[b + EVT_PRICE + 1] * TWO_32 + (w[b + EVT_PRICE] >>> 0);
    this.rLeaves[r] = w[b + EVT_LEAVES + 1] * TWO_32 + (w[b + EVT_LEAVES] >>> 0);
    this.rCreated[r] = w[b + EVT_TS + 1] * TWO_32 + (w[b + EVT_TS] >>> 0);
    this.takeExtension(r, w, b);
    this.eventKey(this.rIdTs, this.rIdCmd, this.rIdOrd, r, w, b);
    this.rCloseTs[r] = this.rIdTs[r];
    this.rCloseCmd[r] = this.rIdCmd[r];
    this.rCloseOrd[r] = this.rIdOrd[r];
    this.rOpen[r] = 0;
    this.rRestored[r] = 0;
    this.rLastMaker[r] = 0;
    this.rFirstSame[r] = 1;
    this.rById[r] = 0;
    this.rByClid[r] = 0;
    this.rNext[r] = NIL;
    this.rPrev[r] = NIL;
    this.rOlder[r] = NIL;
    this.rNewer[r] = NIL;
    const c = r * CLORD_WORDS;
    for (let k = 0; k < CLORD_WORDS; k++) this.rClord[c + k] = w[b + EVT_CLORD + k];
    const base = r * W;
    const last = this.lastSlots;
    for (let k = 0; k < W; k++) last[base + k] = w[b + k];
    return r;
  }

  private linkOpen(r: number, a: number): void {
    const head = this.openHead[a];
    this.rPrev[r] = NIL;
    this.rNext[r] = head;
    if (head !== NIL) this.rPrev[head] = r;
    this.openHead[a] = r;
    this.openCount[a]++;
    this.openTotal++;
  }

  private unlinkOpen(r: number, a: number): void {
    const prev = this.rPrev[r];
    const next = this.rNext[r];
    if (prev === NIL) this.openHead[a] = next;
    else this.rNext[prev] = next;
    if (next !== NIL) this.rPrev[next] = prev;
    this.openCount[a]--;
    this.openTotal--;
  }

  /** Open record r ends with event w[b]: into its account's closed window. */
  private close(r: number, w: Int32Array, b: number): void {
    const a = this.rAccount[r];
    this.unlinkOpen(r, a);
    this.rOpen[r] = 0;
    this.eventKey(this.rCloseTs, this.rCloseCmd, this.rCloseOrd, r, w, b);
    this.closedInsert(r, a);
  }

  /** Is record i's closing key before record j's? */
  private closedBefore(i: number, j: number): boolean {
    return this.before(this.rCloseTs, this.rCloseCmd, this.rCloseOrd, i, j);
  }

  /** Into the account's closed window by closing key; the window keeps its newest `closedPerAccount`. */
  private closedInsert(r: number, a: number): void {
    let after = this.closedTail[a];
    while (after !== NIL && this.closedBefore(r, after)) after = this.rPrev[after];
    this.rPrev[r] = after;
    if (after === NIL) {
      this.rNext[r] = this.closedHead[a];
      this.closedHead[a] = r;
    } else {
      this.rNext[r] = this.rNext[after];
      this.rNext[after] = r;
    }
    const next = this.rNext[r];
    if (next === NIL) this.closedTail[a] = r;
    else this.rPrev[next] = r;
    this.closedCount[a]++;
    this.closedTotal++;
    while (this.closedCount[a] > this.closedCap) this.evictClosed(a);
  }

  /** Drop the account's oldest closed record: out of both indexes, back to the free list. */
  private evictClosed(a: number): void {
    const r = this.closedHead[a];
    const next = this.rNext[r];
    this.closedHead[a] = next;
    if (next === NIL) this.closedTail[a] = NIL;
    else this.rPrev[next] = NIL;
    this.closedCount[a]--;
    this.closedTotal--;
    this.forget(r);
  }

  /** Unindex record r and free it (it is in no list any more). */
  private forget(r: number): void {
    if (this.rById[r] === 1) this.byId.remove(this.rId[r]);
    if (this.rByClid[r] === 1) this.clidRemove(r);
    this.rById[r] = 0;
    this.rByClid[r] = 0;
    this.rOpen[r] = 0;
    this.rNext[r] = this.recFree;
    this.recFree = r;
  }

  // ------------------------------------------------------------------ client-id index

  /** The slot of the index holding record r's key, or the empty slot where it would go. */
  private clidSlot(a: number, ids: Int32Array, at: number, h: number): number {
    const slots = this.cSlots;
    const mask = this.cMask;
    let i = h & mask;
    for (;;) {
      const e = slots[i];
      if (e === NIL) return i;
      if (this.cHashes[i] === h && this.rAccount[e] === a) {
        const c = e * CLORD_WORDS;
        let eq = true;
        for (let k = 0; k < CLORD_WORDS; k++) if (this.rClord[c + k] !== ids[at + k]) eq = false;
        if (eq) return i;
      }
      i = (i + 1) & mask;
    }
  }

  private idBefore(i: number, j: number): boolean {
    return this.before(this.rIdTs, this.rIdCmd, this.rIdOrd, i, j);
  }

  /** Index record r under (its account, its client id), in its place among records sharing the id. */
  private clidAdd(r: number): void {
    const c = r * CLORD_WORDS;
    let empty = true;
    for (let k = 0; k < CLORD_WORDS; k++) if (this.rClord[c + k] !== 0) empty = false;
    if (empty) return;
    if ((this.cSize + 1) * 2 > this.cSlots.length) this.growClientIndex(this.cSlots.length);
    const a = this.rAccount[r];
    const h = clientIdHash(a, this.rClord, c);
    const i = this.clidSlot(a, this.rClord, c, h);
    this.rByClid[r] = 1;
    const head = this.cSlots[i];
    if (head === NIL) {
      this.cSlots[i] = r;
      this.cHashes[i] = h;
      this.cSize++;
      this.rOlder[r] = NIL;
      this.rNewer[r] = NIL;
      return;
    }
    if (!this.idBefore(r, head)) {
      this.cSlots[i] = r;
      this.rNewer[r] = NIL;
      this.rOlder[r] = head;
      this.rNewer[head] = r;
      return;
    }
    let newer = head;
    while (this.rOlder[newer] !== NIL && this.idBefore(r, this.rOlder[newer])) newer = this.rOlder[newer];
    const older = this.rOlder[newer];
    this.rNewer[r] = newer;
    this.rOlder[r] = older;
    this.rOlder[newer] = r;
    if (older !== NIL) this.rNewer[older] = r;
  }

  /** Take record r out of the client-id index (its id words still in rClord). */
  private clidRemove(r: number): void {
    this.rByClid[r] = 0;
    const newer = this.rNewer[r];
    const older = this.rOlder[r];
    this.rNewer[r] = NIL;
    this.rOlder[r] = NIL;
    if (newer !== NIL) {
      this.rOlder[newer] = older;
      if (older !== NIL) this.rNewer[older] = newer;
      return;
    }
    // r is the newest: its slot goes to the next older, or is deleted.
    const a = this.rAccount[r];
    const c = r * CLORD_WORDS;
    const i = this.clidSlot(a, this.rClord, c, clientIdHash(a, this.rClord, c));
    if (older !== NIL) {
      this.cSlots[i] = older;
      this.rNewer[older] = NIL;
      return;
    }
    // Backward-shift deletion (as LongIntMap).
    const slots = this.cSlots;
    const mask = this.cMask;
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const e = slots[j];
      if (e === NIL) break;
      const home = this.cHashes[j] & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        slots[hole] = e;
        this.cHashes[hole] = this.cHashes[j];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    slots[hole] = NIL;
    this.cSize--;
  }

  // ------------------------------------------------------------------ fills

  private fillBefore(i: number, j: number): boolean {
    const ti = this.fTs[i];
    const tj = this.fTs[j];
    if (ti !== tj) return ti < tj;
    const di = this.fTradeId[i];
    const dj = this.fTradeId[j];
    return di < dj || (di === dj && this.fMaker[i] < this.fMaker[j]);
  }

  /** The taker's (maker = 0) or the maker's (1) fill of TRADE w[b] for account a; the account keeps its newest `fillsPerAccount`. */
  private addFill(a: number, w: Int32Array, b: number, maker: number): void {
    if (this.fillFree === NIL) this.growFills(this.fillCap * 2);
    const f = this.fillFree;
    this.fillFree = this.fNext[f];
    this.fTs[f] = w[b + EVT_TS + 1] * TWO_32 + (w[b + EVT_TS] >>> 0);
    this.fTradeId[f] = w[b + EVT_TRADE_ID + 1] * TWO_32 + (w[b + EVT_TRADE_ID] >>> 0);
    this.fPrice[f] = w[b + EVT_LAST_PRICE + 1] * TWO_32 + (w[b + EVT_LAST_PRICE] >>> 0);
    this.fQty[f] = w[b + EVT_LAST_QTY + 1] * TWO_32 + (w[b + EVT_LAST_QTY] >>> 0);
    this.fSymbol[f] = w[b + EVT_SYMBOL];
    this.fMaker[f] = maker;
    const c = f * CLORD_WORDS;
    if (maker === 0) {
      this.fOrderId[f] = w[b + EVT_ORDER_ID + 1] * TWO_32 + (w[b + EVT_ORDER_ID] >>> 0);
      this.fSide[f] = metaSide(w[b + EVT_META]);
      for (let k = 0; k < CLORD_WORDS; k++) this.fClord[c + k] = w[b + EVT_CLORD + k];
    } else {
      this.fOrderId[f] = w[b + EVT_MAKER_ORDER_ID + 1] * TWO_32 + (w[b + EVT_MAKER_ORDER_ID] >>> 0);
      this.fSide[f] = metaSide(w[b + EVT_MAKER_META]);
      for (let k = 0; k < CLORD_WORDS; k++) this.fClord[c + k] = w[b + EVT_OTHER_CLORD + k];
    }
    let after = this.fillTail[a];
    while (after !== NIL && this.fillBefore(f, after)) after = this.fPrev[after];
    this.fPrev[f] = after;
    if (after === NIL) {
      this.fNext[f] = this.fillHead[a];
      this.fillHead[a] = f;
    } else {
      this.fNext[f] = this.fNext[after];
      this.fNext[after] = f;
    }
    const next = this.fNext[f];
    if (next === NIL) this.fillTail[a] = f;
    else this.fPrev[next] = f;
    this.fillTotal++;
    if (++this.fillCount[a] > this.fillsCap) {
      const old = this.fillHead[a];
      const n = this.fNext[old];
      this.fillHead[a] = n;
      if (n === NIL) this.fillTail[a] = NIL;
      else this.fPrev[n] = NIL;
      this.fillCount[a]--;
      this.fillTotal--;
      this.fNext[old] = this.fillFree;
      this.fillFree = old;
    }
  }

  // ================================================================== cold: growth

  /** Cold: record tables of `n` records (first call: create; then: twice the size, the new half free). */
  private growRecords(n: number): void {
    const old = this.recCap;
    this.rId = widen(this.rId, n);
    this.rAccount = widen(this.rAccount, n);
    this.rSymbol = widen(this.rSymbol, n);
    this.rSide = widen(this.rSide, n);
    this.rPrice = widen(this.rPrice, n);
    this.rLeaves = widen(this.rLeaves, n);
    this.rCreated = widen(this.rCreated, n);
    this.rStop = widen(this.rStop, n);
    this.rDisplay = widen(this.rDisplay, n);
    this.rExpire = widen(this.rExpire, n);
    this.rOcoGroup = widen(this.rOcoGroup, n);
    this.rOcoOther = widen(this.rOcoOther, n);
    this.rCloseTs = widen(this.rCloseTs, n);
    this.rCloseCmd = widen(this.rCloseCmd, n);
    this.rCloseOrd = widen(this.rCloseOrd, n);
    this.rIdTs = widen(this.rIdTs, n);
    this.rIdCmd = widen(this.rIdCmd, n);
    this.rIdOrd = widen(this.rIdOrd, n);
    this.rOpen = widen(this.rOpen, n);
    this.rRestored = widen(this.rRestored, n);
    this.rLastMaker = widen(this.rLastMaker, n);
    this.rFirstSame = widen(this.rFirstSame, n);
    this.rById = widen(this.rById, n);
    this.rByClid = widen(this.rByClid, n);
    this.rNext = widen(this.rNext, n);
    this.rPrev = widen(this.rPrev, n);
    this.rOlder = widen(this.rOlder, n);
    this.rNewer = widen(this.rNewer, n);
    this.rClord = widen(this.rClord, n * CLORD_WORDS);
    this.lastSlots = widen(this.lastSlots, n * W);
    this.firstSlots = widen(this.firstSlots, n * W);
    for (let r = n - 1; r >= old; r--) {
      this.rNext[r] = this.recFree;
      this.recFree = r;
    }
    this.recCap = n;
  }

  /** Cold: fill tables of `n` fills. */
  private growFills(n: number): void {
    const old = this.fillCap;
    this.fTs = widen(this.fTs, n);
    this.fTradeId = widen(this.fTradeId, n);
    this.fOrderId = widen(this.fOrderId, n);
    this.fPrice = widen(this.fPrice, n);
    this.fQty = widen(this.fQty, n);
    this.fSymbol = widen(this.fSymbol, n);
    this.fSide = widen(this.fSide, n);
    this.fMaker = widen(this.fMaker, n);
    this.fClord = widen(this.fClord, n * CLORD_WORDS);
    this.fNext = widen(this.fNext, n);
    this.fPrev = widen(this.fPrev, n);
    for (let f = n - 1; f >= old; f--) {
      this.fNext[f] = this.fillFree;
      this.fillFree = f;
    }
    this.fillCap = n;
  }

  /** Cold: a client-id table for `entries` keys at ≤ 50 % load, rebuilt from the current heads (the chains stay as they are). */
  private growClientIndex(entries: number): void {
    let cap = 16;
    while (cap < entries * 2) cap *= 2;
    const oldSlots = this.cSlots;
    this.cSlots = new Int32Array(cap).fill(NIL);
    this.cHashes = new Int32Array(cap);
    this.cMask = cap - 1;
    for (let i = 0; i < oldSlots.length; i++) {
      const r = oldSlots[i];
      if (r === NIL) continue;
      const a = this.rAccount[r];
      const c = r * CLORD_WORDS;
      const h = clientIdHash(a, this.rClord, c);
      let j = h & this.cMask;
      while (this.cSlots[j] !== NIL) j = (j + 1) & this.cMask;
      this.cSlots[j] = r;
      this.cHashes[j] = h;
    }
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
        const next = this.rNext[r];
        const s = this.rSymbol[r];
        if (s >= 0 && s < this.nSymbols && this.shardOf[s] === k && !inSnapshot.has(this.rId[r])) {
          this.unlinkOpen(r, a);
          this.forget(r);
        }
        r = next;
      }
    }
    for (const o of orders) {
      const [id, a] = o;
      if (a < 0 || a >= this.nAccounts) continue;
      const held = this.byId.get(id);
      if (held !== MISSING) {
        if (this.rOpen[held] === 1) continue;
        // Closed here but live in the snapshot (should not happen): the snapshot wins.
        this.dropClosed(held);
      }
      const slot = synthesizedSlot(this.scratch, o);
      const r = this.newRecord(slot, 0, a);
      for (let i = 0; i < W; i++) this.firstSlots[r * W + i] = slot[i];
      this.rFirstSame[r] = 0;
      this.rRestored[r] = 1;
      this.rCreated[r] = 0;
      // Older than anything the journal shows: last among records sharing its client id.
      this.rIdTs[r] = -1;
      this.rOpen[r] = 1;
      this.linkOpen(r, a);
      this.byId.put(id, r);
      this.rById[r] = 1;
      this.clidAdd(r);
    }
    for (let s = 0; s < this.nSymbols; s++) {
      if (this.shardOf[s] !== k) continue;
      for (let a = 0; a < this.nAccounts; a++) this.position[a * this.nSymbols + s] = position(a, s);
    }
  }

  /** Cold: take a closed record out of its window wherever it sits, and free it. */
  private dropClosed(r: number): void {
    const a = this.rAccount[r];
    const prev = this.rPrev[r];
    const next = this.rNext[r];
    if (prev === NIL) this.closedHead[a] = next;
    else this.rNext[prev] = next;
    if (next === NIL) this.closedTail[a] = prev;
    else this.rPrev[next] = prev;
    this.closedCount[a]--;
    this.closedTotal--;
    this.forget(r);
  }

  // ================================================================== cold: queries

  private validAccount(a: number): boolean {
    return Number.isInteger(a) && a >= 0 && a < this.nAccounts;
  }

  private record(r: number): OrderRecord {
    const base = r * W;
    const last = this.lastSlots.slice(base, base + W);
    return {
      last,
      lastIsMaker: this.rLastMaker[r] === 1,
      first: this.rFirstSame[r] === 1 ? last.slice() : this.firstSlots.slice(base, base + W),
      firstIsMaker: false,
      open: this.rOpen[r] === 1,
      restored: this.rRestored[r] === 1,
      createdTs: this.rCreated[r],
      stopPrice: this.rStop[r],
      displayQty: this.rDisplay[r],
      expireTime: this.rExpire[r],
      ocoGroupId: this.rOcoGroup[r],
      ocoOrderId: this.rOcoOther[r],
    };
  }

  /** Cold: the account's open orders (of one symbol), by order id ascending. */
  openOrders(account: number, symbol?: number): OrderRecord[] {
    if (!this.validAccount(account)) return [];
    const rs: number[] = [];
    for (let r = this.openHead[account]; r !== NIL; r = this.rNext[r]) if (symbol === undefined || this.rSymbol[r] === symbol) rs.push(r);
    rs.sort((x, y) => this.rId[x] - this.rId[y]);
    return rs.map((r) => this.record(r));
  }

  /** Cold: the account's recently closed orders (of one symbol), newest first. */
  closedOrders(account: number, symbol?: number): OrderRecord[] {
    if (!this.validAccount(account)) return [];
    const out: OrderRecord[] = [];
    for (let r = this.closedTail[account]; r !== NIL; r = this.rPrev[r]) if (symbol === undefined || this.rSymbol[r] === symbol) out.push(this.record(r));
    return out;
  }

  /** Cold: an order of this account, open or in its closed window; null for another account's. */
  order(account: number, orderId: number): OrderRecord | null {
    if (!this.validAccount(account) || !Number.isSafeInteger(orderId) || orderId <= 0) return null;
    const r = this.byId.get(orderId);
    return r === MISSING || this.rAccount[r] !== account ? null : this.record(r);
  }

  /** Cold: the newest order of this account with this client id (open or in the closed window; refused ones too). */
  orderByClientId(account: number, clientOrderId: string): OrderRecord | null {
    if (!this.validAccount(account) || !isValidClientOrderId(clientOrderId)) return null;
    const ids = this.scratch;
    writeClordString(ids, 0, clientOrderId);
    const i = this.clidSlot(account, ids, 0, clientIdHash(account, ids, 0));
    const head = this.cSlots[i];
    if (head === NIL) return null;
    // The live order holding the id, when there is one (the risk stage keeps live ids unique);
    // else the newest that had it.
    for (let r = head; r !== NIL; r = this.rOlder[r]) if (this.rOpen[r] === 1) return this.record(r);
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
    for (let f = this.fillHead[account]; f !== NIL; f = this.fNext[f]) all.push(f);
    let start = 0;
    if (opts.after !== undefined) {
      let at = -1;
      for (let i = 0; i < all.length; i++) if (this.fTradeId[all[i]] === opts.after) at = i;
      start = at + 1;
    }
    const limit = Math.max(0, Math.floor(opts.limit));
    const out: FillRecord[] = [];
    let next: number | null = null;
    for (let i = start; i < all.length; i++) {
      const f = all[i];
      if (opts.symbol !== undefined && this.fSymbol[f] !== opts.symbol) continue;
      if (out.length >= limit && !(out.length > 0 && out[out.length - 1].tradeId === this.fTradeId[f])) {
        next = out.length > 0 ? out[out.length - 1].tradeId : null;
        break;
      }
      out.push(this.fill(f));
    }
    return { fills: out, next };
  }

  private fill(f: number): FillRecord {
    return {
      tradeId: this.fTradeId[f], orderId: this.fOrderId[f], clientOrderId: readClordString(this.fClord, f * CLORD_WORDS), symbol: this.fSymbol[f],
      side: this.fSide[f], price: this.fPrice[f], quantity: this.fQty[f], liquidity: this.fMaker[f] === 1 ? 'maker' : 'taker', ts: this.fTs[f],
    };
  }

  /** Cold: the account's open orders, credit in use (exact, BigInt) and per-symbol positions and open quantities. */
  account(account: number): AccountRecord {
    const ns = this.nSymbols;
    if (!this.validAccount(account)) return { openOrders: 0, creditInUse: 0n, positions: [] };
    const buy = new Float64Array(ns);
    const sell = new Float64Array(ns);
    let credit = 0n;
    for (let r = this.openHead[account]; r !== NIL; r = this.rNext[r]) {
      const s = this.rSymbol[r];
      if (s < 0 || s >= ns) continue;
      const leaves = this.rLeaves[r];
      if (this.rSide[r] === Side.BUY) buy[s] += leaves;
      else sell[s] += leaves;
      credit += BigInt(leaves) * BigInt(this.rPrice[r]) * BigInt(this.spec.symbols[s].notionalPerTickLot);
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

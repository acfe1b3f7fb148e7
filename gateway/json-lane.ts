/**
 * G — the JSON order lane: the gateway's per-order work on bytes, allocating nothing.
 *
 * - `OrderFrameDecoder` reads a JSON text frame's bytes (new_order, cancel_order, replace_order,
 *   cancel_all) straight into a command slot: no string for the frame, no object for the message,
 *   no string per field.
 * - `ReportWriter` writes an execution report's JSON text from the event slot straight into a byte
 *   buffer (gateway/session.ts queues it and hands it to uWS).
 *
 * The lane only takes what it is sure of and *declines* the rest: escapes in strings, non-ASCII,
 * unknown or repeated fields, nulls, exponents, long numbers, unknown symbols, off-grid or long
 * decimals, invalid values of any kind — and the order types of docs/order-types.md (stop,
 * stop_limit, GTD, new_oco; their fields stopPrice, displayQuantity and expireTime are unknown
 * here). Those are rarer than plain limit and market orders and go the general way. A declined frame goes the general way (gateway/protocol.ts:
 * JSON.parse + encodeOrderEntry), which accepts it or refuses it with its code and message — so
 * every answer is the general path's, and the property tests in json-lane.test.ts check that the
 * lane writes the very same command slot and the very same report text.
 *
 * What the lane cannot avoid (uWS's side of a frame): uWS hands each message over as a fresh
 * ArrayBuffer, and reading it takes one Uint8Array view (server.ts). bench/gateway-allocation.ts
 * measures the rest at zero.
 */
import { CommandType, EventType, OrderStatus, OrderType, Reason, Stp, TimeInForce, codeName } from '../engine/codes.ts';
import {
  CLORD_BYTES, CMD_ACCOUNT, CMD_CLORD, CMD_CORRELATION, CMD_META, CMD_NEW_CLORD, CMD_ORDER_ID, CMD_PRICE, CMD_QTY, CMD_SYMBOL, CMD_TYPE,
  metaSide, metaTif, metaType, packMeta, writeClordBytes,
} from '../engine/command-slot.ts';
import {
  EVT_CLORD, EVT_CODE, EVT_COMMAND_TYPE, EVT_CUM, EVT_DISPLAY_QTY, EVT_EXPIRE_TIME, EVT_LAST_PRICE, EVT_LAST_QTY, EVT_LEAVES, EVT_MAKER_CUM,
  EVT_MAKER_LEAVES, EVT_MAKER_META, EVT_MAKER_ORDER_ID, EVT_MAKER_QTY, EVT_MAKER_STATUS, EVT_META, EVT_OCO_GROUP, EVT_OCO_ORDER_ID, EVT_ORDER_ID,
  EVT_OTHER_CLORD, EVT_PRICE, EVT_QTY, EVT_SEQ, EVT_STATUS, EVT_STOP_PRICE, EVT_TRADE_ID, EVT_TS, EVT_TYPE,
  hasOrderExtension,
} from '../engine/event-slot.ts';
import { formatUnitsInto, unitsOfBytes, writeDigits } from '../engine/decimal.ts';
import { getI64, putI64 } from '../engine/int64.ts';
import type { EngineSpec, SymbolSpec } from '../engine/config.ts';
import { EXEC_TYPES, REASON_NAMES, SIDE_NAMES, STATUS_NAMES, TIF_NAMES, TYPE_NAMES, showsPrice } from './protocol.ts';
import { rejectText } from './reject-text.ts';
import type { RejectContext } from './reject-text.ts';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

// ------------------------------------------------------------------------------------ decoding

/** The fields the lane knows (any other field: declined). */
const FIELDS = ['type', 'id', 'symbol', 'clientOrderId', 'side', 'orderType', 'timeInForce', 'stp', 'postOnly', 'price', 'quantity', 'orderId', 'newClientOrderId'] as const;
const F_TYPE = 0;
const F_ID = 1;
const F_SYMBOL = 2;
const F_CLORD = 3;
const F_SIDE = 4;
const F_ORDER_TYPE = 5;
const F_TIF = 6;
const F_STP = 7;
const F_POST_ONLY = 8;
const F_PRICE = 9;
const F_QTY = 10;
const F_ORDER_ID = 11;
const F_NEW_CLORD = 12;
const FIELD_COUNT = FIELDS.length;

const K_NONE = 0;
const K_STRING = 1;
const K_NUMBER = 2;
const K_TRUE = 3;
const K_FALSE = 4;

/** Message kinds the lane decodes (0: declined). */
export const LANE_NEW = 1;
export const LANE_CANCEL = 2;
export const LANE_REPLACE = 3;
export const LANE_CANCEL_ALL = 4;
/** The wire names, indexed by lane kind (the gateway's per-type counters use them). */
export const LANE_TYPE_NAMES = ['', 'new_order', 'cancel_order', 'replace_order', 'cancel_all'] as const;

/** Fields each kind may carry (a bit per field); anything else present: declined. */
const bit = (...f: number[]): number => f.reduce((m, x) => m | (1 << x), 0);
const ALLOWED = [
  0,
  bit(F_TYPE, F_ID, F_SYMBOL, F_CLORD, F_SIDE, F_ORDER_TYPE, F_TIF, F_STP, F_POST_ONLY, F_PRICE, F_QTY),
  bit(F_TYPE, F_ID, F_SYMBOL, F_ORDER_ID, F_CLORD),
  bit(F_TYPE, F_ID, F_SYMBOL, F_ORDER_ID, F_CLORD, F_PRICE, F_QTY, F_NEW_CLORD),
  bit(F_TYPE, F_ID, F_SYMBOL),
];

/** Enum tables as bytes: names[i] with value values[i]. */
interface ByteEnum {
  names: Uint8Array[];
  values: number[];
}
/** The table's entries with the values in `only` (all when absent): a name left out is declined. */
const byteEnum = (table: Record<string, number>, only?: readonly number[]): ByteEnum => {
  const entries = Object.entries(table).filter(([, v]) => only === undefined || only.includes(v));
  return { names: entries.map(([k]) => ascii(k)), values: entries.map(([, v]) => v) };
};
/** The order types and times in force the lane decodes (stop, stop_limit and GTD: declined). */
const LANE_ORDER_TYPES = [OrderType.LIMIT, OrderType.MARKET];
const LANE_TIFS = [TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK];

/** A run of bytes equal to `name`? */
function sameBytes(bytes: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (bytes[start + i] !== name[i]) return false;
  return true;
}

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

export class OrderFrameDecoder {
  /** Per field of the last frame: value kind (K_*), start and end (strings: inside the quotes). */
  private readonly kinds = new Uint8Array(FIELD_COUNT);
  private readonly starts = new Int32Array(FIELD_COUNT);
  private readonly ends = new Int32Array(FIELD_COUNT);
  private readonly keys = FIELDS.map(ascii);
  private readonly types = LANE_TYPE_NAMES.map(ascii);
  private readonly sides: ByteEnum;
  private readonly orderTypes: ByteEnum;
  private readonly tifs: ByteEnum;
  private readonly stps: ByteEnum;
  /** Symbols by name bytes: a 30-bit hash to the specs with that hash. */
  private readonly symbols = new Map<number, Array<{ name: Uint8Array; spec: SymbolSpec }>>();

  /** The last decoded frame (valid until the next decode). */
  bytes: Uint8Array = new Uint8Array(0);
  /** The request id of the last decoded frame: K_NONE, or a string / number as its JSON text in [idStart, idEnd). */
  idKind = K_NONE;
  idStart = 0;
  idEnd = 0;
  /** cancel_all without a symbol (every shard answers). */
  allShards = false;

  constructor(spec: EngineSpec, tables: { sides: Record<string, number>; orderTypes: Record<string, number>; tifs: Record<string, number>; stps: Record<string, number> }) {
    this.sides = byteEnum(tables.sides);
    this.orderTypes = byteEnum(tables.orderTypes, LANE_ORDER_TYPES);
    this.tifs = byteEnum(tables.tifs, LANE_TIFS);
    this.stps = byteEnum(tables.stps);
    for (const s of spec.symbols) {
      const name = Buffer.from(s.name, 'utf8');
      const h = hashBytes(name, 0, name.length);
      const list = this.symbols.get(h) ?? [];
      list.push({ name: new Uint8Array(name), spec: s });
      this.symbols.set(h, list);
    }
  }

  /** Does the last frame's request id need echoing (and is it JSON text in the frame)? */
  get hasId(): boolean {
    return this.idKind !== K_NONE;
  }

  /**
   * Decode `bytes` (one whole text frame) into the zeroed command slot at `b`. Returns the lane
   * kind (LANE_*), or 0: declined — nothing is decided, the general path takes the frame.
   */
  decode(bytes: Uint8Array, account: number, correlation: number, w: Int32Array, b: number): number {
    this.bytes = bytes;
    if (!this.scan(bytes)) return 0;
    const kinds = this.kinds;
    if (kinds[F_TYPE] !== K_STRING) return 0;
    let kind = 0;
    for (let t = 1; t < this.types.length; t++) if (sameBytes(bytes, this.starts[F_TYPE], this.ends[F_TYPE], this.types[t])) kind = t;
    if (kind === 0) return 0;
    for (let f = 0; f < FIELD_COUNT; f++) if (kinds[f] !== K_NONE && (ALLOWED[kind] & (1 << f)) === 0) return 0;
    // The request id: a string of ≤ 64 characters or a safe integer, echoed as its JSON text.
    this.idKind = kinds[F_ID];
    if (this.idKind === K_STRING) {
      if (this.ends[F_ID] - this.starts[F_ID] > 64) return 0;
      this.idStart = this.starts[F_ID] - 1; // with the quotes
      this.idEnd = this.ends[F_ID] + 1;
    } else if (this.idKind === K_NUMBER) {
      const s = this.starts[F_ID];
      const n = this.ends[F_ID] - s;
      // At most 15 digits: exact as a double, and printed back identically. "-0" is left to JSON.parse.
      if (n > (bytes[s] === 45 ? 16 : 15) || (bytes[s] === 45 && bytes[s + 1] === 48)) return 0;
      this.idStart = s;
      this.idEnd = this.ends[F_ID];
    } else if (this.idKind !== K_NONE) {
      return 0;
    }
    this.allShards = false;
    let sym: SymbolSpec | null = null;
    if (kinds[F_SYMBOL] === K_STRING) {
      sym = this.symbol(bytes, this.starts[F_SYMBOL], this.ends[F_SYMBOL]);
      if (sym === null) return 0;
    } else if (kinds[F_SYMBOL] !== K_NONE || kind !== LANE_CANCEL_ALL) {
      return 0;
    }
    if (kind === LANE_NEW) {
      if (sym === null || !this.clord(F_CLORD, true)) return 0;
      const side = this.choice(F_SIDE, this.sides, -1);
      if (side < 0) return 0;
      const orderType = this.choice(F_ORDER_TYPE, this.orderTypes, OrderType.LIMIT);
      if (orderType < 0) return 0;
      const tif = this.choice(F_TIF, this.tifs, orderType === OrderType.MARKET ? TimeInForce.IOC : TimeInForce.GTC);
      if (tif < 0) return 0;
      const stp = this.choice(F_STP, this.stps, Stp.NONE);
      if (stp < 0) return 0;
      const po = kinds[F_POST_ONLY];
      if (po !== K_NONE && po !== K_TRUE && po !== K_FALSE) return 0;
      let price = 0;
      if (orderType === OrderType.LIMIT || orderType === OrderType.STOP_LIMIT) {
        price = this.units(F_PRICE, sym.tick);
        if (price < 0) return 0;
      } else if (kinds[F_PRICE] !== K_NONE) {
        return 0;
      }
      const qty = this.units(F_QTY, sym.lot);
      if (qty < 0) return 0;
      w[b + CMD_TYPE] = CommandType.NEW;
      w[b + CMD_SYMBOL] = sym.id;
      w[b + CMD_META] = packMeta(side, orderType, tif, stp, po === K_TRUE);
      putI64(w, b + CMD_PRICE, price);
      putI64(w, b + CMD_QTY, qty);
      writeClordBytes(w, b + CMD_CLORD, bytes, this.starts[F_CLORD], this.ends[F_CLORD]);
    } else if (kind === LANE_CANCEL || kind === LANE_REPLACE) {
      if (sym === null) return 0;
      const orderId = this.orderId();
      if (orderId < 0) return 0;
      if (!this.clord(F_CLORD, false)) return 0;
      const byClientId = orderId === 0;
      if (byClientId && kinds[F_CLORD] === K_NONE) return 0;
      w[b + CMD_TYPE] = kind === LANE_CANCEL ? CommandType.CANCEL : CommandType.REPLACE;
      w[b + CMD_SYMBOL] = sym.id;
      w[b + CMD_META] = packMeta(0, 0, 0, 0, false, byClientId);
      if (!byClientId) putI64(w, b + CMD_ORDER_ID, orderId);
      else writeClordBytes(w, b + CMD_CLORD, bytes, this.starts[F_CLORD], this.ends[F_CLORD]);
      if (kind === LANE_REPLACE) {
        const price = kinds[F_PRICE] === K_NONE ? 0 : this.units(F_PRICE, sym.tick);
        if (price < 0) return 0;
        const qty = kinds[F_QTY] === K_NONE ? 0 : this.units(F_QTY, sym.lot);
        if (qty < 0) return 0;
        if (!this.clord(F_NEW_CLORD, false)) return 0;
        if (price === 0 && qty === 0 && kinds[F_NEW_CLORD] === K_NONE) return 0;
        putI64(w, b + CMD_PRICE, price);
        putI64(w, b + CMD_QTY, qty);
        if (kinds[F_NEW_CLORD] !== K_NONE) writeClordBytes(w, b + CMD_NEW_CLORD, bytes, this.starts[F_NEW_CLORD], this.ends[F_NEW_CLORD]);
      }
    } else {
      w[b + CMD_TYPE] = CommandType.MASS_CANCEL;
      w[b + CMD_SYMBOL] = sym ? sym.id : -1;
      w[b + CMD_META] = packMeta(0, 0, 0, 0, false, false, Reason.MASS_CANCEL);
      this.allShards = sym === null;
    }
    w[b + CMD_ACCOUNT] = account;
    putI64(w, b + CMD_CORRELATION, correlation);
    return kind;
  }

  /** The request id as a value (cold: refusals and protobuf connections need one). */
  idValue(): string | number | undefined {
    if (this.idKind === K_NONE) return undefined;
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.idStart, this.idEnd - this.idStart).toString('latin1');
    return this.idKind === K_STRING ? text.slice(1, -1) : Number(text);
  }

  /**
   * One flat JSON object: each known field once, values plain strings (printable ASCII, no escapes),
   * integers, true or false. Anything else: false (declined).
   */
  private scan(bytes: Uint8Array): boolean {
    const n = bytes.length;
    const kinds = this.kinds;
    kinds.fill(K_NONE);
    let i = 0;
    while (i < n && isWs(bytes[i])) i++;
    if (bytes[i] !== 123 /* { */) return false;
    i++;
    for (;;) {
      while (i < n && isWs(bytes[i])) i++;
      if (bytes[i] !== 34 /* " */) return false;
      const ks = ++i;
      while (i < n && bytes[i] !== 34 && bytes[i] !== 92) i++;
      if (i >= n || bytes[i] !== 34) return false;
      const f = this.field(bytes, ks, i);
      if (f < 0 || kinds[f] !== K_NONE) return false;
      i++;
      while (i < n && isWs(bytes[i])) i++;
      if (bytes[i] !== 58 /* : */) return false;
      i++;
      while (i < n && isWs(bytes[i])) i++;
      const c = bytes[i];
      if (c === 34) {
        const vs = ++i;
        // Printable ASCII without " and \ : the JSON text is the value itself.
        while (i < n && bytes[i] >= 0x20 && bytes[i] <= 0x7e && bytes[i] !== 34 && bytes[i] !== 92) i++;
        if (i >= n || bytes[i] !== 34) return false;
        kinds[f] = K_STRING;
        this.starts[f] = vs;
        this.ends[f] = i;
        i++;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        const vs = i;
        if (c === 45) i++;
        const ds = i;
        while (i < n && bytes[i] >= 48 && bytes[i] <= 57) i++;
        // Digits, no leading zero, no fraction or exponent.
        if (i === ds || (bytes[ds] === 48 && i - ds > 1)) return false;
        const after = bytes[i];
        if (after === 46 || after === 101 || after === 69) return false;
        kinds[f] = K_NUMBER;
        this.starts[f] = vs;
        this.ends[f] = i;
      } else if (c === 116 && bytes[i + 1] === 114 && bytes[i + 2] === 117 && bytes[i + 3] === 101) {
        kinds[f] = K_TRUE;
        i += 4;
      } else if (c === 102 && bytes[i + 1] === 97 && bytes[i + 2] === 108 && bytes[i + 3] === 115 && bytes[i + 4] === 101) {
        kinds[f] = K_FALSE;
        i += 5;
      } else {
        return false;
      }
      while (i < n && isWs(bytes[i])) i++;
      if (bytes[i] === 44 /* , */) {
        i++;
        continue;
      }
      if (bytes[i] !== 125 /* } */) return false;
      i++;
      while (i < n && isWs(bytes[i])) i++;
      return i === n;
    }
  }

  private field(bytes: Uint8Array, start: number, end: number): number {
    for (let f = 0; f < FIELD_COUNT; f++) if (sameBytes(bytes, start, end, this.keys[f])) return f;
    return -1;
  }

  private symbol(bytes: Uint8Array, start: number, end: number): SymbolSpec | null {
    const list = this.symbols.get(hashBytes(bytes, start, end));
    if (list === undefined) return null;
    for (let k = 0; k < list.length; k++) if (sameBytes(bytes, start, end, list[k].name)) return list[k].spec;
    return null;
  }

  /** An enum field's value, `dflt` when absent (−1: required), or −1: declined. */
  private choice(f: number, table: ByteEnum, dflt: number): number {
    const k = this.kinds[f];
    if (k === K_NONE) return dflt;
    if (k !== K_STRING) return -1;
    for (let i = 0; i < table.names.length; i++) if (sameBytes(this.bytes, this.starts[f], this.ends[f], table.names[i])) return table.values[i];
    return -1;
  }

  /** A client order id field: 1–32 printable ASCII without spaces; absent is fine unless required. */
  private clord(f: number, required: boolean): boolean {
    const k = this.kinds[f];
    if (k === K_NONE) return !required;
    if (k !== K_STRING) return false;
    const s = this.starts[f];
    const e = this.ends[f];
    if (e === s || e - s > CLORD_BYTES) return false;
    for (let i = s; i < e; i++) if (this.bytes[i] === 32) return false;
    return true;
  }

  /** A price or quantity (a decimal string) in units ≥ 1, or −1: declined. */
  private units(f: number, step: SymbolSpec['tick']): number {
    if (this.kinds[f] !== K_STRING) return -1;
    return unitsOfBytes(this.bytes, this.starts[f], this.ends[f], step);
  }

  /** orderId (a string or a number of 1–15 digits, no leading zero): the id, 0 when absent, −1: declined. */
  private orderId(): number {
    const k = this.kinds[F_ORDER_ID];
    if (k === K_NONE) return 0;
    if (k !== K_STRING && k !== K_NUMBER) return -1;
    const s = this.starts[F_ORDER_ID];
    const e = this.ends[F_ORDER_ID];
    if (e - s > 15 || e === s || this.bytes[s] < 49 || this.bytes[s] > 57) return -1;
    let v = 0;
    for (let i = s; i < e; i++) {
      const c = this.bytes[i];
      if (c < 48 || c > 57) return -1;
      v = v * 10 + (c - 48);
    }
    return v;
  }
}

/** FNV-1a over bytes, folded to 30 bits (a small-integer Map key). */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h & 0x3fffffff;
}

// ------------------------------------------------------------------------------------ reports

/** Room a report needs in the output buffer (the longest, with a rejectText and an id, is ~1.5 KB). */
export const MAX_REPORT_BYTES = 2048;

/** JSON string bytes (with quotes) of each name in a table; a missing entry → the fallback name. */
const quotedAll = (names: readonly string[]): Uint8Array[] => names.map((s) => ascii(JSON.stringify(s)));

/**
 * Execution reports as JSON bytes, the same text as reportJson(reportFromEvent(…)) /
 * reportJson(makerReportFromEvent(…)) (json-lane.test.ts compares them over random events).
 * Every method returns the position after what it wrote, or −1 when the report has something it
 * leaves to the general path (an unknown symbol or enum value, a value needing BigInt formatting).
 */
export class ReportWriter {
  private readonly f = {
    head: ascii('{"type":"execution_report","execType":'),
    orderId: ascii(',"orderId":"'),
    clord: ascii('","clientOrderId":"'),
    orig: ascii(',"origClientOrderId":"'),
    ocoClord: ascii(',"ocoClientOrderId":"'),
    stopPrice: ascii(',"stopPrice":"'),
    display: ascii(',"displayQuantity":"'),
    expireTime: ascii(',"expireTime":'),
    ocoGroup: ascii(',"ocoGroupId":"'),
    ocoOrder: ascii(',"ocoOrderId":"'),
    symbol: ascii(',"symbol":'),
    side: ascii(',"side":'),
    orderType: ascii(',"orderType":'),
    tif: ascii(',"timeInForce":'),
    price: ascii(',"price":"'),
    quantity: ascii('","quantity":"'),
    status: ascii('","orderStatus":'),
    lastPrice: ascii(',"lastPrice":"'),
    lastQty: ascii('","lastQuantity":"'),
    cum: ascii(',"cumQuantity":"'),
    leaves: ascii('","leavesQuantity":"'),
    canceled: ascii(',"canceledQuantity":"'),
    tradeId: ascii(',"tradeId":"'),
    taker: ascii(',"liquidity":"taker"'),
    maker: ascii(',"liquidity":"maker"'),
    rejectReason: ascii(',"rejectReason":'),
    rejectCode: ascii(',"rejectCode":'),
    rejectText: ascii(',"rejectText":'),
    reason: ascii(',"reason":'),
    seq: ascii(',"seq":'),
    ts: ascii(',"ts":'),
    id: ascii(',"id":'),
    trade: ascii('"trade"'),
  };
  private readonly execTypes: Array<Uint8Array | undefined> = [];
  private readonly sides = quotedAll(SIDE_NAMES);
  private readonly types = quotedAll(TYPE_NAMES);
  private readonly tifs = quotedAll(TIF_NAMES);
  private readonly statuses = quotedAll(STATUS_NAMES);
  private readonly reasons: Array<Uint8Array | undefined> = [];
  private readonly symbolNames: Uint8Array[];
  /** Limits and last prices for the words of a refusal (rejectText); none: no words. */
  rejectContext: RejectContext | null = null;
  /** rejectReason text per code, built the first time a code is seen (then reused). */
  private readonly codeNames = new Map<number, Uint8Array>();

  constructor(spec: EngineSpec) {
    for (const [k, v] of Object.entries(EXEC_TYPES)) this.execTypes[Number(k)] = ascii(JSON.stringify(v));
    for (const [k, v] of Object.entries(REASON_NAMES)) this.reasons[Number(k)] = ascii(JSON.stringify(v));
    this.symbolNames = spec.symbols.map((s) => new Uint8Array(Buffer.from(JSON.stringify(s.name), 'utf8')));
  }

  /** The report for the order the event is about (the taker of a TRADE), without its closing brace. */
  taker(out: Uint8Array, pos: number, w: Int32Array, b: number, sym: SymbolSpec | undefined): number {
    if (sym === undefined) return -1;
    const type = w[b + EVT_TYPE];
    const meta = w[b + EVT_META];
    const status = w[b + EVT_STATUS];
    const exec = this.execTypes[type];
    const side = this.sides[metaSide(meta)];
    const orderType = metaType(meta);
    const typeName = this.types[orderType];
    const tif = this.tifs[metaTif(meta)];
    const statusName = this.statuses[status];
    if (exec === undefined || side === undefined || typeName === undefined || tif === undefined || statusName === undefined) return -1;
    const f = this.f;
    let p = put(out, pos, f.head);
    p = put(out, p, exec);
    p = put(out, p, f.orderId);
    // A refused new order has no order id: "".
    const noId = type === EventType.REJECTED && status === OrderStatus.REJECTED && w[b + EVT_ORDER_ID] === 0 && w[b + EVT_ORDER_ID + 1] === 0;
    if (!noId && (p = writeI64(out, p, w, b + EVT_ORDER_ID)) < 0) return -1;
    // A refused replace that named a new client id is reported under it, the order's as orig; a
    // refused new_oco is the limit leg's report and names the stop leg.
    const other = type === EventType.REJECTED && ((w[b + EVT_OTHER_CLORD] & 0xff) !== 0);
    const oco = other && w[b + EVT_COMMAND_TYPE] === CommandType.NEW_OCO;
    const renamed = other && !oco;
    p = put(out, p, f.clord);
    if ((p = writeClord(out, p, w, b + (renamed ? EVT_OTHER_CLORD : EVT_CLORD))) < 0) return -1;
    out[p++] = 34;
    if (renamed || type === EventType.REPLACED) {
      p = put(out, p, f.orig);
      if ((p = writeClord(out, p, w, b + (renamed ? EVT_CLORD : EVT_OTHER_CLORD))) < 0) return -1;
      out[p++] = 34;
    } else if (oco) {
      p = put(out, p, f.ocoClord);
      if ((p = writeClord(out, p, w, b + EVT_OTHER_CLORD)) < 0) return -1;
      out[p++] = 34;
    }
    p = this.names(out, p, sym, side, typeName, tif);
    p = put(out, p, f.price);
    if (showsPrice(orderType) && (p = formatUnitsInto(out, p, getI64(w, b + EVT_PRICE), sym.tick)) < 0) return -1;
    p = put(out, p, f.quantity);
    if ((p = formatUnitsInto(out, p, getI64(w, b + EVT_QTY), sym.lot)) < 0) return -1;
    p = put(out, p, f.status);
    p = put(out, p, statusName);
    if (type === EventType.TRADE) {
      p = put(out, p, f.lastPrice);
      if ((p = formatUnitsInto(out, p, getI64(w, b + EVT_LAST_PRICE), sym.tick)) < 0) return -1;
      p = put(out, p, f.lastQty);
      if ((p = formatUnitsInto(out, p, getI64(w, b + EVT_LAST_QTY), sym.lot)) < 0) return -1;
      out[p++] = 34;
    }
    p = put(out, p, f.cum);
    if ((p = formatUnitsInto(out, p, getI64(w, b + EVT_CUM), sym.lot)) < 0) return -1;
    p = put(out, p, f.leaves);
    if ((p = formatUnitsInto(out, p, getI64(w, b + EVT_LEAVES), sym.lot)) < 0) return -1;
    out[p++] = 34;
    const code = w[b + EVT_CODE];
    if (type === EventType.CANCELED || type === EventType.EXPIRED) {
      p = put(out, p, f.canceled);
      if ((p = formatUnitsInto(out, p, getI64(w, b + EVT_LAST_QTY), sym.lot)) < 0) return -1;
      out[p++] = 34;
    }
    if (type === EventType.TRADE) {
      p = put(out, p, f.tradeId);
      if ((p = writeI64(out, p, w, b + EVT_TRADE_ID)) < 0) return -1;
      out[p++] = 34;
      p = put(out, p, f.taker);
    }
    if (type === EventType.REJECTED) {
      p = put(out, p, f.rejectReason);
      p = put(out, p, this.codeName(code));
      p = put(out, p, f.rejectCode);
      p = writeInt(out, p, code);
      // The refusal in words (cold: refusals only; builds a string).
      const text = this.rejectContext ? rejectText(code, w, b, this.rejectContext) : undefined;
      if (text !== undefined && (p = writeAsciiJson(out, put(out, p, f.rejectText), text)) < 0) return -1;
    }
    if (type === EventType.CANCELED || type === EventType.EXPIRED || type === EventType.REPLACED) {
      const reason = this.reasons[code];
      if (reason === undefined) return -1;
      p = put(out, p, f.reason);
      p = put(out, p, reason);
    }
    if ((p = this.extension(out, p, w, b, sym)) < 0) return -1;
    return this.tail(out, p, w, b);
  }

  /** The order-type fields (docs/order-types.md), each only when non-zero — as reportJson. */
  private extension(out: Uint8Array, pos: number, w: Int32Array, b: number, sym: SymbolSpec): number {
    const f = this.f;
    let p = pos;
    // The order-type fields share the trade and maker words: a TRADE has none (engine/event-slot.ts).
    if (!hasOrderExtension(w, b)) return p;
    if (w[b + EVT_STOP_PRICE] !== 0 || w[b + EVT_STOP_PRICE + 1] !== 0) {
      p = put(out, p, f.stopPrice);
      if ((p = formatUnitsInto(out, p, getI64(w, b + EVT_STOP_PRICE), sym.tick)) < 0) return -1;
      out[p++] = 34;
    }
    if (w[b + EVT_DISPLAY_QTY] !== 0 || w[b + EVT_DISPLAY_QTY + 1] !== 0) {
      p = put(out, p, f.display);
      if ((p = formatUnitsInto(out, p, getI64(w, b + EVT_DISPLAY_QTY), sym.lot)) < 0) return -1;
      out[p++] = 34;
    }
    if (w[b + EVT_EXPIRE_TIME] !== 0 || w[b + EVT_EXPIRE_TIME + 1] !== 0) {
      if ((p = writeI64(out, put(out, p, f.expireTime), w, b + EVT_EXPIRE_TIME)) < 0) return -1;
    }
    if (w[b + EVT_OCO_GROUP] !== 0 || w[b + EVT_OCO_GROUP + 1] !== 0) {
      if ((p = writeI64(out, put(out, p, f.ocoGroup), w, b + EVT_OCO_GROUP)) < 0) return -1;
      out[p++] = 34;
    }
    if (w[b + EVT_OCO_ORDER_ID] !== 0 || w[b + EVT_OCO_ORDER_ID + 1] !== 0) {
      if ((p = writeI64(out, put(out, p, f.ocoOrder), w, b + EVT_OCO_ORDER_ID)) < 0) return -1;
      out[p++] = 34;
    }
    return p;
  }

  /** The maker's report of a TRADE event, without its closing brace. */
  maker(out: Uint8Array, pos: number, w: Int32Array, b: number, sym: SymbolSpec | undefined): number {
    if (sym === undefined) return -1;
    const meta = w[b + EVT_MAKER_META];
    const side = this.sides[metaSide(meta)];
    const typeName = this.types[metaType(meta)];
    const tif = this.tifs[metaTif(meta)];
    const statusName = this.statuses[w[b + EVT_MAKER_STATUS]];
    if (side === undefined || typeName === undefined || tif === undefined || statusName === undefined) return -1;
    const f = this.f;
    let p = put(out, pos, f.head);
    p = put(out, p, f.trade);
    p = put(out, p, f.orderId);
    if ((p = writeI64(out, p, w, b + EVT_MAKER_ORDER_ID)) < 0) return -1;
    p = put(out, p, f.clord);
    if ((p = writeClord(out, p, w, b + EVT_OTHER_CLORD)) < 0) return -1;
    out[p++] = 34;
    p = this.names(out, p, sym, side, typeName, tif);
    const price = getI64(w, b + EVT_LAST_PRICE);
    p = put(out, p, f.price);
    if ((p = formatUnitsInto(out, p, price, sym.tick)) < 0) return -1;
    p = put(out, p, f.quantity);
    if ((p = formatUnitsInto(out, p, getI64(w, b + EVT_MAKER_QTY), sym.lot)) < 0) return -1;
    p = put(out, p, f.status);
    p = put(out, p, statusName);
    p = put(out, p, f.lastPrice);
    if ((p = formatUnitsInto(out, p, price, sym.tick)) < 0) return -1;
    p = put(out, p, f.lastQty);
    if ((p = formatUnitsInto(out, p, getI64(w, b + EVT_LAST_QTY), sym.lot)) < 0) return -1;
    out[p++] = 34;
    p = put(out, p, f.cum);
    if ((p = formatUnitsInto(out, p, getI64(w, b + EVT_MAKER_CUM), sym.lot)) < 0) return -1;
    p = put(out, p, f.leaves);
    if ((p = formatUnitsInto(out, p, getI64(w, b + EVT_MAKER_LEAVES), sym.lot)) < 0) return -1;
    out[p++] = 34;
    p = put(out, p, f.tradeId);
    if ((p = writeI64(out, p, w, b + EVT_TRADE_ID)) < 0) return -1;
    out[p++] = 34;
    p = put(out, p, f.maker);
    return this.tail(out, p, w, b);
  }

  /** `,"symbol":…,"side":…,"orderType":…,"timeInForce":…` (the quoted names). */
  private names(out: Uint8Array, pos: number, sym: SymbolSpec, side: Uint8Array, typeName: Uint8Array, tif: Uint8Array): number {
    const f = this.f;
    let p = put(out, pos, f.symbol);
    p = put(out, p, this.symbolNames[sym.id]);
    p = put(out, p, f.side);
    p = put(out, p, side);
    p = put(out, p, f.orderType);
    p = put(out, p, typeName);
    p = put(out, p, f.tif);
    return put(out, p, tif);
  }

  /** `,"id":<json>` from bytes [start, end) of `src` (the JSON text of the request id). */
  id(out: Uint8Array, pos: number, src: Uint8Array, start: number, end: number): number {
    let p = put(out, pos, this.f.id);
    for (let i = start; i < end; i++) out[p++] = src[i];
    return p;
  }

  /** The closing brace. */
  close(out: Uint8Array, pos: number): number {
    out[pos] = 125;
    return pos + 1;
  }

  private tail(out: Uint8Array, pos: number, w: Int32Array, b: number): number {
    let p = put(out, pos, this.f.seq);
    if ((p = writeI64(out, p, w, b + EVT_SEQ)) < 0) return -1;
    p = put(out, p, this.f.ts);
    return writeI64(out, p, w, b + EVT_TS);
  }

  private codeName(code: number): Uint8Array {
    let name = this.codeNames.get(code);
    if (name === undefined) {
      name = new Uint8Array(Buffer.from(JSON.stringify(codeName(code)), 'utf8'));
      this.codeNames.set(code, name);
    }
    return name;
  }
}

/** A string as a JSON string (quotes, \" and \\ escaped); −1 for anything outside printable ASCII. */
function writeAsciiJson(out: Uint8Array, pos: number, s: string): number {
  if (s.length > 400) return -1; // the texts are < 300 characters: room in MAX_REPORT_BYTES even escaped
  let p = pos;
  out[p++] = 34;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return -1;
    if (c === 34 || c === 92) out[p++] = 92;
    out[p++] = c;
  }
  out[p++] = 34;
  return p;
}

/** A constant fragment (TypedArray.set: a copy, no allocation). */
function put(out: Uint8Array, pos: number, src: Uint8Array): number {
  out.set(src, pos);
  return pos + src.length;
}

/** A small integer (a result code) in decimal. */
function writeInt(out: Uint8Array, pos: number, v: number): number {
  if (v < 0) {
    out[pos++] = 45;
    v = -v;
  }
  return writeDigits(out, pos, v, 0);
}

/**
 * The int64 at words [at, at + 1] in decimal, or −1 beyond 2^53 (left to the general path). Read
 * here, not passed in: a double above 2^31 handed to a function that is not inlined is boxed.
 */
function writeI64(out: Uint8Array, pos: number, w: Int32Array, at: number): number {
  let v = getI64(w, at);
  if (!Number.isSafeInteger(v)) return -1;
  if (v < 0) {
    out[pos++] = 45;
    v = -v;
  }
  let n = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) n++;
  for (let i = pos + n - 1; i >= pos; i--) {
    const q = Math.floor(v / 10);
    out[i] = 48 + (v - q * 10);
    v = q;
  }
  return pos + n;
}

/**
 * A client order id from a slot, escaped as JSON.stringify would (\" and \\); −1 for a byte
 * outside printable ASCII (never accepted at entry; left to the general path all the same).
 */
function writeClord(out: Uint8Array, pos: number, w: Int32Array, from: number): number {
  let p = pos;
  for (let i = 0; i < CLORD_BYTES; i++) {
    const c = (w[from + (i >> 2)] >>> ((i & 3) * 8)) & 0xff;
    if (c === 0) break;
    if (c < 0x20 || c > 0x7e) return -1;
    if (c === 34 || c === 92) out[p++] = 92;
    out[p++] = c;
  }
  return p;
}

/**
 * The binary (protobuf) encoding of the client protocol, from the committed proto/ringmatch.proto.
 * Incoming Envelopes become the same JSON-shaped messages the JSON path validates (int64 units are
 * turned into exact decimal strings of the symbol, so both encodings share one validator); outgoing
 * JSON-shaped messages become Envelopes with int64 units. Cold relative to the engine: runs on the
 * gateway thread per frame.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { DecimalError, formatUnits, toUnits } from '../engine/decimal.ts';
import { MAX_UNITS, writeInt64 } from '../engine/int64.ts';
import type { SymbolSpec } from '../engine/config.ts';
import { GatewayCode, refuse } from './protocol.ts';
import type { ClientMessage, ExecutionReport, ReportUnits, SymbolTable } from './protocol.ts';

const root = protobuf.loadSync(fileURLToPath(new URL('../proto/ringmatch.proto', import.meta.url)));
const Envelope = root.lookupType('ringmatch.v1.Envelope');

const SIDE = ['', 'buy', 'sell'];
const ORDER_TYPE = ['', 'limit', 'market', 'stop', 'stop_limit'];
const TIF = ['', 'GTC', 'IOC', 'FOK', 'GTD'];
const STP = ['none', 'cancel_newest', 'cancel_oldest', 'cancel_both', 'decrement'];

type Obj = Record<string, unknown>;

/**
 * A protobuf enum field as its JSON name: 0 (unspecified) → undefined (the JSON path then applies
 * the default or says it is required); a value the .proto does not define is refused, naming the
 * field — protobuf keeps unknown enum numbers, and they must never turn into a default.
 */
function enumName(names: readonly string[], v: unknown, field: string, id: string | undefined, zeroIsValue = false): string | undefined | null {
  const n = typeof v === 'number' ? v : 0;
  if (n === 0 && !zeroIsValue) return undefined;
  const name = Number.isInteger(n) && n >= 0 && n < names.length ? names[n] : '';
  if (name === '') {
    const allowed = names.map((x, i) => (x ? `${i} ${x}` : '')).filter(Boolean).join(', ');
    return refuse(GatewayCode.BAD_FIELD, `"${field}" ${String(v)} is not defined (${allowed})`, id);
  }
  return name;
}


interface LongLike { low: number; high: number; unsigned: boolean; toNumber(): number; toString(): string }

/** An int64 field of a decoded message (number or Long) as a non-negative safe integer of units; -1 refused. */
function units(v: unknown, what: string, id: string | undefined): number {
  let n: number;
  if (v === undefined || v === null) n = 0;
  else if (typeof v === 'number') n = v;
  else {
    const l = v as LongLike;
    // Negative (signed, top bit set) or beyond 2^53: out of range without losing precision first.
    n = (!l.unsigned && l.high < 0) ? -1 : l.high >>> 0 > 0x1fffff ? Number.POSITIVE_INFINITY : l.toNumber();
  }
  if (!(n >= 0 && n <= MAX_UNITS)) {
    refuse(GatewayCode.BAD_FIELD, `"${what}" must be between 0 and ${MAX_UNITS} units`, id);
    return -1;
  }
  return n;
}

/** int64 units → the symbol's decimal string (exact), or undefined for 0 / unknown symbol; null refused. */
function decimal(v: unknown, sym: SymbolSpec | undefined, kind: 'price' | 'quantity', id: string | undefined): string | undefined | null {
  const n = units(v, kind, id);
  if (n < 0) return null;
  if (n === 0) return undefined;
  if (!sym) return String(n); // the symbol check reports the real problem
  return formatUnits(n, kind === 'price' ? sym.tick : sym.lot);
}

/** expire_time (int64 ms since the epoch) as the JSON number, undefined for 0; null refused. */
function expireTime(v: unknown, id: string | undefined): number | undefined | null {
  const n = units(v, 'expireTime', id);
  if (n < 0) return null;
  return n === 0 ? undefined : n;
}

/** A uint64 id field as its decimal string ('0' when absent). */
function idString(v: unknown): string {
  if (v === undefined || v === null) return '0';
  return typeof v === 'number' ? String(v) : (v as LongLike).toString();
}

/** Decode one binary frame into the JSON-shaped message, or null (the reason in `refusal`). */
export function decodeBinary(bytes: Uint8Array, table: SymbolTable): ClientMessage | null {
  // The decoded message itself (fields read directly; defaults come from its prototype): building
  // a plain object with toObject({ defaults: true }) was most of a binary frame's cost.
  let env: Obj;
  try {
    env = Envelope.decode(bytes) as unknown as Obj;
  } catch (e) {
    // protobufjs reports a malformed frame only by throwing: caught here, at its source.
    return refuse(GatewayCode.BAD_BINARY, `not a ringmatch.v1.Envelope: ${(e as Error).message}`, undefined);
  }
  const id = typeof env.id === 'string' && env.id !== '' ? env.id : undefined;
  const body = env.body as string | undefined;
  if (!body) return refuse(GatewayCode.MISSING_FIELD, 'the Envelope carries no message (set one field of "body")', id);
  const m = env[body] as Obj;
  const out: ClientMessage = { id };
  const symName = typeof m.symbol === 'string' && m.symbol !== '' ? m.symbol : undefined;
  const sym = symName ? table.bySymbol.get(symName) : undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  switch (body) {
    case 'auth':
      return { ...out, type: 'auth', token: m.token };
    case 'ping':
      return { ...out, type: 'ping' };
    case 'subscribe':
    case 'unsubscribe':
      return { ...out, type: body, channels: [...(m.channels as string[])], symbols: [...(m.symbols as string[])] };
    case 'newOrder': {
      const side = enumName(SIDE, m.side, 'side', id);
      const orderType = side === null ? null : enumName(ORDER_TYPE, m.orderType, 'orderType', id);
      const timeInForce = orderType === null ? null : enumName(TIF, m.timeInForce, 'timeInForce', id);
      const stp = timeInForce === null ? null : enumName(STP, m.stp, 'stp', id, true);
      const price = stp === null ? null : decimal(m.price, sym, 'price', id);
      const quantity = price === null ? null : decimal(m.quantity, sym, 'quantity', id);
      const stopPrice = quantity === null ? null : decimal(m.stopPrice, sym, 'price', id);
      const displayQuantity = stopPrice === null ? null : decimal(m.displayQuantity, sym, 'quantity', id);
      const expire = displayQuantity === null ? null : expireTime(m.expireTime, id);
      if (expire === null) return null;
      return {
        ...out, type: 'new_order', clientOrderId: str(m.clientOrderId), symbol: symName, side, orderType, timeInForce, stp, postOnly: m.postOnly, price, quantity,
        stopPrice, displayQuantity, expireTime: expire,
      };
    }
    case 'newOco': {
      const side = enumName(SIDE, m.side, 'side', id);
      const timeInForce = side === null ? null : enumName(TIF, m.timeInForce, 'timeInForce', id);
      const stp = timeInForce === null ? null : enumName(STP, m.stp, 'stp', id, true);
      const quantity = stp === null ? null : decimal(m.quantity, sym, 'quantity', id);
      const expire = quantity === null ? null : expireTime(m.expireTime, id);
      if (expire === null) return null;
      // Absent legs stay absent: the JSON validator says which is required.
      const l = m.limit as Obj | null;
      const st = m.stop as Obj | null;
      let limit: Obj | undefined;
      let stop: Obj | undefined;
      if (l) {
        const price = decimal(l.price, sym, 'price', id);
        const displayQuantity = price === null ? null : decimal(l.displayQuantity, sym, 'quantity', id);
        if (displayQuantity === null) return null;
        limit = { clientOrderId: str(l.clientOrderId), price, displayQuantity, postOnly: l.postOnly };
      }
      if (st) {
        const stopPrice = decimal(st.stopPrice, sym, 'price', id);
        const price = stopPrice === null ? null : decimal(st.price, sym, 'price', id);
        if (price === null) return null;
        stop = { clientOrderId: str(st.clientOrderId), stopPrice, price };
      }
      return { ...out, type: 'new_oco', symbol: symName, side, quantity, timeInForce, expireTime: expire, stp, limit, stop };
    }
    case 'cancelOrder':
      return { ...out, type: 'cancel_order', symbol: symName, orderId: idString(m.orderId) === '0' ? undefined : idString(m.orderId), clientOrderId: str(m.clientOrderId) };
    case 'replaceOrder': {
      const price = decimal(m.price, sym, 'price', id);
      const quantity = price === null ? null : decimal(m.quantity, sym, 'quantity', id);
      const stopPrice = quantity === null ? null : decimal(m.stopPrice, sym, 'price', id);
      if (stopPrice === null) return null;
      return {
        ...out, type: 'replace_order', symbol: symName, orderId: idString(m.orderId) === '0' ? undefined : idString(m.orderId), clientOrderId: str(m.clientOrderId),
        newClientOrderId: str(m.newClientOrderId), price, quantity, stopPrice,
      };
    }
    case 'cancelAll':
      return { ...out, type: 'cancel_all', symbol: symName };
    default:
      return refuse(GatewayCode.UNKNOWN_TYPE, `"${body}" is a server message, not a request`, id);
  }
}

/** Decimal string → int64 units (string) for the wire; '' and null → '0'. */
function toWire(v: unknown, sym: SymbolSpec | undefined, kind: 'price' | 'quantity'): string {
  if (typeof v !== 'string' || v === '' || !sym) return '0';
  try {
    return String(toUnits(v, kind === 'price' ? sym.tick : sym.lot, kind, MAX_UNITS, true));
  } catch (e) {
    if (e instanceof DecimalError) return '0';
    throw e;
  }
}

const SIDE_NUM: Record<string, number> = { buy: 1, sell: 2 };
const TYPE_NUM: Record<string, number> = { limit: 1, market: 2, stop: 3, stop_limit: 4 };
const TIF_NUM: Record<string, number> = { GTC: 1, IOC: 2, FOK: 3, GTD: 4 };

/**
 * Encode a JSON-shaped server message (as the JSON path builds it) into a binary Envelope.
 * `sym` resolves the message's symbol for unit conversion.
 */
export function encodeBinary(msg: Obj, sym: (name: string) => SymbolSpec | undefined): Uint8Array {
  const id = msg.id === undefined ? '' : String(msg.id);
  const s = typeof msg.symbol === 'string' ? sym(msg.symbol) : undefined;
  const levels = (rows: unknown): Obj[] => ((rows as string[][]) ?? []).map(([p, q]) => ({ price: toWire(p, s, 'price'), quantity: toWire(q, s, 'quantity') }));
  let body: Obj;
  switch (msg.type) {
    case 'execution_report': {
      const r = msg as unknown as ExecutionReport;
      body = {
        executionReport: {
          execType: r.execType, orderId: r.orderId || '0', clientOrderId: r.clientOrderId, origClientOrderId: r.origClientOrderId ?? '', symbol: r.symbol,
          side: SIDE_NUM[r.side] ?? 0, orderType: TYPE_NUM[r.orderType] ?? 0, timeInForce: TIF_NUM[r.timeInForce] ?? 0,
          price: toWire(r.price, s, 'price'), quantity: toWire(r.quantity, s, 'quantity'), orderStatus: r.orderStatus,
          lastPrice: toWire(r.lastPrice, s, 'price'), lastQuantity: toWire(r.lastQuantity, s, 'quantity'), cumQuantity: toWire(r.cumQuantity, s, 'quantity'),
          leavesQuantity: toWire(r.leavesQuantity, s, 'quantity'), canceledQuantity: toWire(r.canceledQuantity, s, 'quantity'), tradeId: r.tradeId ?? '0',
          liquidity: r.liquidity ?? '', rejectReason: r.rejectReason ?? '', rejectCode: r.rejectCode ?? 0, reason: r.reason ?? '', seq: String(r.seq), ts: String(r.ts),
          rejectText: r.rejectText ?? '',
          stopPrice: toWire(r.stopPrice, s, 'price'), displayQuantity: toWire(r.displayQuantity, s, 'quantity'), expireTime: String(r.expireTime ?? 0),
          ocoGroupId: r.ocoGroupId ?? '0', ocoOrderId: r.ocoOrderId ?? '0', ocoClientOrderId: r.ocoClientOrderId ?? '',
        },
      };
      break;
    }
    case 'error':
      body = { error: { code: msg.code, name: msg.name, message: msg.message } };
      break;
    case 'pong':
      body = { pong: {} };
      break;
    case 'auth_ack':
      body = { authAck: { account: msg.account, gatewayThread: msg.gatewayThread } };
      break;
    case 'subscribed':
    case 'unsubscribed':
      body = { subscribed: { channels: msg.channels, symbols: msg.symbols, on: msg.type === 'subscribed' } };
      break;
    case 'cancel_all_ack':
      body = { cancelAllAck: { canceled: String(msg.canceled) } };
      break;
    case 'trade':
      body = { trade: { symbol: msg.symbol, tradeId: msg.tradeId, price: toWire(msg.price, s, 'price'), quantity: toWire(msg.quantity, s, 'quantity'), takerSide: SIDE_NUM[msg.takerSide as string] ?? 0, seq: String(msg.seq), ts: String(msg.ts) } };
      break;
    case 'bbo':
      body = {
        bbo: {
          symbol: msg.symbol, bidPrice: toWire(msg.bidPrice, s, 'price'), bidQuantity: toWire(msg.bidQuantity, s, 'quantity'),
          askPrice: toWire(msg.askPrice, s, 'price'), askQuantity: toWire(msg.askQuantity, s, 'quantity'), seq: String(msg.seq), ts: String(msg.ts),
        },
      };
      break;
    case 'book_snapshot':
      body = { bookSnapshot: { symbol: msg.symbol, seq: String(msg.seq), bids: levels(msg.bids), asks: levels(msg.asks) } };
      break;
    case 'book_update':
      body = { bookUpdate: { symbol: msg.symbol, seq: String(msg.seq), bids: levels(msg.bids), asks: levels(msg.asks) } };
      break;
    default:
      throw new Error(`no binary encoding for ${String(msg.type)}`);
  }
  return Envelope.encode(Envelope.fromObject({ id, ...body })).finish();
}

/** For clients and tests: decode a server Envelope to a plain object (int64 as strings). */
export function decodeServerEnvelope(bytes: Uint8Array): Obj {
  return Envelope.toObject(Envelope.decode(bytes), { longs: String, enums: Number, oneofs: true, defaults: true }) as Obj;
}

/**
 * For clients and tests: encode a request Envelope from a plain object. Give int64 fields as
 * decimal strings (or safe integers): fromObject converts them exactly. (A raw bigint would be
 * written as 0 by protobufjs, and verify() refuses strings, so neither is used here.)
 */
export function encodeRequestEnvelope(obj: Obj): Uint8Array {
  return Envelope.encode(Envelope.fromObject(obj)).finish();
}

/** What a load generator needs from a server frame, without building a full object (clients, benchmarks). */
export interface ServerFramePeek {
  id: string;
  body: string;
  execType: string;
  clientOrderId: string;
  code: number;
}

export function peekServerEnvelope(bytes: Uint8Array): ServerFramePeek {
  const m = Envelope.decode(bytes) as unknown as {
    id?: string; body?: string;
    executionReport?: { execType?: string; clientOrderId?: string; rejectCode?: number };
    error?: { code?: number };
  };
  const r = m.executionReport;
  return { id: m.id ?? '', body: m.body ?? '', execType: r?.execType ?? '', clientOrderId: r?.clientOrderId ?? '', code: m.error?.code ?? r?.rejectCode ?? 0 };
}

function writeStr(wr: protobuf.Writer, field: number, v: string | undefined): void {
  if (v) wr.uint32((field << 3) | 2).string(v);
}

/**
 * An execution report Envelope written field by field (protobufjs Writer) from the report and its
 * integer units — what the gateway sends binary clients for every event; the generic
 * `encodeBinary` (fromObject, decimal strings parsed back to units) cost ~5 µs per report. Decodes
 * to the same message (tested).
 */
export function encodeReportEnvelope(r: ExecutionReport, u: ReportUnits, id: string | number | undefined): Uint8Array {
  const wr = protobuf.Writer.create();
  if (id !== undefined && id !== '') wr.uint32((1 << 3) | 2).string(String(id));
  wr.uint32((35 << 3) | 2).fork();
  const known = r.symbol !== '';
  writeStr(wr, 1, r.execType);
  writeInt64(wr, 2, r.orderId === '' ? 0 : Number(r.orderId), true);
  writeStr(wr, 3, r.clientOrderId);
  writeStr(wr, 4, r.origClientOrderId);
  writeStr(wr, 5, r.symbol);
  const side = SIDE_NUM[r.side] ?? 0;
  if (side) wr.uint32(6 << 3).uint32(side);
  const type = TYPE_NUM[r.orderType] ?? 0;
  if (type) wr.uint32(7 << 3).uint32(type);
  const tif = TIF_NUM[r.timeInForce] ?? 0;
  if (tif) wr.uint32(8 << 3).uint32(tif);
  if (known) {
    writeInt64(wr, 9, u.price, false);
    writeInt64(wr, 10, u.quantity, false);
  }
  writeStr(wr, 11, r.orderStatus);
  if (known) {
    writeInt64(wr, 12, r.lastPrice === undefined ? 0 : u.lastPrice, false);
    writeInt64(wr, 13, r.lastQuantity === undefined ? 0 : u.lastQuantity, false);
    writeInt64(wr, 14, u.cumQuantity, false);
    writeInt64(wr, 15, u.leavesQuantity, false);
    writeInt64(wr, 16, r.canceledQuantity === undefined ? 0 : u.canceledQuantity, false);
  }
  writeInt64(wr, 17, r.tradeId === undefined ? 0 : Number(r.tradeId), true);
  writeStr(wr, 18, r.liquidity);
  writeStr(wr, 19, r.rejectReason);
  if (r.rejectCode) wr.uint32(20 << 3).sint32(r.rejectCode);
  writeStr(wr, 21, r.reason);
  writeInt64(wr, 22, r.seq, true);
  writeInt64(wr, 23, r.ts, true);
  writeStr(wr, 24, r.rejectText);
  if (known) {
    writeInt64(wr, 25, r.stopPrice === undefined ? 0 : u.stopPrice, false);
    writeInt64(wr, 26, r.displayQuantity === undefined ? 0 : u.displayQuantity, false);
  }
  writeInt64(wr, 27, r.expireTime ?? 0, false);
  writeInt64(wr, 28, r.ocoGroupId === undefined ? 0 : Number(r.ocoGroupId), true);
  writeInt64(wr, 29, r.ocoOrderId === undefined ? 0 : Number(r.ocoOrderId), true);
  writeStr(wr, 30, r.ocoClientOrderId);
  wr.ldelim();
  return wr.finish();
}

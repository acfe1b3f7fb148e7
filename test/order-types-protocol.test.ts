/**
 * The order types' wire contract without a server (docs/protocol.md): JSON and protobuf requests to
 * command slots (engine/command-slot.ts), event slots to execution reports in JSON, the JSON lane's
 * bytes and protobuf.
 */
import { describe, expect, it } from 'vitest';
import { CommandType, EventType, OrderStatus, OrderType, Reason, Side, Stp, TimeInForce } from '../engine/codes.ts';
import {
  CMD_END, CMD_SLOT_WORDS, CMD_TYPE, decodeCommand, packMeta, writeClordString,
} from '../engine/command-slot.ts';
import {
  EVT_CLORD, EVT_CODE, EVT_COMMAND_TYPE, EVT_CUM, EVT_DISPLAY_QTY, EVT_EXPIRE_TIME, EVT_LEAVES, EVT_META, EVT_OCO_GROUP, EVT_OCO_ORDER_ID, EVT_ORDER_ID,
  EVT_OTHER_CLORD, EVT_PRICE, EVT_QTY, EVT_SEQ, EVT_SLOT_WORDS, EVT_STATUS, EVT_STOP_PRICE, EVT_SYMBOL, EVT_TS, EVT_TYPE,
} from '../engine/event-slot.ts';
import { putI64 } from '../engine/int64.ts';
import { demoConfig, compileConfig } from '../engine/config.ts';
import { encodeOrderEntry, refusal, reportFromEvent, reportJson, reportUnits, symbolTable } from '../gateway/protocol.ts';
import type { ClientMessage } from '../gateway/protocol.ts';
import { decodeBinary, decodeServerEnvelope, encodeBinary, encodeReportEnvelope, encodeRequestEnvelope } from '../gateway/proto-codec.ts';
import { MAX_REPORT_BYTES, ReportWriter } from '../gateway/json-lane.ts';

const spec = compileConfig(demoConfig()); // BTC-USD: tick 0.01, lot 0.0001
const table = symbolTable(spec);

function encode(m: ClientMessage): ReturnType<typeof decodeCommand> | string {
  const w = new Int32Array(CMD_SLOT_WORDS);
  if (!encodeOrderEntry(m, table, 1, 99, w, 0)) return `${refusal.code} ${refusal.message}`;
  return decodeCommand(w, 0);
}

function slotWords(m: ClientMessage): number[] {
  const w = new Int32Array(CMD_SLOT_WORDS);
  expect(encodeOrderEntry(m, table, 1, 99, w, 0), refusal.message).toBe(true);
  return [...w.subarray(0, CMD_END)];
}

describe('requests → command slots', () => {
  it('new_order: stop, stop_limit, iceberg and GTD fields land in their slot words; defaults as documented', () => {
    expect(encode({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 's1', side: 'sell', orderType: 'stop', stopPrice: '48000.5', quantity: '0.001' })).toMatchObject({
      type: CommandType.NEW, orderType: OrderType.STOP, tif: TimeInForce.GTC, side: Side.SELL, price: 0, stopPrice: 4_800_050, qty: 10, displayQty: 0, expireTime: 0, clientOrderId: 's1',
    });
    expect(encode({
      type: 'new_order', symbol: 'BTC-USD', clientOrderId: 's2', side: 'buy', orderType: 'stop_limit', stopPrice: '51000', price: '51010', quantity: '0.002',
      displayQuantity: '0.0005', timeInForce: 'GTD', expireTime: 1_763_000_000_123,
    })).toMatchObject({ orderType: OrderType.STOP_LIMIT, tif: TimeInForce.GTD, price: 5_101_000, stopPrice: 5_100_000, qty: 20, displayQty: 5, expireTime: 1_763_000_000_123 });
    // expireTime as a string of digits: the same slot.
    const asNumber = { type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'g', side: 'buy', price: '1', quantity: '1', timeInForce: 'GTD', expireTime: 1_763_000_000_000 };
    expect(slotWords({ ...asNumber, expireTime: '1763000000000' })).toEqual(slotWords(asNumber));
    // Market keeps IOC; limit without the new fields is byte for byte what it was (all zero there).
    expect(encode({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'm', side: 'buy', orderType: 'market', quantity: '1' })).toMatchObject({ tif: TimeInForce.IOC, stopPrice: 0 });
    // Rules are the risk stage's: a stopPrice on a limit order or a display above quantity pass as written.
    expect(encode({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'l', side: 'buy', price: '1', quantity: '0.0001', stopPrice: '2', displayQuantity: '1' })).toMatchObject({ stopPrice: 200, displayQty: 10_000 });
  });

  it('new_order: malformed values refused with the existing error style', () => {
    const base = { type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'x', side: 'buy', quantity: '1' };
    expect(encode({ ...base, orderType: 'stop', price: '1' })).toMatch(/^-10004 a stop order takes no "price"/);
    expect(encode({ ...base, orderType: 'market', price: '1' })).toBe('-10004 a market order takes no "price"');
    expect(encode({ ...base, orderType: 'stop_limit' })).toBe('-10003 "price" is required');
    expect(encode({ ...base, price: '1', stopPrice: 5 })).toBe('-10004 "stopPrice" must be a string');
    expect(encode({ ...base, price: '1', stopPrice: '1.001' })).toMatch(/^-2017 /);
    expect(encode({ ...base, price: '1', displayQuantity: '0.00001' })).toMatch(/^-2018 /);
    for (const t of [0, -1, 1.5, '12a', '', '01', 2 ** 53, '99999999999999999', true]) expect(encode({ ...base, price: '1', expireTime: t })).toMatch(/^-10004 "expireTime" must be a positive integer/);
  });

  it('replace_order: stopPrice alone is a change', () => {
    expect(encode({ type: 'replace_order', symbol: 'BTC-USD', clientOrderId: 's1', stopPrice: '47000' })).toMatchObject({ type: CommandType.REPLACE, byClientId: true, stopPrice: 4_700_000, price: 0, qty: 0 });
    expect(encode({ type: 'replace_order', symbol: 'BTC-USD', orderId: 5 })).toBe('-10003 a replace needs "price", "quantity" or "newClientOrderId"');
  });

  it('new_oco: one NEW_OCO command, the limit leg in the order fields, the stop leg in stopPrice / ocoPrice / ocoMeta / newClientOrderId', () => {
    const m = {
      type: 'new_oco', symbol: 'BTC-USD', side: 'sell', quantity: '0.001', timeInForce: 'GTD', expireTime: 1_763_000_000_000, stp: 'cancel_both',
      limit: { clientOrderId: 'tp1', price: '52000', displayQuantity: '0.0002', postOnly: true }, stop: { clientOrderId: 'sl1', stopPrice: '48000', price: '47900' },
    };
    const w = new Int32Array(CMD_SLOT_WORDS);
    expect(encodeOrderEntry(m, table, 2, 77, w, 0)).toBe(true);
    expect(w[CMD_TYPE]).toBe(CommandType.NEW_OCO);
    expect(decodeCommand(w, 0)).toMatchObject({
      type: CommandType.NEW_OCO, symbolId: 0, accountId: 2, correlationId: 77, side: Side.SELL, orderType: OrderType.LIMIT, tif: TimeInForce.GTD, stp: Stp.CANCEL_BOTH, postOnly: true,
      price: 5_200_000, qty: 10, clientOrderId: 'tp1', newClientOrderId: 'sl1', stopPrice: 4_800_000, ocoPrice: 4_790_000, displayQty: 2, expireTime: 1_763_000_000_000,
      ocoOrderType: OrderType.STOP_LIMIT, ocoTif: TimeInForce.GTD, ocoOrderId: 0, orderId: 0,
    });
    // Without stop.price: a stop-market leg; GTC by default; ocoMeta never post-only.
    const plain = encode({ type: 'new_oco', symbol: 'BTC-USD', side: 'buy', quantity: '1', limit: { clientOrderId: 'a', price: '49000', postOnly: true }, stop: { clientOrderId: 'b', stopPrice: '51000' } });
    expect(plain).toMatchObject({ tif: TimeInForce.GTC, ocoOrderType: OrderType.STOP, ocoTif: TimeInForce.GTC, ocoPrice: 0, side: Side.BUY, postOnly: true });
    const w2 = new Int32Array(CMD_SLOT_WORDS);
    encodeOrderEntry({ type: 'new_oco', symbol: 'BTC-USD', side: 'buy', quantity: '1', stp: 'decrement', limit: { clientOrderId: 'a', price: '49000', postOnly: true }, stop: { clientOrderId: 'b', stopPrice: '51000' } }, table, 1, 1, w2, 0);
    expect(decodeCommand(w2, 0).ocoOrderType).toBe(OrderType.STOP);
    expect(w2[42]).toBe(packMeta(Side.BUY, OrderType.STOP, TimeInForce.GTC, Stp.DECREMENT, false));
  });

  it('protobuf requests decode to the same slots as their JSON twins', () => {
    const pairs: Array<[Record<string, unknown>, ClientMessage]> = [
      [
        { newOrder: { clientOrderId: 'p1', symbol: 'BTC-USD', side: 2, orderType: 4, timeInForce: 4, price: '4790000', stopPrice: '4800000', quantity: '10', displayQuantity: '2', expireTime: '1763000000000' } },
        { type: 'new_order', clientOrderId: 'p1', symbol: 'BTC-USD', side: 'sell', orderType: 'stop_limit', timeInForce: 'GTD', price: '47900', stopPrice: '48000', quantity: '0.001', displayQuantity: '0.0002', expireTime: 1_763_000_000_000 },
      ],
      [
        { newOrder: { clientOrderId: 'p2', symbol: 'BTC-USD', side: 1, orderType: 3, stopPrice: '5100000', quantity: '1' } },
        { type: 'new_order', clientOrderId: 'p2', symbol: 'BTC-USD', side: 'buy', orderType: 'stop', stopPrice: '51000', quantity: '0.0001' },
      ],
      [
        { replaceOrder: { symbol: 'BTC-USD', orderId: '12', stopPrice: '5000001' } },
        { type: 'replace_order', symbol: 'BTC-USD', orderId: '12', stopPrice: '50000.01' },
      ],
      [
        { newOco: { symbol: 'BTC-USD', side: 2, quantity: '10', timeInForce: 4, expireTime: '1763000000000', stp: 1, limit: { clientOrderId: 'tp', price: '5200000', displayQuantity: '3', postOnly: true }, stop: { clientOrderId: 'sl', stopPrice: '4800000', price: '4790000' } } },
        { type: 'new_oco', symbol: 'BTC-USD', side: 'sell', quantity: '0.001', timeInForce: 'GTD', expireTime: 1_763_000_000_000, stp: 'cancel_newest', limit: { clientOrderId: 'tp', price: '52000', displayQuantity: '0.0003', postOnly: true }, stop: { clientOrderId: 'sl', stopPrice: '48000', price: '47900' } },
      ],
      [
        { newOco: { symbol: 'BTC-USD', side: 1, quantity: '1', limit: { clientOrderId: 'tp', price: '4900000' }, stop: { clientOrderId: 'sl', stopPrice: '5100000' } } },
        { type: 'new_oco', symbol: 'BTC-USD', side: 'buy', quantity: '0.0001', limit: { clientOrderId: 'tp', price: '49000' }, stop: { clientOrderId: 'sl', stopPrice: '51000' } },
      ],
    ];
    for (const [pb, json] of pairs) {
      const m = decodeBinary(encodeRequestEnvelope(pb), table);
      expect(m, refusal.message).not.toBeNull();
      expect(slotWords(m as ClientMessage)).toEqual(slotWords(json));
    }
    // A NewOco without its legs: refused by the same validator.
    const noLegs = decodeBinary(encodeRequestEnvelope({ newOco: { symbol: 'BTC-USD', side: 1, quantity: '1' } }), table) as ClientMessage;
    expect(encode(noLegs)).toBe('-10003 "limit" is required');
    // Undefined enum numbers are refused, not defaulted.
    expect(decodeBinary(encodeRequestEnvelope({ newOco: { symbol: 'BTC-USD', side: 1, timeInForce: 9, quantity: '1' } }), table)).toBeNull();
    expect(refusal.message).toMatch(/"timeInForce" 9 is not defined \(1 GTC, 2 IOC, 3 FOK, 4 GTD\)/);
  });
});

describe('event slots → execution reports', () => {
  const writer = new ReportWriter(spec);
  const ctx = { spec, lastPrice: (): number => 0 };
  writer.rejectContext = ctx;
  const out = new Uint8Array(MAX_REPORT_BYTES);

  function event(o: { type: number; status: number; orderType: number; tif?: number; code?: number; cmd?: number; stop?: number; display?: number; expire?: number; group?: number; other?: number; otherClord?: string }): Int32Array {
    const w = new Int32Array(EVT_SLOT_WORDS);
    w[EVT_TYPE] = o.type;
    w[EVT_CODE] = o.code ?? 0;
    putI64(w, EVT_SEQ, 41);
    putI64(w, EVT_TS, 1_763_000_000_123_456);
    putI64(w, EVT_ORDER_ID, o.type === EventType.REJECTED ? 0 : 1234);
    w[EVT_SYMBOL] = 0;
    w[EVT_META] = packMeta(Side.SELL, o.orderType, o.tif ?? TimeInForce.GTC, 0, false);
    w[EVT_STATUS] = o.status;
    w[EVT_COMMAND_TYPE] = o.cmd ?? CommandType.NEW;
    putI64(w, EVT_PRICE, 4_790_000);
    putI64(w, EVT_QTY, 10);
    putI64(w, EVT_LEAVES, o.status === OrderStatus.PENDING_TRIGGER || o.status === OrderStatus.NEW ? 10 : 0);
    putI64(w, EVT_CUM, 0);
    putI64(w, EVT_STOP_PRICE, o.stop ?? 0);
    putI64(w, EVT_DISPLAY_QTY, o.display ?? 0);
    putI64(w, EVT_EXPIRE_TIME, o.expire ?? 0);
    putI64(w, EVT_OCO_GROUP, o.group ?? 0);
    putI64(w, EVT_OCO_ORDER_ID, o.other ?? 0);
    writeClordString(w, EVT_CLORD, 'sl1');
    if (o.otherClord) writeClordString(w, EVT_OTHER_CLORD, o.otherClord);
    return w;
  }

  /** The JSON text, checked equal from reportJson and the lane's writer, and the protobuf report. */
  function both(w: Int32Array): { json: Record<string, unknown>; text: string; pb: Record<string, unknown> } {
    const sym = spec.symbols[0];
    const u = reportUnits();
    const r = reportFromEvent(w, 0, sym, undefined, u, ctx);
    const text = reportJson(r, 'q');
    const end = writer.taker(out, 0, w, 0, sym);
    expect(end).toBeGreaterThan(0);
    const id = Buffer.from('"q"');
    expect(Buffer.from(out.subarray(0, writer.close(out, writer.id(out, end, id, 0, id.length)))).toString()).toBe(text);
    const fast = decodeServerEnvelope(encodeReportEnvelope(r, u, 'q'));
    const generic = decodeServerEnvelope(encodeBinary({ ...r, id: 'q' } as unknown as Record<string, unknown>, () => sym));
    expect(fast).toEqual(generic);
    return { json: JSON.parse(text) as Record<string, unknown>, text, pb: fast.executionReport as Record<string, unknown> };
  }

  it('a pending stop-limit OCO leg: names, the five fields in JSON and protobuf units', () => {
    const { json, text, pb } = both(event({ type: EventType.ACCEPTED, status: OrderStatus.PENDING_TRIGGER, orderType: OrderType.STOP_LIMIT, tif: TimeInForce.GTD, stop: 4_800_000, display: 2, expire: 1_763_000_000_000, group: 1233, other: 1233 }));
    expect(json).toMatchObject({ execType: 'new', orderType: 'stop_limit', timeInForce: 'GTD', orderStatus: 'pending_trigger', price: '47900', stopPrice: '48000', displayQuantity: '0.0002', expireTime: 1_763_000_000_000, ocoGroupId: '1233', ocoOrderId: '1233' });
    expect(text).toContain(',"stopPrice":"48000","displayQuantity":"0.0002","expireTime":1763000000000,"ocoGroupId":"1233","ocoOrderId":"1233","seq":41');
    expect(pb).toMatchObject({ orderType: 4, timeInForce: 4, stopPrice: '4800000', displayQuantity: '2', expireTime: '1763000000000', ocoGroupId: '1233', ocoOrderId: '1233', orderStatus: 'pending_trigger' });
  });

  it('a stop-market shows no price (its protection price is internal); TRIGGERED is "triggered"; OCO and GTD reasons', () => {
    expect(both(event({ type: EventType.TRIGGERED, status: OrderStatus.NEW, orderType: OrderType.STOP, stop: 4_800_000 })).json).toMatchObject({ execType: 'triggered', orderType: 'stop', price: '', stopPrice: '48000' });
    expect(both(event({ type: EventType.CANCELED, status: OrderStatus.CANCELED, orderType: OrderType.STOP, code: Reason.OCO, stop: 1 })).json).toMatchObject({ execType: 'canceled', reason: 'oco' });
    expect(both(event({ type: EventType.EXPIRED, status: OrderStatus.EXPIRED, orderType: OrderType.LIMIT, tif: TimeInForce.GTD, code: Reason.GTD_EXPIRED, expire: 5 })).json).toMatchObject({ execType: 'expired', reason: 'gtd_expired', expireTime: 5 });
  });

  it('a plain limit order\'s report has none of the new fields (its bytes are unchanged)', () => {
    const { text } = both(event({ type: EventType.ACCEPTED, status: OrderStatus.NEW, orderType: OrderType.LIMIT }));
    expect(text).toBe('{"type":"execution_report","execType":"new","orderId":"1234","clientOrderId":"sl1","symbol":"BTC-USD","side":"sell","orderType":"limit","timeInForce":"GTC","price":"47900","quantity":"0.001","orderStatus":"new","cumQuantity":"0","leavesQuantity":"0.001","seq":41,"ts":1763000000123456,"id":"q"}');
  });

  it('a refused new_oco is the limit leg\'s report naming the stop leg (ocoClientOrderId); a refused replace keeps its renaming', () => {
    const oco = both(event({ type: EventType.REJECTED, status: OrderStatus.REJECTED, orderType: OrderType.LIMIT, cmd: CommandType.NEW_OCO, code: -2010, otherClord: 'sl2' }));
    expect(oco.json).toMatchObject({ execType: 'rejected', orderId: '', clientOrderId: 'sl1', ocoClientOrderId: 'sl2', rejectCode: -2010 });
    expect(oco.json.origClientOrderId).toBeUndefined();
    expect(oco.pb).toMatchObject({ ocoClientOrderId: 'sl2', clientOrderId: 'sl1' });
    const rep = both(event({ type: EventType.REJECTED, status: OrderStatus.NEW, orderType: OrderType.LIMIT, cmd: CommandType.REPLACE, code: -2010, otherClord: 'new-id' }));
    expect(rep.json).toMatchObject({ clientOrderId: 'new-id', origClientOrderId: 'sl1' });
    expect(rep.json.ocoClientOrderId).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InlineEngine } from '../engine/inline-engine.ts';
import { CommandType, EventType, OrderType, Side, TimeInForce } from '../engine/codes.ts';
import { CMD_END } from '../engine/command-slot.ts';
import {
  EVT_CLORD, EVT_CODE, EVT_COMMAND_TYPE, EVT_META, EVT_OTHER_CLORD, EVT_SLOT_WORDS, EVT_STATUS, EVT_SYMBOL, EVT_TYPE, EVT_MAKER_META, EVT_MAKER_STATUS,
  EVT_STOP_PRICE, EVT_DISPLAY_QTY, EVT_EXPIRE_TIME, EVT_OCO_GROUP, EVT_OCO_ORDER_ID,
} from '../engine/event-slot.ts';
import { testConfig, testSpec } from '../test/fixtures.ts';
import { compileConfig } from '../engine/config.ts';
import { richStream } from '../test/streams.ts';
import { ORDER_TYPES, SIDES, STPS, TIFS, encodeOrderEntry, makerReportFromEvent, reportFromEvent, reportJson, requestId } from './protocol.ts';
import type { ClientMessage } from './protocol.ts';
import { MAX_REPORT_BYTES, OrderFrameDecoder, ReportWriter } from './json-lane.ts';

const TABLES = { sides: SIDES, orderTypes: ORDER_TYPES, tifs: TIFS, stps: STPS };
const text = (out: Uint8Array, end: number): string => Buffer.from(out.buffer, out.byteOffset, end).toString('utf8');

/** A market with a fine lot and a coarse tick besides the test fixture's. */
const spec = compileConfig(testConfig({
  notionalDecimals: 4,
  symbols: [
    ...testConfig().symbols,
    { symbol: 'BTC-USD', tickSize: '0.5', lotSize: '0.001', referencePrice: '50000', priceBandPct: 50, maxOrderQty: '100', maxOrderNotional: '10000000' },
  ],
}));

describe('ReportWriter: execution reports as bytes, the same text as reportJson', () => {
  const writer = new ReportWriter(spec);
  // Refusals in words too (rejectText): a last trade price for one symbol, none for the others.
  const ctx = { spec, lastPrice: (s: number): number => (s === 0 ? 10_125 : 0) };
  writer.rejectContext = ctx;
  const out = new Uint8Array(MAX_REPORT_BYTES);
  const idText = (id: string | number): Uint8Array => new Uint8Array(Buffer.from(JSON.stringify(id), 'utf8'));

  function check(w: Int32Array, b: number, id: string | number | undefined): 'same' | 'declined' {
    const sym = spec.symbols[w[b + EVT_SYMBOL]];
    let end = writer.taker(out, 0, w, b, sym);
    if (end < 0) return 'declined';
    if (id !== undefined) {
      const t = idText(id);
      end = writer.id(out, end, t, 0, t.length);
    }
    end = writer.close(out, end);
    expect(text(out, end)).toBe(reportJson(reportFromEvent(w, b, sym, undefined, undefined, ctx), id));
    if (w[b + EVT_TYPE] === EventType.TRADE) {
      const m = writer.maker(out, 0, w, b, sym);
      if (m < 0) return 'declined';
      expect(text(out, writer.close(out, m))).toBe(reportJson(makerReportFromEvent(w, b, sym)));
    }
    return 'same';
  }

  it('writes every report of a rich engine stream byte for byte (taker and maker, with and without an echoed id), declining none', () => {
    const eng = new InlineEngine(spec);
    const types = new Set<number>();
    const texts = new Set<string>();
    let n = 0;
    eng.onEvent((w, b) => {
      const type = w[b + EVT_TYPE];
      if (type === EventType.ADMIN || type === EventType.MASS_CANCEL_DONE) return;
      types.add(type);
      if (type === EventType.REJECTED) {
        const t = reportFromEvent(w, b, spec.symbols[w[b + EVT_SYMBOL]], undefined, undefined, ctx).rejectText;
        if (t) texts.add(t.replace(/[\d.,]+/g, '#'));
      }
      expect(check(w, b, n % 3 === 0 ? undefined : n % 3 === 1 ? n : `req-${n}`)).toBe('same');
      n++;
    });
    for (const c of richStream(3_000, 29)) eng.submit(c);
    expect(n).toBeGreaterThan(3_000);
    expect(types.size).toBe(6);
    // Refusals of several kinds, each with its words.
    expect(texts.size).toBeGreaterThanOrEqual(3);
  });

  it('writes every report of an engine stream of the new order types byte for byte (stops, triggers, OCO, icebergs, GTD expiry), declining none', () => {
    const eng = new InlineEngine(spec);
    const execTypes = new Set<string>();
    const fields = new Set<string>();
    let n = 0;
    eng.onEvent((w, b) => {
      const type = w[b + EVT_TYPE];
      if (type === EventType.ADMIN || type === EventType.MASS_CANCEL_DONE) return;
      expect(check(w, b, n % 2 ? n : undefined)).toBe('same');
      const r = reportFromEvent(w, b, spec.symbols[w[b + EVT_SYMBOL]], undefined, undefined, ctx);
      execTypes.add(`${r.execType}/${r.orderType}/${r.orderStatus}/${r.reason ?? ''}`);
      for (const k of ['stopPrice', 'displayQuantity', 'expireTime', 'ocoGroupId', 'ocoOrderId', 'ocoClientOrderId'] as const) if (r[k] !== undefined) fields.add(k);
      n++;
    });
    let seed = 12345;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const t0Us = 1_763_000_000_000_000;
    const ids: string[] = [];
    for (let i = 0; i < 4_000; i++) {
      const ingressTs = t0Us + i * 1_000; // 1 ms per command: GTD orders of a few ms expire along the way
      const accountId = pick([1, 2]);
      const side = pick([Side.BUY, Side.SELL]);
      const px = 9_950 + Math.floor(rnd() * 100); // AAA: reference 100.00 (10,000 ticks)
      const x = rnd();
      const gtd = rnd() < 0.2;
      const tif = gtd ? TimeInForce.GTD : TimeInForce.GTC;
      const expireTime = gtd ? Math.floor(ingressTs / 1000) + 1 + Math.floor(rnd() * 30) : 0;
      const clientOrderId = `o${i}`;
      if (x < 0.4) {
        eng.submit({ type: CommandType.NEW, symbolId: 0, accountId, side, orderType: OrderType.LIMIT, tif, price: px, qty: 1 + Math.floor(rnd() * 6), displayQty: rnd() < 0.3 ? 1 : 0, expireTime, clientOrderId, ingressTs, correlationId: i });
      } else if (x < 0.55) {
        const stopLimit = rnd() < 0.5;
        eng.submit({
          type: CommandType.NEW, symbolId: 0, accountId, side, orderType: stopLimit ? OrderType.STOP_LIMIT : OrderType.STOP, tif, price: stopLimit ? px : 0, qty: 1 + Math.floor(rnd() * 4),
          stopPrice: px + (side === Side.BUY ? 1 : -1) * Math.floor(rnd() * 30), displayQty: stopLimit && rnd() < 0.3 ? 1 : 0, expireTime, clientOrderId, ingressTs, correlationId: i,
        });
      } else if (x < 0.65) {
        eng.submit({
          type: CommandType.NEW_OCO, symbolId: 0, accountId, side, orderType: OrderType.LIMIT, tif, price: px + (side === Side.BUY ? -20 : 20), qty: 1 + Math.floor(rnd() * 4),
          clientOrderId, newClientOrderId: `s${i}`, stopPrice: px + (side === Side.BUY ? 25 : -25), ocoOrderType: rnd() < 0.5 ? OrderType.STOP : OrderType.STOP_LIMIT, ocoTif: tif,
          ocoPrice: 0, expireTime, ingressTs, correlationId: i,
        });
      } else if (x < 0.75 && ids.length > 0) {
        eng.submit({ type: CommandType.REPLACE, symbolId: 0, accountId, byClientId: true, clientOrderId: pick(ids), stopPrice: px, ingressTs, correlationId: i });
      } else if (x < 0.85 && ids.length > 0) {
        eng.submit({ type: CommandType.CANCEL, symbolId: 0, accountId, byClientId: true, clientOrderId: pick(ids), ingressTs, correlationId: i });
      } else if (x < 0.9) {
        eng.submit({ type: CommandType.CLOCK, symbolId: -1, accountId: 0, ingressTs });
      } else {
        eng.submit({ type: CommandType.NEW, symbolId: 0, accountId, side, orderType: OrderType.MARKET, tif: TimeInForce.IOC, qty: 1 + Math.floor(rnd() * 8), clientOrderId, ingressTs, correlationId: i });
      }
      ids.push(clientOrderId);
      if (ids.length > 40) ids.shift();
    }
    expect(n).toBeGreaterThan(4_000);
    // The new names and fields all occurred (not declined: every report above was 'same').
    const seen = [...execTypes].join(' ');
    for (const part of ['triggered/', '/pending_trigger/', '/stop_limit/', '/stop/', '/oco', '/gtd_expired']) expect(seen).toContain(part);
    expect([...fields].sort()).toEqual(['displayQuantity', 'expireTime', 'ocoClientOrderId', 'ocoGroupId', 'ocoOrderId', 'stopPrice']);
  });

  it('on random event slots (any type, status, enum, reason and code; client ids with " and \\; the order-type fields set or not): the same text, or declined', () => {
    const w = new Int32Array(EVT_SLOT_WORDS);
    let same = 0;
    const seen = new Set<string>();
    fc.assert(fc.property(
      fc.record({
        words: fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: EVT_SLOT_WORDS, maxLength: EVT_SLOT_WORDS }),
        // Up to TRIGGERED (9), and one past it (declined).
        type: fc.integer({ min: 1, max: 10 }),
        status: fc.integer({ min: 0, max: 8 }),
        // Mostly names the tables know (stop, stop_limit, GTD included); 0 (empty names) and one past the end (declined) too.
        meta: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })),
        code: fc.oneof(fc.integer({ min: 0, max: 11 }), fc.integer({ min: -10020, max: -1 })),
        // Each of the five order-type fields (stopPrice … ocoOrderId) zero or random.
        extension: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        oco: fc.boolean(),
        symbol: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 2 }) }, fc.constant(3)),
        clord: fc.string({ unit: fc.constantFrom('a', 'Z', '9', '"', '\\', '-', '~', '!'), minLength: 0, maxLength: 32 }),
        other: fc.string({ unit: fc.constantFrom('x', '"', '\\', '_'), minLength: 0, maxLength: 32 }),
      }),
      (r) => {
        w.set(r.words);
        w[EVT_TYPE] = r.type;
        w[EVT_STATUS] = r.status;
        w[EVT_MAKER_STATUS] = r.status;
        w[EVT_META] = r.meta[0] | (r.meta[1] << 4) | (r.meta[2] << 8);
        w[EVT_MAKER_META] = w[EVT_META];
        w[EVT_CODE] = r.code;
        w[EVT_SYMBOL] = r.symbol;
        // (expireTime and the OCO ids share words with the maker block: engine/event-slot.ts.)
        const ext = [EVT_STOP_PRICE, EVT_DISPLAY_QTY, EVT_EXPIRE_TIME, EVT_OCO_GROUP, EVT_OCO_ORDER_ID];
        for (let i = 0; i < 5; i++) {
          if (r.extension[i]) continue;
          w[ext[i]] = 0;
          w[ext[i] + 1] = 0;
        }
        // A refused new_oco names its stop leg (ocoClientOrderId), a refused replace its new id.
        w[EVT_COMMAND_TYPE] = r.oco ? CommandType.NEW_OCO : CommandType.REPLACE;
        for (const [at, s] of [[EVT_CLORD, r.clord], [EVT_OTHER_CLORD, r.other]] as const) {
          for (let k = 0; k < 8; k++) w[at + k] = 0;
          for (let i = 0; i < s.length; i++) w[at + (i >> 2)] |= s.charCodeAt(i) << ((i & 3) * 8);
        }
        if (check(w, 0, r.code % 2 ? 'id-"x"' : 7) === 'same') {
          same++;
          const text = reportJson(reportFromEvent(w, 0, spec.symbols[r.symbol], undefined, undefined, ctx));
          for (const k of ['"stopPrice"', '"displayQuantity"', '"expireTime"', '"ocoGroupId"', '"ocoOrderId"', '"ocoClientOrderId"', '"triggered"', '"pending_trigger"', '"stop_limit"', '"GTD"', '"gtd_expired"']) {
            if (text.includes(k)) seen.add(k);
          }
        }
      },
    ), { numRuns: 4_000, seed: 7 });
    // Most random slots are valid reports: the lane writes them, it does not just decline.
    expect(same).toBeGreaterThan(1_000);
    // The new names and fields were written, not declined.
    expect(seen.size).toBe(11);
  });
});

describe('OrderFrameDecoder: frames to command slots, the same slot as the general path, or declined', () => {
  const decoder = new OrderFrameDecoder(spec, TABLES);
  const table = { bySymbol: new Map(spec.symbols.map((s) => [s.name, s])), spec };
  const lane = new Int32Array(CMD_END);
  const general = new Int32Array(CMD_END);

  /** Decode both ways; 'declined', or 'same' after checking the slots and the echoed id agree. */
  function both(frame: string, account = 1, corr = 77): 'same' | 'declined' {
    lane.fill(0);
    general.fill(0);
    const bytes = new Uint8Array(Buffer.from(frame, 'utf8'));
    const kind = decoder.decode(bytes, account, corr, lane, 0);
    if (kind === 0) return 'declined';
    const m = JSON.parse(frame) as ClientMessage;
    expect(encodeOrderEntry(m, table, account, corr, general, 0), `the general path refuses what the lane took: ${frame}`).toBe(true);
    expect([...lane]).toEqual([...general]);
    const id = requestId(m);
    expect(decoder.hasId).toBe(id !== undefined);
    if (id !== undefined) expect(Buffer.from(bytes.subarray(decoder.idStart, decoder.idEnd)).toString('utf8')).toBe(JSON.stringify(id));
    expect(decoder.idValue()).toEqual(id);
    expect(decoder.allShards).toBe(m.type === 'cancel_all' && m.symbol === undefined);
    return 'same';
  }

  it('takes the common order frames (what clients and the bench send) and agrees with the general path', () => {
    const frames = [
      '{"type":"new_order","id":1,"symbol":"AAA","clientOrderId":"o-1","side":"buy","price":"100.25","quantity":"3","timeInForce":"IOC"}',
      '{"type":"new_order","id":"r1","symbol":"BTC-USD","clientOrderId":"x","side":"sell","orderType":"limit","price":"50000.5","quantity":"0.125","timeInForce":"GTC","postOnly":true,"stp":"cancel_both"}',
      '{"type":"new_order","symbol":"BBB","clientOrderId":"m1","side":"buy","orderType":"market","quantity":"7"}',
      ' { "type" : "new_order" ,\n "symbol":"AAA", "clientOrderId":"a\\"b", "side":"buy","price":"1","quantity":"1"}'.replace('\\"', ''),
      '{"type":"cancel_order","id":-12,"symbol":"AAA","orderId":"123456789012345"}',
      '{"type":"cancel_order","symbol":"AAA","orderId":42,"clientOrderId":"ignored-but-valid"}',
      '{"type":"cancel_order","symbol":"AAA","clientOrderId":"o-1"}',
      '{"type":"replace_order","symbol":"AAA","orderId":"9","price":"99.5","quantity":"2","newClientOrderId":"o-2"}',
      '{"type":"replace_order","symbol":"BTC-USD","clientOrderId":"o-1","quantity":"0.002"}',
      '{"type":"cancel_all","id":5}',
      '{"type":"cancel_all","symbol":"BBB"}',
    ];
    for (const f of frames) expect(both(f), f).toBe('same');
  });

  it('declines what it is not sure of: the general path decides (and refuses with its code and message)', () => {
    const declined = [
      '{"type":"new_order","symbol":"AAA","clientOrderId":"a\\u0041","side":"buy","price":"1","quantity":"1"}', // escape
      '{"type":"new_order","symbol":"AAA","clientOrderId":"é","side":"buy","price":"1","quantity":"1"}', // non-ASCII
      '{"type":"new_order","symbol":"AAA","clientOrderId":"a","side":"buy","price":"1","quantity":"1","note":"x"}', // unknown field
      '{"type":"new_order","symbol":"AAA","symbol":"BBB","clientOrderId":"a","side":"buy","price":"1","quantity":"1"}', // repeated
      '{"type":"new_order","symbol":"AAA","clientOrderId":"a","side":"buy","price":"1","quantity":"1","stp":null}', // null
      '{"type":"new_order","symbol":"AAA","clientOrderId":"a","side":"buy","price":"1","quantity":"1"} x', // trailing
      '{"type":"new_order","symbol":"AAA","clientOrderId":"a","side":"buy","price":"1.001","quantity":"1"}', // off tick
      '{"type":"new_order","symbol":"AAA","clientOrderId":"a","side":"buy","price":1,"quantity":"1"}', // number price
      '{"type":"new_order","symbol":"ZZZ","clientOrderId":"a","side":"buy","price":"1","quantity":"1"}', // unknown symbol
      '{"type":"new_order","symbol":"AAA","clientOrderId":"a b","side":"buy","price":"1","quantity":"1"}', // space in id
      '{"type":"new_order","symbol":"AAA","clientOrderId":"a","side":"buy","orderType":"market","price":"1","quantity":"1"}',
      '{"type":"new_order","id":1e3,"symbol":"AAA","clientOrderId":"a","side":"buy","price":"1","quantity":"1"}', // exponent
      '{"type":"new_order","id":1234567890123456,"symbol":"AAA","clientOrderId":"a","side":"buy","price":"1","quantity":"1"}', // 16 digits
      '{"type":"cancel_order","symbol":"AAA"}', // neither id
      '{"type":"cancel_order","symbol":"AAA","orderId":"0"}',
      '{"type":"replace_order","symbol":"AAA","orderId":"1"}', // nothing to change
      '{"type":"ping"}',
      // Order types of docs/order-types.md: the general path's.
      '{"type":"new_order","symbol":"AAA","clientOrderId":"a","side":"buy","orderType":"stop","quantity":"1"}',
      '{"type":"new_order","symbol":"AAA","clientOrderId":"a","side":"buy","orderType":"stop_limit","price":"1","quantity":"1"}',
      '{"type":"new_order","symbol":"AAA","clientOrderId":"a","side":"buy","price":"1","quantity":"1","timeInForce":"GTD"}',
      '{"type":"new_order","symbol":"AAA","clientOrderId":"a","side":"buy","price":"1","quantity":"1","displayQuantity":"1"}',
      '{"type":"replace_order","symbol":"AAA","orderId":"1","stopPrice":"2"}',
      '{"type":"new_oco","symbol":"AAA","side":"buy","quantity":"1","limit":{"clientOrderId":"l","price":"1"},"stop":{"clientOrderId":"s","stopPrice":"2"}}',
      '[1]',
      '{"type":"new_order","params":{"a":1}}',
    ];
    for (const f of declined) expect(both(f), f).toBe('declined');
  });

  it('on random frames (valid and invalid values, any key order, spacing): the same slot and id as the general path, or declined', () => {
    const str = (...xs: string[]): fc.Arbitrary<unknown> => fc.constantFrom(...xs);
    const field = {
      type: str('new_order', 'cancel_order', 'replace_order', 'cancel_all', 'nope'),
      id: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -1e6, max: 1e6 }) }, { weight: 4, arbitrary: fc.string({ maxLength: 70 }) }, fc.constant(null), fc.double(), fc.constant(true)),
      symbol: str('AAA', 'BBB', 'BTC-USD', 'aaa', ''),
      clientOrderId: fc.oneof({ weight: 6, arbitrary: fc.stringMatching(/^[!-~]{1,32}$/) }, fc.string({ minLength: 0, maxLength: 34 }), fc.integer()),
      side: str('buy', 'sell', 'BUY', ''),
      orderType: str('limit', 'market', 'stop', 'stop_limit'),
      timeInForce: str('GTC', 'IOC', 'FOK', 'GTD', 'gtc'),
      stp: str('none', 'cancel_newest', 'cancel_oldest', 'cancel_both', 'decrement', 'x'),
      postOnly: fc.oneof(fc.boolean(), fc.constant('true')),
      price: fc.oneof(str('100', '100.25', '100.255', '0', '-1', '1e2', '0.5', '50000.5', '00.10', '.5', '5.'), fc.integer({ min: 1, max: 1e6 }).map(String)),
      quantity: fc.oneof(str('1', '3', '0.125', '0.0001', '0', '1000000000000000000'), fc.integer({ min: 1, max: 2000 }).map(String)),
      orderId: fc.oneof(fc.integer({ min: -5, max: 1e15 }), fc.integer({ min: 0, max: 1e15 }).map(String), str('01', 'x', '9007199254740993')),
      newClientOrderId: fc.string({ minLength: 0, maxLength: 34 }),
      // The order types' fields: the lane declines every frame that has one (the general path decides).
      stopPrice: str('99.5', '100', '0', 'x'),
      displayQuantity: str('1', '0.125', '0'),
      expireTime: fc.oneof(fc.integer({ min: -5, max: 2e12 }), str('1763000000000', '0', '-1')),
    };
    // Per type: its own fields (each present or not), sometimes one of another type's.
    const keysOf: Record<string, Array<keyof typeof field>> = {
      new_order: ['id', 'symbol', 'clientOrderId', 'side', 'orderType', 'timeInForce', 'stp', 'postOnly', 'price', 'quantity', 'stopPrice', 'displayQuantity', 'expireTime'],
      cancel_order: ['id', 'symbol', 'orderId', 'clientOrderId'],
      replace_order: ['id', 'symbol', 'orderId', 'clientOrderId', 'price', 'quantity', 'newClientOrderId', 'stopPrice'],
      cancel_all: ['id', 'symbol'],
      nope: ['id'],
    };
    const message = fc.constantFrom(...Object.keys(keysOf)).chain((type) => fc.tuple(
      fc.constant(type),
      fc.record(Object.fromEntries(keysOf[type].map((k) => [k, field[k]])) as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] }),
      fc.option(fc.constantFrom(...(Object.keys(field) as Array<keyof typeof field>)).chain((k) => fc.tuple(fc.constant(k), field[k])), { freq: 4 }),
    )).map(([type, rest, extra]) => ({ type, ...rest, ...(extra ? { [extra[0]]: extra[1] } : {}) }));
    let same = 0;
    fc.assert(fc.property(message, fc.boolean(), (m, spaced) => {
      const frame = spaced ? JSON.stringify(m, null, 1) : JSON.stringify(m);
      if (both(frame) === 'same') same++;
    }), { numRuns: 20_000, seed: 11 });
    expect(same).toBeGreaterThan(1_000);
  });
});

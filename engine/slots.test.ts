import { describe, expect, it } from 'vitest';
import * as cmd from './command-slot.ts';
import * as evt from './event-slot.ts';
import { RingBuffer } from '../ring/ring.ts';
import { HI, LO, MAX_UNITS, getI64, mulAtMost, mulWide, putI64, wide } from './int64.ts';

/** [name, word offset, width in words] of every field, in layout order. */
function fields(mod: Record<string, unknown>, prefix: string, widths: Record<string, number>, end: string): Array<[string, number, number]> {
  return Object.entries(mod)
    .filter(([k, v]) => k.startsWith(prefix) && typeof v === 'number' && k !== end && k !== `${prefix}SLOT_BYTES` && k !== `${prefix}SLOT_WORDS` && !(evt.ORDER_EXTENSION_UNION as readonly string[]).includes(k))
    .map(([k, v]): [string, number, number] => [k, v as number, widths[k] ?? 1])
    .sort((a, b) => a[1] - b[1]);
}

function checkLayout(list: Array<[string, number, number]>, endWord: number, slotBytes: number): void {
  for (let i = 0; i < list.length; i++) {
    const [name, off, width] = list[i];
    if (width === 2) expect(off % 2, `${name} is an int64 and must be 8-byte aligned`).toBe(0);
    const next = i + 1 < list.length ? list[i + 1][1] : endWord;
    expect(off + width, `${name} overlaps the next field`).toBeLessThanOrEqual(next);
  }
  expect(endWord * 4).toBeLessThanOrEqual(slotBytes);
  expect(slotBytes % 64).toBe(0);
}

describe('slot layouts', () => {
  it('command slot fields are aligned, in order and inside 192 bytes', () => {
    const w = {
      CMD_PRICE: 2, CMD_QTY: 2, CMD_ORDER_ID: 2, CMD_CORRELATION: 2, CMD_INGRESS_TS: 2, CMD_CLORD: 8, CMD_NEW_CLORD: 8, CMD_STOP_PRICE: 2, CMD_DISPLAY_QTY: 2,
      CMD_EXPIRE_TIME: 2, CMD_OCO_PRICE: 2, CMD_OCO_ORDER_ID: 2,
    };
    checkLayout(fields(cmd, 'CMD_', w, 'CMD_END'), cmd.CMD_END, cmd.CMD_SLOT_BYTES);
  });

  it('event slot fields are aligned, in order and inside 256 bytes', () => {
    const w = {
      EVT_SEQ: 2, EVT_TS: 2, EVT_ORDER_ID: 2, EVT_PRICE: 2, EVT_QTY: 2, EVT_CUM: 2, EVT_LEAVES: 2, EVT_LAST_PRICE: 2, EVT_LAST_QTY: 2,
      EVT_TRADE_ID: 2, EVT_MAKER_ORDER_ID: 2, EVT_MAKER_CUM: 2, EVT_MAKER_LEAVES: 2, EVT_CORRELATION: 2, EVT_MAKER_QTY: 2,
      EVT_CLORD: 8, EVT_OTHER_CLORD: 8, EVT_INGRESS_TS: 2,
    };
    checkLayout(fields(evt, 'EVT_', w, 'EVT_END'), evt.EVT_END, evt.EVT_SLOT_BYTES);
    // The order extension's union words lie in the maker block the shard clears on every event but TRADE.
    for (const k of evt.ORDER_EXTENSION_UNION) {
      const off = evt[k];
      expect(off % 2).toBe(0);
      expect(off >= evt.EVT_LAST_PRICE && off + 2 <= evt.EVT_CORRELATION, k).toBe(true);
      // …and never on LAST_QTY, which CANCELED / EXPIRED / MASS_CANCEL_DONE events use.
      expect(off !== evt.EVT_LAST_QTY, k).toBe(true);
    }
    // The shard clears [LAST_PRICE, CORRELATION) and OTHER_CLORD with 8-byte stores.
    for (const k of [evt.EVT_LAST_PRICE, evt.EVT_CORRELATION, evt.EVT_OTHER_CLORD, evt.EVT_MAKER_QTY]) expect(k % 2).toBe(0);
    const ring = RingBuffer.create(4, evt.EVT_SLOT_BYTES, 1);
    expect(ring.slotWord(1) % 2).toBe(0);
  });

  it('client order ids round-trip and compare by words', () => {
    const a = new Int32Array(8);
    const b = new Int32Array(16);
    cmd.writeClordString(a, 0, 'ORD-42/x~');
    cmd.copyClord(a, 0, b, 8);
    expect(cmd.readClordString(b, 8)).toBe('ORD-42/x~');
    expect(cmd.clordEquals(a, 0, b, 8)).toBe(true);
    expect(cmd.isValidClientOrderId('x'.repeat(32))).toBe(true);
    expect(cmd.isValidClientOrderId('x'.repeat(33))).toBe(false);
    expect(cmd.isValidClientOrderId('has space')).toBe(false);
  });

  it('commands round-trip through a slot', () => {
    const c: cmd.Command = {
      type: 3, symbolId: 2, accountId: 7, side: 2, orderType: 1, tif: 3, stp: 4, postOnly: true, byClientId: true, price: 2 ** 52 - 1, qty: 123456789012,
      orderId: 99, correlationId: 2 ** 40 + 5, rejectCode: -2007, reason: 4, commandSeq: -5, ingressTs: 1_763_000_000_000_000, clientOrderId: 'a', newClientOrderId: 'b',
      stopPrice: 2 ** 50 + 3, displayQty: 17, expireTime: 1_763_000_000_123, ocoPrice: 2 ** 45, ocoOrderId: 100, ocoOrderType: 4, ocoTif: 4,
    };
    const w = new Int32Array(cmd.CMD_SLOT_WORDS);
    cmd.encodeCommand(c, w, 0);
    expect(cmd.decodeCommand(w, 0)).toEqual(c);
  });
});

describe('int64 and wide arithmetic', () => {
  it('puts and gets every safe integer magnitude exactly, including negatives', () => {
    const w = new Int32Array(2);
    const big = new BigInt64Array(w.buffer);
    for (const v of [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 32 + 7, MAX_UNITS, -MAX_UNITS, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      putI64(w, 0, v);
      expect(getI64(w, 0)).toBe(v);
      expect(big[0]).toBe(BigInt(v)); // the same bytes read as a little-endian int64
    }
  });

  it('mulWide is exact where doubles are not', () => {
    const cases: Array<[number, number]> = [[MAX_UNITS, MAX_UNITS], [2 ** 52 - 3, 987654321], [123456789, 987654321], [0, MAX_UNITS], [1, 1]];
    for (const [a, b] of cases) {
      mulWide(a, b);
      expect(BigInt(wide[HI]) * 2n ** 52n + BigInt(wide[LO])).toBe(BigInt(a) * BigInt(b));
      expect(wide[LO]).toBeLessThan(2 ** 52);
    }
    expect(mulAtMost(3, 5, 15)).toBe(15);
    expect(mulAtMost(3, 5, 14)).toBe(-1);
    expect(mulAtMost(2 ** 30, 2 ** 30, MAX_UNITS)).toBe(2 ** 60 > MAX_UNITS ? -1 : 2 ** 60);
  });
});

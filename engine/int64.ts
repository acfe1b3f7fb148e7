/**
 * Int64 fields in Int32Array-backed slots, carried in JS as integer-valued numbers.
 *
 * Prices, quantities and ids are integers in units (ticks, lots). Inside the engine they are JS
 * numbers that are always integers with |v| ≤ MAX_UNITS < 2^53, so every add, subtract and compare
 * is exact; no fractional value and no division ever touches them, and products go through
 * `mulWide`. In a slot they are little-endian int64 (low word first), so a BigInt64Array view of
 * the same bytes reads the same value. Reading or writing allocates nothing (BigInt would).
 */

const TWO_32 = 4294967296;

/** Largest price, quantity or notional the engine accepts, in units: 2^52 − 1. */
export const MAX_UNITS = 4503599627370495;

export function putI64(words: Int32Array, i: number, v: number): void {
  // `v | 0` is v mod 2^32 for any integer-valued double: the low word, exact.
  words[i] = v | 0;
  // Non-negative fast path (prices, quantities, ids, sequences, times); floor for negatives.
  words[i + 1] = v >= 0 ? (v / TWO_32) | 0 : Math.floor(v / TWO_32);
}

export function getI64(words: Int32Array, i: number): number {
  return words[i + 1] * TWO_32 + (words[i] >>> 0);
}

const TWO_26 = 67108864;
const TWO_52 = 4503599627370496;

/**
 * Exact product of two integers in [0, 2^52) as hi·2^52 + lo (lo in [0, 2^52)). Writes the result
 * into `wide[HI]` / `wide[LO]` so nothing is allocated. Splitting each factor into 26-bit halves keeps
 * every partial product below 2^53, where doubles are exact.
 */
export const wide = new Float64Array(2);
/**
 * Indexes of the scratch results (`wide`, and `wr` in engine/wide.ts). Typed-array slots, not
 * object fields: storing a double above the small-integer range into an object field allocates a
 * HeapNumber in V8 — the zero-allocation test caught `{ hi, lo }` scratch objects doing so.
 */
export const HI = 0;
export const LO = 1;

export function mulWide(a: number, b: number): void {
  const ah = Math.floor(a / TWO_26);
  const al = a - ah * TWO_26;
  const bh = Math.floor(b / TWO_26);
  const bl = b - bh * TWO_26;
  const p0 = al * bl; // < 2^52
  const mid = ah * bl + al * bh; // < 2^53
  const p2 = ah * bh; // < 2^52
  const midHi = Math.floor(mid / TWO_26);
  const midLo = mid - midHi * TWO_26;
  let lo = midLo * TWO_26 + p0; // < 2^53
  let carry = 0;
  if (lo >= TWO_52) {
    lo -= TWO_52;
    carry = 1;
  }
  wide[HI] = p2 + midHi + carry;
  wide[LO] = lo;
}

/** a·b if it is at most `limit` (limit ≤ MAX_UNITS), else -1. Exact for a, b in [0, 2^52). */
export function mulAtMost(a: number, b: number, limit: number): number {
  mulWide(a, b);
  if (wide[HI] !== 0 || wide[LO] > limit) return -1;
  return wide[LO];
}

/** The protobufjs Writer methods writeInt64 needs (structural: the engine does not depend on protobufjs). */
export interface VarintWriter {
  uint32(v: number): unknown;
  uint64(v: number): unknown;
  int64(v: number): unknown;
}

/**
 * A protobuf int64/uint64 field from a safe-integer number (proto3: 0 is left out). Non-negative
 * values below 2^32 have the same varint as uint32 (no Long needed); the rest go through
 * int64/uint64. Shared by the event codec (persistence/) and the report codec (gateway/).
 */
export function writeInt64(wr: VarintWriter, field: number, v: number, unsigned: boolean): void {
  if (v === 0) return;
  wr.uint32(field << 3);
  if (v > 0 && v < 4294967296) wr.uint32(v);
  else if (unsigned) wr.uint64(v);
  else wr.int64(v);
}

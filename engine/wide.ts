/**
 * Notional in int64 range, exactly, without allocation: a non-negative integer v < 2^63 is held as
 * two doubles, v = hi·2^32 + lo with 0 ≤ lo < 2^32 and 0 ≤ hi < 2^31. Every add, subtract, compare
 * and multiply below stays under 2^53 where doubles are exact; nothing is a BigInt (BigInt
 * arithmetic allocates on every operation). Results of the non-array helpers land in `wr`.
 *
 * Why: credit limits and order notionals in notional units outgrow 2^53 quickly — 100,000,000 USD
 * at 8 notional decimals is 10^16 units; 1-satoshi lots at 100,000 USD/BTC need 10 decimals.
 */
import { mulWide, wide } from './int64.ts';

export const TWO_32 = 4294967296;
const TWO_20 = 1048576;
/** hi of the largest value (2^63 − 1). */
export const WIDE_MAX_HI = 2147483647;

/** Scratch result of wideMul / wideSum (read right after the call). */
export const wr = { hi: 0, lo: 0 };

/** a·b (each an integer in [0, 2^52)) into `wr`; false (wr untouched) when the product is ≥ 2^63. */
export function wideMul(a: number, b: number): boolean {
  const p = a * b;
  // Fast path: a double product ≤ 2^53 − 1 is exact (rounding is monotonic and 2^53 is a double,
  // so a true product ≥ 2^53 never rounds below it). Most orders take this path.
  if (p <= 9007199254740991) {
    const h = Math.floor(p / TWO_32);
    wr.hi = h;
    wr.lo = p - h * TWO_32;
    return true;
  }
  mulWide(a, b); // a·b = wide.hi·2^52 + wide.lo
  if (wide.hi >= 2048) return false; // ≥ 2^63
  const loHi = Math.floor(wide.lo / TWO_32);
  wr.hi = wide.hi * TWO_20 + loHi;
  wr.lo = wide.lo - loHi * TWO_32;
  return true;
}

/** (ah, al) + (bh, bl) into `wr` (callers keep sums below 2^63). */
export function wideSum(ah: number, al: number, bh: number, bl: number): void {
  let lo = al + bl;
  let hi = ah + bh;
  if (lo >= TWO_32) {
    lo -= TWO_32;
    hi += 1;
  }
  wr.hi = hi;
  wr.lo = lo;
}

/** −1, 0 or 1 as (ah, al) is below, equal to or above (bh, bl). */
export function wideCmp(ah: number, al: number, bh: number, bl: number): number {
  if (ah !== bh) return ah < bh ? -1 : 1;
  return al === bl ? 0 : al < bl ? -1 : 1;
}

/** hi[i], lo[i] += (h, l). */
export function wideAdd(hi: Float64Array, lo: Float64Array, i: number, h: number, l: number): void {
  let nl = lo[i] + l;
  let nh = hi[i] + h;
  if (nl >= TWO_32) {
    nl -= TWO_32;
    nh += 1;
  }
  hi[i] = nh;
  lo[i] = nl;
}

/** hi[i], lo[i] −= (h, l); the caller guarantees the result is not negative. */
export function wideSub(hi: Float64Array, lo: Float64Array, i: number, h: number, l: number): void {
  let nl = lo[i] - l;
  let nh = hi[i] - h;
  if (nl < 0) {
    nl += TWO_32;
    nh -= 1;
  }
  hi[i] = nh;
  lo[i] = nl;
}

/** Cold: the exact value as a BigInt (inspection, snapshots, tests). */
export function wideToBigInt(h: number, l: number): bigint {
  return BigInt(h) * 4294967296n + BigInt(l);
}

/** Cold: values in [0, 2^63) as parallel hi / lo arrays (risk limits at construction). */
export function splitWide(values: readonly bigint[]): { hi: Float64Array; lo: Float64Array } {
  const hi = new Float64Array(values.length);
  const lo = new Float64Array(values.length);
  values.forEach((v, i) => {
    wideFromBigInt(v);
    hi[i] = wr.hi;
    lo[i] = wr.lo;
  });
  return { hi, lo };
}

/** Cold: split a BigInt in [0, 2^63) into `wr`. */
export function wideFromBigInt(v: bigint): void {
  if (v < 0n || v >= 9223372036854775808n) throw new RangeError(`${v} is outside [0, 2^63)`);
  wr.hi = Number(v / 4294967296n);
  wr.lo = Number(v % 4294967296n);
}

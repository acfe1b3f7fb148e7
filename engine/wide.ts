/**
 * Notional in int64 range, exactly, without allocation: a non-negative integer v < 2^63 is held as
 * two doubles, v = hi·2^30 + lo with 0 ≤ lo < 2^30 and 0 ≤ hi < 2^33. Base 2^30 rather than 2^32:
 * both halves of any notional below 2^61 are small integers (Smis) to V8, so passing them to a
 * helper that the optimizer did not inline never boxes a double (a HeapNumber per call — the
 * zero-allocation test caught that, intermittently, with a 2^32 base). Every add, subtract, compare
 * and multiply below stays under 2^53 where doubles are exact; nothing is a BigInt (BigInt
 * arithmetic allocates on every operation). Results of the non-array helpers land in `wr` ([HI], [LO]).
 *
 * Why: credit limits and order notionals in notional units outgrow 2^53 quickly — 100,000,000 USD
 * at 8 notional decimals is 10^16 units; 1-satoshi lots at 100,000 USD/BTC need 10 decimals.
 */
import { HI, LO, mulWide, wide } from './int64.ts';

export { HI, LO };

/** The base of the low half: 2^30. */
export const WIDE_BASE = 1073741824;
const TWO_22 = 4194304;
/** hi of the largest value (2^63 − 1). */
export const WIDE_MAX_HI = 8589934591;

/** Scratch result of wideMul / wideSum (read right after the call). */
export const wr = new Float64Array(2);

/** a·b (each an integer in [0, 2^52)) into `wr`; false (wr untouched) when the product is ≥ 2^63. */
export function wideMul(a: number, b: number): boolean {
  const p = a * b;
  // Fast path: a double product ≤ 2^53 − 1 is exact (rounding is monotonic and 2^53 is a double,
  // so a true product ≥ 2^53 never rounds below it). Most orders take this path.
  if (p <= 9007199254740991) {
    const h = Math.floor(p / WIDE_BASE);
    wr[HI] = h;
    wr[LO] = p - h * WIDE_BASE;
    return true;
  }
  mulWide(a, b); // a·b = wide[HI]·2^52 + wide[LO]
  if (wide[HI] >= 2048) return false; // ≥ 2^63
  const loHi = Math.floor(wide[LO] / WIDE_BASE);
  wr[HI] = wide[HI] * TWO_22 + loHi; // 2^52 = 2^22 · 2^30
  wr[LO] = wide[LO] - loHi * WIDE_BASE;
  return true;
}

/** (ah, al) + (bh, bl) into `wr` (callers keep sums below 2^63). */
export function wideSum(ah: number, al: number, bh: number, bl: number): void {
  let lo = al + bl;
  let hi = ah + bh;
  if (lo >= WIDE_BASE) {
    lo -= WIDE_BASE;
    hi += 1;
  }
  wr[HI] = hi;
  wr[LO] = lo;
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
  if (nl >= WIDE_BASE) {
    nl -= WIDE_BASE;
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
    nl += WIDE_BASE;
    nh -= 1;
  }
  hi[i] = nh;
  lo[i] = nl;
}

/** Cold: the exact value as a BigInt (inspection, snapshots, tests). */
export function wideToBigInt(h: number, l: number): bigint {
  return BigInt(h) * 1073741824n + BigInt(l);
}

/** Cold: values in [0, 2^63) as parallel hi / lo arrays (risk limits at construction). */
export function splitWide(values: readonly bigint[]): { hi: Float64Array; lo: Float64Array } {
  const hi = new Float64Array(values.length);
  const lo = new Float64Array(values.length);
  values.forEach((v, i) => {
    wideFromBigInt(v);
    hi[i] = wr[HI];
    lo[i] = wr[LO];
  });
  return { hi, lo };
}

/** Cold: split a BigInt in [0, 2^63) into `wr`. */
export function wideFromBigInt(v: bigint): void {
  if (v < 0n || v >= 9223372036854775808n) throw new RangeError(`${v} is outside [0, 2^63)`);
  wr[HI] = Number(v / 1073741824n);
  wr[LO] = Number(v % 1073741824n);
}

/**
 * Exact decimal strings ⇄ integer units. A value that is not an exact multiple of its step, or
 * does not fit, is refused with a reason — never rounded.
 *
 * The gateway's per-order path uses `unitsOf` (integer arithmetic on doubles below 2^53, no BigInt,
 * no regex, no allocation; returns a DecimalProblem instead of throwing); config and cold paths use
 * `toUnits`/`toUnitsBig`, which throw DecimalError with the same messages.
 */
import { MAX_UNITS } from './int64.ts';

export class DecimalError extends Error {
  override name = 'DecimalError';
  constructor(
    message: string,
    readonly kind: 'syntax' | 'off_grid' | 'range',
  ) {
    super(message);
  }
}

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/** A non-negative decimal as (mantissa, scale): "101.25" → 10125n, 2. */
export interface ExactDecimal {
  mantissa: bigint;
  scale: number;
  negative: boolean;
}

/** Why a decimal was refused (returned by the non-throwing forms; thrown as DecimalError by the others). */
export class DecimalProblem {
  constructor(
    readonly message: string,
    readonly kind: 'syntax' | 'off_grid' | 'range',
  ) {}
}

function parseChecked(text: string): ExactDecimal | DecimalProblem {
  if (typeof text !== 'string' || text.length === 0 || text.length > 40) {
    return new DecimalProblem(`"${String(text).slice(0, 40)}" is not a decimal string (expected e.g. "101.25")`, 'syntax');
  }
  const m = DECIMAL_RE.exec(text);
  if (!m) return new DecimalProblem(`"${text}" is not a plain decimal (digits, optional "." and digits; no exponent, no spaces)`, 'syntax');
  const frac = (m[3] ?? '').replace(/0+$/, '');
  return { mantissa: BigInt(m[2] + frac), scale: frac.length, negative: m[1] === '-' && /[1-9]/.test(m[2] + frac) };
}

function orThrow<T>(v: T | DecimalProblem): T {
  if (v instanceof DecimalProblem) throw new DecimalError(v.message, v.kind);
  return v;
}

export function parseExact(text: string): ExactDecimal {
  return orThrow(parseChecked(text));
}

/**
 * A step size ("0.01") as an exact decimal; must be > 0.
 */
export function parseStep(text: string, what: string): ExactDecimal {
  const d = parseExact(text);
  if (d.negative || d.mantissa === 0n) throw new DecimalError(`${what} must be a positive decimal, got "${text}"`, 'range');
  return d;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/**
 * `text` divided by `step`, exactly: "101.25" with step "0.01" → 10125. Refuses values off the
 * step grid, negative values (unless allowNegative), and anything above `max` units.
 */
export function toUnits(text: string, step: ExactDecimal, what: string, max = MAX_UNITS, allowZero = false): number {
  return Number(toUnitsBig(text, step, what, BigInt(max), allowZero));
}

/** toUnits for values that may exceed 2^53 (notional: credit limits, max order notional). */
export function toUnitsBig(text: string, step: ExactDecimal, what: string, max: bigint, allowZero = false): bigint {
  return orThrow(unitsBigChecked(text, step, what, max, allowZero));
}

function unitsBigChecked(text: string, step: ExactDecimal, what: string, max: bigint, allowZero: boolean): bigint | DecimalProblem {
  const d = parseChecked(text);
  if (d instanceof DecimalProblem) return d;
  if (d.negative) return new DecimalProblem(`${what} must not be negative, got "${text}"`, 'range');
  const scale = Math.max(d.scale, step.scale);
  const num = d.mantissa * pow10(scale - d.scale);
  const den = step.mantissa * pow10(scale - step.scale);
  if (num % den !== 0n) return new DecimalProblem(`${what} "${text}" is not a multiple of ${formatExact(step)}`, 'off_grid');
  const units = num / den;
  if (units === 0n && !allowZero) return new DecimalProblem(`${what} must be greater than zero, got "${text}"`, 'range');
  if (units > max) return new DecimalProblem(`${what} "${text}" is too large (at most ${formatUnitsBig(max, step)})`, 'range');
  return units;
}

/**
 * Hot (the gateway's order path): `text` ÷ `step` as units in [1, MAX_UNITS], or a DecimalProblem
 * (the same reasons and messages as toUnits). Plain decimals of up to 15 significant digits are
 * parsed with integer arithmetic on doubles (exact below 2^53) and allocate nothing; anything
 * longer or irregular goes the BigInt way.
 */
export function unitsOf(text: string, step: ExactDecimal, what: string): number | DecimalProblem {
  const fast = fastUnits(text, step);
  if (fast > 0) return fast;
  const r = unitsBigChecked(text, step, what, BigInt(MAX_UNITS), false);
  return r instanceof DecimalProblem ? r : Number(r);
}

/** units for a short plain decimal, or -1 when the slow path must decide (any doubt). */
function fastUnits(text: string, step: ExactDecimal): number {
  const n = text.length;
  if (n === 0 || n > 17) return -1;
  let mant = 0;
  let digits = 0;
  let scale = -1; // digits after the point; -1 before one is seen
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (scale >= 0 || i === 0 || i === n - 1) return -1;
      scale = 0;
      continue;
    }
    if (c < 48 || c > 57) return -1;
    mant = mant * 10 + (c - 48);
    if (mant > 0) digits++;
    if (scale >= 0) scale++;
  }
  return digits > 15 ? -1 : onGrid(mant, scale < 0 ? 0 : scale, step);
}

/**
 * Hot (the gateway's JSON order lane, gateway/json-lane.ts): `unitsOf` for the ASCII bytes
 * [start, end) of a frame — the same accepted values, allocating nothing. −1 when the value is not
 * a short plain decimal on the grid in [1, MAX_UNITS]: the caller then takes the general path,
 * which accepts or refuses it with the reason.
 */
export function unitsOfBytes(bytes: Uint8Array, start: number, end: number, step: ExactDecimal): number {
  const n = end - start;
  if (n <= 0 || n > 17) return -1;
  let mant = 0;
  let digits = 0;
  let scale = -1;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === 46 /* . */) {
      if (scale >= 0 || i === start || i === end - 1) return -1;
      scale = 0;
      continue;
    }
    if (c < 48 || c > 57) return -1;
    mant = mant * 10 + (c - 48);
    if (mant > 0) digits++;
    if (scale >= 0) scale++;
  }
  return digits > 15 ? -1 : onGrid(mant, scale < 0 ? 0 : scale, step);
}

/** mant·10^-scale ÷ step as units in [1, MAX_UNITS], or −1 (off the grid, out of range, any doubt). */
function onGrid(mant: number, scale: number, step: ExactDecimal): number {
  const m = mantissaNumber(step);
  if (m <= 0 || step.scale >= POW10.length || scale >= POW10.length) return -1;
  // value / step = (mant · 10^-scale) / (m · 10^-step.scale)
  let num = mant;
  let den = m;
  if (scale > step.scale) den *= POW10[scale - step.scale];
  else num *= POW10[step.scale - scale];
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den) || num % den !== 0) return -1;
  const u = num / den;
  return u >= 1 && u <= MAX_UNITS ? u : -1;
}

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);
/** Small per-step cache of Number(step.mantissa) (a report formats with two steps: tick and lot). */
let cacheA: ExactDecimal | null = null;
let cacheAm = 0;
let cacheB: ExactDecimal | null = null;
let cacheBm = 0;

function mantissaNumber(step: ExactDecimal): number {
  if (step === cacheA) return cacheAm;
  if (step === cacheB) return cacheBm;
  cacheB = cacheA;
  cacheBm = cacheAm;
  cacheA = step;
  cacheAm = step.mantissa <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(step.mantissa) : -1;
  return cacheAm;
}

/**
 * Hot (execution reports as bytes, gateway/json-lane.ts): formatUnits written as ASCII into `out`
 * at `pos`; returns the position after it, or −1 when the value needs the BigInt way (the caller
 * then uses formatUnits). `out` must have room for 24 bytes.
 */
export function formatUnitsInto(out: Uint8Array, pos: number, units: number, step: ExactDecimal): number {
  const m = mantissaNumber(step);
  const v = units * m;
  if (m < 0 || !Number.isSafeInteger(v) || step.scale >= POW10.length) return -1;
  let a = v;
  if (a < 0) {
    out[pos++] = 45; // -
    a = -a;
  }
  if (step.scale === 0) return writeDigits(out, pos, a, 0);
  const p = POW10[step.scale];
  const ip = Math.floor(a / p);
  let frac = a - ip * p;
  pos = writeDigits(out, pos, ip, 0);
  if (frac === 0) return pos;
  let digits = step.scale;
  while (frac % 10 === 0) {
    frac /= 10;
    digits--;
  }
  out[pos++] = 46; // .
  return writeDigits(out, pos, frac, digits);
}

/** A non-negative safe integer's decimal digits, left-padded with zeros to `width`; the position after. */
export function writeDigits(out: Uint8Array, pos: number, v: number, width: number): number {
  let n = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) n++;
  if (n < width) n = width;
  let t = v;
  for (let i = pos + n - 1; i >= pos; i--) {
    const q = Math.floor(t / 10);
    out[i] = 48 + (t - q * 10);
    t = q;
  }
  return pos + n;
}

/** Integer units back to the exact decimal string: 10125 with step "0.01" → "101.25". */
export function formatUnits(units: number, step: ExactDecimal): string {
  const m = mantissaNumber(step);
  const v = units * m;
  // Fast path: the product is an exact integer double and the scale is small (the gateway formats
  // every price and quantity of every report with this).
  if (m >= 0 && Number.isSafeInteger(v) && step.scale < POW10.length) {
    const neg = v < 0;
    const a = neg ? -v : v;
    let s: string;
    if (step.scale === 0) s = String(a);
    else {
      const p = POW10[step.scale];
      const ip = Math.floor(a / p);
      let frac = a - ip * p;
      if (frac === 0) s = String(ip);
      else {
        let digits = step.scale;
        while (frac % 10 === 0) {
          frac /= 10;
          digits--;
        }
        const f = String(frac);
        s = `${ip}.${f.length < digits ? '0'.repeat(digits - f.length) + f : f}`;
      }
    }
    return neg ? `-${s}` : s;
  }
  const big = BigInt(units) * step.mantissa;
  return formatExact({ mantissa: big < 0n ? -big : big, scale: step.scale, negative: big < 0n });
}

/** Cold: a BigInt count of units as the step's decimal string. */
export function formatUnitsBig(units: bigint, step: ExactDecimal): string {
  const big = units * step.mantissa;
  return formatExact({ mantissa: big < 0n ? -big : big, scale: step.scale, negative: big < 0n });
}

export function formatExact(d: ExactDecimal): string {
  let s = d.mantissa.toString();
  if (d.scale > 0) {
    s = s.padStart(d.scale + 1, '0');
    s = `${s.slice(0, s.length - d.scale)}.${s.slice(s.length - d.scale)}`.replace(/\.?0+$/, '');
  }
  return d.negative ? `-${s}` : s;
}

/** step_a × step_b / unit as an exact integer, or null when it is not one. */
export function stepRatio(a: ExactDecimal, b: ExactDecimal, unit: ExactDecimal): bigint | null {
  // (ma·10^-sa)(mb·10^-sb) / (mu·10^-su) = ma·mb·10^(su − sa − sb) / mu
  const e = unit.scale - a.scale - b.scale;
  const num = a.mantissa * b.mantissa * (e >= 0 ? pow10(e) : 1n);
  const den = unit.mantissa * (e < 0 ? pow10(-e) : 1n);
  return num % den === 0n ? num / den : null;
}

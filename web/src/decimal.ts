/**
 * Exact decimal strings, as the protocol carries prices and quantities ("50000.5", "0.0002").
 * Validation is exact (BigInt units, never floats); floats are used only to draw (bar widths,
 * depth chart), where a rounding error is a pixel.
 */

const DECIMAL = /^\d+(\.\d+)?$/;

/** A decimal as integer units at a scale: "12.50" → { units: 1250n, scale: 2 }. */
export interface Dec {
  units: bigint;
  scale: number;
}

export function parseDec(s: string): Dec | null {
  if (!DECIMAL.test(s)) return null;
  const dot = s.indexOf('.');
  if (dot < 0) return { units: BigInt(s), scale: 0 };
  return { units: BigInt(s.slice(0, dot) + s.slice(dot + 1)), scale: s.length - dot - 1 };
}

function atScale(d: Dec, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

/** a − b < 0, = 0, > 0 for two well-formed decimal strings (exact). */
export function cmpDec(a: string, b: string): number {
  const x = parseDec(a);
  const y = parseDec(b);
  if (!x || !y) return 0;
  const s = Math.max(x.scale, y.scale);
  const d = atScale(x, s) - atScale(y, s);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** True when `value` is a whole multiple of `step` (both decimal strings; step > 0). */
export function isMultipleOf(value: string, step: string): boolean {
  const v = parseDec(value);
  const t = parseDec(step);
  if (!v || !t || t.units === 0n) return false;
  const s = Math.max(v.scale, t.scale);
  return atScale(v, s) % atScale(t, s) === 0n;
}

export function isPositive(s: string): boolean {
  const d = parseDec(s);
  return d !== null && d.units > 0n;
}

/** For drawing only (bar widths, chart coordinates). */
export function toNumber(s: string | null | undefined): number {
  return s ? Number(s) : 0;
}

/** Why `value` is not a valid `what` on this grid, or null when it is. */
export function gridProblem(what: string, value: string, step: string): string | null {
  if (value === '') return `${what} is required`;
  if (!DECIMAL.test(value)) return `${what} "${value}" is not a plain decimal number (digits and one point, e.g. 12.5)`;
  if (!isPositive(value)) return `${what} must be above 0`;
  if (!isMultipleOf(value, step)) return `${what} ${value} is not a multiple of ${step}`;
  return null;
}

/** a − b as an exact decimal string (for the spread). */
export function subDec(a: string, b: string): string | null {
  const x = parseDec(a);
  const y = parseDec(b);
  if (!x || !y) return null;
  const s = Math.max(x.scale, y.scale);
  const d = atScale(x, s) - atScale(y, s);
  const neg = d < 0n;
  const digits = (neg ? -d : d).toString().padStart(s + 1, '0');
  const int = digits.slice(0, digits.length - s);
  const frac = s > 0 ? digits.slice(digits.length - s).replace(/0+$/, '') : '';
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

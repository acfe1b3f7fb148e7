/** Display formatting (never used for values sent to the server). */

/** A time of day from ms or µs since the epoch (µs when the number is too large for ms). */
export function timeOfDay(t: number): string {
  const ms = t > 1e14 ? Math.floor(t / 1000) : t;
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Microseconds, readable: 850 µs, 1.25 ms, 2.1 s. */
export function micros(us: number | null | undefined): string {
  if (us === null || us === undefined) return '—';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

export function rate(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1);
}

export function count(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return n.toLocaleString('en-US');
}

export function ms(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(2)} s`;
}

export function orDash(s: string | number | null | undefined): string {
  return s === null || s === undefined || s === '' ? '—' : String(s);
}

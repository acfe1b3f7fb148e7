/** Wall clock in µs since the epoch, as an integer (read once per batch by agents). */
const origin = performance.timeOrigin;
export function nowUs(): number {
  return Math.floor((origin + performance.now()) * 1000);
}

/**
 * nowUs written into `into[i]` instead of returned: a double of this size returned from a call that
 * is not inlined is boxed (16 bytes), stored into a Float64Array it is not. What is left is the
 * clock's own heap number (performance.now returns one, as Date.now does): 16 bytes per read. The
 * gateway's order path reads the clock this way (bench/gateway-allocation.ts).
 */
export function stampUs(into: Float64Array, i: number): void {
  into[i] = Math.floor((origin + performance.now()) * 1000);
}

/** Wall clock in µs since the epoch, as an integer (read once per batch by agents). */
const origin = performance.timeOrigin;
export function nowUs(): number {
  return Math.floor((origin + performance.now()) * 1000);
}

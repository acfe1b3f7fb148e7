/**
 * Open-addressing hash map from non-negative safe-integer keys (order ids, hashed client ids) to
 * Int32 values, on typed arrays: no allocation per put/get/remove. Linear probing with
 * backward-shift deletion (no tombstones, so probe chains never rot).
 *
 * Sized up front for the configured capacity at ≤ 50 % load; `put` beyond that grows the table,
 * which allocates — a cold event that the owner counts and reports (it should not happen in
 * steady state if capacities are configured right).
 */

const EMPTY = -1;
export const MISSING = -1;

function hashKey(key: number): number {
  const lo = key >>> 0;
  // Keys are usually below 2^32 (ids, prices): skip the division then (≈ 20+ cycles each).
  const hi = key > 4294967295 ? (key / 4294967296) >>> 0 : 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x3fffffff; // Smi-sized: no boxing if not inlined
}

export class LongIntMap {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  size = 0;
  /** How many times the table had to grow (allocations on the hot path; expected 0). */
  growths = 0;

  constructor(expectedEntries: number) {
    let cap = 16;
    while (cap < expectedEntries * 2) cap *= 2;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get(key: number): number {
    const keys = this.keys;
    let i = hashKey(key) & this.mask;
    for (;;) {
      const k = keys[i];
      if (k === key) return this.values[i];
      if (k === EMPTY) return MISSING;
      i = (i + 1) & this.mask;
    }
  }

  /** Insert or overwrite. */
  put(key: number, value: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    let i = hashKey(key) & this.mask;
    for (;;) {
      const k = keys[i];
      if (k === key) {
        this.values[i] = value;
        return;
      }
      if (k === EMPTY) {
        keys[i] = key;
        this.values[i] = value;
        this.size++;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Remove; returns the old value or MISSING. */
  remove(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = hashKey(key) & mask;
    for (;;) {
      const k = keys[i];
      if (k === EMPTY) return MISSING;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    const old = this.values[i];
    // Backward-shift: pull later members of the probe chain into the hole when their home slot
    // is at or before it (cyclically), so lookups never stop early at a false EMPTY.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const k = keys[j];
      if (k === EMPTY) break;
      const home = hashKey(k) & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        keys[hole] = k;
        this.values[hole] = this.values[j];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    keys[hole] = EMPTY;
    this.size--;
    return old;
  }

  clear(): void {
    this.keys.fill(EMPTY);
    this.size = 0;
  }

  /** Cold: visit every entry (snapshots, tests). */
  forEach(fn: (key: number, value: number) => void): void {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== EMPTY) fn(this.keys[i], this.values[i]);
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(oldKeys.length * 2).fill(EMPTY);
    this.values = new Int32Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    this.size = 0;
    this.growths++;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== EMPTY) this.put(oldKeys[i], oldValues[i]);
  }
}

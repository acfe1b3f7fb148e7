/**
 * Index of live (account, client order id) pairs for the risk stage: open addressing on typed
 * arrays, values are entry numbers into the caller's id store, and matches are decided by
 * comparing the account and all 8 id words — so there are no false hits and no 52-bit keys
 * (a large double crossing a call boundary is boxed on the heap; this keeps everything int32).
 *
 * The caller owns the id words: `ids` holds 8 words per entry, `accounts` one account per entry.
 * Entries are the caller's numbering (the risk stage uses order slot × 2 + 0 for the current id
 * and + 1 for the id of an in-flight replace).
 */
import { CLORD_WORDS } from './command-slot.ts';

const EMPTY = -1;

export function clientIdHash(account: number, w: Int32Array, at: number): number {
  let h = Math.imul(account ^ 0x2545f491, 0x9e3779b1);
  for (let k = 0; k < CLORD_WORDS; k++) {
    h = Math.imul(h ^ w[at + k], 0x01000193);
    h ^= h >>> 15;
  }
  h = Math.imul(h, 0x85ebca6b);
  // 30 bits: stays a Smi across calls (a full-range int32 result is boxed on the heap half the time).
  return (h ^ (h >>> 13)) & 0x3fffffff;
}

export class ClientIdIndex {
  private readonly slots: Int32Array;
  private readonly hashes: Int32Array;
  private readonly mask: number;
  size = 0;

  constructor(
    maxEntries: number,
    private readonly ids: Int32Array,
    private readonly accounts: Int32Array,
  ) {
    let cap = 16;
    while (cap < maxEntries * 2) cap *= 2;
    this.slots = new Int32Array(cap).fill(EMPTY);
    this.hashes = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private matches(entry: number, account: number, w: Int32Array, at: number): boolean {
    if (this.accounts[entry >> 1] !== account) return false;
    const ids = this.ids;
    const base = entry * CLORD_WORDS;
    for (let k = 0; k < CLORD_WORDS; k++) if (ids[base + k] !== w[at + k]) return false;
    return true;
  }

  /** The entry holding this account's id, or -1. */
  find(account: number, w: Int32Array, at: number): number {
    const h = clientIdHash(account, w, at);
    let i = h & this.mask;
    for (;;) {
      const e = this.slots[i];
      if (e === EMPTY) return -1;
      if (this.hashes[i] === h && this.matches(e, account, w, at)) return e;
      i = (i + 1) & this.mask;
    }
  }

  /** Add an entry whose id words are already in `ids` (the caller checked it is not present). */
  add(entry: number): void {
    const h = clientIdHash(this.accounts[entry >> 1], this.ids, entry * CLORD_WORDS);
    let i = h & this.mask;
    while (this.slots[i] !== EMPTY) i = (i + 1) & this.mask;
    this.slots[i] = entry;
    this.hashes[i] = h;
    this.size++;
  }

  /** Remove an entry (its id words must still be in `ids`). */
  remove(entry: number): void {
    const mask = this.mask;
    let i = clientIdHash(this.accounts[entry >> 1], this.ids, entry * CLORD_WORDS) & mask;
    for (;;) {
      const e = this.slots[i];
      if (e === EMPTY) return;
      if (e === entry) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion, as in LongIntMap.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const e = this.slots[j];
      if (e === EMPTY) break;
      const home = this.hashes[j] & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        this.slots[hole] = e;
        this.hashes[hole] = this.hashes[j];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    this.slots[hole] = EMPTY;
    this.size--;
  }
}

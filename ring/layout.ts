/**
 * Byte layout of one ring's SharedArrayBuffer. Every thread that touches a ring imports these
 * names; nothing else in the code base computes a ring offset by hand.
 *
 * ```
 *  byte 0                                                             63
 *  +------------------+------------------+--------------------------- ... --+
 *  | producerCursor   | producerParked   |            (padding)             |  line 0: producer writes
 *  +------------------+------------------+--------------------------- ... --+
 *  | magic            | capacity         | slotBytes | consumerCount | ...  |  line 1: written once at creation
 *  +------------------+------------------+--------------------------- ... --+
 *  | consumerCursor 0 |                    (padding)                        |  line 2: consumer 0 writes
 *  +------------------+------------------+--------------------------- ... --+
 *  | ...  one 64-byte line per consumer, MAX_CONSUMERS lines in all         |
 *  +------------------------------------------------------------------- ... +
 *  | slot 0 (slotBytes) | slot 1 | ... | slot capacity-1                      |  data: producer fills, consumers read
 *  +------------------------------------------------------------------- ... +
 * ```
 *
 * All cursors are Int32 sequence numbers that wrap around 2^32; the slot of sequence `s` is
 * `s & (capacity - 1)`. Compare sequences only by their wrapped difference (`seqDiff`).
 * Int32 rather than BigInt64 cursors: `Atomics.load` on a BigInt64Array allocates a BigInt on
 * Node 20, on an Int32Array it does not.
 */

export const CACHE_LINE_BYTES = 64;
export const WORDS_PER_LINE = CACHE_LINE_BYTES / 4;
/** Consumer cursors per ring (R, every gateway thread, demo, J …): 32 lines = 2 KiB of header. */
export const MAX_CONSUMERS = 32;
export const RING_MAGIC = 0x52494e47; // "RING"

// Line 0 — producer-owned words (Int32 indices).
export const PRODUCER_LINE_BYTES = 0;
export const PRODUCER_CURSOR_WORD = PRODUCER_LINE_BYTES / 4;
export const PRODUCER_PARKED_WORD = PRODUCER_CURSOR_WORD + 1;

// Line 1 — immutable after creation.
export const CONFIG_LINE_BYTES = PRODUCER_LINE_BYTES + CACHE_LINE_BYTES;
export const MAGIC_WORD = CONFIG_LINE_BYTES / 4;
export const CAPACITY_WORD = MAGIC_WORD + 1;
export const SLOT_BYTES_WORD = CAPACITY_WORD + 1;
export const CONSUMER_COUNT_WORD = SLOT_BYTES_WORD + 1;

// Lines 2 .. 2 + MAX_CONSUMERS — one line per consumer cursor.
export const CONSUMER_LINES_BYTES = CONFIG_LINE_BYTES + CACHE_LINE_BYTES;
export function consumerCursorWord(consumer: number): number {
  return (CONSUMER_LINES_BYTES + consumer * CACHE_LINE_BYTES) / 4;
}

export const HEADER_BYTES = CONSUMER_LINES_BYTES + MAX_CONSUMERS * CACHE_LINE_BYTES;
export const DATA_BYTES_OFFSET = HEADER_BYTES;

/** Largest capacity whose sequence differences stay unambiguous in an Int32. */
export const MAX_CAPACITY = 1 << 30;

export function ringBytes(capacity: number, slotBytes: number): number {
  return DATA_BYTES_OFFSET + capacity * slotBytes;
}

/** Wrap-safe `a - b` for Int32 sequences: negative means a is before b. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * G — requests in flight on one gateway thread, by correlation id: who asked (the connection, to
 * echo the request id on the reports the request causes) and, for cancel_all over every shard,
 * how many shards still have to answer.
 *
 * A fixed ring of entries indexed by the thread's request number (correlation ids of thread g are
 * g + 1, g + 1 + threads, …): adding and finding allocate nothing, and the table keeps the last
 * `capacity` requests — an older entry is simply overwritten (its reports then go out without the
 * echoed id, as when the previous Map was pruned at 100,000 entries).
 *
 * The request id is kept as its JSON text (bytes, for the JSON lane's reports) and, for requests
 * that came another way (protobuf, the general JSON path), also as the value.
 */
import type { Conn } from './session.ts';

/** The longest request id's JSON text kept as bytes (a 64-character ASCII string with quotes). */
const ID_BYTES = 66;

export class PendingTable {
  private readonly mask: number;
  private readonly corr: Float64Array;
  readonly conn: Array<Conn | null>;
  /** A REST request's record (gateway/rest.ts) when the request came over HTTP; null otherwise. */
  readonly rest: Array<object | null>;
  /** cancel_all: shards still to answer, and orders canceled so far. */
  readonly remaining: Int32Array;
  readonly canceled: Float64Array;
  /** The request id: its JSON text in idBytes[i·ID_BYTES, +idLen[i]) (0: none), and the value. */
  readonly idLen: Uint8Array;
  readonly idBytes: Uint8Array;
  private readonly idValues: Array<string | number | undefined>;

  constructor(
    /** A power of two. */
    readonly capacity: number,
    /** This thread's first correlation id and the step between its ids (the gateway thread count). */
    private readonly first: number,
    private readonly step: number,
  ) {
    if (capacity <= 0 || (capacity & (capacity - 1)) !== 0) throw new RangeError('pending capacity must be a power of two');
    this.mask = capacity - 1;
    this.corr = new Float64Array(capacity).fill(-1);
    this.conn = new Array<Conn | null>(capacity).fill(null);
    this.rest = new Array<object | null>(capacity).fill(null);
    this.remaining = new Int32Array(capacity);
    this.canceled = new Float64Array(capacity);
    this.idLen = new Uint8Array(capacity);
    this.idBytes = new Uint8Array(capacity * ID_BYTES);
    this.idValues = new Array<string | number | undefined>(capacity).fill(undefined);
  }

  private index(correlation: number): number {
    return ((correlation - this.first) / this.step) & this.mask;
  }

  /** A new request; returns its entry. */
  add(correlation: number, conn: Conn | null, remaining: number): number {
    const i = this.index(correlation);
    this.corr[i] = correlation;
    this.conn[i] = conn;
    this.rest[i] = null;
    this.remaining[i] = remaining;
    this.canceled[i] = 0;
    this.idLen[i] = 0;
    this.idValues[i] = undefined;
    return i;
  }

  /** Entry i's id from the JSON text in bytes [start, end) (the JSON lane; at most 66 bytes). */
  setIdBytes(i: number, src: Uint8Array, start: number, end: number): void {
    const at = i * ID_BYTES;
    const n = end - start;
    for (let k = 0; k < n; k++) this.idBytes[at + k] = src[start + k];
    this.idLen[i] = n;
  }

  /** Entry i's id as a value (other paths, cold): kept, and as JSON text when it fits. */
  setIdValue(i: number, id: string | number | undefined): void {
    this.idValues[i] = id;
    if (id === undefined) return;
    const text = Buffer.from(JSON.stringify(id), 'utf8');
    if (text.length <= ID_BYTES) this.setIdBytes(i, text, 0, text.length);
  }

  /** The entry of `correlation`, or −1 (never seen, or overwritten by a newer request). */
  find(correlation: number): number {
    const i = this.index(correlation);
    return this.corr[i] === correlation ? i : -1;
  }

  delete(i: number): void {
    this.corr[i] = -1;
    this.conn[i] = null;
    this.rest[i] = null;
    this.idValues[i] = undefined;
    this.idLen[i] = 0;
  }

  /** Has entry i a request id (as JSON text)? */
  hasId(i: number): boolean {
    return this.idLen[i] > 0 || this.idValues[i] !== undefined;
  }

  /** Entry i's request id as a value (cold: protobuf reports, cancel_all_ack). */
  idValue(i: number): string | number | undefined {
    const v = this.idValues[i];
    if (v !== undefined || this.idLen[i] === 0) return v;
    const at = i * ID_BYTES;
    const parsed = JSON.parse(Buffer.from(this.idBytes.buffer, this.idBytes.byteOffset + at, this.idLen[i]).toString('utf8')) as string | number;
    this.idValues[i] = parsed;
    return parsed;
  }

  /** Where entry i's id text starts in idBytes. */
  idAt(i: number): number {
    return i * ID_BYTES;
  }
}

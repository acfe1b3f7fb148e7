/**
 * E — candles (OHLCV + trade count) per symbol and interval, and rolling 24 h tickers, projected
 * from TRADE events. Every gateway thread runs one beside its MarketData, on the same events and
 * the same batch ends (`EVT_BATCH_END`), so every thread publishes the same candles.
 *
 * Buckets: a trade at `ts` µs belongs to the bucket starting at floor(floor(ts / 1000) / ms) × ms
 * (ms since the epoch, UTC: 1d candles start at 00:00 UTC). Trades are applied in event order.
 *  - A trade whose bucket is older than the symbol's current bucket of an interval (the engine
 *    clock went back, replay quirks) is folded into the current candle: an old candle is never
 *    reopened, so kept candles always have strictly increasing starts.
 *  - An interval without trades has no candle (a gap); nothing is carried forward.
 *  - Candles live in memory only: after a restart they hold what the gateway replayed.
 *
 * Hot path (`onEvent`, `flushShard` for topics nobody reads): typed arrays only, nothing allocated
 * in steady state (feeds/candles.test.ts measures it). A symbol's rings are allocated on its first
 * trade (cold, once). Messages, queries and tickers are cold and allocate.
 *
 * Exactness: prices (ticks) are integers; volume (lots) and quote volume Σ price × qty ×
 * notionalPerTickLot (notional units) are each kept as two doubles hi·2^52 + lo, 0 ≤ lo < 2^52 —
 * mulWide's own split (engine/int64.ts), so a trade's exact notional adds in without conversion.
 * Exact while a candle's sum is below 2^105 (hi below 2^53; the risk stage caps each order's
 * notional at 2^63 − 1, so that is 2^42 maximal trades). Not engine/wide.ts's base 2^30: that
 * base keeps halves Smis for helper calls, and this path calls no helper with them (everything is
 * inline, stored straight into a Float64Array), while 2^30 would cap a candle at 2^83 units, which
 * a busy day at 18 notional decimals can reach. Sums over candles (tickers) use BigInt.
 */
import { EventType } from '../engine/codes.ts';
import { EVT_LAST_PRICE, EVT_LAST_QTY, EVT_SYMBOL, EVT_TS, EVT_TYPE } from '../engine/event-slot.ts';
import { getI64, HI, LO, MAX_UNITS, mulWide, wide } from '../engine/int64.ts';
import { formatUnits, formatUnitsBig } from '../engine/decimal.ts';
import type { EngineSpec } from '../engine/config.ts';
import type { MarketDataMessage, MarketDataSink } from './market-data.ts';

export const CANDLE_INTERVALS = ['1s', '1m', '5m', '15m', '1h', '1d'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

export const INTERVAL_MS: Record<CandleInterval, number> = {
  '1s': 1_000, '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000,
};

/** Candles kept per symbol per interval (1m: at least 1,441, the ticker's 24 h of minutes + 1). */
export const DEFAULT_CANDLE_RETENTION: Record<CandleInterval, number> = {
  '1s': 900, '1m': 1500, '5m': 2016, '15m': 1000, '1h': 1000, '1d': 1000,
};

/** Minutes in the ticker's rolling window. */
const TICKER_MINUTES = 1440;
const MINUTE_MS = 60_000;
/** Largest retention accepted per interval (a typo should not allocate gigabytes per symbol). */
const MAX_RETENTION = 1_000_000;

export interface CandleMessage {
  type: 'candle';
  symbol: string;
  interval: CandleInterval;
  /** Bucket start, ms since the epoch (UTC). */
  start: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quoteVolume: string;
  trades: number;
}

export interface TickerMessage {
  type: 'ticker';
  symbol: string;
  /** Start of the oldest minute in the window, ms. */
  windowStart: number;
  /** The "now" the window was taken at, ms. */
  ts: number;
  last: string | null;
  open: string | null;
  high: string | null;
  low: string | null;
  volume: string;
  quoteVolume: string;
  vwap: string | null;
  change: string | null;
  changePercent: string | null;
  trades: number;
}

/**
 * One candle: 10 float64 words (80 bytes) in its symbol's Float64Array.
 *
 * ```
 *  word  byte  field
 *   0     0    start     bucket start, ms since the epoch (UTC)
 *   1     8    open      ticks
 *   2    16    high      ticks
 *   3    24    low       ticks
 *   4    32    close     ticks
 *   5    40    volHi     volume in lots = volHi·2^52 + volLo
 *   6    48    volLo
 *   7    56    quoteHi   quote volume in notional units = quoteHi·2^52 + quoteLo
 *   8    64    quoteLo
 *   9    72    trades
 * ```
 * A symbol's array holds one ring per interval, in CANDLE_INTERVALS order: interval i's candles
 * are [ringOffset[i], ringOffset[i] + retention[i]). With the default retention that is
 * 7,416 candles = 593,280 bytes (~580 KiB) per symbol that has traded, per Candles instance (one
 * per gateway thread), plus ~70 bytes of bookkeeping and 6 topic strings for every configured symbol.
 */
export const CANDLE_START = 0;
export const CANDLE_OPEN = CANDLE_START + 1;
export const CANDLE_HIGH = CANDLE_OPEN + 1;
export const CANDLE_LOW = CANDLE_HIGH + 1;
export const CANDLE_CLOSE = CANDLE_LOW + 1;
export const CANDLE_VOL_HI = CANDLE_CLOSE + 1;
export const CANDLE_VOL_LO = CANDLE_VOL_HI + 1;
export const CANDLE_QUOTE_HI = CANDLE_VOL_LO + 1;
export const CANDLE_QUOTE_LO = CANDLE_QUOTE_HI + 1;
export const CANDLE_TRADES = CANDLE_QUOTE_LO + 1;
export const CANDLE_WORDS = CANDLE_TRADES + 1;

const N_INTERVALS = CANDLE_INTERVALS.length;
/** The base of the low limb of volume and quote sums (mulWide's split). */
const TWO_52 = 4503599627370496;
const TWO_52N = 4503599627370496n;

/** Cold: hi·2^52 + lo as a BigInt. */
const big = (hi: number, lo: number): bigint => BigInt(hi) * TWO_52N + BigInt(lo);

const wants = (sink: MarketDataSink, topic: string): boolean => sink.wants === undefined || sink.wants(topic);

function intervalIndex(interval: CandleInterval): number {
  const i = CANDLE_INTERVALS.indexOf(interval);
  if (i < 0) throw new RangeError(`unknown candle interval ${JSON.stringify(interval)} (one of ${CANDLE_INTERVALS.join(', ')})`);
  return i;
}

/** Cold: |num| / den × 100 with 2 decimals, rounded half away from zero ("-1.25", "0.00"). */
function percent2(num: bigint, den: bigint): string {
  const neg = num < 0n;
  const a = (neg ? -num : num) * 10_000n;
  let q = a / den;
  if ((a % den) * 2n >= den) q += 1n;
  if (q === 0n) return '0.00';
  const frac = (q % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${q / 100n}.${frac}`;
}

/** The market-data topic of a symbol's candles of one interval (what flushShard publishes on). */
export function candleTopic(interval: CandleInterval, symbol: string): string {
  return `candles.${interval}.${symbol}`;
}

export class Candles {
  readonly retention: Readonly<Record<CandleInterval, number>>;
  /** Bytes of candle storage per symbol once it has traded. */
  readonly bytesPerSymbol: number;
  private readonly symbolCount: number;
  private readonly intervalMs = Float64Array.from(CANDLE_INTERVALS, (iv) => INTERVAL_MS[iv]);
  private readonly ringSize: Int32Array;
  /** First candle of interval i's ring in a symbol's array. */
  private readonly ringOffset: Int32Array;
  private readonly wordsPerSymbol: number;
  /** Per symbol: its candles, null until its first trade. */
  private readonly data: Array<Float64Array | null>;
  /** Per (symbol, interval) at s × N_INTERVALS + i: the ring slot of the current candle, and candles kept. */
  private readonly head: Int32Array;
  private readonly count: Int32Array;
  private readonly version: Float64Array;
  private readonly notionalPerTickLot: Float64Array;
  /** Topic per (symbol, interval), built once: `candles.<interval>.<symbol>`. */
  private readonly topics: string[];
  /** Symbols traded since their shard's last batch end, per shard (list + flag per symbol). */
  private readonly touched: Int32Array[];
  private readonly touchedCount: Int32Array;
  private readonly isTouched: Uint8Array;
  private readonly shardOf: Int32Array;
  /** Scratch of the cold notional path: hi, lo. */
  private readonly slow = new Float64Array(2);

  constructor(
    private readonly spec: EngineSpec,
    retention: Partial<Record<CandleInterval, number>> = {},
  ) {
    const r = { ...DEFAULT_CANDLE_RETENTION, ...retention };
    for (const iv of CANDLE_INTERVALS) {
      const n = r[iv];
      if (!Number.isInteger(n) || n < 1 || n > MAX_RETENTION) throw new RangeError(`candle retention for ${iv} must be an integer in [1, ${MAX_RETENTION}], got ${n}`);
    }
    if (r['1m'] < TICKER_MINUTES + 1) throw new RangeError(`candle retention for 1m must be at least ${TICKER_MINUTES + 1} (the ticker's 24 h of minutes), got ${r['1m']}`);
    this.retention = r;
    this.ringSize = Int32Array.from(CANDLE_INTERVALS, (iv) => r[iv]);
    this.ringOffset = new Int32Array(N_INTERVALS);
    let candles = 0;
    for (let i = 0; i < N_INTERVALS; i++) {
      this.ringOffset[i] = candles;
      candles += this.ringSize[i];
    }
    this.wordsPerSymbol = candles * CANDLE_WORDS;
    this.bytesPerSymbol = this.wordsPerSymbol * Float64Array.BYTES_PER_ELEMENT;
    const n = spec.symbols.length;
    this.symbolCount = n;
    this.data = new Array<Float64Array | null>(n).fill(null);
    this.head = new Int32Array(n * N_INTERVALS);
    this.count = new Int32Array(n * N_INTERVALS);
    this.version = new Float64Array(n);
    this.notionalPerTickLot = Float64Array.from(spec.symbols, (s) => s.notionalPerTickLot);
    this.topics = spec.symbols.flatMap((s) => CANDLE_INTERVALS.map((iv) => candleTopic(iv, s.name)));
    this.shardOf = Int32Array.from(spec.symbols, (s) => s.shard);
    this.touched = Array.from({ length: spec.shards }, () => new Int32Array(n));
    this.touchedCount = new Int32Array(spec.shards);
    this.isTouched = new Uint8Array(n);
  }

  /** Hot: a TRADE updates the current candle of every interval of its symbol; other events are ignored. */
  onEvent(w: Int32Array, b: number): void {
    if (w[b + EVT_TYPE] !== EventType.TRADE) return;
    const s = w[b + EVT_SYMBOL];
    if (s < 0 || s >= this.symbolCount) return;
    let d = this.data[s];
    if (d === null) d = this.allocate(s);
    const price = getI64(w, b + EVT_LAST_PRICE);
    const qty = getI64(w, b + EVT_LAST_QTY);
    // Read inline: a time (µs, above 2^31) returned from a call that is not inlined is boxed.
    const tsMs = Math.floor((w[b + EVT_TS + 1] * 4294967296 + (w[b + EVT_TS] >>> 0)) / 1000);
    // Quote: price × (qty × notionalPerTickLot), exact (mulWide), as hi·2^52 + lo. compileConfig
    // keeps maxOrderQty × notionalPerTickLot ≤ MAX_UNITS, so engine trades never take the BigInt way.
    const npt = this.notionalPerTickLot[s];
    const qn = qty * npt;
    let qh: number;
    let ql: number;
    if (qn <= MAX_UNITS && price <= MAX_UNITS) {
      mulWide(price, qn); // wide[HI]·2^52 + wide[LO]
      qh = wide[HI];
      ql = wide[LO];
    } else {
      this.slowNotional(price, qty, npt);
      qh = this.slow[HI];
      ql = this.slow[LO];
    }
    // Engine quantities are below 2^52 (MAX_UNITS); the split is for synthetic ones.
    const vh = qty < TWO_52 ? 0 : Math.floor(qty / TWO_52);
    const vl = qty - vh * TWO_52;
    const j0 = s * N_INTERVALS;
    for (let i = 0; i < N_INTERVALS; i++) {
      const ms = this.intervalMs[i];
      const start = Math.floor(tsMs / ms) * ms;
      const j = j0 + i;
      const n = this.count[j];
      let h = this.head[j];
      let c = (this.ringOffset[i] + h) * CANDLE_WORDS;
      if (n === 0 || start > d[c + CANDLE_START]) {
        // A new bucket: the next slot (the oldest candle once the ring is full).
        if (n !== 0) {
          h = h + 1 === this.ringSize[i] ? 0 : h + 1;
          this.head[j] = h;
          c = (this.ringOffset[i] + h) * CANDLE_WORDS;
        }
        if (n < this.ringSize[i]) this.count[j] = n + 1;
        d[c + CANDLE_START] = start;
        d[c + CANDLE_OPEN] = price;
        d[c + CANDLE_HIGH] = price;
        d[c + CANDLE_LOW] = price;
        d[c + CANDLE_CLOSE] = price;
        d[c + CANDLE_VOL_HI] = vh;
        d[c + CANDLE_VOL_LO] = vl;
        d[c + CANDLE_QUOTE_HI] = qh;
        d[c + CANDLE_QUOTE_LO] = ql;
        d[c + CANDLE_TRADES] = 1;
      } else {
        // Same bucket, or an older one (clock went back): folded into the current candle.
        if (price > d[c + CANDLE_HIGH]) d[c + CANDLE_HIGH] = price;
        if (price < d[c + CANDLE_LOW]) d[c + CANDLE_LOW] = price;
        d[c + CANDLE_CLOSE] = price;
        let lo = d[c + CANDLE_VOL_LO] + vl;
        let hi = d[c + CANDLE_VOL_HI] + vh;
        if (lo >= TWO_52) {
          lo -= TWO_52;
          hi += 1;
        }
        d[c + CANDLE_VOL_HI] = hi;
        d[c + CANDLE_VOL_LO] = lo;
        lo = d[c + CANDLE_QUOTE_LO] + ql;
        hi = d[c + CANDLE_QUOTE_HI] + qh;
        if (lo >= TWO_52) {
          lo -= TWO_52;
          hi += 1;
        }
        d[c + CANDLE_QUOTE_HI] = hi;
        d[c + CANDLE_QUOTE_LO] = lo;
        d[c + CANDLE_TRADES] += 1;
      }
    }
    this.version[s] += 1;
    if (this.isTouched[s] === 0) {
      this.isTouched[s] = 1;
      const k = this.shardOf[s];
      this.touched[k][this.touchedCount[k]++] = s;
    }
  }

  /** Cold, once per symbol: its rings, on its first trade. */
  private allocate(s: number): Float64Array {
    const d = new Float64Array(this.wordsPerSymbol);
    this.data[s] = d;
    return d;
  }

  /**
   * Cold (allocates): a notional whose factors are beyond mulWide's range, into `slow`. Engine
   * trades never come here (compileConfig bounds qty × notionalPerTickLot); synthetic ones may.
   */
  private slowNotional(price: number, qty: number, npt: number): void {
    const v = BigInt(price) * BigInt(qty) * BigInt(npt);
    this.slow[HI] = Number(v / TWO_52N);
    this.slow[LO] = Number(v % TWO_52N);
  }

  /**
   * At a batch end of shard k (the event with EVT_BATCH_END): for each symbol of shard k that
   * traded since its last flush, the current candle of every interval on `candles.<interval>.<symbol>`
   * — one message per (symbol, interval) per batch, built only when the sink wants the topic.
   */
  flushShard(k: number, sink: MarketDataSink): void {
    const n = this.touchedCount[k];
    if (!(n > 0)) return;
    const list = this.touched[k];
    for (let x = 0; x < n; x++) {
      const s = list[x];
      this.isTouched[s] = 0;
      const j0 = s * N_INTERVALS;
      for (let i = 0; i < N_INTERVALS; i++) {
        const topic = this.topics[j0 + i];
        if (wants(sink, topic)) sink.publish(topic, this.message(s, i, this.head[j0 + i]));
      }
    }
    this.touchedCount[k] = 0;
  }

  /** Every shard's pending candles (after a replay, or where batches do not matter: tests). */
  flush(sink: MarketDataSink): void {
    for (let k = 0; k < this.touched.length; k++) this.flushShard(k, sink);
  }

  /** Cold: the candle in ring slot `slot` of (symbol s, interval i) as a message. */
  private message(s: number, i: number, slot: number): CandleMessage & MarketDataMessage {
    const d = this.data[s] as Float64Array;
    const c = (this.ringOffset[i] + slot) * CANDLE_WORDS;
    const sym = this.spec.symbols[s];
    return {
      type: 'candle', symbol: sym.name, interval: CANDLE_INTERVALS[i], start: d[c + CANDLE_START],
      open: formatUnits(d[c + CANDLE_OPEN], sym.tick), high: formatUnits(d[c + CANDLE_HIGH], sym.tick),
      low: formatUnits(d[c + CANDLE_LOW], sym.tick), close: formatUnits(d[c + CANDLE_CLOSE], sym.tick),
      volume: formatUnitsBig(big(d[c + CANDLE_VOL_HI], d[c + CANDLE_VOL_LO]), sym.lot),
      quoteVolume: formatUnitsBig(big(d[c + CANDLE_QUOTE_HI], d[c + CANDLE_QUOTE_LO]), this.spec.notionalUnit),
      trades: d[c + CANDLE_TRADES],
    };
  }

  /**
   * Cold: kept candles with start in [q.start, q.end] (ms, inclusive; open-ended when absent),
   * oldest first; of those only the newest `q.limit` (default 500). Unknown symbol: none.
   */
  candles(symbol: number, interval: CandleInterval, q: { start?: number; end?: number; limit?: number } = {}): CandleMessage[] {
    const i = intervalIndex(interval);
    const d = this.data[symbol];
    if (d === undefined || d === null) return [];
    const from = q.start ?? -Infinity;
    const to = q.end ?? Infinity;
    const limit = q.limit === undefined ? 500 : Math.max(0, Math.floor(q.limit));
    const j = symbol * N_INTERVALS + i;
    const size = this.ringSize[i];
    const out: CandleMessage[] = [];
    // Newest to oldest: starts strictly decrease along the way.
    for (let k = 0; k < this.count[j] && out.length < limit; k++) {
      const slot = (this.head[j] - k + size) % size;
      const start = d[(this.ringOffset[i] + slot) * CANDLE_WORDS + CANDLE_START];
      if (start > to) continue;
      if (start < from) break;
      out.push(this.message(symbol, i, slot));
    }
    return out.reverse();
  }

  /** Cold: the last n kept candles, oldest first (subscription snapshots). */
  latest(symbol: number, interval: CandleInterval, n: number): CandleMessage[] {
    return this.candles(symbol, interval, { limit: n });
  }

  /**
   * Cold: the rolling 24 h ticker at `nowMs`, from the 1m candles. The window is the 1,440 minutes
   * ending with the one that contains nowMs: windowStart = floor(nowMs / 1 min) × 1 min − 1,439 min;
   * every kept minute candle with start ≥ windowStart counts (also one after nowMs's minute: the
   * engine's clock ahead of the caller's — `last` is then still the latest trade).
   * open: the oldest minute's open; last: the newest's close; change = last − open (ticks, as a
   * price); changePercent = change / open × 100, 2 decimals, rounded half away from zero;
   * vwap = quoteVolume / (volume × notionalPerTickLot), rounded down to a tick. No trade in the
   * window: prices null, volumes "0", trades 0.
   */
  ticker(symbol: number, nowMs: number): TickerMessage {
    const sym = this.spec.symbols[symbol];
    if (sym === undefined) throw new RangeError(`unknown symbol id ${symbol}`);
    const windowStart = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS - (TICKER_MINUTES - 1) * MINUTE_MS;
    const i = intervalIndex('1m');
    const j = symbol * N_INTERVALS + i;
    const size = this.ringSize[i];
    const d = this.data[symbol];
    let open = 0;
    let last = 0;
    let high = 0;
    let low = 0;
    let trades = 0;
    let volume = 0n;
    let quote = 0n;
    for (let k = 0; d !== null && k < this.count[j]; k++) {
      const c = (this.ringOffset[i] + ((this.head[j] - k + size) % size)) * CANDLE_WORDS;
      if (d[c + CANDLE_START] < windowStart) break;
      if (trades === 0) {
        last = d[c + CANDLE_CLOSE];
        high = d[c + CANDLE_HIGH];
        low = d[c + CANDLE_LOW];
      } else {
        if (d[c + CANDLE_HIGH] > high) high = d[c + CANDLE_HIGH];
        if (d[c + CANDLE_LOW] < low) low = d[c + CANDLE_LOW];
      }
      open = d[c + CANDLE_OPEN];
      trades += d[c + CANDLE_TRADES];
      volume += big(d[c + CANDLE_VOL_HI], d[c + CANDLE_VOL_LO]);
      quote += big(d[c + CANDLE_QUOTE_HI], d[c + CANDLE_QUOTE_LO]);
    }
    const base = { type: 'ticker' as const, symbol: sym.name, windowStart, ts: nowMs };
    if (trades === 0) {
      return { ...base, last: null, open: null, high: null, low: null, volume: '0', quoteVolume: '0', vwap: null, change: null, changePercent: null, trades: 0 };
    }
    const change = last - open;
    return {
      ...base,
      last: formatUnits(last, sym.tick), open: formatUnits(open, sym.tick), high: formatUnits(high, sym.tick), low: formatUnits(low, sym.tick),
      volume: formatUnitsBig(volume, sym.lot), quoteVolume: formatUnitsBig(quote, this.spec.notionalUnit),
      // Rounded down to a whole tick (BigInt division of positives truncates).
      vwap: volume === 0n ? null : formatUnitsBig(quote / (volume * BigInt(sym.notionalPerTickLot)), sym.tick),
      change: formatUnits(change, sym.tick),
      changePercent: percent2(BigInt(change), BigInt(open)),
      trades,
    };
  }

  /** Trades of the symbol seen so far: moves on every trade (the gateway republishes tickers when it moved). */
  tickerVersion(symbol: number): number {
    return this.version[symbol] ?? 0;
  }
}

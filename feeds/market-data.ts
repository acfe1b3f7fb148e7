/**
 * E — market data, projected from the event rings: an L2 book per symbol (absolute quantity per
 * price level), trades, and best bid/offer. Each channel of each symbol has its own sequence
 * (1, 2, 3 … no gaps): book_snapshot carries the sequence of the last update it includes, so a
 * client applies book_update n+1, n+2 … and can detect a gap and re-subscribe.
 *
 * Runs on the main thread after each drained batch (never on the engine's threads). Which orders
 * rest is known from the events alone: a GTC/GTD limit order rests from ACCEPTED with its leaves
 * (a stop-limit from TRIGGERED; an untriggered stop is never shown), loses quantity on TRADE (as
 * taker or maker), moves on REPLACED, and leaves on CANCELED/EXPIRED. An iceberg shows only its
 * shown part and refills as the engine does (docs/order-types.md).
 * Changes within one batch are published once, so a taker's momentary crossing is never visible.
 */
import { EventType, OrderType, Side } from '../engine/codes.ts';
import {
  EVT_DISPLAY_QTY, EVT_LAST_PRICE, EVT_LAST_QTY, EVT_LEAVES, EVT_MAKER_ORDER_ID, EVT_META, EVT_ORDER_ID, EVT_PRICE, EVT_QTY, EVT_SYMBOL, EVT_TRADE_ID,
  EVT_TS, EVT_TYPE,
} from '../engine/event-slot.ts';
import { getI64 } from '../engine/int64.ts';
import { metaSide, metaType } from '../engine/command-slot.ts';
import { restable } from '../engine/matching-core.ts';
import type { SnapshotOrder } from '../engine/matching-core.ts';
import { formatUnits } from '../engine/decimal.ts';
import { LongIntMap, MISSING } from '../engine/long-int-map.ts';
import { SlotPool } from '../engine/slot-pool.ts';
import type { EngineSpec, SymbolSpec } from '../engine/config.ts';

/**
 * One side of a book's price levels: price → quantity on typed arrays (a LongIntMap from price to a
 * level slot), and the prices changed since the last batch end. No allocation per change; the
 * tables grow (cold, amortized) only when the book holds more levels than ever before.
 */
class LevelSide {
  private readonly index = new LongIntMap(256);
  private price = new Float64Array(256);
  private qty = new Float64Array(256);
  private live = new Uint8Array(256);
  /** The batch (epoch) in which a level was last recorded as changed. */
  private mark = new Int32Array(256);
  private pool = new SlotPool(new Int32Array(256));
  /** Prices changed since the last batch end (a price may appear twice; readers dedupe). */
  changed = new Float64Array(64);
  changedCount = 0;

  constructor(readonly bid: boolean) {}

  get(price: number): number {
    const l = this.index.get(price);
    return l === MISSING ? 0 : this.qty[l];
  }

  has(price: number): boolean {
    return this.index.get(price) !== MISSING;
  }

  add(price: number, delta: number, epoch: number): void {
    let l = this.index.get(price);
    if (l === MISSING) {
      if (this.pool.exhausted()) this.grow();
      l = this.pool.take();
      this.price[l] = price;
      this.qty[l] = 0;
      this.live[l] = 1;
      this.mark[l] = epoch - 1;
      this.index.put(price, l);
    }
    if (this.mark[l] !== epoch) {
      this.mark[l] = epoch;
      if (this.changedCount === this.changed.length) this.changed = widen(this.changed, this.changedCount * 2);
      this.changed[this.changedCount++] = price;
    }
    const v = this.qty[l] + delta;
    if (v === 0) {
      this.index.remove(price);
      this.live[l] = 0;
      this.pool.give(l);
    } else {
      this.qty[l] = v;
    }
  }

  /** Is `a` better than `b` on this side (higher bid, lower ask)? */
  better(a: number, b: number): boolean {
    return this.bid ? a > b : a < b;
  }

  /**
   * Best price after a batch, from the previous best and the changed prices (0: the side is
   * empty). Scans every level only when the previous best level emptied.
   */
  best(previous: number): number {
    let bp = previous !== 0 && this.has(previous) ? previous : 0;
    if (previous !== 0 && bp === 0) {
      for (let l = 0; l < this.live.length; l++) if (this.live[l] === 1 && (bp === 0 || this.better(this.price[l], bp))) bp = this.price[l];
    } else {
      for (let i = 0; i < this.changedCount; i++) {
        const p = this.changed[i];
        if (this.has(p) && (bp === 0 || this.better(p, bp))) bp = p;
      }
    }
    return bp;
  }

  /** Cold: the changed prices, deduplicated, best first. */
  changedPrices(): number[] {
    const ps = [...new Set(this.changed.subarray(0, this.changedCount))];
    return ps.sort((a, b) => (this.bid ? b - a : a - b));
  }

  /** Cold: up to `depth` levels [price, qty], best first. */
  levels(depth: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let l = 0; l < this.live.length; l++) if (this.live[l] === 1) out.push([this.price[l], this.qty[l]]);
    return out.sort((a, b) => (this.bid ? b[0] - a[0] : a[0] - b[0])).slice(0, depth);
  }

  /** Cold: twice the level slots (the book never held this many levels before). */
  private grow(): void {
    const n = this.price.length * 2;
    this.price = widen(this.price, n);
    this.qty = widen(this.qty, n);
    this.live = widen(this.live, n);
    this.mark = widen(this.mark, n);
    this.pool = fullPool(n);
  }
}

/** Cold: a copy of `a` with room for `n` elements (the table outgrew what it held before). */
function widen<T extends Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(a: T, n: number): T {
  const g = new (a.constructor as new (n: number) => T)(n);
  g.set(a);
  return g;
}

/** A pool of `n` slots whose first n/2 are in use (after widening a full table). */
function fullPool(n: number): SlotPool {
  const pool = new SlotPool(new Int32Array(n));
  for (let i = 0; i < n / 2; i++) pool.take();
  return pool;
}

class SymbolBook {
  readonly bids = new LevelSide(true);
  readonly asks = new LevelSide(false);
  bookSeq = 0;
  tradeSeq = 0;
  bboSeq = 0;
  /** The published best bid/offer (price 0: none). */
  bidPx = 0;
  bidQty = 0;
  askPx = 0;
  askQty = 0;
  /** Time (µs) of the last event that touched this book: the bbo message's time (deterministic). */
  ts = 0;
  /** The last trade's price (ticks), 0 before any trade. */
  lastPrice = 0;
  /** Batch counter: a level is recorded as changed once per batch. */
  epoch = 1;
  /** The formatted full book at `seq`, shared by every snapshot until the book changes again. */
  cache: { seq: number; bids: string[][]; asks: string[][] } | null = null;
  readonly topics: { trades: string; book: string; bbo: string };
  constructor(readonly spec: SymbolSpec) {
    this.topics = { trades: `trades.${spec.name}`, book: `book.${spec.name}`, bbo: `bbo.${spec.name}` };
  }

  add(bid: boolean, price: number, qty: number): void {
    (bid ? this.bids : this.asks).add(price, qty, this.epoch);
  }

  pending(): boolean {
    return this.bids.changedCount > 0 || this.asks.changedCount > 0;
  }

  levels(bid: boolean, depth: number): Array<[number, number]> {
    return (bid ? this.bids : this.asks).levels(depth);
  }
}

/** A market-data message as an object (the gateway encodes it as JSON and/or protobuf). */
export type MarketDataMessage = Record<string, unknown> & { type: string };

export interface MarketDataSink {
  /** Publish a message on a topic such as "book.BTC-USD". */
  publish(topic: string, message: MarketDataMessage): void;
  /**
   * Does anyone read `topic`? When false the message is not built at all (its sequence number is
   * still used). Absent: every message is built.
   */
  wants?(topic: string): boolean;
}

/** Trades since their shard's last batch end, as columns (built into messages only for readers). */
class TradeColumns {
  count = 0;
  symbol = new Int32Array(64);
  id = new Float64Array(64);
  price = new Float64Array(64);
  qty = new Float64Array(64);
  buy = new Uint8Array(64);
  seq = new Float64Array(64);
  ts = new Float64Array(64);

  push(symbol: number, id: number, price: number, qty: number, buy: boolean, seq: number, ts: number): void {
    if (this.count === this.symbol.length) this.grow();
    const i = this.count++;
    this.symbol[i] = symbol;
    this.id[i] = id;
    this.price[i] = price;
    this.qty[i] = qty;
    this.buy[i] = buy ? 1 : 0;
    this.seq[i] = seq;
    this.ts[i] = ts;
  }

  private grow(): void {
    const n = this.symbol.length * 2;
    this.symbol = widen(this.symbol, n);
    this.buy = widen(this.buy, n);
    this.id = widen(this.id, n);
    this.price = widen(this.price, n);
    this.qty = widen(this.qty, n);
    this.seq = widen(this.seq, n);
    this.ts = widen(this.ts, n);
  }
}

const wants = (sink: MarketDataSink, topic: string): boolean => sink.wants === undefined || sink.wants(topic);

export class MarketData {
  private readonly books: SymbolBook[];
  /** Resting orders by order id: a slot in the columns below. */
  private readonly resting = new LongIntMap(1024);
  private rSymbol = new Int32Array(1024);
  private rBid = new Uint8Array(1024);
  private rPrice = new Float64Array(1024);
  private rLeaves = new Float64Array(1024);
  /** An iceberg's display quantity (0: all shown) and its part shown now. */
  private rDisplay = new Float64Array(1024);
  private rShown = new Float64Array(1024);
  private rPool = new SlotPool(new Int32Array(1024));
  /** Trades per shard since its last batch end. */
  private readonly trades: TradeColumns[];
  /** Symbols changed since their shard's last batch end, per shard (list + flag per symbol). */
  private readonly touched: Int32Array[];
  private readonly touchedCount: Int32Array;
  private readonly isTouched: Uint8Array;
  private readonly shardOf: Int32Array;

  constructor(spec: EngineSpec) {
    this.books = spec.symbols.map((s) => new SymbolBook(s));
    this.shardOf = Int32Array.from(spec.symbols, (x) => x.shard);
    this.touched = Array.from({ length: spec.shards }, () => new Int32Array(spec.symbols.length));
    this.touchedCount = new Int32Array(spec.shards);
    this.isTouched = new Uint8Array(spec.symbols.length);
    this.trades = Array.from({ length: spec.shards }, () => new TradeColumns());
  }

  /** Recovery from a snapshot: the live orders it holds (engine/matching-core.ts SnapshotOrder); untriggered stops are not shown. */
  loadResting(orders: readonly SnapshotOrder[]): void {
    for (const [id, , symbol, meta, price, qty, cum, , , display, shown, , , , pending] of orders) {
      if (!this.books[symbol] || (pending ?? 0) !== 0) continue;
      this.rest(id, symbol, metaSide(meta) === Side.BUY, price, qty - cum, display ?? 0);
      if (display && shown !== undefined) this.setShown(this.resting.get(id), shown);
      this.touch(symbol);
    }
  }

  private rest(id: number, symbol: number, bid: boolean, price: number, leaves: number, display: number): void {
    if (this.rPool.exhausted()) this.growResting();
    const r = this.rPool.take();
    this.rSymbol[r] = symbol;
    this.rBid[r] = bid ? 1 : 0;
    this.rPrice[r] = price;
    this.rLeaves[r] = leaves;
    this.rDisplay[r] = display;
    this.rShown[r] = display > 0 && display < leaves ? display : leaves;
    this.resting.put(id, r);
    this.books[symbol].add(bid, price, this.rShown[r]);
  }

  /** Set an order's shown quantity (the book's level moves by the difference). */
  private setShown(r: number, shown: number): void {
    this.books[this.rSymbol[r]].add(this.rBid[r] === 1, this.rPrice[r], shown - this.rShown[r]);
    this.rShown[r] = shown;
  }

  private unrest(id: number, r: number): void {
    this.resting.remove(id);
    this.rPool.give(r);
  }

  private touch(s: number): void {
    if (this.isTouched[s] === 1) return;
    this.isTouched[s] = 1;
    const k = this.shardOf[s];
    this.touched[k][this.touchedCount[k]++] = s;
  }

  onEvent(w: Int32Array, b: number): void {
    const type = w[b + EVT_TYPE];
    const s = w[b + EVT_SYMBOL];
    const book = this.books[s];
    if (!book) return;
    switch (type) {
      case EventType.ACCEPTED:
      case EventType.TRIGGERED: {
        // A limit order rests from its acceptance, a stop-limit from its trigger (then trades reduce it).
        const meta = w[b + EVT_META];
        if (!restable(meta) || (type === EventType.ACCEPTED && metaType(meta) === OrderType.STOP_LIMIT)) return;
        this.rest(getI64(w, b + EVT_ORDER_ID), s, metaSide(meta) === Side.BUY, getI64(w, b + EVT_PRICE), getI64(w, b + EVT_LEAVES), getI64(w, b + EVT_DISPLAY_QTY));
        break;
      }
      case EventType.TRADE: {
        const qty = getI64(w, b + EVT_LAST_QTY);
        this.fill(getI64(w, b + EVT_ORDER_ID), qty, book, false);
        this.fill(getI64(w, b + EVT_MAKER_ORDER_ID), qty, book, true);
        book.tradeSeq++;
        book.lastPrice = getI64(w, b + EVT_LAST_PRICE);
        this.trades[this.shardOf[s]].push(s, getI64(w, b + EVT_TRADE_ID), getI64(w, b + EVT_LAST_PRICE), qty, metaSide(w[b + EVT_META]) === Side.BUY, book.tradeSeq, getI64(w, b + EVT_TS));
        break;
      }
      case EventType.CANCELED:
      case EventType.EXPIRED: {
        const id = getI64(w, b + EVT_ORDER_ID);
        const r = this.resting.get(id);
        if (r !== MISSING) {
          book.add(this.rBid[r] === 1, this.rPrice[r], -this.rShown[r]);
          this.unrest(id, r);
        }
        break;
      }
      case EventType.REPLACED: {
        const r = this.resting.get(getI64(w, b + EVT_ORDER_ID));
        if (r !== MISSING) {
          const bid = this.rBid[r] === 1;
          const price = getI64(w, b + EVT_PRICE);
          const leaves = getI64(w, b + EVT_LEAVES);
          // Same price and less quantity keeps the place (and at most the shown part); otherwise a fresh part shows.
          const inPlace = price === this.rPrice[r] && leaves <= this.rLeaves[r];
          const d = this.rDisplay[r];
          const shown = d === 0 ? leaves : inPlace ? Math.min(this.rShown[r], leaves) : Math.min(d, leaves);
          book.add(bid, this.rPrice[r], -this.rShown[r]);
          this.rPrice[r] = price;
          this.rLeaves[r] = leaves;
          this.rShown[r] = shown;
          book.add(bid, price, shown);
        }
        break;
      }
      default:
        return;
    }
    // Only events that change the projection move its time (a refused order leaves no trace).
    book.ts = getI64(w, b + EVT_TS);
    this.touch(s);
  }

  private fill(orderId: number, qty: number, book: SymbolBook, maker: boolean): void {
    const r = this.resting.get(orderId);
    if (r === MISSING) return;
    const leaves = (this.rLeaves[r] -= qty);
    const d = this.rDisplay[r];
    if (leaves <= 0) {
      book.add(this.rBid[r] === 1, this.rPrice[r], -this.rShown[r]);
      this.unrest(orderId, r);
    } else if (d === 0) {
      book.add(this.rBid[r] === 1, this.rPrice[r], -qty);
      this.rShown[r] = leaves;
    } else if (!maker) {
      this.setShown(r, d < leaves ? d : leaves); // a taker iceberg rests with its first part shown
    } else {
      // As the engine: a maker trades from its shown part; used up, the next part shows.
      const left = this.rShown[r] - qty;
      this.setShown(r, left > 0 ? left : d < leaves ? d : leaves);
    }
  }

  /** Cold: twice the resting-order slots (more orders rest than ever before). */
  private growResting(): void {
    const n = this.rSymbol.length * 2;
    this.rSymbol = widen(this.rSymbol, n);
    this.rBid = widen(this.rBid, n);
    this.rPrice = widen(this.rPrice, n);
    this.rLeaves = widen(this.rLeaves, n);
    this.rDisplay = widen(this.rDisplay, n);
    this.rShown = widen(this.rShown, n);
    this.rPool = fullPool(n);
  }

  /**
   * Publish what shard k's events changed since its last batch end: trades, one book_update and a
   * bbo per symbol. Call at each event that carries EVT_BATCH_END (and nowhere else on the live
   * path): the shard decides the batches, so every reader publishes the same messages. Sequences
   * advance whether or not anyone reads; messages are built only for topics the sink wants.
   */
  flushShard(k: number, sink: MarketDataSink): void {
    const n = this.touchedCount[k];
    if (n === 0) return;
    const list = this.touched[k];
    const trades = this.trades[k];
    for (let i = 0; i < n; i++) {
      const s = list[i];
      this.isTouched[s] = 0;
      const book = this.books[s];
      if (trades.count > 0 && wants(sink, book.topics.trades)) {
        for (let t = 0; t < trades.count; t++) if (trades.symbol[t] === s) sink.publish(book.topics.trades, this.tradeMessage(book, trades, t));
      }
      if (!book.pending()) continue;
      book.bookSeq++;
      if (wants(sink, book.topics.book)) sink.publish(book.topics.book, this.bookUpdate(book));
      const bp = book.bids.best(book.bidPx);
      const ap = book.asks.best(book.askPx);
      const bq = bp === 0 ? 0 : book.bids.get(bp);
      const aq = ap === 0 ? 0 : book.asks.get(ap);
      book.bids.changedCount = 0;
      book.asks.changedCount = 0;
      book.epoch++;
      if (bp !== book.bidPx || bq !== book.bidQty || ap !== book.askPx || aq !== book.askQty) {
        book.bidPx = bp;
        book.bidQty = bq;
        book.askPx = ap;
        book.askQty = aq;
        book.bboSeq++;
        if (wants(sink, book.topics.bbo)) sink.publish(book.topics.bbo, this.bboMessage(book));
      }
    }
    trades.count = 0;
    this.touchedCount[k] = 0;
  }

  /** Publish every shard's changes (after a replay, or where batches do not matter: tests). */
  flush(sink: MarketDataSink): void {
    for (let k = 0; k < this.touched.length; k++) this.flushShard(k, sink);
  }

  private tradeMessage(book: SymbolBook, t: TradeColumns, i: number): MarketDataMessage {
    return {
      type: 'trade', symbol: book.spec.name, tradeId: String(t.id[i]), price: formatUnits(t.price[i], book.spec.tick),
      quantity: formatUnits(t.qty[i], book.spec.lot), takerSide: t.buy[i] === 1 ? 'buy' : 'sell', seq: t.seq[i], ts: t.ts[i],
    };
  }

  /** The changed levels with their quantities now ("0": gone), best first. */
  private bookUpdate(book: SymbolBook): MarketDataMessage {
    const fmt = (side: LevelSide): string[][] => side.changedPrices().map((p) => [formatUnits(p, book.spec.tick), formatUnits(side.get(p), book.spec.lot)]);
    return { type: 'book_update', symbol: book.spec.name, seq: book.bookSeq, bids: fmt(book.bids), asks: fmt(book.asks) };
  }

  private bboMessage(book: SymbolBook): MarketDataMessage {
    const p = (v: number): string | null => (v === 0 ? null : formatUnits(v, book.spec.tick));
    const q = (v: number): string => formatUnits(v, book.spec.lot);
    return { type: 'bbo', symbol: book.spec.name, bidPrice: p(book.bidPx), bidQuantity: q(book.bidQty), askPrice: p(book.askPx), askQuantity: q(book.askQty), seq: book.bboSeq, ts: book.ts };
  }

  /**
   * The book as published so far (seq = last book_update included), best first, at most `depth`
   * levels a side. The sorted, formatted levels are built once per book change and shared by every
   * snapshot until the next one (subscriptions, GET /v1/book): a request never sorts the book.
   */
  snapshot(symbol: number, depth = Number.MAX_SAFE_INTEGER): { type: 'book_snapshot'; symbol: string; seq: number; bids: string[][]; asks: string[][] } {
    const book = this.books[symbol];
    const c = this.levelsAt(book);
    const bids = depth >= c.bids.length ? c.bids : c.bids.slice(0, depth);
    const asks = depth >= c.asks.length ? c.asks : c.asks.slice(0, depth);
    return { type: 'book_snapshot', symbol: book.spec.name, seq: book.bookSeq, bids, asks };
  }

  /** Times the formatted levels of a book were built (one per change at most; tests). */
  snapshotBuilds = 0;

  private levelsAt(book: SymbolBook): { seq: number; bids: string[][]; asks: string[][] } {
    // Changes of a shard batch not yet ended (a read that stopped mid-batch) are already in the
    // levels but not in bookSeq: such a snapshot is slightly ahead of its seq, and the next
    // book_update — absolute quantities for every level it names — brings a client applying it to
    // the same book. With changes pending nothing is cached.
    const pending = book.pending();
    if (book.cache && book.cache.seq === book.bookSeq && !pending) return book.cache;
    const fmt = (lv: Array<[number, number]>): string[][] => lv.map(([p, q]) => [formatUnits(p, book.spec.tick), formatUnits(q, book.spec.lot)]);
    const c = { seq: book.bookSeq, bids: fmt(book.levels(true, Number.MAX_SAFE_INTEGER)), asks: fmt(book.levels(false, Number.MAX_SAFE_INTEGER)) };
    this.snapshotBuilds++;
    if (!pending) book.cache = c;
    return c;
  }

  /**
   * After recovery (cold): every channel of a symbol continues above `lastSeq[its shard]` + 1 (the
   * shard's last journaled event). Live, each channel's sequence grows by at most one per event of
   * its symbol, so this is above anything the previous process published: sequences never go
   * backwards across a restart; the jump reads as a gap, and clients re-snapshot. In `fast` ack mode
   * the gateway may have published events the journal never got — at most an event ring's worth
   * (the journal's cursor holds the ring): `unjournaledMax` adds that margin.
   */
  resumeSequences(lastSeq: readonly number[], unjournaledMax = 0): void {
    for (const book of this.books) {
      const base = (lastSeq[book.spec.shard] ?? 0) + unjournaledMax + 1;
      book.cache = null;
      book.bookSeq = base;
      book.tradeSeq = base;
      book.bboSeq = base;
    }
  }

  /** The last trade price of a symbol seen in the events (ticks), 0 before any trade. */
  lastPrice(symbol: number): number {
    return this.books[symbol]?.lastPrice ?? 0;
  }

  /** After recovery from a snapshot (cold): the reference prices the risk stage restored, until the next trade. */
  setLastPrices(prices: readonly number[]): void {
    prices.forEach((p, s) => {
      const book = this.books[s];
      if (book && p > 0) book.lastPrice = p;
    });
  }

  bbo(symbol: number): MarketDataMessage {
    return this.bboMessage(this.books[symbol]);
  }

  /** Raw levels (ticks, lots), best first — for tests comparing against the engine's own depth. */
  rawLevels(symbol: number, bid: boolean): Array<[number, number]> {
    return this.books[symbol].levels(bid, 1_000_000);
  }
}

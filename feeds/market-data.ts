/**
 * E — market data, projected from the event rings: an L2 book per symbol (absolute quantity per
 * price level), trades, and best bid/offer. Each channel of each symbol has its own sequence
 * (1, 2, 3 … no gaps): book_snapshot carries the sequence of the last update it includes, so a
 * client applies book_update n+1, n+2 … and can detect a gap and re-subscribe.
 *
 * Runs on the main thread after each drained batch (never on the engine's threads). Which orders
 * rest is known from the events alone: a GTC limit order rests from ACCEPTED with its leaves,
 * loses quantity on TRADE (as taker or maker), moves on REPLACED, and leaves on CANCELED/EXPIRED.
 * Changes within one batch are published once, so a taker's momentary crossing is never visible.
 */
import { EventType, OrderType, Side, TimeInForce } from '../engine/codes.ts';
import {
  EVT_LAST_PRICE, EVT_LAST_QTY, EVT_LEAVES, EVT_MAKER_ORDER_ID, EVT_META, EVT_ORDER_ID, EVT_PRICE, EVT_QTY, EVT_SYMBOL, EVT_TRADE_ID, EVT_TS, EVT_TYPE,
} from '../engine/event-slot.ts';
import { getI64 } from '../engine/int64.ts';
import { metaSide, metaTif, metaType } from '../engine/command-slot.ts';
import { formatUnits } from '../engine/decimal.ts';
import type { EngineSpec, SymbolSpec } from '../engine/config.ts';

interface Resting {
  symbol: number;
  bid: boolean;
  price: number;
  leaves: number;
}

class SymbolBook {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  readonly changedBids = new Set<number>();
  readonly changedAsks = new Set<number>();
  bookSeq = 0;
  tradeSeq = 0;
  bboSeq = 0;
  bbo: [number, number, number, number] = [0, 0, 0, 0];
  /** Time (µs) of the last event that touched this book: the bbo message's time (deterministic). */
  ts = 0;
  /** The formatted full book at `seq`, shared by every snapshot until the book changes again. */
  cache: { seq: number; bids: string[][]; asks: string[][] } | null = null;
  constructor(readonly spec: SymbolSpec) {}

  add(bid: boolean, price: number, qty: number): void {
    const side = bid ? this.bids : this.asks;
    const v = (side.get(price) ?? 0) + qty;
    if (v === 0) side.delete(price);
    else side.set(price, v);
    (bid ? this.changedBids : this.changedAsks).add(price);
  }

  /**
   * Best level after a batch, from the previous best and the prices that changed (call before
   * clearing the changed sets). Scans every level only when the previous best level emptied — a
   * scan per flush cost O(levels) per touched symbol (a 40k-level book: 40k map reads per batch).
   */
  best(bid: boolean, previous: number): [number, number] {
    const side = bid ? this.bids : this.asks;
    let bp = previous !== 0 && side.has(previous) ? previous : 0;
    if (previous !== 0 && bp === 0) {
      for (const p of side.keys()) if (bp === 0 || (bid ? p > bp : p < bp)) bp = p;
    } else {
      for (const p of bid ? this.changedBids : this.changedAsks) if (side.has(p) && (bp === 0 || (bid ? p > bp : p < bp))) bp = p;
    }
    return bp === 0 ? [0, 0] : [bp, side.get(bp) ?? 0];
  }

  levels(bid: boolean, depth: number): Array<[number, number]> {
    const side = bid ? this.bids : this.asks;
    const prices = [...side.keys()].sort((a, b) => (bid ? b - a : a - b)).slice(0, depth);
    return prices.map((p) => [p, side.get(p) ?? 0]);
  }
}

/** A market-data message as an object (the gateway encodes it as JSON and/or protobuf). */
export type MarketDataMessage = Record<string, unknown> & { type: string };

export interface MarketDataSink {
  /** Publish a message on a topic such as "book.BTC-USD". */
  publish(topic: string, message: MarketDataMessage): void;
}

export class MarketData {
  private readonly books: SymbolBook[];
  private readonly resting = new Map<number, Resting>();
  private readonly pendingTrades: MarketDataMessage[][] = [];
  /** Symbols changed since their shard's last batch end, per shard. */
  private readonly touched: Array<Set<number>>;
  private readonly shardOf: Int32Array;

  constructor(spec: EngineSpec) {
    this.books = spec.symbols.map((s) => new SymbolBook(s));
    this.touched = Array.from({ length: spec.shards }, () => new Set<number>());
    this.shardOf = Int32Array.from(spec.symbols, (x) => x.shard);
    this.pendingTrades = spec.symbols.map(() => []);
  }

  /** Recovery from a snapshot: the resting orders it holds ([orderId, account, symbol, meta, price, qty, cum, …]). */
  loadResting(orders: ReadonlyArray<readonly [number, number, number, number, number, number, number, string]>): void {
    for (const [id, , symbol, meta, price, qty, cum] of orders) {
      const book = this.books[symbol];
      if (!book) continue;
      const o: Resting = { symbol, bid: metaSide(meta) === Side.BUY, price, leaves: qty - cum };
      this.resting.set(id, o);
      book.add(o.bid, o.price, o.leaves);
      this.touched[this.shardOf[symbol]].add(symbol);
    }
  }

  onEvent(w: Int32Array, b: number): void {
    const type = w[b + EVT_TYPE];
    const s = w[b + EVT_SYMBOL];
    const book = this.books[s];
    if (!book) return;
    book.ts = getI64(w, b + EVT_TS);
    switch (type) {
      case EventType.ACCEPTED: {
        const meta = w[b + EVT_META];
        if (metaType(meta) !== OrderType.LIMIT || metaTif(meta) !== TimeInForce.GTC) return;
        const o: Resting = { symbol: s, bid: metaSide(meta) === Side.BUY, price: getI64(w, b + EVT_PRICE), leaves: getI64(w, b + EVT_QTY) };
        this.resting.set(getI64(w, b + EVT_ORDER_ID), o);
        book.add(o.bid, o.price, o.leaves);
        break;
      }
      case EventType.TRADE: {
        const qty = getI64(w, b + EVT_LAST_QTY);
        this.fill(getI64(w, b + EVT_ORDER_ID), qty, book);
        this.fill(getI64(w, b + EVT_MAKER_ORDER_ID), qty, book);
        const price = getI64(w, b + EVT_LAST_PRICE);
        const takerSide = metaSide(w[b + EVT_META]) === Side.BUY ? 'buy' : 'sell';
        book.tradeSeq++;
        this.pendingTrades[s].push({
          type: 'trade', symbol: book.spec.name, tradeId: String(getI64(w, b + EVT_TRADE_ID)), price: formatUnits(price, book.spec.tick),
          quantity: formatUnits(qty, book.spec.lot), takerSide, seq: book.tradeSeq, ts: getI64(w, b + EVT_TS),
        });
        break;
      }
      case EventType.CANCELED:
      case EventType.EXPIRED: {
        const id = getI64(w, b + EVT_ORDER_ID);
        const o = this.resting.get(id);
        if (o) {
          book.add(o.bid, o.price, -o.leaves);
          this.resting.delete(id);
        }
        break;
      }
      case EventType.REPLACED: {
        const o = this.resting.get(getI64(w, b + EVT_ORDER_ID));
        if (o) {
          book.add(o.bid, o.price, -o.leaves);
          o.price = getI64(w, b + EVT_PRICE);
          o.leaves = getI64(w, b + EVT_LEAVES);
          book.add(o.bid, o.price, o.leaves);
        }
        break;
      }
      default:
        return;
    }
    this.touched[this.shardOf[s]].add(s);
  }

  private fill(orderId: number, qty: number, book: SymbolBook): void {
    const o = this.resting.get(orderId);
    if (!o) return;
    book.add(o.bid, o.price, -qty);
    o.leaves -= qty;
    if (o.leaves <= 0) this.resting.delete(orderId);
  }

  /**
   * Publish what shard k's events changed since its last batch end: trades, one book_update and a
   * bbo per symbol. Call at each event that carries EVT_BATCH_END (and nowhere else on the live
   * path): the shard decides the batches, so every reader publishes the same messages.
   */
  flushShard(k: number, sink: MarketDataSink): void {
    const touched = this.touched[k];
    if (touched.size === 0) return;
    for (const s of touched) {
      const book = this.books[s];
      const name = book.spec.name;
      for (const t of this.pendingTrades[s]) sink.publish(`trades.${name}`, t);
      this.pendingTrades[s].length = 0;
      if (book.changedBids.size || book.changedAsks.size) {
        const fmt = (bid: boolean, prices: Set<number>): string[][] =>
          [...prices].sort((a, b) => (bid ? b - a : a - b)).map((p) => [formatUnits(p, book.spec.tick), formatUnits((bid ? book.bids : book.asks).get(p) ?? 0, book.spec.lot)]);
        book.bookSeq++;
        sink.publish(`book.${name}`, { type: 'book_update', symbol: name, seq: book.bookSeq, bids: fmt(true, book.changedBids), asks: fmt(false, book.changedAsks) });
        const prev = book.bbo;
        const [bp, bq] = book.best(true, prev[0]);
        const [ap, aq] = book.best(false, prev[2]);
        book.changedBids.clear();
        book.changedAsks.clear();
        if (bp !== prev[0] || bq !== prev[1] || ap !== prev[2] || aq !== prev[3]) {
          book.bbo = [bp, bq, ap, aq];
          book.bboSeq++;
          sink.publish(`bbo.${name}`, this.bboMessage(book));
        }
      }
    }
    touched.clear();
  }

  /** Publish every shard's changes (after a replay, or where batches do not matter: tests). */
  flush(sink: MarketDataSink): void {
    for (let k = 0; k < this.touched.length; k++) this.flushShard(k, sink);
  }

  private bboMessage(book: SymbolBook): MarketDataMessage {
    const [bp, bq, ap, aq] = book.bbo;
    const p = (v: number): string | null => (v === 0 ? null : formatUnits(v, book.spec.tick));
    const q = (v: number): string => formatUnits(v, book.spec.lot);
    return { type: 'bbo', symbol: book.spec.name, bidPrice: p(bp), bidQuantity: q(bq), askPrice: p(ap), askQuantity: q(aq), seq: book.bboSeq, ts: book.ts };
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
    const pending = book.changedBids.size > 0 || book.changedAsks.size > 0;
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

  bbo(symbol: number): MarketDataMessage {
    return this.bboMessage(this.books[symbol]);
  }

  /** Raw levels (ticks, lots), best first — for tests comparing against the engine's own depth. */
  rawLevels(symbol: number, bid: boolean): Array<[number, number]> {
    return this.books[symbol].levels(bid, 1_000_000);
  }
}

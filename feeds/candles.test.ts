import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventType } from '../engine/codes.ts';
import { compileConfig } from '../engine/config.ts';
import type { EngineSpec } from '../engine/config.ts';
import { formatUnits, formatUnitsBig } from '../engine/decimal.ts';
import { EVT_BATCH_END, EVT_LAST_PRICE, EVT_LAST_QTY, EVT_SLOT_WORDS, EVT_SYMBOL, EVT_TRADE_ID, EVT_TS, EVT_TYPE, decodeEvent } from '../engine/event-slot.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { putI64 } from '../engine/int64.ts';
import { buy, sell } from '../test/harness.ts';
import { testSpec } from '../test/fixtures.ts';
import { CANDLE_INTERVALS, CANDLE_WORDS, Candles, DEFAULT_CANDLE_RETENTION, INTERVAL_MS } from './candles.ts';
import type { CandleInterval, CandleMessage, TickerMessage } from './candles.ts';
import type { MarketDataMessage, MarketDataSink } from './market-data.ts';

interface Trade { sym: number; price: number; qty: number; tsUs: number }

/** One TRADE event slot, fields at the EVT_* offsets. */
function slot(t: Trade, batchEnd = 0, tradeId = 1): Int32Array {
  const w = new Int32Array(EVT_SLOT_WORDS);
  w[EVT_TYPE] = EventType.TRADE;
  w[EVT_SYMBOL] = t.sym;
  putI64(w, EVT_LAST_PRICE, t.price);
  putI64(w, EVT_LAST_QTY, t.qty);
  putI64(w, EVT_TS, t.tsUs);
  putI64(w, EVT_TRADE_ID, tradeId);
  w[EVT_BATCH_END] = batchEnd;
  return w;
}

const feed = (c: Candles, trades: readonly Trade[]): void => {
  for (const t of trades) c.onEvent(slot(t), 0);
};

/**
 * Three symbols on two shards with big numbers: tick 0.000001, lot 0.001, notional unit 10^-12, so
 * one tick × one lot is 1,000 units; prices up to 2^45 ticks and quantities up to 10^6 lots make
 * single-trade notionals near 2^75 — far beyond 2^53.
 */
function bigSpec(): EngineSpec {
  const sym = (symbol: string, shard: number) => ({
    symbol, tickSize: '0.000001', lotSize: '0.001', referencePrice: '100', priceBandPct: 10, maxOrderQty: '1000', maxOrderNotional: '9000000', shard,
  });
  return compileConfig({ shards: 2, notionalDecimals: 12, symbols: [sym('XA', 0), sym('XB', 1), sym('XC', 0)], accounts: [] });
}

// ---- The naive model: the documented semantics, written the obvious way (BigInt sums). ----

interface NaiveCandle { start: number; open: number; high: number; low: number; close: number; volume: bigint; quote: bigint; trades: number }

function naiveCandles(spec: EngineSpec, trades: readonly Trade[], sym: number, iv: CandleInterval, keep: number): NaiveCandle[] {
  const out: NaiveCandle[] = [];
  const npt = BigInt(spec.symbols[sym].notionalPerTickLot);
  for (const t of trades) {
    if (t.sym !== sym) continue;
    const start = Math.floor(Math.floor(t.tsUs / 1000) / INTERVAL_MS[iv]) * INTERVAL_MS[iv];
    const quote = BigInt(t.price) * BigInt(t.qty) * npt;
    const cur = out[out.length - 1];
    if (cur && start <= cur.start) {
      cur.high = Math.max(cur.high, t.price);
      cur.low = Math.min(cur.low, t.price);
      cur.close = t.price;
      cur.volume += BigInt(t.qty);
      cur.quote += quote;
      cur.trades++;
    } else {
      out.push({ start, open: t.price, high: t.price, low: t.price, close: t.price, volume: BigInt(t.qty), quote, trades: 1 });
    }
  }
  return out.slice(-keep);
}

function asMessage(spec: EngineSpec, sym: number, iv: CandleInterval, n: NaiveCandle): CandleMessage {
  const s = spec.symbols[sym];
  const p = (x: number): string => formatUnits(x, s.tick);
  return {
    type: 'candle', symbol: s.name, interval: iv, start: n.start, open: p(n.open), high: p(n.high), low: p(n.low), close: p(n.close),
    volume: formatUnitsBig(n.volume, s.lot), quoteVolume: formatUnitsBig(n.quote, spec.notionalUnit), trades: n.trades,
  };
}

/** Percent with 2 decimals, half away from zero: floor(|change| × 10^4 / open + 1/2) hundredths. */
function naivePercent(change: number, open: number): string {
  const q = (2n * BigInt(Math.abs(change)) * 10_000n + BigInt(open)) / (2n * BigInt(open));
  if (q === 0n) return '0.00';
  const s = q.toString().padStart(3, '0');
  return `${change < 0 ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
}

function naiveTicker(spec: EngineSpec, trades: readonly Trade[], sym: number, nowMs: number): TickerMessage {
  const s = spec.symbols[sym];
  const windowStart = Math.floor(nowMs / 60_000) * 60_000 - 1439 * 60_000;
  const minutes = naiveCandles(spec, trades, sym, '1m', Infinity).filter((c) => c.start >= windowStart);
  const base = { type: 'ticker' as const, symbol: s.name, windowStart, ts: nowMs };
  if (minutes.length === 0) {
    return { ...base, last: null, open: null, high: null, low: null, volume: '0', quoteVolume: '0', vwap: null, change: null, changePercent: null, trades: 0 };
  }
  const open = minutes[0].open;
  const last = minutes[minutes.length - 1].close;
  const volume = minutes.reduce((a, c) => a + c.volume, 0n);
  const quote = minutes.reduce((a, c) => a + c.quote, 0n);
  const p = (x: number): string => formatUnits(x, s.tick);
  return {
    ...base, last: p(last), open: p(open), high: p(Math.max(...minutes.map((c) => c.high))), low: p(Math.min(...minutes.map((c) => c.low))),
    volume: formatUnitsBig(volume, s.lot), quoteVolume: formatUnitsBig(quote, spec.notionalUnit),
    vwap: formatUnitsBig(quote / (volume * BigInt(s.notionalPerTickLot)), s.tick), change: p(last - open), changePercent: naivePercent(last - open, open),
    trades: minutes.reduce((a, c) => a + c.trades, 0),
  };
}

/** 2024-02-28 23:00 UTC (a day boundary and a leap day one hour ahead), µs. */
const T0_US = Date.UTC(2024, 1, 28, 23, 0, 0) * 1000;
const MIN_US = 60_000_000;

interface Published { topic: string; m: MarketDataMessage }
function recordingSink(wanted?: (topic: string) => boolean): MarketDataSink & { out: Published[] } {
  const out: Published[] = [];
  const sink: MarketDataSink & { out: Published[] } = { out, publish: (topic, m) => { out.push({ topic, m }); } };
  if (wanted) sink.wants = wanted;
  return sink;
}

describe('candles (feeds/candles.ts)', () => {
  it('every interval and the ticker equal a naive recomputation: random trades over symbols and hours, quote volume exact beyond 2^53', () => {
    const spec = bigSpec();
    const small = { '1s': 7, '1m': 1441, '5m': 5, '15m': 4, '1h': 3, '1d': 2 };
    const trade = fc.record({
      sym: fc.integer({ min: 0, max: 2 }),
      price: fc.oneof(fc.integer({ min: 1, max: 2 ** 45 }), fc.integer({ min: 99_000_000, max: 101_000_000 })),
      qty: fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 10 })),
      // Mostly forward (µs to 40 min), sometimes the clock steps back a little.
      dtUs: fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 0, max: 40 * MIN_US }), fc.integer({ min: -5_000_000, max: 0 })),
    });
    fc.assert(
      fc.property(fc.array(trade, { minLength: 1, maxLength: 250 }), fc.boolean(), fc.integer({ min: -30 * MIN_US, max: 26 * 60 * MIN_US }), (raw, useSmall, nowOffsetUs) => {
        let ts = T0_US;
        const trades: Trade[] = raw.map((r) => {
          ts = Math.max(0, ts + r.dtUs);
          return { sym: r.sym, price: r.price, qty: r.qty, tsUs: ts };
        });
        const retention = useSmall ? small : DEFAULT_CANDLE_RETENTION;
        const c = new Candles(spec, useSmall ? small : undefined);
        feed(c, trades);
        for (let s = 0; s < 3; s++) {
          for (const iv of CANDLE_INTERVALS) {
            const expected = naiveCandles(spec, trades, s, iv, retention[iv]).map((n) => asMessage(spec, s, iv, n));
            expect(c.candles(s, iv, { limit: 1_000_000 }), `${s} ${iv}`).toEqual(expected);
          }
          const nowMs = Math.floor((ts + nowOffsetUs) / 1000);
          expect(c.ticker(s, nowMs)).toEqual(naiveTicker(spec, trades, s, nowMs));
          expect(c.tickerVersion(s)).toBe(trades.filter((t) => t.sym === s).length);
        }
      }),
      { seed: 20_240_229, numRuns: 120 },
    );
  });

  it('quote volume of one candle: sums of maximal trades past 2^63, exact to the unit; the BigInt fallback for factors beyond mulWide', () => {
    const spec = bigSpec();
    const c = new Candles(spec);
    const price = 2 ** 52 - 1;
    const qty = 1_000_000; // × 1,000 units per tick-lot: 10^9
    const n = 5000;
    for (let i = 0; i < n; i++) c.onEvent(slot({ sym: 0, price: price - i, qty, tsUs: T0_US + i }), 0);
    let sum = 0n;
    for (let i = 0; i < n; i++) sum += BigInt(price - i) * BigInt(qty) * 1000n;
    expect(sum > 2n ** 63n).toBe(true);
    const [d] = c.candles(0, '1d', {});
    expect(d.quoteVolume).toBe(formatUnitsBig(sum, spec.notionalUnit));
    expect(d.volume).toBe(formatUnitsBig(BigInt(n * qty), spec.symbols[0].lot));
    // qty × notionalPerTickLot above 2^52: not an engine trade (compileConfig bounds it), still exact.
    c.onEvent(slot({ sym: 1, price: 3, qty: 2 ** 50, tsUs: T0_US }), 0);
    expect(c.candles(1, '1m', {})[0].quoteVolume).toBe(formatUnitsBig(3n * 2n ** 50n * 1000n, spec.notionalUnit));
  });

  it('retention: each ring keeps its newest `retention` candles, the oldest dropped; memory per symbol as stated', () => {
    const spec = testSpec();
    const c = new Candles(spec, { '1s': 3, '5m': 2 });
    // One trade per second for 10 s, then one every 5 min.
    for (let i = 0; i < 10; i++) feed(c, [{ sym: 0, price: 100 + i, qty: 1, tsUs: T0_US + i * 1_000_000 }]);
    expect(c.candles(0, '1s', {}).map((x) => x.open)).toEqual(['1.07', '1.08', '1.09']);
    expect(c.candles(0, '1s', { limit: 1000 }).map((x) => x.start)).toEqual([7, 8, 9].map((i) => T0_US / 1000 + i * 1000));
    for (let i = 1; i <= 4; i++) feed(c, [{ sym: 0, price: 200 + i, qty: 1, tsUs: T0_US + i * 5 * MIN_US }]);
    expect(c.candles(0, '5m', {}).map((x) => x.open)).toEqual(['2.03', '2.04']);
    // 1m: default 1500 — 1501 minutes keep the last 1500.
    const d = new Candles(spec);
    for (let i = 0; i < 1501; i++) feed(d, [{ sym: 1, price: 1 + i, qty: 1, tsUs: T0_US + i * MIN_US }]);
    const kept = d.candles(1, '1m', { limit: 10_000 });
    expect(kept.length).toBe(1500);
    expect(kept[0].start).toBe(T0_US / 1000 + MIN_US / 1000);
    expect(d.bytesPerSymbol).toBe((900 + 1500 + 2016 + 1000 + 1000 + 1000) * CANDLE_WORDS * 8);
    expect(d.bytesPerSymbol).toBe(593_280);
    expect(() => new Candles(spec, { '1m': 1440 })).toThrow(RangeError);
    expect(() => new Candles(spec, { '1s': 0 })).toThrow(RangeError);
  });

  it('buckets: UTC starts (1d at 00:00 UTC), gaps without candles, a trade from an older bucket folds into the current candle', () => {
    const spec = testSpec();
    const c = new Candles(spec);
    const day = Date.UTC(2024, 1, 29);
    feed(c, [
      { sym: 0, price: 100, qty: 1, tsUs: (day - 1) * 1000 + 999 }, // 23:59:59.999999 on the 28th
      { sym: 0, price: 110, qty: 2, tsUs: day * 1000 }, // 00:00 on the 29th
      { sym: 0, price: 90, qty: 3, tsUs: (day + 10 * 60_000) * 1000 }, // 00:10 (00:01–00:09: gap)
      { sym: 0, price: 120, qty: 4, tsUs: (day + 30_000) * 1000 }, // the clock went back to 00:00:30
    ]);
    expect(c.candles(0, '1d', {}).map((x) => [x.start, x.open, x.close, x.trades])).toEqual([[day - 86_400_000, '1', '1', 1], [day, '1.1', '1.2', 3]]);
    expect(c.candles(0, '1m', {}).map((x) => [x.start, x.open, x.high, x.low, x.close, x.volume, x.quoteVolume, x.trades])).toEqual([
      [day - 60_000, '1', '1', '1', '1', '1', '1', 1],
      [day, '1.1', '1.1', '1.1', '1.1', '2', '2.2', 1],
      // 00:10 with the late 00:00:30 trade folded in: it never reopens the 00:00 candle.
      [day + 600_000, '0.9', '1.2', '0.9', '1.2', '7', '7.5', 2],
    ]);
  });

  it('queries: start/end inclusive, oldest first, a limit keeps the newest, default limit 500; latest(n)', () => {
    const spec = testSpec();
    const c = new Candles(spec);
    const m0 = Date.UTC(2024, 0, 1, 12);
    for (const k of [0, 1, 2, 5, 6]) feed(c, [{ sym: 0, price: 100 + k, qty: 1, tsUs: (m0 + k * 60_000 + 7) * 1000 }]);
    const starts = (xs: CandleMessage[]): number[] => xs.map((x) => (x.start - m0) / 60_000);
    expect(starts(c.candles(0, '1m', {}))).toEqual([0, 1, 2, 5, 6]);
    expect(starts(c.candles(0, '1m', { start: m0 + 60_000, end: m0 + 5 * 60_000 }))).toEqual([1, 2, 5]);
    expect(starts(c.candles(0, '1m', { start: m0 + 60_001, end: m0 + 5 * 60_000 - 1 }))).toEqual([2]);
    expect(starts(c.candles(0, '1m', { start: m0 + 3 * 60_000, end: m0 + 4 * 60_000 }))).toEqual([]);
    expect(starts(c.candles(0, '1m', { start: m0 + 60_000, limit: 2 }))).toEqual([5, 6]);
    expect(starts(c.candles(0, '1m', { end: m0 + 2 * 60_000, limit: 2 }))).toEqual([1, 2]);
    expect(starts(c.candles(0, '1m', { end: m0 - 1 }))).toEqual([]);
    expect(starts(c.latest(0, '1m', 3))).toEqual([2, 5, 6]);
    expect(starts(c.latest(0, '1m', 100))).toEqual([0, 1, 2, 5, 6]);
    expect(c.latest(0, '1m', 0)).toEqual([]);
    expect(c.candles(1, '1m', {})).toEqual([]); // never traded
    // Default limit: 600 one-second candles kept (retention 900), 500 returned — the newest.
    for (let i = 0; i < 600; i++) feed(c, [{ sym: 1, price: 1, qty: 1, tsUs: (m0 + i * 1000) * 1000 }]);
    const d = c.candles(1, '1s', {});
    expect(d.length).toBe(500);
    expect([d[0].start, d[499].start]).toEqual([m0 + 100_000, m0 + 599_000]);
  });

  it('ticker window edges: the minute at windowStart counts, the one before does not; one minute later it drops; empty window is nulls', () => {
    const spec = testSpec();
    const c = new Candles(spec);
    const now = Date.UTC(2024, 5, 1, 12, 0, 30); // 12:00:30
    const windowStart = Date.UTC(2024, 5, 1, 12, 0) - 1439 * 60_000; // 12:01 yesterday
    feed(c, [
      { sym: 0, price: 500, qty: 9, tsUs: (windowStart - 1) * 1000 }, // 12:00:59.999 yesterday: outside
      { sym: 0, price: 1000, qty: 1, tsUs: windowStart * 1000 }, // first µs of the window's first minute
      { sym: 0, price: 1200, qty: 3, tsUs: (windowStart + 59_999) * 1000 + 999 }, // last µs of that minute
      { sym: 0, price: 800, qty: 2, tsUs: (now - 20_000) * 1000 },
      { sym: 0, price: 900, qty: 4, tsUs: now * 1000 },
    ]);
    const t = c.ticker(0, now);
    expect(t).toEqual({
      type: 'ticker', symbol: 'AAA', windowStart, ts: now, last: '9', open: '10', high: '12', low: '8', volume: '10', quoteVolume: '98',
      vwap: '9.8', change: '-1', changePercent: '-10.00', trades: 4,
    });
    // The window's first minute (both trades in it) leaves one minute later: open is now the 12:00 minute's.
    expect(c.ticker(0, now + 60_000)).toMatchObject({ windowStart: windowStart + 60_000, open: '8', high: '9', low: '8', trades: 2, volume: '6', change: '1', changePercent: '12.50' });
    // Still the same window up to the minute's last ms.
    expect(c.ticker(0, now + 29_999)).toMatchObject({ windowStart, trades: 4 });
    // A window in which nothing traded.
    expect(c.ticker(0, now + 1440 * 60_000)).toEqual({
      type: 'ticker', symbol: 'AAA', windowStart: windowStart + 1440 * 60_000, ts: now + 1440 * 60_000,
      last: null, open: null, high: null, low: null, volume: '0', quoteVolume: '0', vwap: null, change: null, changePercent: null, trades: 0,
    });
    expect(c.ticker(1, now)).toMatchObject({ last: null, volume: '0', trades: 0, vwap: null });
    // vwap rounds down to a tick: (1×101 + 1×102) / 2 = 101.5 ticks → 1.01; changePercent 1/101 = 0.990… → 0.99.
    const d = new Candles(spec);
    feed(d, [{ sym: 1, price: 101, qty: 1, tsUs: now * 1000 }, { sym: 1, price: 102, qty: 1, tsUs: now * 1000 }]);
    expect(d.ticker(1, now)).toMatchObject({ vwap: '1.01', change: '0.01', changePercent: '0.99', trades: 2 });
    expect(d.tickerVersion(1)).toBe(2);
    expect(d.tickerVersion(0)).toBe(0);
  });

  it('flushShard: one message per changed (symbol, interval) per batch, its latest state; nothing unchanged or unwanted', () => {
    const spec = bigSpec(); // XA, XC on shard 0; XB on shard 1
    const c = new Candles(spec);
    const sink = recordingSink();
    feed(c, [
      { sym: 0, price: 10, qty: 1, tsUs: T0_US },
      { sym: 1, price: 20, qty: 1, tsUs: T0_US },
      { sym: 0, price: 12, qty: 2, tsUs: T0_US + 2_000_000 },
    ]);
    c.flushShard(0, sink);
    expect(sink.out.map((x) => x.topic)).toEqual(CANDLE_INTERVALS.map((iv) => `candles.${iv}.XA`));
    expect(sink.out.map((x) => x.m.trades)).toEqual([1, 2, 2, 2, 2, 2]); // 1s: the second trade opened a new candle
    expect(sink.out[5].m).toEqual(c.latest(0, '1d', 1)[0]);
    expect(sink.out[1].m).toMatchObject({ type: 'candle', symbol: 'XA', interval: '1m', open: '0.00001', close: '0.000012', volume: '0.003', trades: 2 });
    sink.out.length = 0;
    c.flushShard(0, sink);
    expect(sink.out).toEqual([]); // unchanged since
    c.flushShard(1, sink);
    expect(sink.out.map((x) => x.topic)).toEqual(CANDLE_INTERVALS.map((iv) => `candles.${iv}.XB`));
    sink.out.length = 0;
    // Only wanted topics are built and published; an unwanted change is still consumed by the batch.
    const asked: string[] = [];
    const picky = recordingSink((t) => {
      asked.push(t);
      return t === 'candles.1m.XC' || t === 'candles.1h.XA';
    });
    feed(c, [{ sym: 2, price: 5, qty: 1, tsUs: T0_US }, { sym: 0, price: 6, qty: 1, tsUs: T0_US + 3_000_000 }, { sym: 2, price: 7, qty: 1, tsUs: T0_US }]);
    c.flushShard(0, picky);
    expect(picky.out.map((x) => [x.topic, x.m.trades, x.m.close])).toEqual([['candles.1m.XC', 2, '0.000007'], ['candles.1h.XA', 3, '0.000006']]);
    expect(asked.length).toBe(12);
    c.flush(picky);
    expect(picky.out.length).toBe(2);
    // Non-trade events change nothing.
    const w = slot({ sym: 0, price: 1, qty: 1, tsUs: T0_US });
    w[EVT_TYPE] = EventType.ACCEPTED;
    c.onEvent(w, 0);
    c.flush(sink);
    expect(sink.out).toEqual([]);
    expect(c.tickerVersion(0)).toBe(3);
  });

  it('smoke: real events from the engine, flushed at each EVT_BATCH_END of their shard', () => {
    const spec = testSpec(); // AAA shard 0, BBB shard 1; tick 0.01, lot 1, 1 notional unit per tick-lot
    const eng = new InlineEngine(spec);
    const c = new Candles(spec);
    const sink = recordingSink();
    const engineTrades: Array<{ price: number; qty: number; ts: number }> = [];
    eng.onEvent((w, b, k) => {
      c.onEvent(w, b);
      const e = decodeEvent(w, b);
      if (e.type === EventType.TRADE) engineTrades.push({ price: e.lastPrice, qty: e.lastQty, ts: e.ts });
      // InlineEngine publishes no batch ends: each command is one batch here.
      if (w[b + EVT_BATCH_END] === 1) c.flushShard(k, sink);
    });
    const t0 = Date.UTC(2024, 2, 1, 9, 30) * 1000;
    const at = (us: number): void => {
      for (const s of eng.shards) s.setClock(us);
    };
    at(t0);
    eng.submit(sell(5, 10_000, { account: 1 }));
    eng.submit(sell(5, 10_050, { account: 1 }));
    eng.submit(buy(7, 10_100, { account: 2 })); // 5 @ 100.00, 2 @ 100.50
    c.flush(sink);
    at(t0 + 61_000_000);
    eng.submit(buy(3, 10_100, { account: 2 })); // 3 @ 100.50, next minute
    c.flush(sink);
    expect(engineTrades.map((t) => [t.price, t.qty])).toEqual([[10_000, 5], [10_050, 2], [10_050, 3]]);
    const m = c.candles(0, '1m', {});
    expect(m.map((x) => [x.open, x.high, x.low, x.close, x.volume, x.quoteVolume, x.trades])).toEqual([
      ['100', '100.5', '100', '100.5', '7', '701', 2],
      ['100.5', '100.5', '100.5', '100.5', '3', '301.5', 1],
    ]);
    expect(c.candles(0, '1h', {})[0]).toMatchObject({ start: Date.UTC(2024, 2, 1, 9), volume: '10', quoteVolume: '1002.5', trades: 3 });
    // Two flushes, each one message per interval for AAA, none for BBB.
    expect(sink.out.length).toBe(2 * CANDLE_INTERVALS.length);
    expect(new Set(sink.out.map((x) => x.topic.split('.')[2]))).toEqual(new Set(['AAA']));
    expect(c.ticker(0, t0 / 1000 + 61_000)).toMatchObject({ last: '100.5', open: '100', vwap: '100.25', change: '0.5', changePercent: '0.50', trades: 3 });
  });

  it('onEvent and flushShard (nothing subscribed) allocate nothing in steady state', () => {
    // As bench/allocation.ts: after warm-up and a full GC, windows of operations in which no GC
    // ran and the heap did not grow; one of up to four must be clean (a window may still run
    // lower-tier code while the optimizing compiler catches up on a busy box). GCs are counted
    // synchronously with v8.GCProfiler, so nothing waits on a timer.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const spec = bigSpec();
    const c = new Candles(spec);
    const sink: MarketDataSink = { publish: () => { throw new Error('nothing is subscribed'); }, wants: () => false };
    const w = new Int32Array(EVT_SLOT_WORDS * 3);
    for (let s = 0; s < 3; s++) w.set(slot({ sym: s, price: 1, qty: 1, tsUs: 0 }), s * EVT_SLOT_WORDS);
    // The clock in a typed array: a closure variable holding a double above the Smi range would
    // itself box a number per assignment (the harness, not the code under test).
    const clock = new Float64Array([T0_US]);
    let i = 0;
    const run = (ops: number): void => {
      for (let n = 0; n < ops; n++, i++) {
        const s = i % 3;
        const b = s * EVT_SLOT_WORDS;
        // 37 ms apart: new 1s candles every ~27 events, every ring wraps many times.
        clock[0] += 37_000;
        putI64(w, b + EVT_TS, clock[0]);
        putI64(w, b + EVT_LAST_PRICE, 2 ** 40 + ((i * 7919) % 100_003));
        putI64(w, b + EVT_LAST_QTY, 1 + ((i * 31) % 1_000));
        c.onEvent(w, b);
        if ((i & 7) === 7) {
          c.flushShard(0, sink);
          c.flushShard(1, sink);
        }
      }
    };
    const used = (): number => v8.getHeapSpaceStatistics().reduce((a, sp) => a + sp.space_used_size, 0);
    run(300_000);
    gc();
    gc();
    run(50_000);
    const windows: Array<{ gcs: number; growth: number }> = [];
    for (let k = 0; k < 4; k++) {
      const prof = new v8.GCProfiler();
      prof.start();
      const before = used();
      run(200_000);
      const growth = used() - before;
      const gcs = prof.stop()?.statistics.length ?? -1;
      windows.push({ gcs, growth });
      if (gcs === 0 && growth < 256 * 1024) break;
    }
    const clean = windows.find((x) => x.gcs === 0 && x.growth < 256 * 1024);
    expect(clean, JSON.stringify(windows)).toBeDefined();
    expect(c.tickerVersion(0)).toBe(Math.ceil(i / 3));
  });
});

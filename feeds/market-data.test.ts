import { describe, expect, it } from 'vitest';
import { CommandType, OrderType, Side, TimeInForce } from '../engine/codes.ts';
import type { Command } from '../engine/command-slot.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { testSpec } from '../test/fixtures.ts';
import { richStream } from '../test/streams.ts';
import { MarketData } from './market-data.ts';
import type { MarketDataMessage } from './market-data.ts';

/** The engine on one thread feeding a MarketData; `run` submits and ends the given shards' batches. */
function setup() {
  const spec = testSpec();
  const eng = new InlineEngine(spec);
  const md = new MarketData(spec);
  const pub: Array<{ topic: string; m: MarketDataMessage }> = [];
  const sink = { publish: (topic: string, m: MarketDataMessage): void => { pub.push({ topic, m }); } };
  let lastTs = 0;
  eng.onEvent((w, b) => {
    md.onEvent(w, b);
    lastTs = Number(w[b + 4]) + Number(w[b + 5]) * 2 ** 32;
  });
  const run = (cmd: Command, batchEnds: number[] = [0, 1]): void => {
    eng.submit(cmd);
    for (const k of batchEnds) md.flushShard(k, sink);
  };
  const taken = (): Array<{ topic: string; m: MarketDataMessage }> => pub.splice(0);
  return { spec, eng, md, run, taken, sink, ts: () => lastTs };
}

let nextId = 0;
const order = (over: Partial<Command>): Command => ({
  type: CommandType.NEW, symbolId: 0, accountId: 1, side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.GTC,
  price: 9_900, qty: 5, clientOrderId: `o${++nextId}`, correlationId: nextId, ...over,
});

const formatPrice = (ticks: number): string => String(ticks / 100);

describe('market data from engine events (feeds/market-data.ts)', () => {
  it('a resting GTC order is one book_update and a bbo; an IOC that does not rest publishes nothing', () => {
    const t = setup();
    t.run(order({}));
    const out = t.taken();
    expect(out.map((x) => x.topic)).toEqual(['book.AAA', 'bbo.AAA']);
    expect(out[0].m).toEqual({ type: 'book_update', symbol: 'AAA', seq: 1, bids: [['99', '5']], asks: [] });
    expect(out[1].m).toMatchObject({ type: 'bbo', symbol: 'AAA', bidPrice: '99', bidQuantity: '5', askPrice: null, askQuantity: '0', seq: 1 });
    expect(out[1].m.ts).toBe(t.ts()); // the engine's event time, not the reader's clock
    t.run(order({ tif: TimeInForce.IOC, price: 9_800, qty: 3 }));
    expect(t.taken()).toEqual([]);
  });

  it('a trade: the real size on the trades channel, the maker level shrinks, sequences per channel', () => {
    const t = setup();
    t.run(order({ qty: 5 }));
    t.taken();
    t.run(order({ accountId: 2, side: Side.SELL, price: 9_900, qty: 2 }));
    const out = t.taken();
    expect(out.map((x) => x.topic)).toEqual(['trades.AAA', 'book.AAA', 'bbo.AAA']);
    expect(out[0].m).toMatchObject({ type: 'trade', price: '99', quantity: '2', takerSide: 'sell', seq: 1 });
    // The sell was accepted (resting, in the projection) and filled within the batch: its level
    // shows as "0" — removing a level the client never held is a no-op (docs/protocol.md).
    expect(out[1].m).toEqual({ type: 'book_update', symbol: 'AAA', seq: 2, bids: [['99', '3']], asks: [['99', '0']] });
    expect(out[2].m).toMatchObject({ bidQuantity: '3', seq: 2 });
  });

  it('cancel and replace move levels; an emptied level is sent as "0"; the bbo only when the best changes', () => {
    const t = setup();
    t.run(order({ price: 9_900, qty: 5 }));
    const deep = order({ price: 9_700, qty: 1 });
    t.run(deep);
    t.taken();
    const id = (clord: string): number => t.eng.risk.clientIds().map((x) => x.split(':')).find((x) => x[1] === clord)![2] as unknown as number;
    t.run({ type: CommandType.REPLACE, symbolId: 0, accountId: 1, orderId: Number(id(deep.clientOrderId!)), price: 9_800, qty: 1, correlationId: 900 });
    let out = t.taken();
    expect(out.map((x) => x.topic)).toEqual(['book.AAA']); // the best bid did not change
    expect(out[0].m).toMatchObject({ bids: [['98', '1'], ['97', '0']] });
    t.run({ type: CommandType.MASS_CANCEL, symbolId: 0, accountId: 1, correlationId: 901 });
    out = t.taken();
    expect(out[0].m).toMatchObject({ type: 'book_update', bids: [['99', '0'], ['98', '0']] });
    expect(out[1].m).toMatchObject({ type: 'bbo', bidPrice: null, bidQuantity: '0' });
  });

  it('publishes only at its shard\'s batch end, one update per batch; other shards\' books wait for their own', () => {
    const t = setup();
    t.run(order({ price: 9_900 }), []);
    t.run(order({ price: 9_800 }), []);
    t.run(order({ symbolId: 1, price: 9_900 }), []);
    expect(t.taken()).toEqual([]);
    t.md.flushShard(1, t.sink);
    expect(t.taken().map((x) => x.topic)).toEqual(['book.BBB', 'bbo.BBB']);
    t.md.flushShard(0, t.sink);
    const out = t.taken();
    expect(out.map((x) => x.topic)).toEqual(['book.AAA', 'bbo.AAA']);
    expect(out[0].m).toEqual({ type: 'book_update', symbol: 'AAA', seq: 1, bids: [['99', '5'], ['98', '5']], asks: [] });
  });

  it('snapshots equal the updates applied in order, and the book the matching shard holds (random stream)', () => {
    const t = setup();
    const books = new Map<string, { bids: Map<string, string>; asks: Map<string, string>; seq: number }>();
    for (const cmd of richStream(3_000, 7)) {
      t.run(cmd);
      for (const { m } of t.taken()) {
        if (m.type !== 'book_update') continue;
        const b = books.get(m.symbol as string) ?? { bids: new Map(), asks: new Map(), seq: 0 };
        expect(m.seq).toBe(b.seq + 1); // gapless
        b.seq = m.seq as number;
        for (const [p, q] of m.bids as string[][]) (q === '0' ? b.bids.delete(p) : b.bids.set(p, q));
        for (const [p, q] of m.asks as string[][]) (q === '0' ? b.asks.delete(p) : b.asks.set(p, q));
        books.set(m.symbol as string, b);
      }
    }
    for (const s of t.spec.symbols) {
      const snap = t.md.snapshot(s.id);
      const b = books.get(s.name)!;
      expect(snap.seq).toBe(b.seq);
      expect(snap.bids).toEqual([...b.bids].sort((x, y) => Number(y[0]) - Number(x[0])));
      expect(snap.asks).toEqual([...b.asks].sort((x, y) => Number(x[0]) - Number(y[0])));
      expect(t.md.rawLevels(s.id, true)).toEqual(t.eng.shards[s.shard].depth(s.id, Side.BUY).map(([p, q]) => [p, q]));
      expect(t.md.rawLevels(s.id, false)).toEqual(t.eng.shards[s.shard].depth(s.id, Side.SELL).map(([p, q]) => [p, q]));
    }
    expect([...books.values()].every((b) => b.seq > 50)).toBe(true);
  });

  it('after a restart every channel continues above the journal sequence plus the unjournaled margin', () => {
    const t = setup();
    t.md.resumeSequences([100, 7], 16);
    t.run(order({ price: 9_900 }));
    t.run(order({ accountId: 2, side: Side.SELL, qty: 1 }));
    const seqs = t.taken().map((x) => [x.topic, x.m.seq]);
    expect(seqs).toEqual([['book.AAA', 118], ['bbo.AAA', 118], ['trades.AAA', 118], ['book.AAA', 119], ['bbo.AAA', 119]]);
  });

  it('deep books and big batches: more levels, resting orders, trades and changed prices than its tables start with', () => {
    const spec = testSpec({
      symbols: testSpec().symbols.map((s) => ({ symbol: s.name, tickSize: '0.01', lotSize: '1', referencePrice: '100', priceBandPct: 10, maxOrderQty: '100000', maxOrderNotional: '100000000' })),
      accounts: ['a0', 'a1', 'a2'].map((id) => ({ id, creditLimit: '1000000000', maxOpenOrders: 10_000, maxPosition: '10000000' })),
    });
    const eng = new InlineEngine(spec);
    const md = new MarketData(spec);
    eng.onEvent((w, b) => md.onEvent(w, b));
    const pub: MarketDataMessage[] = [];
    const sink = { publish: (_t: string, m: MarketDataMessage): void => { pub.push(m); } };
    // 700 bid levels (the tables start with 256), 1,100 resting orders (they start with 1,024).
    for (let i = 0; i < 1_100; i++) eng.submit(order({ accountId: 1, price: 9_000 + (i % 700), qty: 2 }));
    md.flush(sink);
    expect(md.rawLevels(0, true)).toEqual(eng.shards[0].depth(0, Side.BUY).map(([p, q]) => [p, q]));
    expect(md.rawLevels(0, true)).toHaveLength(700);
    pub.length = 0;
    // One sell sweeps the best 300 levels in one batch: 300+ trades and changed prices (tables start with 64).
    const best = eng.shards[0].depth(0, Side.BUY).slice(0, 300);
    const sweep = best.reduce((n, [, q]) => n + q, 0);
    eng.submit(order({ accountId: 2, side: Side.SELL, tif: TimeInForce.IOC, price: best[best.length - 1][0], qty: sweep }));
    md.flush(sink);
    const trades = pub.filter((m) => m.type === 'trade');
    expect(trades).toHaveLength(300); // one resting order per level at the top
    expect(trades.map((m) => m.seq)).toEqual(trades.map((_, i) => (trades[0].seq as number) + i)); // gapless, in order
    const update = pub.find((m) => m.type === 'book_update')!;
    expect(update.bids).toHaveLength(300);
    expect((update.bids as string[][]).every(([, q]) => q === '0')).toBe(true);
    expect(pub.filter((m) => m.type === 'bbo')).toHaveLength(1);
    expect(md.rawLevels(0, true)).toEqual(eng.shards[0].depth(0, Side.BUY).map(([p, q]) => [p, q]));
    expect(md.rawLevels(0, true)).toHaveLength(400);
    expect(md.bbo(0)).toMatchObject({ bidPrice: formatPrice(eng.shards[0].depth(0, Side.BUY)[0][0]) });
  });

  it('builds no message for a topic nobody reads, and still numbers it', () => {
    const t = setup();
    const quiet = { publish: (): void => { throw new Error('built a message nobody reads'); }, wants: (): boolean => false };
    t.eng.submit(order({}));
    t.md.flushShard(0, quiet);
    t.run(order({ price: 9_950 }));
    const out = t.taken();
    expect(out.map((x) => x.topic)).toEqual(['book.AAA', 'bbo.AAA']);
    expect(out[0].m.seq).toBe(2);
    expect(out[1].m.seq).toBe(2);
  });
});

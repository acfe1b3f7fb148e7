import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CommandType, EventType, OrderStatus, OrderType, ResultCode, Side, TimeInForce } from '../engine/codes.ts';
import { CMD_SLOT_WORDS, encodeCommand, readClordString } from '../engine/command-slot.ts';
import type { Command } from '../engine/command-slot.ts';
import {
  EVT_CLORD, EVT_CODE, EVT_CUM, EVT_LAST_PRICE, EVT_LEAVES, EVT_MAKER_CUM, EVT_MAKER_LEAVES, EVT_MAKER_ORDER_ID, EVT_MAKER_QTY, EVT_MAKER_STATUS, EVT_ORDER_ID,
  EVT_OTHER_CLORD, EVT_PRICE, EVT_QTY, EVT_SEQ, EVT_SLOT_WORDS, EVT_STATUS, EVT_SYMBOL, EVT_TYPE, decodeEvent,
} from '../engine/event-slot.ts';
import type { DecodedEvent } from '../engine/event-slot.ts';
import { getI64 } from '../engine/int64.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import type { ShardState } from '../engine/matching-core.ts';
import type { RiskState } from '../engine/risk.ts';
import { AccountViews } from '../feeds/accounts.ts';
import type { OrderRecord, ViewOptions } from '../feeds/accounts.ts';
import { testConfig, testSpec } from './fixtures.ts';
import { STREAM_T0_MS, orderTypesStream, richStream } from './streams.ts';

/**
 * Account views (feeds/accounts.ts) against the engine itself on random streams with every order
 * type: the open orders equal the risk stage's live orders and the shards' books, account totals
 * equal the risk stage's reservations and positions; the closed windows and fills equal an
 * independent statement of their rules; and views rebuilt as the gateway recovers (each shard's
 * journal in turn, reconciled at the snapshot) equal the live ones — or, from a pruned journal,
 * still agree with the engine, with the orders never seen marked restored.
 */

/**
 * The test market plus what the streams never use: account 3, and symbols 2 (shard 0) and 3 (shard
 * 1) where nothing trades — account 3's orders there stay open and untouched (restored when the
 * journal is pruned); its orders on symbols 0 and 1 rest away from the trading, touched later or not.
 */
const base = testConfig();
const spec = testSpec({
  symbols: [...base.symbols, ...['CCC', 'DDD'].map((symbol) => ({ ...base.symbols[0], symbol }))],
  accounts: [...base.accounts, { id: 'a3', apiKey: 'k3', creditLimit: '1000000', maxOpenOrders: 1000, maxPosition: '100000' }],
});
const NS = spec.symbols.length;
const NA = spec.accounts.length;

interface Run {
  eng: InlineEngine;
  views: AccountViews;
  /** Every event, per shard, in order (copies): the journal. */
  journal: Int32Array[][];
  snapshot: { shards: ShardState[]; risk: RiskState };
}

interface Scenario {
  seed: number;
  n: number;
  kind: 'rich' | 'types';
  closed: number;
  fills: number;
  /** Commands per engine-time step: > 1 gives events of both shards the same ts (tie-breaks). */
  coarse: number;
  snapAt: number;
  cut: number;
  page: number;
  /** > 0: the stream's client ids folded onto this many (ids reused after their orders end, refused duplicates). */
  clidPool: number;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  n: fc.integer({ min: 20, max: 900 }),
  kind: fc.constantFrom('rich' as const, 'types' as const, 'types' as const),
  closed: fc.integer({ min: 1, max: 30 }),
  fills: fc.integer({ min: 1, max: 30 }),
  coarse: fc.constantFrom(1, 4, 1000),
  // Fractions of the stream, uniform (fast-check's doubles favour 0 and 1).
  snapAt: fc.noBias(fc.integer({ min: 0, max: 1000 })).map((x) => x / 1000),
  cut: fc.noBias(fc.integer({ min: 0, max: 1000 })).map((x) => x / 1000),
  page: fc.integer({ min: 1, max: 7 }),
  clidPool: fc.constantFrom(0, 0, 30),
});

/** Account 3's orders away from the trading (most stay open and untouched), then the stream. */
function commands(s: Scenario): Command[] {
  const anchors: Command[] = [];
  for (const symbolId of [0, 1, 2, 3]) {
    for (const [side, price] of [[Side.BUY, 9_200], [Side.BUY, 9_300], [Side.SELL, 10_700], [Side.SELL, 10_800]]) {
      anchors.push({
        type: CommandType.NEW, symbolId, accountId: 3, side, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price, qty: 3, clientOrderId: `anchor-${symbolId}-${price}`,
      });
    }
  }
  const stream = s.kind === 'rich' ? richStream(s.n, s.seed) : orderTypesStream(s.n, s.seed);
  const fold = (id: string | undefined): string | undefined => {
    if (id === undefined || id === '' || s.clidPool === 0) return id;
    let h = 0;
    for (let i = 0; i < id.length; i++) h = (Math.imul(h, 31) + id.charCodeAt(i)) | 0;
    return `p${(h >>> 0) % s.clidPool}`;
  };
  return [...anchors, ...stream.map((c) => ({ ...c, clientOrderId: fold(c.clientOrderId), newClientOrderId: fold(c.newClientOrderId) }))];
}

/** The stream through the inline engine with views following every event; a snapshot taken before command `snapAt`. */
function runLive(cmds: readonly Command[], opts: ViewOptions, coarse: number, snapAt: number): Run {
  const eng = new InlineEngine(spec);
  const views = new AccountViews(spec, opts);
  const journal: Int32Array[][] = Array.from({ length: spec.shards }, () => []);
  eng.onEvent((w, b, k) => {
    views.onEvent(w, b);
    journal[k].push(w.slice(b, b + EVT_SLOT_WORDS));
  });
  const slot = new Int32Array(CMD_SLOT_WORDS);
  let snapshot: Run['snapshot'] | null = null;
  cmds.forEach((c, i) => {
    if (i === snapAt) snapshot = { shards: eng.shards.map((sh) => sh.exportState()), risk: eng.risk.exportState() };
    const ts = (STREAM_T0_MS + Math.floor(i / coarse)) * 1000;
    for (const sh of eng.shards) sh.setClock(ts);
    encodeCommand(c, slot, 0);
    eng.processSlot(slot, 0);
  });
  snapshot ??= { shards: eng.shards.map((sh) => sh.exportState()), risk: eng.risk.exportState() };
  return { eng, views, journal, snapshot };
}

/**
 * Views rebuilt as the gateway recovers: each shard's retained journal in turn (events with seq >
 * `from[k]`), reconcileShard when the replay passes the snapshot's sequence for k.
 */
function rebuild(run: Run, opts: ViewOptions, from: readonly number[]): AccountViews {
  const v = new AccountViews(spec, opts);
  const position = (a: number, s: number): number => run.snapshot.risk.position[a * NS + s];
  run.journal.forEach((events, k) => {
    const snap = run.snapshot.shards[k];
    let reconciled = false;
    for (const e of events) {
      const seq = getI64(e, EVT_SEQ);
      if (seq <= from[k]) continue;
      if (!reconciled && seq > snap.seq) {
        v.reconcileShard(k, snap.orders, position);
        reconciled = true;
      }
      v.onEvent(e, 0);
    }
    if (!reconciled) v.reconcileShard(k, snap.orders, position);
  });
  return v;
}

/** The order's own fields from its last slot (a maker's are the TRADE's maker block). */
function own(r: OrderRecord): { id: number; price: number; qty: number; cum: number; leaves: number; status: number; clientOrderId: string } {
  const x = r.last;
  if (r.lastIsMaker) {
    return {
      id: getI64(x, EVT_MAKER_ORDER_ID), price: getI64(x, EVT_LAST_PRICE), qty: getI64(x, EVT_MAKER_QTY), cum: getI64(x, EVT_MAKER_CUM),
      leaves: getI64(x, EVT_MAKER_LEAVES), status: x[EVT_MAKER_STATUS], clientOrderId: readClordString(x, EVT_OTHER_CLORD),
    };
  }
  return {
    id: getI64(x, EVT_ORDER_ID), price: getI64(x, EVT_PRICE), qty: getI64(x, EVT_QTY), cum: getI64(x, EVT_CUM), leaves: getI64(x, EVT_LEAVES),
    status: x[EVT_STATUS], clientOrderId: readClordString(x, EVT_CLORD),
  };
}

/** Open orders and account totals of the views equal the risk stage's and the shards' (no command in flight). */
function expectAgreesWithEngine(eng: InlineEngine, v: AccountViews): void {
  const risk = eng.risk.exportState();
  const book = eng.shards.flatMap((sh) => sh.exportState().orders);
  for (let a = 0; a < NA; a++) {
    const open = v.openOrders(a);
    const mine = open.map(own);
    const riskOrders = risk.orders.filter((o) => o[1] === a).sort((x, y) => x[0] - y[0]);
    expect(mine.map((o) => [o.id, o.price, o.qty, o.cum, o.leaves, o.clientOrderId])).toEqual(riskOrders.map((o) => [o[0], o[4], o[5], o[6], o[7], o[10]]));
    const bookOrders = book.filter((o) => o[1] === a).sort((x, y) => x[0] - y[0]);
    expect(open.map((r, i) => [mine[i].id, r.last[EVT_SYMBOL], mine[i].price, mine[i].qty, mine[i].cum, mine[i].status, mine[i].clientOrderId, r.stopPrice, r.displayQty, r.expireTime, r.ocoGroupId, r.ocoOrderId]))
      .toEqual(bookOrders.map((o) => [
        o[0], o[2], o[4], o[5], o[6], o[14] ? OrderStatus.PENDING_TRIGGER : o[6] > 0 ? OrderStatus.PARTIALLY_FILLED : OrderStatus.NEW, o[7], o[8] ?? 0, o[9] ?? 0, o[11] ?? 0, o[12] ?? 0, o[13] ?? 0,
      ]));
    expect(open.every((r) => r.open)).toBe(true);
    const acc = v.account(a);
    const want = eng.risk.account(a);
    expect(acc.openOrders).toBe(want.openOrders);
    expect(acc.creditInUse).toBe(BigInt(risk.openNotional[a]));
    expect(acc.positions.map((p) => [p.symbol, p.position, p.openBuy, p.openSell])).toEqual(want.positions.map((p, s) => [s, p, want.buyOpen[s], want.sellOpen[s]]));
    // A live order's client id names it (a refused duplicate of it never hides it).
    for (const r of open) {
      const o = own(r);
      expect(v.orderByClientId(a, o.clientOrderId)).toEqual(r);
      expect(v.order(a, o.id)).toEqual(r);
    }
  }
}

type Keyed = { ts: number; cmd: number; ord: number; sub: number };
/** Closing order: by the risk stage's command sequence within 10 s, else by ts; then ts, seq × 256 + shard, taker before maker. */
const closedOrder = (x: Keyed, y: Keyed): number => (Math.abs(x.ts - y.ts) > 10_000_000 ? x.ts - y.ts : (x.cmd - y.cmd) | 0) || x.ts - y.ts || x.ord - y.ord || x.sub - y.sub;
const fillOrder = (x: Keyed, y: Keyed): number => x.ts - y.ts || x.ord - y.ord || x.sub - y.sub;

/** The rules of the closed windows and the fills, stated over the journal (no arrival order in them). */
function expectWindowsAndFills(run: Run, v: AccountViews, opts: ViewOptions, page: number): void {
  const closed: Array<Array<Keyed & { id: number; type: number }>> = Array.from({ length: NA }, () => []);
  const fills: Array<Array<Keyed & { tradeId: number; orderId: number; clientOrderId: string; symbol: number; price: number; quantity: number; liquidity: string }>> = Array.from({ length: NA }, () => []);
  const valid = (a: number): boolean => a >= 0 && a < NA;
  run.journal.forEach((events, k) => {
    for (const slot of events) {
      const e: DecodedEvent = decodeEvent(slot, 0);
      const key = { ts: e.ts, cmd: e.commandSeq, ord: e.seq * 256 + k };
      const close = (a: number, id: number, sub: number): void => {
        if (valid(a)) closed[a].push({ ...key, sub, id, type: e.type });
      };
      if (e.type === EventType.CANCELED || e.type === EventType.EXPIRED) close(e.accountId, e.orderId, 0);
      else if (e.type === EventType.REJECTED && (e.code === ResultCode.MATCH_STOP_PRICE_BAND || e.commandType === CommandType.NEW || e.commandType === CommandType.NEW_OCO)) close(e.accountId, e.orderId, 0);
      else if (e.type === EventType.TRADE) {
        if (e.status === OrderStatus.FILLED) close(e.accountId, e.orderId, 0);
        if (e.makerStatus === OrderStatus.FILLED) close(e.makerAccountId, e.makerOrderId, 1);
        const f = { ts: e.ts, cmd: 0, ord: e.tradeId, tradeId: e.tradeId, symbol: e.symbolId, price: e.lastPrice, quantity: e.lastQty };
        if (valid(e.accountId)) fills[e.accountId].push({ ...f, sub: 0, orderId: e.orderId, clientOrderId: e.clientOrderId, liquidity: 'taker' });
        if (valid(e.makerAccountId)) fills[e.makerAccountId].push({ ...f, sub: 1, orderId: e.makerOrderId, clientOrderId: e.otherClientOrderId, liquidity: 'maker' });
      }
    }
  });
  for (let a = 0; a < NA; a++) {
    const want = closed[a].sort(closedOrder).slice(-opts.closedPerAccount).reverse().map((c) => [c.id, c.type]);
    expect(v.closedOrders(a).map((r) => [own(r).id, r.last[EVT_TYPE]])).toEqual(want);
    expect(v.closedOrders(a).every((r) => !r.open)).toBe(true);
    const kept = fills[a].sort(fillOrder).slice(-opts.fillsPerAccount);
    for (const symbol of [undefined, 0, 1]) {
      const expected = kept.filter((f) => symbol === undefined || f.symbol === symbol).map((f) => [f.tradeId, f.orderId, f.clientOrderId, f.symbol, f.price, f.quantity, f.liquidity, f.ts]);
      const got: unknown[] = [];
      let after: number | undefined;
      for (let guard = 0; guard <= expected.length + 1; guard++) {
        const p = v.fills(a, { symbol, after, limit: page });
        expect(p.fills.length).toBeLessThanOrEqual(page + 1);
        got.push(...p.fills.map((f) => [f.tradeId, f.orderId, f.clientOrderId, f.symbol, f.price, f.quantity, f.liquidity, f.ts]));
        if (p.next === null) break;
        expect(p.next).toBe(p.fills[p.fills.length - 1].tradeId);
        after = p.next;
      }
      expect(got).toEqual(expected);
    }
  }
  const st = v.stats();
  expect(st.closedOrders).toBe(closed.reduce((n, c) => n + Math.min(c.length, opts.closedPerAccount), 0));
  expect(st.fills).toBe(fills.reduce((n, f) => n + Math.min(f.length, opts.fillsPerAccount), 0));
}

/** Everything a client can ask, for every account, every order id and client id in the journal. */
function dump(run: Run, v: AccountViews): unknown {
  const ids = new Set<number>();
  const clids = new Set<string>();
  for (const events of run.journal) {
    for (const e of events) {
      ids.add(getI64(e, EVT_ORDER_ID));
      ids.add(getI64(e, EVT_MAKER_ORDER_ID));
      clids.add(readClordString(e, EVT_CLORD));
      clids.add(readClordString(e, EVT_OTHER_CLORD));
    }
  }
  ids.delete(0);
  clids.delete('');
  return {
    stats: v.stats(),
    accounts: Array.from({ length: NA }, (_, a) => ({
      account: v.account(a),
      open: v.openOrders(a),
      openOfSymbol: [0, 1, 2, 3].map((s) => v.openOrders(a, s)),
      closed: v.closedOrders(a),
      closedOfSymbol: [0, 1, 2, 3].map((s) => v.closedOrders(a, s)),
      fills: v.fills(a, { limit: 1_000_000 }),
      byId: [...ids].map((id) => v.order(a, id)),
      byClientId: [...clids].map((c) => v.orderByClientId(a, c)),
    })),
  };
}

describe('account views on random streams (feeds/accounts.ts)', () => {
  it('agree with the risk stage and the books; closed windows and fills follow their rules', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const opts = { closedPerAccount: s.closed, fillsPerAccount: s.fills };
        const cmds = commands(s);
        const run = runLive(cmds, opts, s.coarse, cmds.length);
        expectAgreesWithEngine(run.eng, run.views);
        expectWindowsAndFills(run, run.views, opts, s.page);
      }),
      // Found once: one engine time for every event, a client id reused across the shards.
      { numRuns: 40, examples: [[{ seed: 1, n: 64, kind: 'types', closed: 1, fills: 1, coarse: 1000, snapAt: 0, cut: 0, page: 1, clidPool: 30 }]] },
    );
  });

  it('rebuilt as the gateway recovers (snapshot mid-way, each shard in turn), equal the live views in every answer', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const opts = { closedPerAccount: s.closed, fillsPerAccount: s.fills };
        const cmds = commands(s);
        const run = runLive(cmds, opts, s.coarse, Math.floor(s.snapAt * cmds.length));
        const rebuilt = rebuild(run, opts, run.journal.map(() => 0));
        expect(dump(run, rebuilt)).toEqual(dump(run, run.views));
        for (let a = 0; a < NA; a++) expect(rebuilt.openOrders(a).some((r) => r.restored)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('rebuilt from a pruned journal: agree with the engine; orders never seen since are restored', () => {
    let restoredSeen = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const opts = { closedPerAccount: s.closed, fillsPerAccount: s.fills };
        const cmds = commands(s);
        const run = runLive(cmds, opts, s.coarse, Math.floor(s.snapAt * cmds.length));
        const cut = run.snapshot.shards.map((st) => Math.floor(s.cut * st.seq));
        const v = rebuild(run, opts, cut);
        expectAgreesWithEngine(run.eng, v);
        // Restored: accepted before the cut, and no event about it after the snapshot.
        const acceptedBeforeCut = new Set<number>();
        const touchedAfterSnapshot = new Set<number>();
        run.journal.forEach((events, k) => {
          for (const e of events) {
            const seq = getI64(e, EVT_SEQ);
            const type = e[EVT_TYPE];
            const id = getI64(e, EVT_ORDER_ID);
            if (type === EventType.ACCEPTED && seq <= cut[k]) acceptedBeforeCut.add(id);
            if (seq <= run.snapshot.shards[k].seq || type === EventType.ACCEPTED) continue;
            if (type === EventType.TRADE) touchedAfterSnapshot.add(getI64(e, EVT_MAKER_ORDER_ID));
            if (type !== EventType.REJECTED || e[EVT_CODE] === ResultCode.MATCH_STOP_PRICE_BAND) touchedAfterSnapshot.add(id);
          }
        });
        for (let a = 0; a < NA; a++) {
          for (const r of v.openOrders(a)) {
            const id = own(r).id;
            const restored = acceptedBeforeCut.has(id) && !touchedAfterSnapshot.has(id);
            expect(r.restored, `order ${id}`).toBe(restored);
            if (restored) {
              restoredSeen++;
              expect(r.createdTs).toBe(0);
              expect(r.last[EVT_TYPE]).toBe(EventType.ACCEPTED);
              expect(getI64(r.last, EVT_SEQ)).toBe(0);
              expect(r.first).toEqual(r.last);
            }
          }
        }
      }),
      { numRuns: 40 },
    );
    // The runs reach the case (account 3's orders on symbols 2 and 3 at least).
    expect(restoredSeen).toBeGreaterThan(0);
  });
});

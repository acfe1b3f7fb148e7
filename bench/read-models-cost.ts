/**
 * What each read model (feeds/) costs the gateway thread per event: MarketData, AccountViews and
 * Candles fed the same recorded event stream — the e2e harness's shape (IOC takers crossing a deep
 * maker book, 8 taker accounts) from the inline engine — timed in turn, 3 fresh instances each
 * (the first includes table growth; the later ones are steady state).
 *
 *   node --import tsx bench/read-models-cost.ts [takers=200000]
 */
import { compileConfig, demoConfig } from '../engine/config.ts';
import { InlineEngine } from '../engine/inline-engine.ts';
import { EVT_SLOT_WORDS, EVT_TYPE } from '../engine/event-slot.ts';
import { CommandType, EventType, OrderType, Side, TimeInForce } from '../engine/codes.ts';
import { AccountViews } from '../feeds/accounts.ts';
import { Candles } from '../feeds/candles.ts';
import { MarketData } from '../feeds/market-data.ts';

const takers = Number(process.argv[2] ?? 200_000);
const cfg = demoConfig();
cfg.accounts = Array.from({ length: 9 }, (_, i) => ({ id: `a${i}`, apiKey: `k${i}`, creditLimit: '1000000000', maxOpenOrders: 1_000_000, maxPosition: '100000' }));
const spec = compileConfig(cfg);
const eng = new InlineEngine(spec);
const events: Int32Array[] = [];
eng.onEvent((w, b) => { events.push(w.slice(b, b + EVT_SLOT_WORDS)); });
eng.shards[0].setClock(1_700_000_000_000_000);
const sym = spec.symbols[0];
for (let i = 0; i < 2_000; i++) {
  eng.submit({ type: CommandType.NEW, symbolId: 0, accountId: 0, side: Side.SELL, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, price: sym.referencePrice + 100 + i, qty: 10_000, clientOrderId: `m${i}` });
}
for (let i = 0; i < takers; i++) {
  eng.submit({ type: CommandType.NEW, symbolId: 0, accountId: 1 + (i % 8), side: Side.BUY, orderType: OrderType.LIMIT, tif: TimeInForce.IOC, price: sym.referencePrice + 200, qty: 1, clientOrderId: `t${i % 100_000}` });
}
// The workload must trade (each taker fills against a resting maker): say so, and refuse to measure otherwise.
const trades = events.filter((e) => e[EVT_TYPE] === EventType.TRADE).length;
if (trades < takers) throw new Error(`only ${trades} trades for ${takers} takers: the makers did not rest (risk limits?)`);
const result: Record<string, number[]> = {};
for (const [name, make] of [['market-data', () => new MarketData(spec)], ['accounts', () => new AccountViews(spec)], ['candles', () => new Candles(spec)]] as const) {
  result[name] = [];
  for (let round = 0; round < 3; round++) {
    const v = make();
    const t0 = process.hrtime.bigint();
    for (const e of events) v.onEvent(e, 0);
    result[name].push(Math.round(Number(process.hrtime.bigint() - t0) / events.length));
  }
}
console.log(JSON.stringify({ events: events.length, takers, trades, nsPerEvent: result }));

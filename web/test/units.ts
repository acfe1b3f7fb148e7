/**
 * Unit checks of the console's parts, run inside Chromium by test/web-console.test.ts (bundled
 * with esbuild into a blank page): the book's sequence rules, exact decimal grid checks, order
 * validation, the operations page's thread rows, the candle chart's window, and the connection's
 * subscription handling against a scripted WebSocket (refused requests retried, gaps, reopen).
 * Publishes `window.unitResults = { passed, failures }` once the asynchronous ones are done.
 */
import type { SymbolInfo } from '../src/app.ts';
import { BookState } from '../src/book.ts';
import { CandleChart } from '../src/charts.ts';
import type { Candle } from '../src/charts.ts';
import { cmpDec, gridProblem, isMultipleOf, subDec } from '../src/decimal.ts';
import { threadRows } from '../src/ops.ts';
import { validateOrder } from '../src/validate.ts';
import type { OrderInput } from '../src/validate.ts';
import { Connection } from '../src/ws.ts';
import type { ConnState, Msg } from '../src/ws.ts';

const failures: string[] = [];
let passed = 0;
function eq(name: string, actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a === e) passed += 1;
  else failures.push(`${name}: got ${a}, expected ${e}`);
}

// ---- book: snapshot, then seq = previous + 1; a gap drops the state until the next snapshot ----
const b = new BookState();
eq('update before any snapshot is ignored', b.apply({ type: 'book_update', symbol: 'X', seq: 3, bids: [['10', '1']], asks: [] }), 'ignored');
eq('snapshot', b.apply({ type: 'book_snapshot', symbol: 'X', seq: 5, bids: [['9.5', '2'], ['10', '1']], asks: [['10.5', '3'], ['11', '1']] }), 'ok');
eq('bids best first (exact order)', b.levels().bids, [['10', '1'], ['9.5', '2']]);
eq('next update applies', b.apply({ type: 'book_update', symbol: 'X', seq: 6, bids: [['10', '0'], ['9.75', '4']], asks: [['12', '0']] }), 'ok');
eq('"0" removes, an unknown "0" is a no-op, levels are absolute', b.levels(), { bids: [['9.75', '4'], ['9.5', '2']], asks: [['10.5', '3'], ['11', '1']] });
eq('an old update is ignored', b.apply({ type: 'book_update', symbol: 'X', seq: 6, bids: [['1', '1']], asks: [] }), 'ignored');
eq('a gap is reported', b.apply({ type: 'book_update', symbol: 'X', seq: 8, bids: [['9', '1']], asks: [] }), 'gap');
eq('a gap drops the state', [b.seq, b.bids.size, b.asks.size], [null, 0, 0]);
eq('updates after a gap wait for the snapshot', b.apply({ type: 'book_update', symbol: 'X', seq: 9, bids: [['9', '1']], asks: [] }), 'ignored');
eq('a fresh snapshot restarts the sequence', b.apply({ type: 'book_snapshot', symbol: 'X', seq: 20, bids: [], asks: [['10.25', '0.5']] }), 'ok');
eq('then seq + 1', b.apply({ type: 'book_update', symbol: 'X', seq: 21, bids: [['10', '1']], asks: [] }), 'ok');

// ---- exact decimals ----
eq('multiple of a lot', isMultipleOf('0.0003', '0.0001'), true);
eq('not a multiple of a lot', isMultipleOf('0.00015', '0.0001'), false);
eq('price on the tick', isMultipleOf('49990.5', '0.01'), true);
eq('float trap 0.3 / 0.1', isMultipleOf('0.3', '0.1'), true);
eq('tick 0.005', [isMultipleOf('1.015', '0.005'), isMultipleOf('1.017', '0.005')], [true, false]);
eq('large values stay exact', isMultipleOf('92233720368547.7581', '0.0001'), true);
eq('cmpDec trailing zeros', cmpDec('10.10', '10.1'), 0);
eq('cmpDec order', [cmpDec('9.99', '10'), cmpDec('10.001', '10')], [-1, 1]);
eq('subDec', [subDec('51000', '49000.5'), subDec('0.3', '0.1'), subDec('1', '1.25')], ['1999.5', '0.2', '-0.25']);
eq('grid: not a plain decimal', gridProblem('Price', '1e3', '0.01'), 'Price "1e3" is not a plain decimal number (digits and one point, e.g. 12.5)');
eq('grid: zero', gridProblem('Quantity', '0.000', '0.0001'), 'Quantity must be above 0');
eq('grid: off tick', gridProblem('Price', '100.005', '0.01'), 'Price 100.005 is not a multiple of 0.01');
eq('grid: ok', gridProblem('Price', '100.05', '0.01'), null);

// ---- order validation ----
const info: SymbolInfo = { symbol: 'BTC-USD', tickSize: '0.01', lotSize: '0.0001', shard: 0, referencePrice: '50000', priceBandPct: '10', maxOrderQty: '100' };
const base: OrderInput = { symbol: 'BTC-USD', side: 'buy', orderType: 'limit', timeInForce: 'GTC', price: '50000', stopPrice: '', quantity: '0.5', displayQuantity: '', expireTime: '', postOnly: false };
const now = Date.UTC(2026, 0, 1);
eq('a limit order', validateOrder(base, info, now).body, { symbol: 'BTC-USD', side: 'buy', orderType: 'limit', timeInForce: 'GTC', quantity: '0.5', price: '50000' });
eq('market: no price sent; GTC refused', validateOrder({ ...base, orderType: 'market' }, info, now).problems, ['A market order is IOC or FOK']);
eq('market IOC', validateOrder({ ...base, orderType: 'market', timeInForce: 'IOC' }, info, now).body, { symbol: 'BTC-USD', side: 'buy', orderType: 'market', timeInForce: 'IOC', quantity: '0.5' });
eq('stop_limit needs a stop price', validateOrder({ ...base, orderType: 'stop_limit' }, info, now).problems, ['Stop price is required']);
eq('stop: stop price on the tick, no price', validateOrder({ ...base, orderType: 'stop', stopPrice: '48000.5' }, info, now).body, { symbol: 'BTC-USD', side: 'buy', orderType: 'stop', timeInForce: 'GTC', quantity: '0.5', stopPrice: '48000.5' });
eq('iceberg above its quantity', validateOrder({ ...base, displayQuantity: '0.6' }, info, now).problems, ['Display quantity 0.6 is above the quantity 0.5']);
eq('GTD in the past', validateOrder({ ...base, timeInForce: 'GTD', expireTime: '2025-06-01T12:00' }, info, now).problems, ['Expire time must be in the future']);
eq('GTD expireTime in ms', validateOrder({ ...base, timeInForce: 'GTD', expireTime: '2026-06-01T12:00' }, info, now).body?.expireTime, new Date('2026-06-01T12:00').getTime());
eq('post-only IOC', validateOrder({ ...base, postOnly: true, timeInForce: 'IOC' }, info, now).problems, ['Post-only needs an order that can rest (GTC or GTD)']);
eq('off lot and off tick together', validateOrder({ ...base, price: '1.001', quantity: '0.00001' }, info, now).problems, ['Quantity 0.00001 is not a multiple of 0.0001', 'Price 1.001 is not a multiple of 0.01']);

eq('stp is sent unless none', [validateOrder({ ...base, stp: 'decrement' }, info, now).body?.stp, 'stp' in (validateOrder({ ...base, stp: 'none' }, info, now).body ?? {})], ['decrement', false]);
eq('above maxOrderQty', validateOrder({ ...base, quantity: '100.0001' }, info, now).problems, ['Quantity 100.0001 is above the maximum order quantity 100 for BTC-USD']);
eq('maxOrderQty itself is fine', validateOrder({ ...base, quantity: '100' }, info, now).problems, []);
eq('OCO: new_oco body with its legs', validateOrder({ ...base, orderType: 'oco', side: 'sell', price: '52000', stopPrice: '48000', stp: 'cancel_newest' }, info, now).body,
  { symbol: 'BTC-USD', side: 'sell', timeInForce: 'GTC', quantity: '0.5', stp: 'cancel_newest', limit: { price: '52000' }, stop: { stopPrice: '48000' } });
eq('OCO: a stop-limit leg, an iceberg post-only limit leg', validateOrder({ ...base, orderType: 'oco', price: '49000', stopPrice: '51000', stopLimitPrice: '51100', displayQuantity: '0.1', postOnly: true }, info, now).body,
  { symbol: 'BTC-USD', side: 'buy', timeInForce: 'GTC', quantity: '0.5', limit: { price: '49000', displayQuantity: '0.1', postOnly: true }, stop: { stopPrice: '51000', price: '51100' } });
eq('OCO: GTC or GTD, both prices on the tick', validateOrder({ ...base, orderType: 'oco', timeInForce: 'IOC', price: '49000.001', stopPrice: '', stopLimitPrice: '1.001' }, info, now).problems,
  ['Limit price 49000.001 is not a multiple of 0.01', 'Stop price is required', 'Stop-limit price 1.001 is not a multiple of 0.01', 'An OCO is GTC or GTD']);

// ---- operations: thread rows from a real /health/deep (journal, Kafka, two gateway threads) ----
const health = {
  status: 'ok',
  agents: [{ name: 'R', state: 'running', heartbeat: 26, commands: 25, events: 2 }, { name: 'M0', state: 'running', heartbeat: 2, commands: 2, events: 2 }],
  supervisor: [{ agent: 'R', phase: 'running', restarts: 0, lastError: null, lastRecoveryMs: null }, { agent: 'M0', phase: 'running', restarts: 1, lastError: 'killed', lastRecoveryMs: 420 }, { agent: 'J', phase: 'running', restarts: 0, lastError: null, lastRecoveryMs: null }],
  rings: [{ shard: 0, eventLag: 7, riskLag: 3, durableSeq: 2, gatewayLags: { G: 7, G1: 2 } }],
  gatewayThreads: 2, journal: 'running', ackMode: 'durable',
  kafka: { state: 'running', shipped: [2], lag: [5], failures: 0, lastError: null, restarts: 2, circuit: { state: 'closed' } },
  runtime: { G: { code: 'js', tsLoader: false }, R: { code: 'js', tsLoader: false }, M0: { code: 'js', tsLoader: false }, J: { code: 'js', tsLoader: false }, K: { code: 'ts', tsLoader: true }, G1: { code: 'js', tsLoader: false } },
};
const rows = threadRows(health);
eq('threads: R, shards, journal, gateway threads, Kafka', rows.map((r) => r.name), ['R', 'M0', 'J', 'G', 'G1', 'K']);
eq('threads: lags (risk, each gateway thread, Kafka summed)', rows.map((r) => r.lag), [3, null, null, 7, 2, 5]);
eq('threads: J from the journal state, K from kafka', rows.filter((r) => r.name === 'J' || r.name === 'K').map((r) => [r.state, r.restarts, r.ok]), [['running', 0, true], ['running', 2, true]]);
eq('threads: runtime', rows.map((r) => r.runtime), ['js', 'js', 'js', 'js', 'js', 'ts (TS loader)']);
eq('threads: one gateway thread takes the event lag; Kafka off has no row', threadRows({ ...health, gatewayThreads: 1, rings: [{ shard: 0, eventLag: 4, riskLag: 0 }], kafka: { state: 'off' } }).map((r) => `${r.name}:${r.lag ?? '-'}`), ['R:0', 'M0:-', 'J:-', 'G:4']);

// ---- the candle chart keeps a window ----
{
  const chart = new CandleChart();
  chart.el.style.cssText = 'width: 400px; height: 200px';
  document.body.append(chart.el);
  const candle = (i: number): Candle => ({ start: 1_700_000_000_000 + i * 1000, open: '10', high: '12', low: '9', close: String(10 + (i % 5)), volume: '1' });
  chart.setSnapshot(Array.from({ length: 1050 }, (_, i) => candle(i)), '1s');
  chart.render();
  eq('candles: a snapshot keeps the last 1,000', [chart.el.dataset.bars, chart.el.dataset.interval], ['1000', '1s']);
  for (let i = 1050; i < 1149; i++) {
    chart.push(candle(i));
    chart.render();
  }
  eq('candles: grows to 1,099', chart.el.dataset.bars, '1099');
  chart.push(candle(1148)); // the same bucket again: an update, not a bar
  chart.push(candle(1149));
  chart.render();
  eq('candles: trimmed back to 1,000 at 1,100', [chart.el.dataset.bars, chart.el.dataset.lastClose], ['1000', String(10 + (1149 % 5))]);
  chart.dispose();
}

// ---- the connection against a scripted WebSocket ----
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  readyState = 0;
  readonly sent: Array<Record<string, unknown>> = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(s: string): void {
    this.sent.push(JSON.parse(s) as Record<string, unknown>);
  }
  close(): void {
    this.readyState = 3;
  }
  accept(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  recv(m: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
  /** The requests of a type sent so far. */
  of(type: string): Array<Record<string, unknown>> {
    return this.sent.filter((m) => m.type === type);
  }
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<boolean> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) {
      failures.push(`timed out waiting for ${what}`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  passed += 1;
  return true;
}

async function connectionUnits(): Promise<void> {
  (globalThis as unknown as { WebSocket: unknown }).WebSocket = FakeSocket;
  const conn = new Connection('ws://fake/ws');
  const states: ConnState[] = [];
  conn.onState(() => { if (states[states.length - 1] !== conn.state) states.push(conn.state); });
  conn.start();
  const ws = FakeSocket.all[0];
  const got: Msg[] = [];
  let resets = 0;
  const topic = { channel: 'book' as const, symbol: 'X' };
  const off = conn.subscribe(topic, { reset: () => { resets += 1; }, message: (m) => got.push(m) });
  ws.accept();
  const sub1 = ws.of('subscribe')[0];
  eq('conn: subscribes on open, with an id', [sub1?.channels, typeof sub1?.id], [['book'], 'string']);
  eq('conn: syncing until the snapshot', conn.state, 'syncing');
  ws.recv({ type: 'subscribed', channels: ['book'], symbols: ['X'], id: sub1.id });
  ws.recv({ type: 'book_update', symbol: 'X', seq: 4, bids: [], asks: [] }); // before the snapshot: dropped
  ws.recv({ type: 'book_snapshot', symbol: 'X', seq: 5, bids: [], asks: [] });
  eq('conn: live once the snapshot is in; nothing before it was delivered', [conn.state, got.map((m) => m.type)], ['live', ['book_snapshot']]);

  // A gap with the subscribe budget spent: the unsubscribe is refused, retried, and only then the subscribe.
  conn.resubscribe(topic);
  eq('conn: a gap resets and unsubscribes first', [resets, conn.state, ws.of('unsubscribe').length, ws.of('subscribe').length], [2, 'syncing', 1, 1]);
  ws.recv({ type: 'error', code: -10007, name: 'RATE_LIMITED', message: 'slow down', id: ws.of('unsubscribe')[0].id });
  eq('conn: no subscribe while the server still holds the topic', ws.of('subscribe').length, 1);
  await until(() => ws.of('unsubscribe').length === 2, 'the refused unsubscribe to be sent again');
  ws.recv({ type: 'unsubscribed', channels: ['book'], symbols: ['X'], id: ws.of('unsubscribe')[1].id });
  eq('conn: then the subscribe', ws.of('subscribe').length, 2);
  const sub2 = ws.of('subscribe')[1];
  // Subscribed, but the server-wide snapshot budget was spent: not held, subscribe again.
  ws.recv({ type: 'subscribed', channels: ['book'], symbols: ['X'], id: sub2.id });
  ws.recv({ type: 'error', code: -10007, name: 'RATE_LIMITED', message: 'snapshot budget', id: sub2.id });
  await until(() => ws.of('subscribe').length === 3, 'a subscribe refused its snapshot to be sent again');
  ws.recv({ type: 'subscribed', channels: ['book'], symbols: ['X'], id: ws.of('subscribe')[2].id });
  ws.recv({ type: 'book_snapshot', symbol: 'X', seq: 40, bids: [['1', '1']], asks: [] });
  eq('conn: the fresh snapshot, live again', [conn.state, got.filter((m) => m.type === 'book_snapshot').length, conn.topicStates()[0]?.refused], ['live', 2, 2]);

  // A dropped topic is really dropped: its refused unsubscribe is retried too.
  off();
  ws.recv({ type: 'error', code: -10007, name: 'RATE_LIMITED', message: 'slow down', id: ws.of('unsubscribe')[2].id });
  ws.recv({ type: 'book_update', symbol: 'X', seq: 41, bids: [], asks: [] });
  eq('conn: nothing delivered to a dropped view', got.length, 2);
  await until(() => ws.of('unsubscribe').length === 4, 'the dropped topic\'s unsubscribe to be sent again');
  ws.recv({ type: 'unsubscribed', channels: ['book'], symbols: ['X'], id: ws.of('unsubscribe')[3].id });
  eq('conn: the topic is gone', conn.topicStates().length, 0);

  // Switching away and back while the unsubscribe is on its way: unsubscribe, then a fresh subscribe.
  const off2 = conn.subscribe({ channel: 'trades', symbol: 'X' }, { reset() {}, message() {} });
  ws.recv({ type: 'subscribed', channels: ['trades'], symbols: ['X'], id: ws.of('subscribe')[3].id });
  eq('conn: trades (no snapshot) live at subscribed', conn.state, 'live');
  off2();
  conn.subscribe({ channel: 'trades', symbol: 'X' }, { reset() {}, message() {} });
  eq('conn: back before the unsubscribe is answered: waits for it', [ws.of('unsubscribe').length, ws.of('subscribe').length], [5, 4]);
  ws.recv({ type: 'unsubscribed', channels: ['trades'], symbols: ['X'], id: ws.of('unsubscribe')[4].id });
  eq('conn: then subscribes afresh', ws.of('subscribe').length, 5);

  // Changing the account reopens the connection: pending requests are answered (null) at once.
  conn.setAuth('k1');
  const pending = conn.request({ type: 'get_account' });
  conn.setAuth('k2');
  const answer = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still pending'), 200))]);
  eq('conn: reopen rejects pending requests at once', answer, null);
  eq('conn: states seen', states, ['syncing', 'live', 'syncing', 'live', 'syncing', 'live', 'syncing', 'connecting']);
  const ws2 = FakeSocket.all[1];
  ws2.accept();
  eq('conn: the new connection authenticates and subscribes what is wanted', [ws2.of('auth')[0]?.token, ws2.of('subscribe').map((m) => m.channels)], ['k2', [['trades']]]);
}

void connectionUnits().catch((e: Error) => failures.push(`connection units threw: ${e.message}`)).finally(() => {
  (window as unknown as { unitResults: unknown }).unitResults = { passed, failures };
});

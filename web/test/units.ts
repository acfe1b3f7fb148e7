/**
 * Unit checks of the console's pure parts, run inside Chromium by test/web-console.test.ts (bundled
 * with esbuild into a blank page): the book's sequence rules, exact decimal grid checks and order
 * validation. Publishes `window.unitResults = { passed, failures }`.
 */
import type { SymbolInfo } from '../src/app.ts';
import { BookState } from '../src/book.ts';
import { cmpDec, gridProblem, isMultipleOf, subDec } from '../src/decimal.ts';
import { validateOrder } from '../src/validate.ts';
import type { OrderInput } from '../src/validate.ts';

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

(window as unknown as { unitResults: unknown }).unitResults = { passed, failures };

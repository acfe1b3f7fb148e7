/**
 * The account API over real HTTP and WebSocket: views (orders, fills, account) equal to what the
 * engine holds, authorization (another account's orders are 404), REST order entry with the same
 * codes as the WebSocket path, idempotent retries, candles and tickers against the trades.
 */
import { describe, expect, it } from 'vitest';
import { gatewayHarness } from './gateway-fixture.ts';
import type { Server } from './gateway-fixture.ts';
import { until } from './wait.ts';
import { GatewayCode } from '../gateway/protocol.ts';
import { ResultCode } from '../engine/codes.ts';
import { RISK_AGENT } from '../engine/control.ts';
import { formatUnits, formatUnitsBig } from '../engine/decimal.ts';

const { server, connect } = gatewayHarness();

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(srv: Server, method: string, path: string, opts: { key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = { ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}), ...opts.headers };
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const r = await fetch(`${srv.http}${path}`, { method, headers, body });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Json) : {} };
}

const ALICE = 'dev-alice-key';
const BOB = 'dev-bob-key';

describe('account views and REST order entry', () => {
  it('places, reads, replaces and cancels an order over REST; the views match the engine and another account sees nothing', async () => {
    const srv = await server();
    const placed = await call(srv, 'POST', '/v1/orders', { key: ALICE, body: { symbol: 'BTC-USD', side: 'buy', price: '49000', quantity: '0.01', clientOrderId: 'r-1' } });
    expect(placed.status).toBe(201);
    expect(placed.body.idempotentReplay).toBe(false);
    expect(placed.body.report).toMatchObject({ execType: 'new', orderStatus: 'new', clientOrderId: 'r-1', symbol: 'BTC-USD', price: '49000', quantity: '0.01', leavesQuantity: '0.01' });
    const id = placed.body.report.orderId as string;

    const open = await call(srv, 'GET', '/v1/orders', { key: ALICE });
    expect(open.status).toBe(200);
    expect(open.body.orders.map((o: Json) => o.orderId)).toEqual([id]);
    expect(open.body.orders[0]).toMatchObject({ open: true, orderStatus: 'new', clientOrderId: 'r-1' });
    expect((await call(srv, 'GET', `/v1/orders/${id}`, { key: ALICE })).body).toMatchObject({ orderId: id, open: true });
    expect((await call(srv, 'GET', '/v1/orders/by-client-id/r-1', { key: ALICE })).body).toMatchObject({ orderId: id });
    // Another account: the same ids are not found; its own lists are empty.
    expect((await call(srv, 'GET', `/v1/orders/${id}`, { key: BOB })).status).toBe(404);
    expect((await call(srv, 'GET', '/v1/orders/by-client-id/r-1', { key: BOB })).status).toBe(404);
    expect((await call(srv, 'DELETE', `/v1/orders/${id}`, { key: BOB })).status).toBe(404);
    expect((await call(srv, 'GET', '/v1/orders', { key: BOB })).body.orders).toEqual([]);

    // Credit in use: price × quantity (49000 × 0.01 = 490 notional units).
    const acct = await call(srv, 'GET', '/v1/account', { key: ALICE });
    expect(acct.body).toMatchObject({ account: 'alice', creditLimit: '10000000', creditInUse: '490', creditAvailable: '9999510', openOrders: 1 });

    const replaced = await call(srv, 'POST', `/v1/orders/${id}/replace`, { key: ALICE, body: { price: '48000', newClientOrderId: 'r-1b' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.report).toMatchObject({ execType: 'replaced', price: '48000', clientOrderId: 'r-1b', origClientOrderId: 'r-1' });
    expect((await call(srv, 'GET', '/v1/account', { key: ALICE })).body.creditInUse).toBe('480');

    const canceled = await call(srv, 'DELETE', `/v1/orders/${id}`, { key: ALICE });
    expect(canceled.status).toBe(200);
    expect(canceled.body.report).toMatchObject({ execType: 'canceled', orderStatus: 'canceled', canceledQuantity: '0.01' });
    expect((await call(srv, 'GET', '/v1/orders', { key: ALICE })).body.orders).toEqual([]);
    const closed = await call(srv, 'GET', '/v1/orders?status=closed', { key: ALICE });
    expect(closed.body.orders[0]).toMatchObject({ orderId: id, open: false, orderStatus: 'canceled' });
    // Cancelling again: the engine's refusal, as on WebSocket.
    const again = await call(srv, 'DELETE', `/v1/orders/${id}`, { key: ALICE });
    expect(again.status).toBe(422);
    expect(again.body.report.execType).toBe('rejected');
    expect((await call(srv, 'GET', '/v1/account', { key: ALICE })).body).toMatchObject({ creditInUse: '0', openOrders: 0 });
  });

  it('fills and positions follow trades for both sides; fills page by trade id', async () => {
    const srv = await server();
    for (let i = 0; i < 5; i++) {
      expect((await call(srv, 'POST', '/v1/orders', { key: BOB, body: { symbol: 'ETH-USD', side: 'sell', price: String(3000 + i), quantity: '0.1', clientOrderId: `s${i}` } })).status).toBe(201);
    }
    const taker = await call(srv, 'POST', '/v1/orders', { key: ALICE, body: { symbol: 'ETH-USD', side: 'buy', orderType: 'market', quantity: '0.5', clientOrderId: 'mkt' } });
    expect(taker.status).toBe(201);
    expect(taker.body.report).toMatchObject({ orderStatus: 'filled', cumQuantity: '0.5' });
    expect(taker.body.reports.filter((r: Json) => r.execType === 'trade')).toHaveLength(5);

    const page1 = await call(srv, 'GET', '/v1/fills?limit=2', { key: ALICE });
    expect(page1.body.fills).toHaveLength(2);
    expect(page1.body.next).toBe(page1.body.fills[1].tradeId);
    const page2 = await call(srv, 'GET', `/v1/fills?limit=10&after=${page1.body.next}`, { key: ALICE });
    expect(page2.body.fills).toHaveLength(3);
    expect(page2.body.next).toBeNull();
    const all = [...page1.body.fills, ...page2.body.fills];
    expect(all.map((f: Json) => f.price)).toEqual(['3000', '3001', '3002', '3003', '3004']);
    expect(all.every((f: Json) => f.liquidity === 'taker' && f.side === 'buy' && f.clientOrderId === 'mkt' && f.symbol === 'ETH-USD')).toBe(true);
    const makerFills = (await call(srv, 'GET', '/v1/fills?symbol=ETH-USD', { key: BOB })).body.fills;
    expect(makerFills.map((f: Json) => [f.liquidity, f.side, f.clientOrderId])).toEqual([0, 1, 2, 3, 4].map((i) => ['maker', 'sell', `s${i}`]));
    expect((await call(srv, 'GET', '/v1/fills?symbol=BTC-USD', { key: BOB })).body.fills).toEqual([]);

    const pos = (await call(srv, 'GET', '/v1/account', { key: ALICE })).body.positions.find((p: Json) => p.symbol === 'ETH-USD');
    expect(pos.position).toBe('0.5');
    const bobPos = (await call(srv, 'GET', '/v1/account', { key: BOB })).body.positions.find((p: Json) => p.symbol === 'ETH-USD');
    expect(bobPos.position).toBe('-0.5');

    // Candles and ticker from the same trades (public).
    const candles = await call(srv, 'GET', '/v1/candles/ETH-USD?interval=1m');
    expect(candles.status).toBe(200);
    const volume = candles.body.candles.reduce((s: number, c: Json) => s + Number(c.volume), 0);
    expect(volume).toBeCloseTo(0.5, 9);
    expect(candles.body.candles.reduce((s: number, c: Json) => s + c.trades, 0)).toBe(5);
    const ticker = (await call(srv, 'GET', '/v1/ticker/ETH-USD')).body;
    expect(ticker).toMatchObject({ symbol: 'ETH-USD', last: '3004', high: '3004', low: '3000', volume: '0.5', trades: 5 });
    expect((await call(srv, 'GET', '/v1/ticker')).body.tickers).toHaveLength(3);
    expect((await call(srv, 'GET', '/v1/candles/NOPE')).status).toBe(404);
    expect((await call(srv, 'GET', '/v1/candles/ETH-USD?interval=2m')).status).toBe(400);

    // The same over WebSocket.
    const ws = await connect(srv, ALICE);
    expect(await ws.request({ type: 'get_fills', limit: 1 })).toMatchObject({ type: 'fills', next: all[0].tradeId });
    expect(await ws.request({ type: 'get_account' })).toMatchObject({ type: 'account', account: 'alice' });
    expect(await ws.request({ type: 'get_open_orders' })).toMatchObject({ type: 'orders', orders: [] });
    expect(await ws.request({ type: 'get_order', clientOrderId: 'mkt' })).toMatchObject({ type: 'order', order: { orderStatus: 'filled', open: false } });
    expect(await ws.request({ type: 'get_order', orderId: '999999' })).toMatchObject({ type: 'error', code: GatewayCode.NOT_FOUND });
  });

  it('idempotent retries: the same key answers the original outcome and places one order; a different order under it is a conflict', async () => {
    const srv = await server();
    const body = { symbol: 'SOL-USD', side: 'buy', price: '140', quantity: '1' };
    const headers = { 'idempotency-key': 'idem-1' };
    // The first request and two retries in flight together.
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => call(srv, 'POST', '/v1/orders', { key: ALICE, body, headers })));
    const statuses = [a.status, b.status, c.status].sort();
    expect(statuses).toEqual([200, 200, 201]);
    const ids = new Set([a, b, c].map((r) => r.body.report.orderId));
    expect(ids.size).toBe(1);
    expect([a, b, c].filter((r) => r.body.idempotentReplay)).toHaveLength(2);
    // A later retry: from the views.
    const later = await call(srv, 'POST', '/v1/orders', { key: ALICE, body: { ...body, clientOrderId: 'idem-1' } });
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ idempotentReplay: true, report: { orderId: a.body.report.orderId, execType: 'new', clientOrderId: 'idem-1' } });
    expect((await call(srv, 'GET', '/v1/orders?symbol=SOL-USD', { key: ALICE })).body.orders).toHaveLength(1);
    // The same key for another order: 409; a key that disagrees with the clientOrderId: 400.
    expect((await call(srv, 'POST', '/v1/orders', { key: ALICE, body: { ...body, quantity: '2' }, headers })).body.code).toBe(GatewayCode.IDEMPOTENCY_CONFLICT);
    expect((await call(srv, 'POST', '/v1/orders', { key: ALICE, body: { ...body, quantity: '2' }, headers })).status).toBe(409);
    expect((await call(srv, 'POST', '/v1/orders', { key: ALICE, body: { ...body, clientOrderId: 'other' }, headers })).status).toBe(400);
    // After the order is canceled, the key still answers the original outcome (it is in the closed window).
    await call(srv, 'DELETE', '/v1/orders/by-client-id/idem-1', { key: ALICE });
    const afterCancel = await call(srv, 'POST', '/v1/orders', { key: ALICE, body, headers });
    expect(afterCancel.body).toMatchObject({ idempotentReplay: true, report: { orderId: a.body.report.orderId, execType: 'new' } });
    // Another account may use the same key: it is its own order.
    const bob = await call(srv, 'POST', '/v1/orders', { key: BOB, body, headers });
    expect(bob.status).toBe(201);
    expect(bob.body.report.orderId).not.toBe(a.body.report.orderId);
    // A refused order is an outcome too: its retry answers the same refusal.
    const bad = { symbol: 'SOL-USD', side: 'buy', price: '1', quantity: '1', clientOrderId: 'band' };
    const refused = await call(srv, 'POST', '/v1/orders', { key: ALICE, body: bad });
    expect(refused.status).toBe(422);
    expect(refused.body.report).toMatchObject({ execType: 'rejected', rejectCode: ResultCode.RISK_PRICE_BAND });
    const refusedAgain = await call(srv, 'POST', '/v1/orders', { key: ALICE, body: bad });
    expect(refusedAgain.status).toBe(200);
    expect(refusedAgain.body).toMatchObject({ idempotentReplay: true, report: { execType: 'rejected', rejectCode: ResultCode.RISK_PRICE_BAND } });
  });

  it('refuses bad requests with stable codes and bounded cost', async () => {
    const srv = await server({ maxMessageBytes: 1024, rateLimit: { perSecond: 5, burst: 20 } });
    expect((await call(srv, 'GET', '/v1/orders')).status).toBe(401);
    expect((await call(srv, 'GET', '/v1/orders', { key: 'nope' })).body.code).toBe(GatewayCode.AUTH_FAILED);
    expect((await call(srv, 'POST', '/v1/orders', { key: ALICE, body: 'symbol=BTC-USD', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    expect((await call(srv, 'POST', '/v1/orders', { key: ALICE, body: '{"symbol":' })).body.code).toBe(GatewayCode.BAD_JSON);
    expect((await call(srv, 'POST', '/v1/orders', { key: ALICE, body: { symbol: 'BTC-USD', side: 'buy', price: '1', quantity: '1', clientOrderId: 'x'.repeat(2000) } })).status).toBe(413);
    const noId = await call(srv, 'POST', '/v1/orders', { key: ALICE, body: { symbol: 'BTC-USD', side: 'buy', price: '50000', quantity: '1' } });
    expect(noId).toMatchObject({ status: 400, body: { code: GatewayCode.MISSING_FIELD } });
    const offTick = await call(srv, 'POST', '/v1/orders', { key: ALICE, body: { symbol: 'BTC-USD', side: 'buy', price: '50000.001', quantity: '1', clientOrderId: 'ot' } });
    expect(offTick).toMatchObject({ status: 400, body: { code: ResultCode.RISK_PRICE_OFF_TICK } });
    expect((await call(srv, 'GET', '/v1/orders?status=maybe', { key: ALICE })).status).toBe(400);
    expect((await call(srv, 'DELETE', '/v1/orders?symbol=', { key: ALICE })).status).toBe(400);
    expect((await call(srv, 'DELETE', '/v1/orders?symbol=NOPE', { key: ALICE })).status).toBe(404);
    expect((await call(srv, 'POST', '/v1/orders', { key: ALICE, body: { symbol: 'NOPE', side: 'buy', price: '1', quantity: '1', clientOrderId: 'ns' } })).body.code).toBe(ResultCode.RISK_UNKNOWN_SYMBOL);
    expect((await call(srv, 'POST', '/v1/orders', { key: ALICE, body: { symbol: 'NOPE', side: 'buy', price: '1', quantity: '1', clientOrderId: 'ns' } })).status).toBe(400);
    expect((await call(srv, 'DELETE', '/v1/orders/%ZZ', { key: ALICE })).status).toBe(400);
    expect((await call(srv, 'GET', '/v1/orders?symbol=NOPE', { key: ALICE })).status).toBe(404);
    expect((await call(srv, 'GET', '/v1/fills?limit=0', { key: ALICE })).status).toBe(400);
    expect((await call(srv, 'GET', '/v1/orders/abc', { key: ALICE })).status).toBe(400);
    // The account's rate limit (the WebSocket one, per key).
    const results = await Promise.all(Array.from({ length: 30 }, () => call(srv, 'GET', '/v1/account', { key: BOB })));
    expect(results.some((r) => r.status === 429 && r.body.code === GatewayCode.RATE_LIMITED)).toBe(true);
    // Nothing of this reached the engine as an order.
    expect((await call(srv, 'GET', '/v1/orders?status=all', { key: ALICE })).body.orders).toEqual([]);
  });

  it('mass cancel over REST answers how many orders went; WebSocket clients of the account get the reports too', async () => {
    const srv = await server();
    const ws = await connect(srv, ALICE);
    for (const s of ['BTC-USD', 'ETH-USD']) {
      for (let i = 0; i < 3; i++) await call(srv, 'POST', '/v1/orders', { key: ALICE, body: { symbol: s, side: 'buy', price: s === 'BTC-USD' ? '49000' : '2900', quantity: '0.01', clientOrderId: `${s}-${i}` } });
    }
    await ws.next((m) => m.type === 'execution_report' && m.clientOrderId === 'ETH-USD-2');
    const one = await call(srv, 'DELETE', '/v1/orders?symbol=BTC-USD', { key: ALICE });
    expect(one).toMatchObject({ status: 200, body: { canceled: 3 } });
    const rest = await call(srv, 'DELETE', '/v1/orders', { key: ALICE });
    expect(rest).toMatchObject({ status: 200, body: { canceled: 3 } });
    await until(() => ws.messages.filter((m) => m.execType === 'canceled').length === 6, 5_000, 'the cancel reports on WebSocket');
    expect((await call(srv, 'GET', '/v1/account', { key: ALICE })).body).toMatchObject({ openOrders: 0, creditInUse: '0' });
  });

  it('after random traffic over both ways in, every account view equals the risk stage\'s and the books\' own state', async () => {
    const srv = await server();
    const spec = srv.engine.spec;
    const keys = [ALICE, BOB, 'dev-mm-key'];
    const wss = await Promise.all(keys.map((k) => connect(srv, k)));
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < 300; i++) {
      const a = rnd(3);
      const side = rnd(2) === 0 ? 'buy' : 'sell';
      const price = String(2950 + rnd(100));
      const order = { symbol: 'ETH-USD', side, price, quantity: `0.${1 + rnd(9)}`, clientOrderId: `t${i}`, ...(rnd(5) === 0 ? { timeInForce: 'IOC' } : {}) };
      if (rnd(2) === 0) pending.push(call(srv, 'POST', '/v1/orders', { key: keys[a], body: order }));
      else pending.push(wss[a].request({ type: 'new_order', ...order }));
      if (rnd(6) === 0) pending.push(wss[a].request({ type: 'cancel_order', symbol: 'ETH-USD', clientOrderId: `t${rnd(i + 1)}` }));
    }
    await Promise.all(pending);
    await until(() => srv.engine.eventRings.every((_, k) => srv.engine.lag(k, 'G') === 0), 5_000, 'the gateway read every event');
    const eth = spec.symbols.find((s) => s.name === 'ETH-USD')!;
    for (let a = 0; a < 3; a++) {
      const risk = await srv.engine.query<{ openNotional: bigint; openOrders: number; positions: number[]; buyOpen: number[]; sellOpen: number[] }>(RISK_AGENT, { what: 'account', account: a });
      const view = (await call(srv, 'GET', '/v1/account', { key: keys[a] })).body;
      expect(view.openOrders).toBe(risk.openOrders);
      expect(view.creditInUse).toBe(formatUnitsBig(risk.openNotional, spec.notionalUnit));
      const pos = view.positions.find((p: Json) => p.symbol === 'ETH-USD');
      expect(pos).toMatchObject({ position: formatUnits(risk.positions[eth.id], eth.lot), openBuyQuantity: formatUnits(risk.buyOpen[eth.id], eth.lot), openSellQuantity: formatUnits(risk.sellOpen[eth.id], eth.lot) });
      const open = (await call(srv, 'GET', '/v1/orders', { key: keys[a] })).body.orders as Json[];
      expect(open).toHaveLength(risk.openOrders);
    }
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { Client } from './ws-client.ts';
import type { Msg } from './ws-client.ts';
import { ADMIN_KEY, gatewayHarness } from './gateway-fixture.ts';
import type { Server } from './gateway-fixture.ts';
import { GatewayCode } from '../gateway/protocol.ts';
import { ResultCode } from '../engine/codes.ts';
import { until } from './wait.ts';

const h = gatewayHarness('all');
let srv: Server;
beforeAll(async () => {
  srv = await h.server();
});
const connect = (key?: string): Promise<Client> => h.connect(srv, key);

const report = (execType: string, clientOrderId?: string) => (m: Msg): boolean =>
  m.type === 'execution_report' && m.execType === execType && (clientOrderId === undefined || m.clientOrderId === clientOrderId);

describe('WebSocket order entry (JSON)', () => {
  it('authenticates by message or Authorization header, and refuses unknown keys', async () => {
    const a = await connect();
    expect(await a.request({ type: 'auth', token: 'nope' })).toMatchObject({ type: 'error', code: GatewayCode.AUTH_FAILED });
    expect(await a.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'x', side: 'buy', price: '1', quantity: '1' })).toMatchObject({ code: GatewayCode.NOT_AUTHENTICATED });
    expect(await a.request({ type: 'auth', token: 'dev-alice-key' })).toMatchObject({ type: 'auth_ack', account: 'alice' });
    await expect(Client.connect(srv.url, 'wrong-key')).rejects.toThrow(/401/);
    const h = await connect('dev-bob-key');
    expect(await h.request({ type: 'ping' })).toEqual(expect.objectContaining({ type: 'pong' }));
  });

  it('runs a full lifecycle: rest, partial fill as maker and taker, cancel by client id', async () => {
    const bob = await connect('dev-bob-key');
    const alice = await connect('dev-alice-key');
    const ack = await bob.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'bob-s1', side: 'sell', orderType: 'limit', timeInForce: 'GTC', price: '50000.5', quantity: '0.0002' });
    expect(ack).toMatchObject({ execType: 'new', orderStatus: 'new', clientOrderId: 'bob-s1', price: '50000.5', quantity: '0.0002', cumQuantity: '0', leavesQuantity: '0.0002', side: 'sell' });
    const newAck = await alice.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'al-b1', side: 'buy', price: '50001', quantity: '0.0005' });
    expect(newAck).toMatchObject({ execType: 'new', orderStatus: 'new' });
    const taker = await alice.next(report('trade', 'al-b1'));
    expect(taker).toMatchObject({ liquidity: 'taker', lastPrice: '50000.5', lastQuantity: '0.0002', cumQuantity: '0.0002', leavesQuantity: '0.0003', orderStatus: 'partially_filled' });
    const maker = await bob.next(report('trade', 'bob-s1'));
    expect(maker).toMatchObject({ liquidity: 'maker', lastQuantity: '0.0002', leavesQuantity: '0', orderStatus: 'filled', tradeId: taker.tradeId });
    const cxl = await alice.request({ type: 'cancel_order', symbol: 'BTC-USD', clientOrderId: 'al-b1' });
    expect(cxl).toMatchObject({ execType: 'canceled', orderStatus: 'canceled', leavesQuantity: '0', canceledQuantity: '0.0003', reason: 'user' });
    for (const r of [ack, newAck, taker, maker, cxl]) expect(typeof r.seq).toBe('number');
  });

  it('IOC, FOK and post-only behave as documented', async () => {
    const alice = await connect('dev-alice-key');
    const ioc = await alice.request({ type: 'new_order', symbol: 'ETH-USD', clientOrderId: 'ioc1', side: 'buy', timeInForce: 'IOC', price: '3000', quantity: '1' });
    expect(ioc.execType).toBe('new');
    expect(await alice.next(report('canceled', 'ioc1'))).toMatchObject({ reason: 'ioc_remainder', canceledQuantity: '1' });
    await alice.request({ type: 'new_order', symbol: 'ETH-USD', clientOrderId: 'fok1', side: 'buy', timeInForce: 'FOK', price: '3000', quantity: '1' });
    expect(await alice.next(report('expired', 'fok1'))).toMatchObject({ orderStatus: 'expired', reason: 'fok_not_fillable' });
    const bob = await connect('dev-bob-key');
    await bob.request({ type: 'new_order', symbol: 'ETH-USD', clientOrderId: 'e-ask', side: 'sell', price: '3001', quantity: '1' });
    const po = await alice.request({ type: 'new_order', symbol: 'ETH-USD', clientOrderId: 'po1', side: 'buy', postOnly: true, price: '3001', quantity: '1' });
    expect(po).toMatchObject({ execType: 'rejected', rejectReason: 'MATCH_POST_ONLY_WOULD_TAKE', rejectCode: ResultCode.MATCH_POST_ONLY_WOULD_TAKE });
    await bob.request({ type: 'cancel_all', symbol: 'ETH-USD' });
  });

  it('replace keeps or loses priority and swaps the client id; another account\'s order is unknown', async () => {
    const bob = await connect('dev-bob-key');
    const alice = await connect('dev-alice-key');
    const a = await bob.request({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: 'sol-a', side: 'sell', price: '151', quantity: '5' });
    const r = await bob.request({ type: 'replace_order', symbol: 'SOL-USD', orderId: a.orderId, quantity: '3', newClientOrderId: 'sol-a2' });
    expect(r).toMatchObject({ execType: 'replaced', clientOrderId: 'sol-a2', origClientOrderId: 'sol-a', quantity: '3', leavesQuantity: '3', orderId: a.orderId });
    const steal = await alice.request({ type: 'cancel_order', symbol: 'SOL-USD', orderId: a.orderId });
    expect(steal).toMatchObject({ execType: 'rejected', rejectReason: 'RISK_UNKNOWN_ORDER' });
    bob.send({ type: 'cancel_all', id: 'ca' });
    // The canceled report echoes the request id too; the ack comes after the shards finished.
    expect(await bob.next((m) => m.type === 'cancel_all_ack')).toMatchObject({ canceled: 1, id: 'ca' });
  });

  it('answers malformed input with stable error codes and keeps the connection', async () => {
    const c = await connect('dev-alice-key');
    const cases: Array<[string | Record<string, unknown>, number]> = [
      ['{not json', GatewayCode.BAD_JSON],
      ['[1,2]', GatewayCode.BAD_JSON],
      [{ type: 'teleport' }, GatewayCode.UNKNOWN_TYPE],
      [{ nope: 1 }, GatewayCode.MISSING_FIELD],
      [{ type: 'new_order', symbol: 'BTC-USD', side: 'buy', price: '1', quantity: '1' }, GatewayCode.MISSING_FIELD],
      [{ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'q', side: 'up', price: '1', quantity: '1' }, GatewayCode.BAD_FIELD],
      [{ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'q', side: 'buy', price: '1e3', quantity: '1' }, ResultCode.RISK_BAD_DECIMAL],
      [{ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'q', side: 'buy', price: '100.001', quantity: '1' }, ResultCode.RISK_PRICE_OFF_TICK],
      [{ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'q', side: 'buy', price: '100', quantity: '0.00001' }, ResultCode.RISK_QUANTITY_OFF_LOT],
      [{ type: 'new_order', symbol: 'DOGE-USD', clientOrderId: 'q', side: 'buy', price: '1', quantity: '1' }, ResultCode.RISK_UNKNOWN_SYMBOL],
      [{ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'has space', side: 'buy', price: '1', quantity: '1' }, GatewayCode.BAD_FIELD],
      [{ type: 'subscribe', channels: ['gossip'], symbols: ['BTC-USD'] }, GatewayCode.BAD_FIELD],
      ['x'.repeat(20_000), GatewayCode.FRAME_TOO_LARGE],
    ];
    for (const [msg, code] of cases) {
      c.sendRaw(typeof msg === 'string' ? msg : JSON.stringify(msg));
      const e = await c.next((m) => m.type === 'error');
      expect([e.code, msg]).toEqual([code, msg]);
      expect(typeof e.message).toBe('string');
    }
    c.sendRaw(Buffer.from([1, 2, 3]));
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: GatewayCode.BAD_BINARY });
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    // A risk rejection comes back as a report with the stable reason code.
    const big = await c.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'big', side: 'buy', price: '50000', quantity: '101' });
    expect(big).toMatchObject({ execType: 'rejected', rejectReason: 'RISK_MAX_ORDER_QTY', rejectCode: ResultCode.RISK_MAX_ORDER_QTY });
  });
});

describe('market data', () => {
  it('book snapshot + updates reproduce GET /v1/book, with gapless sequence numbers', async () => {
    const md = await connect();
    md.send({ type: 'subscribe', channels: ['book', 'trades', 'bbo'], symbols: ['SOL-USD'], id: 's' });
    await md.next((m) => m.type === 'subscribed');
    const snap = await md.next((m) => m.type === 'book_snapshot');
    const book = { bids: new Map<string, string>(), asks: new Map<string, string>() };
    for (const [p, q] of snap.bids as string[][]) book.bids.set(p, q);
    for (const [p, q] of snap.asks as string[][]) book.asks.set(p, q);
    let seq = snap.seq as number;
    const bob = await connect('dev-bob-key');
    const alice = await connect('dev-alice-key');
    for (let i = 0; i < 20; i++) bob.send({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: `mk${i}`, side: i % 2 ? 'sell' : 'buy', price: String(i % 2 ? 150.5 + (i % 5) : 149.5 - (i % 5)), quantity: '10' });
    for (let i = 0; i < 20; i++) await bob.next(report('new', `mk${i}`));
    for (let i = 0; i < 5; i++) alice.send({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: `tk${i}`, side: 'buy', timeInForce: 'IOC', price: '152', quantity: '7' });
    for (let i = 0; i < 5; i++) await alice.next((m) => m.clientOrderId === `tk${i}` && m.orderStatus !== 'new' && m.orderStatus !== 'partially_filled');
    const trade = await md.next((m) => m.type === 'trade');
    expect(trade).toMatchObject({ symbol: 'SOL-USD', seq: 1 });
    // Every update up to the book the server holds now has reached the subscriber.
    const now = ((await (await fetch(`${srv.http}/v1/book/SOL-USD`)).json()) as { seq: number }).seq;
    await until(() => now === seq || md.messages.some((m) => m.type === 'book_update' && m.seq === now), 10_000, `book_update ${now}`);
    for (const u of md.messages.filter((m) => m.type === 'book_update')) {
      expect(u.seq).toBe(++seq);
      for (const [p, q] of u.bids as string[][]) (q === '0' ? book.bids.delete(p) : book.bids.set(p, q));
      for (const [p, q] of u.asks as string[][]) (q === '0' ? book.asks.delete(p) : book.asks.set(p, q));
    }
    const http = (await (await fetch(`${srv.http}/v1/book/SOL-USD`)).json()) as { seq: number; bids: string[][]; asks: string[][] };
    expect(http.seq).toBe(seq);
    expect([...book.bids].sort((a, b) => Number(b[0]) - Number(a[0]))).toEqual(http.bids);
    expect([...book.asks].sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(http.asks);
    // The projection agrees with the matching shard's own book.
    const engineDepth = await srv.engine.query<Array<[number, number, number]>>(1, { what: 'depth', symbol: 2, side: 2 });
    expect(engineDepth.map(([p, q]) => [p, q])).toEqual(srv.gateway.feeds.rawLevels(2, false));
    const bbos = md.messages.filter((m) => m.type === 'bbo');
    expect(bbos.length).toBeGreaterThan(0);
    await bob.request({ type: 'cancel_all' });
  });
});

describe('HTTP', () => {
  it('serves health, metrics, symbols, and admin actions behind the admin key', async () => {
    expect(await (await fetch(`${srv.http}/health`)).json()).toEqual({ status: 'ok' });
    const deep = await fetch(`${srv.http}/health/deep`);
    expect(deep.status).toBe(200);
    const metrics = await (await fetch(`${srv.http}/metrics`)).text();
    expect(metrics).toMatch(/^ringmatch_trades_total \d+$/m);
    expect(metrics).toMatch(/ringmatch_order_to_report_microseconds\{quantile="0.99"\} \d+/);
    const symbols = (await (await fetch(`${srv.http}/v1/symbols`)).json()) as Array<{ symbol: string; tickSize: string }>;
    expect(symbols.map((s) => s.symbol)).toEqual(['BTC-USD', 'ETH-USD', 'SOL-USD']);
    expect((await fetch(`${srv.http}/v1/book/NOPE`)).status).toBe(404);
    expect((await fetch(`${srv.http}/v1/admin/symbols/ETH-USD/halt`, { method: 'POST' })).status).toBe(403);
    expect((await fetch(`${srv.http}/v1/admin/symbols/ETH-USD/halt`, { method: 'POST', headers: { 'x-admin-key': ADMIN_KEY } })).status).toBe(202);
    const alice = await connect('dev-alice-key');
    // The halt is a command in the same ring: a later order sees it.
    const r = await alice.request({ type: 'new_order', symbol: 'ETH-USD', clientOrderId: 'halted', side: 'buy', price: '2990', quantity: '1' });
    expect(r).toMatchObject({ execType: 'rejected', rejectReason: 'RISK_SYMBOL_HALTED' });
    await fetch(`${srv.http}/v1/admin/symbols/ETH-USD/resume`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect((await alice.request({ type: 'new_order', symbol: 'ETH-USD', clientOrderId: 'open', side: 'buy', price: '2990', quantity: '1' })).execType).toBe('new');
    await alice.request({ type: 'cancel_all' });
  });
});

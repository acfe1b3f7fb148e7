/**
 * Hardening (issue #13), against the real gateway over real sockets: nothing unauthenticated can
 * crash or stall the server, input is bounded before any recursive work, enums are closed sets,
 * shared responses are computed once per change or interval, floods are closed.
 */
import { describe, expect, it } from 'vitest';
import { GatewayCode } from '../gateway/protocol.ts';
import { BOOK_DEPTH_DEFAULT, BOOK_DEPTH_MAX } from '../gateway/server.ts';
import { ResultCode } from '../engine/codes.ts';
import { ADMIN_KEY, gatewayHarness } from './gateway-fixture.ts';
import type { Server } from './gateway-fixture.ts';

const { server, connect } = gatewayHarness('each');

async function alive(srv: Server): Promise<void> {
  expect((await fetch(`${srv.http}/health`)).status).toBe(200);
}

describe('hardening: unauthenticated requests cannot crash or stall the server', () => {
  it('malformed percent-encoding in a path is a 400, on public and admin routes alike', async () => {
    const srv = await server();
    for (const path of ['/v1/book/%', '/v1/book/%E0%A4%A', '/v1/book/%ZZ']) {
      const r = await fetch(`${srv.http}${path}`);
      expect(r.status, path).toBe(400);
      expect(await r.json()).toMatchObject({ code: GatewayCode.BAD_FIELD });
    }
    const admin = await fetch(`${srv.http}/v1/admin/symbols/%E0%A4%A/halt`, { method: 'POST', headers: { 'x-admin-key': ADMIN_KEY } });
    expect(admin.status).toBe(400);
    await alive(srv);
  });

  it('a deeply nested frame is refused before any recursive work (parse, stringify, error text)', async () => {
    const srv = await server();
    const c = await connect(srv);
    const deep = `{"type":"subscribe","id":"deep","channels":["book"],"symbols":${'['.repeat(6_000)}${']'.repeat(6_000)}}`;
    expect(deep.length).toBeGreaterThan(12_000);
    c.sendRaw(deep);
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: GatewayCode.BAD_JSON, message: expect.stringMatching(/nested deeper than/) });
    // One level too deep for the list itself is still refused with a short message, not echoed.
    expect(await c.request({ type: 'subscribe', id: 's2', channels: ['book'], symbols: [[['BTC-USD']]] })).toMatchObject({ code: ResultCode.RISK_UNKNOWN_SYMBOL, message: 'unknown symbol a list' });
    await alive(srv);
  });

  it('subscriptions are de-duplicated, limited per connection and rate-limited; book snapshots are built once per change', async () => {
    const srv = await server({ maxSubscriptions: 4, subscribeRate: { perSecond: 0.001, burst: 5 } });
    const bob = await connect(srv, 'dev-bob-key');
    for (let i = 0; i < 50; i++) bob.send({ type: 'new_order', symbol: 'ETH-USD', clientOrderId: `w${i}`, side: 'sell', price: (3001 + i / 100).toFixed(2), quantity: '0.01' });
    await bob.next((m) => m.clientOrderId === 'w49' && m.execType === 'new');
    const builds0 = srv.gateway.feeds.snapshotBuilds;
    const c = await connect(srv);
    // The same symbol 1,500 times in one request: one subscription, one snapshot.
    const ack = await c.request({ type: 'subscribe', id: 'many', channels: ['book'], symbols: Array.from({ length: 1_500 }, () => 'ETH-USD') }).catch((e: Error) => e);
    expect(ack).toMatchObject({ type: 'error', code: GatewayCode.TOO_MANY_SUBSCRIPTIONS }); // over the per-request list limit (4)
    expect(await c.request({ type: 'subscribe', id: 'dup', channels: ['book', 'book'], symbols: ['ETH-USD', 'ETH-USD', 'ETH-USD'] })).toMatchObject({ type: 'subscribed', channels: ['book'], symbols: ['ETH-USD'] });
    // Subscribing again to what is held sends no second snapshot.
    expect(await c.request({ type: 'subscribe', id: 'again', channels: ['book'], symbols: ['ETH-USD'] })).toMatchObject({ type: 'subscribed' });
    await c.request({ type: 'ping', id: 'p' });
    expect(c.messages.filter((m) => m.type === 'book_snapshot')).toHaveLength(1);
    // A second connection's snapshot of the unchanged book is the shared one: no rebuild.
    const d = await connect(srv);
    await d.request({ type: 'subscribe', id: 'd', channels: ['book'], symbols: ['ETH-USD'] });
    await d.next((m) => m.type === 'book_snapshot');
    expect(srv.gateway.feeds.snapshotBuilds - builds0).toBe(1);
    // At most maxSubscriptions topics per connection.
    expect(await c.request({ type: 'subscribe', id: 'more', channels: ['trades', 'bbo', 'book'], symbols: ['BTC-USD', 'SOL-USD'] })).toMatchObject({ code: GatewayCode.TOO_MANY_SUBSCRIPTIONS });
    // Burst of 5 subscribe requests used (many, dup, again, more + 1 below): the next are refused.
    await c.request({ type: 'unsubscribe', id: 'u', channels: ['book'], symbols: ['ETH-USD'] });
    expect(await c.request({ type: 'subscribe', id: 'r', channels: ['book'], symbols: ['ETH-USD'] })).toMatchObject({ code: GatewayCode.RATE_LIMITED });
    await alive(srv);
  });

  it('GET /v1/book caps depth (documented default) and serves the shared snapshot; stats are asked of the engine at most once a second', async () => {
    const srv = await server();
    const bob = await connect(srv, 'dev-bob-key');
    for (let i = 0; i < 150; i++) bob.send({ type: 'new_order', symbol: 'ETH-USD', clientOrderId: `d${i}`, side: 'sell', price: (3001 + i / 100).toFixed(2), quantity: '0.01' });
    await bob.next((m) => m.clientOrderId === 'd149' && m.execType === 'new');
    const book = (await (await fetch(`${srv.http}/v1/book/ETH-USD`)).json()) as { asks: string[][] };
    expect(book.asks).toHaveLength(BOOK_DEPTH_DEFAULT);
    expect((await fetch(`${srv.http}/v1/book/ETH-USD?depth=${BOOK_DEPTH_MAX + 1}`)).status).toBe(400);
    const builds0 = srv.gateway.feeds.snapshotBuilds;
    await Promise.all(Array.from({ length: 50 }, () => fetch(`${srv.http}/v1/book/ETH-USD?depth=1`).then((r) => r.json())));
    expect(srv.gateway.feeds.snapshotBuilds - builds0).toBeLessThanOrEqual(1);

    let queries = 0;
    const query = srv.engine.query.bind(srv.engine);
    srv.engine.query = ((agent: number, q: Parameters<typeof query>[1], t?: number) => {
      if (q.what === 'stageLatency') queries++;
      return query(agent, q, t);
    }) as typeof srv.engine.query;
    const bodies = await Promise.all(Array.from({ length: 100 }, () => fetch(`${srv.http}/v1/stats/latency`).then((r) => r.json())));
    expect(bodies.every((b) => Array.isArray((b as { stages: unknown[] }).stages))).toBe(true);
    expect(queries).toBeLessThanOrEqual(2);
    await alive(srv);
  });

  it('server-wide budgets bound public HTTP requests (429) and book snapshots (RATE_LIMITED), however many connections ask', async () => {
    const srv = await server({ publicHttpRate: { perSecond: 0.001, burst: 20 }, snapshotRate: { perSecond: 0.001, burst: 3 } });
    const codes = await Promise.all(Array.from({ length: 40 }, () => fetch(`${srv.http}/v1/book/BTC-USD?depth=1`).then((r) => r.status)));
    // No refill to speak of (0.001/s): exactly the burst passes, whatever the timing.
    expect(codes.filter((c) => c === 200)).toHaveLength(20);
    expect(codes.filter((c) => c === 429)).toHaveLength(20);
    expect((await fetch(`${srv.http}/health`)).status).toBe(200); // not counted: load balancers keep probing
    const clients = await Promise.all(Array.from({ length: 5 }, () => connect(srv)));
    const answers = await Promise.all(clients.map(async (c, i) => {
      c.send({ type: 'subscribe', id: `s${i}`, channels: ['book'], symbols: ['ETH-USD'] });
      await c.request({ type: 'ping', id: `p${i}` });
      return c.messages.some((m) => m.type === 'book_snapshot') ? 'snapshot' : c.messages.find((m) => m.type === 'error')?.code;
    }));
    expect(answers.filter((a) => a === 'snapshot')).toHaveLength(3);
    expect(answers.filter((a) => a === GatewayCode.RATE_LIMITED)).toHaveLength(2);
    expect(await srv.gateway.metrics()).toMatch(/ringmatch_public_http_refused_total [1-9]/);
  });

  it('an exception in a message handler is answered INTERNAL_ERROR and counted; the connection and the process carry on', async () => {
    const srv = await server();
    const c = await connect(srv, 'dev-alice-key');
    const feeds = srv.gateway.feeds;
    const original = feeds.bbo.bind(feeds);
    feeds.bbo = () => { throw new Error('injected bug'); };
    c.send({ type: 'subscribe', id: 'x', channels: ['bbo'], symbols: ['BTC-USD'] });
    expect(await c.next((m) => m.type === 'error' && m.id === 'x')).toMatchObject({ code: GatewayCode.INTERNAL_ERROR });
    feeds.bbo = original;
    expect(await c.request({ type: 'ping', id: 'after' })).toMatchObject({ type: 'pong' });
    expect(await srv.gateway.metrics()).toMatch(/ringmatch_handler_errors_total 1/);
    await alive(srv);
  });
});

describe('hardening: input that must be refused', () => {
  it('JSON enum values are own keys only ("__proto__", "toString"); protobuf enum numbers outside the .proto are refused, naming the field', async () => {
    const srv = await server();
    const c = await connect(srv, 'dev-alice-key');
    const base = { type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'e1', side: 'buy', price: '50000', quantity: '0.01' };
    expect(await c.request({ ...base, id: 1, side: 'toString' })).toMatchObject({ code: GatewayCode.BAD_FIELD, message: expect.stringMatching(/"side"/) });
    expect(await c.request({ ...base, id: 2, stp: '__proto__' })).toMatchObject({ code: GatewayCode.BAD_FIELD, message: expect.stringMatching(/"stp"/) });
    expect(await c.request({ ...base, id: 3, timeInForce: 'constructor' })).toMatchObject({ code: GatewayCode.BAD_FIELD, message: expect.stringMatching(/"timeInForce"/) });
    const nw = { clientOrderId: 'pb1', symbol: 'BTC-USD', side: 1, orderType: 1, timeInForce: 1, price: '5000000', quantity: '1' };
    expect(await c.requestBinary({ newOrder: { ...nw, timeInForce: 99 } })).toMatchObject({ type: 'error', code: GatewayCode.BAD_FIELD, message: expect.stringMatching(/"timeInForce" 99 is not defined/) });
    expect(await c.requestBinary({ newOrder: { ...nw, orderType: 99 } })).toMatchObject({ code: GatewayCode.BAD_FIELD, message: expect.stringMatching(/"orderType"/) });
    expect(await c.requestBinary({ newOrder: { ...nw, stp: 99 } })).toMatchObject({ code: GatewayCode.BAD_FIELD, message: expect.stringMatching(/"stp"/) });
    expect(await c.requestBinary({ newOrder: { ...nw, side: 7 } })).toMatchObject({ code: GatewayCode.BAD_FIELD, message: expect.stringMatching(/"side"/) });
    // Nothing of these reached the book.
    expect(((await (await fetch(`${srv.http}/v1/book/BTC-USD`)).json()) as { bids: unknown[] }).bids).toEqual([]);
  });

  it('the order path refuses without exceptions: every expected refusal is answered with its code, none thrown', async () => {
    const srv = await server();
    const anon = await connect(srv);
    const c = await connect(srv, 'dev-alice-key');
    const base = { type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'x1', side: 'buy', price: '50000', quantity: '0.01' };
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ ...base, price: '50000.001' }, ResultCode.RISK_PRICE_OFF_TICK],
      [{ ...base, quantity: '0.000001' }, ResultCode.RISK_QUANTITY_OFF_LOT],
      [{ ...base, price: '5e4' }, ResultCode.RISK_BAD_DECIMAL],
      [{ ...base, symbol: 'NOPE' }, ResultCode.RISK_UNKNOWN_SYMBOL],
      [{ ...base, side: 'up' }, GatewayCode.BAD_FIELD],
      [{ ...base, clientOrderId: undefined }, GatewayCode.MISSING_FIELD],
      [{ ...base, postOnly: 'yes' }, GatewayCode.BAD_FIELD],
      [{ type: 'cancel_order', symbol: 'BTC-USD' }, GatewayCode.MISSING_FIELD],
      [{ type: 'cancel_order', symbol: 'BTC-USD', orderId: 'abc' }, GatewayCode.BAD_FIELD],
      [{ type: 'replace_order', symbol: 'BTC-USD', orderId: '5' }, GatewayCode.MISSING_FIELD],
      [{ type: 'warp' }, GatewayCode.UNKNOWN_TYPE],
      [{ token: 'x' }, GatewayCode.MISSING_FIELD],
      [{ type: 'auth', token: 'wrong' }, GatewayCode.AUTH_FAILED],
    ];
    for (let round = 0; round < 20; round++) {
      for (const [i, [msg, code]] of cases.entries()) expect(await c.request({ ...msg, id: `${round}-${i}` }), JSON.stringify(msg)).toMatchObject({ type: 'error', code });
    }
    expect(await anon.request({ ...base, id: 'anon' })).toMatchObject({ code: GatewayCode.NOT_AUTHENTICATED });
    c.sendRaw('{"type": "new_order", ');
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: GatewayCode.BAD_JSON });
    c.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0x01]));
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: GatewayCode.BAD_BINARY });
    expect(await c.requestBinary({ newOrder: { clientOrderId: 'pb', symbol: 'BTC-USD', side: 9, orderType: 1, timeInForce: 1, price: '5000000', quantity: '1' } })).toMatchObject({ code: GatewayCode.BAD_FIELD });
    expect(srv.gateway.counters.thrownRefusals).toBe(0);
    // Cold message types still throw ProtocolError (and are answered the same way).
    expect(await c.request({ type: 'subscribe', channels: ['nope'], id: 's' })).toMatchObject({ code: GatewayCode.BAD_FIELD });
    expect(srv.gateway.counters.thrownRefusals).toBe(1);
  });

  it('a continuous flood that gets a token through now and then is still closed (refusals counted in a window)', async () => {
    const srv = await server({ rateLimit: { perSecond: 2_000, burst: 20 }, maxViolations: 300 });
    const c = await connect(srv, 'dev-alice-key');
    const t0 = Date.now();
    while (!c.closed && Date.now() - t0 < 10_000) {
      for (let i = 0; i < 60; i++) c.send({ type: 'ping' });
      await new Promise((r) => setTimeout(r, 10)); // refills ~20 tokens between bursts: some pass
    }
    expect(c.closed).toMatchObject({ code: 1008, reason: expect.stringMatching(/too many refused/) });
    expect(c.messages.some((m) => m.type === 'pong')).toBe(true); // tokens did get through meanwhile
    await alive(srv);
  });
});

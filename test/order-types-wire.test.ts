/**
 * Order types over real sockets (docs/order-types.md, docs/protocol.md): stop, stop_limit, iceberg,
 * GTD and one-cancels-other through the gateway's JSON and protobuf paths, the engine and market
 * data, with the refusals' codes and words. A fresh server per test: stops depend on the last trade
 * price, and each test moves it.
 *
 * BTC-USD (demo config): tick 0.01, lot 0.0001, reference 50000, band +/- 10 %.
 */
import { describe, expect, it } from 'vitest';
import type { Client, Msg } from './ws-client.ts';
import { gatewayHarness } from './gateway-fixture.ts';
import type { Server } from './gateway-fixture.ts';
import { demoConfig } from '../engine/config.ts';
import { ResultCode } from '../engine/codes.ts';
import { GatewayCode } from '../gateway/protocol.ts';
import { until } from './wait.ts';

const h = gatewayHarness('each');

const report = (execType: string, clientOrderId: string) => (m: Msg): boolean =>
  m.type === 'execution_report' && m.execType === execType && m.clientOrderId === clientOrderId;

interface Book { seq: number; bids: string[][]; asks: string[][] }
async function book(srv: Server, symbol = 'BTC-USD'): Promise<Book> {
  return (await (await fetch(`${srv.http}/v1/book/${symbol}`)).json()) as Book;
}

/** A trade at `price` between mm (maker, sells) and bob (taker, buys): moves the last trade price. */
async function tradeAt(mm: Client, bob: Client, price: string, tag: string): Promise<void> {
  await mm.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: `mm-${tag}`, side: 'sell', price, quantity: '0.0001' });
  await bob.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: `bob-${tag}`, side: 'buy', price, quantity: '0.0001' });
  await bob.next(report('trade', `bob-${tag}`));
}

async function parties(srv: Server): Promise<{ alice: Client; bob: Client; mm: Client }> {
  return { alice: await h.connect(srv, 'dev-alice-key'), bob: await h.connect(srv, 'dev-bob-key'), mm: await h.connect(srv, 'dev-mm-key') };
}

describe('stop and stop_limit orders over the wire', () => {
  it('JSON: a stop waits as pending_trigger outside the public book; a trade through its stop price by others triggers it, then it fills', async () => {
    const srv = await h.server();
    const { alice, bob, mm } = await parties(srv);
    const md = await h.connect(srv);
    md.send({ type: 'subscribe', channels: ['book', 'trades'], symbols: ['BTC-USD'] });
    await md.next((m) => m.type === 'book_snapshot');

    const ack = await alice.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'al-stop', side: 'sell', orderType: 'stop', stopPrice: '49000', quantity: '0.001' });
    expect(ack).toMatchObject({
      execType: 'new', orderStatus: 'pending_trigger', orderType: 'stop', timeInForce: 'GTC', stopPrice: '49000', price: '', quantity: '0.001', leavesQuantity: '0.001',
    });
    expect(ack.displayQuantity).toBeUndefined();
    // Not in the public book: a visible order after it shows, the stop never does.
    await mm.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'mm-bid', side: 'buy', price: '48800', quantity: '0.01' });
    await md.next((m) => m.type === 'book_update' && (m.bids as unknown[]).length > 0);
    expect(await book(srv)).toMatchObject({ bids: [['48800', '0.01']], asks: [] });
    expect(md.messages.filter((m) => m.type === 'book_update' && (m.asks as unknown[]).length > 0)).toEqual([]);

    // bob buys from mm at 48900 (≤ 49000): alice's sell stop triggers and sells into mm's bid.
    await tradeAt(mm, bob, '48900', 't1');
    const trig = await alice.next(report('triggered', 'al-stop'));
    expect(trig).toMatchObject({ orderStatus: 'new', orderType: 'stop', stopPrice: '49000', orderId: ack.orderId, cumQuantity: '0', leavesQuantity: '0.001' });
    const fill = await alice.next(report('trade', 'al-stop'));
    expect(fill).toMatchObject({ liquidity: 'taker', lastPrice: '48800', lastQuantity: '0.001', orderStatus: 'filled', leavesQuantity: '0' });
    expect(fill.stopPrice).toBeUndefined(); // trades carry no order-type fields
    expect(trig.seq as number).toBeLessThan(fill.seq as number);
    const mmFill = await mm.next(report('trade', 'mm-bid'));
    expect(mmFill).toMatchObject({ liquidity: 'maker', lastQuantity: '0.001', tradeId: fill.tradeId });
    await until(async () => (await book(srv)).bids[0]?.[1] === '0.009', 5_000, 'the book after the stop filled');
  });

  it('protobuf: a buy stop in units; replace of its stopPrice while pending; trigger and fill', async () => {
    const srv = await h.server();
    const { bob, mm } = await parties(srv);
    const pb = await h.connect(srv);
    expect(await pb.requestBinary({ auth: { token: 'dev-alice-key' } })).toMatchObject({ type: 'auth_ack' });
    // Buy stop at 50200 (5,020,000 ticks), 0.001 = 10 lots.
    const ack = await pb.requestBinary({ newOrder: { clientOrderId: 'pb-stop', symbol: 'BTC-USD', side: 1, orderType: 3, stopPrice: '5020000', quantity: '10' } });
    expect(ack).toMatchObject({ binary: true, execType: 'new', orderStatus: 'pending_trigger', orderType: 3, timeInForce: 1, stopPrice: '5020000', price: '0', quantity: '10' });
    const rep = await pb.requestBinary({ replaceOrder: { symbol: 'BTC-USD', clientOrderId: 'pb-stop', stopPrice: '5030000' } });
    expect(rep).toMatchObject({ execType: 'replaced', orderStatus: 'pending_trigger', stopPrice: '5030000', orderId: ack.orderId });
    // A trade at 50200 no longer triggers it; one at 50300 does.
    await mm.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'mm-ask', side: 'sell', price: '50400', quantity: '0.01' });
    await tradeAt(mm, bob, '50200', 't1');
    await tradeAt(mm, bob, '50300', 't2');
    const trig = await pb.next((m) => m.execType === 'triggered' && m.clientOrderId === 'pb-stop');
    expect(trig).toMatchObject({ binary: true, orderStatus: 'new', stopPrice: '5030000' });
    const fill = await pb.next((m) => m.execType === 'trade' && m.clientOrderId === 'pb-stop');
    expect(fill).toMatchObject({ lastPrice: '5040000', lastQuantity: '10', orderStatus: 'filled', liquidity: 'taker', stopPrice: '0' });
  });

  it('JSON: replace of a pending stop\'s stopPrice, and a replace that would trigger it is refused', async () => {
    const srv = await h.server();
    const { alice } = await parties(srv);
    const ack = await alice.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'st-r', side: 'buy', orderType: 'stop_limit', stopPrice: '51000', price: '51100', quantity: '0.002' });
    expect(ack).toMatchObject({ orderStatus: 'pending_trigger', orderType: 'stop_limit', price: '51100', stopPrice: '51000' });
    const rep = await alice.request({ type: 'replace_order', symbol: 'BTC-USD', clientOrderId: 'st-r', stopPrice: '51500' });
    expect(rep).toMatchObject({ execType: 'replaced', orderStatus: 'pending_trigger', stopPrice: '51500', price: '51100', orderId: ack.orderId });
    // A buy stop at or below the last trade price (the reference, 50000) would trigger at once.
    const refused = await alice.request({ type: 'replace_order', symbol: 'BTC-USD', orderId: ack.orderId, stopPrice: '49999' });
    expect(refused).toMatchObject({ execType: 'rejected', rejectCode: ResultCode.MATCH_STOP_WOULD_TRIGGER, rejectReason: 'MATCH_STOP_WOULD_TRIGGER' });
    expect(refused.rejectText).toMatch(/^the stopPrice of this replace would trigger at once: the last trade price in BTC-USD is 50000, and a buy stop/);
    const cxl = await alice.request({ type: 'cancel_order', symbol: 'BTC-USD', clientOrderId: 'st-r' });
    expect(cxl).toMatchObject({ execType: 'canceled', reason: 'user', stopPrice: '51500', canceledQuantity: '0.002' });
  });

  it('a stop_limit iceberg: pending with its displayQuantity, triggered, then resting with only the shown part in market data', async () => {
    const srv = await h.server();
    const { alice, bob, mm } = await parties(srv);
    const md = await h.connect(srv);
    md.send({ type: 'subscribe', channels: ['book'], symbols: ['BTC-USD'] });
    await md.next((m) => m.type === 'book_snapshot');
    const ack = await alice.request({
      type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'sl-ice', side: 'buy', orderType: 'stop_limit', stopPrice: '50100', price: '50050', quantity: '0.005', displayQuantity: '0.001',
    });
    expect(ack).toMatchObject({ orderStatus: 'pending_trigger', orderType: 'stop_limit', price: '50050', stopPrice: '50100', displayQuantity: '0.001', quantity: '0.005' });
    await tradeAt(mm, bob, '50100', 't1');
    expect(await alice.next(report('triggered', 'sl-ice'))).toMatchObject({ orderStatus: 'new', displayQuantity: '0.001', leavesQuantity: '0.005' });
    await until(async () => JSON.stringify((await book(srv)).bids) === JSON.stringify([['50050', '0.001']]), 5_000, 'the shown part at 50050');
    // An update may also carry "0" for a level that came and went within its batch.
    const upd = await md.next((m) => m.type === 'book_update' && (m.bids as string[][]).some(([p]) => p === '50050'));
    expect((m => m.filter(([, q]) => q !== '0'))(upd.bids as string[][])).toEqual([['50050', '0.001']]);
  });
});

describe('iceberg (displayQuantity)', () => {
  it('the public book shows only the shown part; trades report their real sizes and the order its whole quantity', async () => {
    const srv = await h.server();
    const { alice, bob } = await parties(srv);
    const md = await h.connect(srv);
    md.send({ type: 'subscribe', channels: ['book', 'trades'], symbols: ['BTC-USD'] });
    await md.next((m) => m.type === 'book_snapshot');
    const ack = await alice.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'ice', side: 'sell', price: '50500', quantity: '0.005', displayQuantity: '0.001' });
    expect(ack).toMatchObject({ execType: 'new', orderStatus: 'new', displayQuantity: '0.001', quantity: '0.005', leavesQuantity: '0.005' });
    expect(await md.next((m) => m.type === 'book_update')).toMatchObject({ asks: [['50500', '0.001']] });
    expect((await book(srv)).asks).toEqual([['50500', '0.001']]);
    // bob takes 0.003: the shown part, refilled twice; his fills add up to the real size.
    await bob.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'bob-t', side: 'buy', price: '50500', quantity: '0.003' });
    let bobLast: Msg | undefined;
    await until(() => {
      const fills = bob.messages.filter(report('trade', 'bob-t'));
      bobLast = fills.find((m) => m.orderStatus === 'filled');
      return bobLast !== undefined;
    }, 5_000, 'bob filled');
    expect(bobLast).toMatchObject({ cumQuantity: '0.003', leavesQuantity: '0' });
    const aliceFills = (): Msg[] => alice.messages.filter(report('trade', 'ice'));
    await until(() => aliceFills().some((m) => m.cumQuantity === '0.003'), 5_000, 'alice\'s maker fills');
    const last = aliceFills().find((m) => m.cumQuantity === '0.003') as Msg;
    expect(last).toMatchObject({ liquidity: 'maker', quantity: '0.005', leavesQuantity: '0.002', orderStatus: 'partially_filled' });
    const tradeQty = (): number => md.messages.filter((m) => m.type === 'trade').reduce((s, m) => s + Number(m.quantity), 0);
    await until(() => Math.abs(tradeQty() - 0.003) < 1e-9, 5_000, 'public trades of 0.003 in all');
    await until(async () => JSON.stringify((await book(srv)).asks) === JSON.stringify([['50500', '0.001']]), 5_000, 'the next shown part');
  });
});

describe('one-cancels-other (new_oco)', () => {
  it('JSON: two accepted legs with ocoGroupId / ocoOrderId; a fill of the limit leg cancels the stop leg (reason oco)', async () => {
    const srv = await h.server();
    const { alice, bob } = await parties(srv);
    alice.send({
      type: 'new_oco', id: 'oco-1', symbol: 'BTC-USD', side: 'sell', quantity: '0.001', timeInForce: 'GTC',
      limit: { clientOrderId: 'tp1', price: '52000' }, stop: { clientOrderId: 'sl1', stopPrice: '48000' },
    });
    // The request's direct answer is the limit leg's; the stop leg's report echoes the id too.
    const first = await alice.next((m) => m.id === 'oco-1');
    expect(first).toMatchObject({ execType: 'new', clientOrderId: 'tp1', orderType: 'limit', price: '52000', orderStatus: 'new' });
    const second = await alice.next((m) => m.id === 'oco-1');
    expect(second).toMatchObject({ execType: 'new', clientOrderId: 'sl1', orderType: 'stop', stopPrice: '48000', orderStatus: 'pending_trigger' });
    expect(first.ocoGroupId).toBe(first.orderId);
    expect(second.ocoGroupId).toBe(first.orderId);
    expect(first.ocoOrderId).toBe(second.orderId);
    expect(second.ocoOrderId).toBe(first.orderId);
    expect((first.seq as number) < (second.seq as number)).toBe(true);

    await bob.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'bob-lift', side: 'buy', price: '52000', quantity: '0.0004' });
    expect(await alice.next(report('trade', 'tp1'))).toMatchObject({ liquidity: 'maker', lastQuantity: '0.0004', orderStatus: 'partially_filled' });
    const cxl = await alice.next(report('canceled', 'sl1'));
    expect(cxl).toMatchObject({ reason: 'oco', orderStatus: 'canceled', ocoGroupId: first.orderId, ocoOrderId: first.orderId, canceledQuantity: '0.001' });
  });

  it('protobuf: NewOco with a stop_limit leg; a refused group is one rejected report naming both legs', async () => {
    const srv = await h.server();
    const pb = await h.connect(srv);
    expect(await pb.requestBinary({ auth: { token: 'dev-alice-key' } })).toMatchObject({ type: 'auth_ack' });
    pb.sendBinary({
      id: 'po', newOco: { symbol: 'BTC-USD', side: 2, quantity: '10', timeInForce: 1, limit: { clientOrderId: 'pb-tp', price: '5200000', displayQuantity: '5' }, stop: { clientOrderId: 'pb-sl', stopPrice: '4800000', price: '4790000' } },
    });
    const a = await pb.next((m) => m.id === 'po');
    const b = await pb.next((m) => m.id === 'po');
    expect(a).toMatchObject({ binary: true, execType: 'new', clientOrderId: 'pb-tp', orderType: 1, price: '5200000', displayQuantity: '5' });
    expect(b).toMatchObject({ binary: true, execType: 'new', clientOrderId: 'pb-sl', orderType: 4, price: '4790000', stopPrice: '4800000', orderStatus: 'pending_trigger' });
    expect([a.ocoGroupId, b.ocoGroupId, a.ocoOrderId, b.ocoOrderId]).toEqual([a.orderId, a.orderId, b.orderId, a.orderId]);
    // The same ids again: one refusal for the group, the limit leg's, naming the stop leg.
    pb.sendBinary({ id: 'dup', newOco: { symbol: 'BTC-USD', side: 2, quantity: '10', limit: { clientOrderId: 'pb-tp', price: '5200000' }, stop: { clientOrderId: 'pb-sl2', stopPrice: '4800000' } } });
    const rej = await pb.next((m) => m.id === 'dup');
    expect(rej).toMatchObject({ execType: 'rejected', clientOrderId: 'pb-tp', ocoClientOrderId: 'pb-sl2', rejectCode: ResultCode.RISK_DUPLICATE_CLIENT_ORDER_ID });
    await pb.requestBinary({ ping: {} });
    expect(pb.messages.filter((m) => m.id === 'dup')).toEqual([]);
  });
});

describe('good-till-date', () => {
  it('expires on the gateway\'s CLOCK with no other traffic (clockIntervalMs 20)', async () => {
    const srv = await h.server({}, { ...demoConfig(), clockIntervalMs: 20 });
    const alice = await h.connect(srv, 'dev-alice-key');
    const expireTime = Date.now() + 300;
    const ack = await alice.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'gtd', side: 'buy', price: '49000', quantity: '0.001', timeInForce: 'GTD', expireTime });
    expect(ack).toMatchObject({ execType: 'new', orderStatus: 'new', timeInForce: 'GTD', expireTime });
    const exp = await alice.next(report('expired', 'gtd'), 5_000);
    expect(exp).toMatchObject({ orderStatus: 'expired', reason: 'gtd_expired', canceledQuantity: '0.001', leavesQuantity: '0', expireTime });
    // Never before its time (engine time is the command's ingress time; ts is the shard's clock).
    expect(exp.ts as number).toBeGreaterThanOrEqual(expireTime * 1000);
    expect(srv.gateway.clockTicks).toBeGreaterThan(0);
    expect((await book(srv)).bids).toEqual([]);
  });

  it('an expireTime as a string of digits is the same; with clockIntervalMs 0 no CLOCK is sent', async () => {
    const srv = await h.server({}, { ...demoConfig(), clockIntervalMs: 0 });
    const alice = await h.connect(srv, 'dev-alice-key');
    const expireTime = Date.now() + 60_000;
    const ack = await alice.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'gtd-s', side: 'buy', price: '49000', quantity: '0.001', timeInForce: 'GTD', expireTime: String(expireTime) });
    expect(ack).toMatchObject({ execType: 'new', expireTime });
    await alice.request({ type: 'cancel_all' });
    expect(srv.gateway.clockTicks).toBe(0);
  });
});

describe('refusals', () => {
  it('engine refusals arrive as rejected reports with code and words', async () => {
    const srv = await h.server();
    const alice = await h.connect(srv, 'dev-alice-key');
    const noStop = await alice.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'r1', side: 'sell', orderType: 'stop', quantity: '0.001' });
    expect(noStop).toMatchObject({ execType: 'rejected', rejectCode: ResultCode.RISK_INVALID_STOP_PRICE, rejectReason: 'RISK_INVALID_STOP_PRICE' });
    expect(noStop.rejectText).toContain('needs a stopPrice');
    // A buy stop at 49000 with the last price at 50000 would trigger at once.
    const would = await alice.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'r2', side: 'buy', orderType: 'stop', stopPrice: '49000', quantity: '0.001' });
    expect(would).toMatchObject({ execType: 'rejected', rejectCode: ResultCode.MATCH_STOP_WOULD_TRIGGER, rejectReason: 'MATCH_STOP_WOULD_TRIGGER' });
    expect(would.rejectText).toContain('would trigger at once');
    const past = await alice.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'r3', side: 'buy', price: '49000', quantity: '0.001', timeInForce: 'GTD', expireTime: 1_000 });
    expect(past).toMatchObject({ execType: 'rejected', rejectCode: ResultCode.RISK_INVALID_EXPIRE_TIME, rejectReason: 'RISK_INVALID_EXPIRE_TIME' });
    expect(past.rejectText).toContain('expireTime 1000 (1970-01-01T00:00:01.000Z) is not after');
    const noTime = await alice.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'r4', side: 'buy', price: '49000', quantity: '0.001', timeInForce: 'GTD' });
    expect(noTime).toMatchObject({ rejectCode: ResultCode.RISK_INVALID_EXPIRE_TIME });
    const display = await alice.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'r5', side: 'buy', price: '49000', quantity: '0.001', displayQuantity: '0.002' });
    expect(display).toMatchObject({ rejectCode: ResultCode.RISK_INVALID_DISPLAY_QTY });
    expect(display.rejectText).toContain('displayQuantity 0.002 is not allowed');
  });

  it('malformed values are refused by the gateway with its error codes (nothing reaches the engine)', async () => {
    const srv = await h.server();
    const alice = await h.connect(srv, 'dev-alice-key');
    const base = { type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'm1', side: 'buy', quantity: '0.001' };
    expect(await alice.request({ ...base, orderType: 'stop', stopPrice: '49000', price: '49000' })).toMatchObject({ type: 'error', code: GatewayCode.BAD_FIELD });
    expect(await alice.request({ ...base, orderType: 'stop_limit', stopPrice: '51000' })).toMatchObject({ type: 'error', code: GatewayCode.MISSING_FIELD, message: '"price" is required' });
    expect(await alice.request({ ...base, orderType: 'stop', stopPrice: '49000.001' })).toMatchObject({ type: 'error', code: ResultCode.RISK_PRICE_OFF_TICK });
    expect(await alice.request({ ...base, price: '49000', displayQuantity: '0.00001' })).toMatchObject({ type: 'error', code: ResultCode.RISK_QUANTITY_OFF_LOT });
    for (const expireTime of ['soon', 1.5, -3, '0123', 0]) {
      expect(await alice.request({ ...base, price: '49000', timeInForce: 'GTD', expireTime })).toMatchObject({ type: 'error', code: GatewayCode.BAD_FIELD });
    }
    expect(await alice.request({ ...base, timeInForce: 'DAY', price: '49000' })).toMatchObject({ type: 'error', code: GatewayCode.BAD_FIELD });
    const oco = { type: 'new_oco', symbol: 'BTC-USD', side: 'sell', quantity: '0.001' };
    expect(await alice.request({ ...oco, stop: { clientOrderId: 's', stopPrice: '48000' } })).toMatchObject({ code: GatewayCode.MISSING_FIELD, message: '"limit" is required' });
    expect(await alice.request({ ...oco, limit: [], stop: {} })).toMatchObject({ code: GatewayCode.BAD_FIELD, message: '"limit" must be an object' });
    expect(await alice.request({ ...oco, limit: { clientOrderId: 'l' }, stop: { clientOrderId: 's' } })).toMatchObject({ code: GatewayCode.MISSING_FIELD, message: '"limit.price" is required' });
    expect(await alice.request({ ...oco, limit: { clientOrderId: 'l', price: '52000' }, stop: { stopPrice: '48000' } })).toMatchObject({ code: GatewayCode.MISSING_FIELD, message: '"stop.clientOrderId" is required' });
    expect(await alice.request({ ...oco, limit: { clientOrderId: 'l', price: '52000' }, stop: { clientOrderId: 's', stopPrice: '48000.005' } })).toMatchObject({ code: ResultCode.RISK_PRICE_OFF_TICK });
    // Protobuf: an enum number the .proto does not define.
    const pb = await h.connect(srv);
    await pb.requestBinary({ auth: { token: 'dev-alice-key' } });
    expect(await pb.requestBinary({ newOrder: { clientOrderId: 'pb', symbol: 'BTC-USD', side: 1, orderType: 5, quantity: '1' } })).toMatchObject({ type: 'error', code: GatewayCode.BAD_FIELD });
  });
});

import { describe, expect, it } from 'vitest';
import { GatewayCode } from '../gateway/protocol.ts';
import { ADMIN_KEY, gatewayHarness } from './gateway-fixture.ts';
import { until } from './wait.ts';

const h = gatewayHarness('each');

describe('refusals after the JSON order lane (gateway/json-lane.ts)', () => {
  it('a refusal echoes its own request id: never one left over from an earlier lane frame, and never an internal error', async () => {
    // No journal: a killed shard stays down, so every order for it is refused (SHARD_FAILED).
    const srv = await h.server({ faultInjection: true });
    const c = await h.connect(srv, 'dev-alice-key');
    expect((await fetch(`${srv.http}/v1/admin/fault/kill/M0`, { method: 'POST', headers: { 'x-admin-key': ADMIN_KEY } })).status).toBe(202);
    await until(async () => (await fetch(`${srv.http}/health/deep`)).status === 503, 10_000, 'the shard to be down');
    const order = { symbol: 'BTC-USD', side: 'buy', price: '50000', quantity: '0.001' };
    // A frame the lane takes, with an id.
    c.send({ type: 'new_order', id: 'lane-id-abc', clientOrderId: 'a1', ...order });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ code: GatewayCode.SHARD_FAILED, id: 'lane-id-abc' });
    // Frames the lane declines (an unknown field), without an id: no id in the answer.
    c.send({ type: 'new_order', clientOrderId: 'a2', note: 'x', ...order });
    const general = await c.next((m) => m.type === 'error');
    expect(general).toMatchObject({ code: GatewayCode.SHARD_FAILED });
    expect(general.id).toBeUndefined();
    c.send({ type: 'cancel_order', symbol: 'BTC-USD', orderId: '5', clientOrderId: 'zz', foo: 1 });
    const cancel = await c.next((m) => m.type === 'error');
    expect(cancel).toMatchObject({ code: GatewayCode.SHARD_FAILED });
    expect(cancel.id).toBeUndefined();
    // A protobuf order without an id after the lane frame: refused as such, not an internal error.
    c.send({ type: 'new_order', id: 7, clientOrderId: 'a3', ...order });
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ id: 7 });
    c.sendBinary({ newOrder: { clientOrderId: 'pb1', symbol: 'BTC-USD', side: 1, orderType: 1, timeInForce: 1, price: '5000000', quantity: '10' } });
    const pb = await c.next((m) => m.type === 'error');
    expect(pb).toMatchObject({ binary: true, code: GatewayCode.SHARD_FAILED });
    expect(pb.id).toBeUndefined();
    expect(await (await fetch(`${srv.http}/metrics`)).text()).toContain('ringmatch_handler_errors_total 0');
  });

  it('a refused order says in words what was wrong and what is allowed (rejectText), on JSON and protobuf, beside its stable code', async () => {
    const srv = await h.server();
    const c = await h.connect(srv, 'dev-bob-key');
    // BTC-USD (embedded config): max order quantity 100, reference 50,000 ± 10 %, no trade yet.
    const big = await c.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'big', side: 'buy', price: '50000', quantity: '200' });
    expect(big).toMatchObject({ execType: 'rejected', rejectReason: 'RISK_MAX_ORDER_QTY', rejectText: 'quantity 200 is above the maximum order quantity 100 for BTC-USD' });
    const far = await c.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'far', side: 'buy', price: '60000', quantity: '1' });
    expect(far).toMatchObject({ rejectReason: 'RISK_PRICE_BAND', rejectText: 'price 60000 is outside the price band 45000 to 55000 for BTC-USD: 50000 +/- 10% (the last trade price; the configured reference before the first trade)' });
    // After a trade the band moves with it, and the words say so.
    const maker = await h.connect(srv, 'dev-alice-key');
    await maker.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'm1', side: 'sell', price: '52000', quantity: '1' });
    await c.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 't1', side: 'buy', price: '52000', quantity: '1', timeInForce: 'IOC' });
    const after = await c.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'far2', side: 'sell', price: '45000', quantity: '1' });
    expect(after.rejectText).toBe('price 45000 is outside the price band 46800 to 57200 for BTC-USD: 52000 +/- 10% (the last trade price; the configured reference before the first trade)');
    const pb = await c.requestBinary({ newOrder: { clientOrderId: 'pbbig', symbol: 'BTC-USD', side: 1, orderType: 1, timeInForce: 1, price: '5000000', quantity: '2000000' } });
    expect(pb).toMatchObject({ binary: true, execType: 'rejected', rejectText: 'quantity 200 is above the maximum order quantity 100 for BTC-USD' });
    // Accepted orders carry no rejectText.
    const ok = await c.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'fine', side: 'buy', price: '50000', quantity: '1' });
    expect(ok.execType).toBe('new');
    expect(ok.rejectText).toBeUndefined();
  });
});

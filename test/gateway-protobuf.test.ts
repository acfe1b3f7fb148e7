import { beforeAll, describe, expect, it } from 'vitest';
import type { Client } from './ws-client.ts';
import { gatewayHarness } from './gateway-fixture.ts';
import type { Server } from './gateway-fixture.ts';
import { GatewayCode } from '../gateway/protocol.ts';
import { ResultCode } from '../engine/codes.ts';

const h = gatewayHarness('all');
let srv: Server;
beforeAll(async () => {
  srv = await h.server();
});
const connect = (key?: string): Promise<Client> => h.connect(srv, key);

describe('protobuf binary frames (proto/ringmatch.proto)', () => {
  it('a protobuf client and a JSON client trade with each other, each answered in its own encoding', async () => {
    const pb = await connect();
    expect(await pb.requestBinary({ auth: { token: 'dev-bob-key' } })).toMatchObject({ type: 'auth_ack', account: 'bob', binary: true });
    const json = await connect('dev-alice-key');
    // BTC-USD: tick 0.01, lot 0.0001 → 50000.50 = 5,000,050 ticks; 0.0002 = 2 lots.
    const ack = await pb.requestBinary({ newOrder: { clientOrderId: 'pb-s1', symbol: 'BTC-USD', side: 2, orderType: 1, timeInForce: 1, price: '5000050', quantity: '2' } });
    expect(ack).toMatchObject({ type: 'execution_report', binary: true, execType: 'new', price: '5000050', quantity: '2', leavesQuantity: '2', side: 2 });
    json.send({ type: 'new_order', id: 'j1', symbol: 'BTC-USD', clientOrderId: 'js-b1', side: 'buy', price: '50001', quantity: '0.0005' });
    const taker = await json.next((m) => m.execType === 'trade' && m.clientOrderId === 'js-b1');
    expect(taker).toMatchObject({ lastPrice: '50000.5', lastQuantity: '0.0002', leavesQuantity: '0.0003', id: 'j1' });
    expect(taker.binary).toBeUndefined();
    const maker = await pb.next((m) => m.execType === 'trade' && m.clientOrderId === 'pb-s1');
    expect(maker).toMatchObject({ binary: true, lastPrice: '5000050', lastQuantity: '2', leavesQuantity: '0', orderStatus: 'filled', liquidity: 'maker', tradeId: taker.tradeId });
    json.send({ type: 'cancel_all', id: 'c' });
    await json.next((m) => m.type === 'cancel_all_ack');
  });

  it('one account on a JSON and a protobuf connection: every report on each, once, in its encoding; the request id only to the asker', async () => {
    const json = await connect('dev-alice-key');
    const pb = await connect();
    expect(await pb.requestBinary({ auth: { token: 'dev-alice-key' } })).toMatchObject({ type: 'auth_ack', binary: true });
    // A JSON-lane order (plain frame) and a protobuf order, both resting, then both canceled.
    json.send({ type: 'new_order', id: 41, symbol: 'BTC-USD', clientOrderId: 'mix-j', side: 'buy', price: '49000', quantity: '0.0001' });
    const jAck = await json.next((m) => m.clientOrderId === 'mix-j' && m.execType === 'new');
    expect(jAck).toMatchObject({ id: 41, orderStatus: 'new', price: '49000' });
    const pbSeen = await pb.next((m) => m.clientOrderId === 'mix-j' && m.execType === 'new');
    expect(pbSeen).toMatchObject({ binary: true, price: '4900000' });
    expect(pbSeen.id).toBeUndefined();
    expect(await pb.requestBinary({ newOrder: { clientOrderId: 'mix-p', symbol: 'BTC-USD', side: 1, orderType: 1, timeInForce: 1, price: '4900001', quantity: '1' } })).toMatchObject({ binary: true, execType: 'new' });
    const jSeen = await json.next((m) => m.clientOrderId === 'mix-p' && m.execType === 'new');
    expect(jSeen).toMatchObject({ price: '49000.01', quantity: '0.0001' });
    expect(jSeen.id).toBeUndefined();
    json.send({ type: 'cancel_all', id: 'mix-c' });
    expect(await json.next((m) => m.type === 'cancel_all_ack')).toMatchObject({ id: 'mix-c' });
    for (const c of [json, pb]) {
      for (const id of ['mix-j', 'mix-p']) await c.next((m) => m.clientOrderId === id && m.execType === 'canceled');
    }
    // Nothing twice: after a ping round trip, no report for either order is left unread.
    await json.request({ type: 'ping' });
    await pb.requestBinary({ ping: {} });
    expect(json.messages.filter((m) => String(m.clientOrderId ?? '').startsWith('mix-'))).toEqual([]);
    expect(pb.messages.filter((m) => String(m.clientOrderId ?? '').startsWith('mix-'))).toEqual([]);
  });

  it('binary market data: snapshot and updates in units, same sequence as JSON subscribers get', async () => {
    const pbMd = await connect();
    const jsonMd = await connect();
    expect(await pbMd.requestBinary({ subscribe: { channels: ['book'], symbols: ['ETH-USD'] } })).toMatchObject({ type: 'subscribed', on: true });
    const snap = await pbMd.next((m) => m.type === 'book_snapshot');
    jsonMd.send({ type: 'subscribe', channels: ['book'], symbols: ['ETH-USD'] });
    const jsnap = await jsonMd.next((m) => m.type === 'book_snapshot');
    expect(String(snap.seq ?? '0')).toBe(String(jsnap.seq));
    const bob = await connect('dev-bob-key');
    await bob.request({ type: 'new_order', symbol: 'ETH-USD', clientOrderId: 'eth-q', side: 'sell', price: '3001.25', quantity: '0.5' });
    const u = await pbMd.next((m) => m.type === 'book_update');
    const ju = await jsonMd.next((m) => m.type === 'book_update');
    expect(u.seq).toBe(String(ju.seq));
    expect(u.asks).toEqual([{ price: '300125', quantity: '500' }]); // tick 0.01, lot 0.001
    expect(ju.asks).toEqual([['3001.25', '0.5']]);
    await bob.request({ type: 'cancel_all' });
  });

  it('refuses malformed or out-of-range binary input with binary errors', async () => {
    const c = await connect('dev-alice-key');
    c.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ binary: true, code: GatewayCode.BAD_BINARY });
    expect(await c.requestBinary({ newOrder: { clientOrderId: 'neg', symbol: 'BTC-USD', side: 1, price: '-5', quantity: '1' } })).toMatchObject({ type: 'error', code: GatewayCode.BAD_FIELD });
    expect(await c.requestBinary({ newOrder: { clientOrderId: 'noside', symbol: 'BTC-USD', price: '5000000', quantity: '1' } })).toMatchObject({ type: 'error', code: GatewayCode.MISSING_FIELD });
    expect(await c.requestBinary({ newOrder: { clientOrderId: 'x', symbol: 'NOPE', side: 1, price: '1', quantity: '1' } })).toMatchObject({ type: 'error', code: ResultCode.RISK_UNKNOWN_SYMBOL });
    expect(await c.requestBinary({ ping: {} })).toMatchObject({ type: 'pong', binary: true });
    // The same connection can switch back to JSON per frame.
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  });
});

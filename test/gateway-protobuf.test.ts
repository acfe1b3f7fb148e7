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

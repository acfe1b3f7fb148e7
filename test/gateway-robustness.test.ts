import { describe, expect, it } from 'vitest';
import type { Msg } from './ws-client.ts';
import { gatewayHarness } from './gateway-fixture.ts';
import { GatewayCode } from '../gateway/protocol.ts';
import { demoConfig } from '../engine/config.ts';
import { rng } from '../bench/workloads.ts';
import { until } from './wait.ts';

const { server, connect } = gatewayHarness('each');

/** Malformed frames of many kinds (deterministic): garbage, broken JSON, wrong types, mutations. */
function fuzzFrames(n: number, seed: number): Array<string | Buffer> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const valid = [
    '{"type":"new_order","symbol":"ETH-USD","clientOrderId":"f1","side":"buy","price":"3000","quantity":"1"}',
    '{"type":"cancel_order","symbol":"ETH-USD","orderId":"1"}',
    '{"type":"subscribe","channels":["book"],"symbols":["ETH-USD"]}',
    '{"type":"replace_order","symbol":"BTC-USD","clientOrderId":"z","price":"1.5"}',
  ];
  const weird: unknown[] = [null, true, 1e309, -1, 2 ** 64, '', '💥', [], {}, 'NaN', '-0', '1e5', ' 1', '0x10', 'a'.repeat(300), [[[[[]]]]], { $gt: 1 }];
  const fields = ['type', 'symbol', 'side', 'price', 'quantity', 'clientOrderId', 'orderId', 'channels', 'symbols', 'token', 'id', 'timeInForce', 'stp', 'postOnly'];
  const frames: Array<string | Buffer> = [];
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.15) frames.push(Buffer.from(Array.from({ length: 1 + Math.floor(r() * 64) }, () => Math.floor(r() * 256))));
    else if (k < 0.3) frames.push(Array.from({ length: 1 + Math.floor(r() * 80) }, () => String.fromCharCode(32 + Math.floor(r() * 95))).join(''));
    else if (k < 0.6) {
      const s = pick(valid);
      const at = Math.floor(r() * s.length);
      frames.push(r() < 0.5 ? s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 5)) : s.slice(0, at) + String.fromCharCode(32 + Math.floor(r() * 95)) + s.slice(at));
    } else {
      const o: Record<string, unknown> = { type: pick(['new_order', 'cancel_order', 'replace_order', 'cancel_all', 'subscribe', 'auth', 'ping', 'x', 7]) };
      for (let f = 0; f < 1 + Math.floor(r() * 6); f++) o[pick(fields)] = pick(weird);
      frames.push(JSON.stringify(o));
    }
  }
  return frames;
}

describe('gateway robustness', () => {
  it('survives 100k malformed frames from one client while another trades normally', async () => {
    const srv = await server({ rateLimit: { perSecond: 10_000_000, burst: 10_000_000 }, maxViolations: 1_000_000_000 });
    const fuzzer = await connect(srv);
    const alice = await connect(srv, 'dev-alice-key');
    const bob = await connect(srv, 'dev-bob-key');
    const frames = fuzzFrames(100_000, 42);
    const marketData = new Set(['book_snapshot', 'book_update', 'bbo', 'trade']);
    const answers = (): number => fuzzer.messages.filter((m) => !marketData.has(m.type)).length;
    let sent = 0;
    const fuzzing = (async () => {
      for (const f of frames) {
        fuzzer.sendRaw(f);
        // Read what comes back: a client that does not would (rightly) be closed as a slow consumer.
        if (++sent % 5_000 === 0) while (answers() < sent - 5_000) await new Promise((r) => setTimeout(r, 5));
        else if (sent % 500 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    // Meanwhile: 100 crossing pairs on BTC-USD between bob (maker) and alice (taker).
    for (let i = 0; i < 100; i++) {
      bob.send({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: `fz-s${i}`, side: 'sell', price: '50000', quantity: '0.001' });
      await bob.next((m) => m.clientOrderId === `fz-s${i}` && m.execType === 'new');
      alice.send({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: `fz-b${i}`, side: 'buy', timeInForce: 'IOC', price: '50000', quantity: '0.001' });
      const t = await alice.next((m) => m.clientOrderId === `fz-b${i}` && m.execType === 'trade');
      expect(t).toMatchObject({ lastQuantity: '0.001', orderStatus: 'filled', lastPrice: '50000' });
    }
    await fuzzing;
    // Every frame got exactly one direct answer (market data from fuzzed subscribes comes on top),
    // and the fuzzer is still connected.
    const t0 = Date.now();
    while (answers() < frames.length && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    expect(fuzzer.closed).toBeNull();
    expect(answers()).toBe(frames.length);
    const errors = fuzzer.messages.filter((m) => m.type === 'error');
    expect(errors.length).toBeGreaterThan(frames.length * 0.9);
    for (const e of errors.slice(0, 2000)) expect(typeof e.code === 'number' && (e.code as number) < 0 && typeof e.message === 'string').toBe(true);
    expect(await (await fetch(`${srv.http}/health/deep`)).json()).toMatchObject({ status: 'ok' });
    expect(bob.messages.filter((m: Msg) => m.type === 'error')).toEqual([]);
  }, 120_000);

  it('rate-limits a flood with errors, then closes the connection if it persists; others unaffected', async () => {
    const srv = await server({ rateLimit: { perSecond: 50, burst: 20 }, maxViolations: 100 });
    const flood = await connect(srv);
    const calm = await connect(srv);
    for (let i = 0; i < 500; i++) flood.send({ type: 'ping' });
    await flood.next((m) => m.type === 'error' && m.code === GatewayCode.RATE_LIMITED);
    const t0 = Date.now();
    while (!flood.closed && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(flood.closed).toMatchObject({ code: 1008 });
    expect(flood.closed?.reason).toMatch(/too many refused/);
    expect(await calm.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  });

  it('closes a subscriber that stops reading, and keeps serving everyone else', async () => {
    // Subscriptions unthrottled here: this test is about a reader that stops, not the subscribe limits.
    const srv = await server({ maxBackpressureBytes: 256 * 1024, subscribeRate: { perSecond: 1e6, burst: 1e6 }, snapshotRate: { perSecond: 1e6, burst: 1e6 } });
    const bob = await connect(srv, 'dev-bob-key');
    // A wide book: 800 ask levels on ETH-USD make every snapshot ~30 KB.
    for (let i = 0; i < 800; i++) bob.send({ type: 'new_order', symbol: 'ETH-USD', clientOrderId: `w${i}`, side: 'sell', price: (3001 + i / 100).toFixed(2), quantity: '0.01' });
    await bob.next((m) => m.clientOrderId === 'w799' && m.execType === 'new');
    const slow = await connect(srv);
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // stops reading; keeps sending
    // Loopback socket buffers hold several MB: ask for far more than that (1,000 snapshots ≈ 30 MB;
    // a subscription already held sends none, so each subscribe follows an unsubscribe).
    for (let i = 0; i < 1_000; i++) {
      slow.send({ type: 'subscribe', channels: ['book'], symbols: ['ETH-USD'] });
      slow.send({ type: 'unsubscribe', channels: ['book'], symbols: ['ETH-USD'] });
    }
    const conns = async (): Promise<number> => Number(/ringmatch_ws_connections (\d+)/.exec(await srv.gateway.metrics())?.[1]);
    await until(async () => (await conns()) <= 1, 20_000, 'the slow consumer to be closed');
    expect(await conns()).toBe(1);
    slow.terminate();
    expect(await bob.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    bob.send({ type: 'cancel_all', id: 'end' });
    expect(await bob.next((m) => m.type === 'cancel_all_ack')).toMatchObject({ canceled: 800 });
  }, 60_000);

  it('cancels an account\'s orders when its last order-entry connection drops, if configured', async () => {
    const cfg = demoConfig();
    cfg.accounts[0].cancelOnDisconnect = true; // alice
    const srv = await server({}, cfg);
    const alice = await connect(srv, 'dev-alice-key');
    await alice.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'cod1', side: 'buy', price: '49000', quantity: '0.01' });
    const book1 = (await (await fetch(`${srv.http}/v1/book/BTC-USD`)).json()) as { bids: string[][] };
    expect(book1.bids).toEqual([['49000', '0.01']]);
    await alice.close();
    const bids = async (): Promise<string[][]> => ((await (await fetch(`${srv.http}/v1/book/BTC-USD`)).json()) as { bids: string[][] }).bids;
    await until(async () => (await bids()).length === 0, 10_000, 'cancel-on-disconnect to empty the book');
    expect(await bids()).toEqual([]);
  });
});

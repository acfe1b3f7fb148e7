/**
 * Conflation over real sockets: a market-data reader that stops reading is not disconnected — its
 * market data pauses while its send buffer is over conflateBytes, and once it drains it gets a
 * fresh book snapshot whose sequence the live updates then continue without a gap. Another
 * reader of the same book is served throughout.
 */
import { describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { gatewayHarness } from './gateway-fixture.ts';
import { until } from './wait.ts';
import type { Msg } from './ws-client.ts';

const { server, connect } = gatewayHarness();

describe('market-data conflation', () => {
  it('a paused book reader is conflated, not closed, and resumes with a snapshot that continues gaplessly; the other reader sees every update meanwhile', async () => {
    const srv = await server({ conflateBytes: 64 * 1024, maxBackpressureBytes: 256 * 1024 * 1024, rateLimit: { perSecond: 10_000, burst: 10_000 } });
    const mm = await connect(srv, 'dev-mm-key');
    // A deep book: 600 resting bids, so each get_open_orders answer is a few hundred kilobytes.
    for (let i = 0; i < 600; i++) mm.send({ type: 'new_order', symbol: 'BTC-USD', side: 'buy', price: String(45_000 + i), quantity: '0.001', clientOrderId: `d${i}` });
    await mm.next((m) => m.type === 'execution_report' && m.clientOrderId === 'd599', 20_000);

    const slow = await connect(srv, 'dev-mm-key');
    const fast = await connect(srv);
    for (const c of [slow, fast]) {
      const ack = await c.request({ type: 'subscribe', channels: ['book', 'bbo'], symbols: ['BTC-USD'] });
      expect(ack.type).toBe('subscribed');
    }
    const first = await slow.next((m) => m.type === 'book_snapshot');
    expect(first.bids).toHaveLength(600);
    await fast.next((m) => m.type === 'book_snapshot');

    // The slow reader stops reading, and asks for far more than its buffers hold.
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    for (let i = 0; i < 60; i++) slow.send({ type: 'get_open_orders', symbol: 'BTC-USD', id: `q${i}` });
    await until(() => srv.gateway.counters.conflations === 1, 10_000, 'the slow reader conflated');
    expect(srv.gateway.counters.slowConsumerCloses).toBe(0);

    // Meanwhile the book moves: the fast reader gets every update, in sequence.
    for (let i = 0; i < 20; i++) mm.send({ type: 'new_order', symbol: 'BTC-USD', side: 'buy', price: String(45_600 + i), quantity: '0.001', clientOrderId: `m${i}` });
    // (Updates are published per shard batch: one update may carry several new levels.)
    const fastLevels = (): Set<string> => new Set(fast.messages.filter((m) => m.type === 'book_update').flatMap((m) => (m.bids as string[][]).map(([p]) => p)));
    await until(() => fastLevels().size >= 20, 10_000, 'the fast reader saw every new level');
    const fastSeqs = fast.messages.filter((m) => m.type === 'book_update').map((m) => m.seq as number);
    expect(fastSeqs).toEqual(fastSeqs.map((_, i) => fastSeqs[0] + i));

    // The slow reader reads again: its answers, then a fresh snapshot, then live updates from its sequence on.
    socket.resume();
    await until(() => srv.gateway.counters.conflationResumes === 1, 30_000, 'the slow reader resumed');
    const snap = await slow.next((m) => m.type === 'book_snapshot', 30_000);
    expect(snap.seq).toBe(fastSeqs[fastSeqs.length - 1]);
    expect(snap.bids).toHaveLength(620);
    expect(slow.messages.filter((m) => m.type === 'orders')).toHaveLength(60);
    mm.send({ type: 'new_order', symbol: 'BTC-USD', side: 'buy', price: '45700', quantity: '0.001', clientOrderId: 'after' });
    const next = await slow.next((m: Msg) => m.type === 'book_update');
    expect(next.seq).toBe((snap.seq as number) + 1);
    expect(slow.closed).toBeNull();
    const metrics = await (await fetch(`${srv.http}/metrics`)).text();
    expect(metrics).toMatch(/ringmatch_md_conflations_total 1\b/);
    expect(metrics).toMatch(/ringmatch_md_conflation_resumes_total 1\b/);
  }, 60_000);
});

/** GET /v1/stats/live: per-interval stage percentiles (differences of cumulative histograms), counters and rates. */
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, gatewayHarness } from './gateway-fixture.ts';
import { until } from './wait.ts';

const { server, connect } = gatewayHarness();

type Live = { ts: number; intervalMs: number; stages: Array<{ stage: string; count: number; p50: number | null; p99: number | null }>; counters: Record<string, number>; rates: Record<string, number>; faultInjection: boolean };

describe('live stats', () => {
  it('reports the interval since the previous sample: every stage, new orders only, nothing across a reset', async () => {
    const srv = await server({ faultInjection: true, probe: { intervalMs: 0, timeoutMs: 1_000 } });
    const live = async (): Promise<Live> => (await (await fetch(`${srv.http}/v1/stats/live`)).json()) as Live;
    const first = await live();
    expect(first.intervalMs).toBe(0);
    expect(first.stages.map((s) => s.stage)).toEqual(['decode', 'risk', 'match', 'event_out', 'report']);
    expect(first.stages.every((s) => s.count === 0 && s.p50 === null)).toBe(true);
    expect(first.faultInjection).toBe(true);
    const alice = await connect(srv, 'dev-alice-key');
    for (let i = 0; i < 20; i++) await alice.request({ type: 'new_order', symbol: 'BTC-USD', side: 'buy', price: String(49_000 + i), quantity: '0.01', clientOrderId: `l${i}` });
    await alice.request({ type: 'cancel_all' });
    // A new sample once the shared one (at most one a second) has expired.
    let next = first;
    await until(async () => (next = await live()).intervalMs > 0, 5_000, 'the next sample');
    const by = Object.fromEntries(next.stages.map((s) => [s.stage, s]));
    expect(by.risk.count).toBeGreaterThanOrEqual(20);
    expect(by.match.count).toBe(20);
    expect(by.report.count).toBeGreaterThanOrEqual(20);
    expect(by.match.p50).toBeGreaterThan(0);
    expect(next.counters.orders - first.counters.orders).toBe(20); // the cancel_all is not an order
    expect(next.rates.orders).toBeGreaterThan(0);
    // An interval without orders: counts 0, percentiles null.
    let quiet = next;
    await until(async () => (quiet = await live()).ts !== next.ts, 5_000, 'a quiet sample');
    expect(quiet.stages.find((s) => s.stage === 'match')?.count).toBe(0);
    // After a reset the next sample has no interval (the cumulative histograms started again).
    expect((await fetch(`${srv.http}/v1/admin/stats/reset`, { method: 'POST', headers: { 'x-admin-key': ADMIN_KEY } })).status).toBe(200);
    let after = quiet;
    await until(async () => (after = await live()).ts !== quiet.ts, 5_000, 'the sample after the reset');
    expect(after.stages.every((s) => s.count === 0)).toBe(true);
  });
});

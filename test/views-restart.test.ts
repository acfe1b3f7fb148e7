/**
 * The read models across a restart of the server process: account views, candles and tickers are
 * rebuilt from the journal (and a snapshot taken in between) equal to what the server answered
 * before it stopped, and an idempotent retry after the restart answers the original order.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from './server-process.ts';
import type { ServerProcess } from './server-process.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function start(dataDir: string): Promise<ServerProcess> {
  return startServerProcess({ DATA_DIR: dataDir, ADMIN_KEY: 'k', LOG_LEVEL: 'warn', RINGMATCH_PROBE_INTERVAL_MS: '0' }, []);
}

async function call(port: number, method: string, path: string, key?: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Json };
}

const KEYS = ['dev-alice-key', 'dev-bob-key'];

/** Everything the read side answers (the ticker's clock fields aside). */
async function readSide(port: number): Promise<Json> {
  const out: Json = {};
  for (const key of KEYS) {
    out[key] = {
      orders: (await call(port, 'GET', '/v1/orders?status=all', key)).body,
      fills: (await call(port, 'GET', '/v1/fills?limit=1000', key)).body,
      account: (await call(port, 'GET', '/v1/account', key)).body,
    };
  }
  out.candles = (await call(port, 'GET', '/v1/candles/ETH-USD?interval=1s')).body;
  const { ts: _ts, windowStart: _ws, ...ticker } = (await call(port, 'GET', '/v1/ticker/ETH-USD')).body;
  out.ticker = ticker;
  return out;
}

describe('read models across a restart', () => {
  it('views, candles and tickers equal what was answered before the restart; an idempotent retry answers the original order', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringmatch-views-'));
    try {
      const a = await start(dataDir);
      const [alice, bob] = KEYS;
      const kept = await call(a.port, 'POST', '/v1/orders', alice, { symbol: 'ETH-USD', side: 'buy', price: '2900', quantity: '1' }, { 'idempotency-key': 'keep-1' });
      expect(kept.status).toBe(201);
      for (let i = 0; i < 4; i++) expect((await call(a.port, 'POST', '/v1/orders', bob, { symbol: 'ETH-USD', side: 'sell', price: String(3000 + i), quantity: '0.2', clientOrderId: `b${i}` })).status).toBe(201);
      expect((await call(a.port, 'POST', '/v1/orders', alice, { symbol: 'ETH-USD', side: 'buy', price: '3001', quantity: '0.3', clientOrderId: 'a1' })).body.report.orderStatus).toBe('filled');
      // A snapshot in between: the restart starts from it and reads the journal before it for the history.
      expect((await fetch(`http://127.0.0.1:${a.port}/v1/admin/snapshot`, { method: 'POST', headers: { 'x-admin-key': 'k' } })).status).toBe(200);
      expect((await call(a.port, 'POST', '/v1/orders', alice, { symbol: 'ETH-USD', side: 'buy', orderType: 'market', quantity: '0.2', clientOrderId: 'a2' })).status).toBe(201);
      expect((await call(a.port, 'DELETE', '/v1/orders/by-client-id/b3', bob)).status).toBe(200);
      const before = await readSide(a.port);
      expect(before[bob].fills.fills).toHaveLength(4);
      expect(await a.stop()).toBe(0);

      const b = await start(dataDir);
      try {
        expect(await readSide(b.port)).toEqual(before);
        const retry = await call(b.port, 'POST', '/v1/orders', alice, { symbol: 'ETH-USD', side: 'buy', price: '2900', quantity: '1' }, { 'idempotency-key': 'keep-1' });
        expect(retry.status).toBe(200);
        expect(retry.body).toMatchObject({ idempotentReplay: true, report: { orderId: kept.body.report.orderId, clientOrderId: 'keep-1', execType: 'new' } });
        expect((await call(b.port, 'GET', '/v1/orders', alice)).body.orders.filter((o: Json) => o.clientOrderId === 'keep-1')).toHaveLength(1);
      } finally {
        expect(await b.stop()).toBe(0);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

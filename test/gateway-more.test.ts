import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import WebSocket from 'ws';
import { Client } from './ws-client.ts';
import { gatewayHarness } from './gateway-fixture.ts';
import { compileConfig, demoConfig } from '../engine/config.ts';
import { Engine } from '../engine/engine.ts';
import { DEFAULT_GATEWAY, Gateway } from '../gateway/server.ts';
import { until } from './wait.ts';

const { server, connect, track, trackClient } = gatewayHarness('each');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('gateway: more lifecycles over the wire', () => {
  it('self-trade prevention per order, and replace priority rules', async () => {
    const srv = await server();
    const bob = await connect(srv, 'dev-bob-key');
    const alice = await connect(srv, 'dev-alice-key');
    await bob.request({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: 'own-ask', side: 'sell', price: '150', quantity: '5' });
    const stp = await bob.request({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: 'own-bid', side: 'buy', price: '150', quantity: '2', stp: 'cancel_newest' });
    expect(stp.execType).toBe('new');
    expect(await bob.next((m) => m.clientOrderId === 'own-bid' && m.execType === 'canceled')).toMatchObject({ reason: 'self_trade_prevention', cumQuantity: '0' });
    const dec = await bob.request({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: 'dec-bid', side: 'buy', price: '150', quantity: '2', stp: 'decrement' });
    expect(dec.execType).toBe('new');
    expect(await bob.next((m) => m.clientOrderId === 'own-ask' && m.execType === 'replaced')).toMatchObject({ reason: 'self_trade_prevention_decrement', quantity: '3', leavesQuantity: '3' });
    // Priority: two asks at 151; shrinking the first keeps its place, growing it loses it.
    const a = await bob.request({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: 'pa', side: 'sell', price: '151', quantity: '5' });
    await bob.request({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: 'pb', side: 'sell', price: '151', quantity: '5' });
    await bob.request({ type: 'replace_order', symbol: 'SOL-USD', orderId: a.orderId, quantity: '4' });
    await bob.request({ type: 'cancel_order', symbol: 'SOL-USD', clientOrderId: 'own-ask' });
    await alice.request({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: 'hit1', side: 'buy', timeInForce: 'IOC', price: '151', quantity: '1' });
    expect(await bob.next((m) => m.execType === 'trade')).toMatchObject({ clientOrderId: 'pa' });
    await bob.request({ type: 'replace_order', symbol: 'SOL-USD', clientOrderId: 'pa', quantity: '9' });
    await alice.request({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: 'hit2', side: 'buy', timeInForce: 'IOC', price: '151', quantity: '1' });
    expect(await bob.next((m) => m.execType === 'trade')).toMatchObject({ clientOrderId: 'pb' });
    bob.send({ type: 'cancel_all', id: 'x' });
    expect(await bob.next((m) => m.type === 'cancel_all_ack')).toMatchObject({ canceled: 2 });
  });

  it('the account kill switch over HTTP cancels resting orders and refuses new ones until enabled', async () => {
    const srv = await server();
    const bob = await connect(srv, 'dev-bob-key');
    await bob.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'ks1', side: 'buy', price: '49000', quantity: '0.01' });
    const admin = { method: 'POST', headers: { 'x-admin-key': 'test-admin-key' } };
    expect((await fetch(`${srv.http}/v1/admin/accounts/bob/disable`, admin)).status).toBe(202);
    expect(await bob.next((m) => m.clientOrderId === 'ks1' && m.execType === 'canceled')).toMatchObject({ reason: 'kill_switch' });
    expect(await bob.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'ks2', side: 'buy', price: '49000', quantity: '0.01' })).toMatchObject({ rejectReason: 'RISK_ACCOUNT_DISABLED' });
    expect((await fetch(`${srv.http}/v1/admin/accounts/nobody/disable`, admin)).status).toBe(404);
    expect((await fetch(`${srv.http}/v1/admin/accounts/bob/enable`, admin)).status).toBe(202);
    expect((await bob.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'ks3', side: 'buy', price: '49000', quantity: '0.01' })).execType).toBe('new');
  });

  it('the correlation id follows an order through the logs; API keys never appear', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const log = pino({ level: 'debug', redact: { paths: ['apiKey', '*.apiKey', 'token', '*.token'], censor: '[redacted]' } }, sink);
    const spec = compileConfig(demoConfig());
    const engine = await Engine.start(spec);
    const gw = new Gateway(engine, spec, { ...DEFAULT_GATEWAY, port: 0 }, log);
    const port = await gw.listen();
    track({ stop: async () => { await gw.close(); await engine.stop(); } });
    const c = await Client.connect(`ws://127.0.0.1:${port}/ws`, 'dev-alice-key');
    trackClient(c);
    await c.request({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: 'logged', side: 'buy', price: '50000', quantity: '101' });
    await until(() => lines.join('').includes('"order rejected"'), 10_000, 'the rejection to be logged');
    const entries = lines.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const received = entries.find((e) => e.msg === 'order received' && e.clientOrderId === 'logged');
    expect(received?.corr).toEqual(expect.any(Number));
    expect(entries.find((e) => e.msg === 'order rejected' && e.corr === received?.corr)).toMatchObject({ reason: 'RISK_MAX_ORDER_QTY' });
    expect(lines.join('')).not.toContain('dev-alice-key');
  });

  it('serves wss:// with TLS when configured (uWS SSLApp)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringmatch-tls-'));
    dirs.push(dir);
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-days', '1'], { stdio: 'ignore' });
    const spec = compileConfig(demoConfig());
    const engine = await Engine.start(spec);
    const gw = new Gateway(engine, spec, { ...DEFAULT_GATEWAY, port: 0, tls: { keyFile: key, certFile: cert } }, pino({ level: 'silent' }));
    const port = await gw.listen();
    track({ stop: async () => { await gw.close(); await engine.stop(); } });
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { rejectUnauthorized: false, headers: { Authorization: 'Bearer dev-alice-key' } });
    const answer = await new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => ws.send(JSON.stringify({ type: 'new_order', id: 't', symbol: 'ETH-USD', clientOrderId: 'tls1', side: 'buy', price: '2990', quantity: '1' })));
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as Record<string, unknown>;
        if (m.id === 't') resolve(m);
      });
    });
    expect(answer).toMatchObject({ execType: 'new', clientOrderId: 'tls1' });
    await new Promise<void>((r) => { ws.once('close', () => r()); ws.close(); });
  });
});

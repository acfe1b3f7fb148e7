import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { compileConfig, demoConfig } from '../engine/config.ts';
import { Engine } from '../engine/engine.ts';
import { DEFAULT_GATEWAY, Gateway } from '../gateway/server.ts';
import type { GatewayOptions } from '../gateway/server.ts';
import { readJournal } from '../persistence/journal.ts';
import { Client } from './ws-client.ts';
import { journalAt } from '../persistence/durability.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(ackMode: GatewayOptions['ackMode']): Promise<{ engine: Engine; gw: Gateway; url: string; dir: string; markStopped: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'ringmatch-jeng-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const spec = compileConfig(demoConfig());
  const engine = await Engine.start(spec, { journal: journalAt(dir) });
  // Synthetic probes off: these tests compare the journal with exactly the events the gateway counted.
  const gw = new Gateway(engine, spec, { ...DEFAULT_GATEWAY, port: 0, ackMode, probe: { intervalMs: 0, timeoutMs: 1 } }, pino({ level: 'silent' }));
  const port = await gw.listen();
  let stopped = false;
  cleanups.push(async () => {
    if (stopped) return;
    await gw.close();
    await engine.stop();
  });
  return { engine, gw, url: `ws://127.0.0.1:${port}/ws`, dir, markStopped: () => { stopped = true; } };
}

describe('journal on the persistence thread', () => {
  it('durable ack mode: every report the client sees is already fsynced in the journal', async () => {
    const { engine, url, dir } = await serve('durable');
    expect(engine.journalStatus()).toBe('running');
    const c = await Client.connect(url, 'dev-alice-key');
    cleanups.push(() => c.close());
    const bob = await Client.connect(url, 'dev-bob-key');
    cleanups.push(() => bob.close());
    for (let i = 0; i < 30; i++) {
      await bob.request({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: `d${i}`, side: 'sell', price: '150', quantity: '1' });
      const r = await c.request({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: `t${i}`, side: 'buy', timeInForce: 'IOC', price: '150', quantity: '1' });
      // The shard of SOL-USD (the only shard by default) has journaled at least this far.
      const { lastSeq } = readJournal(dir, 0);
      expect(lastSeq).toBeGreaterThanOrEqual(r.seq as number);
    }
  });

  it('after a clean stop the journal holds exactly the events the gateway saw, in sequence', async () => {
    const s = await serve('fast');
    const c = await Client.connect(s.url, 'dev-alice-key');
    for (let i = 0; i < 200; i++) c.send({ type: 'new_order', symbol: 'BTC-USD', clientOrderId: `f${i}`, side: i % 2 ? 'sell' : 'buy', price: '50000', quantity: '0.001' });
    await c.next((m) => m.clientOrderId === 'f199' && m.type === 'execution_report');
    await c.close();
    await s.gw.close();
    await s.engine.stop();
    s.markStopped();
    const seen = [...s.gw.counters.events.values()].reduce((a, b) => a + b, 0);
    const r = readJournal(s.dir, 0);
    expect(r).toMatchObject({ records: seen, lastSeq: seen, torn: null });
    expect(s.engine.journalStatus()).toBe('stopped');
  });
});

import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from './ws-client.ts';
import { acceptedInJournal, prng } from './engine-events.ts';
import { startServerProcess } from './server-process.ts';
import type { ServerProcess } from './server-process.ts';

function startServer(dataDir: string): Promise<ServerProcess> {
  return startServerProcess({ DATA_DIR: dataDir, ACK_MODE: 'durable', LOG_LEVEL: 'warn' });
}

describe('crash recovery (SIGKILL under load, durable acks)', () => {
  it('after 10 random kills, every acknowledged order is in the journal once and rests in the recovered book', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringmatch-crash-'));
    const rnd = prng(2026);
    const acked = new Map<string, string>(); // clientOrderId → orderId
    let n = 0;
    try {
      for (let round = 0; round < 10; round++) {
        const srv = await startServer(dataDir);
        const c = await Client.connect(`ws://127.0.0.1:${srv.port}/ws`, 'dev-mm-key');
        const killAt = Date.now() + 150 + Math.floor(rnd() * 400);
        const exited = new Promise<void>((r) => srv.child.once('exit', () => r()));
        // Pipelined orders that never cross (bids far below asks), so each ack means "resting".
        let stop = false;
        const sending = (async () => {
          while (!stop) {
            const id = `k${n++}`;
            c.send({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: id, side: n % 2 ? 'buy' : 'sell', price: n % 2 ? '140' : '160', quantity: '1' });
            if (n % 20 === 0) await new Promise((r) => setTimeout(r, 1));
          }
        })();
        while (Date.now() < killAt) await new Promise((r) => setTimeout(r, 5));
        srv.child.kill('SIGKILL');
        stop = true;
        await sending;
        await exited;
        for (const m of c.messages) if (m.type === 'execution_report' && m.execType === 'new') acked.set(m.clientOrderId as string, m.orderId as string);
        c.terminate();
      }
      expect(acked.size).toBeGreaterThan(200);
      // The journal: gapless (readJournal would throw), each acked order ACCEPTED exactly once.
      const accepted = acceptedInJournal(join(dataDir, 'journal'));
      for (const id of acked.keys()) expect(accepted.get(id), id).toBe(1);
      // A last restart: the recovered book holds every acknowledged order.
      const srv = await startServer(dataDir);
      try {
        expect(srv.out()).toMatch(/recovered from/);
        const book = (await (await fetch(`http://127.0.0.1:${srv.port}/v1/book/SOL-USD`)).json()) as { bids: string[][]; asks: string[][] };
        const resting = [...book.bids, ...book.asks].reduce((s, [, q]) => s + Number(q), 0);
        expect(resting).toBe(accepted.size); // every accepted order (acked or not) is in the book
        expect(resting).toBeGreaterThanOrEqual(acked.size);
        const c = await Client.connect(`ws://127.0.0.1:${srv.port}/ws`, 'dev-mm-key');
        const [someId, orderId] = [...acked.entries()][Math.floor(acked.size / 2)];
        const cxl = await c.request({ type: 'cancel_order', symbol: 'SOL-USD', clientOrderId: someId });
        expect(cxl).toMatchObject({ execType: 'canceled', orderId });
        await c.close();
      } finally {
        srv.child.kill('SIGTERM');
        await new Promise((r) => srv.child.once('exit', r));
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

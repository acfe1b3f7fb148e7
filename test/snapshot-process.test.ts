import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Side } from '../engine/codes.ts';
import { compileConfig, demoConfig } from '../engine/config.ts';
import { formatUnits } from '../engine/decimal.ts';
import { restore } from '../persistence/recovery.ts';
import { startServerProcess } from './server-process.ts';
import type { ServerProcess } from './server-process.ts';
import { riskCommands, until } from './wait.ts';

function start(dataDir: string, args: string[]): Promise<ServerProcess> {
  return startServerProcess({ DATA_DIR: dataDir, ADMIN_KEY: 'k', LOG_LEVEL: 'warn' }, args, { compiled: false });
}

describe('snapshots in the server process', () => {
  it('an on-demand snapshot (admin) is where the next start begins; the books equal a full journal replay', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringmatch-sp-'));
    try {
      const a = await start(dataDir, ['--demo', '4000']);
      const http = `http://127.0.0.1:${a.port}`;
      await until(async () => (await riskCommands(http)) > 3_000, 30_000, 'demo traffic before the snapshot');
      expect((await fetch(`http://127.0.0.1:${a.port}/v1/admin/snapshot`, { method: 'POST' })).status).toBe(403);
      const snap = (await (await fetch(`http://127.0.0.1:${a.port}/v1/admin/snapshot`, { method: 'POST', headers: { 'x-admin-key': 'k' } })).json()) as { path: string; seqs: number[]; orders: number };
      expect(snap.seqs[0]).toBeGreaterThan(0);
      expect(readdirSync(join(dataDir, 'snapshots'))).toHaveLength(1);
      const before = await riskCommands(http);
      await until(async () => (await riskCommands(http)) > before + 1_500, 30_000, 'more traffic after the snapshot');
      expect(await a.stop()).toBe(0);

      const b = await start(dataDir, []);
      expect(b.out()).toContain(`starting from snapshot at shard 0 seq ${snap.seqs[0]}`);
      const spec = compileConfig(demoConfig());
      const full = restore(join(dataDir, 'journal'), spec); // no snapshot: everything replayed
      for (const s of spec.symbols) {
        const book = (await (await fetch(`http://127.0.0.1:${b.port}/v1/book/${s.name}`)).json()) as { bids: string[][]; asks: string[][] };
        const fmt = (side: number): string[][] => full.shards[s.shard].depth(s.id, side).map(([p, q]) => [formatUnits(p, s.tick), formatUnits(q, s.lot)]);
        expect(book.bids).toEqual(fmt(Side.BUY));
        expect(book.asks).toEqual(fmt(Side.SELL));
      }
      expect(await b.stop()).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

  it('retention after each snapshot archives the segments no kept snapshot needs; a restart after it equals the whole journal', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringmatch-ret-'));
    try {
      const cfgFile = join(dataDir, 'config.json');
      // 1 MiB segments (~3,700 records each) and one kept snapshot: the second snapshot frees the first's segments.
      writeFileSync(cfgFile, JSON.stringify({ ...demoConfig(), journalSegmentMB: 1, retention: { keepSnapshots: 1 } }));
      const a = await start(dataDir, ['--demo', '4000', '--config', cfgFile]);
      const http = `http://127.0.0.1:${a.port}`;
      const snapshot = async (): Promise<{ seqs: number[]; retention: { segments: number; snapshotsRemoved: number; journalStartsAt: number[] } }> =>
        (await (await fetch(`${http}/v1/admin/snapshot`, { method: 'POST', headers: { 'x-admin-key': 'k' } })).json()) as never;
      await until(async () => (await riskCommands(http)) > 8_000, 60_000, 'traffic for a few segments');
      const first = await snapshot();
      const mark = await riskCommands(http);
      await until(async () => (await riskCommands(http)) > mark + 4_000, 60_000, 'more traffic');
      const second = await snapshot();
      expect(second.retention.snapshotsRemoved).toBe(1);
      expect(second.retention.segments).toBeGreaterThan(0);
      expect(second.retention.journalStartsAt[0]).toBeGreaterThan(1);
      expect(second.retention.journalStartsAt[0]).toBeLessThanOrEqual(second.seqs[0] + 1);
      expect(readdirSync(join(dataDir, 'snapshots'))).toHaveLength(1);
      expect(readdirSync(join(dataDir, 'archive', 'shard-0')).length).toBe(first.retention.segments + second.retention.segments);
      // /metrics is built at most every 250 ms (riskCommands read it just before the snapshot).
      await until(async () => (await (await fetch(`${http}/metrics`)).text()).includes(`ringmatch_journal_first_seq{shard="0"} ${second.retention.journalStartsAt[0]}`), 5_000, 'the retained journal in /metrics');
      const metrics = await (await fetch(`${http}/metrics`)).text();
      expect(metrics).toMatch(/ringmatch_archive_segments [1-9]/);
      expect(metrics).toContain('ringmatch_snapshot_files 1');
      expect(first.seqs[0]).toBeLessThan(second.seqs[0]);
      expect(await a.stop()).toBe(0);

      // The restart recovers from the kept snapshot + the live journal; the whole history (archive
      // put back in a copy) replayed from sequence 1 gives the same books.
      const b = await start(dataDir, ['--config', cfgFile]);
      expect(b.out()).toContain(`starting from snapshot at shard 0 seq ${second.seqs[0]}`);
      const whole = join(dataDir, 'whole');
      cpSync(join(dataDir, 'journal'), whole, { recursive: true });
      cpSync(join(dataDir, 'archive'), whole, { recursive: true });
      const spec = compileConfig(demoConfig());
      const full = restore(whole, spec);
      for (const s of spec.symbols) {
        const book = (await (await fetch(`http://127.0.0.1:${b.port}/v1/book/${s.name}`)).json()) as { bids: string[][]; asks: string[][] };
        const fmt = (side: number): string[][] => full.shards[s.shard].depth(s.id, side, 100).map(([p, q]) => [formatUnits(p, s.tick), formatUnits(q, s.lot)]);
        expect(book.bids).toEqual(fmt(Side.BUY));
        expect(book.asks).toEqual(fmt(Side.SELL));
      }
      expect(await b.stop()).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);
});

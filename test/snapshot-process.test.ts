import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Side } from '../engine/codes.ts';
import { compileConfig, demoConfig } from '../engine/config.ts';
import { formatUnits } from '../engine/decimal.ts';
import { restore } from '../persistence/recovery.ts';

const MAIN = new URL('../gateway/main.ts', import.meta.url).pathname;

function start(dataDir: string, args: string[]): Promise<{ stop: () => Promise<string>; port: number; out: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, PORT: '0', DATA_DIR: dataDir, ADMIN_KEY: 'k', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const stop = (): Promise<string> => new Promise((r) => { child.once('exit', () => r(out)); child.kill('SIGTERM'); });
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const iv = setInterval(() => {
      const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) { clearInterval(iv); resolve({ stop, port: Number(m[1]), out: () => out }); }
      else if (Date.now() - t0 > 30_000 || child.exitCode !== null) { clearInterval(iv); child.kill('SIGKILL'); reject(new Error(out)); }
    }, 50);
  });
}

describe('snapshots in the server process', () => {
  it('an on-demand snapshot (admin) is where the next start begins; the books equal a full journal replay', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringmatch-sp-'));
    try {
      const a = await start(dataDir, ['--demo', '4000']);
      await new Promise((r) => setTimeout(r, 1_200));
      expect((await fetch(`http://127.0.0.1:${a.port}/v1/admin/snapshot`, { method: 'POST' })).status).toBe(403);
      const snap = (await (await fetch(`http://127.0.0.1:${a.port}/v1/admin/snapshot`, { method: 'POST', headers: { 'x-admin-key': 'k' } })).json()) as { path: string; seqs: number[]; orders: number };
      expect(snap.seqs[0]).toBeGreaterThan(0);
      expect(readdirSync(join(dataDir, 'snapshots'))).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 500)); // more traffic after the snapshot
      await a.stop();

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
      await b.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

/**
 * Hardening (issue #13) against the compiled server process: one process per port and per data
 * folder, a damaged journal refuses to start (never truncated), market-data sequences never go
 * backwards across a restart, operator mistakes get a message and an exit code (never a hang),
 * SIGHUP drains like SIGTERM, the journal is private, journal:verify refuses another config.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoConfig } from '../engine/config.ts';
import { RECORD_BYTES, listSegments } from '../persistence/journal.ts';
import { Client } from './ws-client.ts';
import { runToExit, startServerProcess } from './server-process.ts';

function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

async function place(port: number, n: number, prefix: string): Promise<void> {
  const c = await Client.connect(`ws://127.0.0.1:${port}/ws`, 'dev-mm-key');
  for (let i = 0; i < n; i++) c.send({ type: 'new_order', symbol: 'SOL-USD', clientOrderId: `${prefix}${i}`, side: i % 2 ? 'buy' : 'sell', price: i % 2 ? '140' : '160', quantity: '1' });
  await c.next((m) => m.clientOrderId === `${prefix}${n - 1}` && m.execType === 'new');
  await c.close();
}

describe('hardening: the server process', () => {
  it('refuses a second server on the same port, and on the same data folder (naming the owner pid); the lock goes with the process', async () => {
    const a = tmp('ringmatch-lock-a-');
    const b = tmp('ringmatch-lock-b-');
    const first = await startServerProcess({ DATA_DIR: a, LOG_LEVEL: 'warn' });
    try {
      const samePort = await runToExit({ DATA_DIR: b, PORT: String(first.port), LOG_LEVEL: 'warn' });
      expect(samePort.code).toBe(3);
      expect(samePort.out).toMatch(/port is in use/);
      const sameDir = await runToExit({ DATA_DIR: a, LOG_LEVEL: 'warn' });
      expect(sameDir.code).toBe(2);
      expect(sameDir.out).toContain(`in use by process ${first.child.pid} (lock file`);
      expect((await fetch(`http://127.0.0.1:${first.port}/health`)).status).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    expect(readdirSync(a)).not.toContain('ringmatch.lock');
    // A lock left by a process that is gone (kill -9) is taken over.
    writeFileSync(join(a, 'ringmatch.lock'), '999999\n');
    const again = await startServerProcess({ DATA_DIR: a, LOG_LEVEL: 'warn' });
    expect(again.out()).toMatch(/taken over/);
    expect(await again.stop()).toBe(0);
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }, 60_000);

  it('a flipped byte in the last complete journal record refuses the start (exit 4, nothing truncated); market-data sequences never go backwards across a restart', async () => {
    const dir = tmp('ringmatch-lastrec-');
    let srv = await startServerProcess({ DATA_DIR: dir, LOG_LEVEL: 'warn' });
    await place(srv.port, 20, 'a');
    const seq1 = ((await (await fetch(`http://127.0.0.1:${srv.port}/v1/book/SOL-USD`)).json()) as { seq: number }).seq;
    expect(await srv.stop()).toBe(0);
    // Private files: the journal holds every account's orders.
    const [seg] = listSegments(join(dir, 'journal'), 0);
    expect(statSync(seg).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o077).toBe(0);

    srv = await startServerProcess({ DATA_DIR: dir, LOG_LEVEL: 'warn' });
    const seq2 = ((await (await fetch(`http://127.0.0.1:${srv.port}/v1/book/SOL-USD`)).json()) as { seq: number }).seq;
    expect(seq2).toBeGreaterThan(seq1); // continues above the old sequence (a jump clients treat as a gap)
    await place(srv.port, 2, 'b');
    expect(await srv.stop()).toBe(0);

    const good = readFileSync(seg);
    const bad = Buffer.from(good);
    bad[good.length - RECORD_BYTES + 60] ^= 0x10; // inside the last, complete record
    writeFileSync(seg, bad);
    const r = await runToExit({ DATA_DIR: dir, LOG_LEVEL: 'warn' });
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/CRC32C mismatch/);
    expect(r.out).toMatch(/nothing was truncated/);
    expect(statSync(seg).size).toBe(good.length);
    rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  it('an unusable data folder is refused with its path and the fix, promptly; SIGHUP drains and exits 0', async () => {
    const dir = tmp('ringmatch-baddir-');
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await runToExit({ DATA_DIR: join(file, 'data'), LOG_LEVEL: 'warn' });
    expect(r.code).toBe(2);
    expect(r.out).toContain(join(file, 'data'));
    expect(r.out).toMatch(/set dataDir \(config\) or DATA_DIR/);
    expect(r.out).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(r.ms).toBeLessThan(20_000);
    const ro = join(dir, 'ro');
    spawnSync('mkdir', [ro]);
    chmodSync(ro, 0o500);
    if (process.getuid?.() !== 0) {
      const r2 = await runToExit({ DATA_DIR: join(ro, 'data'), LOG_LEVEL: 'warn' });
      expect(r2.code).toBe(2);
      expect(r2.out).toMatch(/permission denied/);
    }
    const srv = await startServerProcess({ DATA_DIR: join(dir, 'ok'), LOG_LEVEL: 'warn' });
    expect(await srv.stop('SIGHUP')).toBe(0);
    expect(srv.out()).toMatch(/stopped cleanly/);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('the journal records its layout: a server or journal:verify with a config that reads it differently refuses, naming the difference', async () => {
    const dir = tmp('ringmatch-layout-');
    const srv = await startServerProcess({ DATA_DIR: dir, LOG_LEVEL: 'warn' });
    await place(srv.port, 4, 'l');
    expect(await srv.stop()).toBe(0);
    const cfg = demoConfig();
    cfg.symbols[2].lotSize = '0.1'; // SOL-USD quantities would be read in other units
    const file = join(dir, 'other.json');
    writeFileSync(file, JSON.stringify(cfg));
    const r = await runToExit({ DATA_DIR: dir, LOG_LEVEL: 'warn' }, ['--config', file]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/written with another configuration.*SOL-USD/);
    const v = spawnSync(process.execPath, ['--import', 'tsx', 'persistence/journal-cli.ts', '--journal', join(dir, 'journal'), '--config', file], { encoding: 'utf8' });
    expect(v.status).toBe(2);
    expect(v.stderr).toMatch(/written with another configuration/);
    const ok = spawnSync(process.execPath, ['--import', 'tsx', 'persistence/journal-cli.ts', '--journal', join(dir, 'journal')], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});

import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoConfig } from '../engine/config.ts';
import { readJournal } from '../persistence/journal.ts';

const MAIN = new URL('../gateway/main.ts', import.meta.url).pathname;

function run(args: string[], env: Record<string, string> = {}, onStdout?: (text: string, kill: () => void) => void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`process did not exit: ${out}\n${err}`)); }, 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      onStdout?.(out, () => child.kill('SIGTERM'));
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}

describe('npm start process', () => {
  it('one output format per run: JSON records when not a terminal, readable lines with LOG_FORMAT=pretty; a bad LOG_FORMAT is refused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringmatch-logfmt-'));
    try {
      const json = await run(['--duration', '1'], { PORT: '0', DATA_DIR: join(dataDir, 'a'), LOG_LEVEL: 'info' });
      expect(json.code).toBe(0);
      const lines = json.out.trim().split('\n');
      for (const l of lines) expect(() => JSON.parse(l), l).not.toThrow();
      expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg).join('\n')).toMatch(/listening on ws:\/\/127\.0\.0\.1:\d+\/ws/);
      const pretty = await run(['--duration', '1'], { PORT: '0', DATA_DIR: join(dataDir, 'b'), LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
      expect(pretty.code).toBe(0);
      expect(pretty.out).toMatch(/^listening on ws:\/\/127\.0\.0\.1:\d+\/ws/m);
      expect(pretty.out).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO /m); // a log line, readable
      expect(pretty.out).toMatch(/^stopped cleanly: \{/m);
      expect(pretty.out.split('\n').some((l) => l.startsWith('{'))).toBe(false);
      const bad = await run([], { PORT: '0', DATA_DIR: join(dataDir, 'c'), LOG_FORMAT: 'xml' });
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/LOG_FORMAT "xml" — use "json" or "pretty"/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('runs the engine under demo traffic and stops cleanly on SIGTERM with exit code 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringmatch-data-'));
    let sent = false;
    // Synthetic probes off: the journal is compared with the events the demo counted (probe events are journaled too).
    const r = await run(['--demo', '5000'], { PORT: '0', DATA_DIR: dataDir, RINGMATCH_PROBE_INTERVAL_MS: '0' }, (text, kill) => {
      if (!sent && /trades [1-9]/.test(text)) {
        sent = true;
        kill();
      }
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain('dev-alice-key');
    // Not a terminal: one JSON record per line (gateway/log.ts), the summary as its fields.
    const stopped = r.out.split('\n').find((l) => l.includes('stopped cleanly'));
    expect(JSON.parse(stopped ?? '{}')).toMatchObject({ msg: 'stopped cleanly', trades: expect.any(Number) });
    expect(JSON.parse(stopped as string).trades).toBeGreaterThan(0);
    // Every event went to the journal under DATA_DIR; a second start recovers from it.
    const events = (JSON.parse(stopped as string) as { events: number }).events;
    expect(readJournal(join(dataDir, 'journal'), 0)).toMatchObject({ records: events, torn: null });
    const r2 = await run(['--duration', '1'], { PORT: '0', DATA_DIR: dataDir, RINGMATCH_PROBE_INTERVAL_MS: '0' });
    expect(r2.code).toBe(0);
    expect(r2.out).toContain(`recovered from ${join(dataDir, 'journal')}: shard 0 ${events} events`);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses an invalid config file, naming the field and the fix, with a non-zero exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringmatch-cfg-'));
    try {
      const cfg = demoConfig();
      cfg.symbols[0].lotSize = 'lots';
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify(cfg));
      const r = await run(['--config', file], { PORT: '0' });
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/symbols\[0\]\.tickSize\/lotSize/);
      const r2 = await run([], { RINGMATCH_CONFIG: join(dir, 'missing.json'), PORT: '0' });
      expect(r2.code).toBe(2);
      expect(r2.err).toMatch(/cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

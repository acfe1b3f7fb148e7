import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILED_MAIN, startServerProcess } from './server-process.ts';

describe('production build (npm start runs compiled JavaScript)', () => {
  it('npm start builds first and runs dist/; the server and every thread it starts run JS with no TS loader', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.scripts.start).toMatch(/npm run -s build && node dist\/gateway\/main\.js$/);
    expect(pkg.scripts.start).not.toMatch(/tsx|ts-node|strip-types/);
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(existsSync(COMPILED_MAIN)).toBe(true);
    // Built once for the whole run (test/build-setup.ts), and the run's other tools know it: none builds again under running tests.
    expect(process.env.RINGMATCH_DIST_FRESH).toBe('1');
    expect(existsSync(new URL('../dist/proto/ringmatch.proto', import.meta.url))).toBe(true);

    const dataDir = mkdtempSync(join(tmpdir(), 'ringmatch-prod-'));
    const srv = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    try {
      const deep = (await (await fetch(`http://127.0.0.1:${srv.port}/health/deep`)).json()) as { status: string; runtime: Record<string, { code: string; tsLoader: boolean } | null> };
      expect(deep.status).toBe('ok');
      // The gateway thread, the risk stage, the matching shard and the journal thread.
      expect(Object.keys(deep.runtime).sort()).toEqual(['G', 'J', 'M0', 'R']);
      for (const [thread, rt] of Object.entries(deep.runtime)) expect([thread, rt]).toEqual([thread, { code: 'js', tsLoader: false }]);
    } finally {
      expect(await srv.stop()).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('run from source (tests), the same report says TS and a loader — the check can fail', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ringmatch-src-'));
    const srv = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, [], { compiled: false });
    try {
      const deep = (await (await fetch(`http://127.0.0.1:${srv.port}/health/deep`)).json()) as { runtime: Record<string, { code: string; tsLoader: boolean }> };
      expect(deep.runtime.G).toEqual({ code: 'ts', tsLoader: true });
      expect(deep.runtime.R).toEqual({ code: 'ts', tsLoader: true });
    } finally {
      await srv.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

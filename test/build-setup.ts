/**
 * vitest global setup: build the production JavaScript (dist/) once per test run, so process tests
 * run what `npm start` runs. Fails the run loudly if the build fails.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  // Every vitest project runs the global setup: build once per run.
  const g = globalThis as { ringmatchBuilt?: boolean };
  if (g.ringmatchBuilt) return;
  g.ringmatchBuilt = true;
  const root = fileURLToPath(new URL('../', import.meta.url));
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  // Built: nothing in the run builds again (the bench harness would, as npm start does) — a rebuild
  // while other tests start the compiled server lets a worker load a half-written module.
  process.env.RINGMATCH_DIST_FRESH = '1';
}

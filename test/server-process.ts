/**
 * The server as a child process, the way `npm start` runs it: compiled JavaScript from dist/ (built
 * once per test run by test/build-setup.ts), or the TypeScript source through tsx (`compiled: false`).
 * Resolves once it prints its listening line (cold; tests only).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const COMPILED_MAIN = fileURLToPath(new URL('../dist/gateway/main.js', import.meta.url));
const SOURCE_MAIN = fileURLToPath(new URL('../gateway/main.ts', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** stdout + stderr so far. */
  out(): string;
  /** SIGTERM (or `signal`), resolving with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startServerProcess(env: Record<string, string>, args: string[] = [], opts: { compiled?: boolean; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const argv = opts.compiled === false ? ['--import', 'tsx', SOURCE_MAIN, ...args] : [COMPILED_MAIN, ...args];
  const child = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not start: ${out}`)); }, opts.timeoutMs ?? 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on wss?:\/\/127\.0\.0\.1:(\d+)\/ws/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          child, port: Number(m[1]), out: () => out,
          stop: (signal = 'SIGTERM') => { if (child.exitCode === null) child.kill(signal); return exited; },
        });
      }
    });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}) before listening: ${out}`)); });
  });
}

/** Run the compiled server until it exits by itself (refused start-ups); resolves with code and output. */
export function runToExit(env: Record<string, string>, args: string[] = [], timeoutMs = 30_000): Promise<{ code: number | null; out: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [COMPILED_MAIN, ...args], { cwd: ROOT, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not exit within ${timeoutMs} ms: ${out}`)); }, timeoutMs);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, out, ms: Date.now() - t0 }); });
  });
}

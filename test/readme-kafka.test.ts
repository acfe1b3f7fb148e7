import { afterAll, describe, expect, it } from 'vitest';
import { execSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokerUnavailable } from './kafka-mock.ts';
import { until } from './wait.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The shell lines of the "Trying it locally, verbatim" block of persistence/README.md. */
function readmeLines(): string[] {
  const text = readFileSync(join(ROOT, 'persistence/README.md'), 'utf8');
  const at = text.indexOf('Trying it locally, verbatim');
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
  if (at < 0 || !block) throw new Error('persistence/README.md has no "Trying it locally, verbatim" sh block');
  return block[1].split('\n').filter((l) => l.trim() !== '');
}

/** A long-running command line (its own process group, so npm's child goes too); output collected. */
function background(line: string, env: Record<string, string> = {}): { child: ChildProcess; out: () => string; stop: () => Promise<void> } {
  const child = spawn('bash', ['-c', line], { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child, out: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-(child.pid as number), 'SIGTERM');
        const t = setTimeout(() => { try { process.kill(-(child.pid as number), 'SIGKILL'); } catch { /* gone */ } }, 10_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the Kafka commands of persistence/README.md, as written', () => {
  it('kafka:dev, a server shipping to it, kcat + protoc on its records, and the audit consumer', async () => {
    const why = brokerUnavailable();
    if (why) {
      if (process.env.CI === 'true') throw new Error(why);
      return;
    }
    for (const tool of ['kcat', 'protoc']) {
      try {
        execSync(`command -v ${tool}`, { stdio: 'ignore', shell: '/bin/bash' });
      } catch {
        if (process.env.CI === 'true') throw new Error(`${tool} is not installed (apt-get install kcat protobuf-compiler)`);
        return;
      }
    }
    const lines = readmeLines();
    expect(lines).toHaveLength(6);
    const [devLine, serverLine, headersLine, batchLine, singleLine, auditLine] = lines.map((l) => l.replace(/\s+#.*$/, ''));
    expect(devLine).toBe('npm run kafka:dev');

    // 1. The broker — on an ephemeral port here (tests never take fixed ports); the README's 9092 is replaced below.
    const dev = background(`${devLine} -- --port 0`);
    cleanups.push(dev.stop);
    await until(() => /on 127\.0\.0\.1:(\d+) \(topic ringmatch\.events\)/.test(dev.out()), 60_000, `kafka:dev to listen: ${dev.out()}`);
    const port = /on 127\.0\.0\.1:(\d+) \(topic/.exec(dev.out())![1];
    const at = (line: string): string => line.replaceAll('127.0.0.1:9092', `127.0.0.1:${port}`);

    // 2. The server, on its own data folder and an ephemeral port. `npm start` is `npm run -s build &&
    // node dist/gateway/main.js` (test/production-build.test.ts holds it to that): the build ran
    // once for the whole test run, and rebuilding dist/ here would race every other test that runs
    // it (a worker loading a half-written module ends silently).
    expect(serverLine).toContain('npm start -- ');
    const dataDir = mkdtempSync(join(tmpdir(), 'rm-readme-kafka-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const server = background(at(serverLine).replace('npm start -- ', 'node dist/gateway/main.js '), { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    cleanups.push(server.stop);
    await until(() => /listening on ws:\/\/127\.0\.0\.1:(\d+)\/ws/.test(server.out()), 120_000, `the server to listen: ${server.out()}`);
    const http = `http://127.0.0.1:${/listening on ws:\/\/127\.0\.0\.1:(\d+)\/ws/.exec(server.out())![1]}`;
    await until(async () => {
      const deep = (await (await fetch(`${http}/health/deep`)).json()) as { kafka: { state: string; shipped?: number[] } };
      return deep.kafka.state === 'running' && (deep.kafka.shipped?.[0] ?? 0) > 2_000;
    }, 60_000, 'events shipped to the broker');

    // 3. Offsets, keys and headers; one record with a count header and one without.
    const listing = execSync(at(headersLine), { cwd: ROOT, shell: '/bin/bash', encoding: 'utf8', timeout: 60_000 });
    const rows = listing.trim().split('\n').map((l) => /^(\d+) (\S+) (.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
    expect(rows.length).toBeGreaterThan(10);
    const batch = rows.find((r) => /count=\d+/.test(r[3]));
    const single = rows.find((r) => !/count=/.test(r[3]) && /shard=\d+/.test(r[3]));
    expect(batch, listing.slice(0, 500)).toBeDefined();
    expect(single, listing.slice(0, 500)).toBeDefined();

    // 4. Decoded with protoc, each as its type.
    const decodedBatch = execSync(at(batchLine).replace('<offset>', batch![1]), { cwd: ROOT, shell: '/bin/bash', encoding: 'utf8', timeout: 30_000 });
    expect(decodedBatch).toMatch(/events \{[\s\S]*seq: \d+/);
    const decodedSingle = execSync(at(singleLine).replace('<offset>', single![1]), { cwd: ROOT, shell: '/bin/bash', encoding: 'utf8', timeout: 30_000 });
    expect(decodedSingle).toMatch(/^seq: \d+|\nseq: \d+/);
    expect(decodedSingle).toMatch(/shard: \d+|symbol: "/);

    // 5. The audit consumer after the server stopped: no open gap, a hash per shard; a second run prints the same.
    await server.stop();
    // `npm run audit` is `npm run -s build && node dist/persistence/audit-cli.js` (held to that
    // below): rebuilding dist/ here would race the other tests that run it (a half-written module).
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.audit).toBe('npm run -s build && node dist/persistence/audit-cli.js');
    expect(auditLine).toContain('npm run audit -- ');
    const audit = (): { openGaps: unknown[]; stateHash: string[]; lastSeq: number[] } => {
      const out = execSync(at(auditLine).replace('npm run audit -- ', 'node dist/persistence/audit-cli.js '), { cwd: ROOT, shell: '/bin/bash', encoding: 'utf8', timeout: 120_000 });
      const final = /final (\{.*\})/.exec(out);
      if (!final) throw new Error(`no final summary: ${out.slice(-500)}`);
      return JSON.parse(final[1]) as { openGaps: unknown[]; stateHash: string[]; lastSeq: number[] };
    };
    const first = audit();
    expect(first.openGaps).toEqual([]);
    expect(first.lastSeq[0]).toBeGreaterThan(2_000);
    expect(first.stateHash[0]).toMatch(/^[0-9a-f]+$/);
    expect(audit()).toEqual(first);
  }, 420_000);
});

/**
 * `npm run pitr -- [--data-dir ./data] (--seq <seq> | --seq <shard>:<seq>,… | --time <ISO time>) [--depth 10] [--config file.json] [--out file.json]`
 *
 * Point-in-time recovery (persistence/pitr.ts): rebuilds the books and the risk stage as of the
 * given journal sequences — one per shard, or a single one for a one-shard engine — or as of a
 * wall-clock time (each shard's last event at or before it), from the newest snapshot at or before
 * that point plus the journal, and prints the state as JSON: sequences, the snapshot used, state
 * hashes, resting orders and the best levels per symbol. Read-only: the live data folder is not
 * written or locked, so it runs beside a live server. Exit 0: rebuilt; 1: the journal cannot
 * reach that point (damaged, ends earlier, or archived without a snapshot before it); 2: usage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileConfig, demoConfig } from '../engine/config.ts';
import type { EngineConfig } from '../engine/config.ts';
import { journalLayout, layoutDifferences, readJournalLayout } from './journal-layout.ts';
import { rebuildAt, sequencesAt } from './pitr.ts';

const USAGE = 'usage: npm run pitr -- [--data-dir ./data] (--seq <seq> | --seq <shard>:<seq>,... | --time <ISO time>) [--depth 10] [--config file.json] [--out file.json]';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function fail(code: number, message: string): never {
  process.stderr.write(`pitr: ${message}\n`);
  process.exit(code);
}

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`${USAGE}\n\nRebuilds the engine's state as of a journal sequence (per shard) or a time, from the newest\nsnapshot at or before it plus the journal; read-only (safe beside a running server).\n`);
  process.exit(0);
}
const dataDir = arg('--data-dir') ?? process.env.DATA_DIR ?? './data';
const journalDir = join(dataDir, 'journal');
const snapshotDir = join(dataDir, 'snapshots');
const configFile = arg('--config');
const spec = compileConfig(configFile ? (JSON.parse(readFileSync(configFile, 'utf8')) as EngineConfig) : demoConfig());
const recorded = readJournalLayout(journalDir);
if (!recorded) fail(2, `no journal under ${journalDir} (give --data-dir)`);
const diff = layoutDifferences(recorded, journalLayout(spec));
if (diff.length > 0) fail(2, `this journal was written with another configuration than ${configFile ?? 'the embedded defaults'}: ${diff.join('; ')} — pass the server's config with --config <file>`);
const depth = Number(arg('--depth') ?? 10);
if (!Number.isInteger(depth) || depth < 1) fail(2, '--depth must be a positive integer');

let upTo: number[];
const seqArg = arg('--seq');
const timeArg = arg('--time');
if ((seqArg === undefined) === (timeArg === undefined)) fail(2, `give --seq or --time\n${USAGE}`);
if (seqArg !== undefined) {
  if (/^\d+$/.test(seqArg)) {
    if (spec.shards !== 1) fail(2, `${spec.shards} shards: give a sequence per shard, e.g. --seq ${Array.from({ length: spec.shards }, (_, k) => `${k}:1000`).join(',')} (or --time)`);
    upTo = [Number(seqArg)];
  } else {
    upTo = new Array<number>(spec.shards).fill(-1);
    for (const part of seqArg.split(',')) {
      const m = /^(\d+):(\d+)$/.exec(part.trim());
      if (!m || Number(m[1]) >= spec.shards) fail(2, `--seq: "${part}" is not <shard>:<seq> for a shard 0..${spec.shards - 1}`);
      upTo[Number(m[1])] = Number(m[2]);
    }
    const missing = upTo.map((s, k) => (s < 0 ? k : -1)).filter((k) => k >= 0);
    if (missing.length > 0) fail(2, `--seq: no sequence for shard(s) ${missing.join(', ')} (every shard needs one; or use --time)`);
  }
} else {
  const at = Date.parse(timeArg as string);
  if (!Number.isFinite(at)) fail(2, `--time: "${timeArg}" is not a date-time (e.g. 2026-11-30T07:00:00Z)`);
  try {
    upTo = sequencesAt(journalDir, spec.shards, at).seqs;
  } catch (e) {
    fail(1, (e as Error).message);
  }
  process.stderr.write(`pitr: as of ${new Date(at).toISOString()}: ${upTo.map((s, k) => `shard ${k} seq ${s}`).join(', ')}\n`);
}
try {
  const t0 = Date.now();
  const state = rebuildAt(journalDir, snapshotDir, spec, upTo, depth, (file, why) => process.stderr.write(`pitr: snapshot ${file} skipped: ${why}\n`));
  const text = `${JSON.stringify(state, null, 2)}\n`;
  const out = arg('--out');
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
  process.stderr.write(`pitr: rebuilt ${state.seqs.map((s, k) => `shard ${k} @${s}`).join(', ')} from ${state.fromSnapshot ? `the snapshot at ${state.fromSnapshot.join('/')}` : 'the journal alone'} + ${state.replayed} records in ${Date.now() - t0} ms\n`);
} catch (e) {
  fail(1, (e as Error).message);
}

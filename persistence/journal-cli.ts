/**
 * `npm run journal:verify -- [--data-dir ./data | --journal <dir>] [--config file.json] [--threads n]`
 *
 * Verifies every shard's journal in parallel (piscina, one task per shard): framing, CRC32C,
 * gapless sequences, and — with the engine's config (embedded defaults unless --config) — the
 * rebuilt books' state hash per shard. Progress on stderr every second, one JSON line per shard
 * on stdout. Exit 0: intact (a torn tail — an incomplete last record — is reported; the engine
 * repairs it on start); 1: corruption, a damaged complete record anywhere (file and byte offset
 * given); 2: usage / nothing to verify / the journal was written with another config.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileConfig, demoConfig } from '../engine/config.ts';
import type { EngineConfig } from '../engine/config.ts';
import { journalShards, verifyJournals } from './journal-verify.ts';
import { journalLayout, layoutDifferences, readJournalLayout } from './journal-layout.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const dir = arg('--journal') ?? join(arg('--data-dir') ?? process.env.DATA_DIR ?? './data', 'journal');
const configFile = arg('--config');
const threads = arg('--threads') === undefined ? undefined : Number(arg('--threads'));
if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) {
  process.stderr.write('journal:verify: --threads must be a positive integer\n');
  process.exit(2);
}
const shards = journalShards(dir);
if (shards.length === 0) {
  process.stderr.write(`journal:verify: no journal under ${dir} (give --data-dir or --journal)\n`);
  process.exit(2);
}
const config = configFile ? (JSON.parse(readFileSync(configFile, 'utf8')) as EngineConfig) : demoConfig();
let spec: ReturnType<typeof compileConfig> | undefined = compileConfig(config);
// The journal says which configuration its records are to be read with: refuse another one.
const recorded = readJournalLayout(dir);
if (recorded) {
  const diff = layoutDifferences(recorded, journalLayout(spec));
  if (diff.length > 0) {
    process.stderr.write(`journal:verify: this journal was written with another configuration than ${configFile ?? 'the embedded defaults'} (layout ${recorded.hash} vs ${journalLayout(spec).hash}): ${diff.join('; ')}\n`);
    process.stderr.write('journal:verify: pass the server\'s config with --config <file>\n');
    process.exit(2);
  }
}
if (spec.shards < shards[shards.length - 1] + 1) {
  process.stderr.write(`journal:verify: the journal has ${shards.length} shard(s) but the config has ${spec.shards}: checking records only (give --config for state hashes)\n`);
  spec = undefined;
}
const progress = new Map<number, number>();
const t0 = Date.now();
const ticker = setInterval(() => {
  process.stderr.write(`verifying ${[...progress].map(([k, n]) => `shard ${k}: ${n.toLocaleString('en-US')} records`).join(', ')} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
}, 1_000);
const results = await verifyJournals(dir, { spec, shards, threads, onProgress: (p) => progress.set(p.shard, p.records) });
clearInterval(ticker);
for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
const records = results.reduce((n, r) => n + r.records, 0);
const secs = (Date.now() - t0) / 1000;
const bad = results.filter((r) => r.corrupt);
process.stderr.write(`${bad.length === 0 ? 'OK' : 'CORRUPT'}: ${results.length} shard(s), ${records.toLocaleString('en-US')} records in ${secs.toFixed(2)} s (${Math.round(records / Math.max(secs, 1e-3)).toLocaleString('en-US')} records/s)\n`);
for (const r of bad) process.stderr.write(`  shard ${r.shard}: ${r.corrupt!.file} byte ${r.corrupt!.offset}: ${r.corrupt!.reason}\n`);
for (const r of results.filter((x) => x.startsAt > 1)) process.stderr.write(`  shard ${r.shard}: starts at sequence ${r.startsAt} (older segments archived by retention): checked from there; no state hash (rebuild from a snapshot: npm run pitr)\n`);
for (const r of results.filter((x) => x.torn)) process.stderr.write(`  shard ${r.shard}: torn tail at ${r.torn!.file} byte ${r.torn!.offset} (${r.torn!.reason}); the engine truncates it on its next start\n`);
process.exit(bad.length === 0 ? 0 : 1);

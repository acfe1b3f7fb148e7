/**
 * What a journal needs to be read: which symbol and account each id in its records means, and the
 * units of its prices, quantities and notionals. Written once beside the shard folders
 * (`journal/layout.json`) when a journal starts; a server or `journal:verify` whose config would read
 * the records differently refuses, naming what differs — instead of replaying prices in the wrong
 * units or orders on the wrong symbol. Limits and keys may change freely between restarts. Cold path.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineSpec } from '../engine/config.ts';
import { crc32c } from './crc32c.ts';

export const LAYOUT_FILE = 'layout.json';

export interface JournalLayout {
  version: 1;
  /** CRC32C (hex) of the canonical layout below: equal hashes ⇔ the records read the same. */
  hash: string;
  shards: number;
  notionalDecimals: number;
  accounts: number;
  /** Account ids in order (records carry the index): names only, never keys. */
  accountIds?: string[];
  symbols: Array<{ name: string; shard: number; tickSize: string; lotSize: string }>;
}

export function journalLayout(spec: EngineSpec): JournalLayout {
  const body = {
    shards: spec.shards,
    notionalDecimals: spec.notionalDecimals,
    accounts: spec.accounts.length,
    accountIds: spec.accounts.map((a) => a.name),
    symbols: spec.symbols.map((s) => ({ name: s.name, shard: s.shard, tickSize: s.tickSize, lotSize: s.lotSize })),
  };
  const hash = crc32c(Buffer.from(JSON.stringify(body))).toString(16).padStart(8, '0');
  return { version: 1, hash, ...body };
}

export class LayoutMismatchError extends Error {
  override name = 'LayoutMismatchError';
}

/** What differs between a journal's layout and a config's, in words (empty when they match). */
export function layoutDifferences(journal: JournalLayout, config: JournalLayout): string[] {
  if (journal.hash === config.hash) return [];
  const out: string[] = [];
  if (journal.shards !== config.shards) out.push(`shards: journal ${journal.shards}, config ${config.shards}`);
  if (journal.notionalDecimals !== config.notionalDecimals) out.push(`notionalDecimals: journal ${journal.notionalDecimals}, config ${config.notionalDecimals}`);
  if (journal.accounts > config.accounts) out.push(`accounts: the journal knows ${journal.accounts}, the config only ${config.accounts}`);
  const ids = journal.accountIds ?? [];
  for (let i = 0; i < ids.length && i < config.accounts; i++) {
    if (config.accountIds && ids[i] !== config.accountIds[i]) out.push(`account #${i}: journal ${ids[i]}, config ${config.accountIds[i]} (accounts may only be added at the end)`);
  }
  const n = Math.max(journal.symbols.length, config.symbols.length);
  for (let i = 0; i < n; i++) {
    const a = journal.symbols[i];
    const b = config.symbols[i];
    if (!a || !b) {
      if (a) out.push(`symbol #${i} ${a.name} is missing from the config`);
      continue; // a symbol added at the end is fine
    }
    if (a.name !== b.name || a.shard !== b.shard || a.tickSize !== b.tickSize || a.lotSize !== b.lotSize) {
      out.push(`symbol #${i}: journal ${a.name} (shard ${a.shard}, tick ${a.tickSize}, lot ${a.lotSize}), config ${b.name} (shard ${b.shard}, tick ${b.tickSize}, lot ${b.lotSize})`);
    }
  }
  return out;
}

/** The layout a journal folder recorded, or null (a journal from before layouts were written). */
export function readJournalLayout(dir: string): JournalLayout | null {
  const f = join(dir, LAYOUT_FILE);
  if (!existsSync(f)) return null;
  try {
    const l = JSON.parse(readFileSync(f, 'utf8')) as JournalLayout;
    if (typeof l.hash !== 'string' || !Array.isArray(l.symbols)) throw new Error('not a journal layout');
    return l;
  } catch (e) {
    throw new LayoutMismatchError(`${f} is unreadable (${(e as Error).message}): restore it from a backup, or delete it to record this configuration's layout (only if this config is the one the journal was written with)`);
  }
}

/**
 * At start: refuse a config that reads this journal differently (accounts and symbols may be added
 * at the end); record the config's layout when the journal has none yet, or grew.
 */
export function checkJournalLayout(dir: string, spec: EngineSpec): void {
  const mine = journalLayout(spec);
  const theirs = readJournalLayout(dir);
  if (theirs) {
    const diff = layoutDifferences(theirs, mine);
    if (diff.length > 0) {
      throw new LayoutMismatchError(`the journal in ${dir} was written with another configuration (layout ${theirs.hash}, this config ${mine.hash}): ${diff.join('; ')} — start with the config the journal was written with, or a new dataDir`);
    }
    if (theirs.hash === mine.hash) return;
  }
  // Atomically and durably: temp file, fsync, rename, fsync of the folder (a crash leaves the old
  // layout or the new one, never an empty file).
  const tmp = join(dir, `${LAYOUT_FILE}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(mine, null, 1)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, LAYOUT_FILE));
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

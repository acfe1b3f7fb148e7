/**
 * The last sequence shipped to Kafka per shard, kept durably: written to a temp file, fsynced,
 * renamed over the old one, and the directory fsynced — a crash leaves either the old or the new
 * file, never a torn one. A crash between a send and this write re-sends that batch: consumers
 * de-duplicate by (shard, seq).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class ShippedOffsets {
  private readonly file: string;
  private readonly seqs: number[];

  constructor(private readonly dir: string, shards: number) {
    this.file = join(dir, 'kafka-shipped.json');
    this.seqs = new Array<number>(shards).fill(0);
    if (existsSync(this.file)) {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as { shipped?: unknown };
      if (!Array.isArray(saved.shipped)) throw new Error(`${this.file}: no "shipped" array — fix or remove the file (shipping restarts from 0)`);
      saved.shipped.forEach((v, k) => {
        if (k < shards && Number.isSafeInteger(v)) this.seqs[k] = v as number;
      });
    }
  }

  get(shard: number): number {
    return this.seqs[shard];
  }

  set(shard: number, seq: number): void {
    this.seqs[shard] = seq;
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify({ shipped: this.seqs }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    const dfd = openSync(this.dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }
}

/** Runs measureAll in this (fresh) process and prints the results as JSON — for the zero-GC test. */
import { measureAll } from './allocation.ts';

const ops = Number(process.argv[2] ?? 500_000);
const windows = Number(process.argv[3] ?? 4);
process.stdout.write(JSON.stringify(await measureAll(ops, windows)));

/** GC count and heap growth over 1M operations after warm-up (engine/ and ring/ hot paths). */
import { measureAll } from './allocation.ts';
import { fmt, machine, writeResult } from './common.ts';

const ops = Number(process.argv[2] ?? 1_000_000);
console.log('GC and heap over hot-path operations after warm-up', machine());
const results = await measureAll(ops);
for (const r of results) {
  console.log(`  ${r.name.padEnd(44)} ${fmt(r.operations)} ops  GCs ${r.gcs} ${JSON.stringify(r.byKind)}  heap growth ${fmt(r.heapGrowthBytes)} B`);
}
console.log(`written to ${writeResult('gc-heap-1m-orders', results)}`);

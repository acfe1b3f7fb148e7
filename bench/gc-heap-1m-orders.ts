/** GC count and heap growth over 1M operations after warm-up (engine/ and ring/ hot paths). */
import { measureAll } from './allocation.ts';
import { fmt, machine, writeResult } from './common.ts';

const ops = Number(process.argv[2] ?? 1_000_000);
console.log('GC and heap over hot-path operations after warm-up', machine());
const results = await measureAll(ops);
for (const r of results) {
  const ws = r.windows.map((w) => `${w.gcs} GCs, ${fmt(w.heapGrowthBytes)} B`).join(' | ');
  console.log(`  ${r.name.padEnd(44)} windows of ${fmt(r.operations)} ops: ${ws}`);
}
console.log(`written to ${writeResult('gc-heap-1m-orders', results)}`);

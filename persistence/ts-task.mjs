// piscina task entry for TypeScript files on Node 20: registers tsx in the pool thread, then
// exposes the TS module's default export (piscina hides TS load errors behind "Unknown file
// extension" otherwise). The TS module is named by the task's `module` field.
import { register } from 'tsx/esm/api';

register();
const loaded = new Map();
export default async function ({ module, task }) {
  let fn = loaded.get(module);
  if (!fn) {
    fn = (await import(module)).default;
    loaded.set(module, fn);
  }
  return fn(task);
}

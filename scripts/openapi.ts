/**
 * Writes docs/openapi.json from gateway/openapi.ts (the document GET /openapi.json serves):
 * `npm run openapi`. With `--check`, writes nothing and exits 1 when the file is not current.
 * test/openapi.test.ts fails while the committed copy differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiJson } from '../gateway/openapi.ts';

const file = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
const text = openApiJson();
let current: string | null = null;
try {
  current = readFileSync(file, 'utf8');
} catch {
  // Not written yet.
}
if (process.argv.includes('--check')) {
  if (current !== text) {
    process.stderr.write('docs/openapi.json is not current: run `npm run openapi`\n');
    process.exit(1);
  }
  process.stdout.write('docs/openapi.json is current\n');
} else if (current === text) {
  process.stdout.write('docs/openapi.json is current\n');
} else {
  writeFileSync(file, text);
  process.stdout.write(`docs/openapi.json written (${text.length} bytes)\n`);
}

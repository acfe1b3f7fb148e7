/**
 * Build the web console (web/) into dist/web/, which the gateway serves (gateway/static.ts):
 *
 *   dist/web/index.html                    web/index.html with the hashed asset names written in
 *   dist/web/assets/app-<hash>.js (+ .map) web/src/main.ts bundled and minified (esbuild)
 *   dist/web/assets/app-<hash>.css         web/src/style.css with uPlot's CSS bundled in
 *   dist/web/assets/*-<hash>.txt           the third-party licence texts and notices the bundle needs
 *
 * Every asset name carries a hash of its content: the server caches /assets/ for a year as immutable,
 * and only index.html (never cached) names the current ones. Run by `npm run build` after tsc
 * (about half a second). Type checking is `tsc --noEmit -p web` (npm run typecheck / npm test).
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = join(ROOT, 'dist/web');
const ASSETS = join(OUT, 'assets');
const t0 = performance.now();

function hash(body) {
  return createHash('sha256').update(body).digest('base64url').replace(/[-_]/g, '').slice(0, 10).toUpperCase();
}

// A clean folder: the server loads every file under assets/ at start, stale bundles included.
rmSync(OUT, { recursive: true, force: true });
mkdirSync(ASSETS, { recursive: true });

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { app: 'web/src/main.ts', 'app-style': 'web/src/style.css' },
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
  outdir: ASSETS,
  entryNames: 'app-[hash]',
  // Licence comments of the bundled packages go into their own hashed file, linked from the bundle.
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  tsconfig: 'web/tsconfig.json',
});

const FANCY_CANVAS_LICENSE = `fancy-canvas (bundled as a dependency of lightweight-charts)

Copyright (c) 2019 TradingView, Inc

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`;

/** Unhashed name in web/index.html → the built, hashed file. */
const names = new Map();
for (const [out, meta] of Object.entries(result.metafile.outputs)) {
  const file = basename(out);
  if (meta.entryPoint === 'web/src/main.ts') names.set('app.js', file);
  else if (meta.entryPoint === 'web/src/style.css' && file.endsWith('.css')) names.set('app.css', file);
}

// The licence texts of every package in the bundle. lightweight-charts (Apache-2.0) asks for its
// licence, its NOTICE's attribution and a link to tradingview.com on the page; its npm package has
// no NOTICE file, so the text (the upstream repository's NOTICE) is written here. fancy-canvas (MIT,
// a dependency of lightweight-charts) ships no LICENSE file: its text is the upstream repository's.
// uPlot (MIT): its licence file.
const lwcCopyright = /Copyright \(c\) \d{4} TradingView, Inc\./.exec(readFileSync(join(ROOT, 'node_modules/lightweight-charts/dist/lightweight-charts.production.mjs'), 'utf8'))?.[0]
  ?? 'Copyright (c) TradingView, Inc.';
const LWC_NOTICE = `TradingView Lightweight Charts™\n${lwcCopyright} https://www.tradingview.com/\n\n`
  + 'This product includes software developed at TradingView, Inc. (https://github.com/tradingview/lightweight-charts),\n'
  + 'licensed under the Apache License, Version 2.0 (the lightweight-charts-LICENSE-*.txt file beside this one).\n';
const texts = [
  ['lightweight-charts-LICENSE.txt', readFileSync(join(ROOT, 'node_modules/lightweight-charts/LICENSE'))],
  ['lightweight-charts-NOTICE.txt', Buffer.from(LWC_NOTICE)],
  ['uplot-LICENSE.txt', readFileSync(join(ROOT, 'node_modules/uplot/LICENSE'))],
  ['fancy-canvas-LICENSE.txt', Buffer.from(FANCY_CANVAS_LICENSE)],
];
/** Packages whose licence texts are above: a new package in the bundle without one fails the build. */
const LICENSED = new Set(['lightweight-charts', 'uplot', 'fancy-canvas']);
const bundled = new Set(Object.keys(result.metafile.inputs).filter((i) => i.startsWith('node_modules/')).map((i) => i.split('/')[1]));
const unlicensed = [...bundled].filter((p) => !LICENSED.has(p));
if (unlicensed.length) throw new Error(`the bundle includes ${unlicensed.join(', ')}: add its licence text to scripts/build-web.mjs`);
for (const [name, body] of texts) {
  const file = name.replace(/\.txt$/, `-${hash(body)}.txt`);
  writeFileSync(join(ASSETS, file), body);
  names.set(name, file);
}

let html = readFileSync(join(ROOT, 'web/index.html'), 'utf8');
for (const [plain, file] of names) {
  const ref = `/assets/${plain}`;
  if (!html.includes(ref)) throw new Error(`web/index.html does not reference ${ref}`);
  html = html.replaceAll(ref, `/assets/${file}`);
}
if (!names.has('app.js') || !names.has('app.css')) throw new Error(`esbuild produced no app bundle: ${[...names.values()].join(', ')}`);
writeFileSync(join(OUT, 'index.html'), html);

const ms = Math.round(performance.now() - t0);
const sizes = Object.entries(result.metafile.outputs).filter(([o]) => !o.endsWith('.map')).map(([o, m]) => `${basename(o)} ${(m.bytes / 1024).toFixed(0)} KiB`);
console.log(`web console: ${relative(ROOT, OUT)}/ in ${ms} ms (${sizes.join(', ')})`);

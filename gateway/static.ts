/**
 * G — the web console's files (web/, bundled by scripts/build-web.mjs into dist/web/), served from
 * memory by every gateway thread: `GET /` is the page (never cached: it names the current bundle),
 * `GET /assets/{file}` the bundle, styles and licence texts — content-hashed names, cached for a
 * year as immutable, with an ETag. Loaded once at start (cold); a request costs a map lookup.
 *
 * When the console was not built (the server run from TypeScript without `npm run build`), `/`
 * says so and how to build it, and the API works as ever.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
  cache: string;
}

/** The page loads only its own files and talks only to this server (no CDN, no inline script). */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'";

/** Where the built console is: dist/web beside the compiled gateway, or dist/web of the checkout when run from TypeScript. */
export function webRoot(): string | null {
  // Compiled (dist/gateway/static.js): dist/web beside it. From the TypeScript source (gateway/static.ts):
  // the checkout's dist/web — never web/, which is the console's source.
  const compiled = /\/dist\/gateway\/[^/]+$/.test(fileURLToPath(import.meta.url));
  const dir = fileURLToPath(new URL(compiled ? '../web/' : '../dist/web/', import.meta.url));
  return existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'assets')) ? dir : null;
}

export class StaticFiles {
  private readonly files = new Map<string, StaticFile>();

  /** `dir`: the built console (null: not built). */
  constructor(readonly dir: string | null) {
    if (!dir) return;
    const add = (path: string, file: string, cache: string): void => {
      const body = readFileSync(file);
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      this.files.set(path, { body, type, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`, cache });
    };
    add('/', join(dir, 'index.html'), 'no-cache');
    const assets = join(dir, 'assets');
    for (const name of readdirSync(assets)) {
      const file = join(assets, name);
      if (statSync(file).isFile()) add(`/assets/${name}`, file, 'public, max-age=31536000, immutable');
    }
  }

  get built(): boolean {
    return this.files.size > 0;
  }

  /** Answer GET `path` (`/` or `/assets/…`): 200, 304 (If-None-Match), or 404 / 503 (not built). */
  serve(res: HttpResponse, req: HttpRequest, path: string): void {
    const f = this.files.get(path);
    if (!f) {
      const built = this.built;
      res.cork(() => {
        res.writeStatus(built ? '404 Not Found' : '503 Service Unavailable').writeHeader('content-type', 'text/plain; charset=utf-8').writeHeader('cache-control', 'no-store')
          .end(built ? 'no such file in the console\n' : 'The web console is not built: run `npm run build` (npm start does) and restart the server. The API works without it (docs/protocol.md).\n');
      });
      return;
    }
    const match = req.getHeader('if-none-match') === f.etag;
    res.cork(() => {
      res.writeStatus(match ? '304 Not Modified' : '200 OK').writeHeader('cache-control', f.cache).writeHeader('etag', f.etag);
      if (match) return void res.end();
      res.writeHeader('content-type', f.type).writeHeader('x-content-type-options', 'nosniff');
      if (path === '/') res.writeHeader('content-security-policy', CSP).writeHeader('referrer-policy', 'no-referrer');
      res.end(f.body);
    });
  }
}

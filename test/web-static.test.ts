/** The web console's files as the gateway serves them (gateway/static.ts): types, caching, ETags. */
import { describe, expect, it } from 'vitest';
import { gatewayHarness } from './gateway-fixture.ts';

const { server } = gatewayHarness('all');

describe('the web console files', () => {
  it('serves the page uncached with a CSP, and its hashed assets immutable with an ETag (304 when it matches)', async () => {
    const srv = await server();
    const page = await fetch(`${srv.http}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const assets = [...html.matchAll(/\/assets\/([A-Za-z0-9._-]+)/g)].map((m) => m[1]);
    const js = assets.find((a) => a.endsWith('.js'));
    const css = assets.find((a) => a.endsWith('.css'));
    expect(js).toMatch(/^app-[A-Za-z0-9]+\.js$/);
    expect(css).toMatch(/\.css$/);
    // Nothing loaded from elsewhere: every script, stylesheet and image is this server's (links may point out).
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="https?:/);
    for (const [name, type] of [[js, 'text/javascript; charset=utf-8'], [css, 'text/css; charset=utf-8']] as const) {
      const r = await fetch(`${srv.http}/assets/${name}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(type);
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const etag = r.headers.get('etag');
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect((await r.arrayBuffer()).byteLength).toBeGreaterThan(100);
      const again = await fetch(`${srv.http}/assets/${name}`, { headers: { 'if-none-match': etag as string } });
      expect(again.status).toBe(304);
    }
    // The licence texts the page links to are served too.
    const licences = assets.filter((a) => a.endsWith('.txt'));
    expect(licences.length).toBeGreaterThan(0);
    for (const l of licences) expect((await fetch(`${srv.http}/assets/${l}`)).status).toBe(200);
    const missing = await fetch(`${srv.http}/assets/app-nope.js`);
    expect(missing.status).toBe(404);
    expect((await fetch(`${srv.http}/assets/%ZZ`)).status).toBe(400);
  });
});

/**
 * A real browser for the web console's tests: Debian's headless Chromium driven by playwright-core
 * (no `playwright install`: its own browser builds cannot be fetched here). Test-only.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of every page on every run (git-ignored). */
export const ARTEFACTS = join(ROOT, 'test-results/console');

/** Why the browser cannot run here, or null. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM_PATH) ? null : `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}

/**
 * Everything a page reports as an error: console errors (with the URL they name) and uncaught
 * exceptions. `allow` lists patterns a test expects for a while (e.g. refused connections while
 * the server is down); anything else stays in `list`.
 */
export class PageErrors {
  readonly list: string[] = [];
  allow: RegExp[] = [];

  constructor(page: Page) {
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const text = `console error: ${m.text()}${m.location().url ? ` (${m.location().url})` : ''}`;
      if (!this.allow.some((re) => re.test(text))) this.list.push(text);
    });
    page.on('pageerror', (e) => this.list.push(`uncaught: ${e.message}`));
  }
}

/**
 * A 1280×800 screenshot as a test artefact (test-results/console/<name>.png) and, with
 * UPDATE_SCREENSHOTS=1, as the committed one (docs/console-<name>.png).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTEFACTS, { recursive: true });
  const file = join(ARTEFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  if (process.env.UPDATE_SCREENSHOTS === '1') copyFileSync(file, join(ROOT, 'docs', `console-${name}.png`));
  return file;
}

/**
 * The web console (web/, built into dist/web by `npm run build`, which the test run does first) in
 * a real browser: Debian's headless Chromium driven by playwright-core, against real servers on
 * 127.0.0.1. One browser for the file; pages wait on conditions, never on fixed sleeps. Pages load
 * with `?test=1`, which installs the console's test hook (web/src/testhook.ts: inject a message as
 * if from the server, spend the subscribe budget, read the topics' subscription states).
 *
 * Screenshots of each page go to test-results/console/ on every run; `UPDATE_SCREENSHOTS=1 npx
 * vitest run test/web-console.test.ts` also writes the committed ones, docs/console-*.png.
 * Without Chromium the file is skipped, saying why — and fails with CI=true.
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PageErrors, chromiumMissing, launchChromium, screenshot } from './browser.ts';
import { ADMIN_KEY, gatewayHarness, startServer } from './gateway-fixture.ts';
import type { Server } from './gateway-fixture.ts';
import { Client } from './ws-client.ts';
import type { Msg } from './ws-client.ts';
import { until } from './wait.ts';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(`CI=true: the web console tests need a browser: ${missing}`);

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SYMBOL = 'BTC-USD';
const WAIT_MS = 10_000;

/** A free TCP port on 127.0.0.1 (for a server that must come back on the same port). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const inUse = (e: unknown): boolean => /port is in use/.test((e as Error).message);

/**
 * A server on a port that a second one can take again after it stops. The port comes from a probe
 * (a server listening on port 0 itself could not be restarted on that port while the browser
 * still held keep-alive connections to it: seen here), so another process may take it between the
 * probe and the listen: then another port, up to 5 times.
 */
async function startRestartable(): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServer({ port: await freePort() });
    } catch (e) {
      if (!inUse(e) || attempt >= 5) throw e;
    }
  }
}

/** A server on `port` again (after a restart); retried while the port is in use, for up to 10 s. */
async function startOnPort(port: number): Promise<Server> {
  let srv: Server | null = null;
  await until(async () => {
    try {
      srv = await startServer({ port });
      return true;
    } catch (e) {
      if (!inUse(e)) throw e;
      return false;
    }
  }, 10_000, `port ${port} free again`);
  return srv as unknown as Server;
}

/** A topic's subscription state, from the page's test hook. */
interface TopicInfo { key: string; held: boolean; synced: boolean; snapshots: number; refused: number }
function topicInfo(page: Page, key: string): Promise<TopicInfo | undefined> {
  return page.evaluate(`window.__ringmatchTest.topics().find((t) => t.key === ${JSON.stringify(key)})`) as Promise<TopicInfo | undefined>;
}

async function order(c: Client, side: 'buy' | 'sell', price: string, quantity: string, extra: Record<string, unknown> = {}): Promise<Msg> {
  const r = await c.request({ type: 'new_order', symbol: SYMBOL, clientOrderId: `t${Math.random().toString(36).slice(2, 12)}`, side, price, quantity, ...extra });
  if (r.type !== 'execution_report') throw new Error(`order refused: ${JSON.stringify(r)}`);
  return r;
}

function text(page: Page, testid: string): Promise<string> {
  return page.locator(`[data-testid="${testid}"]`).first().innerText();
}

async function waitConn(page: Page, state: 'live' | 'reconnecting'): Promise<void> {
  await page.locator(`[data-testid="conn-state"]:text-is("${state}")`).waitFor({ timeout: 20_000 });
}

describe.skipIf(missing !== null)(`web console in Chromium${missing ? ` — SKIPPED: ${missing}` : ''}`, () => {
  const h = gatewayHarness('all');
  let srv: Server;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: PageErrors;
  let mm: Client;
  let bob: Client;

  beforeAll(async () => {
    // One after the other: whichever fails, afterAll closes what was started (the harness the server).
    browser = await launchChromium();
    srv = await h.server({ faultInjection: true });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    errors = new PageErrors(page);
    mm = await h.connect(srv, 'dev-mm-key');
    bob = await h.connect(srv, 'dev-bob-key');
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('market: the ladder shows another client\'s orders and changes when they trade; tape, ticker, charts', async () => {
    await page.goto(`${srv.http}/?test=1#/market`);
    await waitConn(page, 'live');
    await page.locator('[data-testid="spread"]:text-is("empty book")').waitFor();
    // A book of a few levels a side from the market maker.
    for (let i = 0; i < 6; i++) {
      await order(mm, 'buy', String(49_000 - i * 25), (1 + i * 0.5).toFixed(1));
      await order(mm, 'sell', String(51_000 + i * 25), (0.8 + i * 0.6).toFixed(1));
    }
    const bestBid = page.locator(`[data-testid="page-market"] [data-testid="bid-row"][data-price="49000"]`);
    await bestBid.waitFor();
    expect(await bestBid.getAttribute('data-qty')).toBe('1');
    await page.locator(`[data-testid="ask-row"][data-price="51125"][data-qty="3.8"]`).waitFor();
    expect(await text(page, 'spread')).toContain('spread 2000');
    // Another client trades against the best bid: the level shrinks, the tape and the ticker show it.
    await order(bob, 'sell', '49000', '0.4');
    await page.locator(`[data-testid="bid-row"][data-price="49000"][data-qty="0.6"]`).waitFor();
    await order(bob, 'buy', '51000', '0.8'); // takes the whole best ask: the level goes
    await page.locator(`[data-testid="ask-row"][data-price="51000"]`).waitFor({ state: 'detached' });
    await page.locator(`[data-testid="ask-row"][data-price="51025"]`).waitFor();
    await page.locator('[data-testid="tape-row"]', { hasText: '51000' }).first().waitFor();
    await page.locator('[data-testid="ticker"] [data-field="last"]:text-is("51000")').waitFor();
    await page.locator('[data-testid="ticker"] [data-field="trades"]:text-is("2")').waitFor();
    // The candle chart has the trades' candle (its data, not just a canvas) and TradingView's attribution link.
    await page.locator('[data-testid="candle-chart"][data-interval="1m"][data-last-close="51000"]').waitFor();
    expect(Number(await page.locator('[data-testid="candle-chart"]').getAttribute('data-bars'))).toBeGreaterThanOrEqual(1);
    await page.locator('[data-testid="candle-chart"] canvas').first().waitFor();
    await page.locator('[data-testid="candle-chart"] a[href*="tradingview.com"]').waitFor({ state: 'attached' });
    expect(await text(page, 'tradingview-link')).toBe('Charts by TradingView');
    // The depth chart drew both sides: 6 bid levels (49000 partly filled) and 5 ask levels.
    await page.locator('[data-testid="depth-chart"][data-bid-levels="6"][data-ask-levels="5"]').waitFor();
    // The interval picker re-subscribes (candles channel, same interval to unsubscribe): the 1 s
    // snapshot has the trades too.
    await page.selectOption('[data-testid="interval-select"]', '1s');
    await page.locator('[data-testid="candle-chart"][data-interval="1s"][data-last-close="51000"]').waitFor();
    expect(Number(await page.locator('[data-testid="candle-chart"]').getAttribute('data-bars'))).toBeGreaterThanOrEqual(1);
    await waitConn(page, 'live');
    await screenshot(page, 'market');
    expect(errors.list).toEqual([]);
  });

  it('market: a book gap takes a fresh snapshot even when the unsubscribe is refused; a trades seq jump shows a gap', async () => {
    const key = `book|${SYMBOL}|`;
    const before = await topicInfo(page, key);
    expect(before).toMatchObject({ held: true, synced: true });
    // Spend the connection's subscribe budget (burst 50) in the same turn as the gap: the page's
    // unsubscribe is refused (RATE_LIMITED); a subscribe now would be ignored (the topic is still
    // held), so the page must retry the unsubscribe first, then subscribe for the snapshot.
    await page.evaluate(`(() => { const t = window.__ringmatchTest; t.spendSubscribeBudget(${JSON.stringify(SYMBOL)}, 80); t.injectGap(${JSON.stringify(SYMBOL)}); })()`);
    await until(async () => {
      const t = await topicInfo(page, key);
      return t !== undefined && t.synced && t.snapshots > before!.snapshots;
    }, 15_000, 'a fresh book snapshot after the gap');
    const after = await topicInfo(page, key);
    expect(after!.refused).toBeGreaterThan(before!.refused);
    await waitConn(page, 'live');
    // The ladder is the server's book again (the injected level never applied), and updates apply on top.
    await page.locator('[data-testid="bid-row"][data-price="49000"][data-qty="0.6"]').waitFor();
    await page.locator('[data-testid="ask-row"][data-price="51025"]').waitFor();
    expect(await page.locator('[data-testid="bid-row"][data-price="1"]').count()).toBe(0);
    await order(mm, 'buy', '49010', '0.3');
    await page.locator('[data-testid="bid-row"][data-price="49010"][data-qty="0.3"]').waitFor();
    const book = await (await fetch(`${srv.http}/v1/book/${SYMBOL}`)).json() as { bids: Array<[string, string]> };
    const shown = await page.locator('[data-testid="page-market"] [data-testid="bid-row"]:not(.empty)').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-price'), r.getAttribute('data-qty')]));
    expect(shown).toEqual(book.bids.slice(0, shown.length));
    // A trade whose seq jumps (trades missed: conflation, reconnect) puts a gap marker in the tape.
    expect(await page.locator('[data-testid="tape-row"].gap').count()).toBe(0);
    await page.evaluate(`window.__ringmatchTest.inject({ type: 'trade', symbol: ${JSON.stringify(SYMBOL)}, tradeId: '999999', price: '50000', quantity: '0.01', takerSide: 'buy', seq: 1e12, ts: Date.now() * 1000 })`);
    await page.locator('[data-testid="tape-row"].gap').waitFor();
    expect(errors.list).toEqual([]);
  });

  it('trade: the form places an order (open orders + ladder), cancel removes it, refusals are shown verbatim, replace moves it, OCO legs and a stop\'s stop price', async () => {
    await page.click('[data-testid="nav-trade"]');
    await page.locator('[data-testid="page-trade"]').waitFor();
    // Keyboard: type the key and press Enter.
    await page.fill('[data-testid="api-key"]', 'dev-alice-key');
    await page.press('[data-testid="api-key"]', 'Enter');
    await page.locator('[data-testid="account-name"]:text-is("alice")').waitFor();
    expect(page.url()).not.toContain('dev-alice-key');
    expect(await page.evaluate('sessionStorage.getItem("ringmatch.apiKey")')).toBe('dev-alice-key');

    // Client-side grid check (tick 0.01): nothing is sent.
    await page.selectOption('[data-testid="order-side"]', 'buy');
    await page.fill('[data-testid="order-price"]', '48500.005');
    await page.fill('[data-testid="order-qty"]', '0.25');
    await page.click('[data-testid="order-submit"]');
    await page.locator('[data-testid="order-errors"] li', { hasText: 'Price 48500.005 is not a multiple of 0.01' }).waitFor();

    await page.fill('[data-testid="order-price"]', '48500');
    await page.press('[data-testid="order-qty"]', 'Enter');
    await page.locator('[data-testid="order-result"]', { hasText: 'Accepted' }).waitFor();
    const row = page.locator('[data-testid="open-order"]', { hasText: '48500' });
    await row.waitFor();
    expect(await row.innerText()).toContain('0.25');
    const level = page.locator('[data-testid="page-trade"] [data-testid="bid-row"][data-price="48500"]');
    await level.waitFor();
    expect(await level.getAttribute('class')).toContain('mine');

    await row.locator('[data-testid="cancel-order"]').click();
    await row.waitFor({ state: 'detached' });
    await level.waitFor({ state: 'detached' });
    await page.locator('[data-testid="action-result"]', { hasText: 'Canceled order' }).waitFor();

    // A refused order: the server's own words (its rejectText), as another client gets them.
    const theirs = await bob.request({ type: 'new_order', symbol: SYMBOL, clientOrderId: 'band-check', side: 'buy', price: '10000', quantity: '0.1' });
    expect(theirs.execType).toBe('rejected');
    await page.fill('[data-testid="order-price"]', '10000');
    await page.fill('[data-testid="order-qty"]', '0.1');
    await page.click('[data-testid="order-submit"]');
    const refusal = page.locator('[data-testid="order-result"] [data-testid="refusal-text"]');
    await refusal.waitFor();
    expect(await refusal.innerText()).toBe(theirs.rejectText);
    expect(await text(page, 'order-result')).toContain('RISK_PRICE_BAND');

    // An order that stays (the best bid, for the screenshot), and bob trading against it: the
    // execution reports update open orders and fills live.
    await page.fill('[data-testid="order-price"]', '49100');
    await page.fill('[data-testid="order-qty"]', '0.5');
    await page.click('[data-testid="order-submit"]');
    await page.locator('[data-testid="open-order"]', { hasText: '49100' }).waitFor();
    await order(bob, 'sell', '49100', '0.2');
    await page.locator('[data-testid="open-order"]', { hasText: 'partially_filled' }).waitFor();
    await page.locator('[data-testid="fill"]', { hasText: '49100' }).waitFor();
    // The account panel follows the reports too (reloaded from GET /v1/account): credit in use and
    // the position now include the order and its fill (0.3 left × 49100 = 14730).
    await page.locator('[data-testid="account"]', { hasText: '14730' }).waitFor();
    await page.locator('[data-testid="positions"] tr', { hasText: '0.2' }).first().waitFor();

    // Replace through the form: the new price in open orders and on the ladder, the old level gone.
    const resting = page.locator('[data-testid="open-order"]', { hasText: '49100' });
    const id = await resting.getAttribute('data-order-id');
    await resting.locator('[data-testid="replace-order"]').click();
    await page.fill('[data-testid="replace-price"]', '49150');
    await page.press('[data-testid="replace-price"]', 'Enter');
    await page.locator('[data-testid="action-result"]', { hasText: `Replaced order ${id}` }).waitFor();
    await page.locator(`[data-testid="open-order"][data-order-id="${id}"]`, { hasText: '49150' }).waitFor();
    const newLevel = page.locator('[data-testid="page-trade"] [data-testid="bid-row"][data-price="49150"]');
    await newLevel.waitFor();
    expect(await newLevel.getAttribute('class')).toContain('mine');
    await page.locator('[data-testid="page-trade"] [data-testid="bid-row"][data-price="49100"]').waitFor({ state: 'detached' });

    // Above the symbol's maximum order quantity (100): caught before sending.
    await page.fill('[data-testid="order-qty"]', '101');
    await page.click('[data-testid="order-submit"]');
    await page.locator('[data-testid="order-errors"] li', { hasText: 'Quantity 101 is above the maximum order quantity 100 for BTC-USD' }).waitFor();

    // One-cancels-other with self-trade prevention: two legs in open orders; the waiting stop's
    // stop price is replaced through the form.
    await page.selectOption('[data-testid="order-type"]', 'oco');
    await page.selectOption('[data-testid="order-side"]', 'sell');
    await page.fill('[data-testid="order-price"]', '52000');
    await page.fill('[data-testid="order-stop"]', '48000');
    await page.fill('[data-testid="order-qty"]', '0.1');
    await page.selectOption('[data-testid="order-stp"]', 'cancel_newest');
    await page.click('[data-testid="order-submit"]');
    await page.locator('[data-testid="order-result"]', { hasText: 'Accepted: OCO group' }).waitFor();
    const limitLeg = page.locator('[data-testid="open-order"]', { hasText: '52000' });
    const stopLeg = page.locator('[data-testid="open-order"]', { hasText: 'pending_trigger' });
    await limitLeg.waitFor();
    await stopLeg.waitFor();
    expect(await limitLeg.innerText()).toContain('OCO');
    expect(await stopLeg.innerText()).toContain('48000');
    await stopLeg.locator('[data-testid="replace-order"]').click();
    expect(await page.locator('[data-testid="replace-price"]').isDisabled()).toBe(true); // a stop (market) leg has no price
    await page.fill('[data-testid="replace-stop"]', '47500');
    await page.click('[data-testid="replace-submit"]');
    await page.locator('[data-testid="open-order"]', { hasText: '47500' }).waitFor();
    expect(await stopLeg.innerText()).toContain('pending_trigger');
    await page.selectOption('[data-testid="order-type"]', 'limit');
    await page.selectOption('[data-testid="order-side"]', 'buy');
    await page.selectOption('[data-testid="order-stp"]', 'none');
    await screenshot(page, 'trade');
    expect(errors.list).toEqual([]);
  });

  it('admin: a wrong key is refused on first use; halt makes the next order refused, resume lets it through; fault injection shows its panel', async () => {
    await page.click('[data-testid="nav-admin"]');
    // The key is checked on first use: a 403 forgets it and asks again (the browser logs the 403).
    await page.fill('[data-testid="admin-key"]', 'not-the-admin-key');
    await page.press('[data-testid="admin-key"]', 'Enter');
    errors.allow = [/status of 403/];
    await page.click('[data-testid="snapshot"]');
    await page.locator('[data-testid="admin-key-form"]:visible').waitFor();
    await page.locator('[data-testid="page-admin"] .toolbar .msg', { hasText: 'refused this admin key' }).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("ringmatch.adminKey")')).toBeNull();
    errors.allow = [];
    await page.fill('[data-testid="admin-key"]', ADMIN_KEY);
    await page.press('[data-testid="admin-key"]', 'Enter');
    await page.locator('[data-testid="fault-panel"]').waitFor(); // faultInjection: true on this server
    // R and the shard; no J (journal off), no K (Kafka off), no G1 (one gateway thread).
    expect(await page.locator('[data-testid="kill-thread-select"] option').allInnerTexts()).toEqual(['R', 'M0']);

    await page.selectOption('[data-testid="admin-symbol"]', SYMBOL);
    await page.click('[data-testid="halt-symbol"]');
    await page.locator('[data-testid="admin-result"]', { hasText: new RegExp(`Halt ${SYMBOL}: HTTP 20\\d`) }).waitFor();

    await page.click('[data-testid="nav-trade"]');
    await page.fill('[data-testid="order-price"]', '48000');
    await page.fill('[data-testid="order-qty"]', '0.1');
    await page.click('[data-testid="order-submit"]');
    await page.locator('[data-testid="order-result"]', { hasText: 'RISK_SYMBOL_HALTED' }).waitFor();

    await page.click('[data-testid="nav-admin"]');
    await page.click('[data-testid="resume-symbol"]');
    await page.locator('[data-testid="admin-result"]', { hasText: new RegExp(`Resume ${SYMBOL}: HTTP 20\\d`) }).waitFor();
    await page.fill('[data-testid="admin-account"]', 'bob');
    await page.press('[data-testid="admin-account"]', 'Enter'); // the form's first button: Disable
    await page.locator('[data-testid="admin-result"]', { hasText: new RegExp(`Disable bob: HTTP 20\\d`) }).waitFor();
    await page.click('[data-testid="enable-account"]');
    await page.locator('[data-testid="admin-result"]', { hasText: new RegExp(`Enable bob: HTTP 20\\d`) }).waitFor();
    await screenshot(page, 'admin');

    await page.click('[data-testid="nav-trade"]');
    await page.locator('[data-testid="account-name"]:text-is("alice")').waitFor(); // the key, from sessionStorage
    await page.fill('[data-testid="order-price"]', '48000');
    await page.fill('[data-testid="order-qty"]', '0.1');
    await page.click('[data-testid="order-submit"]');
    await page.locator('[data-testid="order-result"]', { hasText: 'Accepted' }).waitFor();
    expect(errors.list).toEqual([]);
  });

  it('operations: threads with their supervisor phase, and live stage latency figures', async () => {
    await page.click('[data-testid="nav-ops"]');
    await page.locator('[data-testid="thread-row"][data-thread="R"]').waitFor();
    await page.locator('[data-testid="thread-row"][data-thread="M0"]').waitFor();
    expect(await page.locator('[data-testid="thread-row"][data-thread="R"]').innerText()).toContain('running');
    // The gateway thread (thread 0, the main thread: "G") with its runtime.
    expect(await page.locator('[data-testid="thread-row"][data-thread="G"]').innerText()).toMatch(/gateway thread 0[\s\S]*running[\s\S]*\b(js|ts)\b/);
    // Orders keep flowing until a one-second sample has them: a latency figure in µs or ms.
    const report = page.locator('[data-testid="latency-table"] tr[data-stage="report"] td:nth-child(3)');
    let n = 0;
    await until(async () => {
      const r = await order(mm, 'buy', '47000', '0.01', { timeInForce: 'IOC' });
      n += Number(r.type === 'execution_report');
      return /^\d+(\.\d+)? (µs|ms)$/.test(await report.innerText());
    }, 15_000, 'a receive → report p50 on the operations page');
    expect(n).toBeGreaterThan(0);
    await page.locator('[data-testid="latency-plot-report"] canvas').waitFor();
    // Every stage the server reports gets a row and a plot (not a fixed list).
    const stages = ((await (await fetch(`${srv.http}/v1/stats/live`)).json()) as { stages: Array<{ stage: string }> }).stages.map((x) => x.stage);
    expect(await page.locator('[data-testid="latency-table"] tr[data-stage]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-stage')))).toEqual(stages);
    for (const st of stages) await page.locator(`[data-testid="latency-plot-${st}"] canvas`).waitFor();
    await page.locator('[data-testid="ops-status"]', { hasText: 'health: ok' }).waitFor();
    await screenshot(page, 'operations');
    expect(errors.list).toEqual([]);
  });

  it('no console errors on any page', async () => {
    for (const route of ['market', 'trade', 'ops', 'admin']) {
      await page.click(`[data-testid="nav-${route}"]`);
      await page.locator(`[data-testid="page-${route}"]`).waitFor();
    }
    // A fresh load of each page too (bundle, styles, first requests).
    for (const route of ['market', 'trade', 'ops', 'admin']) {
      await page.goto(`${srv.http}/#/${route}`);
      await waitConn(page, 'live');
    }
    expect(errors.list).toEqual([]);
  });

  it('browser units: book sequence rules, decimals, order validation (OCO, stp, max quantity), thread rows, the candle window, subscription retries and reopen (web/test/units.ts)', async () => {
    const bundle = await build({ absWorkingDir: ROOT, entryPoints: ['web/test/units.ts'], bundle: true, write: false, format: 'iife', platform: 'browser', tsconfig: 'web/tsconfig.json', logLevel: 'silent' });
    const p = await context.newPage(); // about:blank: no page CSP, so the bundle can be injected inline
    try {
      await p.addScriptTag({ content: bundle.outputFiles[0].text });
      await p.waitForFunction('window.unitResults !== undefined', null, { timeout: 20_000 }); // the connection units are asynchronous
      const r = (await p.evaluate('window.unitResults')) as { passed: number; failures: string[] };
      expect(r.failures).toEqual([]);
      expect(r.passed).toBeGreaterThanOrEqual(60);
    } finally {
      await p.close();
    }
  });

  it('recovers from a server restart: reconnecting, then live again with fresh snapshots', async () => {
    let first: Server | null = await startRestartable();
    const { port } = first;
    let second: Server | null = null;
    const p = await context.newPage();
    p.setDefaultTimeout(WAIT_MS);
    const pErrors = new PageErrors(p);
    try {
      await p.goto(`${first.http}/?test=1#/market`);
      await waitConn(p, 'live');
      const c1 = await Client.connect(first.url, 'dev-mm-key');
      await order(c1, 'buy', '49500', '1.5');
      await p.locator('[data-testid="bid-row"][data-price="49500"]').waitFor();
      await c1.close();

      // While the server is away the browser logs its refused connections: expected, and only those.
      pErrors.allow = [/WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws' failed/, /net::ERR_CONNECTION_REFUSED/];
      await first.stop();
      first = null;
      await waitConn(p, 'reconnecting');

      second = await startOnPort(port);
      await waitConn(p, 'live');
      // A fresh snapshot of the new server's (empty) book replaced the old one…
      await p.locator('[data-testid="bid-row"][data-price="49500"]').waitFor({ state: 'detached' });
      await p.locator('[data-testid="spread"]:text-is("empty book")').waitFor();
      pErrors.allow = [];
      // …and the re-subscribed channels are live.
      const c2 = await Client.connect(second.url, 'dev-mm-key');
      await order(c2, 'sell', '50500', '0.7');
      await p.locator('[data-testid="ask-row"][data-price="50500"][data-qty="0.7"]').waitFor();
      await c2.close();
      expect(pErrors.list).toEqual([]);
    } finally {
      await p.close();
      await first?.stop();
      await second?.stop();
    }
  });
});

/**
 * The OpenAPI 3.1 contract (gateway/openapi.ts, docs/openapi.json) against real validators and the
 * real server:
 *  1. the document is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator), every $ref resolves,
 *     its schemas compile in ajv's strict mode, and every operation is complete;
 *  2. docs/openapi.json is the document's current text (`npm run openapi` writes it);
 *  3. the document lists exactly the routes the gateway registers (gateway/*.ts, by their source)
 *     and each documented route answers on a real server (not the catch-all 404);
 *  4. real responses — successes and errors — match the document (test/openapi-check.ts), and so
 *     do real WebSocket execution reports (the ExecutionReport schema the order endpoints reuse).
 *
 * Adding an endpoint: document it in gateway/openapi.ts, run `npm run openapi`, and append its
 * live cases to CASES below (method, url, headers, body, path template, expected status).
 */
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ADMIN_KEY, gatewayHarness } from './gateway-fixture.ts';
import type { Server } from './gateway-fixture.ts';
import type { Client, Msg } from './ws-client.ts';
import { until } from './wait.ts';
import { openApiJson } from '../gateway/openapi.ts';
import { GatewayCode } from '../gateway/protocol.ts';
import type { JsonObject } from '../gateway/openapi.ts';
import { DOC, expectValidResponse, expectValidSchema, operations, schemaProblems } from './openapi-check.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const TAGS = new Set(['public', 'account', 'orders', 'admin', 'health', 'metrics']);

/**
 * Documented endpoints whose routes are still being built. Remove an entry once its route is
 * registered (the routes test says which ones are due); then add its live cases to CASES.
 */
const PENDING = new Set<string>([]);

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator) and every $ref resolves', async () => {
    const validator = new Validator();
    // A copy: the document is frozen, and the validator may annotate what it is given.
    const res = await validator.validate(structuredClone(DOC) as Record<string, unknown>);
    if (!res.valid) console.error('OpenAPI 3.1 validation errors:\n', JSON.stringify(res.errors, null, 2));
    expect(res.errors ?? []).toEqual([]);
    expect(res.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('its schemas compile in ajv strict mode (JSON Schema 2020-12: no unknown keywords, formats or type slips)', () => {
    expect(schemaProblems()).toEqual([]);
  });

  it('every operation has a unique operationId, a summary, known tags, its path parameters and documented errors', () => {
    const problems: string[] = [];
    const ids = new Set<string>();
    const resolveParam = (p: JsonObject): JsonObject => {
      const m = typeof p.$ref === 'string' ? /^#\/components\/parameters\/(.+)$/.exec(p.$ref) : null;
      return m ? DOC.components.parameters[m[1]] : p;
    };
    for (const { method, path, op } of operations()) {
      const at = `${method} ${path}`;
      const id = op.operationId;
      if (typeof id !== 'string' || !id) problems.push(`${at}: no operationId`);
      else if (ids.has(id)) problems.push(`${at}: operationId ${id} used twice`);
      else ids.add(id);
      if (typeof op.summary !== 'string' || !op.summary) problems.push(`${at}: no summary`);
      const tags = op.tags as string[] | undefined;
      if (!tags?.length || tags.some((t) => !TAGS.has(t))) problems.push(`${at}: tags ${JSON.stringify(tags)} not among ${[...TAGS].join(', ')}`);
      const declared = new Set(((op.parameters ?? []) as JsonObject[]).map(resolveParam).filter((p) => p.in === 'path').map((p) => p.name as string));
      const templated = new Set([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]));
      if ([...templated].some((n) => !declared.has(n)) || [...declared].some((n) => !templated.has(n))) {
        problems.push(`${at}: path parameters declared ${JSON.stringify([...declared])}, templated ${JSON.stringify([...templated])}`);
      }
      const statuses = Object.keys(op.responses as JsonObject);
      if (!statuses.some((s) => /^[45]/.test(s))) problems.push(`${at}: no error response documented`);
      if (path !== '/ws' && !statuses.includes('500')) problems.push(`${at}: no 500 (every HTTP handler is guarded and may answer one)`);
    }
    for (const t of DOC.tags as JsonObject[]) if (!TAGS.has(t.name as string)) problems.push(`tag ${t.name as string} is not one of ${[...TAGS].join(', ')}`);
    expect(problems).toEqual([]);
  });

  it('has the package version and the default server', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
    expect(DOC.info.version).toBe(pkg.version);
    expect(DOC.servers).toEqual([expect.objectContaining({ url: 'http://127.0.0.1:9001' })]);
  });

  it('docs/openapi.json is the current document (run `npm run openapi` when this fails)', () => {
    let committed = '';
    try {
      committed = readFileSync(`${root}docs/openapi.json`, 'utf8');
    } catch {
      // Missing: reported below.
    }
    if (committed !== openApiJson()) {
      throw new Error('docs/openapi.json differs from gateway/openapi.ts: run `npm run openapi` and commit docs/openapi.json');
    }
    expect(JSON.parse(openApiJson())).toEqual(DOC);
  });
});

// ----------------------------------------------------------------------------------------- routes

/**
 * The routes the gateway registers, read from every gateway/*.ts source file: calls like
 * `app.get('/v1/symbols', …)`, `app.post(…)`, `app.del(…)` / `.delete(…)`, `app.ws('/ws', …)`
 * (a GET upgrade) and the admin helper `admin('/v1/admin/…', …)` (POST). Returned as
 * "METHOD /path/{param}" (uWS `:param` → `{param}`); the catch-all `any('/*')` is left out.
 */
function sourceRoutes(): Map<string, string> {
  const routes = new Map<string, string>(); // route → file
  const dir = `${root}gateway/`;
  const methodOf: Record<string, string> = { get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', del: 'DELETE', delete: 'DELETE', options: 'OPTIONS', head: 'HEAD', ws: 'GET', any: 'ANY' };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const text = readFileSync(dir + file, 'utf8');
    const add = (method: string, path: string): void => {
      if (path === '/*') return;
      routes.set(`${method} ${path.replace(/:([A-Za-z_]\w*)/g, '{$1}')}`, file);
    };
    for (const m of text.matchAll(/\.(get|post|put|patch|del|delete|options|head|ws|any)\s*(?:<[^>()]*>)?\(\s*(['"`])(\/[^'"`$]*)\2/g)) add(methodOf[m[1]], m[3]);
    for (const m of text.matchAll(/\badmin\(\s*(['"`])(\/[^'"`$]*)\1/g)) add('POST', m[2]);
  }
  return routes;
}

/** "METHOD /path/{}" — parameter names aside, which the router does not care about. */
const shape = (route: string): string => route.replace(/\{[^}]+\}/g, '{}');

describe('the document lists exactly the routes the gateway registers', () => {
  const documented = operations().map((o) => `${o.method} ${o.path}`);

  it('finds the known routes in the gateway source (the scan works)', () => {
    const routes = sourceRoutes();
    for (const r of ['GET /health', 'GET /v1/book/{symbol}', 'POST /v1/admin/symbols/{symbol}/halt', 'POST /v1/admin/fault/kill/{thread}', 'GET /ws']) {
      expect([...routes.keys()]).toContain(r);
    }
  });

  it('every registered route is documented, every documented one is registered (or PENDING)', () => {
    const routes = sourceRoutes();
    const docShapes = new Set(documented.map(shape));
    const routeShapes = new Set([...routes.keys()].map(shape));
    const undocumented = [...routes].filter(([r]) => {
      if (r.startsWith('ANY ')) return !documented.some((d) => shape(d.replace(/^\S+/, 'ANY')) === shape(r));
      return !docShapes.has(shape(r));
    }).map(([r, file]) => `${r} (gateway/${file})`);
    const routed = (d: string): boolean => routeShapes.has(shape(d)) || routeShapes.has(shape(d.replace(/^\S+/, 'ANY')));
    const unrouted = documented.filter((d) => !routed(d) && !PENDING.has(d));
    const due = [...PENDING].filter((d) => routed(d));
    const unknownPending = [...PENDING].filter((d) => !documented.includes(d));
    expect(undocumented, 'routes the gateway registers that gateway/openapi.ts does not document').toEqual([]);
    expect(unrouted, 'documented operations no gateway/*.ts file registers').toEqual([]);
    expect(due, 'routes now registered: remove them from PENDING in test/openapi.test.ts and add their live cases to CASES').toEqual([]);
    expect(unknownPending, 'PENDING entries that are not in the document').toEqual([]);
  });
});

// ----------------------------------------------------------------------------------- live answers

interface Recorded {
  status: number;
  contentType: string | null;
  text: string;
}

/** One real request. With an Upgrade header, a raw WebSocket upgrade (fetch cannot send one): 101 or the refusal. */
function record(base: string, method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<Recorded> {
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'upgrade')) {
    return fetch(base + url, { method, headers, body }).then(async (r) => ({ status: r.status, contentType: r.headers.get('content-type'), text: await r.text() }));
  }
  return new Promise((resolve, reject) => {
    const u = new URL(base + url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? null, text: '' });
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? null, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A recorded answer checked against the document; the message names the request. */
function check(method: string, url: string, pathTemplate: string, r: Recorded): void {
  try {
    expectValidResponse(method, pathTemplate, r.status, r.contentType, r.text);
  } catch (e) {
    throw new Error(`${method} ${url}: ${(e as Error).message}`);
  }
}

const _ = undefined;
const ADMIN = { 'X-Admin-Key': ADMIN_KEY };
const ADMIN_BEARER = { Authorization: `Bearer ${ADMIN_KEY}` };
const ALICE = { Authorization: 'Bearer dev-alice-key' };
const BOB = { Authorization: 'Bearer dev-bob-key' };
const JSON_CT = { 'Content-Type': 'application/json' };
const UPGRADE = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };

/** [method, url, headers, body, path template in the document ('*': the catch-all), expected status]. */
type Case = [method: string, url: string, headers: Record<string, string> | undefined, body: string | undefined, pathTemplate: string, status: number];

/** Live cases, in order, against one server (faultInjection off) set up with resting orders and a trade. */
const CASES: Case[] = [
  ['GET', '/health', _, _, '/health', 200],
  ['GET', '/health/deep', _, _, '/health/deep', 200],
  ['GET', '/health/synthetic', _, _, '/health/synthetic', 200],
  ['GET', '/metrics', _, _, '/metrics', 200],
  ['GET', '/v1/stats/latency', _, _, '/v1/stats/latency', 200],
  ['GET', '/v1/stats/live', _, _, '/v1/stats/live', 200],
  ['GET', '/v1/stats/live', _, _, '/v1/stats/live', 200],
  ['GET', '/', _, _, '/', 200],
  ['GET', '/assets/app-nope.js', _, _, '/assets/{file}', 404],
  ['GET', '/assets/%ZZ', _, _, '/assets/{file}', 400],
  ['GET', '/v1/symbols', _, _, '/v1/symbols', 200],
  ['GET', '/v1/book/BTC-USD', _, _, '/v1/book/{symbol}', 200],
  ['GET', '/v1/book/BTC-USD?depth=1', _, _, '/v1/book/{symbol}', 200],
  ['GET', '/v1/book/SOL-USD?depth=1000', _, _, '/v1/book/{symbol}', 200],
  ['GET', '/v1/book/NOPE-USD', _, _, '/v1/book/{symbol}', 404],
  ['GET', '/v1/book/BTC-USD?depth=0', _, _, '/v1/book/{symbol}', 400],
  ['GET', '/v1/book/BTC-USD?depth=1001', _, _, '/v1/book/{symbol}', 400],
  ['GET', '/v1/book/BTC-USD?depth=abc', _, _, '/v1/book/{symbol}', 400],
  ['GET', '/v1/book/%ZZ', _, _, '/v1/book/{symbol}', 400],
  ['POST', '/v1/admin/stats/reset', _, _, '/v1/admin/stats/reset', 403],
  ['POST', '/v1/admin/stats/reset', { 'X-Admin-Key': 'wrong' }, _, '/v1/admin/stats/reset', 403],
  ['POST', '/v1/admin/stats/reset', ADMIN, _, '/v1/admin/stats/reset', 200],
  ['POST', '/v1/admin/snapshot', _, _, '/v1/admin/snapshot', 403],
  ['POST', '/v1/admin/snapshot', ADMIN_BEARER, _, '/v1/admin/snapshot', 409],
  ['POST', '/v1/admin/fault/kill/M0', _, _, '/v1/admin/fault/kill/{thread}', 403],
  ['POST', '/v1/admin/fault/kill/M0', ADMIN, _, '/v1/admin/fault/kill/{thread}', 404],
  ['POST', '/v1/admin/symbols/ETH-USD/halt', _, _, '/v1/admin/symbols/{symbol}/halt', 403],
  ['POST', '/v1/admin/symbols/ETH-USD/halt', ADMIN, _, '/v1/admin/symbols/{symbol}/halt', 202],
  ['POST', '/v1/admin/symbols/ETH-USD/resume', ADMIN_BEARER, _, '/v1/admin/symbols/{symbol}/resume', 202],
  ['POST', '/v1/admin/symbols/NOPE-USD/halt', ADMIN, _, '/v1/admin/symbols/{symbol}/halt', 404],
  ['POST', '/v1/admin/symbols/%ZZ/resume', ADMIN, _, '/v1/admin/symbols/{symbol}/resume', 400],
  ['POST', '/v1/admin/accounts/bob/disable', ADMIN, _, '/v1/admin/accounts/{account}/disable', 202],
  ['POST', '/v1/admin/accounts/bob/enable', ADMIN, _, '/v1/admin/accounts/{account}/enable', 202],
  ['POST', '/v1/admin/accounts/nobody/enable', ADMIN, _, '/v1/admin/accounts/{account}/enable', 404],
  ['POST', '/v1/admin/accounts/bob/disable', _, _, '/v1/admin/accounts/{account}/disable', 403],
  ['GET', '/ws', UPGRADE, _, '/ws', 101],
  ['GET', '/ws', { ...UPGRADE, Authorization: 'Bearer dev-alice-key' }, _, '/ws', 101],
  ['GET', '/ws', { ...UPGRADE, Authorization: 'Bearer wrong-key' }, _, '/ws', 401],
  ['GET', '/ws', _, _, '/ws', 404],
  ['GET', '/no/such/endpoint', _, _, '*', 404],
  ['POST', '/v1/symbols', _, '{}', '*', 404],
  ['PUT', '/health', _, _, '*', 404],
  ['DELETE', '/v1/book/BTC-USD', _, _, '*', 404],
  // ---- The account API, REST order entry, candles and tickers (gateway/rest.ts, gateway/views.ts)
  ['GET', '/openapi.json', _, _, '/openapi.json', 200],
  ['GET', '/v1/orders', ALICE, _, '/v1/orders', 200],
  ['GET', '/v1/orders?status=all&symbol=BTC-USD', ALICE, _, '/v1/orders', 200],
  ['GET', '/v1/orders?status=closed', ALICE, _, '/v1/orders', 200],
  ['GET', '/v1/orders?status=maybe', ALICE, _, '/v1/orders', 400],
  ['GET', '/v1/orders?symbol=NOPE-USD', ALICE, _, '/v1/orders', 404],
  ['GET', '/v1/orders', _, _, '/v1/orders', 401],
  ['GET', '/v1/orders', { Authorization: 'Bearer wrong-key' }, _, '/v1/orders', 401],
  ['GET', '/v1/orders/1', ALICE, _, '/v1/orders/{orderId}', 200],
  ['GET', '/v1/orders/1', BOB, _, '/v1/orders/{orderId}', 404],
  ['GET', '/v1/orders/abc', ALICE, _, '/v1/orders/{orderId}', 400],
  ['GET', '/v1/orders/by-client-id/a-band', ALICE, _, '/v1/orders/by-client-id/{clientOrderId}', 200],
  ['GET', '/v1/orders/by-client-id/a-stop', ALICE, _, '/v1/orders/by-client-id/{clientOrderId}', 200],
  ['GET', '/v1/orders/by-client-id/nope', ALICE, _, '/v1/orders/by-client-id/{clientOrderId}', 404],
  ['GET', '/v1/fills', ALICE, _, '/v1/fills', 200],
  ['GET', '/v1/fills?symbol=BTC-USD&limit=1', BOB, _, '/v1/fills', 200],
  ['GET', '/v1/fills?limit=0', ALICE, _, '/v1/fills', 400],
  ['GET', '/v1/account', ALICE, _, '/v1/account', 200],
  ['GET', '/v1/account', _, _, '/v1/account', 401],
  ['POST', '/v1/orders', { ...ALICE, ...JSON_CT }, JSON.stringify({ symbol: 'BTC-USD', side: 'buy', price: '49000', quantity: '0.01', clientOrderId: 'rest-1' }), '/v1/orders', 201],
  ['POST', '/v1/orders', { ...ALICE, ...JSON_CT, 'Idempotency-Key': 'rest-1' }, JSON.stringify({ symbol: 'BTC-USD', side: 'buy', price: '49000', quantity: '0.01' }), '/v1/orders', 200],
  ['POST', '/v1/orders', { ...ALICE, ...JSON_CT, 'Idempotency-Key': 'rest-1' }, JSON.stringify({ symbol: 'BTC-USD', side: 'buy', price: '49001', quantity: '0.01' }), '/v1/orders', 409],
  ['POST', '/v1/orders', { ...ALICE, ...JSON_CT }, JSON.stringify({ symbol: 'BTC-USD', side: 'buy', price: '1', quantity: '0.01', clientOrderId: 'rest-band' }), '/v1/orders', 422],
  ['POST', '/v1/orders', { ...ALICE, ...JSON_CT }, JSON.stringify({ symbol: 'BTC-USD', side: 'buy', price: '49000', quantity: '0.01' }), '/v1/orders', 400],
  ['POST', '/v1/orders', { ...ALICE, ...JSON_CT }, '{"symbol":', '/v1/orders', 400],
  ['POST', '/v1/orders', { ...ALICE, 'Content-Type': 'text/plain' }, '{}', '/v1/orders', 415],
  ['POST', '/v1/orders', { ...ALICE, ...JSON_CT }, JSON.stringify({ clientOrderId: 'x'.repeat(20_000) }), '/v1/orders', 413],
  ['POST', '/v1/orders', JSON_CT, '{}', '/v1/orders', 401],
  ['POST', '/v1/orders/by-client-id-is-not-an-id/replace', { ...ALICE, ...JSON_CT }, '{"price":"1"}', '/v1/orders/{orderId}/replace', 400],
  ['POST', '/v1/orders/999999/replace', { ...ALICE, ...JSON_CT }, '{"price":"49500"}', '/v1/orders/{orderId}/replace', 404],
  ['DELETE', '/v1/orders/by-client-id/rest-1', ALICE, _, '/v1/orders/by-client-id/{clientOrderId}', 200],
  ['DELETE', '/v1/orders/by-client-id/rest-1', ALICE, _, '/v1/orders/by-client-id/{clientOrderId}', 422],
  ['DELETE', '/v1/orders/999999', ALICE, _, '/v1/orders/{orderId}', 404],
  ['POST', '/v1/orders', { ...BOB, ...JSON_CT }, JSON.stringify({ symbol: 'SOL-USD', side: 'sell', price: '151', quantity: '1', clientOrderId: 'rest-s' }), '/v1/orders', 201],
  ['DELETE', '/v1/orders?symbol=SOL-USD', BOB, _, '/v1/orders', 200],
  ['DELETE', '/v1/orders', BOB, _, '/v1/orders', 200],
  ['GET', '/v1/candles/BTC-USD', _, _, '/v1/candles/{symbol}', 200],
  ['GET', '/v1/candles/BTC-USD?interval=1s&limit=10&start=0', _, _, '/v1/candles/{symbol}', 200],
  ['GET', '/v1/candles/BTC-USD?interval=2m', _, _, '/v1/candles/{symbol}', 400],
  ['GET', '/v1/candles/NOPE-USD', _, _, '/v1/candles/{symbol}', 404],
  ['GET', '/v1/ticker', _, _, '/v1/ticker', 200],
  ['GET', '/v1/ticker/BTC-USD', _, _, '/v1/ticker/{symbol}', 200],
  ['GET', '/v1/ticker/SOL-USD', _, _, '/v1/ticker/{symbol}', 200],
  ['GET', '/v1/ticker/NOPE-USD', _, _, '/v1/ticker/{symbol}', 404],
];

/** Sample values for a documented path's parameters (to reach its route on a real server). */
const SAMPLE: Record<string, string> = { symbol: 'BTC-USD', account: 'alice', thread: 'M0', orderId: '1', clientOrderId: 'x' };

describe('real responses match the document', () => {
  const h = gatewayHarness('all');
  let srv: Server;
  /** Every WebSocket message the clients received during set-up (execution reports among them). */
  const received: Msg[] = [];

  beforeAll(async () => {
    // Probes every 500 ms (stale only after 2 intervals + the timeout: 6 s, so a busy box does not turn health 503).
    srv = await h.server({ probe: { intervalMs: 500, timeoutMs: 5_000 } });
    const alice = await h.connect(srv, 'dev-alice-key');
    const bob = await h.connect(srv, 'dev-bob-key');
    const keep = async (answer: Promise<Msg>): Promise<Msg> => {
      const m = await answer;
      received.push(m);
      return m;
    };
    const order = (c: Client, m: Record<string, unknown>): Promise<Msg> => keep(c.request({ type: 'new_order', symbol: 'BTC-USD', side: 'buy', ...m }));
    // Resting orders on both sides (an iceberg and a GTD stop-limit among them), a trade, refusals,
    // a replace, an OCO group and cancels: every kind of execution report.
    await order(alice, { clientOrderId: 'a-bid', price: '49990.5', quantity: '0.01' });
    await order(alice, { clientOrderId: 'a-bid2', price: '49980', quantity: '0.02', stp: 'cancel_newest', postOnly: true });
    await order(bob, { clientOrderId: 'b-ask', side: 'sell', price: '50010', quantity: '0.005', displayQuantity: '0.001' });
    await order(alice, { clientOrderId: 'a-stop', orderType: 'stop_limit', stopPrice: '51000', price: '51000', quantity: '0.01', timeInForce: 'GTD', expireTime: Date.now() + 600_000 });
    await order(alice, { clientOrderId: 'a-band', price: '1', quantity: '0.01' });
    await keep(alice.request({ type: 'cancel_order', symbol: 'BTC-USD', orderId: '999999' }));
    await keep(alice.request({ type: 'replace_order', symbol: 'BTC-USD', clientOrderId: 'a-bid', quantity: '0.02', newClientOrderId: 'a-bid-r' }));
    await order(bob, { clientOrderId: 'b-take', side: 'sell', price: '49990', quantity: '0.005' });
    await keep(alice.next((m) => m.execType === 'trade'));
    await order(alice, { clientOrderId: 'a-mkt', orderType: 'market', quantity: '0.001' });
    await keep(alice.request({ type: 'new_oco', symbol: 'BTC-USD', side: 'sell', quantity: '0.01', limit: { clientOrderId: 'oco-tp', price: '52000' }, stop: { clientOrderId: 'oco-sl', stopPrice: '48000' } }));
    await keep(alice.request({ type: 'cancel_order', symbol: 'BTC-USD', clientOrderId: 'oco-tp' }));
    await order(bob, { clientOrderId: 'b-sol', symbol: 'SOL-USD', side: 'sell', price: '150', quantity: '1' });
    await keep(alice.request({ type: 'cancel_order', symbol: 'BTC-USD', clientOrderId: 'a-bid2' }));
    // The book shows the resting orders; the probes have run (health answers 200).
    await until(async () => ((await (await fetch(`${srv.http}/v1/book/BTC-USD`)).json()) as { bids: unknown[]; asks: unknown[] }).asks.length > 0, 10_000, 'the book to show the resting orders');
    await until(async () => (await fetch(`${srv.http}/health/synthetic`)).status === 200 && (await fetch(`${srv.http}/health/deep`)).status === 200, 15_000, 'synthetic probes ok');
    received.push(...alice.messages, ...bob.messages);
  });

  for (const [method, url, headers, body, pathTemplate, status] of CASES) {
    it(`${method} ${url}${headers ? ` (${Object.keys(headers).join(', ')})` : ''} → ${status}`, async () => {
      const r = await record(srv.http, method, url, headers, body);
      expect(r.status, `${method} ${url} answered ${r.status}: ${r.text.slice(0, 300)}`).toBe(status);
      check(method, url, pathTemplate, r);
    });
  }

  it('WebSocket execution reports match components.schemas.ExecutionReport (what Order and OrderResult reuse)', () => {
    const reports = received.filter((m) => m.type === 'execution_report');
    const kinds = new Set(reports.map((m) => `${m.execType as string}/${m.orderStatus as string}`));
    for (const k of ['new/new', 'new/pending_trigger', 'trade/partially_filled', 'rejected/rejected', 'replaced/new', 'canceled/canceled']) expect(kinds).toContain(k);
    expect(reports.some((m) => m.ocoGroupId !== undefined)).toBe(true);
    for (const m of reports) expectValidSchema('ExecutionReport', m, `execution report ${JSON.stringify(m).slice(0, 120)}`);
    // And the check is closed: a field the document does not describe fails it.
    expect(() => expectValidSchema('ExecutionReport', { ...reports[0], surprise: 1 })).toThrow(/unevaluated/);
  });

  it('every documented operation is routed on the real server (not the catch-all 404), PENDING ones aside', async () => {
    const unrouted: string[] = [];
    for (const { method, path } of operations()) {
      if (PENDING.has(`${method} ${path}`) || path === '/ws') continue; // /ws: the upgrade cases above
      const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => SAMPLE[name] ?? 'x');
      const r = await record(srv.http, method, url);
      if (r.status === 404 && r.text.includes('not found: see docs/protocol.md')) unrouted.push(`${method} ${url}`);
    }
    expect(unrouted).toEqual([]);
  });
});

describe('real responses of a server with fault injection and a tiny public budget', () => {
  const h = gatewayHarness('all');
  let srv: Server;

  beforeAll(async () => {
    srv = await h.server({ faultInjection: true, publicHttpRate: { perSecond: 1, burst: 3 }, probe: { intervalMs: 0, timeoutMs: 2_000 } });
  });

  it('kill of an unknown thread → 404 listing the threads', async () => {
    const r = await record(srv.http, 'POST', '/v1/admin/fault/kill/X9', ADMIN);
    expect(r.status).toBe(404);
    expect(r.text).toMatch(/no thread/);
    check('POST', '/v1/admin/fault/kill/X9', '/v1/admin/fault/kill/{thread}', r);
  });

  it('kill M0 → 202; without a journal it stays down: /health/deep 503 degraded with the failure', async () => {
    const kill = await record(srv.http, 'POST', '/v1/admin/fault/kill/M0', ADMIN_BEARER);
    expect(kill.status).toBe(202);
    check('POST', '/v1/admin/fault/kill/M0', '/v1/admin/fault/kill/{thread}', kill);
    const last: { deep?: Recorded } = {};
    await until(async () => (last.deep = await record(srv.http, 'GET', '/health/deep')).status === 503, 15_000, '/health/deep to report the dead shard');
    check('GET', '/health/deep', '/health/deep', last.deep!);
    expect(JSON.parse(last.deep!.text)).toMatchObject({ status: 'degraded', synthetic: { enabled: false } });
  });

  it('over the public budget → 429', async () => {
    // 3 requests of burst, then 1 a second: a few requests in a row reach a 429.
    for (const [url, pathTemplate] of [['/v1/symbols', '/v1/symbols'], ['/v1/book/BTC-USD', '/v1/book/{symbol}'], ['/metrics', '/metrics']]) {
      let r: Recorded | null = null;
      for (let i = 0; i < 20 && r?.status !== 429; i++) r = await record(srv.http, 'GET', url);
      expect(r!.status, `GET ${url}`).toBe(429);
      check('GET', url, pathTemplate, r!);
    }
  });
});

describe('the check itself', () => {
  it('names the operation, the status and the mismatch', () => {
    expect(() => expectValidResponse('GET', '/v1/book/{symbol}', 200, 'application/json', '{"type":"book_snapshot","symbol":"X","seq":"1","bids":[],"asks":[]}'))
      .toThrow(/GET \/v1\/book\/\{symbol\} → 200[\s\S]*body\/seq: must be integer/);
    expect(() => expectValidResponse('GET', '/v1/book/{symbol}', 418, 'application/json', '{}')).toThrow(/status 418 is not documented for getBook/);
    expect(() => expectValidResponse('GET', '/health', 200, 'text/html', '<p>')).toThrow(/Content-Type text\/html is not documented/);
    expect(() => expectValidResponse('GET', '/health', 200, 'application/json', '{"status":"ok","extra":1}')).toThrow(/unevaluatedProperty.*extra/);
    expect(() => expectValidResponse('GET', '/nope', 200, 'application/json', '{}')).toThrow(/no path \/nope/);
    expect(() => expectValidResponse('GET', '/health', 200, 'application/json', 'not json')).toThrow(/not JSON/);
  });

  it('every 500 documented takes both shapes the server sends: a guarded handler\'s INTERNAL_ERROR and a failed control-plane request\'s message', () => {
    const handlerFailed = JSON.stringify({ code: GatewayCode.INTERNAL_ERROR, message: 'internal error (logged)' });
    const controlFailed = JSON.stringify({ message: 'snapshot failed: disk full' });
    for (const { method, path, op } of operations()) {
      if (!(op.responses as JsonObject)['500']) continue;
      expectValidResponse(method, path, 500, 'application/json', handlerFailed);
      expectValidResponse(method, path, 500, 'application/json', controlFailed);
    }
  });
});

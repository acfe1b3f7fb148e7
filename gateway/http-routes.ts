/**
 * The gateway's HTTP routes on one gateway thread: health, metrics and stage timings (answered by
 * the control plane, gateway/control.ts), public market data (symbols, book), admin actions. Every
 * handler runs guarded (an exception answers 500 and is counted; the process carries on); public
 * requests share a server-wide budget.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { CommandType, ResultCode, codeName } from '../engine/codes.ts';
import { formatUnits } from '../engine/decimal.ts';
import type { EngineSpec } from '../engine/config.ts';
import type { EngineLink } from '../engine/link.ts';
import type { MarketData } from '../feeds/market-data.ts';
import type { Budget } from './budget.ts';
import type { ControlAnswer, ControlRequest, GatewayControl } from './control.ts';
import type { GatewayOptions } from './options.ts';
import { GatewayCode } from './protocol.ts';
import { ProtocolError } from './protocol.ts';
import type { SymbolTable } from './protocol.ts';
import { errorBody, httpStatus } from './views.ts';
import type { Params, Views } from './views.ts';
import { openApiJson } from './openapi.ts';
import type { StaticFiles } from './static.ts';

/** GET /v1/book/:symbol levels per side: default and most (docs/protocol.md). */
export const BOOK_DEPTH_DEFAULT = 100;
export const BOOK_DEPTH_MAX = 1_000;

/** What the routes use of their gateway thread. */
export interface HttpContext {
  app: TemplatedApp;
  opts: GatewayOptions;
  spec: EngineSpec;
  table: SymbolTable;
  feeds: MarketData;
  views: Views;
  /** The web console's files (gateway/static.ts). */
  statics: StaticFiles;
  link: EngineLink;
  control: GatewayControl;
  log: Logger;
  counters: { handlerErrors: number; publicHttpRefused: number };
  publicHttpBudget: Budget;
}

/** A JSON answer (corked: handlers may answer after async work). */
export function json(res: HttpResponse, status: string, body: unknown): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('content-type', 'application/json').end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

export type Handler = (res: HttpResponse, req: HttpRequest) => void;

/** A path parameter, URL-decoded; null when it is not valid percent-encoding. Read inside the handler. */
export function pathParam(req: HttpRequest, i: number): string | null {
  try {
    return decodeURIComponent(req.getParameter(i) ?? '');
  } catch {
    return null;
  }
}

/** The query string's parameters (the last of a repeated name). Read inside the handler. */
export function query(req: HttpRequest): Params {
  return Object.fromEntries(new URLSearchParams(req.getQuery() ?? ''));
}

/**
 * A handler run guarded: an exception answers 500, is counted and logged, and the process and
 * every other client carry on (a throw out of a uWS callback would end the process).
 */
export function guard(ctx: { counters: { handlerErrors: number }; log: Logger }, h: Handler): Handler {
  return (res, req) => {
    try {
      h(res, req);
    } catch (e) {
      ctx.counters.handlerErrors++;
      ctx.log.error({ err: e }, 'HTTP handler failed');
      try {
        json(res, '500 Internal Server Error', errorBody(GatewayCode.INTERNAL_ERROR, 'internal error (logged)'));
      } catch {
        // The response was already ended or aborted: nothing more to say to this client.
      }
    }
  };
}

export function registerHttpRoutes(ctx: HttpContext): void {
  const isAdmin = (req: HttpRequest): boolean => {
    if (!ctx.opts.adminKey) return false;
    const key = req.getHeader('x-admin-key') || /^Bearer\s+(.+)$/i.exec(req.getHeader('authorization'))?.[1] || '';
    return key === ctx.opts.adminKey;
  };
  // GET /v1/book bodies by depth, for the current version of each symbol's book only.
  const bookBodies = new Map<number, { version: unknown; byDepth: Map<number, string> }>();
  const bookBody = (symbol: number, depth: number): string => {
    const version = ctx.feeds.snapshot(symbol, Number.MAX_SAFE_INTEGER).bids; // the shared levels array: one per book version
    let entry = bookBodies.get(symbol);
    if (!entry || entry.version !== version) {
      entry = { version, byDepth: new Map() };
      bookBodies.set(symbol, entry);
    }
    let text = entry.byDepth.get(depth);
    if (text === undefined) {
      text = JSON.stringify(ctx.feeds.snapshot(symbol, depth));
      entry.byDepth.set(depth, text);
    }
    return text;
  };

    const guarded = (h: Handler): Handler => guard(ctx, h);
    // Public (unauthenticated) requests share one server-wide budget: whatever their number, they
    // cannot take the order-entry thread (/health and admin routes are not counted).
    const budgeted = (h: Handler): Handler => (res, req) => {
      if (!ctx.publicHttpBudget.take()) {
        ctx.counters.publicHttpRefused++;
        json(res, '429 Too Many Requests', { code: GatewayCode.RATE_LIMITED, message: `server-wide public request budget (${ctx.opts.publicHttpRate.perSecond}/s) exhausted: retry shortly` });
        return;
      }
      h(res, req);
    };
    const app = {
      get: (path: string, h: Handler) => ctx.app.get(path, guarded(path === '/health' ? h : budgeted(h))),
      post: (path: string, h: Handler) => ctx.app.post(path, guarded(h)),
      any: (path: string, h: Handler) => ctx.app.any(path, guarded(budgeted(h))),
    };
    const param = pathParam;
    const badParam = (res: HttpResponse): void => json(res, '400 Bad Request', { code: GatewayCode.BAD_FIELD, message: 'malformed percent-encoding in the path' });
    /** Answer from the control plane (async; the client may go away meanwhile). */
    /** `always200`: a degraded answer (503) is sent as 200, its body saying so (for pollers that must not see errors). */
    const relay = (res: HttpResponse, req: ControlRequest, always200 = false): void => {
      let aborted = false;
      res.onAborted(() => { aborted = true; });
      const reply = (a: ControlAnswer): void => {
        if (aborted) return;
        const status = always200 && a.status.startsWith('503') ? '200 OK' : a.status;
        res.cork(() => {
          res.writeStatus(status).writeHeader('content-type', a.contentType ?? 'application/json').end(a.body);
        });
      };
      ctx.control.ask(req).then(reply, (e: Error) => reply({ status: '500 Internal Server Error', body: JSON.stringify({ message: e.message }) }));
    };
    // Shallow health: the process serves — and can take orders (durable mode needs a writing journal).
    app.get('/health', (res) => {
      if (ctx.opts.ackMode === 'durable' && !ctx.link.journalWriting()) {
        return json(res, '503 Service Unavailable', { status: 'degraded', reason: `journal ${ctx.link.journalStatus()}: ${ctx.control.journalError() ?? 'not writing'}` });
      }
      json(res, '200 OK', { status: 'ok' });
    });
    // ?always200=1: 200 even when degraded (the body's status says which) — the console polls it so.
    app.get('/health/deep', (res, req) => relay(res, { what: 'health' }, query(req).always200 === '1'));
    // The last synthetic probe per shard (gateway/probe.ts): 503 when one is failing or stale.
    app.get('/health/synthetic', (res) => relay(res, { what: 'synthetic' }));
    app.get('/v1/stats/latency', (res) => relay(res, { what: 'stats' }));
    // What happened in the last second or so: stage percentiles, counters and rates (the console's operations page).
    app.get('/v1/stats/live', (res) => relay(res, { what: 'live' }));
    app.post('/v1/admin/stats/reset', (res, req) => {
      if (!isAdmin(req)) return json(res, '403 Forbidden', { code: GatewayCode.FORBIDDEN, message: 'admin key required' });
      relay(res, { what: 'stats-reset' });
    });
    app.get('/metrics', (res) => relay(res, { what: 'metrics' }));
    app.get('/v1/symbols', (res) => {
      json(res, '200 OK', ctx.spec.symbols.map((s) => ({
        symbol: s.name, tickSize: s.tickSize, lotSize: s.lotSize, shard: s.shard, referencePrice: formatUnits(s.referencePrice, s.tick),
        priceBandPct: (s.bandBps / 100).toString(), maxOrderQty: formatUnits(s.maxOrderQty, s.lot),
      })));
    });
    app.get('/v1/book/:symbol', (res, req) => {
      const name = param(req, 0);
      if (name === null) return badParam(res);
      const s = ctx.table.bySymbol.get(name);
      const depthText = new URLSearchParams(req.getQuery() ?? '').get('depth');
      const depth = depthText === null ? BOOK_DEPTH_DEFAULT : Number(depthText);
      if (!s) return json(res, '404 Not Found', { code: ResultCode.RISK_UNKNOWN_SYMBOL, message: 'unknown symbol' });
      if (!Number.isInteger(depth) || depth < 1 || depth > BOOK_DEPTH_MAX) return json(res, '400 Bad Request', { code: GatewayCode.BAD_FIELD, message: `depth must be a whole number from 1 to ${BOOK_DEPTH_MAX} (default ${BOOK_DEPTH_DEFAULT})` });
      // From the shared per-change snapshot (no sorting per request), its JSON text reused while the
      // book and the depth are the same.
      json(res, '200 OK', bookBody(s.id, depth));
    });
    /** A public read from the views: parameter refusals answered with their status. */
    const view = (res: HttpResponse, answer: () => unknown): void => {
      try {
        json(res, '200 OK', answer());
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        json(res, httpStatus(e.code), errorBody(e.code, e.message));
      }
    };
    // The web console (web/, built into dist/web): the page and its hashed assets.
    app.get('/', (res, req) => ctx.statics.serve(res, req, '/'));
    app.get('/assets/:file', (res, req) => {
      const name = param(req, 0);
      if (name === null) return badParam(res);
      ctx.statics.serve(res, req, `/assets/${name}`);
    });
    // The contract (gateway/openapi.ts; docs/openapi.json is the committed copy).
    app.get('/openapi.json', (res) => json(res, '200 OK', openApiJson()));
    app.get('/v1/candles/:symbol', (res, req) => {
      const name = param(req, 0);
      if (name === null) return badParam(res);
      const q = query(req);
      view(res, () => ctx.views.candleList(name, q));
    });
    app.get('/v1/ticker', (res) => view(res, () => ctx.views.tickers()));
    app.get('/v1/ticker/:symbol', (res, req) => {
      const name = param(req, 0);
      if (name === null) return badParam(res);
      view(res, () => ctx.views.ticker(name));
    });
    const admin = (path: string, type: number, target: 'symbol' | 'account'): void => {
      app.post(path, (res, req) => {
        if (!isAdmin(req)) return json(res, '403 Forbidden', { code: GatewayCode.FORBIDDEN, message: 'admin key required (X-Admin-Key header or Authorization: Bearer)' });
        const name = param(req, 0);
        if (name === null) return badParam(res);
        const idx = target === 'symbol' ? ctx.table.bySymbol.get(name)?.id : ctx.spec.accounts.find((a) => a.name === name)?.id;
        if (idx === undefined) return json(res, '404 Not Found', { code: target === 'symbol' ? ResultCode.RISK_UNKNOWN_SYMBOL : ResultCode.RISK_UNKNOWN_ACCOUNT, message: `unknown ${target} ${name}` });
        if (!ctx.link.submit({ type, symbolId: target === 'symbol' ? idx : -1, accountId: target === 'account' ? idx : -1 })) {
          return json(res, '503 Service Unavailable', { code: GatewayCode.ENGINE_BUSY, message: 'engine saturated, retry' });
        }
        ctx.log.warn({ action: codeName(type), target: name }, 'admin action');
        json(res, '202 Accepted', { accepted: true, action: path.split('/').pop(), [target]: name });
      });
    };
    app.post('/v1/admin/snapshot', (res, req) => {
      if (!isAdmin(req)) return json(res, '403 Forbidden', { code: GatewayCode.FORBIDDEN, message: 'admin key required' });
      relay(res, { what: 'snapshot' });
    });
    app.post('/v1/admin/fault/kill/:thread', (res, req) => {
      if (!isAdmin(req)) return json(res, '403 Forbidden', { code: GatewayCode.FORBIDDEN, message: 'admin key required' });
      if (!ctx.opts.faultInjection) return json(res, '404 Not Found', { message: 'fault injection is off: set "faultInjection": true or RINGMATCH_FAULT_INJECTION=1 (drills only)' });
      const thread = param(req, 0);
      if (thread === null) return badParam(res);
      ctx.log.warn({ thread }, 'fault injection: killing a thread');
      relay(res, { what: 'kill', thread });
    });
    admin('/v1/admin/symbols/:symbol/halt', CommandType.HALT_SYMBOL, 'symbol');
    admin('/v1/admin/symbols/:symbol/resume', CommandType.RESUME_SYMBOL, 'symbol');
    admin('/v1/admin/accounts/:account/disable', CommandType.DISABLE_ACCOUNT, 'account');
    admin('/v1/admin/accounts/:account/enable', CommandType.ENABLE_ACCOUNT, 'account');
    app.any('/*', (res) => json(res, '404 Not Found', { message: 'not found: see docs/protocol.md for the endpoints' }));
}

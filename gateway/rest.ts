/**
 * G — the HTTP API of an account (cold path): its views (open and recent orders, fills, credit and
 * positions; gateway/views.ts) and order entry over REST with idempotent retries. Orders go the
 * same way as WebSocket ones — encoded by gateway/protocol.ts, submitted through this gateway
 * thread's command ring with a correlation id, risk-checked and matched — and the response
 * carries the reports the command caused for this account, up to the end of the shard batch that
 * answered it (its first outcome: accepted, rejected, filled, canceled…).
 *
 * Idempotency (docs/protocol.md): a new order's key is its clientOrderId — the `Idempotency-Key`
 * header becomes it (or must equal it). The engine journals client ids with every event, so the
 * account views, rebuilt from the journal at start, recognise a retry across restarts too: while
 * the order is open or among the account's last `views.closedPerAccount` closed orders, a retry
 * with the same order answers the original outcome (200, `idempotentReplay: true`) and places
 * nothing; the same key with a different order is refused (409). A retry that arrives while the
 * original is in flight on this thread waits for it and gets the same answer.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { EventType, OrderType, ResultCode } from '../engine/codes.ts';
import {
  CMD_DISPLAY_QTY, CMD_EXPIRE_TIME, CMD_META, CMD_PRICE, CMD_QTY, CMD_SLOT_WORDS, CMD_STOP_PRICE, CMD_SYMBOL, isValidClientOrderId, metaPostOnly, metaSide, metaStp,
  metaTif, metaType,
} from '../engine/command-slot.ts';
import {
  EVT_ACCOUNT, EVT_DISPLAY_QTY, EVT_ORDER_ID, EVT_EXPIRE_TIME, EVT_LAST_QTY, EVT_META, EVT_PRICE, EVT_QTY, EVT_STOP_PRICE, EVT_SYMBOL, EVT_TYPE, hasOrderExtension,
} from '../engine/event-slot.ts';
import { getI64 } from '../engine/int64.ts';
import type { EngineSpec } from '../engine/config.ts';
import type { OrderRecord } from '../feeds/accounts.ts';
import { Budget } from './budget.ts';
import { guard, json, pathParam, query } from './http-routes.ts';
import type { Handler } from './http-routes.ts';
import { GatewayCode, ProtocolError, parseJson, refusal, reportFromEvent } from './protocol.ts';
import type { ClientMessage, ExecutionReport } from './protocol.ts';
import type { PendingTable } from './pending.ts';
import type { RejectContext } from './reject-text.ts';
import type { GatewayOptions } from './options.ts';
import { errorBody, httpStatus, orderIdParam } from './views.ts';
import type { Params, Views } from './views.ts';

/** A REST request still waiting for the engine is answered 504 after this long. */
export const REST_TIMEOUT_MS = 10_000;

type Kind = 'new' | 'cancel' | 'replace' | 'mass';

/** A refusal before anything reached the engine. */
export interface Refusal {
  code: number;
  message: string;
}

/** What rest.ts needs of its gateway thread. */
export interface RestContext {
  opts: GatewayOptions;
  spec: EngineSpec;
  views: Views;
  pending: PendingTable;
  log: Logger;
  counters: { handlerErrors: number; restRequests: number; restReplays: number; restTimeouts: number };
  rejectContext: RejectContext;
  /** The account of an API key, or −1. */
  accountOf(apiKey: string): number;
  /** Is the gateway taking orders? */
  accepting(): boolean;
  /** Encode an order-entry message for `account` into the gateway's scratch slot (null) or say why not. */
  encode(m: ClientMessage, account: number): Refusal | null;
  /** The scratch slot (valid after encode). */
  scratch: Int32Array;
  /** Submit the scratch slot; the pending entry (≥ 0), or a refusal. */
  submit(type: string, allShards: boolean): number | Refusal;
}

/** One REST order request in flight. */
class RestRequest {
  readonly reports: ExecutionReport[] = [];
  /** Retries of the same key that arrived meanwhile (answered with the same outcome, marked as replays). */
  readonly retries: Array<{ res: HttpResponse; state: { aborted: boolean } }> = [];
  shard = -1;
  due = false;
  canceled = 0;
  remaining = 0;
  done = false;
  entry = -1;
  /** The command as submitted (an in-flight retry must be the same order). */
  command: Int32Array | null = null;
  readonly startedMs = Date.now();
  constructor(
    readonly res: HttpResponse,
    /** Set by the response's onAborted (the client went away: nothing is written to it). */
    readonly state: { aborted: boolean },
    readonly kind: Kind,
    readonly account: number,
    /** Idempotency key (account + clientOrderId) of a new order, or null. */
    readonly key: string | null,
  ) {}
}

export class RestOrders {
  /** Requests whose events arrived and that are answered at their shard's next batch end. */
  private readonly dueList: RestRequest[] = [];
  /** Requests in flight (answered or timed out). */
  private readonly inFlight = new Set<RestRequest>();
  /** New orders in flight by idempotency key. */
  private readonly byKey = new Map<string, RestRequest>();
  /** Requests per account on this thread (the WebSocket rate limit, per key). */
  private readonly budgets: Array<Budget | undefined> = [];

  constructor(private readonly ctx: RestContext) {}

  /** Requests with events waiting for their batch end (the event path checks this one number). */
  get due(): number {
    return this.dueList.length;
  }

  // ------------------------------------------------------------------ events (from the gateway's onEvent)

  /** An event of REST request `p` (pending entry): collect the account's reports; a cancel-all counts its shards. */
  onEvent(p: number, w: Int32Array, b: number, shard: number): void {
    const req = this.ctx.pending.rest[p] as RestRequest;
    const type = w[b + EVT_TYPE];
    if (type === EventType.MASS_CANCEL_DONE) {
      req.canceled += getI64(w, b + EVT_LAST_QTY);
      if (--req.remaining <= 0) {
        this.ctx.pending.delete(p);
        this.answer(req, '200 OK', JSON.stringify({ canceled: req.canceled }));
      }
      return;
    }
    // A mass cancel answers only its count: its CANCELED events need no report.
    if (req.kind === 'mass' || w[b + EVT_ACCOUNT] !== req.account || type === EventType.ADMIN) return;
    const sym = this.ctx.spec.symbols[w[b + EVT_SYMBOL]];
    req.reports.push(reportFromEvent(w, b, sym, undefined, undefined, this.ctx.rejectContext));
    req.shard = shard;
    if (!req.due) {
      req.due = true;
      req.entry = p;
      this.dueList.push(req);
    }
  }

  /** Shard `shard` ended a batch: answer the requests it answered. */
  onBatchEnd(shard: number): void {
    const list = this.dueList;
    for (let i = 0; i < list.length; i++) {
      const req = list[i];
      if (req.shard !== shard) continue;
      list[i] = list[list.length - 1];
      list.pop();
      i--;
      // The entry is this request's unless the table wrapped meanwhile (then it is a newer request's).
      if (this.ctx.pending.rest[req.entry] === req) this.ctx.pending.delete(req.entry);
      this.answerReports(req);
    }
  }

  private answerReports(req: RestRequest): void {
    const first = req.reports[0];
    // The report of the order the request is about: its last one in this answer.
    let report = first;
    for (const r of req.reports) if (r.orderId === first.orderId && r.clientOrderId === first.clientOrderId) report = r;
    const rejected = first.execType === 'rejected';
    const status = rejected ? '422 Unprocessable Entity' : req.kind === 'new' ? '201 Created' : '200 OK';
    this.answer(req, status, JSON.stringify({ report, reports: req.reports, idempotentReplay: false }), JSON.stringify({ report, reports: req.reports, idempotentReplay: true }));
  }

  /**
   * Send the answer, and to every retry that waited on it the same outcome as a replay — 200, as a
   * retry answered from the views gets (`replayBody`: null when the answer is no outcome, e.g. 504).
   */
  private answer(req: RestRequest, status: string, body: string, replayBody: string | null = null): void {
    if (req.done) return;
    req.done = true;
    this.inFlight.delete(req);
    if (req.key !== null && this.byKey.get(req.key) === req) this.byKey.delete(req.key);
    if (!req.state.aborted) json(req.res, status, body);
    for (const r of req.retries) if (!r.state.aborted) json(r.res, replayBody === null ? status : '200 OK', replayBody ?? body);
  }

  /** Every 100 ms or so: requests the engine never answered (a shard restarting, an entry overwritten). */
  sweep(nowMs = Date.now()): void {
    for (const req of this.inFlight) {
      if (nowMs - req.startedMs < REST_TIMEOUT_MS) continue;
      this.ctx.counters.restTimeouts++;
      if (req.entry >= 0 && this.ctx.pending.rest[req.entry] === req) this.ctx.pending.delete(req.entry);
      const i = this.dueList.indexOf(req);
      if (i >= 0) this.dueList.splice(i, 1);
      this.answer(req, '504 Gateway Timeout', JSON.stringify(errorBody(GatewayCode.ENGINE_BUSY, `no answer from the engine within ${REST_TIMEOUT_MS / 1000} s: the request may or may not have taken effect — look it up (GET /v1/orders/by-client-id/…) before retrying`)));
    }
  }

  /** The server stops: whoever still waits is told so. */
  closeAll(): void {
    for (const req of [...this.inFlight]) this.answer(req, '503 Service Unavailable', JSON.stringify(errorBody(GatewayCode.ENGINE_BUSY, 'the server is shutting down: the request may or may not have taken effect — look it up after the restart')));
  }

  // ------------------------------------------------------------------ routes

  register(app: TemplatedApp): void {
    const ctx = this.ctx;
    const g = (h: Handler): Handler => guard(ctx, h);
    // Reads: the account's views.
    app.get('/v1/orders', g((res, req) => this.read(res, req, (a, q) => ctx.views.orders(a, q))));
    app.get('/v1/orders/by-client-id/:clientOrderId', g((res, req) => {
      const clientOrderId = pathParam(req, 0);
      this.read(res, req, (a) => ctx.views.order(a, { clientOrderId: mustDecode(clientOrderId) }));
    }));
    app.get('/v1/orders/:orderId', g((res, req) => {
      const orderId = pathParam(req, 0);
      this.read(res, req, (a) => ctx.views.order(a, { orderId: mustDecode(orderId) }));
    }));
    app.get('/v1/fills', g((res, req) => this.read(res, req, (a, q) => ctx.views.fills(a, q))));
    app.get('/v1/account', g((res, req) => this.read(res, req, (a) => ctx.views.account(a))));
    // Order entry.
    app.post('/v1/orders', g((res, req) => this.newOrder(res, req)));
    app.del('/v1/orders', g((res, req) => {
      const q = query(req);
      this.command(res, req, 'mass', null, () => {
        if (q.symbol === undefined) return { type: 'cancel_all' };
        // Destructive: an empty symbol is refused rather than read as "every symbol".
        if (q.symbol === '') throw new ProtocolError(GatewayCode.BAD_FIELD, '"symbol" is empty: name a symbol, or leave the parameter out to cancel on every symbol');
        return { type: 'cancel_all', symbol: ctx.views.symbolOf(q.symbol).name };
      });
    }));
    app.del('/v1/orders/by-client-id/:clientOrderId', g((res, req) => {
      const clientOrderId = pathParam(req, 0);
      this.command(res, req, 'cancel', null, (a) => this.cancelMessage(this.find(a, null, mustDecode(clientOrderId))));
    }));
    app.del('/v1/orders/:orderId', g((res, req) => {
      const orderId = pathParam(req, 0);
      this.command(res, req, 'cancel', null, (a) => this.cancelMessage(this.find(a, mustDecode(orderId), null)));
    }));
    app.post('/v1/orders/:orderId/replace', g((res, req) => {
      const orderId = pathParam(req, 0);
      this.command(res, req, 'replace', {}, (a, body) => {
        const extra = Object.keys(body ?? {}).find((k) => !REPLACE_FIELDS.includes(k));
        if (extra !== undefined) throw new ProtocolError(GatewayCode.BAD_FIELD, `unknown field "${extra.slice(0, 40)}" (a replace takes ${REPLACE_FIELDS.join(', ')})`);
        const rec = this.find(a, mustDecode(orderId), null);
        const m: ClientMessage = { type: 'replace_order', symbol: ctx.spec.symbols[rec.last[EVT_SYMBOL]].name, orderId: String(recordId(rec)) };
        for (const f of REPLACE_FIELDS) if (body?.[f] !== undefined) m[f] = body[f];
        return m;
      });
    }));
  }

  /** The caller's account from `Authorization: Bearer <api key>`, or an answered refusal (−1). */
  private authenticate(res: HttpResponse, req: HttpRequest): number {
    const auth = req.getHeader('authorization');
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (!m) {
      json(res, '401 Unauthorized', errorBody(GatewayCode.NOT_AUTHENTICATED, 'send your API key: Authorization: Bearer <api key>'));
      return -1;
    }
    const a = this.ctx.accountOf(m[1].trim());
    if (a < 0) {
      json(res, '401 Unauthorized', errorBody(GatewayCode.AUTH_FAILED, 'unknown API key'));
      return -1;
    }
    const budget = (this.budgets[a] ??= new Budget(this.ctx.opts.rateLimit));
    if (!budget.take()) {
      json(res, '429 Too Many Requests', errorBody(GatewayCode.RATE_LIMITED, `more than ${this.ctx.opts.rateLimit.perSecond} requests/s for this account (burst ${this.ctx.opts.rateLimit.burst}): slow down`));
      return -1;
    }
    this.ctx.counters.restRequests++;
    return a;
  }

  /** A view read: answered at once (the views are this thread's own). */
  private read(res: HttpResponse, req: HttpRequest, q: (account: number, params: Params) => unknown): void {
    const a = this.authenticate(res, req);
    if (a < 0) return;
    try {
      json(res, '200 OK', q(a, query(req)));
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      json(res, httpStatus(e.code), errorBody(e.code, e.message));
    }
  }

  private find(account: number, orderId: string | null, clientOrderId: string | null): OrderRecord {
    const rec = orderId !== null ? this.ctx.views.accounts.order(account, orderIdParam(orderId)) : this.ctx.views.accounts.orderByClientId(account, clientOrderId ?? '');
    if (!rec || recordId(rec) === 0) throw new ProtocolError(GatewayCode.NOT_FOUND, 'no such order of this account (open, or among its recently closed ones)');
    return rec;
  }

  private cancelMessage(rec: OrderRecord): ClientMessage {
    return { type: 'cancel_order', symbol: this.ctx.spec.symbols[rec.last[EVT_SYMBOL]].name, orderId: String(recordId(rec)) };
  }

  /**
   * A command request: authenticate, read the body when `body` is given (JSON object), build the
   * message (may throw ProtocolError), submit, and answer when the engine has.
   */
  private command(res: HttpResponse, req: HttpRequest, kind: Kind, body: Record<string, unknown> | null, build: (account: number, body: Record<string, unknown> | null) => ClientMessage): void {
    const a = this.authenticate(res, req);
    if (a < 0) return;
    const go = (parsed: Record<string, unknown> | null, state: { aborted: boolean }): void => {
      let m: ClientMessage;
      try {
        m = build(a, parsed);
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        if (!state.aborted) json(res, httpStatus(e.code), errorBody(e.code, e.message));
        return;
      }
      this.submit(res, state, kind, a, m, null);
    };
    if (body === null) {
      const state = { aborted: false };
      res.onAborted(() => { state.aborted = true; });
      go(null, state);
      return;
    }
    this.readJson(res, req, go);
  }

  /** POST /v1/orders: a new order, idempotent on its client order id. */
  private newOrder(res: HttpResponse, req: HttpRequest): void {
    const a = this.authenticate(res, req);
    if (a < 0) return;
    const key = req.getHeader('idempotency-key');
    if (key !== '' && !isValidClientOrderId(key)) {
      json(res, '400 Bad Request', errorBody(GatewayCode.BAD_FIELD, 'Idempotency-Key must be 1-32 printable ASCII characters without spaces (it becomes the clientOrderId)'));
      return;
    }
    this.readJson(res, req, (body, state) => {
      const ctx = this.ctx;
      const m: ClientMessage = { ...body };
      if (m.type !== undefined && m.type !== 'new_order') return reply(res, state, GatewayCode.BAD_FIELD, '"type" is implied (new_order); leave it out');
      m.type = 'new_order';
      if (key !== '') {
        if (m.clientOrderId === undefined) m.clientOrderId = key;
        else if (m.clientOrderId !== key) return reply(res, state, GatewayCode.BAD_FIELD, 'Idempotency-Key and clientOrderId differ: the key is the order\'s client id (send one of them, or both equal)');
      }
      if (typeof m.clientOrderId !== 'string') return reply(res, state, GatewayCode.MISSING_FIELD, '"clientOrderId" (or an Idempotency-Key header) is required: it makes retries safe');
      const refused = ctx.encode(m, a);
      if (refused) return replyBody(res, state, refused.code, refused.message);
      const idKey = `${a}\u0000${m.clientOrderId}`;
      // A retry of an order the views know (open, or recently closed): its original outcome.
      const known = ctx.views.accounts.orderByClientId(a, m.clientOrderId);
      if (known) {
        if (!sameOrder(known, ctx.scratch)) return reply(res, state, GatewayCode.IDEMPOTENCY_CONFLICT, `clientOrderId ${JSON.stringify(m.clientOrderId)} was used for a different order (open or recently closed): use a new key for a new order`);
        ctx.counters.restReplays++;
        if (!state.aborted) json(res, '200 OK', { report: ctx.views.firstOutcome(known), reports: [ctx.views.firstOutcome(known)], idempotentReplay: true });
        return;
      }
      // A retry of an order still in flight on this thread: wait for its answer.
      const flying = this.byKey.get(idKey);
      if (flying) {
        if (flying.command === null || !sameCommand(flying.command, ctx.scratch)) return reply(res, state, GatewayCode.IDEMPOTENCY_CONFLICT, `clientOrderId ${JSON.stringify(m.clientOrderId)} is in flight for a different order`);
        ctx.counters.restReplays++;
        flying.retries.push({ res, state });
        return;
      }
      this.submit(res, state, 'new', a, m, idKey);
    });
  }

  /** Encode (unless already in the scratch slot for this message) and submit; the answer follows from the events. */
  private submit(res: HttpResponse, state: { aborted: boolean }, kind: Kind, account: number, m: ClientMessage, key: string | null): void {
    const ctx = this.ctx;
    if (!ctx.accepting()) return reply(res, state, GatewayCode.ENGINE_BUSY, 'the server is shutting down');
    if (kind !== 'new') {
      const refused = ctx.encode(m, account);
      if (refused) return replyBody(res, state, refused.code, refused.message);
    }
    const command = kind === 'new' ? ctx.scratch.slice(0, CMD_SLOT_WORDS) : null;
    const allShards = kind === 'mass' && m.symbol === undefined;
    const p = ctx.submit(m.type as string, allShards);
    if (typeof p !== 'number') return reply(res, state, p.code, p.message);
    const req = new RestRequest(res, state, kind, account, key);
    req.command = command;
    req.entry = p;
    req.remaining = allShards ? ctx.spec.shards : 1;
    ctx.pending.rest[p] = req;
    this.inFlight.add(req);
    if (key !== null) this.byKey.set(key, req);
  }

  /** Read a JSON object body (size-limited, content-type checked); `then` runs with it, or the client is answered. */
  private readJson(res: HttpResponse, req: HttpRequest, then: (body: Record<string, unknown>, state: { aborted: boolean }) => void): void {
    const ctx = this.ctx;
    const contentType = req.getHeader('content-type');
    const state = { aborted: false };
    res.onAborted(() => { state.aborted = true; });
    if (!/^application\/json\b/i.test(contentType)) {
      json(res, '415 Unsupported Media Type', errorBody(GatewayCode.UNSUPPORTED_MEDIA_TYPE, 'send the body as JSON with Content-Type: application/json'));
      return;
    }
    const max = ctx.opts.maxMessageBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    res.onData((chunk, isLast) => {
      if (refused) return;
      size += chunk.byteLength;
      if (size > max) {
        refused = true;
        if (!state.aborted) json(res, '413 Payload Too Large', errorBody(GatewayCode.FRAME_TOO_LARGE, `body over ${max} bytes`));
        return;
      }
      // Copy: uWS reuses the chunk's memory once this callback returns.
      chunks.push(Buffer.from(new Uint8Array(chunk).slice()));
      if (!isLast) return;
      try {
        const m = parseJson(Buffer.concat(chunks).toString('utf8'));
        if (m === null) return reply(res, state, refusal.code, refusal.message);
        then(m, state);
      } catch (e) {
        // As guard() does for synchronous handlers: answer 500 (if nothing was answered yet), count, log, carry on.
        ctx.counters.handlerErrors++;
        ctx.log.error({ err: e }, 'REST handler failed');
        try {
          if (!state.aborted) json(res, '500 Internal Server Error', errorBody(GatewayCode.INTERNAL_ERROR, 'internal error (logged)'));
        } catch {
          // Already answered: nothing more to say to this client.
        }
      }
    });
  }
}

function reply(res: HttpResponse, state: { aborted: boolean }, code: number, message: string): void {
  if (!state.aborted) json(res, httpStatus(code), errorBody(code, message));
}

/** A refused request body: an unknown symbol named in it is a bad request (400), not a missing resource. */
function replyBody(res: HttpResponse, state: { aborted: boolean }, code: number, message: string): void {
  if (!state.aborted) json(res, code === ResultCode.RISK_UNKNOWN_SYMBOL ? '400 Bad Request' : httpStatus(code), errorBody(code, message));
}

/** What a replace takes (POST /v1/orders/{orderId}/replace). */
const REPLACE_FIELDS = ['price', 'quantity', 'newClientOrderId', 'stopPrice'];

/** A path parameter that must be valid percent-encoding (else 400). */
function mustDecode(v: string | null): string {
  if (v === null) throw new ProtocolError(GatewayCode.BAD_FIELD, 'malformed percent-encoding in the path');
  return v;
}

/** The order id of a record (0: refused by the risk stage before it had one). */
function recordId(rec: OrderRecord): number {
  return getI64(rec.first, EVT_ORDER_ID);
}

/**
 * What makes two new orders the same order (an idempotent retry): the meta word's side, type, time
 * in force, STP and post-only, the symbol, and these int64 fields — [command word, event word] — with
 * the limit price only for types that have one (a market or stop-market order's price is the
 * protection price the risk stage wrote, not the client's).
 */
const SAME_ORDER_I64: ReadonlyArray<readonly [number, number]> = [[CMD_QTY, EVT_QTY], [CMD_STOP_PRICE, EVT_STOP_PRICE], [CMD_DISPLAY_QTY, EVT_DISPLAY_QTY], [CMD_EXPIRE_TIME, EVT_EXPIRE_TIME]];

function sameMeta(a: number, b: number): boolean {
  return metaSide(a) === metaSide(b) && metaType(a) === metaType(b) && metaTif(a) === metaTif(b) && metaStp(a) === metaStp(b) && metaPostOnly(a) === metaPostOnly(b);
}

function hasLimitPrice(meta: number): boolean {
  const type = metaType(meta);
  return type === OrderType.LIMIT || type === OrderType.STOP_LIMIT;
}

/** Is the command in `cmd` the order `rec` (a retry of it)? Compared with its original outcome's event. */
function sameOrder(rec: OrderRecord, cmd: Int32Array): boolean {
  const first = rec.first;
  if (first[EVT_SYMBOL] !== cmd[CMD_SYMBOL] || !sameMeta(first[EVT_META], cmd[CMD_META])) return false;
  if (hasLimitPrice(cmd[CMD_META]) && getI64(first, EVT_PRICE) !== getI64(cmd, CMD_PRICE)) return false;
  // A trade carries no order-type fields (engine/event-slot.ts): then the order's own are compared.
  const ext = hasOrderExtension(first, 0);
  const own: Record<number, number> = { [EVT_STOP_PRICE]: rec.stopPrice, [EVT_DISPLAY_QTY]: rec.displayQty, [EVT_EXPIRE_TIME]: rec.expireTime };
  for (const [c, e] of SAME_ORDER_I64) {
    const v = ext || e === EVT_QTY ? getI64(first, e) : own[e];
    if (v !== getI64(cmd, c)) return false;
  }
  return true;
}

/** Two encoded new-order commands for the same order (correlation and ingress time aside)? */
function sameCommand(a: Int32Array, b: Int32Array): boolean {
  if (a[CMD_SYMBOL] !== b[CMD_SYMBOL] || !sameMeta(a[CMD_META], b[CMD_META])) return false;
  if (hasLimitPrice(a[CMD_META]) && getI64(a, CMD_PRICE) !== getI64(b, CMD_PRICE)) return false;
  for (const [c] of SAME_ORDER_I64) if (getI64(a, c) !== getI64(b, c)) return false;
  return true;
}

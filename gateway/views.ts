/**
 * The read side as the client sees it (cold path): account views (feeds/accounts.ts) and candles
 * and tickers (feeds/candles.ts) turned into JSON answers, with the checks of their parameters —
 * one place for both ways in: HTTP (gateway/rest.ts) and the WebSocket requests (gateway/server.ts).
 * A refused parameter throws ProtocolError (code + message); `httpStatus` maps it for HTTP.
 */
import { ResultCode } from '../engine/codes.ts';
import { EVT_SYMBOL } from '../engine/event-slot.ts';
import { formatUnits, formatUnitsBig } from '../engine/decimal.ts';
import type { EngineSpec } from '../engine/config.ts';
import type { AccountViews, FillRecord, OrderRecord } from '../feeds/accounts.ts';
import { CANDLE_INTERVALS } from '../feeds/candles.ts';
import type { CandleInterval, CandleMessage, Candles, TickerMessage } from '../feeds/candles.ts';
import { GatewayCode, ProtocolError, SIDE_NAMES, errorName, makerReportFromEvent, reportFromEvent } from './protocol.ts';
import type { ExecutionReport, SymbolTable } from './protocol.ts';
import type { RejectContext } from './reject-text.ts';

/** GET /v1/fills page size: default and most. */
export const FILLS_LIMIT_DEFAULT = 100;
export const FILLS_LIMIT_MAX = 1_000;
/** GET /v1/candles: default and most candles per answer; candles in a subscription's snapshot. */
export const CANDLES_LIMIT_DEFAULT = 500;
export const CANDLES_LIMIT_MAX = 1_000;
export const CANDLES_SNAPSHOT = 100;

/** An order as the views show it: its last execution report, and what is known of the order itself. */
export type OrderJson = ExecutionReport & { open: boolean; createdTs: number; restored?: boolean };

/** Parameters as they come (HTTP query strings or WebSocket JSON values). */
export type Params = Record<string, unknown>;

export class Views {
  constructor(
    private readonly spec: EngineSpec,
    private readonly table: SymbolTable,
    readonly accounts: AccountViews,
    readonly candles: Candles,
    private readonly rejectContext: RejectContext,
  ) {}

  /** An order: the last report (the maker's side when it last traded as maker) plus its order-type fields and state. */
  orderJson(rec: OrderRecord): OrderJson {
    const sym = this.spec.symbols[rec.last[EVT_SYMBOL]];
    const r = rec.lastIsMaker ? makerReportFromEvent(rec.last, 0, sym) : reportFromEvent(rec.last, 0, sym, undefined, undefined, this.rejectContext);
    // A trade report carries no order-type fields (engine/event-slot.ts): the order's are added.
    if (sym) {
      if (r.stopPrice === undefined && rec.stopPrice !== 0) r.stopPrice = formatUnits(rec.stopPrice, sym.tick);
      if (r.displayQuantity === undefined && rec.displayQty !== 0) r.displayQuantity = formatUnits(rec.displayQty, sym.lot);
    }
    if (r.expireTime === undefined && rec.expireTime !== 0) r.expireTime = rec.expireTime;
    if (r.ocoGroupId === undefined && rec.ocoGroupId !== 0) r.ocoGroupId = String(rec.ocoGroupId);
    if (r.ocoOrderId === undefined && rec.ocoOrderId !== 0) r.ocoOrderId = String(rec.ocoOrderId);
    const o: OrderJson = { ...r, open: rec.open, createdTs: rec.createdTs };
    if (rec.restored) o.restored = true;
    return o;
  }

  /** The order's original outcome: its report as the command that created it left it (idempotent retries get this). */
  firstOutcome(rec: OrderRecord): ExecutionReport {
    return reportFromEvent(rec.first, 0, this.spec.symbols[rec.first[EVT_SYMBOL]], undefined, undefined, this.rejectContext);
  }

  fillJson(f: FillRecord): Record<string, unknown> {
    const sym = this.spec.symbols[f.symbol];
    return {
      tradeId: String(f.tradeId), orderId: String(f.orderId), clientOrderId: f.clientOrderId, symbol: sym.name, side: SIDE_NAMES[f.side],
      price: formatUnits(f.price, sym.tick), quantity: formatUnits(f.quantity, sym.lot), liquidity: f.liquidity, ts: f.ts,
    };
  }

  // ---------------------------------------------------------------- queries (account = the caller's)

  /** Open orders (default), the recently closed ones, or both; optionally of one symbol. */
  orders(account: number, p: Params): { orders: OrderJson[] } {
    const symbol = this.optionalSymbol(p.symbol);
    const status = p.status === undefined || p.status === '' ? 'open' : p.status;
    if (status !== 'open' && status !== 'closed' && status !== 'all') throw new ProtocolError(GatewayCode.BAD_FIELD, '"status" must be open, closed or all');
    const recs = [
      ...(status === 'closed' ? [] : this.accounts.openOrders(account, symbol)),
      ...(status === 'open' ? [] : this.accounts.closedOrders(account, symbol)),
    ];
    return { orders: recs.map((r) => this.orderJson(r)) };
  }

  /** One order by orderId (a positive integer) or clientOrderId; NOT_FOUND for unknown, out of the window, or another account's. */
  order(account: number, p: Params): OrderJson {
    let rec: OrderRecord | null;
    if (p.orderId !== undefined) rec = this.accounts.order(account, orderIdParam(p.orderId));
    else if (typeof p.clientOrderId === 'string' && p.clientOrderId.length > 0) rec = this.accounts.orderByClientId(account, p.clientOrderId);
    else throw new ProtocolError(GatewayCode.MISSING_FIELD, 'give "orderId" or "clientOrderId"');
    if (!rec) throw new ProtocolError(GatewayCode.NOT_FOUND, `no such order of this account (open, or closed among the last ${this.closedWindow} of this account)`);
    return this.orderJson(rec);
  }

  /** Fills, oldest first, `after` a trade id (exclusive), at most `limit`; `next` is the cursor for the following page. */
  fills(account: number, p: Params): { fills: Array<Record<string, unknown>>; next: string | null } {
    const symbol = this.optionalSymbol(p.symbol);
    const limit = intParam(p.limit, 'limit', FILLS_LIMIT_DEFAULT, 1, FILLS_LIMIT_MAX);
    const after = p.after === undefined || p.after === '' ? undefined : orderIdParam(p.after, 'after');
    const page = this.accounts.fills(account, { symbol, after, limit });
    return { fills: page.fills.map((f) => this.fillJson(f)), next: page.next === null ? null : String(page.next) };
  }

  account(account: number): Record<string, unknown> {
    const spec = this.spec;
    const a = spec.accounts[account];
    const rec = this.accounts.account(account);
    const unit = spec.notionalUnit;
    return {
      account: a.name,
      creditLimit: formatUnitsBig(a.creditLimit, unit),
      creditInUse: formatUnitsBig(rec.creditInUse, unit),
      creditAvailable: formatUnitsBig(a.creditLimit - rec.creditInUse, unit),
      openOrders: rec.openOrders,
      maxOpenOrders: a.maxOpenOrders,
      positions: rec.positions.map((x) => {
        const sym = spec.symbols[x.symbol];
        return {
          symbol: sym.name, position: formatUnits(x.position, sym.lot), openBuyQuantity: formatUnits(x.openBuy, sym.lot),
          openSellQuantity: formatUnits(x.openSell, sym.lot), maxPosition: formatUnits(a.maxPosition[x.symbol], sym.lot),
        };
      }),
    };
  }

  /** Kept candles of a symbol (public; over HTTP a candle is the channel's message without type, symbol and interval). */
  candleList(symbolName: string, p: Params): { symbol: string; interval: CandleInterval; candles: Array<Omit<CandleMessage, 'type' | 'symbol' | 'interval'>> } {
    const s = this.symbol(symbolName);
    const interval = intervalParam(p.interval);
    const limit = intParam(p.limit, 'limit', CANDLES_LIMIT_DEFAULT, 1, CANDLES_LIMIT_MAX);
    const start = p.start === undefined || p.start === '' ? undefined : intParam(p.start, 'start', 0, 0, Number.MAX_SAFE_INTEGER);
    const end = p.end === undefined || p.end === '' ? undefined : intParam(p.end, 'end', 0, 0, Number.MAX_SAFE_INTEGER);
    if (start !== undefined && end !== undefined && end < start) throw new ProtocolError(GatewayCode.BAD_FIELD, '"end" is before "start"');
    // The default page (the newest candles) is what most ask for: kept until the symbol trades again.
    const plain = start === undefined && end === undefined && limit === CANDLES_LIMIT_DEFAULT;
    const key = `${s.id}.${interval}`;
    const version = this.candles.tickerVersion(s.id);
    const hit = plain ? this.candleCache.get(key) : undefined;
    if (hit && hit.version === version) return hit.answer;
    const candles = this.candles.candles(s.id, interval, { start, end, limit }).map(({ type: _t, symbol: _s, interval: _i, ...c }) => c);
    const answer = { symbol: s.name, interval, candles };
    if (plain) this.candleCache.set(key, { version, answer });
    return answer;
  }

  /** The rolling 24 h ticker (over HTTP without the channel's `type`). */
  ticker(symbolName: string, nowMs = Date.now()): Omit<TickerMessage, 'type'> {
    const { type: _t, ...t } = this.tickerMessage(this.symbol(symbolName).id, nowMs);
    return t;
  }

  /** Tickers computed, per symbol: reused while the symbol has not traded and the minute is the same. */
  private readonly tickerCache: Array<{ version: number; minute: number; message: TickerMessage } | undefined> = [];

  /**
   * The ticker message of symbol `s` (the channel's, with `type`). Computing one walks up to 1,440
   * minute candles: it is done at most once per symbol per trade or minute, whoever asks (public
   * requests, subscriptions, the once-a-second publisher) — its `ts` is when it was computed.
   */
  tickerMessage(s: number, nowMs = Date.now()): TickerMessage {
    const version = this.candles.tickerVersion(s);
    const minute = Math.floor(nowMs / 60_000);
    const hit = this.tickerCache[s];
    if (hit && hit.version === version && hit.minute === minute) return hit.message;
    const message = this.candles.ticker(s, nowMs);
    this.tickerCache[s] = { version, minute, message };
    return message;
  }

  tickers(nowMs = Date.now()): { tickers: Array<Omit<TickerMessage, 'type'>> } {
    return { tickers: this.spec.symbols.map((s) => this.ticker(s.name, nowMs)) };
  }

  private readonly candleCache = new Map<string, { version: number; answer: ReturnType<Views['candleList']> }>();

  /** Recently closed orders kept per account (the window of GET /v1/orders/{id} and idempotent retries). */
  closedWindow = 0;

  /** A symbol by name, or RISK_UNKNOWN_SYMBOL. */
  symbolOf(name: unknown): { id: number; name: string } {
    return this.symbol(name);
  }

  private symbol(name: unknown): { id: number; name: string } {
    const s = typeof name === 'string' ? this.table.bySymbol.get(name) : undefined;
    if (!s) throw new ProtocolError(ResultCode.RISK_UNKNOWN_SYMBOL, `unknown symbol ${JSON.stringify(String(name).slice(0, 40))} (GET /v1/symbols lists them)`);
    return s;
  }

  private optionalSymbol(name: unknown): number | undefined {
    return name === undefined || name === '' ? undefined : this.symbol(name).id;
  }
}

/** An id parameter: a positive integer as a string or number. */
export function orderIdParam(v: unknown, field = 'orderId'): number {
  const s = typeof v === 'number' ? String(v) : v;
  if (typeof s !== 'string' || !/^[1-9]\d{0,15}$/.test(s) || Number(s) > Number.MAX_SAFE_INTEGER) {
    throw new ProtocolError(GatewayCode.BAD_FIELD, `"${field}" must be a positive integer`);
  }
  return Number(s);
}

function intParam(v: unknown, field: string, dflt: number, min: number, max: number): number {
  if (v === undefined || v === '') return dflt;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ProtocolError(GatewayCode.BAD_FIELD, `"${field}" must be a whole number from ${min} to ${max}`);
  return n;
}

export function intervalParam(v: unknown): CandleInterval {
  if (v === undefined || v === '') return '1m';
  if (typeof v !== 'string' || !(CANDLE_INTERVALS as readonly string[]).includes(v)) throw new ProtocolError(GatewayCode.BAD_FIELD, `"interval" must be one of ${CANDLE_INTERVALS.join(', ')}`);
  return v as CandleInterval;
}

/** An HTTP error body: the stable code, its name and what to do. */
export function errorBody(code: number, message: string): { code: number; name: string; message: string } {
  return { code, name: errorName(code), message };
}

/** The HTTP status for a refused view request. */
export function httpStatus(code: number): string {
  if (code === GatewayCode.NOT_FOUND || code === ResultCode.RISK_UNKNOWN_SYMBOL) return '404 Not Found';
  if (code === GatewayCode.NOT_AUTHENTICATED || code === GatewayCode.AUTH_FAILED) return '401 Unauthorized';
  if (code === GatewayCode.RATE_LIMITED) return '429 Too Many Requests';
  if (code === GatewayCode.IDEMPOTENCY_CONFLICT) return '409 Conflict';
  if (code === GatewayCode.FRAME_TOO_LARGE) return '413 Payload Too Large';
  if (code === GatewayCode.UNSUPPORTED_MEDIA_TYPE) return '415 Unsupported Media Type';
  if (code === GatewayCode.ENGINE_BUSY || code === GatewayCode.SHARD_RECOVERING || code === GatewayCode.SHARD_FAILED || code === GatewayCode.JOURNAL_UNAVAILABLE) return '503 Service Unavailable';
  if (code === GatewayCode.INTERNAL_ERROR) return '500 Internal Server Error';
  return '400 Bad Request';
}

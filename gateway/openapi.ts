/**
 * The gateway's HTTP contract as an OpenAPI 3.1 document: every HTTP endpoint, its parameters,
 * its answers — success and error bodies — and the WebSocket upgrade at /ws (whose messages are
 * described in docs/protocol.md). Served by GET /openapi.json; docs/openapi.json is the committed
 * copy (`npm run openapi` writes it, test/openapi.test.ts checks it is current, that the document
 * is valid OpenAPI 3.1, that it lists exactly the routes the gateway registers, and that real
 * responses match it — test/openapi-check.ts).
 *
 * Shapes are defined once in `components` (schemas, responses, parameters) and referenced. Schemas
 * are JSON Schema 2020-12 (OpenAPI 3.1's dialect). They are open — fields may be added, never
 * renamed (docs/protocol.md) — but the test checks real responses with every object closed, so a
 * field the server sends and this document does not describe fails it. Enum values come from the
 * protocol's own tables (gateway/protocol.ts), so the two cannot drift.
 */
import { ResultCode } from '../engine/codes.ts';
import { EXEC_TYPES, GatewayCode, ORDER_TYPES, REASON_NAMES, SIDES, STATUS_NAMES, STPS, TIFS } from './protocol.ts';

/** A JSON value as it appears in the document (plain objects, arrays, strings, numbers, booleans). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The document's top-level shape (enough for code that walks it; every value is plain JSON). */
export interface OpenApiDocument extends JsonObject {
  openapi: string;
  info: JsonObject;
  paths: { [path: string]: { [method: string]: JsonObject } };
  components: { schemas: { [name: string]: JsonObject }; responses: { [name: string]: JsonObject }; parameters: { [name: string]: JsonObject }; securitySchemes: { [name: string]: JsonObject } };
}

/** The API's version: package.json's (test/openapi.test.ts checks they agree). */
export const API_VERSION = '0.1.0';

// ------------------------------------------------------------------------------------------ helpers

const schemaRef = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: string): JsonObject => ({ $ref: `#/components/responses/${name}` });
const paramRef = (name: string): JsonObject => ({ $ref: `#/components/parameters/${name}` });
const json = (description: string, schema: JsonObject): JsonObject => ({ description, content: { 'application/json': { schema } } });
const obj = (properties: { [name: string]: JsonObject }, required: string[], description?: string): JsonObject => ({
  type: 'object', ...(description ? { description } : {}), required, properties,
});
const str = (description: string, extra: JsonObject = {}): JsonObject => ({ type: 'string', description, ...extra });
const int = (description: string, extra: JsonObject = {}): JsonObject => ({ type: 'integer', description, ...extra });
const arrayOf = (items: JsonObject, description?: string): JsonObject => ({ type: 'array', ...(description ? { description } : {}), items });
const nullable = (schema: JsonObject): JsonObject => ({ anyOf: [schema, { type: 'null' }] });
const enumOf = (values: string[], description: string): JsonObject => ({ type: 'string', description, enum: values });
const names = (table: Record<string, number>): string[] => Object.keys(table);

/** Security requirements. */
const ADMIN: JsonValue[] = [{ adminKey: [] }, { adminBearer: [] }];
const ACCOUNT: JsonValue[] = [{ apiKey: [] }];

// ------------------------------------------------------------------------------------------ schemas

const DECIMAL = '^[0-9]+(\\.[0-9]+)?$';
const SIGNED_DECIMAL = '^-?[0-9]+(\\.[0-9]+)?$';
const CLIENT_ORDER_ID = '^[!-~]{1,32}$';

const schemas: { [name: string]: JsonObject } = {
  // Errors
  Error: obj({
    code: int('A stable result code (docs/protocol.md: gateway codes ≤ −10000, risk −2xxx, matching −3xxx).', { examples: [GatewayCode.BAD_FIELD] }),
    name: str('The code\'s stable name, e.g. BAD_FIELD (sent by the newer endpoints).', { examples: ['BAD_FIELD'] }),
    message: str('What went wrong and how to fix it, in words (for people: match on `code`).'),
  }, ['code', 'message'], 'An error answer.'),
  ApiError: {
    description: 'An error answer of the account and order endpoints: always with the code\'s name.',
    allOf: [schemaRef('Error'), { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } }],
  },
  MessageError: obj({ message: str('What went wrong.') }, ['message'],
    'The older error answer with a message only: the catch-all 404, the control plane\'s answers (fault injection, snapshots) and a failed control-plane request (500).'),

  // Values
  Decimal: str('An exact non-negative decimal on the symbol\'s grid (tick size for prices, lot size for quantities); never rounded, never in exponent form.', { pattern: DECIMAL, examples: ['50000.5', '0.0002'] }),
  SignedDecimal: str('An exact decimal that may be negative.', { pattern: SIGNED_DECIMAL, examples: ['-12.5'] }),
  ReportPrice: str('The order\'s price: a decimal; "" for market and stop (stop-market) orders, whose price is the engine\'s internal protection price; "0" on the refusal of a cancel or replace of an unknown order.', { pattern: '^([0-9]+(\\.[0-9]+)?)?$' }),
  OrderId: str('An order id assigned by the engine: a string of digits.', { pattern: '^[1-9][0-9]*$', examples: ['42'] }),
  ClientOrderId: str('A client order id: 1-32 printable ASCII characters without spaces.', { pattern: CLIENT_ORDER_ID, examples: ['my-order-1'] }),
  TradeId: str('A trade id: a string of digits.', { pattern: '^[0-9]+$', examples: ['256'] }),
  Side: enumOf(names(SIDES), 'Order side.'),
  OrderType: enumOf(names(ORDER_TYPES), 'Order type (docs/order-types.md): limit (default), market, stop (stop-market), stop_limit.'),
  TimeInForce: enumOf(names(TIFS), 'Time in force: GTC (default; IOC for market orders), IOC, FOK, GTD (with expireTime). DAY is not supported.'),
  Stp: enumOf(names(STPS), 'Self-trade prevention mode.'),
  Liquidity: enumOf(['maker', 'taker'], 'Whether the order rested (maker) or took liquidity (taker) in this trade.'),
  MicrosTimestamp: int('Microseconds since the Unix epoch (UTC).', { minimum: 0, examples: [1796040836603408] }),

  // Orders and execution reports
  ExecutionReport: obj({
    type: { const: 'execution_report' },
    execType: enumOf(Object.values(EXEC_TYPES), 'What happened to the order.'),
    orderId: str('The order\'s id (digits); "" on the refusal of a new order, which got none.', { pattern: '^[0-9]*$' }),
    clientOrderId: str('The order\'s client order id (after a replace naming a new one: the new one); "" on the refusal of a cancel or replace of an unknown order given by orderId.', { maxLength: 32 }),
    origClientOrderId: str('replaced: the client order id before; a refused replace naming a new id: the order\'s id.'),
    ocoClientOrderId: str('A refused new_oco: the stop leg\'s clientOrderId (the report describes the limit leg).'),
    symbol: str('The symbol.'),
    side: enumOf([...names(SIDES), ''], 'Order side; "" on the refusal of a cancel or replace of an unknown order.'),
    orderType: enumOf([...names(ORDER_TYPES), ''], 'Order type; "" on the refusal of a cancel or replace of an unknown order.'),
    timeInForce: enumOf([...names(TIFS), ''], 'Time in force; "" on the refusal of a cancel or replace of an unknown order.'),
    price: schemaRef('ReportPrice'),
    quantity: { $ref: '#/components/schemas/Decimal', description: 'The order\'s total quantity.' },
    orderStatus: enumOf(STATUS_NAMES.filter((s) => s !== ''), 'The order\'s status after this event.'),
    lastPrice: { $ref: '#/components/schemas/Decimal', description: 'trade: the price of this trade.' },
    lastQuantity: { $ref: '#/components/schemas/Decimal', description: 'trade: the quantity of this trade.' },
    cumQuantity: { $ref: '#/components/schemas/Decimal', description: 'Filled so far.' },
    leavesQuantity: { $ref: '#/components/schemas/Decimal', description: 'Still open ("0" once the order is done).' },
    canceledQuantity: { $ref: '#/components/schemas/Decimal', description: 'canceled / expired: the quantity canceled.' },
    tradeId: schemaRef('TradeId'),
    liquidity: schemaRef('Liquidity'),
    rejectReason: str('rejected: the stable name of the refusal\'s code.', { examples: ['RISK_PRICE_BAND'] }),
    rejectCode: int('rejected: the refusal\'s code.', { examples: [-2006] }),
    rejectText: str('rejected, for the risk refusals: what was wrong and what is allowed, in plain words (for display; match on the code).'),
    reason: enumOf(Object.values(REASON_NAMES), 'canceled / expired / replaced: why.'),
    stopPrice: { $ref: '#/components/schemas/Decimal', description: 'stop / stop_limit: the trigger price (only when set; never on trade reports).' },
    displayQuantity: { $ref: '#/components/schemas/Decimal', description: 'An iceberg\'s shown part (only when set; never on trade reports).' },
    expireTime: int('GTD: ms since the Unix epoch, UTC (only when set; never on trade reports).', { minimum: 1 }),
    ocoGroupId: { $ref: '#/components/schemas/OrderId', description: 'One-cancels-other: the group id (the limit leg\'s orderId).' },
    ocoOrderId: { $ref: '#/components/schemas/OrderId', description: 'One-cancels-other: the other leg\'s orderId.' },
    seq: int('The shard\'s event sequence.'),
    ts: schemaRef('MicrosTimestamp'),
    id: { description: 'WebSocket only: the request id echoed on the requesting connection.', anyOf: [{ type: 'string', maxLength: 64 }, { type: 'integer' }] },
  }, ['type', 'execType', 'orderId', 'clientOrderId', 'symbol', 'side', 'orderType', 'timeInForce', 'price', 'quantity', 'orderStatus', 'cumQuantity', 'leavesQuantity', 'seq', 'ts'],
  'An execution report, as sent over the WebSocket (docs/protocol.md "Server → client"). Decimal values are strings.'),
  Order: {
    description: 'An order of the account: its latest execution report plus whether it is open and when it was created.',
    allOf: [schemaRef('ExecutionReport'), obj({
      open: { type: 'boolean', description: 'Whether the order is still open (resting, or a stop waiting for its trigger).' },
      createdTs: { $ref: '#/components/schemas/MicrosTimestamp', description: 'When the engine accepted the order (µs since the Unix epoch).' },
      restored: { type: 'boolean', description: 'True when the order was rebuilt from the journal or a snapshot at start (its earlier reports are not known to this process).' },
    }, ['open', 'createdTs'])],
  },
  OrderList: obj({ orders: arrayOf(schemaRef('Order')) }, ['orders']),
  OrderResult: obj({
    report: { $ref: '#/components/schemas/ExecutionReport', description: 'The engine\'s answer to the request: new / canceled / replaced, or rejected.' },
    reports: arrayOf(schemaRef('ExecutionReport'), 'Every report the request caused, in order (trades, the remainder\'s cancel, …), the answer included.'),
    idempotentReplay: { type: 'boolean', description: 'True when this is the stored answer to an earlier request with the same Idempotency-Key.' },
  }, ['report', 'reports', 'idempotentReplay']),
  NewOrderRequest: obj({
    symbol: str('The symbol (GET /v1/symbols).'),
    side: schemaRef('Side'),
    orderType: schemaRef('OrderType'),
    timeInForce: schemaRef('TimeInForce'),
    price: { $ref: '#/components/schemas/Decimal', description: 'limit and stop_limit only.' },
    quantity: schemaRef('Decimal'),
    clientOrderId: { $ref: '#/components/schemas/ClientOrderId', description: 'Unique among the account\'s live orders. Required unless the Idempotency-Key header is given (it becomes the clientOrderId; when both are given they must be equal).' },
    stp: schemaRef('Stp'),
    postOnly: { type: 'boolean', description: 'Refuse the order rather than let it take liquidity.' },
    stopPrice: { $ref: '#/components/schemas/Decimal', description: 'stop and stop_limit: the trigger price.' },
    displayQuantity: { $ref: '#/components/schemas/Decimal', description: 'Iceberg: the shown part.' },
    expireTime: { description: 'GTD: ms since the Unix epoch (UTC), a number or a string of digits.', anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[1-9][0-9]{0,15}$' }] },
  }, ['symbol', 'side', 'quantity'], 'A new order: the WebSocket new_order without "type" (docs/protocol.md).'),
  ReplaceRequest: {
    ...obj({
      price: schemaRef('Decimal'),
      quantity: { $ref: '#/components/schemas/Decimal', description: 'The new total quantity.' },
      newClientOrderId: schemaRef('ClientOrderId'),
      stopPrice: { $ref: '#/components/schemas/Decimal', description: 'A stop or stop_limit still waiting for its trigger: the new trigger price.' },
    }, [], 'Cancel/replace: any of price, quantity, newClientOrderId, stopPrice (engine rules in docs/engine.md).'),
    minProperties: 1,
  },
  CancelAllResult: obj({ canceled: int('How many orders were canceled.', { minimum: 0 }) }, ['canceled']),
  Fill: obj({
    tradeId: schemaRef('TradeId'),
    orderId: schemaRef('OrderId'),
    clientOrderId: str('The order\'s client order id at the trade.'),
    symbol: str('The symbol.'),
    side: schemaRef('Side'),
    price: schemaRef('Decimal'),
    quantity: schemaRef('Decimal'),
    liquidity: schemaRef('Liquidity'),
    ts: schemaRef('MicrosTimestamp'),
  }, ['tradeId', 'orderId', 'clientOrderId', 'symbol', 'side', 'price', 'quantity', 'liquidity', 'ts'], 'One trade of one of the account\'s orders.'),
  FillPage: obj({
    fills: arrayOf(schemaRef('Fill')),
    next: { description: 'The tradeId to pass as `after` for the next page; null when there is none.', anyOf: [schemaRef('TradeId'), { type: 'null' }] },
  }, ['fills', 'next']),
  Position: obj({
    symbol: str('The symbol.'),
    position: { $ref: '#/components/schemas/SignedDecimal', description: 'Net position (negative: short).' },
    openBuyQuantity: schemaRef('Decimal'),
    openSellQuantity: schemaRef('Decimal'),
    maxPosition: schemaRef('Decimal'),
  }, ['symbol', 'position', 'openBuyQuantity', 'openSellQuantity', 'maxPosition']),
  Account: obj({
    account: str('The account\'s id.'),
    creditLimit: schemaRef('Decimal'),
    creditInUse: schemaRef('Decimal'),
    creditAvailable: schemaRef('SignedDecimal'),
    openOrders: int('Open orders now.', { minimum: 0 }),
    maxOpenOrders: int('Most open orders allowed.', { minimum: 0 }),
    positions: arrayOf(schemaRef('Position')),
  }, ['account', 'creditLimit', 'creditInUse', 'creditAvailable', 'openOrders', 'maxOpenOrders', 'positions'], 'The account\'s risk state: credit, open orders, positions.'),

  // Market data
  SymbolInfo: obj({
    symbol: str('The symbol.'),
    tickSize: schemaRef('Decimal'),
    lotSize: schemaRef('Decimal'),
    shard: int('The matching shard that holds its book.', { minimum: 0 }),
    referencePrice: { $ref: '#/components/schemas/Decimal', description: 'The price band\'s centre before the first trade.' },
    priceBandPct: { $ref: '#/components/schemas/Decimal', description: 'The price band, ± percent around the last trade (or the reference price).' },
    maxOrderQty: schemaRef('Decimal'),
  }, ['symbol', 'tickSize', 'lotSize', 'shard', 'referencePrice', 'priceBandPct', 'maxOrderQty']),
  SymbolList: arrayOf(schemaRef('SymbolInfo'), 'Every symbol.'),
  BookLevel: { type: 'array', description: 'A price level: [price, quantity].', prefixItems: [schemaRef('Decimal'), schemaRef('Decimal')], items: false, minItems: 2 },
  BookSnapshot: obj({
    type: { const: 'book_snapshot' },
    symbol: str('The symbol.'),
    seq: int('The book\'s market-data sequence (the same as book_update\'s on the WebSocket).', { minimum: 0 }),
    bids: arrayOf(schemaRef('BookLevel'), 'Best (highest) first.'),
    asks: arrayOf(schemaRef('BookLevel'), 'Best (lowest) first.'),
  }, ['type', 'symbol', 'seq', 'bids', 'asks'], 'The L2 book as published (iceberg orders show their displayed part).'),
  Candle: obj({
    start: int('The interval\'s start, ms since the Unix epoch (UTC).', { minimum: 0 }),
    open: schemaRef('Decimal'),
    high: schemaRef('Decimal'),
    low: schemaRef('Decimal'),
    close: schemaRef('Decimal'),
    volume: { $ref: '#/components/schemas/Decimal', description: 'Base quantity traded.' },
    quoteVolume: { $ref: '#/components/schemas/Decimal', description: 'Quote amount traded (Σ price × quantity).' },
    trades: int('Trades in the interval.', { minimum: 0 }),
  }, ['start', 'open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades'], 'OHLCV of one interval.'),
  CandleSeries: obj({
    symbol: str('The symbol.'),
    interval: schemaRef('CandleInterval'),
    candles: arrayOf(schemaRef('Candle'), 'Oldest first.'),
  }, ['symbol', 'interval', 'candles']),
  CandleInterval: enumOf(['1s', '1m', '5m', '15m', '1h', '1d'], 'Candle interval.'),
  Ticker: obj({
    symbol: str('The symbol.'),
    windowStart: int('The rolling window\'s start, ms since the Unix epoch (UTC).', { minimum: 0 }),
    ts: int('When these figures were taken, ms since the Unix epoch (UTC).', { minimum: 0 }),
    last: nullable(schemaRef('Decimal')),
    open: nullable(schemaRef('Decimal')),
    high: nullable(schemaRef('Decimal')),
    low: nullable(schemaRef('Decimal')),
    vwap: nullable(schemaRef('Decimal')),
    change: nullable(schemaRef('SignedDecimal')),
    changePercent: nullable(schemaRef('SignedDecimal')),
    volume: schemaRef('Decimal'),
    quoteVolume: schemaRef('Decimal'),
    trades: int('Trades in the window.', { minimum: 0 }),
  }, ['symbol', 'windowStart', 'ts', 'last', 'open', 'high', 'low', 'vwap', 'change', 'changePercent', 'volume', 'quoteVolume', 'trades'],
  'Rolling-window statistics of a symbol; the prices are null while the window has no trade.'),
  TickerList: obj({ tickers: arrayOf(schemaRef('Ticker')) }, ['tickers']),

  // Health
  Health: obj({
    status: enumOf(['ok', 'degraded'], 'ok: the process serves and can take orders.'),
    reason: str('degraded: why (durable ack mode and the journal cannot write).'),
  }, ['status']),
  AgentStats: obj({
    name: str('The thread: R (risk stage), M<k> (matching shard k).'),
    state: enumOf(['starting', 'running', 'stopped', 'failed'], 'The thread\'s state.'),
    heartbeat: int('Heartbeat counter.'),
    commands: int('Commands taken.'),
    events: int('Events written.'),
    processed: int('Commands processed.'),
    waits: int('Times it parked or waited for input.'),
  }, ['name', 'state', 'heartbeat', 'commands', 'events', 'processed', 'waits']),
  AgentHealth: obj({
    agent: str('The thread: R, M<k>, J.'),
    phase: enumOf(['running', 'waiting', 'recovering', 'backoff', 'failed'], 'The supervisor\'s view.'),
    restarts: int('Successful restarts since start.', { minimum: 0 }),
    failedAttempts: int('Failed restart attempts in a row.', { minimum: 0 }),
    lastError: nullable({ type: 'string' }),
    lastRecoveryMs: nullable({ type: 'number', description: 'Wall time of the last recovery (death → running), ms.' }),
    downSince: nullable({ type: 'integer', description: 'While down: since when, ms since the Unix epoch.' }),
    waitingFor: nullable({ type: 'string', description: 'While waiting: what the restart waits for.' }),
  }, ['agent', 'phase', 'restarts', 'failedAttempts', 'lastError', 'lastRecoveryMs', 'downSince', 'waitingFor']),
  RingLag: obj({
    shard: int('The shard (event ring).', { minimum: 0 }),
    eventLag: int('Events the slowest gateway thread has not read yet.'),
    riskLag: int('Events the risk stage has not applied yet.'),
    gatewayLags: { type: 'object', description: 'With several gateway threads: the lag of each, by consumer index.', additionalProperties: { type: 'integer' } },
    durableSeq: int('With the journal: the shard\'s last event sequence the journal has fsynced.', { minimum: 0 }),
  }, ['shard', 'eventLag', 'riskLag']),
  ShardProbeReport: obj({
    shard: int('The shard.', { minimum: 0 }),
    symbol: str('The symbol the probes use.'),
    state: enumOf(['pending', 'ok', 'failing'], 'pending: none finished yet; ok: the last one succeeded; failing: the last one failed.'),
    latencyUs: nullable({ type: 'number', description: 'The last successful probe: order sent → both reports back, µs.' }),
    ageMs: nullable({ type: 'number', description: 'Since the last successful probe finished, ms.' }),
    lastOkAt: nullable({ type: 'string', format: 'date-time' }),
    lastOkSentAt: nullable({ type: 'string', format: 'date-time' }),
    lastError: nullable({ type: 'string' }),
    probes: int('Probes finished.', { minimum: 0 }),
    failures: int('Of which failed.', { minimum: 0 }),
  }, ['shard', 'symbol', 'state', 'latencyUs', 'ageMs', 'lastOkAt', 'lastOkSentAt', 'lastError', 'probes', 'failures']),
  SyntheticReport: obj({
    enabled: { type: 'boolean', description: 'False when probes are off (probe.intervalMs 0).' },
    intervalMs: int('Between probes.', { minimum: 0 }),
    timeoutMs: int('A probe not confirmed within this fails.', { minimum: 0 }),
    ok: { type: 'boolean', description: 'False when a shard\'s probe fails or none succeeded for too long (stale).' },
    problems: arrayOf({ type: 'string' }, 'Why not ok, one line per shard.'),
    shards: arrayOf(schemaRef('ShardProbeReport')),
  }, ['enabled', 'ok', 'problems', 'shards'], 'The last synthetic probe per shard (gateway/probe.ts).'),
  CircuitTransition: obj({
    from: enumOf(['closed', 'open', 'half-open'], 'State before.'),
    to: enumOf(['closed', 'open', 'half-open'], 'State after.'),
    at: int('When, ms since the Unix epoch.'),
    reason: str('Why.'),
  }, ['from', 'to', 'at', 'reason']),
  KafkaStatus: obj({
    state: enumOf(['off', 'starting', 'restarting', 'stopped', 'running', 'backing-off', 'open', 'half-open'], 'The Kafka shipping thread\'s state.'),
    shipped: arrayOf({ type: 'integer' }, 'Per shard: the last sequence shipped.'),
    lag: arrayOf({ type: 'integer' }, 'Per shard: durable events not shipped yet.'),
    failures: int('Failed sends.', { minimum: 0 }),
    lastError: nullable({ type: 'string' }),
    restarts: int('Restarts of the shipping thread.', { minimum: 0 }),
    circuit: obj({
      state: enumOf(['closed', 'open', 'half-open'], 'The circuit breaker\'s state.'),
      failures: int('Consecutive failures.', { minimum: 0 }),
      opened: int('Transitions to open.', { minimum: 0 }),
      halfOpened: int('Transitions to half-open.', { minimum: 0 }),
      closed: int('Transitions to closed.', { minimum: 0 }),
      last: nullable(schemaRef('CircuitTransition')),
    }, ['state', 'failures', 'opened', 'halfOpened', 'closed', 'last']),
  }, ['state']),
  ThreadRuntime: obj({
    code: enumOf(['js', 'ts'], 'Compiled JavaScript or TypeScript source.'),
    tsLoader: { type: 'boolean', description: 'Whether a TypeScript loader is active.' },
  }, ['code', 'tsLoader']),
  HealthDeep: obj({
    status: enumOf(['ok', 'degraded'], 'ok, or degraded (the answer is then 503).'),
    problems: arrayOf({ type: 'string' }, 'Failing or stale synthetic probes, when that is why it is degraded.'),
    agents: arrayOf(schemaRef('AgentStats'), 'Engine threads.'),
    supervisor: arrayOf(schemaRef('AgentHealth'), 'The supervisor\'s view of each supervised thread.'),
    rings: arrayOf(schemaRef('RingLag'), 'Event-ring lags per shard.'),
    gatewayThreads: int('Gateway threads serving WebSocket and HTTP.', { minimum: 1 }),
    synthetic: { description: 'As GET /health/synthetic; `{ "enabled": false }` when probes are off.', anyOf: [schemaRef('SyntheticReport'), obj({ enabled: { const: false } }, ['enabled'])] },
    failures: arrayOf(obj({
      agent: str('The thread.'), error: str('Its error.'), at: str('When.', { format: 'date-time' }),
    }, ['agent', 'error', 'at']), 'The last worker failures (history: recovered ones included).'),
    journal: enumOf(['off', 'starting', 'running', 'blocked', 'stopped', 'failed'], 'The journal thread\'s state.'),
    journalError: str('Why the journal cannot write (while blocked).'),
    ackMode: enumOf(['fast', 'durable'], 'The ack mode.'),
    kafka: schemaRef('KafkaStatus'),
    runtime: { type: 'object', description: 'Per thread (G = this gateway\'s main thread): compiled JS or TS.', additionalProperties: nullable(schemaRef('ThreadRuntime')) },
  }, ['status', 'agents', 'supervisor', 'rings', 'gatewayThreads', 'synthetic', 'failures', 'journal', 'ackMode', 'kafka', 'runtime'], 'Deep health (docs/protocol.md "HTTP").'),

  // Statistics and admin answers
  StageRow: obj({
    stage: enumOf(['decode', 'risk', 'match', 'event_out', 'report'], 'The stage.'),
    from: str('Where the stage starts.'),
    to: str('Where it ends.'),
    count: int('Samples.', { minimum: 0 }),
    p50: { type: 'number' }, p90: { type: 'number' }, p99: { type: 'number' }, p999: { type: 'number' }, p9999: { type: 'number' },
    max: { type: 'number' }, mean: { type: 'number' },
  }, ['stage', 'from', 'to', 'count', 'p50', 'p90', 'p99', 'p999', 'p9999', 'max', 'mean'], 'One stage\'s timings, µs.'),
  LiveStats: obj({
    ts: int('When the sample was taken, ms since the Unix epoch.', { minimum: 0 }),
    intervalMs: int('Since the previous sample, ms (0 for the first).', { minimum: 0 }),
    unit: { const: 'µs' },
    stages: arrayOf(obj({
      stage: enumOf(['decode', 'risk', 'match', 'event_out', 'report'], 'The stage (as GET /v1/stats/latency).'),
      count: int('Samples in the interval.', { minimum: 0 }),
      p50: nullable({ type: 'number' }), p99: nullable({ type: 'number' }), p999: nullable({ type: 'number' }),
    }, ['stage', 'count', 'p50', 'p99', 'p999']), 'In path order.'),
    counters: obj({
      messages: int('Client messages received, since start.'), orders: int('New orders (new_order, new_oco) sent to the engine.'), trades: int('Trades.'),
      rejects: int('Rejected commands.'), events: int('Engine events.'), connections: int('Open WebSocket connections now.'),
    }, ['messages', 'orders', 'trades', 'rejects', 'events', 'connections']),
    rates: obj({ messages: { type: 'number' }, orders: { type: 'number' }, trades: { type: 'number' }, rejects: { type: 'number' } }, ['messages', 'orders', 'trades', 'rejects'], 'Per second over the interval.'),
    faultInjection: { type: 'boolean', description: 'POST /v1/admin/fault/kill/{thread} is enabled.' },
  }, ['ts', 'intervalMs', 'unit', 'stages', 'counters', 'rates', 'faultInjection']),
  StageStats: obj({
    since: str('Since when (the last reset).', { format: 'date-time' }),
    unit: { const: 'µs' },
    stages: arrayOf(schemaRef('StageRow'), 'In path order.'),
  }, ['since', 'unit', 'stages']),
  StatsReset: obj({ reset: { const: true }, since: str('The new start.', { format: 'date-time' }) }, ['reset', 'since']),
  SnapshotResult: obj({
    path: str('The snapshot file written.'),
    seqs: arrayOf({ type: 'integer' }, 'Per shard: the sequence it holds up to.'),
    orders: int('Orders in it.', { minimum: 0 }),
    ms: { type: 'number', description: 'Build time, ms.' },
    retention: obj({
      snapshotsRemoved: int('Older snapshots removed.', { minimum: 0 }),
      segments: int('Journal segments archived or deleted.', { minimum: 0 }),
      action: enumOf(['archive', 'delete', 'keep'], 'What happens to journal segments no kept snapshot needs.'),
      journalStartsAt: arrayOf({ type: 'integer' }, 'Per shard: the first sequence the live journal starts at.'),
      damaged: arrayOf(obj({ file: str('The file.'), why: str('Why it is damaged.') }, ['file', 'why']), 'Damaged snapshots left in place (recovery skips them).'),
    }, ['snapshotsRemoved', 'segments', 'action', 'journalStartsAt', 'damaged']),
  }, ['path', 'seqs', 'orders', 'ms'], 'A snapshot written now.'),
  KillAccepted: obj({ killed: str('The thread killed (the supervisor brings it back).') }, ['killed']),
  SymbolAdminAction: obj({
    accepted: { const: true },
    action: enumOf(['halt', 'resume'], 'The action taken.'),
    symbol: str('The symbol.'),
  }, ['accepted', 'action', 'symbol']),
  AccountAdminAction: obj({
    accepted: { const: true },
    action: enumOf(['disable', 'enable'], 'The action taken.'),
    account: str('The account.'),
  }, ['accepted', 'action', 'account']),
};

// -------------------------------------------------------------------------------------- parameters

const parameters: { [name: string]: JsonObject } = {
  Symbol: { name: 'symbol', in: 'path', required: true, description: 'A symbol (GET /v1/symbols), percent-encoded.', schema: { type: 'string', examples: ['BTC-USD'] } },
  Account: { name: 'account', in: 'path', required: true, description: 'An account id.', schema: { type: 'string', examples: ['alice'] } },
  Thread: { name: 'thread', in: 'path', required: true, description: 'R (risk stage), M<k> (matching shard k), J (journal), K (Kafka), G<k> (gateway worker k ≥ 1: fatal, the process exits 70).', schema: { type: 'string', examples: ['M0'] } },
  OrderId: { name: 'orderId', in: 'path', required: true, description: 'The order\'s id.', schema: schemaRef('OrderId') },
  ClientOrderId: { name: 'clientOrderId', in: 'path', required: true, description: 'The order\'s client order id, percent-encoded.', schema: schemaRef('ClientOrderId') },
  Depth: { name: 'depth', in: 'query', required: false, description: 'Levels a side: 1 to 1,000 (400 beyond).', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
  SymbolFilter: { name: 'symbol', in: 'query', required: false, description: 'Only this symbol (default: every symbol).', schema: { type: 'string', examples: ['BTC-USD'] } },
  OrderStatusFilter: { name: 'status', in: 'query', required: false, description: 'open orders, closed ones (done recently; kept for a while), or all.', schema: { type: 'string', enum: ['open', 'closed', 'all'], default: 'open' } },
  FillsAfter: { name: 'after', in: 'query', required: false, description: 'Fills after this tradeId (the previous page\'s `next`).', schema: schemaRef('TradeId') },
  FillsLimit: { name: 'limit', in: 'query', required: false, description: 'Most fills in the answer.', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
  CandleInterval: { name: 'interval', in: 'query', required: false, description: 'Candle interval.', schema: { $ref: '#/components/schemas/CandleInterval', default: '1m' } },
  CandleStart: { name: 'start', in: 'query', required: false, description: 'Candles starting at or after this time, ms since the Unix epoch.', schema: { type: 'integer', minimum: 0 } },
  CandleEnd: { name: 'end', in: 'query', required: false, description: 'Candles starting before this time, ms since the Unix epoch.', schema: { type: 'integer', minimum: 0 } },
  CandleLimit: { name: 'limit', in: 'query', required: false, description: 'Most candles in the answer (the newest).', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 500 } },
  IdempotencyKey: {
    name: 'Idempotency-Key', in: 'header', required: false,
    description: 'Makes a retry safe: it becomes the order\'s clientOrderId (or must equal the body\'s). A retry with the same key and the same order answers the stored result (200, idempotentReplay true); the same key with a different order is a 409.',
    schema: { type: 'string', pattern: CLIENT_ORDER_ID },
  },
};

// --------------------------------------------------------------------------------------- responses

const responses: { [name: string]: JsonObject } = {
  InternalError: {
    description: 'The server failed while handling the request (a bug: logged and counted in ringmatch_handler_errors_total; the server carries on). A handler\'s failure answers INTERNAL_ERROR with its code; a failed control-plane request only a message.',
    content: { 'application/json': { schema: { anyOf: [schemaRef('Error'), schemaRef('MessageError')] } } },
  },
  PublicRateLimited: json(`The server-wide budget for public requests (publicHttpRate) is exhausted: RATE_LIMITED (${GatewayCode.RATE_LIMITED}); retry shortly.`, schemaRef('Error')),
  AccountRateLimited: json(`Over the account's rate limit: RATE_LIMITED (${GatewayCode.RATE_LIMITED}); retry shortly.`, schemaRef('ApiError')),
  Unauthorized: json(`No API key, or an unknown one, in Authorization: Bearer: NOT_AUTHENTICATED (${GatewayCode.NOT_AUTHENTICATED}) or AUTH_FAILED (${GatewayCode.AUTH_FAILED}).`, schemaRef('ApiError')),
  Forbidden: json(`No admin key, or a wrong one: FORBIDDEN (${GatewayCode.FORBIDDEN}).`, schemaRef('Error')),
  BadPath: json(`A path parameter with malformed percent-encoding: BAD_FIELD (${GatewayCode.BAD_FIELD}).`, schemaRef('Error')),
  UnknownSymbol: json(`Unknown symbol: RISK_UNKNOWN_SYMBOL (${ResultCode.RISK_UNKNOWN_SYMBOL}).`, schemaRef('Error')),
  OrderNotFound: json(`No such order of this account — unknown, another account's, or closed and out of the kept window: NOT_FOUND (${GatewayCode.NOT_FOUND}).`, schemaRef('ApiError')),
  BadRequest: json(`A bad parameter or field: BAD_FIELD (${GatewayCode.BAD_FIELD}) or MISSING_FIELD (${GatewayCode.MISSING_FIELD}), or a value off the symbol's grid (RISK_PRICE_OFF_TICK, RISK_QUANTITY_OFF_LOT, RISK_BAD_DECIMAL); the message says what to fix.`, schemaRef('ApiError')),
  EngineUnavailable: json(`While the server shuts down (ENGINE_BUSY): a request in flight may or may not have taken effect — look it up after the restart. Otherwise nothing was sent to the engine: ENGINE_BUSY (${GatewayCode.ENGINE_BUSY}), SHARD_RECOVERING (${GatewayCode.SHARD_RECOVERING}), SHARD_FAILED (${GatewayCode.SHARD_FAILED}) or JOURNAL_UNAVAILABLE (${GatewayCode.JOURNAL_UNAVAILABLE}); retry shortly (SHARD_FAILED: the operator must restart the server).`, schemaRef('ApiError')),
  OrderAccepted: json('The engine accepted the request.', schemaRef('OrderResult')),
  EngineTimeout: json(`The engine did not answer within 10 s (a shard restarting under the request): it may or may not have taken effect — look it up before retrying. ENGINE_BUSY (${GatewayCode.ENGINE_BUSY}).`, schemaRef('ApiError')),
  OrderRefused: json('The engine refused the request: `report.execType` is "rejected", with `rejectCode`, `rejectReason` and, for risk refusals, `rejectText`.', schemaRef('OrderResult')),
  RouteNotFound: json('No such endpoint: any path or method not in this document is answered so (with a message only).', schemaRef('MessageError')),
};

/** The errors every public (budgeted) GET may answer. */
const publicErrors = (): JsonObject => ({ 429: responseRef('PublicRateLimited'), 500: responseRef('InternalError') });
/** The errors every account endpoint may answer. */
const accountErrors = (): JsonObject => ({ 401: responseRef('Unauthorized'), 429: responseRef('AccountRateLimited'), 500: responseRef('InternalError') });

const op = (tag: string, operationId: string, summary: string, description: string, rest: JsonObject): JsonObject => ({
  tags: [tag], operationId, summary, description, ...rest,
});

/** An admin kill switch on a symbol or an account. */
const adminSwitch = (target: 'symbol' | 'account', action: string, operationId: string, summary: string): JsonObject => op('admin', operationId, summary,
  `Admin key required. The engine applies it in sequence with the orders (docs/engine.md); 202 once the command is queued.${target === 'account' && action === 'disable' ? ' Disabling an account cancels its open orders and refuses new ones.' : ''}`, {
    security: ADMIN,
    parameters: [paramRef(target === 'symbol' ? 'Symbol' : 'Account')],
    responses: {
      202: json('Queued for the engine.', schemaRef(target === 'symbol' ? 'SymbolAdminAction' : 'AccountAdminAction')),
      400: responseRef('BadPath'),
      403: responseRef('Forbidden'),
      404: json(`Unknown ${target}: ${target === 'symbol' ? `RISK_UNKNOWN_SYMBOL (${ResultCode.RISK_UNKNOWN_SYMBOL})` : `RISK_UNKNOWN_ACCOUNT (${ResultCode.RISK_UNKNOWN_ACCOUNT})`}.`, schemaRef('Error')),
      500: responseRef('InternalError'),
      503: json(`The engine's input ring is full: ENGINE_BUSY (${GatewayCode.ENGINE_BUSY}); retry.`, schemaRef('Error')),
    },
  });

// ------------------------------------------------------------------------------------------- paths

const paths: { [path: string]: { [method: string]: JsonObject } } = {
  '/health': {
    get: op('health', 'getHealth', 'Shallow health', 'Whether the process serves and can take orders (durable ack mode needs a writing journal). Not counted against the public budget.', {
      responses: {
        200: json('Serving: `{"status":"ok"}`.', schemaRef('Health')),
        500: responseRef('InternalError'),
        503: json('Degraded: durable ack mode and the journal cannot write; `reason` says why.', schemaRef('Health')),
      },
    }),
  },
  '/health/deep': {
    get: op('health', 'getHealthDeep', 'Deep health', 'Engine threads, the supervisor\'s view, ring lags, synthetic probes, journal and Kafka state. Computed at most every 250 ms.', {
      parameters: [{ name: 'always200', in: 'query', required: false, description: 'With 1: a degraded answer comes as 200 too (its `status` says degraded) — for pollers such as the web console.', schema: { type: 'string', enum: ['1'] } }],
      responses: {
        200: json('Everything is up (or, with always200=1, whatever the state: see `status`).', schemaRef('HealthDeep')),
        ...publicErrors(),
        503: json('Degraded: a thread is down, the journal is blocked, Kafka is not running, or a synthetic probe fails or is stale (`problems`).', schemaRef('HealthDeep')),
      },
    }),
  },
  '/health/synthetic': {
    get: op('health', 'getHealthSynthetic', 'Synthetic probes', 'The last synthetic probe per shard: an order and its cancel from an account outside the account table, refused by design after travelling the whole pipeline.', {
      responses: {
        200: json('Every shard\'s probe is ok (or probes are off).', schemaRef('SyntheticReport')),
        ...publicErrors(),
        503: json('A probe is failing or stale (`problems`).', schemaRef('SyntheticReport')),
      },
    }),
  },
  '/metrics': {
    get: op('metrics', 'getMetrics', 'Prometheus metrics', 'Prometheus text exposition format 0.0.4: connections, messages, orders, events, trades, rejects, errors, thread and supervisor state, ring lags, Kafka, probes, latency quantiles (docs/protocol.md "HTTP"). Built at most every 250 ms.', {
      responses: {
        200: { description: 'The metrics.', content: { 'text/plain; version=0.0.4': { schema: { type: 'string', pattern: '^# HELP ringmatch_' } } } },
        ...publicErrors(),
      },
    }),
  },
  '/v1/stats/live': {
    get: op('metrics', 'getLiveStats', 'What happened in the last second', 'Computed at most once a second and shared by every caller: the stage percentiles (µs; the gateway threads\' and the risk stage\'s histograms) over the interval since the previous sample (cumulative histograms minus the previous ones; null in an interval without samples, and in the first sample or one after a stats reset, which have no interval), counters, per-second rates and connections, and whether fault injection is on. The web console\'s operations page polls it.', {
      responses: { 200: json('The sample.', schemaRef('LiveStats')), ...publicErrors() },
    }),
  },
  '/v1/stats/latency': {
    get: op('metrics', 'getLatencyStats', 'Server stage timings', 'Stage timings since the last reset, µs from HDR histograms: decode, risk, match, event_out, report. Computed at most once a second.', {
      responses: { 200: json('The timings.', schemaRef('StageStats')), ...publicErrors() },
    }),
  },
  '/v1/symbols': {
    get: op('public', 'listSymbols', 'Symbols', 'Every symbol with its tick and lot size, shard, reference price, price band and maximum order quantity.', {
      responses: { 200: json('The symbols.', schemaRef('SymbolList')), ...publicErrors() },
    }),
  },
  '/v1/book/{symbol}': {
    get: op('public', 'getBook', 'L2 order book', 'The book as published on the WebSocket (same `seq` as book_update), from the shared per-change snapshot.', {
      parameters: [paramRef('Symbol'), paramRef('Depth')],
      responses: {
        200: json('The book.', schemaRef('BookSnapshot')),
        400: json(`depth outside 1…1,000 or not a whole number, or malformed percent-encoding: BAD_FIELD (${GatewayCode.BAD_FIELD}).`, schemaRef('Error')),
        404: responseRef('UnknownSymbol'),
        ...publicErrors(),
      },
    }),
  },
  '/v1/candles/{symbol}': {
    get: op('public', 'getCandles', 'Candles', 'OHLCV candles of a symbol\'s trades.', {
      parameters: [paramRef('Symbol'), paramRef('CandleInterval'), paramRef('CandleStart'), paramRef('CandleEnd'), paramRef('CandleLimit')],
      responses: {
        200: json('The candles.', schemaRef('CandleSeries')),
        400: json(`A bad interval, start, end or limit: BAD_FIELD (${GatewayCode.BAD_FIELD}).`, schemaRef('Error')),
        404: responseRef('UnknownSymbol'),
        ...publicErrors(),
      },
    }),
  },
  '/v1/ticker': {
    get: op('public', 'listTickers', 'Tickers', 'Rolling-window statistics of every symbol.', {
      responses: { 200: json('The tickers.', schemaRef('TickerList')), ...publicErrors() },
    }),
  },
  '/v1/ticker/{symbol}': {
    get: op('public', 'getTicker', 'Ticker', 'Rolling-window statistics of one symbol.', {
      parameters: [paramRef('Symbol')],
      responses: {
        200: json('The ticker.', schemaRef('Ticker')),
        400: responseRef('BadPath'),
        404: responseRef('UnknownSymbol'),
        ...publicErrors(),
      },
    }),
  },
  '/': {
    get: op('public', 'getConsole', 'The web console', 'The web console\'s page (web/, built into dist/web by npm run build): market, trading, operations and admin views over this API and the WebSocket. Never cached (it names the current bundle); 304 on a matching If-None-Match. 503 (text) when the console was not built.', {
      responses: {
        200: { description: 'The page.', content: { 'text/html; charset=utf-8': { schema: { type: 'string' } } } },
        304: { description: 'Not modified (If-None-Match matched the ETag).' },
        503: { description: 'The console is not built: run npm run build.', content: { 'text/plain; charset=utf-8': { schema: { type: 'string' } } } },
        ...publicErrors(),
      },
    }),
  },
  '/assets/{file}': {
    get: op('public', 'getConsoleAsset', 'A file of the web console', 'The console\'s bundle, styles and third-party licence texts. Content-hashed names: cached for a year (immutable), with an ETag.', {
      parameters: [{ name: 'file', in: 'path', required: true, description: 'A file name under dist/web/assets.', schema: { type: 'string' } }],
      responses: {
        200: {
          description: 'The file.',
          content: {
            'text/javascript; charset=utf-8': { schema: { type: 'string' } }, 'text/css; charset=utf-8': { schema: { type: 'string' } },
            'text/plain; charset=utf-8': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'object' } },
          },
        },
        304: { description: 'Not modified (If-None-Match matched the ETag).' },
        400: responseRef('BadPath'),
        404: { description: 'No such file (or, 503, the console is not built).', content: { 'text/plain; charset=utf-8': { schema: { type: 'string' } } } },
        503: { description: 'The console is not built: run npm run build.', content: { 'text/plain; charset=utf-8': { schema: { type: 'string' } } } },
        ...publicErrors(),
      },
    }),
  },
  '/openapi.json': {
    get: op('public', 'getOpenApi', 'This document', 'The OpenAPI 3.1 description of the HTTP API (docs/openapi.json is the same text).', {
      responses: {
        200: json('The document.', { type: 'object', required: ['openapi', 'info', 'paths'], properties: { openapi: { type: 'string', pattern: '^3\\.1\\.' }, info: { type: 'object' }, paths: { type: 'object' } }, additionalProperties: true }),
        ...publicErrors(),
      },
    }),
  },
  '/v1/account': {
    get: op('account', 'getAccount', 'The account', 'The authenticated account\'s credit, open orders and positions as the risk stage holds them.', {
      security: ACCOUNT,
      responses: { 200: json('The account.', schemaRef('Account')), ...accountErrors() },
    }),
  },
  '/v1/fills': {
    get: op('account', 'listFills', 'Fills', 'The account\'s trades, oldest first, a page at a time (follow `next`).', {
      security: ACCOUNT,
      parameters: [paramRef('SymbolFilter'), paramRef('FillsAfter'), paramRef('FillsLimit')],
      responses: {
        200: json('A page of fills.', schemaRef('FillPage')),
        400: responseRef('BadRequest'),
        404: json(`Unknown symbol: RISK_UNKNOWN_SYMBOL (${ResultCode.RISK_UNKNOWN_SYMBOL}).`, schemaRef('ApiError')),
        ...accountErrors(),
      },
    }),
  },
  '/v1/orders': {
    get: op('orders', 'listOrders', 'Orders', 'The account\'s orders: open ones (default), recently closed ones, or both.', {
      security: ACCOUNT,
      parameters: [paramRef('SymbolFilter'), paramRef('OrderStatusFilter')],
      responses: {
        200: json('The orders.', schemaRef('OrderList')),
        400: responseRef('BadRequest'),
        404: json(`Unknown symbol: RISK_UNKNOWN_SYMBOL (${ResultCode.RISK_UNKNOWN_SYMBOL}).`, schemaRef('ApiError')),
        ...accountErrors(),
      },
    }),
    post: op('orders', 'placeOrder', 'Place an order', 'A new order, as the WebSocket new_order (docs/protocol.md, docs/order-types.md). Answers once the engine has decided; its reports also go to the account\'s WebSocket connections.', {
      security: ACCOUNT,
      parameters: [paramRef('IdempotencyKey')],
      requestBody: { required: true, content: { 'application/json': { schema: schemaRef('NewOrderRequest') } } },
      responses: {
        200: json('A retry of a known Idempotency-Key with the same order — answered from the views, or waiting on the original in flight: the original outcome (accepted or refused), `idempotentReplay` true; nothing is placed.', schemaRef('OrderResult')),
        201: json('The engine accepted the order (`report.execType` "new"; `reports` also holds any immediate trades and an IOC/market remainder\'s cancel).', schemaRef('OrderResult')),
        400: json(`A bad field, a body that is not JSON, or neither clientOrderId nor Idempotency-Key: BAD_JSON (${GatewayCode.BAD_JSON}), MISSING_FIELD (${GatewayCode.MISSING_FIELD}), BAD_FIELD (${GatewayCode.BAD_FIELD}), or a value off the symbol's grid.`, schemaRef('ApiError')),
        409: json(`The Idempotency-Key was used with a different order: IDEMPOTENCY_CONFLICT (${GatewayCode.IDEMPOTENCY_CONFLICT}).`, schemaRef('ApiError')),
        413: json(`The body is larger than maxMessageBytes: FRAME_TOO_LARGE (${GatewayCode.FRAME_TOO_LARGE}).`, schemaRef('ApiError')),
        415: json(`The body is not application/json: UNSUPPORTED_MEDIA_TYPE (${GatewayCode.UNSUPPORTED_MEDIA_TYPE}).`, schemaRef('ApiError')),
        422: responseRef('OrderRefused'),
        ...accountErrors(),
        503: responseRef('EngineUnavailable'),
        504: responseRef('EngineTimeout'),
      },
    }),
    delete: op('orders', 'cancelAllOrders', 'Cancel all orders', 'Cancels every open order of the account, or of one symbol.', {
      security: ACCOUNT,
      parameters: [paramRef('SymbolFilter')],
      responses: {
        200: json('Canceled; their reports also go to the account\'s WebSocket connections.', schemaRef('CancelAllResult')),
        400: json(`An empty symbol parameter (leave it out to cancel on every symbol): BAD_FIELD (${GatewayCode.BAD_FIELD}).`, schemaRef('ApiError')),
        404: json(`Unknown symbol: RISK_UNKNOWN_SYMBOL (${ResultCode.RISK_UNKNOWN_SYMBOL}).`, schemaRef('ApiError')),
        ...accountErrors(),
        503: responseRef('EngineUnavailable'),
        504: responseRef('EngineTimeout'),
      },
    }),
  },
  '/v1/orders/{orderId}': {
    get: op('orders', 'getOrder', 'An order', 'One of the account\'s orders by its id.', {
      security: ACCOUNT,
      parameters: [paramRef('OrderId')],
      responses: { 200: json('The order.', schemaRef('Order')), 400: responseRef('BadRequest'), 404: responseRef('OrderNotFound'), ...accountErrors() },
    }),
    delete: op('orders', 'cancelOrder', 'Cancel an order', 'Cancels one of the account\'s orders by its id.', {
      security: ACCOUNT,
      parameters: [paramRef('OrderId')],
      responses: {
        200: json('Canceled (`report.execType` "canceled", `idempotentReplay` false).', schemaRef('OrderResult')),
        400: responseRef('BadRequest'), 404: responseRef('OrderNotFound'), 422: responseRef('OrderRefused'), ...accountErrors(), 503: responseRef('EngineUnavailable'), 504: responseRef('EngineTimeout'),
      },
    }),
  },
  '/v1/orders/by-client-id/{clientOrderId}': {
    get: op('orders', 'getOrderByClientId', 'An order by client order id', 'One of the account\'s orders by its client order id.', {
      security: ACCOUNT,
      parameters: [paramRef('ClientOrderId')],
      responses: { 200: json('The order.', schemaRef('Order')), 400: responseRef('BadRequest'), 404: responseRef('OrderNotFound'), ...accountErrors() },
    }),
    delete: op('orders', 'cancelOrderByClientId', 'Cancel an order by client order id', 'Cancels one of the account\'s orders by its client order id.', {
      security: ACCOUNT,
      parameters: [paramRef('ClientOrderId')],
      responses: {
        200: json('Canceled (`report.execType` "canceled", `idempotentReplay` false).', schemaRef('OrderResult')),
        400: responseRef('BadRequest'), 404: responseRef('OrderNotFound'), 422: responseRef('OrderRefused'), ...accountErrors(), 503: responseRef('EngineUnavailable'), 504: responseRef('EngineTimeout'),
      },
    }),
  },
  '/v1/orders/{orderId}/replace': {
    post: op('orders', 'replaceOrder', 'Replace an order', 'Cancel/replace: a new price, quantity, stop price or client order id (docs/engine.md: priority rules).', {
      security: ACCOUNT,
      parameters: [paramRef('OrderId')],
      requestBody: { required: true, content: { 'application/json': { schema: schemaRef('ReplaceRequest') } } },
      responses: {
        200: json('Replaced (`report.execType` "replaced"; `reports` also holds any trades it caused).', schemaRef('OrderResult')),
        400: responseRef('BadRequest'), 404: responseRef('OrderNotFound'),
        413: json(`The body is larger than maxMessageBytes: FRAME_TOO_LARGE (${GatewayCode.FRAME_TOO_LARGE}).`, schemaRef('ApiError')),
        415: json('The body is not application/json.', schemaRef('ApiError')),
        422: responseRef('OrderRefused'), ...accountErrors(), 503: responseRef('EngineUnavailable'), 504: responseRef('EngineTimeout'),
      },
    }),
  },
  '/v1/admin/stats/reset': {
    post: op('admin', 'resetLatencyStats', 'Reset stage timings', 'Admin key required. Resets the histograms of GET /v1/stats/latency (benchmark harnesses call it after their warm-up).', {
      security: ADMIN,
      responses: { 200: json('Reset.', schemaRef('StatsReset')), 403: responseRef('Forbidden'), 500: responseRef('InternalError') },
    }),
  },
  '/v1/admin/snapshot': {
    post: op('admin', 'takeSnapshot', 'Write a snapshot now', 'Admin key required. Builds and writes a snapshot (books, risk state, sequences) now, then applies retention.', {
      security: ADMIN,
      responses: {
        200: json('Written.', schemaRef('SnapshotResult')),
        403: responseRef('Forbidden'),
        409: json('Snapshots need the journal (journal: true).', schemaRef('MessageError')),
        500: responseRef('InternalError'),
      },
    }),
  },
  '/v1/admin/fault/kill/{thread}': {
    post: op('admin', 'killThread', 'Kill a thread (chaos drill)', 'Admin key required, and only with faultInjection: true (RINGMATCH_FAULT_INJECTION=1). Kills the thread as a crash would; the supervisor brings it back.', {
      security: ADMIN,
      parameters: [paramRef('Thread')],
      responses: {
        202: json('Killed.', schemaRef('KillAccepted')),
        400: responseRef('BadPath'),
        403: responseRef('Forbidden'),
        404: json('Fault injection is off, or there is no such thread (the message lists them).', schemaRef('MessageError')),
        409: json('The thread is already down.', schemaRef('MessageError')),
        500: responseRef('InternalError'),
      },
    }),
  },
  '/v1/admin/symbols/{symbol}/halt': { post: adminSwitch('symbol', 'halt', 'haltSymbol', 'Halt a symbol') },
  '/v1/admin/symbols/{symbol}/resume': { post: adminSwitch('symbol', 'resume', 'resumeSymbol', 'Resume a symbol') },
  '/v1/admin/accounts/{account}/disable': { post: adminSwitch('account', 'disable', 'disableAccount', 'Disable an account (kill switch)') },
  '/v1/admin/accounts/{account}/enable': { post: adminSwitch('account', 'enable', 'enableAccount', 'Enable an account') },
  '/ws': {
    get: op('public', 'openWebSocket', 'WebSocket: order entry and market data', 'A WebSocket upgrade (RFC 6455). The messages — JSON text frames or protobuf binary frames — are described in docs/protocol.md and proto/ringmatch.proto. Authenticate with Authorization: Bearer <API key> on the upgrade, or later with an auth message; market data needs none.', {
      security: [{ apiKey: [] }, {}],
      parameters: [
        { name: 'Upgrade', in: 'header', required: true, schema: { const: 'websocket' } },
        { name: 'Connection', in: 'header', required: true, schema: { type: 'string', examples: ['Upgrade'] } },
        { name: 'Sec-WebSocket-Key', in: 'header', required: true, schema: { type: 'string' } },
        { name: 'Sec-WebSocket-Version', in: 'header', required: true, schema: { const: '13' } },
      ],
      responses: {
        101: { description: 'Switching protocols: the WebSocket is open.' },
        401: {
          description: `An unknown API key in the Authorization header: AUTH_FAILED (${GatewayCode.AUTH_FAILED}). Sent without a Content-Type header.`,
          content: { 'application/json': { schema: schemaRef('Error') } },
        },
        404: { ...responseRef('RouteNotFound'), description: 'Not a WebSocket upgrade (the upgrade headers are missing): answered like any unknown route.' },
        503: { description: 'The server is shutting down: the text "shutting down", without a Content-Type header.', content: { 'text/plain': { schema: { type: 'string' } } } },
      },
    }),
  },
};

// ---------------------------------------------------------------------------------------- document

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

export const OPENAPI_DOCUMENT: OpenApiDocument = deepFreeze({
  openapi: '3.1.0',
  info: {
    title: 'ringmatch gateway HTTP API',
    version: API_VERSION,
    summary: 'Order entry, account state, market data, health, metrics and admin actions of the ringmatch matching engine.',
    description: 'Prices and quantities are exact decimal strings on the symbol\'s tick and lot grid (GET /v1/symbols); order ids are strings of digits; `ts` fields are µs since the Unix epoch. '
      + 'Error answers carry a stable `code` (docs/protocol.md lists them) and a `message`. Public requests (all but /health and the admin routes) share a server-wide budget; '
      + 'account requests are rate-limited per account. Order entry and market data are also available over the WebSocket at /ws (docs/protocol.md).',
  },
  jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
  servers: [{ url: 'http://127.0.0.1:9001', description: 'The default listen address (listen.host / listen.port, PORT).' }],
  tags: [
    { name: 'public', description: 'Market data and reference data: no authentication; a server-wide budget.' },
    { name: 'account', description: 'The authenticated account\'s state (Authorization: Bearer <API key>).' },
    { name: 'orders', description: 'Order entry and order state of the authenticated account (Authorization: Bearer <API key>).' },
    { name: 'admin', description: 'Operator actions (the admin key: X-Admin-Key or Authorization: Bearer).' },
    { name: 'health', description: 'Liveness and deep health.' },
    { name: 'metrics', description: 'Prometheus metrics and server stage timings.' },
  ],
  paths,
  components: {
    schemas,
    responses,
    parameters,
    securitySchemes: {
      apiKey: { type: 'http', scheme: 'bearer', description: 'An account\'s API key: Authorization: Bearer <API key>.' },
      adminKey: { type: 'apiKey', in: 'header', name: 'X-Admin-Key', description: 'The admin key (adminKey; npm start generates and prints one when none is configured).' },
      adminBearer: { type: 'http', scheme: 'bearer', description: 'The admin key as Authorization: Bearer <admin key>.' },
    },
  },
} satisfies OpenApiDocument);

let cachedJson: string | null = null;

/** The document as JSON text (2-space indented, with a final newline): what GET /openapi.json serves and docs/openapi.json holds. */
export function openApiJson(): string {
  cachedJson ??= `${JSON.stringify(OPENAPI_DOCUMENT, null, 2)}\n`;
  return cachedJson;
}

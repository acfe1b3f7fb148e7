/**
 * One WebSocket to the server for the whole console (docs/protocol.md): market-data subscriptions
 * by topic, the account's execution reports once authenticated, requests answered by `id`.
 *
 * - Reconnects by itself (backoff 250 ms doubling to 3 s, with jitter) and then authenticates again
 *   and re-subscribes every topic; each topic's handlers are reset first, so views drop what they
 *   held and wait for the fresh snapshot.
 * - Each topic is brought to what the page wants by one request at a time, each with an `id` and
 *   its answer awaited: subscribe → `subscribed` (then, for book and candles, the snapshot — or a
 *   `RATE_LIMITED` with the same id when the server-wide snapshot budget is spent: not held);
 *   unsubscribe → `unsubscribed`. A refused request (subscribe/unsubscribe are rate-limited per
 *   connection, 20/s burst 50) is sent again after a backoff (250 ms doubling to 5 s). So a topic
 *   the page dropped is really dropped on the server, and one it wants back gets a snapshot.
 * - `resubscribe(topic)` (a sequence gap) unsubscribes, waits for `unsubscribed`, then subscribes:
 *   the server ignores a subscribe for a topic it still holds (no second snapshot), so a refused
 *   unsubscribe must be retried before the subscribe, never skipped.
 * - The state is `syncing` while the socket is open but a wanted topic has no snapshot yet (book,
 *   candles) or no confirmed subscription (trades, ticker, bbo); `live` once every one has.
 * - A connection that has heard nothing for 25 s (pings every 10 s) is dropped and reopened.
 */

export type ConnState = 'connecting' | 'syncing' | 'live' | 'reconnecting';
export type Msg = Record<string, unknown> & { type: string };
export type Channel = 'book' | 'trades' | 'ticker' | 'bbo' | 'candles';

export interface Topic {
  channel: Channel;
  symbol: string;
  /** candles only: 1s | 1m | 5m | 15m | 1h | 1d. */
  interval?: string;
}

export interface TopicHandler {
  message(m: Msg): void;
  /** The topic is being subscribed afresh (reconnect, gap): drop state, a snapshot follows. */
  reset(): void;
}

/** One topic's subscription state, for diagnostics and the tests' hook. */
export interface TopicInfo {
  key: string;
  handlers: number;
  held: boolean;
  synced: boolean;
  inflight: 'subscribe' | 'unsubscribe' | null;
  /** Snapshots received (book_snapshot, candles_snapshot) since the page loaded. */
  snapshots: number;
  /** Subscribe/unsubscribe requests the server refused (then sent again after a backoff). */
  refused: number;
}

const CHANNEL_OF: Record<string, Channel> = {
  book_snapshot: 'book', book_update: 'book', trade: 'trades', ticker: 'ticker', bbo: 'bbo', candles_snapshot: 'candles', candle: 'candles',
};
/** The channels whose subscription starts with a snapshot message (and takes the snapshot budget). */
const SNAPSHOT_OF: Partial<Record<Channel, string>> = { book: 'book_snapshot', candles: 'candles_snapshot' };

const PING_MS = 10_000;
const SILENT_MS = 25_000;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

function topicKey(t: Topic): string {
  return `${t.channel}|${t.symbol}|${t.channel === 'candles' ? (t.interval ?? '1m') : ''}`;
}

function topicFields(t: Topic): Record<string, unknown> {
  return { channels: [t.channel], symbols: [t.symbol], ...(t.channel === 'candles' ? { interval: t.interval ?? '1m' } : {}) };
}

interface TopicEntry {
  key: string;
  topic: Topic;
  handlers: Set<TopicHandler>;
  /** The server holds this topic for this connection (as far as its answers tell). */
  held: boolean;
  /** The request in flight for this topic (one at a time). */
  inflight: { id: string; kind: 'subscribe' | 'unsubscribe' } | null;
  /** A `subscribed` answer whose snapshot has not come yet: its id (a RATE_LIMITED with it means not held). */
  snapshotId: string | null;
  /** A fresh snapshot is wanted while the topic is held: unsubscribe first, then subscribe. */
  fresh: boolean;
  /** The handlers have the current subscription's snapshot (or, without one, its confirmation). */
  synced: boolean;
  retry: ReturnType<typeof setTimeout> | null;
  attempt: number;
  snapshots: number;
  refused: number;
}

export class Connection {
  state: ConnState = 'connecting';
  /** The account of the current authentication (null: none yet or refused). */
  account: string | null = null;
  /** Why the last authentication was refused. */
  authError: string | null = null;
  private ws: WebSocket | null = null;
  private readonly topics = new Map<string, TopicEntry>();
  /** Subscribe/unsubscribe request ids (and subscribes awaiting their snapshot) → topic. */
  private readonly topicIds = new Map<string, TopicEntry>();
  private readonly listeners = new Set<(m: Msg) => void>();
  private readonly stateListeners = new Set<() => void>();
  private readonly pending = new Map<string, (m: Msg | null) => void>();
  private apiKey: string | null = null;
  private authId: string | null = null;
  private attempt = 0;
  private nextId = 1;
  private lastHeardMs = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly url: string) {}

  start(): void {
    this.open();
    setInterval(() => this.heartbeat(), PING_MS);
  }

  /** Subscribe `handler` to a topic; returns the unsubscribe. A late joiner gets a fresh snapshot. */
  subscribe(topic: Topic, handler: TopicHandler): () => void {
    const key = topicKey(topic);
    let entry = this.topics.get(key);
    if (!entry) {
      entry = { key, topic, handlers: new Set(), held: false, inflight: null, snapshotId: null, fresh: false, synced: false, retry: null, attempt: 0, snapshots: 0, refused: 0 };
      this.topics.set(key, entry);
    }
    entry.handlers.add(handler);
    if (entry.held && entry.synced) {
      // Already live for another view: everyone takes the fresh snapshot the new one needs.
      entry.fresh = true;
      entry.synced = false;
      for (const h of entry.handlers) h.reset();
    }
    this.pump(entry);
    this.updateState();
    const e = entry;
    return () => {
      if (!e.handlers.delete(handler)) return;
      this.pump(e);
      this.updateState();
    };
  }

  /** Take a fresh snapshot of a topic (after a sequence gap). */
  resubscribe(topic: Topic): void {
    const entry = this.topics.get(topicKey(topic));
    if (!entry || entry.handlers.size === 0) return;
    for (const h of entry.handlers) h.reset();
    // Held and synced: unsubscribe + subscribe. Otherwise a subscribe (and its snapshot) is on its way.
    if (entry.held && entry.snapshotId === null) entry.fresh = true;
    entry.synced = false;
    this.pump(entry);
    this.updateState();
  }

  /** Every message that is not market data (execution reports, answers, errors). */
  onMessage(fn: (m: Msg) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Connection or authentication state changed. */
  onState(fn: () => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /**
   * Authenticate this connection with an API key (null: none). A connection cannot change its
   * account, so changing or dropping the key opens a new connection.
   */
  setAuth(key: string | null): void {
    if (key === this.apiKey) return;
    const had = this.apiKey;
    this.apiKey = key;
    this.account = null;
    this.authError = null;
    this.notify();
    if (this.ws?.readyState !== WebSocket.OPEN) return; // sent on open
    if (had) this.reopen();
    else if (key) this.sendAuth();
  }

  /** Send a request and resolve with the message echoing its id (null: no answer, connection lost or timeout). */
  request(m: Record<string, unknown>, timeoutMs = 10_000): Promise<Msg | null> {
    const id = `q${this.nextId++}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.pending.delete(id); resolve(null); }, timeoutMs);
      this.pending.set(id, (x) => { clearTimeout(timer); resolve(x); });
      if (!this.send({ ...m, id })) {
        this.pending.delete(id);
        clearTimeout(timer);
        resolve(null);
      }
    });
  }

  /** Every topic's subscription state (diagnostics; the tests' hook). */
  topicStates(): TopicInfo[] {
    return [...this.topics.values()].map((e) => ({
      key: e.key, handlers: e.handlers.size, held: e.held, synced: e.synced, inflight: e.inflight?.kind ?? null, snapshots: e.snapshots, refused: e.refused,
    }));
  }

  /** Tests only (`?test=1`): handle `m` as if the server had sent it. */
  inject(m: Msg): void {
    this.dispatch(m);
  }

  /** Tests only (`?test=1`): send `m` as it is (no id, answers go to onMessage listeners). */
  sendRaw(m: Record<string, unknown>): boolean {
    return this.send(m);
  }

  private open(): void {
    this.reconnectTimer = null;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.lastHeardMs = Date.now();
      if (this.apiKey) this.sendAuth();
      // A new connection holds nothing: every wanted topic is subscribed afresh.
      this.topicIds.clear();
      for (const entry of [...this.topics.values()]) {
        if (entry.retry) clearTimeout(entry.retry);
        Object.assign(entry, { held: false, inflight: null, snapshotId: null, fresh: false, synced: false, retry: null, attempt: 0 });
        if (entry.handlers.size === 0) {
          this.topics.delete(entry.key);
          continue;
        }
        for (const h of entry.handlers) h.reset();
        this.pump(entry);
      }
      this.state = 'syncing';
      this.updateState(true);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.ws !== ws || typeof ev.data !== 'string') return;
      this.lastHeardMs = Date.now();
      let m: Msg;
      try {
        m = JSON.parse(ev.data) as Msg;
      } catch {
        return;
      }
      this.dispatch(m);
    };
    ws.onclose = () => {
      if (this.ws === ws) this.lost();
    };
  }

  private lost(): void {
    this.ws = null;
    this.account = null;
    this.failPending();
    this.setState('reconnecting');
    const delayMs = Math.min(3000, 250 * 2 ** this.attempt) + Math.random() * 150;
    this.attempt = Math.min(this.attempt + 1, 8);
    this.reconnectTimer = setTimeout(() => this.open(), delayMs);
  }

  /** Start over on a new connection now (the account changed). */
  private reopen(): void {
    const old = this.ws;
    this.ws = null;
    old?.close();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    // Their answers would come on the old connection: none will.
    this.failPending();
    this.setState('connecting');
    this.open();
  }

  private failPending(): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const resolve of waiting) resolve(null);
  }

  private heartbeat(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastHeardMs > SILENT_MS) {
      // A half-open TCP connection never closes by itself: give up on it.
      this.ws = null;
      ws.close();
      this.lost();
      return;
    }
    this.send({ type: 'ping' });
  }

  private dispatch(m: Msg): void {
    const channel = CHANNEL_OF[m.type];
    if (channel && typeof m.symbol === 'string') {
      const key = topicKey({ channel, symbol: m.symbol, interval: typeof m.interval === 'string' ? m.interval : undefined });
      const entry = this.topics.get(key);
      if (!entry || entry.handlers.size === 0) return;
      const snapshotType = SNAPSHOT_OF[channel];
      if (snapshotType !== undefined) {
        if (m.type === snapshotType) {
          entry.snapshots += 1;
          if (entry.snapshotId !== null) this.topicIds.delete(entry.snapshotId);
          entry.snapshotId = null;
          entry.attempt = 0;
          if (!entry.synced) {
            entry.synced = true;
            this.updateState();
          }
        } else if (!entry.synced) return; // the old subscription's tail, or before the snapshot
      }
      for (const h of entry.handlers) h.message(m);
      return;
    }
    const id = m.id === undefined ? null : String(m.id);
    if (m.type === 'auth_ack') {
      this.account = typeof m.account === 'string' ? m.account : null;
      this.authError = null;
      this.notify();
    } else if (m.type === 'error' && id !== null && id === this.authId) {
      this.authError = typeof m.message === 'string' ? m.message : 'authentication refused';
      this.notify();
    } else if (id !== null && this.topicIds.has(id)) {
      this.topicAnswer(this.topicIds.get(id)!, id, m);
    }
    if (id !== null) {
      const resolve = this.pending.get(id);
      if (resolve) {
        this.pending.delete(id);
        resolve(m);
      }
    }
    for (const l of this.listeners) l(m);
  }

  /** The answer to one of a topic's subscribe/unsubscribe requests. */
  private topicAnswer(e: TopicEntry, id: string, m: Msg): void {
    if (e.inflight?.id === id) {
      const kind = e.inflight.kind;
      e.inflight = null;
      this.topicIds.delete(id);
      if (m.type === 'error') {
        // Still held after a refused unsubscribe; not held after a refused subscribe.
        e.refused += 1;
        this.backoff(e);
      } else if (kind === 'unsubscribe') {
        e.held = false;
        e.attempt = 0;
      } else {
        e.held = true;
        if (SNAPSHOT_OF[e.topic.channel] !== undefined) {
          // Held once the snapshot comes; a RATE_LIMITED with this id (snapshot budget) says it will not.
          e.snapshotId = id;
          this.topicIds.set(id, e);
        } else {
          e.attempt = 0;
          e.synced = true;
          this.updateState();
        }
      }
      this.pump(e);
    } else if (e.snapshotId === id && m.type === 'error') {
      // `subscribed`, then no snapshot: the server did not take the topic.
      this.topicIds.delete(id);
      e.snapshotId = null;
      e.held = false;
      e.refused += 1;
      this.backoff(e);
    }
  }

  private backoff(e: TopicEntry): void {
    const delayMs = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** e.attempt) * (0.8 + Math.random() * 0.4);
    e.attempt = Math.min(e.attempt + 1, 10);
    const ws = this.ws;
    e.retry = setTimeout(() => {
      e.retry = null;
      if (this.ws === ws) this.pump(e);
    }, delayMs);
  }

  /** Send the next request that brings a topic to what its handlers want (one at a time). */
  private pump(e: TopicEntry): void {
    if (e.inflight || e.retry || this.ws?.readyState !== WebSocket.OPEN) return;
    if (e.handlers.size === 0) {
      if (e.held) this.topicRequest(e, 'unsubscribe');
      else if (this.topics.get(e.key) === e) {
        if (e.snapshotId !== null) this.topicIds.delete(e.snapshotId);
        this.topics.delete(e.key);
      }
    } else if (e.held && e.fresh) {
      this.topicRequest(e, 'unsubscribe');
    } else if (!e.held) {
      e.fresh = false;
      e.synced = false;
      this.topicRequest(e, 'subscribe');
    }
  }

  private topicRequest(e: TopicEntry, kind: 'subscribe' | 'unsubscribe'): void {
    const id = `${kind === 'subscribe' ? 's' : 'u'}${this.nextId++}`;
    if (kind === 'unsubscribe' && e.snapshotId !== null) {
      this.topicIds.delete(e.snapshotId);
      e.snapshotId = null;
    }
    if (!this.send({ type: kind, ...topicFields(e.topic), id })) return;
    e.inflight = { id, kind };
    this.topicIds.set(id, e);
  }

  private sendAuth(): void {
    this.authId = `a${this.nextId++}`;
    this.send({ type: 'auth', token: this.apiKey, id: this.authId });
  }

  private send(m: Record<string, unknown>): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(m));
    return true;
  }

  /** `syncing` or `live` while open, from whether every wanted topic is synced. */
  private updateState(force = false): void {
    if (this.state !== 'syncing' && this.state !== 'live') return;
    let synced = true;
    for (const e of this.topics.values()) {
      if (e.handlers.size > 0 && !e.synced) {
        synced = false;
        break;
      }
    }
    const s: ConnState = synced ? 'live' : 'syncing';
    if (force || s !== this.state) this.setState(s);
  }

  private setState(s: ConnState): void {
    this.state = s;
    this.notify();
  }

  private notify(): void {
    for (const l of this.stateListeners) l();
  }
}

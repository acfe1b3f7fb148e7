/**
 * One WebSocket to the server for the whole console (docs/protocol.md): market-data subscriptions
 * by topic, the account's execution reports once authenticated, requests answered by `id`.
 *
 * - Reconnects by itself (backoff 250 ms doubling to 3 s, with jitter) and then authenticates again
 *   and re-subscribes every topic; each topic's handlers are reset first, so views drop what they
 *   held and wait for the fresh snapshot.
 * - `resubscribe(topic)` (a sequence gap) unsubscribes and subscribes again: the server ignores a
 *   subscribe for a topic it already sends, so a fresh snapshot needs both.
 * - A connection that has heard nothing for 25 s (pings every 10 s) is dropped and reopened.
 */

export type ConnState = 'connecting' | 'live' | 'reconnecting';
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

const CHANNEL_OF: Record<string, Channel> = {
  book_snapshot: 'book', book_update: 'book', trade: 'trades', ticker: 'ticker', bbo: 'bbo', candles_snapshot: 'candles', candle: 'candles',
};

const RETRYABLE = new Set(['RATE_LIMITED', 'ENGINE_BUSY']);
const PING_MS = 10_000;
const SILENT_MS = 25_000;

function topicKey(t: Topic): string {
  return `${t.channel}|${t.symbol}|${t.channel === 'candles' ? (t.interval ?? '1m') : ''}`;
}

interface TopicEntry {
  topic: Topic;
  handlers: Set<TopicHandler>;
}

export class Connection {
  state: ConnState = 'connecting';
  /** The account of the current authentication (null: none yet or refused). */
  account: string | null = null;
  /** Why the last authentication was refused. */
  authError: string | null = null;
  private ws: WebSocket | null = null;
  private readonly topics = new Map<string, TopicEntry>();
  private readonly listeners = new Set<(m: Msg) => void>();
  private readonly stateListeners = new Set<() => void>();
  /** Subscribe request id → topic key, to retry a refused subscribe. */
  private readonly subscribeIds = new Map<string, string>();
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
      entry = { topic, handlers: new Set([handler]) };
      this.topics.set(key, entry);
      this.sendSubscribe(entry);
    } else {
      entry.handlers.add(handler);
      this.resubscribe(topic);
    }
    const e = entry;
    return () => {
      e.handlers.delete(handler);
      if (e.handlers.size > 0 || this.topics.get(key) !== e) return;
      this.topics.delete(key);
      this.send({ type: 'unsubscribe', channels: [topic.channel], symbols: [topic.symbol], ...(topic.channel === 'candles' ? { interval: topic.interval ?? '1m' } : {}) });
    };
  }

  /** Take a fresh snapshot of a topic (after a sequence gap). */
  resubscribe(topic: Topic): void {
    const entry = this.topics.get(topicKey(topic));
    if (!entry) return;
    for (const h of entry.handlers) h.reset();
    this.send({ type: 'unsubscribe', channels: [topic.channel], symbols: [topic.symbol], ...(topic.channel === 'candles' ? { interval: topic.interval ?? '1m' } : {}) });
    this.sendSubscribe(entry);
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

  private open(): void {
    this.reconnectTimer = null;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.lastHeardMs = Date.now();
      this.subscribeIds.clear();
      if (this.apiKey) this.sendAuth();
      for (const entry of this.topics.values()) {
        for (const h of entry.handlers) h.reset();
        this.sendSubscribe(entry);
      }
      this.setState('live');
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
    for (const resolve of this.pending.values()) resolve(null);
    this.pending.clear();
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
    this.setState('connecting');
    this.open();
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
      if (entry) for (const h of entry.handlers) h.message(m);
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
    } else if (id !== null && this.subscribeIds.has(id)) {
      const key = this.subscribeIds.get(id)!;
      this.subscribeIds.delete(id);
      const entry = this.topics.get(key);
      if (m.type === 'error' && entry && RETRYABLE.has(String(m.name))) {
        const ws = this.ws;
        setTimeout(() => { if (this.ws === ws && this.topics.get(key) === entry) this.sendSubscribe(entry); }, 1000);
      }
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

  private sendSubscribe(entry: TopicEntry): void {
    const { channel, symbol, interval } = entry.topic;
    const id = `s${this.nextId++}`;
    if (this.send({ type: 'subscribe', channels: [channel], symbols: [symbol], ...(channel === 'candles' ? { interval: interval ?? '1m' } : {}), id })) {
      this.subscribeIds.set(id, topicKey(entry.topic));
    }
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

  private setState(s: ConnState): void {
    this.state = s;
    this.notify();
  }

  private notify(): void {
    for (const l of this.stateListeners) l();
  }
}

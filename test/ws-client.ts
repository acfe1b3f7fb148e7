/** A small WebSocket test client (ws package): queued messages, waits with timeouts. Test-only. */
import WebSocket from 'ws';
import { decodeServerEnvelope, encodeRequestEnvelope } from '../gateway/proto-codec.ts';

/** camelCase oneof name → the JSON protocol's snake_case type. */
function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export type Msg = Record<string, unknown> & { type: string };

export class Client {
  readonly messages: Msg[] = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        // Binary Envelope → the same shape as JSON messages (int64 fields stay unit strings).
        const env = decodeServerEnvelope(data as Buffer);
        const body = env.body as string;
        const m: Msg = { ...(env[body] as Record<string, unknown>), type: snake(body), binary: true };
        if (env.id) m.id = env.id;
        this.messages.push(m);
      } else {
        this.messages.push(JSON.parse(data.toString()) as Msg);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static connect(url: string, apiKey?: string): Promise<Client> {
    const ws = new WebSocket(url, apiKey ? { headers: { Authorization: `Bearer ${apiKey}` } } : {});
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(m: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(m));
  }

  /** Send a binary request Envelope (int64 fields as strings or numbers). */
  sendBinary(envelope: Record<string, unknown>): void {
    this.ws.send(encodeRequestEnvelope(envelope));
  }

  /** Send a binary request and wait for the answer echoing its id. */
  async requestBinary(envelope: Record<string, unknown>, timeoutMs?: number): Promise<Msg> {
    const id = `b${Math.random().toString(36).slice(2)}`;
    this.sendBinary({ ...envelope, id });
    return this.next((x) => x.id === id, timeoutMs);
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Remove and return the first queued message matching `pred`, waiting up to timeoutMs. */
  async next(pred: (m: Msg) => boolean, timeoutMs = 10_000): Promise<Msg> {
    const t0 = Date.now();
    for (;;) {
      const i = this.messages.findIndex(pred);
      if (i >= 0) return this.messages.splice(i, 1)[0];
      if (this.closed) throw new Error(`connection closed (${this.closed.code} ${this.closed.reason}) while waiting`);
      const left = timeoutMs - (Date.now() - t0);
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; queued: ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  /** Send a request with an id and wait for the message that echoes it. */
  async request(m: Record<string, unknown>, timeoutMs?: number): Promise<Msg> {
    const id = `r${Math.random().toString(36).slice(2)}`;
    this.send({ ...m, id });
    return this.next((x) => x.id === id, timeoutMs);
  }

  /** Drop the connection without a close handshake (for clients that stopped reading). */
  terminate(): void {
    this.ws.terminate();
    this.closed ??= { code: 1006, reason: 'terminated by the test' };
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((r) => {
      this.ws.once('close', () => r());
      this.ws.close();
    });
  }
}

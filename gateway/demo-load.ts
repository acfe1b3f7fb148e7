/**
 * Demo traffic for `npm start` until the WebSocket gateway lands: a market maker keeps a ladder
 * of quotes on every symbol and moves them, takers send IOC orders through the spread. Real
 * commands through the real engine (risk, matching, events); only the clients are simulated.
 */
import { CommandType, OrderType, Side, Stp, TimeInForce } from '../engine/codes.ts';
import type { EngineSpec } from '../engine/config.ts';
import type { Engine } from '../engine/engine.ts';

export class DemoLoad {
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private readonly quotes: Array<{ symbol: number; side: number; orderId: number; clientOrderId: string; movedAt: number }> = [];
  refused = 0;
  sent = 0;

  constructor(
    private readonly engine: Engine,
    private readonly spec: EngineSpec,
    private readonly ratePerSec: number,
    private readonly mm: number,
    private readonly takers: number[],
  ) {}

  start(): void {
    const perTick = Math.max(1, Math.ceil(this.ratePerSec / 100)); // commands per 10 ms tick (a rate, not money)
    this.timer = setInterval(() => {
      for (let i = 0; i < perTick; i++) this.one();
    }, 10);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The market maker's order ids come back in ACCEPTED events (the risk stage assigns them). */
  onAccepted(clientOrderId: string, orderId: number): void {
    const q = this.quotes.find((x) => x.clientOrderId === clientOrderId);
    if (q) q.orderId = orderId;
  }

  private submit(cmd: Parameters<Engine['submit']>[0]): void {
    if (this.engine.submit(cmd)) this.sent++;
    else this.refused++;
  }

  private one(): void {
    const n = ++this.seq;
    const s = this.spec.symbols[n % this.spec.symbols.length];
    const ref = s.referencePrice;
    const step = Math.max(1, Math.floor(ref / 2000));
    const qty = Math.max(1, Math.floor(s.maxOrderQty / 10_000));
    const r = n % 10;
    if (r < 6) {
      // Market maker: keep up to 40 quotes per symbol, moving the oldest to a fresh price.
      const mine = this.quotes.filter((q) => q.symbol === s.id);
      const side = n % 2 === 0 ? Side.BUY : Side.SELL;
      const price = side === Side.BUY ? ref - step * (1 + (n % 20)) : ref + step * (1 + (n % 20));
      // A replace stays in flight until its outcome reaches the risk stage (~1 ms): move others.
      const now = Date.now();
      const stale = mine.length >= 40 ? mine.find((q) => q.side === side && q.orderId > 0 && now - q.movedAt > 5) : undefined;
      if (stale) {
        stale.movedAt = now;
        this.quotes.splice(this.quotes.indexOf(stale), 1);
        this.quotes.push(stale);
        this.submit({ type: CommandType.REPLACE, symbolId: s.id, accountId: this.mm, orderId: stale.orderId, price, qty: 0, correlationId: n });
      } else if (mine.length < 40) {
        const clientOrderId = `mm-${n}`;
        this.quotes.push({ symbol: s.id, side, orderId: 0, clientOrderId, movedAt: 0 });
        this.submit({ type: CommandType.NEW, symbolId: s.id, accountId: this.mm, side, orderType: OrderType.LIMIT, tif: TimeInForce.GTC, stp: Stp.CANCEL_OLDEST, price, qty: qty * 5, clientOrderId, correlationId: n });
      }
    } else {
      const taker = this.takers[n % this.takers.length];
      // Alternate whole rounds of buys and sells so takers' positions stay inside their limits.
      const side = Math.floor(n / 10) % 2 === 0 ? Side.BUY : Side.SELL;
      const price = side === Side.BUY ? ref + step * 3 : ref - step * 3;
      this.submit({ type: CommandType.NEW, symbolId: s.id, accountId: taker, side, orderType: OrderType.LIMIT, tif: TimeInForce.IOC, price, qty, clientOrderId: `t-${n}`, correlationId: n });
    }
  }

  /** Forget quotes that are gone (filled or canceled). */
  onDone(orderId: number): void {
    const i = this.quotes.findIndex((q) => q.orderId === orderId);
    if (i >= 0) this.quotes.splice(i, 1);
  }
}

/**
 * The account's orders and fills as the trade page shows them: loaded over REST, then kept live by
 * execution reports. Reports and REST answers can cross (a report may arrive before the GET that
 * started earlier answers), so an order's newer `seq` always wins (an order's reports come from one
 * shard, in order) and reports that arrived during a load are applied again on top of it.
 */
import type { Msg } from './ws.ts';

export type Order = Record<string, unknown> & { orderId: string; seq: number };

const OPEN = new Set(['new', 'partially_filled', 'pending_trigger']);

export class OpenOrders {
  readonly byId = new Map<string, Order>();
  /** Orders seen closed, with the seq that closed them (a late snapshot must not bring them back). */
  private readonly closedAt = new Map<string, number>();
  /** Reports received while a load is in flight (applied again on top of its answer). */
  private during: Msg[] | null = null;
  version = 0;

  beginLoad(): void {
    this.during = [];
  }

  /** The answer of GET /v1/orders (open ones). */
  endLoad(orders: Order[]): void {
    const during = this.during ?? [];
    this.during = null;
    this.byId.clear();
    for (const o of orders) {
      const closed = this.closedAt.get(o.orderId);
      if (closed === undefined || closed < o.seq) this.byId.set(o.orderId, o);
    }
    for (const r of during) this.apply(r);
    this.version += 1;
  }

  /** An execution report (WebSocket or a REST answer's `reports`). */
  apply(r: Msg): void {
    this.during?.push(r);
    const id = typeof r.orderId === 'string' ? r.orderId : '';
    if (id === '') return; // refused before it got an id
    const seq = Number(r.seq);
    const prev = this.byId.get(id);
    if (prev && prev.seq > seq) return;
    const closed = this.closedAt.get(id);
    if (closed !== undefined && closed >= seq) return;
    if (OPEN.has(String(r.orderStatus))) {
      // Trade reports omit the order's stop/iceberg/GTD fields: keep them from before.
      this.byId.set(id, { ...prev, ...r, orderId: id, seq } as Order);
    } else {
      this.byId.delete(id);
      this.closedAt.set(id, seq);
      if (this.closedAt.size > 5000) this.closedAt.delete(this.closedAt.keys().next().value!);
    }
    this.version += 1;
  }

  /** Newest first (order ids are increasing digit strings). */
  list(): Order[] {
    return [...this.byId.values()].sort((a, b) => b.orderId.length - a.orderId.length || (b.orderId < a.orderId ? -1 : b.orderId > a.orderId ? 1 : 0));
  }

  clear(): void {
    this.byId.clear();
    this.closedAt.clear();
    this.version += 1;
  }
}

export interface Fill {
  tradeId: string;
  orderId: string;
  clientOrderId: string;
  symbol: string;
  side: string;
  price: string;
  quantity: string;
  liquidity: string;
  ts: number;
}

export class Fills {
  private readonly byKey = new Map<string, Fill>();
  version = 0;

  /** From GET /v1/fills pages. */
  addAll(fills: Fill[]): void {
    for (const f of fills) this.byKey.set(`${f.tradeId}:${f.orderId}`, f);
    this.trim();
    this.version += 1;
  }

  /** From a `trade` execution report. */
  fromReport(r: Msg): void {
    if (r.execType !== 'trade') return;
    const f: Fill = {
      tradeId: String(r.tradeId), orderId: String(r.orderId), clientOrderId: String(r.clientOrderId), symbol: String(r.symbol), side: String(r.side),
      price: String(r.lastPrice), quantity: String(r.lastQuantity), liquidity: String(r.liquidity ?? ''), ts: Number(r.ts),
    };
    this.byKey.set(`${f.tradeId}:${f.orderId}`, f);
    this.trim();
    this.version += 1;
  }

  /** Newest first. */
  list(limit: number): Fill[] {
    return [...this.byKey.values()].sort((a, b) => b.ts - a.ts || (b.tradeId.length - a.tradeId.length) || (b.tradeId < a.tradeId ? -1 : 1)).slice(0, limit);
  }

  clear(): void {
    this.byKey.clear();
    this.version += 1;
  }

  private trim(): void {
    if (this.byKey.size <= 2000) return;
    for (const f of this.list(this.byKey.size).slice(1000)) this.byKey.delete(`${f.tradeId}:${f.orderId}`);
  }
}

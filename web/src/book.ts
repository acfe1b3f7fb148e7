/**
 * The L2 book of one symbol from the `book` channel (docs/protocol.md): `book_snapshot`, then
 * `book_update`s with seq = previous + 1 carrying absolute level quantities ("0" removes). On a gap
 * the owner re-subscribes for a fresh snapshot; updates before a snapshot are ignored.
 */
import { cmpDec, subDec, toNumber } from './decimal.ts';
import { h, setText } from './dom.ts';
import type { Msg } from './ws.ts';

export type Level = [price: string, quantity: string];

export class BookState {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  /** The last applied sequence; null until a snapshot arrives. */
  seq: number | null = null;
  /** Bumped on every change (views cache their sorted levels by it). */
  version = 0;
  private sortedAt = -1;
  private sorted: { bids: Level[]; asks: Level[] } = { bids: [], asks: [] };

  reset(): void {
    this.bids.clear();
    this.asks.clear();
    this.seq = null;
    this.version += 1;
  }

  /** Apply a book message: 'gap' means the state was dropped and a fresh snapshot is needed. */
  apply(m: Msg): 'ok' | 'gap' | 'ignored' {
    const seq = Number(m.seq);
    if (m.type === 'book_snapshot') {
      this.bids.clear();
      this.asks.clear();
      put(this.bids, m.bids);
      put(this.asks, m.asks);
      this.seq = seq;
      this.version += 1;
      return 'ok';
    }
    if (m.type !== 'book_update' || this.seq === null || seq <= this.seq) return 'ignored';
    if (seq !== this.seq + 1) {
      this.reset();
      return 'gap';
    }
    put(this.bids, m.bids);
    put(this.asks, m.asks);
    this.seq = seq;
    this.version += 1;
    return 'ok';
  }

  /** Levels best first (bids high → low, asks low → high); sorted once per change. */
  levels(): { bids: Level[]; asks: Level[] } {
    if (this.sortedAt !== this.version) {
      this.sorted = { bids: sortLevels(this.bids, -1), asks: sortLevels(this.asks, 1) };
      this.sortedAt = this.version;
    }
    return this.sorted;
  }
}

function put(side: Map<string, string>, levels: unknown): void {
  if (!Array.isArray(levels)) return;
  for (const lv of levels as Array<[string, string]>) {
    const [price, qty] = lv;
    // "0" (or "0.000") removes the level; removing one we do not hold is a no-op.
    if (/^0*(\.0*)?$/.test(qty)) side.delete(price);
    else side.set(price, qty);
  }
}

function sortLevels(side: Map<string, string>, dir: 1 | -1): Level[] {
  const out = [...side.entries()].map(([p, q]) => ({ p, q, n: Number(p) }));
  // Number order first (fast); the exact decimal compare only breaks float ties.
  out.sort((a, b) => dir * (a.n - b.n || cmpDec(a.p, b.p)));
  return out.map((x) => [x.p, x.q]);
}

/** The ladder: asks above (best at the bottom), the spread, bids below; bars by level quantity. */
export class Ladder {
  readonly el: HTMLElement;
  private readonly askRows: Row[] = [];
  private readonly bidRows: Row[] = [];
  private readonly spread: HTMLElement;
  private renderedVersion = -1;
  private mineKey = '';

  constructor(private readonly depth = 12) {
    this.spread = h('div', { class: 'spread', 'data-testid': 'spread' }, '—');
    const asks = h('div', { class: 'side asks' });
    const bids = h('div', { class: 'side bids' });
    for (let i = 0; i < depth; i++) {
      const a = new Row('ask');
      this.askRows.push(a);
      asks.prepend(a.el); // best ask nearest the spread
      const b = new Row('bid');
      this.bidRows.push(b);
      bids.append(b.el);
    }
    this.el = h('div', { class: 'ladder', 'data-testid': 'ladder', role: 'table', 'aria-label': 'Order book' },
      h('div', { class: 'lvl head', role: 'row' }, h('span', { class: 'px', role: 'columnheader' }, 'Price'), h('span', { class: 'qty', role: 'columnheader' }, 'Size'), h('span', { class: 'cum', role: 'columnheader' }, 'Total')),
      asks, this.spread, bids);
  }

  /** Draw the book; `mine`: prices where this account has open orders (highlighted). */
  render(book: BookState, mine?: { bids: Set<string>; asks: Set<string> }): void {
    const key = mine ? `${[...mine.bids].join()}|${[...mine.asks].join()}` : '';
    if (book.version === this.renderedVersion && key === this.mineKey) return;
    this.renderedVersion = book.version;
    this.mineKey = key;
    const { bids, asks } = book.levels();
    let max = 0;
    for (let i = 0; i < this.depth; i++) {
      if (i < bids.length) max = Math.max(max, toNumber(bids[i][1]));
      if (i < asks.length) max = Math.max(max, toNumber(asks[i][1]));
    }
    fill(this.bidRows, bids, max, mine?.bids);
    fill(this.askRows, asks, max, mine?.asks);
    if (book.seq === null) setText(this.spread, 'waiting for the book…');
    else if (bids.length && asks.length) {
      const s = subDec(asks[0][0], bids[0][0]) ?? '';
      const bps = ((toNumber(asks[0][0]) - toNumber(bids[0][0])) / ((toNumber(asks[0][0]) + toNumber(bids[0][0])) / 2)) * 10_000;
      setText(this.spread, `spread ${s} (${bps.toFixed(1)} bps)`);
    } else setText(this.spread, bids.length || asks.length ? 'one-sided book' : 'empty book');
  }
}

function fill(rows: Row[], levels: Level[], max: number, mine: Set<string> | undefined): void {
  let cum = 0;
  for (let i = 0; i < rows.length; i++) {
    const lv = levels[i];
    if (lv) cum += toNumber(lv[1]);
    rows[i].set(lv ?? null, cum, max, mine?.has(lv?.[0] ?? '') ?? false);
  }
}

class Row {
  readonly el: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly px: HTMLElement;
  private readonly qty: HTMLElement;
  private readonly cum: HTMLElement;

  constructor(side: 'bid' | 'ask') {
    this.bar = h('span', { class: 'bar' });
    this.px = h('span', { class: 'px', role: 'cell' });
    this.qty = h('span', { class: 'qty', role: 'cell' });
    this.cum = h('span', { class: 'cum', role: 'cell' });
    this.el = h('div', { class: `lvl ${side} empty`, role: 'row', 'data-testid': `${side}-row` }, this.bar, this.px, this.qty, this.cum);
  }

  set(level: Level | null, cum: number, max: number, mine: boolean): void {
    const price = level?.[0] ?? '';
    if (this.el.dataset.price !== price) this.el.dataset.price = price;
    if (this.el.dataset.qty !== (level?.[1] ?? '')) this.el.dataset.qty = level?.[1] ?? '';
    this.el.classList.toggle('empty', level === null);
    this.el.classList.toggle('mine', mine);
    setText(this.px, price);
    setText(this.qty, level?.[1] ?? '');
    setText(this.cum, level ? trimNum(cum) : '');
    const w = level && max > 0 ? `${Math.min(100, (toNumber(level[1]) / max) * 100).toFixed(1)}%` : '0%';
    if (this.bar.style.width !== w) this.bar.style.width = w;
  }
}

/** A cumulative quantity for display (floats summed: display only). */
function trimNum(n: number): string {
  return Number(n.toPrecision(12)).toString();
}

/**
 * Market page: symbol picker, ladder with depth bars and the spread, cumulative depth, candles with
 * volume, trade tape and the 24 h ticker — all live from the market-data channels. Messages only
 * change state and mark the page dirty; it draws on the next animation frame.
 */
import type { App, Page } from './app.ts';
import { BookState, Ladder } from './book.ts';
import { CandleChart, DepthChart } from './charts.ts';
import type { Candle } from './charts.ts';
import { h, select, setText } from './dom.ts';
import { timeOfDay } from './format.ts';
import type { Msg, Topic } from './ws.ts';

export const INTERVALS = ['1s', '1m', '5m', '15m', '1h', '1d'] as const;

interface Trade {
  tradeId: string;
  price: string;
  quantity: string;
  takerSide: string;
  ts: number;
}

/** A tape entry: a trade, or a marker where the trades channel's `seq` jumped (trades missed). */
type TapeEntry = Trade | { gap: true };

/** The last trades, newest first (a fixed number of reused rows). */
export class Tape {
  readonly el: HTMLElement;
  private readonly entries: TapeEntry[] = [];
  private readonly rows: HTMLElement[] = [];
  private version = 0;
  private drawn = -1;

  constructor(private readonly size = 30) {
    const body = h('div', { class: 'tape-rows' });
    for (let i = 0; i < size; i++) {
      const r = h('div', { class: 'tape-row empty', 'data-testid': 'tape-row', role: 'row' }, h('span', { role: 'cell' }), h('span', { role: 'cell' }), h('span', { role: 'cell' }));
      this.rows.push(r);
      body.append(r);
    }
    this.el = h('div', { class: 'tape', 'data-testid': 'tape', role: 'table', 'aria-label': 'Trades' },
      h('div', { class: 'tape-row head', role: 'row' }, h('span', { role: 'columnheader' }, 'Price'), h('span', { role: 'columnheader' }, 'Size'), h('span', { role: 'columnheader' }, 'Time')), body);
  }

  add(t: Trade): void {
    this.push(t);
  }

  /** Trades were missed here (conflation, reconnect): the tape is not continuous. */
  addGap(): void {
    if (this.entries.length > 0 && 'gap' in this.entries[0]) return;
    this.push({ gap: true });
  }

  clear(): void {
    this.entries.length = 0;
    this.version += 1;
  }

  render(): void {
    if (this.drawn === this.version) return;
    this.drawn = this.version;
    for (let i = 0; i < this.size; i++) {
      const t = this.entries[i];
      const r = this.rows[i];
      const [p, q, ts] = r.children;
      if (t && 'gap' in t) {
        r.className = 'tape-row gap';
        r.title = 'trades missed here (the connection fell behind or reconnected)';
        setText(p, '⋯ gap');
        setText(q, 'missed');
        setText(ts, '');
        continue;
      }
      r.className = t ? `tape-row ${t.takerSide === 'buy' ? 'buy' : 'sell'}` : 'tape-row empty';
      if (r.title) r.title = '';
      setText(p, t?.price ?? '');
      setText(q, t?.quantity ?? '');
      setText(ts, t ? timeOfDay(t.ts) : '');
    }
  }

  private push(e: TapeEntry): void {
    this.entries.unshift(e);
    if (this.entries.length > this.size) this.entries.length = this.size;
    this.version += 1;
  }
}

const TICKER_FIELDS: Array<[key: string, label: string]> = [
  ['last', 'Last'], ['change', '24h change'], ['high', '24h high'], ['low', '24h low'], ['volume', '24h volume'], ['quoteVolume', '24h quote volume'], ['vwap', 'VWAP'], ['trades', 'Trades'],
];

export class TickerView {
  readonly el: HTMLElement;
  private readonly cells = new Map<string, HTMLElement>();
  private ticker: Msg | null = null;
  private dirty = true;

  constructor() {
    this.el = h('dl', { class: 'ticker', 'data-testid': 'ticker' });
    for (const [key, label] of TICKER_FIELDS) {
      const dd = h('dd', { 'data-field': key }, '—');
      this.cells.set(key, dd);
      this.el.append(h('div', null, h('dt', null, label), dd));
    }
  }

  set(t: Msg | null): void {
    this.ticker = t;
    this.dirty = true;
  }

  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const t = this.ticker;
    for (const [key] of TICKER_FIELDS) {
      const el = this.cells.get(key)!;
      let v = t?.[key];
      if (key === 'change' && t && t.change !== null) v = `${String(t.change)} (${String(t.changePercent)} %)`;
      setText(el, v === null || v === undefined ? '—' : String(v));
      if (key === 'change') {
        el.classList.toggle('up', typeof t?.change === 'string' && !t.change.startsWith('-') && t.change !== '0');
        el.classList.toggle('down', typeof t?.change === 'string' && t.change.startsWith('-'));
      }
    }
  }
}

export function marketPage(app: App): Page {
  const symbolSel = select(app.symbols.map((s) => s.symbol), { id: 'market-symbol', 'data-testid': 'symbol-select' });
  symbolSel.value = app.symbol;
  const intervalSel = select([...INTERVALS], { id: 'market-interval', 'data-testid': 'interval-select' });
  intervalSel.value = '1m';

  const book = new BookState();
  const ladder = new Ladder(15);
  const tape = new Tape(30);
  const ticker = new TickerView();
  const candles = new CandleChart();
  const render = (): void => {
    ladder.render(book);
    depth.render(book);
    candles.render();
    tape.render();
    ticker.render();
  };
  const dirty = (): void => app.frames.mark(render);
  const depth = new DepthChart(dirty);

  let subs: Array<() => void> = [];
  let candleSub: (() => void) | null = null;

  const subscribeCandles = (symbol: string): void => {
    candleSub?.();
    candles.clear();
    const topic: Topic = { channel: 'candles', symbol, interval: intervalSel.value };
    candleSub = app.conn.subscribe(topic, {
      reset: () => { candles.clear(); dirty(); },
      message: (m) => {
        if (m.type === 'candles_snapshot') candles.setSnapshot((m.candles as Candle[]) ?? [], topic.interval);
        else candles.push(m as unknown as Candle);
        dirty();
      },
    });
  };

  const subscribe = (symbol: string): void => {
    for (const u of subs) u();
    book.reset();
    tape.clear();
    let lastTradeSeq: number | null = null;
    ticker.set(null);
    const info = app.info(symbol);
    if (info) candles.setTick(info.tickSize);
    const bookTopic: Topic = { channel: 'book', symbol };
    subs = [
      app.conn.subscribe(bookTopic, {
        reset: () => { book.reset(); dirty(); },
        message: (m) => {
          if (book.apply(m) === 'gap') app.conn.resubscribe(bookTopic);
          dirty();
        },
      }),
      app.conn.subscribe({ channel: 'trades', symbol }, {
        // Kept over a reconnect: the next trade's seq tells whether any were missed meanwhile.
        reset: () => {},
        message: (m) => {
          const seq = Number(m.seq);
          if (lastTradeSeq !== null && seq !== lastTradeSeq + 1) tape.addGap();
          lastTradeSeq = seq;
          tape.add({ tradeId: String(m.tradeId), price: String(m.price), quantity: String(m.quantity), takerSide: String(m.takerSide), ts: Number(m.ts) });
          dirty();
        },
      }),
      app.conn.subscribe({ channel: 'ticker', symbol }, {
        reset: () => {},
        message: (m) => { ticker.set(m); dirty(); },
      }),
    ];
    subscribeCandles(symbol);
    dirty();
  };

  symbolSel.addEventListener('change', () => {
    app.setSymbol(symbolSel.value);
    subscribe(symbolSel.value);
  });
  intervalSel.addEventListener('change', () => { subscribeCandles(app.symbol); dirty(); });

  const el = h('section', { class: 'page market', 'data-testid': 'page-market', 'aria-labelledby': 'market-title' },
    h('div', { class: 'toolbar' },
      h('h1', { id: 'market-title' }, 'Market'),
      h('label', { for: 'market-symbol' }, 'Symbol'), symbolSel,
      ticker.el),
    h('div', { class: 'market-grid' },
      h('div', { class: 'panel book-panel' }, h('h2', null, 'Order book'), ladder.el),
      h('div', { class: 'panel chart-panel' },
        h('div', { class: 'panel-head' }, h('h2', null, 'Candles'), h('label', { for: 'market-interval' }, 'Interval'), intervalSel),
        candles.el),
      h('div', { class: 'panel tape-panel' }, h('h2', null, 'Trades'), tape.el),
      h('div', { class: 'panel depth-panel' }, h('h2', null, 'Depth'), depth.el)));

  subscribe(app.symbol);
  return {
    el,
    dispose() {
      for (const u of subs) u();
      candleSub?.();
      app.frames.cancel(render);
      depth.dispose();
      candles.dispose();
    },
  };
}

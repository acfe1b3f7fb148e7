/**
 * The market page's charts: cumulative depth (a canvas of our own) and candles with volume
 * (TradingView lightweight-charts; its attribution logo is on the chart and the notice in the
 * page footer). Both draw only when asked from an animation frame.
 */
import { CandlestickSeries, HistogramSeries, createChart } from 'lightweight-charts';
import type { IChartApi, ISeriesApi, UTCTimestamp } from 'lightweight-charts';
import type { BookState, Level } from './book.ts';
import { parseDec, toNumber } from './decimal.ts';
import { h } from './dom.ts';

const BID = '#26a69a';
const ASK = '#ef5350';
const TEXT = '#9aa7b4';
/** Levels a side the depth chart draws. */
const DEPTH_LEVELS = 200;
/** Candles the chart keeps: the last WINDOW, trimmed back to it (one setData) once it holds WINDOW + SLACK. */
const WINDOW = 1000;
const SLACK = 100;

export class DepthChart {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private drawnVersion = -1;
  private drawnSize = '';
  private readonly resize: ResizeObserver;

  /** `onResize`: the owner marks the chart dirty (it draws on the next frame). */
  constructor(onResize: () => void) {
    this.canvas = h('canvas', { role: 'img', 'aria-label': 'Cumulative depth chart: bids left, asks right' });
    this.el = h('div', { class: 'depth', 'data-testid': 'depth-chart' }, this.canvas);
    this.resize = new ResizeObserver(onResize);
    this.resize.observe(this.el);
  }

  dispose(): void {
    this.resize.disconnect();
  }

  render(book: BookState): void {
    const dpr = window.devicePixelRatio || 1;
    const cssW = this.el.clientWidth;
    const cssH = this.el.clientHeight;
    const size = `${cssW}x${cssH}x${dpr}`;
    if (book.version === this.drawnVersion && size === this.drawnSize) return;
    this.drawnVersion = book.version;
    this.drawnSize = size;
    if (cssW === 0 || cssH === 0) return;
    if (this.canvas.width !== Math.round(cssW * dpr)) this.canvas.width = Math.round(cssW * dpr);
    if (this.canvas.height !== Math.round(cssH * dpr)) this.canvas.height = Math.round(cssH * dpr);
    this.canvas.style.width = `${cssW}px`;
    this.canvas.style.height = `${cssH}px`;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    const { bids, asks } = book.levels();
    const b = cumulative(bids.slice(0, DEPTH_LEVELS));
    const a = cumulative(asks.slice(0, DEPTH_LEVELS));
    // What was drawn, for tests and devtools.
    this.el.dataset.bidLevels = String(b.length);
    this.el.dataset.askLevels = String(a.length);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = TEXT;
    if (b.length === 0 && a.length === 0) {
      ctx.fillText(book.seq === null ? 'waiting for the book…' : 'no orders', 8, 16);
      return;
    }
    const bestBid = b[0]?.p ?? a[0].p;
    const bestAsk = a[0]?.p ?? b[0].p;
    const mid = (bestBid + bestAsk) / 2;
    // Symmetric around the mid, wide enough for the deeper side.
    const half = Math.max(mid - (b[b.length - 1]?.p ?? mid), (a[a.length - 1]?.p ?? mid) - mid, mid * 0.0005);
    const lo = mid - half;
    const hi = mid + half;
    const top = Math.max(b[b.length - 1]?.c ?? 0, a[a.length - 1]?.c ?? 0) * 1.08;
    const padB = 18;
    const x = (p: number): number => ((p - lo) / (hi - lo)) * cssW;
    const y = (c: number): number => cssH - padB - (c / top) * (cssH - padB - 6);
    area(ctx, b, x, y, x(lo), cssH - padB, BID);
    area(ctx, a, x, y, x(hi), cssH - padB, ASK);
    ctx.fillStyle = TEXT;
    ctx.textBaseline = 'bottom';
    ctx.textAlign = 'left';
    ctx.fillText(fmt(lo), 2, cssH - 2);
    ctx.textAlign = 'center';
    ctx.fillText(fmt(mid), cssW / 2, cssH - 2);
    ctx.textAlign = 'right';
    ctx.fillText(fmt(hi), cssW - 2, cssH - 2);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(`Σ ${fmt(top / 1.08)}`, 4, 4);
  }
}

function cumulative(levels: Level[]): Array<{ p: number; c: number }> {
  let c = 0;
  return levels.map(([p, q]) => {
    c += toNumber(q);
    return { p: toNumber(p), c };
  });
}

/** A step area from the best price outwards to `edgeX`. */
function area(ctx: CanvasRenderingContext2D, pts: Array<{ p: number; c: number }>, x: (p: number) => number, y: (c: number) => number, edgeX: number, base: number, color: string): void {
  if (pts.length === 0) return;
  ctx.beginPath();
  ctx.moveTo(x(pts[0].p), base);
  let prev = 0;
  for (const pt of pts) {
    ctx.lineTo(x(pt.p), y(prev));
    ctx.lineTo(x(pt.p), y(pt.c));
    prev = pt.c;
  }
  ctx.lineTo(edgeX, y(prev));
  ctx.lineTo(edgeX, base);
  ctx.closePath();
  ctx.globalAlpha = 0.25;
  ctx.fillStyle = color;
  ctx.fill();
  ctx.globalAlpha = 1;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.stroke();
}

function fmt(n: number): string {
  return Number(n.toPrecision(7)).toString();
}

/** A `candle` / candles_snapshot entry (docs/protocol.md). */
export interface Candle {
  start: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

export class CandleChart {
  readonly el: HTMLElement;
  private readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly volume: ISeriesApi<'Histogram'>;
  /** A snapshot to set at the next render (null: none pending), with what it is of (e.g. the interval). */
  private snapshot: { candles: Candle[]; label: string } | null = { candles: [], label: '' };
  /** Candle updates since the last render, the latest per bucket. */
  private readonly pending = new Map<number, Candle>();
  /** What the chart holds, oldest first: at most WINDOW + SLACK bars (a series only grows otherwise). */
  private bars: Candle[] = [];

  constructor() {
    this.el = h('div', { class: 'candles', 'data-testid': 'candle-chart', 'data-bars': '0' });
    this.chart = createChart(this.el, {
      autoSize: true,
      layout: { background: { color: 'transparent' }, textColor: TEXT, attributionLogo: true, fontSize: 11 },
      grid: { vertLines: { color: 'rgba(255,255,255,0.04)' }, horzLines: { color: 'rgba(255,255,255,0.04)' } },
      timeScale: { timeVisible: true, secondsVisible: true, borderColor: '#2a3441', rightOffset: 4, barSpacing: 10 },
      rightPriceScale: { borderColor: '#2a3441' },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, { upColor: BID, downColor: ASK, borderVisible: false, wickUpColor: BID, wickDownColor: ASK });
    this.volume = this.chart.addSeries(HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false });
    this.chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    this.candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.25 } });
  }

  /** Price axis precision from the symbol's tick ("0.01" → 2 decimals). */
  setTick(tickSize: string): void {
    const d = parseDec(tickSize);
    if (d) this.candles.applyOptions({ priceFormat: { type: 'price', precision: d.scale, minMove: toNumber(tickSize) } });
  }

  /** `label`: what the candles are of (the interval), shown as the element's `data-interval`. */
  setSnapshot(candles: Candle[], label = ''): void {
    this.snapshot = { candles, label };
    this.pending.clear();
  }

  push(c: Candle): void {
    this.pending.set(c.start, c);
  }

  clear(): void {
    this.setSnapshot([]);
  }

  get dirty(): boolean {
    return this.snapshot !== null || this.pending.size > 0;
  }

  render(): void {
    if (this.snapshot !== null) {
      this.bars = [...this.snapshot.candles].sort((x, y) => x.start - y.start).slice(-WINDOW);
      this.setData();
      this.el.dataset.interval = this.snapshot.label;
      this.snapshot = null;
    }
    if (this.pending.size === 0) return;
    const updates = [...this.pending.values()].sort((x, y) => x.start - y.start);
    this.pending.clear();
    for (const c of updates) {
      const last = this.bars[this.bars.length - 1];
      if (last && c.start < last.start) continue; // the chart only takes the last bar or a newer one
      if (last && c.start === last.start) this.bars[this.bars.length - 1] = c;
      else this.bars.push(c);
      this.candles.update(bar(c));
      this.volume.update(vol(c));
    }
    if (this.bars.length >= WINDOW + SLACK) {
      this.bars = this.bars.slice(-WINDOW);
      this.setData();
    } else this.describe();
  }

  dispose(): void {
    this.chart.remove();
  }

  private setData(): void {
    this.candles.setData(this.bars.map(bar));
    this.volume.setData(this.bars.map(vol));
    this.describe();
  }

  /** What the chart shows, for tests and devtools: `data-bars`, `data-last-close`. */
  private describe(): void {
    this.el.dataset.bars = String(this.bars.length);
    this.el.dataset.lastClose = this.bars[this.bars.length - 1]?.close ?? '';
  }
}

function bar(c: Candle): { time: UTCTimestamp; open: number; high: number; low: number; close: number } {
  return { time: (c.start / 1000) as UTCTimestamp, open: toNumber(c.open), high: toNumber(c.high), low: toNumber(c.low), close: toNumber(c.close) };
}

function vol(c: Candle): { time: UTCTimestamp; value: number; color: string } {
  return { time: (c.start / 1000) as UTCTimestamp, value: toNumber(c.volume), color: toNumber(c.close) >= toNumber(c.open) ? 'rgba(38,166,154,0.5)' : 'rgba(239,83,80,0.5)' };
}

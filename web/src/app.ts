/** What every page shares: the connection, the frame loop, the symbols and the selected one. */
import type { FrameLoop } from './frame.ts';
import type { Connection } from './ws.ts';

/** An entry of GET /v1/symbols. */
export interface SymbolInfo {
  symbol: string;
  tickSize: string;
  lotSize: string;
  shard: number;
  referencePrice: string;
  priceBandPct: string;
  maxOrderQty: string;
}

export interface App {
  conn: Connection;
  frames: FrameLoop;
  symbols: SymbolInfo[];
  /** The selected symbol (shared by the market and trade pages). */
  symbol: string;
  setSymbol(symbol: string): void;
  info(symbol: string): SymbolInfo | undefined;
}

/** A mounted page: its element and what to undo when the user leaves it. */
export interface Page {
  el: HTMLElement;
  dispose(): void;
}

export type PageFactory = (app: App) => Page;

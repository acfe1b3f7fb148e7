export { MarketData } from './market-data.ts';
export type { MarketDataSink, MarketDataMessage } from './market-data.ts';
export { AccountViews, DEFAULT_VIEW_OPTIONS } from './accounts.ts';
export type { AccountRecord, FillRecord, OrderRecord, ViewOptions } from './accounts.ts';
export { CANDLE_INTERVALS, Candles, DEFAULT_CANDLE_RETENTION, INTERVAL_MS } from './candles.ts';
export type { CandleInterval, CandleMessage, TickerMessage } from './candles.ts';

export { MarketData } from './market-data.ts';
export type { MarketDataSink, MarketDataMessage } from './market-data.ts';

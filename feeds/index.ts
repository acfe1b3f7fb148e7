export { MarketData } from './market-data.ts';
export type { MarketDataSink } from './market-data.ts';

export { loadConfig } from './config-loader.ts';
export { EventPump } from './event-pump.ts';

/**
 * A hook for the browser tests, installed only when the page's URL has `?test=1`
 * (`window.__ringmatchTest`): inject a message as if the server had sent it (a book gap, a trade
 * sequence jump), send raw requests (to spend the connection's subscribe budget), read the topics'
 * subscription states. It touches only this page's own view of the data.
 */
import type { Connection, Msg, TopicInfo } from './ws.ts';

export interface TestHook {
  inject(m: Msg): void;
  /** A `book_update` far past the book's sequence, with a level that must never be shown. */
  injectGap(symbol: string): void;
  /** `n` unsubscribe requests for a topic the page does not hold (they take subscribe tokens). */
  spendSubscribeBudget(symbol: string, n: number): void;
  topics(): TopicInfo[];
}

export function installTestHook(conn: Connection): void {
  if (new URLSearchParams(location.search).get('test') !== '1') return;
  const hook: TestHook = {
    inject: (m) => conn.inject(m),
    injectGap: (symbol) => conn.inject({ type: 'book_update', symbol, seq: Number.MAX_SAFE_INTEGER, bids: [['1', '999']], asks: [] }),
    spendSubscribeBudget(symbol, n) {
      for (let i = 0; i < n; i++) conn.sendRaw({ type: 'unsubscribe', channels: ['bbo'], symbols: [symbol] });
    },
    topics: () => conn.topicStates(),
  };
  (window as unknown as { __ringmatchTest: TestHook }).__ringmatchTest = hook;
}

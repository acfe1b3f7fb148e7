/**
 * The attacker of bench/abuse-isolation.ts, in its own process (so it does not share a thread with
 * the measured trader): loops one kind of unauthenticated request as fast as the server answers,
 * `concurrency` at a time, for `seconds`, then prints how many it completed.
 * Usage: node --import tsx bench/abuse-attacker.ts <mode> <http base> <ws url> <symbol> <seconds>
 */
import WebSocket from 'ws';

const [mode, http, wsUrl, symbol, secondsText] = process.argv.slice(2);
const endAt = Date.now() + Number(secondsText) * 1000;
let done = 0;

async function httpLoop(path: string): Promise<void> {
  while (Date.now() < endAt) {
    const r = await fetch(`${http}${path}`);
    await r.arrayBuffer();
    done++;
  }
}

async function wsLoop(frames: () => string): Promise<void> {
  const ws = new WebSocket(wsUrl);
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  let inFlight = 0;
  ws.on('message', () => { done++; inFlight = Math.max(0, inFlight - 1); });
  while (Date.now() < endAt && ws.readyState === WebSocket.OPEN) {
    // Keep up to 64 requests outstanding (an attacker who reads its answers, as the server wants).
    while (inFlight < 64) {
      ws.send(frames());
      inFlight++;
    }
    await new Promise((r) => setImmediate(r));
  }
  ws.terminate();
}

let toggle = false;
const loops: Record<string, () => Promise<void>> = {
  book: () => httpLoop(`/v1/book/${symbol}?depth=1000`),
  stats: () => httpLoop('/v1/stats/latency'),
  health: () => httpLoop((toggle = !toggle) ? '/health/deep' : '/metrics'),
  badpath: () => httpLoop('/v1/book/%E0%A4%A'),
  subscribe: () => wsLoop(() => JSON.stringify({ type: (toggle = !toggle) ? 'subscribe' : 'unsubscribe', channels: ['book'], symbols: [symbol] })),
  garbage: () => wsLoop(() => `{"type":"subscribe","channels":["book"],"symbols":${'['.repeat(2_000)}${']'.repeat(2_000)}}`),
};
const loop = loops[mode];
if (!loop) {
  process.stderr.write(`unknown mode ${mode}: ${Object.keys(loops).join(', ')}\n`);
  process.exit(2);
}
await Promise.allSettled(Array.from({ length: mode === 'subscribe' || mode === 'garbage' ? 4 : 8 }, () => loop()));
process.stdout.write(`${JSON.stringify({ mode, requests: done })}\n`);
process.exit(0); // keep-alive sockets would hold the process open

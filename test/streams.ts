/** Reproducible command streams shared by tests (cold; allocates). */
import { CommandType, OrderType, Side, Stp, TimeInForce } from '../engine/codes.ts';
import type { Command } from '../engine/command-slot.ts';
import { prng } from './engine-events.ts';

/** A stream with everything that changes state: fills, moves, new client ids, STP, mass cancels, kill switches, halts. */
export function richStream(n: number, seed: number): Command[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const out: Command[] = [];
  // Orders placed so far, by client id (cancels and replaces name their own account's orders).
  const placed: Array<{ clOrd: string; accountId: number; symbolId: number }> = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.45 || placed.length === 0) {
      const symbolId = pick([0, 1]);
      const accountId = pick([1, 2, 2, 0]);
      const market = r() < 0.08;
      out.push({
        type: CommandType.NEW, symbolId, accountId, side: pick([Side.BUY, Side.SELL]), orderType: market ? OrderType.MARKET : OrderType.LIMIT,
        tif: market ? TimeInForce.IOC : pick([TimeInForce.GTC, TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK]),
        stp: pick([Stp.NONE, Stp.NONE, Stp.CANCEL_OLDEST, Stp.DECREMENT, Stp.CANCEL_NEWEST]), price: 9990 + Math.floor(r() * 20), qty: 1 + Math.floor(r() * 15),
        clientOrderId: `r${i}`,
      });
      placed.push({ clOrd: `r${i}`, accountId, symbolId });
    } else if (x < 0.97) {
      const t = placed[placed.length - 1 - Math.floor(r() * Math.min(placed.length, 12))];
      const base = { symbolId: t.symbolId, accountId: t.accountId, byClientId: true, clientOrderId: t.clOrd };
      if (x < 0.55) out.push({ ...base, type: CommandType.CANCEL });
      else if (x < 0.94) {
        const newId = r() < 0.3 ? `n${i}` : undefined;
        out.push({ ...base, type: CommandType.REPLACE, price: r() < 0.4 ? 9990 + Math.floor(r() * 20) : 0, qty: Math.floor(r() * 20), newClientOrderId: newId });
        if (newId) t.clOrd = newId;
      } else out.push({ type: CommandType.MASS_CANCEL, symbolId: pick([-1, 0, 1]), accountId: t.accountId });
    } else {
      // Kill switch or halt, undone a few commands later.
      const symbolId = pick([0, 1]);
      const accountId = pick([0, 1, 2]);
      const on = pick([CommandType.HALT_SYMBOL, CommandType.DISABLE_ACCOUNT]);
      out.push({ type: on, symbolId, accountId });
      out.push({ type: on === CommandType.HALT_SYMBOL ? CommandType.RESUME_SYMBOL : CommandType.ENABLE_ACCOUNT, symbolId, accountId });
    }
  }
  return out;
}


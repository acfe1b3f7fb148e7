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


/**
 * richStream's mix plus every order type (docs/order-types.md): stops and stop-limits around the
 * trading range (some stop-limits priced outside the band at their trigger), OCO groups, icebergs,
 * GTD orders expiring a few to a few hundred commands later, CLOCK commands, replaces of stops.
 * Engine time: command i arrives at `T0 + i` ms.
 */
export const STREAM_T0_MS = 1_700_000_000_000;
export function orderTypesStream(n: number, seed: number): Command[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const base = richStream(n, seed + 1000);
  const out: Command[] = [];
  const placed: Array<{ clOrd: string; accountId: number; symbolId: number; stop: boolean }> = [];
  for (let i = 0; i < n; i++) {
    const ms = STREAM_T0_MS + i;
    const ingressTs = ms * 1000;
    const x = r();
    const symbolId = pick([0, 1]);
    const accountId = pick([1, 2, 2, 0]);
    const side = pick([Side.BUY, Side.SELL]);
    const gtd = r() < 0.3;
    const tif = gtd ? TimeInForce.GTD : TimeInForce.GTC;
    const expireTime = gtd ? ms + 1 + Math.floor(r() * 300) : 0;
    const qty = 1 + Math.floor(r() * 12);
    const clientOrderId = `t${i}`;
    if (x < 0.12) {
      // A stop or stop-limit a little away from the range (buy stops above, sell stops below).
      const dir = side === Side.BUY ? 1 : -1;
      const stopPrice = 10000 + dir * Math.floor(r() * 12);
      const limit = r() < 0.1 ? 10000 - dir * 1500 : stopPrice + dir * Math.floor(r() * 6); // −1500: outside the band at the trigger
      const stopLimit = r() < 0.5;
      out.push({
        type: CommandType.NEW, symbolId, accountId, side, orderType: stopLimit ? OrderType.STOP_LIMIT : OrderType.STOP,
        tif: stopLimit ? pick([tif, tif, TimeInForce.IOC, TimeInForce.FOK]) : tif, stopPrice, price: stopLimit ? limit : 0, qty, expireTime,
        displayQty: stopLimit && r() < 0.3 ? 1 + Math.floor(r() * qty) : 0, clientOrderId, ingressTs,
      });
      placed.push({ clOrd: clientOrderId, accountId, symbolId, stop: true });
    } else if (x < 0.18) {
      // OCO: a limit leg on the near side and a stop leg on the far side.
      const dir = side === Side.BUY ? 1 : -1;
      const stopPrice = 10000 + dir * (2 + Math.floor(r() * 10));
      const stopLimit = r() < 0.5;
      out.push({
        type: CommandType.NEW_OCO, symbolId, accountId, side, orderType: OrderType.LIMIT, tif, price: 10000 - dir * Math.floor(r() * 8), qty,
        stopPrice, ocoOrderType: stopLimit ? OrderType.STOP_LIMIT : OrderType.STOP, ocoTif: tif, ocoPrice: stopLimit ? stopPrice + dir * 3 : 0,
        expireTime, displayQty: r() < 0.2 ? 1 + Math.floor(r() * qty) : 0, clientOrderId, newClientOrderId: `${clientOrderId}s`, ingressTs,
      });
      placed.push({ clOrd: clientOrderId, accountId, symbolId, stop: false });
      placed.push({ clOrd: `${clientOrderId}s`, accountId, symbolId, stop: true });
    } else if (x < 0.26) {
      // An iceberg (sometimes GTD).
      out.push({
        type: CommandType.NEW, symbolId, accountId, side, orderType: OrderType.LIMIT, tif, price: 9992 + Math.floor(r() * 16), qty: qty + 10,
        displayQty: 1 + Math.floor(r() * 4), expireTime, clientOrderId, ingressTs,
      });
      placed.push({ clOrd: clientOrderId, accountId, symbolId, stop: false });
    } else if (x < 0.3 && placed.length > 0) {
      const t = placed[placed.length - 1 - Math.floor(r() * Math.min(placed.length, 10))];
      const dir = r() < 0.5 ? 1 : -1;
      out.push({
        type: CommandType.REPLACE, symbolId: t.symbolId, accountId: t.accountId, byClientId: true, clientOrderId: t.clOrd, ingressTs,
        stopPrice: t.stop && r() < 0.7 ? 10000 + dir * Math.floor(r() * 12) : 0, qty: r() < 0.5 ? Math.floor(r() * 15) : 0, price: 0,
      });
    } else if (x < 0.33) {
      out.push({ type: CommandType.CLOCK, symbolId: -1, accountId: 0, ingressTs });
    } else {
      // richStream's own kind of command (its halts and kill switches come with their undo: skipped here).
      const b = base[i];
      const off = b.type === CommandType.HALT_SYMBOL || b.type === CommandType.DISABLE_ACCOUNT || b.type === CommandType.RESUME_SYMBOL || b.type === CommandType.ENABLE_ACCOUNT;
      const c: Command = off ? { type: CommandType.MASS_CANCEL, symbolId, accountId } : b;
      out.push({ ...c, ingressTs });
      if (c.type === CommandType.NEW && c.clientOrderId) placed.push({ clOrd: c.clientOrderId, accountId: c.accountId, symbolId: c.symbolId, stop: false });
    }
  }
  return out;
}

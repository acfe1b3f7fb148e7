/** Waiting on conditions in tests (never a fixed sleep standing in for one). */

/** Resolve once `cond` holds (polled every 10 ms); reject naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Commands the risk stage has processed, from a server's /metrics (its demo load's progress). */
export async function riskCommands(http: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  return Number(/^ringmatch_agent_commands_total\{agent="R"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

/**
 * Control and statistics words shared by the main thread and the engine workers, one 64-byte
 * line per agent so that no two writers share a line.
 *
 * ```
 *  line 0 (main thread writes)   word 0 stop         1 = the risk stage finishes its input and exits
 *                                word 1 shard stop   1 = the matching shards finish their input and
 *                                                    exit (set once the risk stage has exited, so
 *                                                    nothing it forwards is left behind)
 *  line 1 + agent (agent writes) word 0 state        0 starting, 1 running, 2 stopped, 3 failed
 *                                word 1 heartbeat    duty cycles with work (wraps)
 *                                word 2 commands     commands processed (wraps)
 *                                word 3 events       events published (wraps)
 *                                word 4 processed    commands fully processed and their events
 *                                                    committed (M agents; R: its last command sequence)
 *                                word 5 waits        times the agent waited for room in a full ring
 * ```
 * Agents: 0 = risk stage R, 1 + k = matching shard k.
 */
import { CACHE_LINE_BYTES, WORDS_PER_LINE } from '../ring/layout.ts';

export const STOP_WORD = 0;
export const SHARD_STOP_WORD = 1;
export const AgentState = { STARTING: 0, RUNNING: 1, STOPPED: 2, FAILED: 3 } as const;
export const STAT_STATE = 0;
export const STAT_HEARTBEAT = 1;
export const STAT_COMMANDS = 2;
export const STAT_EVENTS = 3;
export const STAT_PROCESSED = 4;
export const STAT_WAITS = 5;

export function controlBytes(agents: number): number {
  return (1 + agents) * CACHE_LINE_BYTES;
}

/** Int32 index of an agent's first stats word. */
export function agentLine(agent: number): number {
  return (1 + agent) * WORDS_PER_LINE;
}

export const RISK_AGENT = 0;
export function shardAgent(k: number): number {
  return 1 + k;
}

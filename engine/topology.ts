/**
 * The wiring of the engine, named: who owns which consumer cursor of every event ring. One place
 * decides it; the engine, the gateway, the journal thread, metrics and tests all ask here by name
 * instead of agreeing on numbers by convention.
 *
 * ```
 *   event ring E[k] consumer slots:  0 R (risk stage, always first) · 1.. the main thread's named
 *   consumers in the order given (G gateway, demo load, …) · last J (journal), when journaling
 * ```
 */
import { Stage } from './pipeline.ts';
import { MAX_CONSUMERS } from '../ring/layout.ts';

/** Names of the standard consumers (thread/stage letters as in engine/pipeline.ts). */
export const Consumer = { RISK: Stage.RISK, GATEWAY: Stage.GATEWAY, JOURNAL: Stage.JOURNAL, DEMO: 'demo' } as const;

export class EventConsumers {
  readonly names: readonly string[];

  /** `external`: the main thread's consumers, in slot order (default: the gateway alone). */
  constructor(external: readonly string[] = [Consumer.GATEWAY], journal = false) {
    const names = [Consumer.RISK as string, ...external, ...(journal ? [Consumer.JOURNAL as string] : [])];
    if (new Set(names).size !== names.length) throw new Error(`event-ring consumer names must be unique: ${names.join(', ')}`);
    if (names.length > MAX_CONSUMERS) throw new Error(`${names.length} event-ring consumers (${names.join(', ')}); a ring has at most ${MAX_CONSUMERS}`);
    this.names = names;
  }

  /** Slot of a named consumer; throws naming the ones that exist. */
  index(name: string): number {
    const i = this.names.indexOf(name);
    if (i < 0) throw new Error(`no event-ring consumer "${name}" (have ${this.names.join(', ')})`);
    return i;
  }

  has(name: string): boolean {
    return this.names.includes(name);
  }

  get count(): number {
    return this.names.length;
  }
}

/**
 * Most gateway threads an engine takes: every one is a consumer slot on every event ring, beside
 * R, J and the demo load (ring/layout.ts MAX_CONSUMERS).
 */
export const MAX_GATEWAY_THREADS = MAX_CONSUMERS - 4;

/** The risk stage's slot: always the first (its worker needs it before any topology is sent). */
export const RISK_CONSUMER = 0;

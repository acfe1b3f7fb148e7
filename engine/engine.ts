/**
 * The threaded engine as the gateway sees it (main thread): start the risk stage and the
 * matching shards on worker threads, submit command slots into the G→R ring, read events from
 * the shards' event rings with an external consumer cursor, query and stop the workers.
 */
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort, Worker } from 'node:worker_threads';
import { Doorbell } from '../ring/doorbell.ts';
import { RingBuffer, RingConsumer, RingProducer } from '../ring/ring.ts';
import { moduleUrl, startWorker, threadRuntime } from '../ring/threads.ts';
import type { ThreadRuntime } from '../ring/threads.ts';
import { CMD_SLOT_BYTES } from './command-slot.ts';
import type { Command } from './command-slot.ts';
import { AgentState, RISK_AGENT, STAT_COMMANDS, STAT_EVENTS, STAT_HEARTBEAT, STAT_PROCESSED, STAT_STATE, STAT_WAITS, STOP_WORD, SHARD_STOP_WORD, agentLine, controlBytes, shardAgent } from './control.ts';
import { EVT_SEQ, EVT_SLOT_BYTES } from './event-slot.ts';
import { Stage, shardThreadName } from './pipeline.ts';
import { Consumer, EventConsumers, MAX_GATEWAY_THREADS, RISK_CONSUMER } from './topology.ts';
import { EngineLink, gatewayConsumer } from './link.ts';
import type { LinkDescriptor } from './link.ts';
import { JournalThread } from './journal-thread.ts';
import type { JournalOpened } from './journal-thread.ts';
import type { DurabilityOptions } from './durability.ts';
import { durableWord } from './durability.ts';
import type { EngineSpec } from './config.ts';
import type { EngineWorkerData, RecoveryProgress, WorkerQuery, WorkerReply } from './engine-protocol.ts';
import { DEFAULT_SUPERVISOR, Supervisor } from './supervisor.ts';
import type { AgentPhase, SupervisorOptions } from './supervisor.ts';

/** Worker data shared by every engine agent (the rest is per agent). */
type WorkerBase = Omit<EngineWorkerData, 'role' | 'shard' | 'doorbell' | 'port' | 'restart'>;

export interface EngineOptions {
  /** The main thread's event-ring consumers, by name, in slot order (engine/topology.ts). Default: ['G']. */
  consumers?: string[];
  /**
   * Journal every event on a persistence thread (J), and rebuild dead threads from it. Default: off.
   * persistence/durability.ts `journalAt(dir)` builds it (the engine never imports persistence/).
   */
  journal?: DurabilityOptions;
  /** Rebuild books and risk from the journal before starting (needs `journal`). */
  recover?: boolean;
  /** With `recover`: start from the newest snapshot in this directory, then the journal tail. */
  snapshotDir?: string;
  /**
   * With `recover` from a snapshot: its sequences per shard. The journal thread then reads (and
   * checks) only the records after them when it opens the journal — those before were read and
   * checked when the snapshot was built from them, and recovery reads the rest; without it the
   * journal thread reads each shard's newest segment whole (~1 s per 280 MB).
   */
  snapshotSeqs?: number[];
  /** Called with recovery progress (every 100,000 records per worker, and when done). */
  onRecoveryProgress?: (p: RecoveryProgress) => void;
  /** Restart policy for dead workers (see engine/supervisor.ts); restarts need `journal`. */
  supervisor?: Partial<SupervisorOptions>;
  /**
   * Gateway threads (default 1): one command ring into the risk stage and one named consumer slot
   * on every event ring per thread. Thread 0 is the main thread (consumer "G", ring `input`); the
   * others ("G1", …) run on workers from `linkDescriptor(g)` (engine/link.ts).
   */
  gatewayThreads?: number;
}

const ENTRY = moduleUrl('./engine.worker.ts', import.meta.url);

export interface AgentStats {
  name: string;
  state: 'starting' | 'running' | 'stopped' | 'failed';
  heartbeat: number;
  commands: number;
  events: number;
  processed: number;
  waits: number;
}

export class Engine {
  readonly input: RingProducer;
  readonly eventRings: RingBuffer[];
  /** Rung by every shard when it commits events: the main gateway thread's (G) pump parks on it. */
  readonly eventDoorbell: Doorbell;
  private readonly control: Int32Array;
  private nextQueryId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private stopped = false;
  /** The persistence thread J (engine/journal-thread.ts), when journaling: its state words exist from the start. */
  private readonly journal: JournalThread | null;

  /** Durable sequence per shard (low 32 bits as Int32) and status words, when journaling (engine/durability.ts). */
  get journalState(): Int32Array | null {
    return this.journal?.state ?? null;
  }

  /** What the journal found on open (torn tails it repaired, durable sequences). */
  get journalOpen(): JournalOpened | null {
    return this.journal?.opened ?? null;
  }
  /** Threads that died after start-up (history; the supervisor restarts matching and risk workers). */
  readonly failures: Array<{ agent: string; error: Error; at: number }> = [];
  /** Called when a worker dies after start-up. */
  onFailure: ((agent: string, error: Error) => void) | null = null;
  /** Called when the supervisor moves an agent to another phase (restart progress). */
  onAgentPhase: ((agent: string, phase: AgentPhase, detail: unknown) => void) | null = null;
  /** Restarts dead risk/matching workers (see engine/supervisor.ts). */
  readonly supervisor: Supervisor;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];

  private constructor(
    readonly spec: EngineSpec,
    private readonly base: WorkerBase,
    private readonly doorbells: Doorbell[],
    control: Int32Array,
    input: RingProducer,
    eventRings: RingBuffer[],
    eventDoorbell: Doorbell,
    private readonly shardInputs: RingBuffer[],
    private readonly opts: EngineOptions,
    /** Who owns which event-ring consumer slot (engine/topology.ts). */
    readonly topology: EventConsumers,
    /** Command rings into the risk stage, one per gateway thread (`input` is the first's producer). */
    private readonly inputs: RingBuffer[],
    /** Doorbell of each consumer slot, by name (rung by the shards when they commit). */
    private readonly consumerDoorbells: Map<string, Doorbell>,
  ) {
    this.control = control;
    this.input = input;
    this.eventRings = eventRings;
    this.eventDoorbell = eventDoorbell;
    this.accountConns = new SharedArrayBuffer(4 * Math.max(1, spec.accounts.length));
    this.journal = opts.journal ? new JournalThread(opts.journal, eventRings.length, consumerDoorbells.get(Consumer.JOURNAL) as Doorbell) : null;
    const names = [Stage.RISK as string, ...eventRings.map((_, k) => shardThreadName(k)), ...(opts.journal ? [Stage.JOURNAL as string] : [])];
    this.journalAgent = opts.journal ? 1 + eventRings.length : -1;
    this.supervisor = new Supervisor({
      names,
      cannotRestart: () => (this.journal ? null : 'no journal is configured: a dead worker\'s state cannot be rebuilt (restart the server)'),
      whileDown: (agent) => { if (agent === RISK_AGENT) this.skipRiskEvents(); },
      blockedOn: (agent) => this.restartBlockedOn(agent),
      spawn: (agent) => (agent === this.journalAgent ? this.spawnJournal() : this.spawn(agent, true)),
      onPhase: (agent, phase, detail) => this.onAgentPhase?.(names[agent], phase, detail),
    }, { ...DEFAULT_SUPERVISOR, ...opts.supervisor });
  }

  /** Supervisor index of the persistence thread J (after the shards), or -1 without a journal. */
  readonly journalAgent: number;

  /**
   * Start (or restart) the persistence thread J. A restarted J continues from its ring cursor, which
   * only moves after a commit, and skips events the journal already holds (JournalAgent).
   */
  private async spawnJournal(): Promise<unknown> {
    const j = this.journal;
    if (!j) throw new Error('no journal configured');
    const { worker, ready } = await j.start({
      eventRings: this.eventRings.map((r) => r.buffer), consumerIndex: this.topology.index(Consumer.JOURNAL),
      wake: this.readerDoorbells().map((d) => d.buffer), idle: this.spec.idle,
    });
    this.runtimes.set(Stage.JOURNAL, ready.runtime ?? null);
    this.watch(worker, Stage.JOURNAL, this.journalAgent, () => j.markFailed());
    return ready;
  }

  /** A worker's death (error or exit) after start-up: record it, mark it down, tell the supervisor. */
  private watch(worker: Worker, name: string, agent: number, markDown: () => void): void {
    let dead = false;
    const died = (error: Error): void => {
      if (dead || this.stopping) return;
      dead = true;
      markDown();
      this.failures.push({ agent: name, error, at: Date.now() });
      this.onFailure?.(name, error);
      this.supervisor.onDeath(agent, error);
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`${name} thread exited (code ${code})`)));
  }

  /** Start agent 0 (risk) or 1 + k (shard k) on a new thread and wire it up; resolves when ready. */
  private async spawn(agent: number, restart: boolean): Promise<unknown> {
    const ch = new MessageChannel();
    const b = this.base;
    const data: EngineWorkerData = agent === RISK_AGENT
      ? { ...b, role: 'risk', shard: 0, doorbell: this.doorbells[0].buffer, port: ch.port2, restart }
      : { ...b, role: 'shard', shard: agent - 1, doorbell: this.doorbells[agent].buffer, port: ch.port2, restart };
    if (restart) {
      data.recoverFrom = this.opts.journal?.dir;
      data.snapshotDir = this.opts.snapshotDir;
    }
    const name = agent === RISK_AGENT ? Stage.RISK : shardThreadName(agent - 1);
    const { worker, ready } = await startWorker(ENTRY, data as unknown as Record<string, unknown>, {
      name,
      transferList: [ch.port2],
      // Replaying a long journal takes time; the worker reports ready when done.
      readyTimeoutMs: data.recoverFrom ? 30 * 60_000 : 15_000,
      onMessage: (m) => {
        if ((m as { type?: string }).type === 'recovery') this.opts.onRecoveryProgress?.(m as RecoveryProgress);
      },
    });
    this.workers[agent] = worker;
    this.runtimes.set(name, (ready as { runtime?: ThreadRuntime }).runtime ?? null);
    this.ports[agent]?.close();
    this.ports[agent] = ch.port1;
    ch.port1.on('message', (r: WorkerReply) => {
      const w = this.pending.get(r.id);
      if (!w) return;
      this.pending.delete(r.id);
      if (r.ok) w.resolve(r.result);
      else w.reject(new Error(r.error));
    });
    ch.port1.unref();
    this.watch(worker, name, agent, () => Atomics.store(this.control, agentLine(agent) + STAT_STATE, AgentState.FAILED));
    return ready;
  }

  /** Why agent can not be rebuilt yet (null: go). */
  private restartBlockedOn(agent: number): string | null {
    if (agent === this.journalAgent) return null; // its own ring cursors keep everything it has not made durable
    if (this.journalStatus() !== 'running') return `the journal thread is ${this.journalStatus()}`;
    if (agent !== RISK_AGENT) {
      return this.journalCaughtUpShard(agent - 1) ? null : 'the journal is catching up with the dead shard\'s events';
    }
    for (let k = 0; k < this.shardInputs.length; k++) {
      if (this.supervisor.up[shardAgent(k)] === 0) return `shard ${k} is down`;
      if (Atomics.load(this.control, agentLine(shardAgent(k)) + STAT_PROCESSED) !== this.shardInputs[k].producerCursor()) return `shard ${k} is finishing its input`;
      if (!this.journalCaughtUpShard(k)) return 'the journal is catching up';
    }
    this.skipRiskEvents();
    return null;
  }

  /** While the risk stage is down its event cursors are moved along, so no shard blocks on them. */
  private skipRiskEvents(): void {
    for (const ring of this.eventRings) {
      const c = new RingConsumer(ring, RISK_CONSUMER);
      const n = c.available();
      if (n > 0) c.release((c.position() + n) | 0);
    }
  }

  /** Fault injection (tests, drills): kill an agent's thread abruptly, as a crash would. */
  async killAgent(agent: number): Promise<void> {
    const w = agent === this.journalAgent ? this.journal?.worker : this.workers[agent];
    if (!w || this.supervisor.up[agent] === 0) throw new Error(`agent ${agent} is not running`);
    await w.terminate();
  }

  /**
   * Whether orders for this symbol can be taken now (the risk stage and its shard are up); a
   * negative symbol means every shard. Hot: array reads only.
   */
  routeUp(symbol: number): boolean {
    return this.link().routeUp(symbol);
  }

  static async start(spec: EngineSpec, opts: EngineOptions = {}): Promise<Engine> {
    const gatewayThreads = opts.gatewayThreads ?? 1;
    if (!Number.isInteger(gatewayThreads) || gatewayThreads < 1 || gatewayThreads > MAX_GATEWAY_THREADS) throw new Error(`gatewayThreads must be a whole number from 1 to ${MAX_GATEWAY_THREADS} (got ${gatewayThreads})`);
    const external = [...(opts.consumers ?? [Consumer.GATEWAY])];
    for (let g = 1; g < gatewayThreads; g++) external.push(gatewayConsumer(g));
    const topology = new EventConsumers(external, opts.journal !== undefined);
    const n = spec.shards;
    const cap = spec.ringCapacity;
    const inputs = Array.from({ length: gatewayThreads }, () => RingBuffer.create(cap, CMD_SLOT_BYTES, 1));
    const input = inputs[0];
    const shardInputs = Array.from({ length: n }, () => RingBuffer.create(cap, CMD_SLOT_BYTES, 1));
    const eventRings = Array.from({ length: n }, () => RingBuffer.create(cap, EVT_SLOT_BYTES, topology.count));
    const control = new Int32Array(new SharedArrayBuffer(controlBytes(1 + n)));
    const riskDoorbell = new Doorbell();
    const shardDoorbells = Array.from({ length: n }, () => new Doorbell());
    const eventDoorbell = new Doorbell();
    // Consumer slot → doorbell: the risk stage's, the journal's, the main gateway's (`eventDoorbell`),
    // and one each for every other reader (a doorbell has one parked flag: one waiter per bell).
    const journalDoorbell = new Doorbell();
    const consumerDoorbells = new Map<string, Doorbell>(topology.names.map((name) => [
      name, name === Consumer.RISK ? riskDoorbell : name === Consumer.JOURNAL ? journalDoorbell : name === Consumer.GATEWAY ? eventDoorbell : new Doorbell(),
    ]));
    const eventDoorbells = topology.names.map((name) => (consumerDoorbells.get(name) as Doorbell).buffer);
    const base: WorkerBase = {
      spec, control: control.buffer as SharedArrayBuffer, inputs: inputs.map((r) => r.buffer),
      shardInputs: shardInputs.map((r) => r.buffer), eventRings: eventRings.map((r) => r.buffer),
      shardDoorbells: shardDoorbells.map((d) => d.buffer), eventDoorbells,
      idle: spec.idle,
      recoverFrom: opts.recover && opts.journal ? opts.journal.dir : undefined,
      snapshotDir: opts.snapshotDir,
      recoveryModule: opts.journal?.recoveryModule.href,
    };
    if (opts.recover && !opts.journal) throw new Error('recover needs a journal directory');
    const engine = new Engine(spec, base, [riskDoorbell, ...shardDoorbells], control, new RingProducer(input, [riskDoorbell]), eventRings, eventDoorbell, shardInputs, opts, topology, inputs, consumerDoorbells);
    try {
      // Every worker rebuilds its own state (snapshot + journal) at the same time: a start takes
      // the longest recovery, not their sum. All are awaited before an error is thrown, so none is
      // left running unseen.
      const started = await Promise.allSettled(Array.from({ length: n + 1 }, (_, agent) => engine.spawn(agent, false)));
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (e) {
      engine.stopping = true;
      Atomics.store(control, STOP_WORD, 1);
      Atomics.store(control, SHARD_STOP_WORD, 1);
      await Promise.all(engine.workers.map((w) => w.terminate()));
      throw e;
    }
    if (opts.journal) {
      // The journal thread takes the durable words as where its predecessor stopped (persistence/
      // journal-agent.ts): at a start from a snapshot that is the snapshot's point. Nothing reads them
      // before J has opened the journal and written its own (no event is in a ring yet).
      const js = engine.journalState;
      if (js && opts.recover && opts.snapshotSeqs) opts.snapshotSeqs.forEach((seq, k) => Atomics.store(js, durableWord(k), seq | 0));
      try {
        await engine.spawnJournal();
      } catch (e) {
        await engine.stop();
        throw e;
      }
    }
    return engine;
  }

  /** A main-thread consumer of shard k's events, by name (engine/topology.ts; default the gateway's). */
  consumer(shard: number, name: string = Consumer.GATEWAY): RingConsumer {
    return new RingConsumer(this.eventRings[shard], this.topology.index(name));
  }

  /** The doorbell a named consumer parks on (rung by every shard when it commits). */
  doorbellOf(name: string): Doorbell {
    const d = this.consumerDoorbells.get(name);
    if (!d) throw new Error(`no event-ring consumer "${name}" (have ${this.topology.names.join(', ')})`);
    return d;
  }

  /** Readers that may wait for the journal's durable sequence (every consumer but R and J). */
  private readerDoorbells(): Doorbell[] {
    return this.topology.names.filter((x) => x !== Consumer.RISK && x !== Consumer.JOURNAL).map((x) => this.doorbellOf(x));
  }

  /** Gateway threads this engine was started for (command rings into the risk stage). */
  get gatewayThreads(): number {
    return this.inputs.length;
  }

  /** Open authenticated connections per account over every gateway thread (engine/link.ts). */
  private readonly accountConns: SharedArrayBuffer;

  /** What gateway thread g needs (g ≥ 1 runs on a worker; 0 is the main thread: use `link()`). */
  linkDescriptor(g: number): LinkDescriptor {
    if (!Number.isInteger(g) || g < 0 || g >= this.inputs.length) throw new Error(`no gateway thread ${g} (the engine has ${this.inputs.length})`);
    const name = gatewayConsumer(g);
    return {
      index: g, threads: this.inputs.length, spec: this.spec, input: this.inputs[g].buffer, riskDoorbell: this.doorbells[0].buffer,
      shardInputs: this.shardInputs.map((r) => r.buffer), eventRings: this.eventRings.map((r) => r.buffer),
      consumer: name, consumerIndex: this.topology.index(name), doorbell: this.doorbellOf(name).buffer,
      control: this.control.buffer as SharedArrayBuffer, up: this.supervisor.up.buffer as SharedArrayBuffer, failed: this.supervisor.failed.buffer as SharedArrayBuffer,
      journalState: (this.journalState?.buffer as SharedArrayBuffer | undefined) ?? null, accountConns: this.accountConns, idle: this.spec.idle,
    };
  }

  private mainLink: EngineLink | null = null;

  /** The main thread's gateway link (thread 0), sharing this engine's producer of command ring 0. */
  link(): EngineLink {
    return (this.mainLink ??= new EngineLink(this.linkDescriptor(0), this.input));
  }

  /** Unread events of shard k for a named consumer. */
  lag(shard: number, name: string): number {
    return this.eventRings[shard].lag(this.topology.index(name));
  }

  /**
   * Hot: claim the next command slot. Returns its word index in `input.ring.words`, or -1 when
   * the ring is full (the caller rejects upstream: ENGINE_BUSY). Fill it, then `commitCommands()`.
   * The slot's ingress time is set here.
   */
  tryClaimCommand(): number {
    return this.link().tryClaimCommand();
  }

  commitCommands(): void {
    this.input.commit();
  }

  /** Cold: submit a Command object. Keeps its ingressTs if given. False when the ring is full. */
  submit(cmd: Command): boolean {
    return this.link().submit(cmd);
  }

  /** Cold: fill a slot from tryClaimCommand with a Command object and commit it. */
  submitInto(b: number, cmd: Command): void {
    this.link().submitInto(b, cmd);
  }

  /** Cold: ask one agent (0 = risk, 1 + k = shard k) a question. */
  query<T = unknown>(agent: number, q: Omit<WorkerQuery, 'id'>, timeoutMs = 10_000): Promise<T> {
    const id = this.nextQueryId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`agent ${agent} did not answer ${q.what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => { clearTimeout(timer); resolve(v as T); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.ports[agent].ref();
      this.ports[agent].postMessage({ ...q, id });
      // The agent polls its port when idle; wake it if it is parked.
      this.doorbells[agent].wake();
    }).finally(() => this.ports[agent].unref());
  }

  stats(): AgentStats[] {
    const names = [Stage.RISK as string, ...this.eventRings.map((_, k) => shardThreadName(k))];
    const states = ['starting', 'running', 'stopped', 'failed'] as const;
    return names.map((name, i) => {
      const l = agentLine(i);
      const c = this.control;
      return {
        name, state: states[c[l + STAT_STATE]] ?? 'failed', heartbeat: c[l + STAT_HEARTBEAT], commands: c[l + STAT_COMMANDS],
        events: c[l + STAT_EVENTS], processed: c[l + STAT_PROCESSED], waits: c[l + STAT_WAITS],
      };
    });
  }

  /**
   * Stop the workers after everything submitted has been admitted and matched (waiting at most
   * `drainTimeoutMs`; event consumers need not have read it all); resolves when all have exited.
   */
  async stop(drainTimeoutMs = 5_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const t0 = Date.now();
    // Drain, also through a restart in progress (the dead agent's input is processed when it is back).
    while (!this.isSettled(null) && (this.supervisor.allUp() || this.supervisor.recovering()) && Date.now() - t0 < drainTimeoutMs) {
      await new Promise((r) => setTimeout(r, 2));
    }
    this.stopping = true;
    await this.supervisor.stop();
    // In pipeline order: the risk stage finishes its input (forwarding it) and exits, then the
    // shards finish theirs — a shard that stopped first would leave R's last forwards unmatched.
    const stopAgents = async (agents: number[], word: number): Promise<void> => {
      const live = agents.filter((i) => this.supervisor.up[i] === 1 && this.workers[i]).map((i) => this.workers[i]);
      const exits = live.map((w) => new Promise<void>((res) => { w.once('exit', () => res()); }));
      Atomics.store(this.control, word, 1);
      for (const i of agents) this.doorbells[i].wake();
      const timer = setTimeout(() => { for (const w of live) void w.terminate(); }, 10_000);
      await Promise.all(exits);
      clearTimeout(timer);
    };
    await stopAgents([RISK_AGENT], STOP_WORD);
    // The risk stage's event cursor no longer moves: move it along meanwhile, so a shard finishing
    // a backlog never blocks on it (the journal's own cursor still keeps every event).
    const skipping = setInterval(() => this.skipRiskEvents(), 1);
    try {
      await stopAgents(this.shardInputs.map((_, k) => shardAgent(k)), SHARD_STOP_WORD);
    } finally {
      clearInterval(skipping);
    }
    for (const p of this.ports) p.close();
    // The journal stops last: the matching workers have exited, so every event is in the rings.
    if (this.journal && this.supervisor.up[this.journalAgent] === 1) await this.journal.stop();
  }

  /** What code each engine thread runs (from its ready message), by thread name. */
  private readonly runtimes = new Map<string, ThreadRuntime | null>();

  /** Record a thread started outside the engine (the Kafka thread K). */
  noteRuntime(name: string, rt: ThreadRuntime | null): void {
    this.runtimes.set(name, rt);
  }

  /** Cold: this thread's and every engine thread's runtime (compiled JS or TS; TS loader or not). */
  runtime(): Record<string, ThreadRuntime | null> {
    return { G: threadRuntime(), ...Object.fromEntries(this.runtimes) };
  }

  /** Set once stop() has decided to end the threads: their exits are not failures. */
  private stopping = false;

  /**
   * True when everything submitted has been admitted, matched and published, the risk stage has
   * applied every event (while it is up), and external consumer `index` has read every event.
   * Each agent stores its counter after committing its output, so "counter == what its producer
   * sent" means nothing is in flight.
   */
  isSettled(consumer: string | null = Consumer.GATEWAY): boolean {
    const index = consumer === null ? -1 : this.topology.index(consumer);
    const c = this.control;
    let submitted = 0;
    for (const r of this.inputs) submitted = (submitted + r.producerCursor()) | 0;
    if (c[agentLine(RISK_AGENT) + STAT_COMMANDS] !== submitted) return false;
    const riskUp = this.supervisor.up[RISK_AGENT] === 1;
    for (let k = 0; k < this.shardInputs.length; k++) {
      if (Atomics.load(c, agentLine(shardAgent(k)) + STAT_PROCESSED) !== this.shardInputs[k].producerCursor()) return false;
      if (riskUp && this.eventRings[k].lag(RISK_CONSUMER) !== 0) return false;
      if (index >= 0 && this.eventRings[k].lag(index) !== 0) return false;
    }
    return true;
  }

  /** Why the journal cannot write right now (null while it can); see JournalAgent. */
  get journalError(): string | null {
    return this.journal?.error ?? null;
  }

  /** Called when the journal starts failing to write (with why) and when it recovers (null). */
  set onJournalBlocked(fn: ((error: string | null) => void) | null) {
    if (this.journal) this.journal.onBlocked = fn;
  }

  /** Journal thread state: 'off', 'running', 'blocked' (cannot write; retrying), 'stopped', 'failed' or 'starting'. */
  journalStatus(): string {
    return this.journal ? this.journal.status() : 'off';
  }

  /** Hot: whether the journal thread is up and writing (one atomic load). */
  journalWriting(): boolean {
    return this.journal === null || this.link().journalWriting();
  }

  /** True when the journal has read and fsynced every event every shard has committed. */
  journalCaughtUp(): boolean {
    if (!this.journalState) return true;
    return this.eventRings.every((_, k) => this.journalCaughtUpShard(k));
  }

  private journalCaughtUpShard(k: number): boolean {
    if (!this.journal) return false;
    return this.eventRings[k].lag(this.topology.index(Consumer.JOURNAL)) === 0 && this.journal.durable(k) === (this.lastSeqLow(k) | 0);
  }

  private lastSeqLow(k: number): number {
    const ring = this.eventRings[k];
    const p = ring.producerCursor();
    // Nothing published in this process yet: the last event is the journal's last at start-up.
    if (p === 0) return (this.journalOpen?.durable[k] ?? 0) | 0;
    return ring.words[ring.slotWord((p - 1) | 0) + EVT_SEQ];
  }

  isRunning(agent: number): boolean {
    return this.control[agentLine(agent) + STAT_STATE] === AgentState.RUNNING;
  }
}

export { RISK_AGENT, shardAgent };

// The engine: executes one command at a time (Node runs them to completion, so each is
// atomic) and applies its events to the state at once. The events of all commands of one
// event-loop turn are appended to the log in one transaction (group commit: one write instead
// of one per command); only then are the commands answered (`durable()`) and waiting parties
// told what changed. A crash before the commit loses only commands nobody was answered for.
import { EventEmitter } from 'node:events';
import { compileBpmn, type ProcessModel } from '../../lib/bpmn/index.js';
import { compileDmn, type DecisionRequirementsModel } from '../../lib/dmn/index.js';
import { Flow } from '../behaviour/flow.js';
import type { EventLog } from '../log/event-log.js';
import { applyEvent, type ModelLookup } from '../state/appliers.js';
import { EngineState } from '../state/engine-state.js';
import { encodeSnapshot, restoreSnapshot } from '../state/snapshot.js';
import type { EngineEvent } from '../state/events.js';
import { Rejection } from './rejection.js';
import { Transaction } from './transaction.js';

export interface EngineNotifications {
  /** Jobs of this type may have become activatable. */
  jobsAvailable: [type: string];
  instanceCompleted: [processInstanceKey: number, variables: Record<string, unknown>];
  instanceTerminated: [processInstanceKey: number];
  committed: [events: readonly EngineEvent[]];
}

export interface EngineOpenOptions {
  clock?: () => number;
  /** Save a snapshot after this many events since the last one (restart replays only those). */
  snapshotEvery?: number;
}

/** About 5,000 instances of a small process: replaying that many events takes ~0.2 s. */
const DEFAULT_SNAPSHOT_EVERY = 100_000;

export class Engine extends EventEmitter<EngineNotifications> {
  private readonly models = new Map<string, ProcessModel>();
  private readonly drgModels = new Map<string, DecisionRequirementsModel>();
  private closed = false;
  /** Events executed but not yet in the log, and what to tell once they are. */
  private pending: EngineEvent[] = [];
  private pendingCompletions: [number, Record<string, unknown>][] = [];
  private flushing?: { promise: Promise<void>; resolve: () => void };
  private eventsSinceSnapshot = 0;
  /** How the state was recovered at open, for the start-up log line. */
  recovery = { fromSnapshot: false, eventsReplayed: 0 };

  readonly state = new EngineState();

  private constructor(
    private readonly log: EventLog,
    readonly clock: () => number,
    private readonly snapshotEvery: number,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** Rebuilds state from the log: the newest snapshot, then every later event through the appliers. */
  static async open(log: EventLog, o: EngineOpenOptions = {}): Promise<Engine> {
    const engine = new Engine(log, o.clock ?? Date.now, o.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY);
    const snapshot = log.latestSnapshot();
    engine.recovery.fromSnapshot =
      snapshot !== undefined &&
      (await restoreSnapshot(snapshot.state, engine.state, {
        process: (xml, checksum, bpmnProcessId) => engine.compiledProcess(xml, checksum, bpmnProcessId),
        decisions: (xml, checksum) => engine.compiledDecisions(xml, checksum),
      }));
    for (const event of log.replay(engine.recovery.fromSnapshot ? snapshot?.seq : undefined)) {
      if (event.type === 'PROCESS_DEPLOYED')
        await engine.compiledProcess(event.xml, event.checksum, event.bpmnProcessId);
      if (event.type === 'DECISION_REQUIREMENTS_DEPLOYED') await engine.compiledDecisions(event.xml, event.checksum);
      applyEvent(engine.state, event, engine.lookupModel);
      engine.recovery.eventsReplayed++;
    }
    engine.eventsSinceSnapshot = engine.recovery.eventsReplayed;
    engine.state.outbox.activatableTypes.clear();
    engine.state.outbox.terminatedInstances.length = 0;
    return engine;
  }

  /** The compiled model of deployed XML, compiled once per checksum (replay and snapshots). */
  private async compiledProcess(xml: string, checksum: string, bpmnProcessId: string): Promise<ProcessModel> {
    if (!this.models.has(modelKey(checksum, bpmnProcessId))) {
      const compiled = await compileBpmn(xml);
      this.registerModels(compiled.checksum, compiled.processes);
    }
    return this.lookupModel.process(checksum, bpmnProcessId);
  }

  private async compiledDecisions(xml: string, checksum: string): Promise<DecisionRequirementsModel> {
    if (!this.drgModels.has(checksum)) {
      const compiled = await compileDmn(xml);
      if (compiled.drg) this.registerDecisions(compiled.checksum, compiled.drg);
    }
    return this.lookupModel.decisions(checksum);
  }

  /** Saves the state as of now (everything executed is flushed first). */
  snapshot(): void {
    this.flush();
    this.log.saveSnapshot(() => encodeSnapshot(this.state));
    this.eventsSinceSnapshot = 0;
  }

  registerModels(checksum: string, processes: ProcessModel[]): void {
    for (const p of processes) this.models.set(modelKey(checksum, p.id), p);
  }

  registerDecisions(checksum: string, drg: DecisionRequirementsModel): void {
    this.drgModels.set(checksum, drg);
  }

  private readonly lookupModel: ModelLookup = {
    process: (checksum, bpmnProcessId) => {
      const model = this.models.get(modelKey(checksum, bpmnProcessId));
      if (!model) throw new Error(`no compiled model for ${bpmnProcessId} (${checksum})`);
      return model;
    },
    decisions: (checksum) => {
      const model = this.drgModels.get(checksum);
      if (!model) throw new Error(`no compiled DMN for checksum ${checksum}`);
      return model;
    },
  };

  /**
   * Runs a command. A Rejection thrown before any event was emitted is the client's error;
   * events emitted before an unexpected error are still committed so state and log agree.
   */
  execute<T>(command: (tx: Transaction, flow: Flow) => T): T {
    if (this.closed) throw new Rejection('COMMAND', 'PROCESSING_ERROR', 'the engine is shutting down');
    const tx = new Transaction(this.state, this.lookupModel, this.clock());
    const flow = new Flow(tx);
    let result: T;
    try {
      result = command(tx, flow);
      flow.run();
    } finally {
      this.commit(tx);
    }
    return result;
  }

  private commit(tx: Transaction): void {
    if (tx.events.length === 0) return;
    this.pending.push(...tx.events);
    this.pendingCompletions.push(...tx.completedInstances);
    if (!this.flushing) {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      this.flushing = { promise, resolve };
      setImmediate(() => this.flush());
    }
  }

  /**
   * Resolves once everything executed so far is in the log: answer a command only then.
   * A failed append is fatal (thrown from the flush): state and log would disagree.
   */
  durable(): Promise<void> {
    return this.flushing?.promise ?? Promise.resolve();
  }

  /**
   * Appends the pending events in one transaction, then notifies. Jobs the turn made
   * activatable are offered to waiting workers first, so that their activations go into this
   * same transaction: one write per turn instead of two, and the jobs go out a turn sooner
   * (each is sent only once durable(), as before).
   */
  flush(): void {
    const flushing = this.flushing;
    if (!flushing) return;
    try {
      if (!this.closed) this.announceActivatableJobs();
    } finally {
      // What was executed is committed even if offering the jobs failed: state and log agree.
      this.flushing = undefined;
      const events = this.pending;
      const completions = this.pendingCompletions;
      this.pending = [];
      this.pendingCompletions = [];
      this.log.append(events);
      this.eventsSinceSnapshot += events.length;
      // Right after an append the state is exactly the log's: the moment a snapshot is consistent.
      if (this.eventsSinceSnapshot >= this.snapshotEvery) this.snapshot();
      flushing.resolve();
      this.emit('committed', events);
      for (const [key, vars] of completions) this.emit('instanceCompleted', key, vars);
      this.announceTerminations();
    }
  }

  /** Tells waiters what the last commit changed (also called once after replay). */
  drainOutbox(): void {
    this.announceTerminations();
    this.announceActivatableJobs();
  }

  private announceTerminations(): void {
    for (const key of this.state.outbox.terminatedInstances.splice(0)) this.emit('instanceTerminated', key);
  }

  /** Activations these announcements lead to are commands, committed with the pending ones. */
  private announceActivatableJobs(): void {
    const { activatableTypes } = this.state.outbox;
    const types = [...activatableTypes];
    activatableTypes.clear();
    for (const type of types) this.emit('jobsAvailable', type);
  }

  /** Flushes and, when events came since the last snapshot, saves one (fast next start). */
  close(): void {
    this.closed = true;
    this.flush();
    if (this.eventsSinceSnapshot > 0) this.log.saveSnapshot(() => encodeSnapshot(this.state));
    this.log.close();
  }
}

function modelKey(checksum: string, bpmnProcessId: string): string {
  return `${checksum}/${bpmnProcessId}`;
}

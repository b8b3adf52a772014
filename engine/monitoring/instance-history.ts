// What ran, after it ran: a projection of the committed events into the recent history of
// process instances — their elements with start and end times, the job of each task (type,
// worker, failures, the error it threw) and incidents — kept for the last `capacity` instances,
// finished or not. Engine state drops an instance when it completes; Zeebe leaves history to
// Operate. This is the small local equivalent, read by `procos explain` and `procos up`'s demo
// through GET /v1/history/process-instances/{key}. It lives in memory: a restarted engine
// remembers the instances that are still running, not the history before the restart. It runs
// on every commit, so it keeps small mutable records (times as numbers, formatted when read)
// rather than the events: keeping every event of a thousand instances made the garbage
// collector copy and promote them, a measurable part of the engine's CPU per job.
import type { Engine } from '../processor/engine.js';
import type { EngineEvent, EventOf } from '../state/events.js';

export interface JobRecord {
  key: string;
  type: string;
  worker?: string;
  retries: number;
  state: 'created' | 'activated' | 'completed' | 'failed' | 'error-thrown' | 'canceled' | 'timed-out';
  /** errorMessage of every FailJob, oldest first. */
  failures: string[];
  errorThrown?: { code: string; message: string };
}

export interface ElementRecord {
  key: string;
  elementId: string;
  kind: string;
  state: 'active' | 'completed' | 'terminated';
  startedAt: string;
  endedAt?: string;
  job?: JobRecord;
  incident?: { errorType: string; errorMessage: string; resolved: boolean };
}

export interface InstanceRecord {
  processInstanceKey: string;
  bpmnProcessId: string;
  version: number;
  processDefinitionKey: string;
  state: 'active' | 'completed' | 'terminated';
  startedAt: string;
  endedAt?: string;
  /** The instance whose call activity started this one, and that call activity's element instance. */
  parentProcessInstanceKey?: string;
  parentElementInstanceKey?: string;
  elements: ElementRecord[];
  /** Instances started by this one's call activities (in the tree view only). */
  children?: InstanceRecord[];
}

const DEFAULT_CAPACITY = 1000;

/** An element as filed: ElementRecord with times as numbers and its job and incident as filed. */
interface FiledElement {
  key: number;
  /** The process instance it is filed under. */
  instanceKey: number;
  elementId: string;
  kind: string;
  state: ElementRecord['state'];
  startedAt: number;
  endedAt?: number;
  job?: FiledJob;
  incident?: NonNullable<ElementRecord['incident']>;
  /** The incident's key, to forget it with the element. */
  incidentKey?: number;
}

interface FiledJob {
  key: number;
  type: string;
  worker?: string;
  retries: number;
  state: JobRecord['state'];
  failures: string[];
  errorThrown?: { code: string; message: string };
}

/** One instance: its summary as it changes, and its elements in the order they started. */
interface Filed {
  summary: Omit<InstanceRecord, 'elements' | 'children' | 'startedAt' | 'endedAt'> & {
    startedAt: number;
    endedAt?: number;
  };
  elements: FiledElement[];
}

/** What a later event with only a key changes: an instance, an element, a job, an incident. */
type Owner =
  | { kind: 'instance'; filed: Filed }
  | { kind: 'element'; element: FiledElement }
  | { kind: 'job'; job: FiledJob }
  | { kind: 'incident'; element: FiledElement };

export class InstanceHistory {
  private readonly instances = new Map<number, Filed>();
  /** Instance, element, job and incident keys → what their events change. */
  private readonly owners = new Map<number, Owner>();
  /** Keys of finished instances in the order they finished, from finishedHead on. */
  private readonly finished: number[] = [];
  private finishedHead = 0;

  constructor(
    private readonly engine: Engine,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {
    engine.on('committed', (batch: readonly EngineEvent[]) => {
      const at = engine.clock();
      for (const e of batch) this.file(e, at);
    });
  }

  private file(e: EngineEvent, at: number): void {
    switch (e.type) {
      case 'ELEMENT_ACTIVATING': {
        if (e.kind === 'process') return this.start(e, at);
        const filed = this.instances.get(e.processInstanceKey);
        if (!filed) return;
        const element: FiledElement = {
          key: e.key,
          instanceKey: e.processInstanceKey,
          elementId: e.elementId,
          kind: e.kind,
          state: 'active',
          startedAt: at,
        };
        filed.elements.push(element);
        this.owners.set(e.key, { kind: 'element', element });
        return;
      }
      case 'ELEMENT_COMPLETED':
      case 'ELEMENT_TERMINATED': {
        const owner = this.owners.get(e.key);
        const state = e.type === 'ELEMENT_COMPLETED' ? 'completed' : 'terminated';
        if (owner?.kind === 'element') Object.assign(owner.element, { state, endedAt: at });
        else if (owner?.kind === 'instance' && owner.filed.summary.state === 'active') {
          Object.assign(owner.filed.summary, { state, endedAt: at });
          this.finished.push(e.key);
        }
        return;
      }
      case 'JOB_CREATED': {
        const owner = this.owners.get(e.elementInstanceKey);
        if (owner?.kind !== 'element') return;
        const job: FiledJob = { key: e.key, type: e.jobType, retries: e.retries, state: 'created', failures: [] };
        owner.element.job = job;
        this.owners.set(e.key, { kind: 'job', job });
        return;
      }
      case 'INCIDENT_CREATED': {
        const owner = this.owners.get(e.elementInstanceKey);
        if (owner?.kind !== 'element') return;
        owner.element.incident = { errorType: e.errorType, errorMessage: e.errorMessage, resolved: false };
        owner.element.incidentKey = e.key;
        this.owners.set(e.key, { kind: 'incident', element: owner.element });
        return;
      }
      case 'INCIDENT_RESOLVED': {
        const owner = this.owners.get(e.key);
        if (owner?.kind === 'incident' && owner.element.incident) owner.element.incident.resolved = true;
        return;
      }
      case 'JOB_ACTIVATED':
        return this.job(e.key, (j) => Object.assign(j, { state: 'activated', worker: e.worker }));
      case 'JOB_COMPLETED':
        return this.job(e.key, (j) => (j.state = 'completed'));
      case 'JOB_FAILED':
        return this.job(e.key, (j) => {
          Object.assign(j, { state: 'failed', retries: e.retries });
          j.failures.push(e.errorMessage);
        });
      case 'JOB_ERROR_THROWN':
        return this.job(e.key, (j) =>
          Object.assign(j, { state: 'error-thrown', errorThrown: { code: e.errorCode, message: e.errorMessage } }),
        );
      case 'JOB_TIMED_OUT':
        return this.job(e.key, (j) => (j.state = 'timed-out'));
      case 'JOB_CANCELED':
        return this.job(e.key, (j) => (j.state = 'canceled'));
      case 'JOB_RETRIES_UPDATED':
        return this.job(e.key, (j) => (j.retries = e.retries));
      default:
        return;
    }
  }

  private job(key: number, change: (j: FiledJob) => void): void {
    const owner = this.owners.get(key);
    if (owner?.kind === 'job') change(owner.job);
  }

  private start(e: EventOf<'ELEMENT_ACTIVATING'>, at: number): void {
    const process = this.engine.state.processes.get(e.processDefinitionKey);
    const parentKey = e.parentElementInstanceKey;
    const parent = parentKey === undefined ? undefined : this.owners.get(parentKey);
    const parentInstance = parent?.kind === 'element' ? String(parent.element.instanceKey) : undefined;
    const filed: Filed = {
      summary: {
        processInstanceKey: String(e.key),
        bpmnProcessId: process?.bpmnProcessId ?? e.elementId,
        version: process?.version ?? 0,
        processDefinitionKey: String(e.processDefinitionKey),
        state: 'active',
        startedAt: at,
        ...(parentKey !== undefined && parentInstance !== undefined
          ? { parentProcessInstanceKey: parentInstance, parentElementInstanceKey: String(parentKey) }
          : {}),
      },
      elements: [],
    };
    this.instances.set(e.key, filed);
    this.owners.set(e.key, { kind: 'instance', filed });
    this.evict();
  }

  /**
   * Finished instances go first, the earliest finished first; running ones (the oldest) only
   * when nothing finished is left. A queue of finished keys finds the victim at once: searching
   * the Map from its oldest entry passed over the holes its deletions leave, every time.
   */
  private evict(): void {
    while (this.instances.size > this.capacity) {
      let victimKey: number | undefined;
      while (this.finishedHead < this.finished.length) {
        const key = this.finished[this.finishedHead++] ?? 0;
        if (this.instances.has(key)) {
          victimKey = key;
          break;
        }
      }
      if (this.finishedHead > 1024) {
        this.finished.splice(0, this.finishedHead); // drop what was read, now and then
        this.finishedHead = 0;
      }
      victimKey ??= this.instances.keys().next().value;
      if (victimKey === undefined) return;
      const victim = this.instances.get(victimKey);
      this.instances.delete(victimKey);
      this.owners.delete(victimKey);
      if (victim) this.forget(victim);
    }
  }

  /** Drops the keys of an instance's elements, jobs and incidents from the owners map. */
  private forget(filed: Filed): void {
    for (const el of filed.elements) {
      this.owners.delete(el.key);
      if (el.job) this.owners.delete(el.job.key);
      if (el.incidentKey !== undefined) this.owners.delete(el.incidentKey);
    }
  }

  /** An instance with the instances its call activities started, recursively. */
  tree(key: string): InstanceRecord | undefined {
    const root = this.instances.get(Number(key));
    if (!root) return undefined;
    const children = [...this.instances.values()]
      .filter((i) => i.summary.parentProcessInstanceKey === key)
      .map((i) => this.tree(i.summary.processInstanceKey))
      .filter((i): i is InstanceRecord => i !== undefined);
    return { ...recordOf(root), children };
  }

  /** The most recent instances first, optionally of one process. */
  list(o: { bpmnProcessId?: string; limit?: number } = {}): InstanceRecord[] {
    return [...this.instances.values()]
      .filter((i) => !o.bpmnProcessId || i.summary.bpmnProcessId === o.bpmnProcessId)
      .reverse()
      .slice(0, o.limit ?? 100)
      .map((i) => ({ ...summaryOf(i), elements: [] }));
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

function summaryOf(filed: Filed): Omit<InstanceRecord, 'elements' | 'children'> {
  const { startedAt, endedAt, ...rest } = filed.summary;
  return { ...rest, startedAt: iso(startedAt), ...(endedAt === undefined ? {} : { endedAt: iso(endedAt) }) };
}

/** A copy for readers: keys as strings, times as ISO strings. */
function recordOf(filed: Filed): InstanceRecord {
  const elements = filed.elements.map(
    ({ key, startedAt, endedAt, job, incident, instanceKey: _, incidentKey: __, ...rest }): ElementRecord => ({
      key: String(key),
      ...rest,
      startedAt: iso(startedAt),
      ...(endedAt === undefined ? {} : { endedAt: iso(endedAt) }),
      ...(job ? { job: { ...job, key: String(job.key), failures: [...job.failures] } } : {}),
      ...(incident ? { incident: { ...incident } } : {}),
    }),
  );
  return { ...summaryOf(filed), elements };
}

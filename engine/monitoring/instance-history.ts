// What ran, after it ran: a projection of the committed events into the recent history of
// process instances — their elements with start and end times, the job of each task (type,
// worker, failures, the error it threw) and incidents — kept for the last `capacity` instances,
// finished or not. Engine state drops an instance when it completes; Zeebe leaves history to
// Operate. This is the small local equivalent, read by `procos explain` and `procos up`'s demo
// through GET /v1/history/process-instances/{key}. It lives in memory: a restarted engine
// remembers the instances that are still running, not the history before the restart. It runs
// on every commit, so it only files the events it needs under their instance (and keeps each
// instance's summary); the records are built when someone reads them.
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

/** The events a record is built from: element and job lifecycles, incidents. */
const FILED = new Set<EngineEvent['type']>([
  'ELEMENT_ACTIVATING',
  'ELEMENT_COMPLETED',
  'ELEMENT_TERMINATED',
  'JOB_CREATED',
  'JOB_ACTIVATED',
  'JOB_COMPLETED',
  'JOB_FAILED',
  'JOB_ERROR_THROWN',
  'JOB_TIMED_OUT',
  'JOB_CANCELED',
  'JOB_RETRIES_UPDATED',
  'INCIDENT_CREATED',
  'INCIDENT_RESOLVED',
]);

/** One instance: its summary as it changes, and its events with their commit times. */
interface Filed {
  summary: Omit<InstanceRecord, 'elements' | 'children'>;
  events: EngineEvent[];
  times: number[];
}

export class InstanceHistory {
  private readonly instances = new Map<number, Filed>();
  /** Element, job and incident keys → the process instance they belong to. */
  private readonly owners = new Map<number, number>();

  constructor(
    private readonly engine: Engine,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {
    engine.on('committed', (batch: readonly EngineEvent[]) => {
      const at = engine.clock();
      for (const e of batch) if (FILED.has(e.type)) this.file(e, at);
    });
  }

  private file(e: EngineEvent, at: number): void {
    if (!('key' in e)) return;
    let instanceKey: number;
    if (e.type === 'ELEMENT_ACTIVATING' && e.kind === 'process') {
      this.start(e, at);
      instanceKey = e.key;
    } else if (e.type === 'ELEMENT_ACTIVATING' || e.type === 'JOB_CREATED' || e.type === 'INCIDENT_CREATED') {
      instanceKey = e.processInstanceKey;
      this.owners.set(e.key, instanceKey);
    } else instanceKey = this.owners.get(e.key) ?? e.key;
    const filed = this.instances.get(instanceKey);
    if (!filed) return;
    filed.events.push(e);
    filed.times.push(at);
    if ((e.type === 'ELEMENT_COMPLETED' || e.type === 'ELEMENT_TERMINATED') && e.key === instanceKey) {
      filed.summary.state = e.type === 'ELEMENT_COMPLETED' ? 'completed' : 'terminated';
      filed.summary.endedAt = new Date(at).toISOString();
    }
  }

  private start(e: EventOf<'ELEMENT_ACTIVATING'>, at: number): void {
    const process = this.engine.state.processes.get(e.processDefinitionKey);
    const parentKey = e.parentElementInstanceKey;
    const parentInstance = parentKey === undefined ? undefined : this.owners.get(parentKey);
    this.instances.set(e.key, {
      summary: {
        processInstanceKey: String(e.key),
        bpmnProcessId: process?.bpmnProcessId ?? e.elementId,
        version: process?.version ?? 0,
        processDefinitionKey: String(e.processDefinitionKey),
        state: 'active',
        startedAt: new Date(at).toISOString(),
        ...(parentKey !== undefined && parentInstance !== undefined
          ? { parentProcessInstanceKey: String(parentInstance), parentElementInstanceKey: String(parentKey) }
          : {}),
      },
      events: [],
      times: [],
    });
    this.evict();
  }

  /**
   * Oldest finished instances go first; running ones only when nothing finished is left. Runs
   * once per new instance, so it looks only as far as the first finished one (the Map keeps
   * insertion order) and forgets the victim's keys through its own events.
   */
  private evict(): void {
    while (this.instances.size > this.capacity) {
      let victimKey: number | undefined;
      for (const [key, i] of this.instances) {
        victimKey ??= key;
        if (i.summary.state !== 'active') {
          victimKey = key;
          break;
        }
      }
      if (victimKey === undefined) return;
      const victim = this.instances.get(victimKey);
      this.instances.delete(victimKey);
      for (const e of victim?.events ?? [])
        if (e.type === 'ELEMENT_ACTIVATING' || e.type === 'JOB_CREATED' || e.type === 'INCIDENT_CREATED')
          this.owners.delete(e.key);
    }
  }

  /** The instance's elements, built from its events. */
  private record(filed: Filed): InstanceRecord {
    const elements: ElementRecord[] = [];
    const byKey = new Map<number, ElementRecord>();
    const jobs = new Map<number, JobRecord>();
    const incidents = new Map<number, ElementRecord>();
    const job = (key: number, change: (j: JobRecord) => void): void => {
      const j = jobs.get(key);
      if (j) change(j);
    };
    filed.events.forEach((e, i) => {
      const at = new Date(filed.times[i] ?? 0).toISOString();
      switch (e.type) {
        case 'ELEMENT_ACTIVATING': {
          if (e.kind === 'process') return;
          const record: ElementRecord = {
            key: String(e.key),
            elementId: e.elementId,
            kind: e.kind,
            state: 'active',
            startedAt: at,
          };
          elements.push(record);
          byKey.set(e.key, record);
          return;
        }
        case 'ELEMENT_COMPLETED':
        case 'ELEMENT_TERMINATED': {
          const el = byKey.get(e.key);
          if (el)
            Object.assign(el, { state: e.type === 'ELEMENT_COMPLETED' ? 'completed' : 'terminated', endedAt: at });
          return;
        }
        case 'JOB_CREATED': {
          const el = byKey.get(e.elementInstanceKey);
          if (!el) return;
          el.job = { key: String(e.key), type: e.jobType, retries: e.retries, state: 'created', failures: [] };
          jobs.set(e.key, el.job);
          return;
        }
        case 'JOB_ACTIVATED':
          return job(e.key, (j) => Object.assign(j, { state: 'activated', worker: e.worker }));
        case 'JOB_COMPLETED':
          return job(e.key, (j) => (j.state = 'completed'));
        case 'JOB_FAILED':
          return job(e.key, (j) => {
            Object.assign(j, { state: 'failed', retries: e.retries });
            j.failures.push(e.errorMessage);
          });
        case 'JOB_ERROR_THROWN':
          return job(e.key, (j) =>
            Object.assign(j, { state: 'error-thrown', errorThrown: { code: e.errorCode, message: e.errorMessage } }),
          );
        case 'JOB_TIMED_OUT':
          return job(e.key, (j) => (j.state = 'timed-out'));
        case 'JOB_CANCELED':
          return job(e.key, (j) => (j.state = 'canceled'));
        case 'JOB_RETRIES_UPDATED':
          return job(e.key, (j) => (j.retries = e.retries));
        case 'INCIDENT_CREATED': {
          const el = byKey.get(e.elementInstanceKey);
          if (!el) return;
          el.incident = { errorType: e.errorType, errorMessage: e.errorMessage, resolved: false };
          incidents.set(e.key, el);
          return;
        }
        case 'INCIDENT_RESOLVED': {
          const el = incidents.get(e.key);
          if (el?.incident) el.incident.resolved = true;
          return;
        }
        default:
          return;
      }
    });
    return { ...filed.summary, elements };
  }

  /** An instance with the instances its call activities started, recursively. */
  tree(key: string): InstanceRecord | undefined {
    const root = this.instances.get(Number(key));
    if (!root) return undefined;
    const children = [...this.instances.values()]
      .filter((i) => i.summary.parentProcessInstanceKey === key)
      .map((i) => this.tree(i.summary.processInstanceKey))
      .filter((i): i is InstanceRecord => i !== undefined);
    return { ...this.record(root), children };
  }

  /** The most recent instances first, optionally of one process. */
  list(o: { bpmnProcessId?: string; limit?: number } = {}): InstanceRecord[] {
    return [...this.instances.values()]
      .filter((i) => !o.bpmnProcessId || i.summary.bpmnProcessId === o.bpmnProcessId)
      .reverse()
      .slice(0, o.limit ?? 100)
      .map((i) => ({ ...i.summary, elements: [] }));
  }
}

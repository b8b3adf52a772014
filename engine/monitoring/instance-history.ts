// What ran, after it ran: a projection of the committed events into the recent history of
// process instances — their elements with start and end times, the job of each task (type,
// worker, failures, the error it threw) and incidents — kept for the last `capacity` instances,
// finished or not. Engine state drops an instance when it completes; Zeebe leaves history to
// Operate. This is the small local equivalent, read by `procos explain` and `procos up`'s demo
// through GET /v1/history/process-instances/{key}. It lives in memory: a restarted engine
// remembers the instances that are still running, not the history before the restart.
import type { Engine } from '../processor/engine.js';
import type { EngineEvent } from '../state/events.js';

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

export class InstanceHistory {
  private readonly instances = new Map<string, InstanceRecord>();
  /** Element instance key → its record and instance, for the events that name only the key. */
  private readonly elements = new Map<number, { record: ElementRecord; instance: string }>();
  private readonly jobs = new Map<number, { job: JobRecord; element: number }>();
  private readonly incidents = new Map<number, number>();

  constructor(
    private readonly engine: Engine,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {
    engine.on('committed', (batch: readonly EngineEvent[]) => {
      const at = new Date(engine.clock()).toISOString();
      for (const e of batch) this.apply(e, at);
    });
  }

  private apply(e: EngineEvent, at: string): void {
    switch (e.type) {
      case 'ELEMENT_ACTIVATING': {
        const record: ElementRecord = {
          key: String(e.key),
          elementId: e.elementId,
          kind: e.kind,
          state: 'active',
          startedAt: at,
        };
        if (e.kind === 'process') {
          const process = this.engine.state.processes.get(e.processDefinitionKey);
          const parent =
            e.parentElementInstanceKey !== undefined ? this.elements.get(e.parentElementInstanceKey) : undefined;
          this.instances.set(String(e.key), {
            processInstanceKey: String(e.key),
            bpmnProcessId: process?.bpmnProcessId ?? e.elementId,
            version: process?.version ?? 0,
            processDefinitionKey: String(e.processDefinitionKey),
            state: 'active',
            startedAt: at,
            ...(parent
              ? { parentProcessInstanceKey: parent.instance, parentElementInstanceKey: parent.record.key }
              : {}),
            elements: [],
          });
          this.evict();
        } else this.instances.get(String(e.processInstanceKey))?.elements.push(record);
        this.elements.set(e.key, { record, instance: String(e.processInstanceKey) });
        return;
      }
      case 'ELEMENT_COMPLETED':
      case 'ELEMENT_TERMINATED': {
        const state = e.type === 'ELEMENT_COMPLETED' ? 'completed' : 'terminated';
        const el = this.elements.get(e.key);
        if (el) Object.assign(el.record, { state, endedAt: at });
        const instance = this.instances.get(String(e.key));
        if (instance) Object.assign(instance, { state, endedAt: at });
        return;
      }
      case 'JOB_CREATED': {
        const el = this.elements.get(e.elementInstanceKey);
        if (!el) return;
        const job: JobRecord = {
          key: String(e.key),
          type: e.jobType,
          retries: e.retries,
          state: 'created',
          failures: [],
        };
        el.record.job = job;
        this.jobs.set(e.key, { job, element: e.elementInstanceKey });
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
      case 'INCIDENT_CREATED': {
        const el = this.elements.get(e.elementInstanceKey);
        if (el) el.record.incident = { errorType: e.errorType, errorMessage: e.errorMessage, resolved: false };
        this.incidents.set(e.key, e.elementInstanceKey);
        return;
      }
      case 'INCIDENT_RESOLVED': {
        const el = this.elements.get(this.incidents.get(e.key) ?? -1);
        if (el?.record.incident) el.record.incident.resolved = true;
        this.incidents.delete(e.key);
        return;
      }
      default:
        return;
    }
  }

  private job(key: number, change: (j: JobRecord) => void): void {
    const j = this.jobs.get(key);
    if (j) change(j.job);
  }

  /**
   * Oldest finished instances go first; running ones only when nothing finished is left. Runs
   * once per new instance, so it looks only as far as the first finished one (the Map keeps
   * insertion order) and forgets the victim's jobs through its own elements.
   */
  private evict(): void {
    while (this.instances.size > this.capacity) {
      let victim: InstanceRecord | undefined;
      for (const i of this.instances.values()) {
        victim ??= i;
        if (i.state !== 'active') {
          victim = i;
          break;
        }
      }
      if (!victim) return;
      this.instances.delete(victim.processInstanceKey);
      this.elements.delete(Number(victim.processInstanceKey));
      for (const el of victim.elements) {
        this.elements.delete(Number(el.key));
        if (el.job) this.jobs.delete(Number(el.job.key));
      }
    }
  }

  /** An instance with the instances its call activities started, recursively. */
  tree(key: string): InstanceRecord | undefined {
    const root = this.instances.get(key);
    if (!root) return undefined;
    const children = [...this.instances.values()]
      .filter((i) => i.parentProcessInstanceKey === key)
      .map((i) => this.tree(i.processInstanceKey))
      .filter((i): i is InstanceRecord => i !== undefined);
    return { ...root, children };
  }

  /** The most recent instances first, optionally of one process. */
  list(o: { bpmnProcessId?: string; limit?: number } = {}): InstanceRecord[] {
    return [...this.instances.values()]
      .filter((i) => !o.bpmnProcessId || i.bpmnProcessId === o.bpmnProcessId)
      .reverse()
      .slice(0, o.limit ?? 100)
      .map(({ elements: _elements, ...summary }) => ({ ...summary, elements: [] }));
  }
}

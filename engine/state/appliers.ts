// One small applier per event type: the only code that changes EngineState.
import type { ProcessModel } from '../../lib/bpmn/index.js';
import type { DecisionRequirementsModel } from '../../lib/dmn/index.js';
import type { EngineState, Job } from './engine-state.js';
import type { EngineEvent, EventOf } from './events.js';

type Appliers = { [T in EngineEvent['type']]: (state: EngineState, event: EventOf<T>) => void };
type Applied = Exclude<EngineEvent['type'], 'PROCESS_DEPLOYED' | 'DECISION_REQUIREMENTS_DEPLOYED'>;

/** Compiled models of deployed resources, supplied by whoever emitted or replays the events. */
export interface ModelLookup {
  process(checksum: string, bpmnProcessId: string): ProcessModel;
  decisions(checksum: string): DecisionRequirementsModel;
}

export function applyEvent(state: EngineState, event: EngineEvent, models: ModelLookup): void {
  if ('key' in event) state.observeKey(event.key);
  if (event.type === 'PROCESS_DEPLOYED') {
    applyProcessDeployed(state, event, models);
    return;
  }
  if (event.type === 'DECISION_REQUIREMENTS_DEPLOYED') {
    applyDecisionsDeployed(state, event, models);
    return;
  }
  (APPLIERS[event.type] as (s: EngineState, e: EngineEvent) => void)(state, event);
}

function applyProcessDeployed(state: EngineState, e: EventOf<'PROCESS_DEPLOYED'>, models: ModelLookup): void {
  const { type: _type, ...fields } = e;
  state.processes.set(e.key, { ...fields, model: models.process(e.checksum, e.bpmnProcessId) });
  state.versions.set(e.bpmnProcessId, [...(state.versions.get(e.bpmnProcessId) ?? []), e.key]);
}

function addVersion(versions: Map<string, number[]>, id: string, key: number): void {
  versions.set(id, [...(versions.get(id) ?? []), key]);
}

function applyDecisionsDeployed(
  state: EngineState,
  e: EventOf<'DECISION_REQUIREMENTS_DEPLOYED'>,
  models: ModelLookup,
): void {
  const { type: _type, decisions, ...fields } = e;
  state.drgs.set(e.key, {
    ...fields,
    model: models.decisions(e.checksum),
    decisionKeys: decisions.map((d) => d.key),
  });
  addVersion(state.drgVersions, e.drgId, e.key);
  for (const d of e.decisions) {
    state.observeKey(d.key);
    state.decisions.set(d.key, {
      key: d.key,
      decisionId: d.decisionId,
      name: d.name,
      version: d.version,
      drgKey: e.key,
    });
    addVersion(state.decisionVersions, d.decisionId, d.key);
  }
}

function makeActivatable(state: EngineState, job: Job): void {
  job.state = 'ACTIVATABLE';
  job.worker = '';
  job.deadline = -1;
  state.activated.delete(job.key);
  let set = state.activatable.get(job.type);
  if (!set) state.activatable.set(job.type, (set = new Set()));
  set.add(job.key);
  state.outbox.activatableTypes.add(job.type);
}

function removeJob(state: EngineState, key: number): void {
  const job = state.jobs.get(key);
  if (!job) return;
  state.activatable.get(job.type)?.delete(key);
  state.activated.delete(key);
  state.jobs.delete(key);
}

function jobOf(state: EngineState, key: number): Job {
  const job = state.jobs.get(key);
  if (!job) throw new Error(`applier: no job ${key}`);
  return job;
}

const APPLIERS: Pick<Appliers, Applied> = {
  DEPLOYMENT_CREATED: () => undefined,
  FORM_DEPLOYED: (s, e) => {
    const { type: _type, ...fields } = e;
    s.forms.set(e.key, fields);
    addVersion(s.formVersions, e.formId, e.key);
  },
  PROCESS_DELETED: (s, e) => {
    const p = s.processes.get(e.key);
    if (!p) return;
    s.processes.delete(e.key);
    const rest = (s.versions.get(p.bpmnProcessId) ?? []).filter((k) => k !== e.key);
    if (rest.length) s.versions.set(p.bpmnProcessId, rest);
    else s.versions.delete(p.bpmnProcessId);
  },
  ELEMENT_ACTIVATING: (s, e) => {
    s.elements.set(e.key, {
      key: e.key,
      elementId: e.elementId,
      kind: e.kind,
      flowScopeKey: e.flowScopeKey,
      processInstanceKey: e.processInstanceKey,
      processDefinitionKey: e.processDefinitionKey,
      parentElementInstanceKey: e.parentElementInstanceKey,
      state: 'ACTIVATING',
      activeChildren: new Set(),
      waitingTokens: new Map(),
      ...(e.pendingStart ? { pendingStart: e.pendingStart } : {}),
    });
    s.elements.get(e.flowScopeKey)?.activeChildren.add(e.key);
    const caller = e.parentElementInstanceKey === undefined ? undefined : s.elements.get(e.parentElementInstanceKey);
    if (caller) caller.calledInstanceKey = e.key;
  },
  ELEMENT_ACTIVATED: (s, e) => {
    const el = s.elements.get(e.key);
    if (!el) return;
    el.state = 'ACTIVATED';
    el.listenersDone = undefined;
    el.pendingStart = undefined;
  },
  MULTI_INSTANCE_STARTED: (s, e) => {
    const el = s.elements.get(e.key);
    if (el) el.loopItems = e.items;
  },
  ELEMENT_COMPLETING: (s, e) => {
    const el = s.elements.get(e.key);
    if (!el) return;
    el.state = 'COMPLETING';
    el.listenersDone = undefined; // the end listeners' phase begins
  },
  COMPENSATION_SUBSCRIBED: (s, e) => {
    const { type: _type, ...fields } = e;
    s.compensations.set(e.key, fields);
    let keys = s.compensationsByInstance.get(e.processInstanceKey);
    if (!keys) s.compensationsByInstance.set(e.processInstanceKey, (keys = new Set()));
    keys.add(e.key);
  },
  COMPENSATION_TRIGGERED: (s, e) => {
    const c = s.compensations.get(e.key);
    if (!c) return;
    c.throwInstanceKey = e.throwInstanceKey;
    c.handlerInstanceKey = e.handlerInstanceKey;
    if (e.handlerInstanceKey !== undefined) s.compensationHandlers.set(e.handlerInstanceKey, e.key);
  },
  COMPENSATION_DONE: (s, e) => dropCompensation(s, e.key),
  AD_HOC_COMPLETION_REQUESTED: (s, e) => {
    const el = s.elements.get(e.key);
    if (el) el.adHocCompletionRequested = true;
  },
  USER_TASK_CREATING: (s, e) => {
    const { type: _type, properties, ...fields } = e;
    s.userTasks.set(e.key, { ...fields, ...properties, state: 'CREATING', pending: {}, listenersDone: 0 });
    const el = s.elements.get(e.elementInstanceKey);
    if (el) el.userTaskKey = e.key;
  },
  USER_TASK_TRANSITION: (s, e) => {
    const task = s.userTasks.get(e.key);
    if (!task) return;
    task.state = e.transition;
    task.pending = { ...e.changes };
    task.listenersDone = 0;
    task.completionVariables = e.variables;
  },
  USER_TASK_CORRECTED: (s, e) => {
    const task = s.userTasks.get(e.key);
    if (task) task.pending = { ...task.pending, ...e.corrections };
  },
  USER_TASK_TRANSITIONED: (s, e) => {
    const task = s.userTasks.get(e.key);
    if (!task) return;
    Object.assign(task, e.changes);
    if (task.assignee === '') delete task.assignee; // unassigned
    task.state = 'CREATED';
    task.pending = undefined;
    task.listenersDone = 0;
  },
  USER_TASK_TRANSITION_DENIED: (s, e) => {
    const task = s.userTasks.get(e.key);
    if (!task) return;
    task.state = 'CREATED';
    task.pending = undefined;
    task.listenersDone = 0;
    task.completionVariables = undefined;
  },
  USER_TASK_ENDED: (s, e) => {
    s.userTasks.delete(e.key);
  },
  EXECUTION_LISTENERS_RESET: (s, e) => {
    const el = s.elements.get(e.key);
    if (el) el.listenersDone = undefined;
  },
  ELEMENT_COMPLETED: (s, e) => finishElement(s, e.key, false),
  ELEMENT_TERMINATING: (s, e) => {
    const el = s.elements.get(e.key);
    if (el) el.state = 'TERMINATING';
  },
  ELEMENT_TERMINATED: (s, e) => finishElement(s, e.key, true),
  FLOW_TAKEN: (s, e) => {
    if (!e.join) return;
    const scope = s.elements.get(e.flowScopeKey);
    if (scope) scope.waitingTokens.set(e.flowId, (scope.waitingTokens.get(e.flowId) ?? 0) + 1);
  },
  JOIN_CONSUMED: (s, e) => {
    const scope = s.elements.get(e.flowScopeKey);
    if (!scope) return;
    for (const f of e.flowIds) {
      const n = (scope.waitingTokens.get(f) ?? 0) - 1;
      if (n > 0) scope.waitingTokens.set(f, n);
      else scope.waitingTokens.delete(f);
    }
  },
  VARIABLE_SET: (s, e) => {
    let vars = s.variables.get(e.scopeKey);
    if (!vars) s.variables.set(e.scopeKey, (vars = new Map<string, unknown>()));
    vars.set(e.name, e.value);
  },
  VARIABLE_DOCUMENT_UPDATED: () => undefined,
  JOB_CREATED: (s, e) => {
    const job: Job = {
      key: e.key,
      type: e.jobType,
      state: 'ACTIVATABLE',
      retries: e.retries,
      customHeaders: e.customHeaders,
      elementInstanceKey: e.elementInstanceKey,
      elementId: e.elementId,
      processInstanceKey: e.processInstanceKey,
      processDefinitionKey: e.processDefinitionKey,
      bpmnProcessId: e.bpmnProcessId,
      version: e.version,
      worker: '',
      deadline: -1,
      retryAt: 0,
      errorMessage: '',
      createdAt: e.createdAt,
      ...(e.listener ? { listener: e.listener } : {}),
      ...(e.userTaskKey !== undefined ? { userTaskKey: e.userTaskKey } : {}),
    };
    s.jobs.set(e.key, job);
    makeActivatable(s, job);
    const el = s.elements.get(e.elementInstanceKey);
    if (el) el.jobKey = e.key;
  },
  JOB_ACTIVATED: (s, e) => {
    const job = jobOf(s, e.key);
    s.activatable.get(job.type)?.delete(job.key);
    job.state = 'ACTIVATED';
    job.worker = e.worker;
    job.deadline = e.deadline;
    s.activated.add(job.key);
  },
  JOB_COMPLETED: (s, e) => {
    const job = s.jobs.get(e.key);
    const el = job?.listener ? s.elements.get(job.elementInstanceKey) : undefined;
    if (el) el.listenersDone = (el.listenersDone ?? 0) + 1;
    const task = job?.userTaskKey === undefined ? undefined : s.userTasks.get(job.userTaskKey);
    if (task) task.listenersDone += 1;
    removeJob(s, e.key);
  },
  JOB_FAILED: (s, e) => {
    const job = jobOf(s, e.key);
    job.retries = e.retries;
    job.errorMessage = e.errorMessage;
    job.retryAt = e.retryAt;
    if (e.retries > 0) makeActivatable(s, job);
    else {
      s.activatable.get(job.type)?.delete(job.key);
      s.activated.delete(job.key);
      job.state = 'FAILED';
    }
  },
  JOB_TIMED_OUT: (s, e) => makeActivatable(s, jobOf(s, e.key)),
  JOB_RETRIES_UPDATED: (s, e) => {
    jobOf(s, e.key).retries = e.retries;
  },
  PROCESS_INSTANCE_MIGRATED: (s, e) => {
    const target = s.processes.get(e.targetProcessDefinitionKey);
    if (!target) throw new Error(`applier: no process ${e.targetProcessDefinitionKey}`);
    const elementIds = new Map(e.elementIds);
    for (const [key, elementId] of elementIds) {
      const el = s.elements.get(key);
      if (!el) throw new Error(`applier: no element instance ${key}`);
      el.elementId = elementId;
      el.processDefinitionKey = target.key;
    }
    // Jobs and Camunda user tasks of moved elements name the target's element, process and version.
    for (const owned of [...s.jobs.values(), ...s.userTasks.values()]) {
      const elementId = owned.processInstanceKey === e.key ? elementIds.get(owned.elementInstanceKey) : undefined;
      if (elementId === undefined) continue;
      Object.assign(owned, {
        elementId,
        processDefinitionKey: target.key,
        bpmnProcessId: target.bpmnProcessId,
        version: target.version,
      });
    }
    for (const incident of s.incidents.values()) {
      const elementId = elementIds.get(incident.elementInstanceKey);
      if (elementId !== undefined) incident.elementId = elementId;
    }
    // A receive task's or message catch event's own subscription triggers its new element (the
    // root's would be an event subprocess's, which migration refuses).
    for (const sub of s.subscriptions.values()) {
      if (sub.processInstanceKey !== e.key || sub.elementInstanceKey === e.key) continue;
      const elementId = elementIds.get(sub.elementInstanceKey);
      if (elementId !== undefined)
        Object.assign(sub, { catchElementId: elementId, bpmnProcessId: target.bpmnProcessId });
    }
    // So does a timer catch event's timer, which keeps its due date.
    for (const timer of s.timers.values()) {
      if (timer.processInstanceKey !== e.key || timer.elementInstanceKey === e.key) continue;
      const elementId = elementIds.get(timer.elementInstanceKey);
      if (elementId !== undefined)
        Object.assign(timer, { catchElementId: elementId, processDefinitionKey: target.key });
    }
  },
  JOB_TIMEOUT_UPDATED: (s, e) => {
    jobOf(s, e.key).deadline = e.deadline;
  },
  JOB_ERROR_THROWN: (s, e) => {
    const job = jobOf(s, e.key);
    s.activatable.get(job.type)?.delete(job.key);
    s.activated.delete(job.key);
    job.state = 'ERROR_THROWN';
    job.errorMessage = e.errorMessage;
  },
  JOB_CANCELED: (s, e) => removeJob(s, e.key),
  INCIDENT_CREATED: (s, e) => {
    const { type: _type, ...fields } = e;
    s.incidents.set(e.key, fields);
    index(s.incidentsByElement, e.elementInstanceKey, e.key);
  },
  INCIDENT_RESOLVED: (s, e) => {
    const incident = s.incidents.get(e.key);
    s.incidents.delete(e.key);
    unindex(s.incidentsByElement, incident?.elementInstanceKey, e.key);
    // A resolved job incident makes the job activatable again if it has retries.
    const job = incident?.jobKey === undefined ? undefined : s.jobs.get(incident.jobKey);
    if (job && ((job.state === 'FAILED' && job.retries > 0) || job.state === 'ERROR_THROWN')) {
      job.retryAt = 0;
      makeActivatable(s, job);
    }
  },
  MESSAGE_SUBSCRIPTION_OPENED: (s, e) => {
    const { type: _type, ...fields } = e;
    s.subscriptions.set(e.key, fields);
    index(s.triggersByElement, e.elementInstanceKey, e.key);
  },
  MESSAGE_SUBSCRIPTION_CLOSED: (s, e) => {
    unindex(s.triggersByElement, s.subscriptions.get(e.key)?.elementInstanceKey, e.key);
    s.subscriptions.delete(e.key);
  },
  MESSAGE_PUBLISHED: (s, e) => {
    const { type: _type, ...fields } = e;
    s.messages.set(e.key, { ...fields, correlatedTo: new Set() });
  },
  MESSAGE_CORRELATED: (s, e) => {
    const message = s.messages.get(e.key);
    message?.correlatedTo.add(e.bpmnProcessId);
    if (e.startedInstance && message && message.correlationKey !== '') {
      s.messageStartedInstances.set(`${e.bpmnProcessId}\0${message.correlationKey}`, e.processInstanceKey);
    }
  },
  MESSAGE_EXPIRED: (s, e) => {
    s.messages.delete(e.key);
  },
  TIMER_CREATED: (s, e) => {
    const { type: _type, ...fields } = e;
    s.timers.set(e.key, fields);
    index(s.triggersByElement, e.elementInstanceKey, e.key);
  },
  TIMER_TRIGGERED: (s, e) => removeTimer(s, e.key),
  TIMER_CANCELED: (s, e) => removeTimer(s, e.key),
  SIGNAL_BROADCAST: () => undefined,
  DECISION_EVALUATED: () => undefined,
};

function removeTimer(s: EngineState, key: number): void {
  unindex(s.triggersByElement, s.timers.get(key)?.elementInstanceKey, key);
  s.timers.delete(key);
}

function index(map: Map<number, Set<number>>, owner: number, key: number): void {
  let set = map.get(owner);
  if (!set) map.set(owner, (set = new Set()));
  set.add(key);
}

function unindex(map: Map<number, Set<number>>, owner: number | undefined, key: number): void {
  if (owner === undefined) return;
  const set = map.get(owner);
  set?.delete(key);
  if (set?.size === 0) map.delete(owner);
}

function dropCompensation(s: EngineState, key: number): void {
  const c = s.compensations.get(key);
  if (!c) return;
  s.compensations.delete(key);
  s.compensationsByInstance.get(c.processInstanceKey)?.delete(key);
  if (c.handlerInstanceKey !== undefined) s.compensationHandlers.delete(c.handlerInstanceKey);
}

function finishElement(s: EngineState, key: number, terminated: boolean): void {
  const el = s.elements.get(key);
  if (!el) return;
  s.elements.get(el.flowScopeKey)?.activeChildren.delete(key);
  s.elements.delete(key);
  s.variables.delete(key);
  if (el.kind === 'process') {
    if (terminated) s.outbox.terminatedInstances.push(key);
    for (const [k, v] of s.messageStartedInstances) if (v === key) s.messageStartedInstances.delete(k);
    for (const c of [...(s.compensationsByInstance.get(key) ?? [])]) dropCompensation(s, c);
    s.compensationsByInstance.delete(key);
  }
}

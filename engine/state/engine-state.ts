// The engine's state: only appliers (appliers.ts) change it, only from events.
import type { ElementKind, ProcessModel } from '../../lib/bpmn/index.js';
import type { DecisionRequirementsModel } from '../../lib/dmn/index.js';
import type { EventOf, PendingStart, UserTaskProperties, UserTaskTransition } from './events.js';

/** Zeebe's first key on partition 1: (1 << 51) + 1; keys of all kinds share one sequence. */
export const KEY_BASE = 2251799813685249;

/** The deployment event's fields (the XML rebuilds the model from a snapshot) and the compiled model. */
export type DeployedProcess = Omit<EventOf<'PROCESS_DEPLOYED'>, 'type'> & { model: ProcessModel };

/**
 * What an element instance is: a BPMN element, a process instance, a multi-instance body, or
 * the scope of one activation inside an ad-hoc subprocess (its variables stay there).
 */
export type InstanceKind = ElementKind | 'process' | 'multiInstanceBody' | 'adHocInner';

export type DeployedDecisionRequirements = Omit<EventOf<'DECISION_REQUIREMENTS_DEPLOYED'>, 'type' | 'decisions'> & {
  model: DecisionRequirementsModel;
  decisionKeys: number[];
};

export interface DeployedDecision {
  key: number;
  decisionId: string;
  name: string;
  version: number;
  drgKey: number;
}

export type DeployedForm = Omit<EventOf<'FORM_DEPLOYED'>, 'type'>;

export type ElementState = 'ACTIVATING' | 'ACTIVATED' | 'COMPLETING' | 'TERMINATING';

export interface ElementInstance {
  key: number;
  elementId: string;
  kind: InstanceKind;
  flowScopeKey: number;
  processInstanceKey: number;
  processDefinitionKey: number;
  parentElementInstanceKey?: number;
  state: ElementState;
  /** Multi-instance bodies: the input collection, evaluated once when the body starts. */
  loopItems?: unknown[];
  /** Child element instances that are not finished. */
  activeChildren: Set<number>;
  /** Tokens waiting at parallel joins in this scope, per incoming flow id. */
  waitingTokens: Map<string, number>;
  jobKey?: number;
  /** Call activities: the child process instance they wait for. */
  calledInstanceKey?: number;
  /** Ad-hoc subprocesses: completes once its running inner flows have. */
  adHocCompletionRequested?: boolean;
  /** Camunda user tasks: the user task of the element. */
  userTaskKey?: number;
  /** Execution listeners of the current phase (start while ACTIVATING, end while COMPLETING) that completed. */
  listenersDone?: number;
  /** Process instances whose start listeners are running: where they start afterwards. */
  pendingStart?: PendingStart;
}

export type JobState = 'ACTIVATABLE' | 'ACTIVATED' | 'FAILED' | 'ERROR_THROWN';

export interface Job {
  key: number;
  type: string;
  state: JobState;
  retries: number;
  customHeaders: Record<string, string>;
  elementInstanceKey: number;
  elementId: string;
  processInstanceKey: number;
  processDefinitionKey: number;
  bpmnProcessId: string;
  version: number;
  worker: string;
  deadline: number;
  retryAt: number;
  errorMessage: string;
  createdAt: number;
  listener?: 'start' | 'end';
  /** Task listener jobs: the user task whose transition waits for them. */
  userTaskKey?: number;
}

export type Incident = Omit<EventOf<'INCIDENT_CREATED'>, 'type'>;

/** Signal subscriptions share the shape; they have no correlation key and no buffering. */
export type MessageSubscription = Omit<EventOf<'MESSAGE_SUBSCRIPTION_OPENED'>, 'type'>;

export interface BufferedMessage {
  key: number;
  name: string;
  correlationKey: string;
  messageId: string;
  variables: Record<string, unknown>;
  expiresAt: number;
  /** bpmnProcessIds this message already correlated to (at most once per process). */
  correlatedTo: Set<string>;
}

export type Timer = Omit<EventOf<'TIMER_CREATED'>, 'type'>;

export type Compensation = Omit<EventOf<'COMPENSATION_SUBSCRIBED'>, 'type'> & {
  throwInstanceKey?: number;
  handlerInstanceKey?: number;
};

/** A Camunda user task while its element is active; `transition` while task listeners run. */
export interface UserTask extends Omit<EventOf<'USER_TASK_CREATING'>, 'type' | 'properties'>, UserTaskProperties {
  state: 'CREATED' | UserTaskTransition;
  /** The transition's requested changes, applied once its listeners completed. */
  pending?: Partial<UserTaskProperties>;
  /** Task listeners of the transition that completed. */
  listenersDone: number;
  /** Variables of a completion request, handed to the element once the completing listeners ran. */
  completionVariables?: Record<string, unknown>;
}

export class EngineState {
  lastKey = KEY_BASE - 1;
  readonly processes = new Map<number, DeployedProcess>();
  /** bpmnProcessId → keys of its versions, oldest first. */
  readonly versions = new Map<string, number[]>();
  readonly drgs = new Map<number, DeployedDecisionRequirements>();
  readonly decisions = new Map<number, DeployedDecision>();
  readonly forms = new Map<number, DeployedForm>();
  /** Versions (keys, oldest first) per id, for processes' siblings: DRGs, decisions, forms. */
  readonly drgVersions = new Map<string, number[]>();
  readonly decisionVersions = new Map<string, number[]>();
  readonly formVersions = new Map<string, number[]>();
  readonly elements = new Map<number, ElementInstance>();
  readonly variables = new Map<number, Map<string, unknown>>();
  readonly jobs = new Map<number, Job>();
  /** Job type → keys of ACTIVATABLE jobs in creation order (FIFO activation). */
  readonly activatable = new Map<string, Set<number>>();
  readonly activated = new Set<number>();
  readonly incidents = new Map<number, Incident>();
  readonly subscriptions = new Map<number, MessageSubscription>();
  readonly messages = new Map<number, BufferedMessage>();
  readonly timers = new Map<number, Timer>();
  /** Timer and subscription keys per owning element instance (keys never collide across kinds). */
  readonly triggersByElement = new Map<number, Set<number>>();
  readonly userTasks = new Map<number, UserTask>();
  /** Compensation subscriptions of completed activities, and their keys per process instance. */
  readonly compensations = new Map<number, Compensation>();
  readonly compensationsByInstance = new Map<number, Set<number>>();
  /** Running compensation handlers: element instance key → subscription key. */
  readonly compensationHandlers = new Map<number, number>();
  /** Incident keys per element instance. */
  readonly incidentsByElement = new Map<number, Set<number>>();
  /** Process instances started by a message, per "bpmnProcessId\0correlationKey" (C29). */
  readonly messageStartedInstances = new Map<string, number>();

  /**
   * What appliers noticed that outside parties wait for; the engine drains it after each
   * commit (and once after replay). Not part of the durable state.
   */
  readonly outbox = { activatableTypes: new Set<string>(), terminatedInstances: [] as number[] };

  observeKey(key: number): void {
    if (key > this.lastKey) this.lastKey = key;
  }

  latestProcess(bpmnProcessId: string): DeployedProcess | undefined {
    const keys = this.versions.get(bpmnProcessId);
    const key = keys?.[keys.length - 1];
    return key === undefined ? undefined : this.processes.get(key);
  }

  latestOf<T>(versions: Map<string, number[]>, all: Map<number, T>, id: string): T | undefined {
    const keys = versions.get(id);
    const key = keys?.[keys.length - 1];
    return key === undefined ? undefined : all.get(key);
  }

  processByVersion(bpmnProcessId: string, version: number): DeployedProcess | undefined {
    return (this.versions.get(bpmnProcessId) ?? [])
      .map((k) => this.processes.get(k))
      .find((p) => p?.version === version);
  }
}

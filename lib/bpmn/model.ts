// The engine-friendly model of one executable BPMN process, compiled from bpmn-moddle's tree.
import type { Expression } from '../feel/index.js';

export type ElementKind =
  | 'startEvent'
  | 'endEvent'
  | 'serviceTask' // every job-based task: service, send, business rule, script, user
  | 'businessRuleTask' // a business rule task that calls a DMN decision (zeebe:calledDecision)
  | 'scriptTask' // a script task the engine evaluates itself (zeebe:script: a FEEL expression)
  | 'passThroughTask' // bpmn:Task and bpmn:ManualTask: complete at once
  | 'userTask' // a Camunda user task (zeebe:userTask): no job; completed through the REST API
  | 'receiveTask' // waits for its message, like a catch event, but is an activity (boundary events, loops)
  | 'exclusiveGateway'
  | 'parallelGateway'
  | 'inclusiveGateway'
  | 'eventBasedGateway'
  | 'intermediateCatchEvent'
  | 'intermediateThrowEvent'
  | 'boundaryEvent'
  | 'subProcess'
  | 'adHocSubProcess' // inner elements run when activated (by an expression or a job worker), in any order
  | 'callActivity';

export type EventDefinition =
  | { kind: 'none' }
  | { kind: 'message'; messageName: Expression; correlationKey?: Expression }
  | { kind: 'timer'; timer: TimerDefinition }
  | { kind: 'error'; errorCode?: string }
  | { kind: 'terminate' }
  | { kind: 'signal'; signalName: Expression }
  /** Link events jump within their scope: a throw event continues at the catch event of the same name. */
  | { kind: 'link'; linkName: string }
  /** Catch events without a code catch every escalation. */
  | { kind: 'escalation'; escalationCode?: string }
  /** Throw events compensate every completed activity of their scope, or only `activityRef`. */
  | { kind: 'compensation'; activityRef?: string };

export interface TimerDefinition {
  type: 'duration' | 'date' | 'cycle';
  expression: Expression;
}

export interface Mapping {
  source: Expression;
  /** Dotted target path: `a.b.c` builds nested objects. */
  target: string;
}

export interface JobDefinition {
  type: Expression;
  retries: Expression;
  headers: Record<string, string>;
  /** Job-based user tasks: Zeebe's io.camunda.zeebe:* headers, evaluated when the task activates. */
  userTaskHeaders?: Record<string, UserTaskHeader>;
}

/** A Camunda user task's properties (expressions evaluated at activation) and task listeners. */
export interface UserTaskDefinition {
  assignee?: UserTaskHeader;
  candidateGroups?: UserTaskHeader;
  candidateUsers?: UserTaskHeader;
  dueDate?: UserTaskHeader;
  followUpDate?: UserTaskHeader;
  priority?: Expression;
  /** A linked form (zeebe:formDefinition formId), an external form, or an embedded form key. */
  formId?: string;
  externalFormReference?: Expression;
  formKey?: string;
  /** zeebe:taskHeaders: the task's customHeaders. */
  headers: Record<string, string>;
  taskListeners: TaskListener[];
}

export type TaskListenerEvent = 'creating' | 'assigning' | 'updating' | 'completing';

export interface TaskListener {
  eventType: TaskListenerEvent;
  type: Expression;
  retries: Expression;
}

/**
 * How a user task header's value is made: a string as is, a list (candidates) as a JSON array, a
 * date checked, a linked form's id as the key of its latest deployed version.
 */
export interface UserTaskHeader {
  expression: Expression;
  type: 'string' | 'list' | 'date' | 'form';
}

/** An ad-hoc subprocess (Camunda 8.8): which inner elements run, and when it is done. */
export interface AdHocDefinition {
  /** A list of inner element ids to activate on entry (BPMN implementation). */
  activeElements?: Expression;
  /** FEEL source without "=", evaluated each time an inner flow completes. */
  completionCondition?: string;
  cancelRemainingInstances: boolean;
  outputCollection?: string;
  outputElement?: Expression;
  /** The inner elements that can be activated (no incoming sequence flow), as adHocSubProcessElements lists them. */
  activatable: {
    elementId: string;
    elementName?: string;
    documentation?: string;
    properties: Record<string, string>;
  }[];
}

/** zeebe:executionListener: a job that must complete before the element goes on (start) or leaves (end). */
export interface ExecutionListener {
  eventType: 'start' | 'end';
  type: Expression;
  retries: Expression;
  /** The listener's zeebe:taskHeaders (the element's own headers are merged under them). */
  headers: Record<string, string>;
}

export interface MultiInstance {
  sequential: boolean;
  inputCollection: Expression;
  inputElement?: string;
  outputCollection?: string;
  outputElement?: Expression;
  /** FEEL source without "=". */
  completionCondition?: string;
}

export interface FlowNode {
  id: string;
  name?: string;
  kind: ElementKind;
  /** BPMN type as written, for messages: bpmn:ServiceTask */
  bpmnType: string;
  /** Id of the enclosing process or subprocess. */
  scopeId: string;
  incoming: string[];
  outgoing: string[];
  event: EventDefinition;
  job?: JobDefinition;
  inputs: Mapping[];
  outputs: Mapping[];
  defaultFlow?: string;
  /** Boundary events: the activity they sit on and whether they interrupt it. */
  attachedTo?: string;
  cancelActivity?: boolean;
  /** Start events of event subprocesses: whether they interrupt their scope. */
  interrupting?: boolean;
  /** Subprocess: triggered by an event (event subprocess). */
  triggeredByEvent?: boolean;
  calledProcessId?: Expression;
  calledDecision?: { decisionId: Expression; resultVariable: string };
  /** Ad-hoc subprocesses; with `job` as well, a job worker decides what runs. */
  adHoc?: AdHocDefinition;
  /** Camunda user tasks (zeebe:userTask). */
  userTask?: UserTaskDefinition;
  /** Compensation boundary events: the compensation handler they are associated with. */
  compensationHandler?: string;
  /** Compensation handlers (isForCompensation): run only when their activity is compensated. */
  isForCompensation?: boolean;
  /** Link throw events: the link catch event of the same name in the same scope. */
  linkTarget?: string;
  /** Script tasks with zeebe:script: the FEEL expression and the variable its value goes to. */
  script?: { expression: Expression; resultVariable: string };
  /** Activities with multi-instance loop characteristics run once per collection item. */
  multiInstance?: MultiInstance;
  propagateAllChildVariables?: boolean;
  propagateAllParentVariables?: boolean;
  /** Start listeners run in order after the input mappings, end listeners after the output mappings. */
  executionListeners: ExecutionListener[];
}

export interface SequenceFlow {
  id: string;
  source: string;
  target: string;
  /** FEEL source without the leading "=". */
  condition?: string;
}

export interface ProcessModel {
  id: string;
  name?: string;
  elements: Map<string, FlowNode>;
  flows: Map<string, SequenceFlow>;
  /** Start events per scope (process id or subprocess id). */
  startEvents: Map<string, string[]>;
  /** Event subprocess ids per scope (process id or subprocess id). */
  eventSubprocesses: Map<string, string[]>;
  /** Boundary event ids per attached activity id. */
  boundaryEvents: Map<string, string[]>;
  /** Every static job type, sorted; FEEL job types are listed as their expression. */
  jobTypes: string[];
  /** Whether any activity has a compensation boundary event (completions are recorded only then). */
  hasCompensation: boolean;
  /** The process's own execution listeners (start: before its start event; end: as it completes). */
  executionListeners: ExecutionListener[];
}

export function noneStartEvent(model: ProcessModel, scopeId = model.id): FlowNode | undefined {
  return (model.startEvents.get(scopeId) ?? [])
    .map((id) => model.elements.get(id))
    .find((e) => e?.event.kind === 'none');
}

// Every change to engine state is one of these events. Events are appended durably before a
// command is acknowledged; replaying them through the appliers rebuilds the state exactly.
import type { ElementKind } from '../../lib/bpmn/index.js';

export type EngineEvent =
  | {
      type: 'PROCESS_DEPLOYED';
      key: number;
      deploymentKey: number;
      bpmnProcessId: string;
      version: number;
      resourceName: string;
      checksum: string;
      xml: string;
    }
  | { type: 'DEPLOYMENT_CREATED'; key: number }
  | {
      type: 'DECISION_REQUIREMENTS_DEPLOYED';
      key: number;
      drgId: string;
      name: string;
      version: number;
      resourceName: string;
      checksum: string;
      xml: string;
      decisions: { key: number; decisionId: string; name: string; version: number }[];
    }
  | {
      type: 'FORM_DEPLOYED';
      key: number;
      formId: string;
      version: number;
      resourceName: string;
      checksum: string;
      /** The form's JSON, what a tasklist renders (absent in logs written before it was kept). */
      schema?: string;
    }
  | { type: 'PROCESS_DELETED'; key: number }
  | {
      type: 'ELEMENT_ACTIVATING';
      key: number;
      elementId: string;
      kind: ElementKind | 'process' | 'multiInstanceBody' | 'adHocInner';
      flowScopeKey: number;
      processInstanceKey: number;
      processDefinitionKey: number;
      /** Call activities: the element instance in the parent that waits for this instance. */
      parentElementInstanceKey?: number;
      /** Process instances with start listeners: where the instance starts once they completed. */
      pendingStart?: PendingStart;
    }
  | { type: 'ELEMENT_ACTIVATED'; key: number }
  /** A process instance moved to another version: element instance key → its element id there. */
  | {
      type: 'PROCESS_INSTANCE_MIGRATED';
      key: number;
      targetProcessDefinitionKey: number;
      elementIds: [number, string][];
    }
  | { type: 'MULTI_INSTANCE_STARTED'; key: number; items: unknown[] }
  | { type: 'ELEMENT_COMPLETING'; key: number }
  | { type: 'ELEMENT_COMPLETED'; key: number }
  | { type: 'ELEMENT_TERMINATING'; key: number }
  | { type: 'ELEMENT_TERMINATED'; key: number }
  /** A token moved along a flow; `join` when it waits at a parallel gateway with several inputs. */
  | { type: 'FLOW_TAKEN'; flowScopeKey: number; flowId: string; join: boolean }
  | { type: 'JOIN_CONSUMED'; flowScopeKey: number; flowIds: string[] }
  | { type: 'VARIABLE_SET'; scopeKey: number; processInstanceKey: number; name: string; value: unknown }
  | { type: 'VARIABLE_DOCUMENT_UPDATED'; key: number }
  | {
      type: 'JOB_CREATED';
      key: number;
      jobType: string;
      retries: number;
      customHeaders: Record<string, string>;
      elementInstanceKey: number;
      elementId: string;
      processInstanceKey: number;
      processDefinitionKey: number;
      bpmnProcessId: string;
      version: number;
      createdAt: number;
      /** Execution listener jobs: the phase they belong to (the element waits in it). */
      listener?: 'start' | 'end';
      /** Task listener jobs: the user task whose transition waits for them. */
      userTaskKey?: number;
    }
  /** An incident in a listener phase was resolved: the phase's listeners run again from the first. */
  | { type: 'EXECUTION_LISTENERS_RESET'; key: number }
  | { type: 'JOB_ACTIVATED'; key: number; worker: string; deadline: number }
  | { type: 'JOB_COMPLETED'; key: number }
  | { type: 'JOB_FAILED'; key: number; retries: number; errorMessage: string; retryAt: number }
  | { type: 'JOB_TIMED_OUT'; key: number }
  | { type: 'JOB_RETRIES_UPDATED'; key: number; retries: number }
  | { type: 'JOB_TIMEOUT_UPDATED'; key: number; deadline: number }
  | { type: 'JOB_ERROR_THROWN'; key: number; errorCode: string; errorMessage: string }
  | { type: 'JOB_CANCELED'; key: number }
  | {
      type: 'INCIDENT_CREATED';
      key: number;
      errorType: IncidentErrorType;
      errorMessage: string;
      elementInstanceKey: number;
      elementId: string;
      processInstanceKey: number;
      jobKey?: number;
    }
  | { type: 'INCIDENT_RESOLVED'; key: number }
  | {
      type: 'MESSAGE_SUBSCRIPTION_OPENED';
      key: number;
      kind: 'message' | 'signal';
      elementInstanceKey: number;
      processInstanceKey: number;
      bpmnProcessId: string;
      /** The catch event (boundary or intermediate) that the message triggers. */
      catchElementId: string;
      messageName: string;
      correlationKey: string;
      interrupting: boolean;
    }
  | { type: 'MESSAGE_SUBSCRIPTION_CLOSED'; key: number }
  | {
      type: 'MESSAGE_PUBLISHED';
      key: number;
      name: string;
      correlationKey: string;
      messageId: string;
      variables: Record<string, unknown>;
      expiresAt: number;
    }
  | {
      type: 'MESSAGE_CORRELATED';
      key: number;
      bpmnProcessId: string;
      processInstanceKey: number;
      startedInstance: boolean;
    }
  | { type: 'MESSAGE_EXPIRED'; key: number }
  | {
      type: 'TIMER_CREATED';
      key: number;
      /** 0 for a timer start event (no instance yet). */
      elementInstanceKey: number;
      processInstanceKey: number;
      processDefinitionKey: number;
      catchElementId: string;
      dueAt: number;
      /** Remaining repetitions of a cycle; -1 unbounded, 0 none. */
      repetitions: number;
      intervalMs: number;
      interrupting: boolean;
    }
  | { type: 'TIMER_TRIGGERED'; key: number }
  | { type: 'TIMER_CANCELED'; key: number }
  /** A Camunda user task begins a lifecycle transition; its task listeners run while it is in it. */
  | {
      type: 'USER_TASK_CREATING';
      key: number;
      elementInstanceKey: number;
      elementId: string;
      name?: string;
      processInstanceKey: number;
      processDefinitionKey: number;
      bpmnProcessId: string;
      version: number;
      properties: UserTaskProperties;
      customHeaders: Record<string, string>;
      createdAt: number;
    }
  | {
      type: 'USER_TASK_TRANSITION';
      key: number;
      transition: UserTaskTransition;
      changes: Partial<UserTaskProperties>;
      /** Completion: the variables the element completes with once the listeners ran. */
      variables?: Record<string, unknown>;
    }
  /** A task listener corrected what the transition changes. */
  | { type: 'USER_TASK_CORRECTED'; key: number; corrections: Partial<UserTaskProperties> }
  /** The transition completed: its changes (and the listeners' corrections) are the task's now. */
  | { type: 'USER_TASK_TRANSITIONED'; key: number; changes: Partial<UserTaskProperties> }
  /** A task listener denied the transition: the task stays as it was. */
  | { type: 'USER_TASK_TRANSITION_DENIED'; key: number; reason: string }
  | { type: 'USER_TASK_ENDED'; key: number; completed: boolean }
  /** A compensable activity (or a scope holding some) completed: it can be compensated later. */
  | {
      type: 'COMPENSATION_SUBSCRIBED';
      key: number;
      processInstanceKey: number;
      activityId: string;
      activityInstanceKey: number;
      /** The element instance the activity completed in. */
      scopeKey: number;
      handlerId?: string;
    }
  /** A throw event compensates it: its handler runs (or, for a scope, its contents are compensated). */
  | { type: 'COMPENSATION_TRIGGERED'; key: number; throwInstanceKey: number; handlerInstanceKey?: number }
  | { type: 'COMPENSATION_DONE'; key: number }
  /** An ad-hoc subprocess is done once its running inner flows are (cancelRemainingInstances=false). */
  | { type: 'AD_HOC_COMPLETION_REQUESTED'; key: number }
  | { type: 'SIGNAL_BROADCAST'; key: number }
  | { type: 'DECISION_EVALUATED'; key: number; decisionKey: number };

export type IncidentErrorType =
  | 'JOB_NO_RETRIES'
  | 'EXECUTION_LISTENER_NO_RETRIES'
  | 'TASK_LISTENER_NO_RETRIES'
  | 'FORM_NOT_FOUND'
  | 'EXTRACT_VALUE_ERROR'
  | 'CONDITION_ERROR'
  | 'IO_MAPPING_ERROR'
  | 'UNHANDLED_ERROR_EVENT'
  | 'CALLED_ELEMENT_ERROR'
  | 'CALLED_DECISION_ERROR'
  | 'DECISION_EVALUATION_ERROR'
  | 'UNKNOWN';

export type UserTaskTransition = 'CREATING' | 'ASSIGNING' | 'UPDATING' | 'COMPLETING';

/** What a user task is about, as Camunda's REST API names it. */
export interface UserTaskProperties {
  assignee?: string;
  candidateGroups: string[];
  candidateUsers: string[];
  dueDate?: string;
  followUpDate?: string;
  priority: number;
  formKey?: string;
  externalFormReference?: string;
}

export interface PendingStart {
  elementIds: string[];
  /** Variables the starting event brought (message, signal), handed to the start event. */
  variables?: Record<string, unknown>;
}

export type EventOf<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

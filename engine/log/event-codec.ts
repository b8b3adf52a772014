// How a batch of events is stored in the log: each event as a row of its values,
// `[code, value, …]`, in the order FIELDS lists its fields, instead of an object that repeats
// every field name. A job of hello took 1.9 KB of JSON as objects; as rows it takes about half,
// and stringifying and storing the log were the largest part of the engine's own work per job.
// In memory the events stay the objects of events.ts: only the stored text changes.
//
// Lossless for every event: one with a field FIELDS does not list (or a field explicitly set to
// undefined) is stored as its object, as logs before the codec stored every event. Batches
// written before are arrays of objects and decode as they are.
import type { EngineEvent, EventOf } from '../state/events.js';

type EventType = EngineEvent['type'];
type FieldOf<T extends EventType> = Exclude<keyof EventOf<T>, 'type'> & string;

/**
 * Each type's fields in stored order; `?name` marks an optional field (a null there means
 * absent; a required field keeps its null, e.g. a variable's value). Optional fields go last:
 * absent ones at the end of a row are not written at all.
 *
 * Append new types at the end and new optional fields at the end of their list: a type's code
 * is its position here, and stored logs refer to codes and positions (event-codec.test.ts pins
 * them).
 */
const FIELDS = {
  PROCESS_DEPLOYED: ['key', 'deploymentKey', 'bpmnProcessId', 'version', 'resourceName', 'checksum', 'xml'],
  DEPLOYMENT_CREATED: ['key'],
  DECISION_REQUIREMENTS_DEPLOYED: ['key', 'drgId', 'name', 'version', 'resourceName', 'checksum', 'xml', 'decisions'],
  FORM_DEPLOYED: ['key', 'formId', 'version', 'resourceName', 'checksum', '?schema'],
  PROCESS_DELETED: ['key'],
  ELEMENT_ACTIVATING: [
    'key',
    'elementId',
    'kind',
    'flowScopeKey',
    'processInstanceKey',
    'processDefinitionKey',
    '?parentElementInstanceKey',
    '?pendingStart',
  ],
  ELEMENT_ACTIVATED: ['key'],
  PROCESS_INSTANCE_MIGRATED: ['key', 'targetProcessDefinitionKey', 'elementIds'],
  MULTI_INSTANCE_STARTED: ['key', 'items'],
  ELEMENT_COMPLETING: ['key'],
  ELEMENT_COMPLETED: ['key'],
  ELEMENT_TERMINATING: ['key'],
  ELEMENT_TERMINATED: ['key'],
  FLOW_TAKEN: ['flowScopeKey', 'flowId', 'join'],
  JOIN_CONSUMED: ['flowScopeKey', 'flowIds'],
  VARIABLE_SET: ['scopeKey', 'processInstanceKey', 'name', 'value'],
  VARIABLE_DOCUMENT_UPDATED: ['key'],
  JOB_CREATED: [
    'key',
    'jobType',
    'retries',
    'customHeaders',
    'elementInstanceKey',
    'elementId',
    'processInstanceKey',
    'processDefinitionKey',
    'bpmnProcessId',
    'version',
    'createdAt',
    '?listener',
    '?userTaskKey',
  ],
  EXECUTION_LISTENERS_RESET: ['key'],
  JOB_ACTIVATED: ['key', 'worker', 'deadline'],
  JOB_COMPLETED: ['key'],
  JOB_FAILED: ['key', 'retries', 'errorMessage', 'retryAt'],
  JOB_TIMED_OUT: ['key'],
  JOB_RETRIES_UPDATED: ['key', 'retries'],
  JOB_TIMEOUT_UPDATED: ['key', 'deadline'],
  JOB_ERROR_THROWN: ['key', 'errorCode', 'errorMessage'],
  JOB_CANCELED: ['key'],
  INCIDENT_CREATED: [
    'key',
    'errorType',
    'errorMessage',
    'elementInstanceKey',
    'elementId',
    'processInstanceKey',
    '?jobKey',
  ],
  INCIDENT_RESOLVED: ['key'],
  MESSAGE_SUBSCRIPTION_OPENED: [
    'key',
    'kind',
    'elementInstanceKey',
    'processInstanceKey',
    'bpmnProcessId',
    'catchElementId',
    'messageName',
    'correlationKey',
    'interrupting',
  ],
  MESSAGE_SUBSCRIPTION_CLOSED: ['key'],
  MESSAGE_PUBLISHED: ['key', 'name', 'correlationKey', 'messageId', 'variables', 'expiresAt'],
  MESSAGE_CORRELATED: ['key', 'bpmnProcessId', 'processInstanceKey', 'startedInstance'],
  MESSAGE_EXPIRED: ['key'],
  TIMER_CREATED: [
    'key',
    'elementInstanceKey',
    'processInstanceKey',
    'processDefinitionKey',
    'catchElementId',
    'dueAt',
    'repetitions',
    'intervalMs',
    'interrupting',
  ],
  TIMER_TRIGGERED: ['key'],
  TIMER_CANCELED: ['key'],
  USER_TASK_CREATING: [
    'key',
    'elementInstanceKey',
    'elementId',
    'processInstanceKey',
    'processDefinitionKey',
    'bpmnProcessId',
    'version',
    'properties',
    'customHeaders',
    'createdAt',
    '?name',
  ],
  USER_TASK_TRANSITION: ['key', 'transition', 'changes', '?variables'],
  USER_TASK_CORRECTED: ['key', 'corrections'],
  USER_TASK_TRANSITIONED: ['key', 'changes'],
  USER_TASK_TRANSITION_DENIED: ['key', 'reason'],
  USER_TASK_ENDED: ['key', 'completed'],
  COMPENSATION_SUBSCRIBED: ['key', 'processInstanceKey', 'activityId', 'activityInstanceKey', 'scopeKey', '?handlerId'],
  COMPENSATION_TRIGGERED: ['key', 'throwInstanceKey', '?handlerInstanceKey'],
  COMPENSATION_DONE: ['key'],
  AD_HOC_COMPLETION_REQUESTED: ['key'],
  SIGNAL_BROADCAST: ['key'],
  DECISION_EVALUATED: ['key', 'decisionKey'],
} satisfies { [T in EventType]: readonly (FieldOf<T> | `?${FieldOf<T>}`)[] };

interface Layout {
  type: EventType;
  names: string[];
  optional: boolean[];
  /** Engine keys (`key`, `…Key`): stored as offsets from the first key, see KEY_BASE. */
  isKey: boolean[];
}

/**
 * Keys are 16-digit numbers from (1 << 51) on, as Zeebe's partition 1 hands them out. A key
 * field stores `key - KEY_BASE` (keys made so far are small offsets), and a smaller number n
 * (0: no key) as -(n + 1), so every non-negative integer comes back as it was.
 */
const KEY_BASE = 2 ** 51;

/** Layouts by code, and codes by type. */
const LAYOUTS: Layout[] = Object.entries(FIELDS).map(([type, fields]) => {
  const names = fields.map((f) => f.replace(/^\?/, ''));
  return {
    type: type as EventType,
    names,
    optional: fields.map((f) => f.startsWith('?')),
    isKey: names.map((n) => n === 'key' || n.endsWith('Key')),
  };
});
const CODES = new Map<string, number>(LAYOUTS.map((l, code) => [l.type, code]));

/** The codes as stored, by type (event-codec.test.ts pins them: stored logs depend on them). */
export function eventCodes(): Record<string, number> {
  return Object.fromEntries(CODES);
}

/**
 * The stored text of a batch. Written as text directly: building arrays of the values and
 * stringifying those cost more than stringifying the objects.
 */
export function encodeBatch(events: readonly EngineEvent[]): string {
  let text = '[';
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as EngineEvent;
    if (i > 0) text += ',';
    text += encodeEvent(event) ?? JSON.stringify(event);
  }
  return text + ']';
}

/** The event's row, or undefined when only its object keeps everything (see the top). */
function encodeEvent(event: EngineEvent): string | undefined {
  const code = CODES.get(event.type);
  if (code === undefined) return undefined;
  const { names, isKey } = LAYOUTS[code] as Layout;
  const values = event as unknown as Record<string, unknown>;
  let row = '[' + String(code);
  let absent = ''; // nulls of absent fields, written only if a present one follows
  let present = 1; // type
  for (let i = 0; i < names.length; i++) {
    const value = values[names[i] as string];
    if (value === undefined) {
      absent += ',null';
      continue;
    }
    present++;
    let text: string;
    if (typeof value !== 'number' || !isKey[i]) text = JSON.stringify(value);
    else if (!Number.isSafeInteger(value) || value < 0) return undefined;
    else text = String(value >= KEY_BASE ? value - KEY_BASE : -(value + 1));
    row += absent + ',' + text;
    absent = '';
  }
  // A field FIELDS does not know, or one set to undefined: keep the object, nothing is lost.
  let own = 0;
  for (const _name in values) own++;
  return own === present ? row + ']' : undefined;
}

/** The events of a stored batch: rows, or objects as logs before the codec stored them. */
export function decodeBatch(text: string): EngineEvent[] {
  const rows = JSON.parse(text) as unknown[];
  const events = new Array<EngineEvent>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    events[i] = Array.isArray(row) ? decodeRow(row) : (row as EngineEvent);
  }
  return events;
}

function decodeRow(row: unknown[]): EngineEvent {
  const layout = LAYOUTS[row[0] as number];
  if (!layout) throw new Error(`event log: unknown event code ${String(row[0])} (written by a newer procos-engine?)`);
  const event: Record<string, unknown> = { type: layout.type };
  for (let i = 0; i < layout.names.length; i++) {
    const value = row[i + 1];
    if (value === undefined || (value === null && layout.optional[i])) continue;
    event[layout.names[i] as string] =
      layout.isKey[i] && typeof value === 'number' ? (value >= 0 ? value + KEY_BASE : -value - 1) : value;
  }
  return event as EngineEvent;
}

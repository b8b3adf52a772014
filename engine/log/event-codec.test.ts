// The stored form of events (event-codec.ts): every event comes back from the log exactly as
// JSON of the object would have brought it back, and logs written before the codec still read.
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../lib/testing/temp-dir.js';
import type { EngineEvent, EventOf } from '../state/events.js';
import { deployFixture, startHarness } from '../testing/engine-harness.js';
import { decodeBatch, encodeBatch, eventCodes } from './event-codec.js';
import { readEventLog } from './event-log.js';

const K = 2251799813685249; // the first key, (1 << 51) + 1
const headers = { style: 'short' };
const props = { candidateGroups: ['ops'], candidateUsers: [], priority: 50, assignee: 'ana', dueDate: 'x' };

/** One event of each type with every field, optional ones included. */
const EVERY_TYPE: { [T in EngineEvent['type']]: EventOf<T> } = {
  PROCESS_DEPLOYED: {
    type: 'PROCESS_DEPLOYED',
    key: K,
    deploymentKey: K + 1,
    bpmnProcessId: 'p',
    version: 2,
    resourceName: 'p.bpmn',
    checksum: 'abc',
    xml: '<x a="\u00e9"/>\n',
  },
  DEPLOYMENT_CREATED: { type: 'DEPLOYMENT_CREATED', key: K },
  DECISION_REQUIREMENTS_DEPLOYED: {
    type: 'DECISION_REQUIREMENTS_DEPLOYED',
    key: K,
    drgId: 'd',
    name: 'D',
    version: 1,
    resourceName: 'd.dmn',
    checksum: 'c',
    xml: '<d/>',
    decisions: [{ key: K + 2, decisionId: 'x', name: 'X', version: 1 }],
  },
  FORM_DEPLOYED: {
    type: 'FORM_DEPLOYED',
    key: K,
    formId: 'f',
    version: 1,
    resourceName: 'f.form',
    checksum: 'c',
    schema: '{"components":[]}',
  },
  PROCESS_DELETED: { type: 'PROCESS_DELETED', key: K },
  ELEMENT_ACTIVATING: {
    type: 'ELEMENT_ACTIVATING',
    key: K + 9,
    elementId: 'task',
    kind: 'serviceTask',
    flowScopeKey: K + 5,
    processInstanceKey: K + 5,
    processDefinitionKey: K,
    parentElementInstanceKey: K + 3,
    pendingStart: { elementIds: ['a', 'b'], variables: { x: null } },
  },
  ELEMENT_ACTIVATED: { type: 'ELEMENT_ACTIVATED', key: K },
  PROCESS_INSTANCE_MIGRATED: {
    type: 'PROCESS_INSTANCE_MIGRATED',
    key: K,
    targetProcessDefinitionKey: K + 1,
    elementIds: [[K + 2, 'b']],
  },
  MULTI_INSTANCE_STARTED: { type: 'MULTI_INSTANCE_STARTED', key: K, items: [1, 'two', { three: 3 }, null] },
  ELEMENT_COMPLETING: { type: 'ELEMENT_COMPLETING', key: K },
  ELEMENT_COMPLETED: { type: 'ELEMENT_COMPLETED', key: K },
  ELEMENT_TERMINATING: { type: 'ELEMENT_TERMINATING', key: K },
  ELEMENT_TERMINATED: { type: 'ELEMENT_TERMINATED', key: K },
  FLOW_TAKEN: { type: 'FLOW_TAKEN', flowScopeKey: K, flowId: 'f1', join: true },
  JOIN_CONSUMED: { type: 'JOIN_CONSUMED', flowScopeKey: K, flowIds: ['f1', 'f2'] },
  VARIABLE_SET: { type: 'VARIABLE_SET', scopeKey: K, processInstanceKey: K, name: 'v', value: { a: [1, 2] } },
  VARIABLE_DOCUMENT_UPDATED: { type: 'VARIABLE_DOCUMENT_UPDATED', key: K },
  JOB_CREATED: {
    type: 'JOB_CREATED',
    key: K + 7,
    jobType: 'hello.greet',
    retries: 3,
    customHeaders: headers,
    elementInstanceKey: K + 6,
    elementId: 'greet',
    processInstanceKey: K + 5,
    processDefinitionKey: K,
    bpmnProcessId: 'hello',
    version: 1,
    createdAt: 1795778996142,
    listener: 'end',
    userTaskKey: K + 8,
  },
  EXECUTION_LISTENERS_RESET: { type: 'EXECUTION_LISTENERS_RESET', key: K },
  JOB_ACTIVATED: { type: 'JOB_ACTIVATED', key: K, worker: 'w', deadline: 1795778996142 },
  JOB_COMPLETED: { type: 'JOB_COMPLETED', key: K },
  JOB_FAILED: { type: 'JOB_FAILED', key: K, retries: 0, errorMessage: 'boom "quoted"', retryAt: 0 },
  JOB_TIMED_OUT: { type: 'JOB_TIMED_OUT', key: K },
  JOB_RETRIES_UPDATED: { type: 'JOB_RETRIES_UPDATED', key: K, retries: 5 },
  JOB_TIMEOUT_UPDATED: { type: 'JOB_TIMEOUT_UPDATED', key: K, deadline: 12 },
  JOB_ERROR_THROWN: { type: 'JOB_ERROR_THROWN', key: K, errorCode: 'E', errorMessage: 'm' },
  JOB_CANCELED: { type: 'JOB_CANCELED', key: K },
  INCIDENT_CREATED: {
    type: 'INCIDENT_CREATED',
    key: K,
    errorType: 'JOB_NO_RETRIES',
    errorMessage: 'no retries',
    elementInstanceKey: K + 1,
    elementId: 'greet',
    processInstanceKey: K + 2,
    jobKey: K + 3,
  },
  INCIDENT_RESOLVED: { type: 'INCIDENT_RESOLVED', key: K },
  MESSAGE_SUBSCRIPTION_OPENED: {
    type: 'MESSAGE_SUBSCRIPTION_OPENED',
    key: K,
    kind: 'message',
    elementInstanceKey: K + 1,
    processInstanceKey: K + 2,
    bpmnProcessId: 'p',
    catchElementId: 'c',
    messageName: 'm',
    correlationKey: '42', // a string, though its name ends in Key
    interrupting: false,
  },
  MESSAGE_SUBSCRIPTION_CLOSED: { type: 'MESSAGE_SUBSCRIPTION_CLOSED', key: K },
  MESSAGE_PUBLISHED: {
    type: 'MESSAGE_PUBLISHED',
    key: K,
    name: 'm',
    correlationKey: 'ck',
    messageId: '',
    variables: { n: 1 },
    expiresAt: 99,
  },
  MESSAGE_CORRELATED: {
    type: 'MESSAGE_CORRELATED',
    key: K,
    bpmnProcessId: 'p',
    processInstanceKey: K + 1,
    startedInstance: true,
  },
  MESSAGE_EXPIRED: { type: 'MESSAGE_EXPIRED', key: K },
  TIMER_CREATED: {
    type: 'TIMER_CREATED',
    key: K,
    elementInstanceKey: 0, // a timer start event: no instance yet
    processInstanceKey: 0,
    processDefinitionKey: K + 1,
    catchElementId: 't',
    dueAt: 1795778996142,
    repetitions: -1,
    intervalMs: 1000,
    interrupting: true,
  },
  TIMER_TRIGGERED: { type: 'TIMER_TRIGGERED', key: K },
  TIMER_CANCELED: { type: 'TIMER_CANCELED', key: K },
  USER_TASK_CREATING: {
    type: 'USER_TASK_CREATING',
    key: K,
    elementInstanceKey: K + 1,
    elementId: 'review',
    name: 'Review',
    processInstanceKey: K + 2,
    processDefinitionKey: K + 3,
    bpmnProcessId: 'p',
    version: 1,
    properties: props,
    customHeaders: {},
    createdAt: 5,
  },
  USER_TASK_TRANSITION: {
    type: 'USER_TASK_TRANSITION',
    key: K,
    transition: 'COMPLETING',
    changes: { assignee: 'bo' },
    variables: { ok: true },
  },
  USER_TASK_CORRECTED: { type: 'USER_TASK_CORRECTED', key: K, corrections: { priority: 1 } },
  USER_TASK_TRANSITIONED: { type: 'USER_TASK_TRANSITIONED', key: K, changes: {} },
  USER_TASK_TRANSITION_DENIED: { type: 'USER_TASK_TRANSITION_DENIED', key: K, reason: 'no' },
  USER_TASK_ENDED: { type: 'USER_TASK_ENDED', key: K, completed: false },
  COMPENSATION_SUBSCRIBED: {
    type: 'COMPENSATION_SUBSCRIBED',
    key: K,
    processInstanceKey: K + 1,
    activityId: 'a',
    activityInstanceKey: K + 2,
    scopeKey: K + 1,
    handlerId: 'undo',
  },
  COMPENSATION_TRIGGERED: {
    type: 'COMPENSATION_TRIGGERED',
    key: K,
    throwInstanceKey: K + 1,
    handlerInstanceKey: K + 2,
  },
  COMPENSATION_DONE: { type: 'COMPENSATION_DONE', key: K },
  AD_HOC_COMPLETION_REQUESTED: { type: 'AD_HOC_COMPLETION_REQUESTED', key: K },
  SIGNAL_BROADCAST: { type: 'SIGNAL_BROADCAST', key: K },
  DECISION_EVALUATED: { type: 'DECISION_EVALUATED', key: K, decisionKey: K + 4 },
};

/** What the log gave back before the codec: JSON of the objects. */
const asJson = (events: readonly EngineEvent[]): unknown => JSON.parse(JSON.stringify(events));
const roundTrip = (events: readonly EngineEvent[]): EngineEvent[] => decodeBatch(encodeBatch(events));

describe('event codec', () => {
  it('brings back every event type with every field, as rows', () => {
    const events = Object.values(EVERY_TYPE);
    const stored = JSON.parse(encodeBatch(events)) as unknown[];
    expect(stored.every(Array.isArray)).toBe(true); // none fell back to its object
    expect(roundTrip(events)).toEqual(asJson(events));
  });

  it('brings back events without their optional fields, with no field added', () => {
    const { parentElementInstanceKey: _p, pendingStart: _s, ...activating } = EVERY_TYPE.ELEMENT_ACTIVATING;
    const { listener: _l, userTaskKey: _u, ...job } = EVERY_TYPE.JOB_CREATED;
    const { schema: _f, ...form } = EVERY_TYPE.FORM_DEPLOYED;
    const events: EngineEvent[] = [activating, job, form];
    const back = roundTrip(events);
    expect(back).toEqual(events);
    for (const e of back) expect(Object.keys(e).length).toBe(Object.keys(events[back.indexOf(e)] ?? {}).length);
  });

  it('an absent optional field before a present one comes back absent', () => {
    const events: EngineEvent[] = [{ ...EVERY_TYPE.JOB_CREATED, listener: undefined as never }];
    delete (events[0] as { listener?: string }).listener;
    const back = roundTrip(events);
    expect(back).toEqual(asJson(events));
    expect('listener' in (back[0] as object)).toBe(false);
    expect((back[0] as EventOf<'JOB_CREATED'>).userTaskKey).toBe(K + 8);
  });

  it('keeps values as JSON did: null, NaN, small and large keys, a numeric correlation key', () => {
    const events: EngineEvent[] = [
      { type: 'VARIABLE_SET', scopeKey: K, processInstanceKey: K, name: 'n', value: null },
      { type: 'VARIABLE_SET', scopeKey: 1, processInstanceKey: 0, name: 'nan', value: Number.NaN },
      { type: 'VARIABLE_SET', scopeKey: K, processInstanceKey: K, name: 'big', value: 2 ** 60 },
      { type: 'ELEMENT_COMPLETED', key: Number.MAX_SAFE_INTEGER },
    ];
    expect(roundTrip(events)).toEqual(asJson(events));
  });

  it('stores as its object an event the codec cannot keep as a row, and loses nothing', () => {
    const events = [
      { type: 'JOB_COMPLETED', key: K, unlisted: 'a field FIELDS does not know' },
      { type: 'ELEMENT_COMPLETED', key: -5 }, // not a key the engine makes
      { type: 'ELEMENT_COMPLETED', key: 1.5 },
      { type: 'JOB_FAILED', key: K, retries: 0, errorMessage: 'm', retryAt: 0, extra: undefined },
      { type: 'SOMETHING_NEW', key: K },
    ] as unknown as EngineEvent[];
    const stored = JSON.parse(encodeBatch(events)) as unknown[];
    expect(stored.some(Array.isArray)).toBe(false);
    expect(roundTrip(events)).toEqual(asJson(events));
  });

  it('reads batches written before the codec (arrays of objects)', () => {
    const old = JSON.stringify([EVERY_TYPE.JOB_CREATED, EVERY_TYPE.FLOW_TAKEN]);
    expect(decodeBatch(old)).toEqual(asJson([EVERY_TYPE.JOB_CREATED, EVERY_TYPE.FLOW_TAKEN]));
  });

  it('names an unknown code instead of guessing', () => {
    expect(() => decodeBatch('[[999,1]]')).toThrow(/unknown event code 999/);
  });

  it('a job of hello takes less than half the bytes of its objects', () => {
    const job = [
      EVERY_TYPE.ELEMENT_ACTIVATING,
      EVERY_TYPE.ELEMENT_ACTIVATED,
      EVERY_TYPE.JOB_CREATED,
      EVERY_TYPE.JOB_ACTIVATED,
      EVERY_TYPE.JOB_COMPLETED,
      EVERY_TYPE.ELEMENT_COMPLETING,
      EVERY_TYPE.VARIABLE_SET,
      EVERY_TYPE.ELEMENT_COMPLETED,
      EVERY_TYPE.FLOW_TAKEN,
    ];
    expect(encodeBatch(job).length).toBeLessThan(JSON.stringify(job).length / 2);
  });

  it('keeps the codes stored logs refer to (append new types at the end of FIELDS)', () => {
    expect(eventCodes()).toEqual({
      PROCESS_DEPLOYED: 0,
      DEPLOYMENT_CREATED: 1,
      DECISION_REQUIREMENTS_DEPLOYED: 2,
      FORM_DEPLOYED: 3,
      PROCESS_DELETED: 4,
      ELEMENT_ACTIVATING: 5,
      ELEMENT_ACTIVATED: 6,
      PROCESS_INSTANCE_MIGRATED: 7,
      MULTI_INSTANCE_STARTED: 8,
      ELEMENT_COMPLETING: 9,
      ELEMENT_COMPLETED: 10,
      ELEMENT_TERMINATING: 11,
      ELEMENT_TERMINATED: 12,
      FLOW_TAKEN: 13,
      JOIN_CONSUMED: 14,
      VARIABLE_SET: 15,
      VARIABLE_DOCUMENT_UPDATED: 16,
      JOB_CREATED: 17,
      EXECUTION_LISTENERS_RESET: 18,
      JOB_ACTIVATED: 19,
      JOB_COMPLETED: 20,
      JOB_FAILED: 21,
      JOB_TIMED_OUT: 22,
      JOB_RETRIES_UPDATED: 23,
      JOB_TIMEOUT_UPDATED: 24,
      JOB_ERROR_THROWN: 25,
      JOB_CANCELED: 26,
      INCIDENT_CREATED: 27,
      INCIDENT_RESOLVED: 28,
      MESSAGE_SUBSCRIPTION_OPENED: 29,
      MESSAGE_SUBSCRIPTION_CLOSED: 30,
      MESSAGE_PUBLISHED: 31,
      MESSAGE_CORRELATED: 32,
      MESSAGE_EXPIRED: 33,
      TIMER_CREATED: 34,
      TIMER_TRIGGERED: 35,
      TIMER_CANCELED: 36,
      USER_TASK_CREATING: 37,
      USER_TASK_TRANSITION: 38,
      USER_TASK_CORRECTED: 39,
      USER_TASK_TRANSITIONED: 40,
      USER_TASK_TRANSITION_DENIED: 41,
      USER_TASK_ENDED: 42,
      COMPENSATION_SUBSCRIBED: 43,
      COMPENSATION_TRIGGERED: 44,
      COMPENSATION_DONE: 45,
      AD_HOC_COMPLETION_REQUESTED: 46,
      SIGNAL_BROADCAST: 47,
      DECISION_EVALUATED: 48,
    });
  });

  it('a running engine reads back from its log exactly the events it committed, as rows', async () => {
    const dataDir = tempDir('procos-codec-');
    const harness = await startHarness({ dataDir });
    const committed: EngineEvent[] = [];
    harness.running.engine.on('committed', (batch) => committed.push(...batch));
    const zbc = harness.client();
    try {
      for (const f of ['two-steps.bpmn', 'message-catch.bpmn', 'timers.bpmn', 'parallel.bpmn'])
        await deployFixture(zbc, f);
      for (let i = 0; i < 5; i++) await zbc.createProcessInstance({ bpmnProcessId: 'two-steps', variables: { i } });
      await zbc.createProcessInstance({ bpmnProcessId: 'message-catch', variables: { orderId: 'S-1' } });
      await zbc.createProcessInstance({ bpmnProcessId: 'timers', variables: { pause: 'PT1H' } });
      await zbc.publishMessage({ name: 'payment-received', correlationKey: 'S-1', timeToLive: 60_000 });
      const jobs = await zbc.activateJobs({
        type: 'durable.work',
        worker: 'w',
        timeout: 60_000,
        maxJobsToActivate: 5,
        requestTimeout: 2000,
      });
      for (const job of jobs.slice(0, 3))
        await zbc.completeJob({ jobKey: job.key, variables: { done: true, note: 'a "quoted" text' } });
      await zbc.failJob({ jobKey: jobs[3]?.key ?? '0', errorMessage: 'no', retries: 0, retryBackOff: 0 });
      await harness.running.engine.durable();
      const types = new Set(committed.map((e) => e.type));
      expect(types.size).toBeGreaterThan(12);
      expect(readEventLog(dataDir)).toEqual(asJson(committed));
    } finally {
      await zbc.close();
      await harness.stop();
    }
  });
});

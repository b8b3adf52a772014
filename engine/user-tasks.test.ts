// Camunda user tasks (zeebe:userTask): no job; the task moves through its lifecycle by commands
// (the Camunda REST API's, engine/commands/*-user-task.ts) and each transition waits for
// its task listeners, jobs completed through the SDK. Commands run here without a transport;
// the REST routes have their own tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignUserTask } from './commands/assign-user-task.js';
import { completeJob } from './commands/complete-job.js';
import { completeUserTask } from './commands/complete-user-task.js';
import { updateUserTask } from './commands/update-user-task.js';
import { listUserTasks, type UserTaskView } from './rest/user-task-view.js';
import {
  fixture,
  incidentOf,
  jobOf,
  ManualClock,
  startHarness,
  waitUntil,
  type Harness,
} from './testing/engine-harness.js';

describe('Camunda user tasks', () => {
  let h: Harness;
  const clock = new ManualClock();
  let formKey = '';
  beforeAll(async () => {
    h = await startHarness({ clock });
    const r = await h.client().deployResources([
      { name: 'approval.form', form: fixture('approval.form') },
      { name: 'user-task-native.bpmn', process: fixture('user-task-native.bpmn') },
    ]);
    formKey = (r.deployments as { form?: { formKey: string } }[]).find((d) => d.form)?.form?.formKey ?? '';
  });
  afterAll(async () => h.stop());

  const engine = () => h.running.engine;
  const taskOf = (processInstanceKey: string): UserTaskView | undefined =>
    listUserTasks(engine()).find((t) => t.processInstanceKey === processInstanceKey);
  const settled = (key: string, what: string, ok: (t: UserTaskView) => boolean) =>
    waitUntil(
      what,
      () => Promise.resolve(taskOf(key)),
      (t): t is UserTaskView => t !== undefined && ok(t),
    );

  it('is created, assigned, corrected, denied and completed through its task listeners, and completes its element', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'user-task-native',
      variables: { owner: 'ann', due: '2026-12-24T12:00:00Z', prio: 70 },
    });
    const creating = await jobOf(zbc, 'tl.creating', key);
    expect(creating.customHeaders).toMatchObject({ queue: 'orders', 'io.camunda.zeebe:priority': '70' });
    expect(taskOf(key)?.state).toBe('CREATING');
    await zbc.completeJob({ jobKey: creating.key, variables: {} });
    const assigning = await jobOf(zbc, 'tl.assigning', key);
    expect(assigning.customHeaders).toMatchObject({ 'io.camunda.zeebe:assignee': 'ann' });
    await zbc.completeJob({ jobKey: assigning.key, variables: {} });
    const task = await settled(key, 'the task to be assigned', (t) => t.state === 'CREATED');
    expect(task).toMatchObject({
      name: 'Review the order',
      elementId: 'review',
      assignee: 'ann',
      candidateGroups: ['reviewers', 'managers'],
      candidateUsers: [],
      dueDate: '2026-12-24T12:00:00Z',
      priority: 70,
      formKey,
      customHeaders: { queue: 'orders' },
      processDefinitionId: 'user-task-native',
      tenantId: '<default>',
    });
    const taskKey = Number(task.userTaskKey);

    // Someone else cannot take it without override; with it, a listener corrects the assignee.
    expect(() => assignUserTask(engine(), taskKey, { assignee: 'bob', allowOverride: false })).toThrow(
      /INVALID_STATE.*already assigned to 'ann'/,
    );
    assignUserTask(engine(), taskKey, { assignee: 'bob' });
    expect(() => completeUserTask(engine(), taskKey, {})).toThrow(/INVALID_STATE.*in state 'ASSIGNING'/);
    const reassigning = await jobOf(zbc, 'tl.assigning', key);
    completeJob(engine(), Number(reassigning.key), '', { type: 'userTask', corrections: { assignee: 'carl' } });
    await settled(key, 'the corrected assignee', (t) => t.state === 'CREATED' && t.assignee === 'carl');

    updateUserTask(engine(), taskKey, { followUpDate: '2026-12-20T09:00:00Z', candidateUsers: ['dana'] });
    await settled(key, 'the update', (t) => t.followUpDate === '2026-12-20T09:00:00Z');

    // A completing listener denies the first completion; the task stays open.
    completeUserTask(engine(), taskKey, { approved: false });
    const denied = await jobOf(zbc, 'tl.completing', key);
    completeJob(engine(), Number(denied.key), '', {
      type: 'userTask',
      denied: true,
      deniedReason: 'needs a second look',
    });
    await settled(key, 'the denied completion', (t) => t.state === 'CREATED');

    completeUserTask(engine(), taskKey, { approved: true });
    const completing = await jobOf(zbc, 'tl.completing', key);
    await zbc.completeJob({ jobKey: completing.key, variables: {} });
    expect(await h.outcome(key)).toEqual({
      state: 'COMPLETED',
      endEvents: ['end'],
      variables: { owner: 'ann', due: '2026-12-24T12:00:00Z', prio: 70, approved: true },
    });
    expect(taskOf(key)).toBeUndefined();
  });

  it('a task listener changes the task through corrections only: variables are refused', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'user-task-native',
      variables: { owner: 'ann', due: '2026-12-24T12:00:00Z', prio: 1 },
    });
    const creating = await jobOf(zbc, 'tl.creating', key);
    await expect(zbc.completeJob({ jobKey: creating.key, variables: { x: 1 } })).rejects.toThrow(
      /INVALID_ARGUMENT.*without variables/,
    );
  });

  it('leaves with its element: a timer boundary event takes the task away', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'user-task-expiring',
      variables: {},
    });
    const task = await settled(key, 'the task', (t) => t.state === 'CREATED');
    expect(task).toMatchObject({ priority: 50, candidateGroups: [] });
    await clock.advance(24 * 3600 * 1000);
    expect((await h.outcome(key)).endEvents).toEqual(['too-late']);
    expect(taskOf(key)).toBeUndefined();
    expect(() => completeUserTask(engine(), Number(task.userTaskKey), {})).toThrow(/NOT_FOUND/);
  });

  it('a linked form that is not deployed is a FORM_NOT_FOUND incident', async () => {
    const { processInstanceKey: key } = await h
      .client()
      .createProcessInstance({ bpmnProcessId: 'user-task-missing-form', variables: {} });
    const incident = await incidentOf(h, key);
    expect(incident).toMatchObject({ errorType: 'FORM_NOT_FOUND', elementId: 'fill' });
    expect(incident.errorMessage).toMatch(/no-such-form/);
  });
});

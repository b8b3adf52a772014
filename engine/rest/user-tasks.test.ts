// Camunda user tasks over REST, through the SDK's CamundaRestClient as a tasklist would use it:
// search and get, assign with and without override, update, complete, the linked form, the
// task's variables; task listener jobs activated and completed over REST, their corrections and
// denials sent as Camunda's job result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startHarness, waitUntil, type Harness } from '../testing/engine-harness.js';
import { problemOf, restClient, type CamundaRestClient } from './testing/rest-client.js';

describe('user tasks over REST', () => {
  let h: Harness;
  let c8: CamundaRestClient;
  let base = '';
  beforeAll(async () => {
    h = await startHarness({ restPort: 0 });
    base = `http://127.0.0.1:${h.running.restPort ?? 0}/v2`;
    c8 = restClient(h.running.restPort ?? 0);
    await c8.deployResources([
      { name: 'approval.form', content: fixture('approval.form').toString() },
      { name: 'user-task-native.bpmn', content: fixture('user-task-native.bpmn').toString() },
    ]);
  });
  afterAll(async () => h.stop());

  /** Activates the one job of the type for the instance, over REST. */
  async function listenerJob(type: string, processInstanceKey: string): Promise<string> {
    const job = await waitUntil(
      `a ${type} job of instance ${processInstanceKey}`,
      async () =>
        (await c8.activateJobs({ type, worker: 'rest', timeout: 30_000, maxJobsToActivate: 10, requestTimeout: 1000 }))
          .map((j) => j as unknown as { jobKey: string; processInstanceKey: string })
          .find((j) => j.processInstanceKey === processInstanceKey),
      (j) => j !== undefined,
    );
    return job.jobKey;
  }

  /** Camunda's job completion with a result, which the SDK's completeJob does not send. */
  async function completeWithResult(jobKey: string, result: object): Promise<number> {
    const res = await fetch(`${base}/jobs/${jobKey}/completion`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ result: { type: 'userTask', ...result } }),
    });
    return res.status;
  }

  const taskOf = async (processInstanceKey: string) =>
    (await c8.searchUserTasks({ filter: { processInstanceKey }, sort: [] })).items[0];
  const settledTask = (
    processInstanceKey: string,
    what: string,
    ok: (t: { state: string; assignee?: string }) => boolean,
  ) =>
    waitUntil(
      what,
      () => taskOf(processInstanceKey),
      (t) => t !== undefined && ok(t),
    );

  it('a tasklist finds, assigns, updates and completes a task; its listeners correct and deny through job results', async () => {
    const { processInstanceKey: key } = await c8.createProcessInstance({
      processDefinitionId: 'user-task-native',
      variables: { owner: 'ann', due: '2026-12-24T12:00:00Z', prio: 60, orderId: 'O-7' },
    });
    await c8.completeJob({ jobKey: await listenerJob('tl.creating', key), variables: {} });
    await c8.completeJob({ jobKey: await listenerJob('tl.assigning', key), variables: {} });
    const task = await settledTask(
      key,
      'the task assigned to ann',
      (t) => t.state === 'CREATED' && t.assignee === 'ann',
    );
    expect(task).toMatchObject({
      name: 'Review the order',
      candidateGroups: ['reviewers', 'managers'],
      priority: 60,
      processDefinitionId: 'user-task-native',
      processInstanceKey: key,
    });
    const userTaskKey = task!.userTaskKey;
    expect(await c8.getUserTask(userTaskKey)).toMatchObject({ userTaskKey, assignee: 'ann' });
    const byGroup = await c8.searchUserTasks({ filter: { candidateGroup: 'managers' }, sort: [] });
    expect(byGroup.items.map((t) => t.userTaskKey)).toContain(userTaskKey);

    const form = (await (await fetch(`${base}/user-tasks/${userTaskKey}/form`)).json()) as Record<string, unknown>;
    expect(form).toMatchObject({ formId: 'approval-form', formKey: task!.formKey, version: 1 });
    expect(JSON.parse(String(form.schema))).toMatchObject({ id: 'approval-form' });

    const variables = await c8.searchUserTaskVariables({ userTaskKey, sort: [] });
    expect(variables.items.find((v) => v.name === 'orderId')?.value).toBe('"O-7"');

    // Someone else without override is refused; with it, a listener corrects the assignee.
    expect(await problemOf(c8.assignUserTask({ userTaskKey, assignee: 'bob', allowOverride: false }))).toMatchObject({
      status: 409,
      title: 'INVALID_STATE',
    });
    await c8.assignUserTask({ userTaskKey, assignee: 'bob' });
    expect(
      await completeWithResult(await listenerJob('tl.assigning', key), { corrections: { assignee: 'carl' } }),
    ).toBe(204);
    await settledTask(key, 'the corrected assignee', (t) => t.state === 'CREATED' && t.assignee === 'carl');

    await c8.updateUserTask({
      userTaskKey,
      changeset: { candidateGroups: ['finance'], dueDate: '2026-12-31T00:00:00Z' },
    });
    expect(await c8.getUserTask(userTaskKey)).toMatchObject({
      candidateGroups: ['finance'],
      dueDate: '2026-12-31T00:00:00Z',
    });

    await c8.completeUserTask({ userTaskKey, variables: { approved: false } });
    expect(
      await completeWithResult(await listenerJob('tl.completing', key), { denied: true, deniedReason: 'no' }),
    ).toBe(204);
    await settledTask(key, 'the denied completion', (t) => t.state === 'CREATED');

    // Unassigning is an assignment to nobody: it goes through the assigning listeners too.
    await c8.unassignUserTask({ userTaskKey });
    await c8.completeJob({ jobKey: await listenerJob('tl.assigning', key), variables: {} });
    const unassigned = await settledTask(key, 'the unassigned task', (t) => t.state === 'CREATED');
    expect(unassigned?.assignee).toBeUndefined();
    await c8.completeUserTask({ userTaskKey, variables: { approved: true } });
    await c8.completeJob({ jobKey: await listenerJob('tl.completing', key), variables: {} });
    expect(await h.outcome(key)).toMatchObject({ state: 'COMPLETED', endEvents: ['end'] });
    expect((await h.outcome(key)).variables).toMatchObject({ approved: true });
    expect(await problemOf(c8.getUserTask(userTaskKey))).toMatchObject({ status: 404 });
    expect(await problemOf(c8.completeUserTask({ userTaskKey, variables: {} }))).toMatchObject({
      status: 404,
      title: 'NOT_FOUND',
    });
  });

  it('refuses what a tasklist gets wrong with a problem naming it', async () => {
    expect(await problemOf(c8.getUserTask('abc'))).toMatchObject({ status: 400 });
    const refused = await problemOf(c8.searchUserTasks({ filter: { processDefinitionVersion: 1 }, sort: [] } as never));
    expect(refused).toMatchObject({ status: 400 });
    expect(refused.detail).toMatch(/processDefinitionVersion/);
  });
});

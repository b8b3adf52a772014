// MigrateProcessInstance through the official SDK: the instance moves to another process
// definition and goes on there; what Zeebe refuses is refused with its reasons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeUserTask } from './commands/complete-user-task.js';
import {
  deployFixture,
  fixture,
  ManualClock,
  nextJob,
  startHarness,
  waitUntil,
  type Harness,
} from './testing/engine-harness.js';

interface InstanceView {
  bpmnProcessId: string;
  processDefinitionKey: string;
  elements: { key: string; elementId: string }[];
}

let harness: Harness;
let targetKey: string;
/** Moves only when a test advances it: timers fire when a test says so. */
const clock = new ManualClock();
beforeAll(async () => {
  harness = await startHarness({ clock });
  await deployFixture(harness.client(), 'modify.bpmn');
  targetKey = (await deployFixture(harness.client(), 'migrate-target.bpmn')).processDefinitionKey;
});
afterAll(() => harness.stop());

const migrate = (processInstanceKey: string, mappingInstructions: object[], target = targetKey) =>
  harness.client().migrateProcessInstance({
    processInstanceKey,
    migrationPlan: { targetProcessDefinitionKey: target, mappingInstructions },
  } as never);

/** Deploys the waiting-element sources and targets; the target processes' keys by id. */
async function deployWaits(): Promise<(bpmnProcessId: string) => string> {
  const zbc = harness.client();
  await deployFixture(zbc, 'migrate-waits.bpmn');
  const deployed = await zbc.deployResource({
    name: 'migrate-waits-target.bpmn',
    process: fixture('migrate-waits-target.bpmn'),
  } as never);
  return (id) => deployed.deployments.find((d) => d.process.bpmnProcessId === id)?.process.processDefinitionKey ?? '';
}

describe('MigrateProcessInstance', () => {
  it('moves a waiting instance to another process definition; its job completes there and the new model goes on', async () => {
    const zbc = harness.client();
    const { processInstanceKey } = await zbc.createProcessInstance({ bpmnProcessId: 'modify', variables: { n: 7 } });
    const job = await nextJob(zbc, 'modify.a');
    const before = await harness.api<InstanceView>(`/v1/process-instances/${processInstanceKey}`);
    await migrate(processInstanceKey, [{ sourceElementId: 'a', targetElementId: 'x' }]);
    const after = await harness.api<InstanceView>(`/v1/process-instances/${processInstanceKey}`);
    expect(after).toMatchObject({ bpmnProcessId: 'migrate-target', processDefinitionKey: targetKey });
    expect(after.elements).toEqual([{ ...before.elements[0], elementId: 'x' }]); // same element instance key
    await zbc.completeJob({ jobKey: job.key, variables: { done: true } });
    const y = await nextJob(zbc, 'migrate.y'); // only the target process has y
    expect(y).toMatchObject({ processInstanceKey, bpmnProcessId: 'migrate-target', elementId: 'y' });
    expect(y.variables).toEqual({ n: 7, done: true });
    await zbc.completeJob({ jobKey: y.key, variables: {} });
    expect(await harness.outcome(processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: ['end'], // migrate-target's end event, after its subprocess t
      variables: { n: 7, done: true },
    });
    expect(harness.history.get(processInstanceKey)?.completed).toEqual([
      'start',
      'x',
      't-start',
      'y',
      't-end',
      't',
      'end',
    ]);
  });

  it("refuses what Zeebe refuses, with Zeebe's reasons, and changes nothing", async () => {
    const zbc = harness.client();
    const { processInstanceKey } = await zbc.createProcessInstance({ bpmnProcessId: 'modify', variables: {} });
    await nextJob(zbc, 'modify.a');
    await expect(migrate(processInstanceKey, [])).rejects.toThrow(
      /9 FAILED_PRECONDITION.*no mapping instruction defined for active element with id 'a'/,
    );
    await expect(migrate(processInstanceKey, [{ sourceElementId: 'a', targetElementId: 't' }])).rejects.toThrow(
      /FAILED_PRECONDITION.*mapped to an element with id 't' and different type 'bpmn:SubProcess'/,
    );
    await expect(migrate(processInstanceKey, [{ sourceElementId: 'a', targetElementId: 'y' }])).rejects.toThrow(
      /FAILED_PRECONDITION.*the flow scope of active element with id 'a' is changed/,
    );
    await expect(migrate(processInstanceKey, [{ sourceElementId: 'a', targetElementId: 'nope' }])).rejects.toThrow(
      /3 INVALID_ARGUMENT.*non-existing target element id 'nope'/,
    );
    await expect(
      migrate(processInstanceKey, [{ sourceElementId: 'a', targetElementId: 'x' }], '2251799813999999'),
    ).rejects.toThrow(/5 NOT_FOUND.*no process definition found with key '2251799813999999'/);
    const view = await harness.api<InstanceView>(`/v1/process-instances/${processInstanceKey}`);
    expect(view.bpmnProcessId).toBe('modify');
    expect(view.elements.map((e) => e.elementId)).toEqual(['a']);
    await zbc.cancelProcessInstance(processInstanceKey);
  });
  it('moves waiting receive tasks, Camunda user tasks and message catch events; their subscriptions and task follow', async () => {
    const zbc = harness.client();
    const keyOf = await deployWaits();
    const { processInstanceKey } = await zbc.createProcessInstance({
      bpmnProcessId: 'waits-v1',
      variables: { id: 'm1' },
    });
    const view = () => harness.api<InstanceView>(`/v1/process-instances/${processInstanceKey}`);
    await waitUntil('the three waits active', view, (v) => v.elements.length === 3);

    // A Camunda user task cannot become a job-based one, as on Zeebe.
    const alone = await zbc.createProcessInstance({ bpmnProcessId: 'review-v1', variables: {} });
    await waitUntil(
      'the user task active',
      () => harness.api<InstanceView>(`/v1/process-instances/${alone.processInstanceKey}`),
      (v) => v.elements.length === 1,
    );
    await expect(
      migrate(
        alone.processInstanceKey,
        [{ sourceElementId: 'approve', targetElementId: 'approve-job' }],
        keyOf('review-v2'),
      ),
    ).rejects.toThrow(
      /FAILED_PRECONDITION.*active user task with id 'approve' and implementation 'zeebe user task' is mapped to an user task with id 'approve-job' and different implementation 'job worker'/,
    );
    await zbc.cancelProcessInstance(alone.processInstanceKey);

    const mapping = [
      { sourceElementId: 'wait', targetElementId: 'wait2' },
      { sourceElementId: 'review', targetElementId: 'review2' },
      { sourceElementId: 'hold', targetElementId: 'hold2' },
    ];
    await migrate(processInstanceKey, mapping, keyOf('waits-v2'));
    const after = await view();
    expect(after.bpmnProcessId).toBe('waits-v2');
    expect(after.elements.map((e) => e.elementId).sort()).toEqual(['hold2', 'review2', 'wait2']);

    // The messages correlate to the migrated subscriptions; the user task completes as review2.
    await zbc.publishMessage({ name: 'migrate.go', correlationKey: 'm1', variables: { went: true } });
    await zbc.publishMessage({ name: 'migrate.resume', correlationKey: 'm1', variables: {} });
    const engine = harness.running.engine;
    const task = [...engine.state.userTasks.values()].find((t) => String(t.processInstanceKey) === processInstanceKey);
    expect(task).toMatchObject({ elementId: 'review2', bpmnProcessId: 'waits-v2' });
    completeUserTask(engine, task?.key ?? 0, { reviewed: true });
    const job = await nextJob(zbc, 'migrate.after');
    expect(job).toMatchObject({ processInstanceKey, bpmnProcessId: 'waits-v2', elementId: 'after' });
    expect(job.variables).toEqual({ id: 'm1', went: true, reviewed: true });
    await zbc.completeJob({ jobKey: job.key, variables: {} });
    expect(await harness.outcome(processInstanceKey)).toMatchObject({ state: 'COMPLETED', endEvents: ['end2'] });
  });
  it('moves a waiting timer catch event: its timer keeps its due date and fires in the target model', async () => {
    const zbc = harness.client();
    const keyOf = await deployWaits();
    const { processInstanceKey } = await zbc.createProcessInstance({ bpmnProcessId: 'timer-v1', variables: {} });
    const view = () => harness.api<InstanceView>(`/v1/process-instances/${processInstanceKey}`);
    await waitUntil('the timer catch event active', view, (v) => v.elements.length === 1);
    await migrate(processInstanceKey, [{ sourceElementId: 'pause', targetElementId: 'pause2' }], keyOf('timer-v2'));
    expect((await view()).elements.map((e) => e.elementId)).toEqual(['pause2']);
    // Due ten seconds after it was reached, as timer-v1 set it — not the hour of timer-v2's pause2.
    await clock.advance(10_000);
    const job = await nextJob(zbc, 'migrate.after-pause');
    expect(job).toMatchObject({ processInstanceKey, bpmnProcessId: 'timer-v2', elementId: 'after-pause' });
    await zbc.completeJob({ jobKey: job.key, variables: {} });
    expect(await harness.outcome(processInstanceKey)).toMatchObject({ state: 'COMPLETED', endEvents: ['u-end'] });
  });
});

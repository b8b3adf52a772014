// Receive tasks, message throw and end events (jobs, as in Zeebe) and job-based user tasks'
// headers, through the SDK.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployFixture,
  fixture,
  incidentOf,
  jobOf,
  ManualClock,
  startHarness,
  waitUntil,
  type Harness,
} from './testing/engine-harness.js';

describe('receive tasks and message throw events', () => {
  let h: Harness;
  const clock = new ManualClock();
  beforeAll(async () => {
    h = await startHarness({ clock });
    await deployFixture(h.client(), 'receive-and-send.bpmn');
  });
  afterAll(async () => h.stop());

  it('a receive task completes with its message; the message throw and end events are jobs of their types', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'receive-and-send',
      variables: { orderId: 'R-1' },
    });
    await waitUntil(
      'the receive task to wait',
      () => Promise.resolve(h.history.get(key)),
      (r) => r?.active.includes('wait-for-payment') === true,
    );
    await zbc.publishMessage({ name: 'payment-received', correlationKey: 'R-1', variables: { paid: 30 } });
    const notice = await jobOf(zbc, 'notices.send', key);
    expect(notice.elementId).toBe('send-notice');
    await zbc.completeJob({ jobKey: notice.key, variables: { noticeSent: true } });
    const receipt = await jobOf(zbc, 'receipts.send', key);
    expect({ elementId: receipt.elementId, retries: receipt.retries }).toEqual({
      elementId: 'send-receipt',
      retries: 5,
    });
    await zbc.completeJob({ jobKey: receipt.key, variables: {} });
    expect(await h.outcome(key)).toEqual({
      state: 'COMPLETED',
      endEvents: ['send-receipt'],
      variables: { orderId: 'R-1', paid: 30, noticeSent: true },
    });
  });

  it('a timer boundary event on a receive task ends the wait, and the message no longer correlates', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'receive-and-send',
      variables: { orderId: 'R-2' },
    });
    await waitUntil(
      'the receive task to wait',
      () => Promise.resolve(h.history.get(key)),
      (r) => r?.active.includes('wait-for-payment') === true,
    );
    await clock.advance(3_600_000);
    expect(await h.outcome(key)).toEqual({
      state: 'COMPLETED',
      endEvents: ['timed-out'],
      variables: { orderId: 'R-2' },
    });
  });
});

describe('job-based user tasks', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await deployFixture(h.client(), 'user-task-job.bpmn');
  });
  afterAll(async () => h.stop());

  it("carry Zeebe's io.camunda.zeebe:* headers: assignee, candidates as JSON arrays, schedule, form key", async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'user-task-job',
      variables: { owner: 'ann', reviewers: ['carl', 'dana'], followUp: '2026-11-30T09:00:00Z' },
    });
    const job = await jobOf(zbc, 'io.camunda.zeebe:userTask', key);
    expect(job.customHeaders).toEqual({
      department: 'billing',
      'io.camunda.zeebe:assignee': 'ann',
      'io.camunda.zeebe:candidateGroups': '["sales","support"]',
      'io.camunda.zeebe:candidateUsers': '["carl","dana"]',
      'io.camunda.zeebe:dueDate': '2026-12-01T10:00:00Z',
      'io.camunda.zeebe:followUpDate': '2026-11-30T09:00:00Z',
      'io.camunda.zeebe:formKey': 'camunda-forms:bpmn:approval-form',
    });
    await zbc.completeJob({ jobKey: job.key, variables: { approved: true } });
    expect((await h.outcome(key)).endEvents).toEqual(['end']);
  });

  it("a linked form's header is the key of the form's latest version; a form not deployed is FORM_NOT_FOUND", async () => {
    const zbc = h.client();
    const missing = await zbc.createProcessInstance({ bpmnProcessId: 'user-task-job-linked-form', variables: {} });
    const incident = await incidentOf(h, missing.processInstanceKey);
    expect(incident).toMatchObject({ errorType: 'FORM_NOT_FOUND', elementId: 'fill' });
    const deployed = await zbc.deployResources([{ name: 'approval.form', form: fixture('approval.form') }]);
    const formKey = (deployed.deployments as { form?: { formKey: string } }[]).find((d) => d.form)?.form?.formKey;
    await zbc.resolveIncident({ incidentKey: incident.key });
    const job = await jobOf(zbc, 'io.camunda.zeebe:userTask', missing.processInstanceKey);
    expect(job.customHeaders).toEqual({ 'io.camunda.zeebe:formKey': formKey });
  });

  it('a header expression that does not give what Zeebe expects is an EXTRACT_VALUE_ERROR incident naming it', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'user-task-job',
      variables: { owner: 'ann', reviewers: ['carl'], followUp: 'tomorrow' },
    });
    const incident = await incidentOf(h, key);
    expect(incident).toMatchObject({ errorType: 'EXTRACT_VALUE_ERROR', elementId: 'approve' });
    expect(incident.errorMessage).toMatch(/^followUpDate: expected an ISO 8601 date-time .* but was 'tomorrow'$/);
  });
});

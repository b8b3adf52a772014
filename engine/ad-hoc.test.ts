// Ad-hoc subprocesses (Camunda 8.8) through the SDK, to the end states the Camunda docs describe:
// activeElementsCollection activates inner elements on entry, each in an inner instance whose
// variables stay there; outputElement is collected into outputCollection; the completion
// condition ends the rest; a job worker decides what runs with Camunda's job result (REST).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFixture, incidentOf, jobOf, startHarness, waitUntil, type Harness } from './testing/engine-harness.js';

describe('ad-hoc subprocesses', () => {
  let h: Harness;
  let rest = '';
  beforeAll(async () => {
    h = await startHarness({ restPort: 0 });
    rest = `http://127.0.0.1:${h.running.restPort ?? 0}/v2`;
    await deployFixture(h.client(), 'ad-hoc.bpmn');
  });
  afterAll(async () => h.stop());

  it('activates the elements activeElementsCollection names and completes when they all did, collecting their output', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'ad-hoc-all',
      variables: { tools: ['search', 'summarize'], topic: 'BPMN' },
    });
    const search = await jobOf(zbc, 'adhoc.search', key);
    expect(h.history.get(key)?.completed).toContain('summarize');
    await zbc.completeJob({ jobKey: search.key, variables: { result: 'found 3' } });
    const ended = await h.ended(key);
    expect(ended).toMatchObject({ state: 'COMPLETED', endEvents: ['end'] });
    expect(ended.completed).not.toContain('notify');
    // What the inner elements wrote (result) stayed in their inner instances.
    expect(ended.variables).toEqual({
      tools: ['search', 'summarize'],
      topic: 'BPMN',
      results: ['summary of BPMN', 'found 3'],
    });
  });

  it('a completion condition that holds ends the remaining inner instances', async () => {
    const zbc = h.client();
    const r = await zbc.createProcessInstanceWithResult({ bpmnProcessId: 'ad-hoc-condition', variables: {} });
    expect(r.variables).toEqual({ answers: [42] });
    const left = await zbc.activateJobs({
      type: 'adhoc.slow',
      worker: 't',
      timeout: 1000,
      maxJobsToActivate: 5,
      requestTimeout: -1,
    });
    expect(left.filter((j) => j.processInstanceKey === r.processInstanceKey)).toEqual([]);
  });

  it('an element that is not an inner element of the subprocess is an incident naming it', async () => {
    const { processInstanceKey: key } = await h
      .client()
      .createProcessInstance({ bpmnProcessId: 'ad-hoc-all', variables: { tools: ['search', 'launch'], topic: 'x' } });
    const incident = await incidentOf(h, key);
    expect(incident).toMatchObject({ errorType: 'EXTRACT_VALUE_ERROR', elementId: 'research' });
    expect(incident.errorMessage).toMatch(/\[launch\]/);
  });

  it('instance modification does not activate an inner element past the ad-hoc subprocess', async () => {
    const zbc = h.client();
    const { processInstanceKey } = await zbc.createProcessInstance({
      bpmnProcessId: 'ad-hoc-all',
      variables: { tools: ['search'], topic: 'x' },
    });
    await expect(
      zbc.modifyProcessInstance({
        processInstanceKey,
        activateInstructions: [{ elementId: 'notify', ancestorElementInstanceKey: '-1', variableInstructions: [] }],
        terminateInstructions: [],
      }),
    ).rejects.toThrow(
      /INVALID_ARGUMENT.*unsupported: 'notify'. The activation of elements inside an ad-hoc sub-process is not supported/,
    );
    await zbc.cancelProcessInstance(processInstanceKey);
  });

  it('a job worker activates inner elements with its job result, gets a new job after each, and completes it', async () => {
    const zbc = h.client();
    const { processInstanceKey: key } = await zbc.createProcessInstance({
      bpmnProcessId: 'ad-hoc-agent',
      variables: {},
    });
    const first = await jobOf(zbc, 'adhoc.agent', key);
    expect((first.variables as Record<string, unknown>).adHocSubProcessElements).toEqual([
      { elementId: 'lookup', elementName: 'Look up', properties: { tool: 'search' } },
      { elementId: 'think', properties: {} },
    ]);
    const complete = (jobKey: string, body: object) =>
      fetch(`${rest}/jobs/${jobKey}/completion`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await complete(first.key, {
      result: { type: 'adHocSubProcess', activateElements: [{ elementId: 'nope' }] },
    });
    expect(bad.status).toBe(400);
    const ok = await complete(first.key, {
      variables: { memory: 1 },
      result: { type: 'adHocSubProcess', activateElements: [{ elementId: 'lookup', variables: { query: 'zeebe' } }] },
    });
    expect(ok.status).toBe(204);
    const lookup = await jobOf(zbc, 'adhoc.lookup', key);
    expect(lookup.variables).toMatchObject({ query: 'zeebe', memory: 1 });
    await zbc.completeJob({ jobKey: lookup.key, variables: { hits: 7 } });
    const second = await waitUntil(
      'a new job for the worker',
      () => jobOf(zbc, 'adhoc.agent', key),
      (j) => j.key !== first.key,
    );
    expect(
      (await complete(second.key, { result: { type: 'adHocSubProcess', isCompletionConditionFulfilled: true } }))
        .status,
    ).toBe(204);
    expect(await h.outcome(key)).toEqual({ state: 'COMPLETED', endEvents: ['a-end'], variables: {} });
  });
});
